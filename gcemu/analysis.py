"""Why each object is retained: reachability over the model's traced edges.

Invariant
---------
Everything here reads the heap as it is at mark termination and follows exactly the
edges the marker traces (`gcemu.scan`), so an object is reachable here if and only if a
stop-the-world cycle marks it. An object the marker kept that is not reachable here
was shaded by the write barrier or allocated black during the cycle: floating garbage.

Steps (`Reachability`)
----------------------
Each edge has a reason: a traced full slot or any other pointer is ``live``; a pointer
in a slot whose tophash says it is not full is ``stale-slot`` (scanmap: emptyOne or an
evacuated copy) or ``oldbuckets`` (go: stale pointers in old buckets; both models: an
array only an iterator still holds). A breadth-first search from the roots first
follows live edges only; the stale edges it meets wait, and a second search starts
from them, then a third from the old-bucket edges. The search an object is first
reached in gives its reason, and its parent pointers give a shortest path inside that
search, the path `Report.why` prints.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from gcemu.models import Model
from gcemu.scan import describe_edge, is_current, object_edges, root_edges, slot_state

if TYPE_CHECKING:
    from gcemu.heap import Heap, HeapObject

LIVE = "live"
STALE_SLOT = "stale-slot"
OLDBUCKETS = "oldbuckets"
FLOATING = "floating"
LEVELS = (LIVE, STALE_SLOT, OLDBUCKETS)


class ConsistencyError(AssertionError):
    """The tri-color invariant is broken: a black object points to a white one."""


def _black_to_white(source: Any, target: HeapObject, edge: tuple, model: Model) -> None:
    where = "a root" if source is None else source.label
    raise ConsistencyError(
        f"black -> white: {where} points to white {target.label} via "
        f"{describe_edge(edge)} (model {model.name})")


def edge_reason(edge: tuple, model: Model) -> str:
    """The retention reason an edge carries (see the module essay)."""
    if edge[0] != "slot" or not edge[7]:
        return LIVE
    return model.stale_reason if is_current(edge[1]) else OLDBUCKETS


class Reachability:
    """Reason and shortest path of every object reachable from the roots.

    With ``marked`` (the colour at or above which a cycle calls an object marked),
    it is also mark termination's consistency check: a traced pointer from a root or
    a marked object to an unmarked one raises `ConsistencyError` ("black -> white").
    The marked objects it does not reach (floating garbage) are checked too.
    """

    def __init__(self, heap: Heap, marked: int | None = None):
        self.heap = heap
        model = heap.model
        stale_reason = model.stale_reason
        self.reason: dict[HeapObject, str] = {}
        # obj -> (previous object or None for a root, edge)
        self.parent: dict[HeapObject, tuple[Any, tuple]] = {}
        # stale edges whose target is reachable: (source object, edge, target)
        self.stale_edges: list[tuple[HeapObject, tuple, HeapObject]] = []
        reason, parent, stale = self.reason, self.parent, self.stale_edges
        deferred: list[list] = [[], [], []]  # by level: edges a lower level may not take
        queue: list = []
        level = 0
        source: Any = None
        check = marked is not None

        def visit(p: Any, edge: tuple) -> None:
            o = p.owner
            if check and o.color < marked:
                _black_to_white(source, o, edge, model)
            if edge[0] == "slot" and edge[7]:
                r = 1 if stale_reason == STALE_SLOT and is_current(edge[1]) else 2
                stale.append((source, edge, o))
                if r > level:
                    if o not in reason:
                        deferred[r].append((o, source, edge))
                    return
            if o not in reason:
                reason[o] = LEVELS[level]
                parent[o] = (source, edge)
                queue.append(o)

        for label, root in heap.roots():
            root_edges(label, root, visit)
        policy = model.scan
        for level in range(len(LEVELS)):
            for o, src, edge in deferred[level]:
                if o not in reason:
                    reason[o] = LEVELS[level]
                    parent[o] = (src, edge)
                    queue.append(o)
            i = 0
            while i < len(queue):  # breadth first: shortest paths
                source = queue[i]
                i += 1
                object_edges(source, policy, visit)
            queue.clear()
        if check:  # floating garbage must not point to white objects either
            black = marked + 1

            def check_only(p: Any, edge: tuple) -> None:
                if p.owner.color < marked:
                    _black_to_white(source, p.owner, edge, model)

            for obj in heap.objects.values():
                if obj.color == black and obj not in reason:
                    source = obj
                    object_edges(obj, policy, check_only)

    def path(self, obj: HeapObject) -> list[tuple[Any, tuple]]:
        """[(source, edge), ...] from a root to ``obj`` (empty if unreachable)."""
        out = []
        o = obj.owner
        while o in self.parent:
            src, edge = self.parent[o]
            out.append((src, edge, o))
            if src is None:
                break
            o = src
        out.reverse()
        return out


def traced_edges(heap: Heap) -> Iterable[tuple[Any, Any, tuple]]:
    """Every traced edge (source, target, edge) reachable from the roots; a root's
    source is its label."""
    policy = heap.model.scan
    seen: set = set()
    todo: list = []
    out: list = []
    src: Any = None

    def visit(p: Any, edge: tuple) -> None:
        o = p.owner
        out.append((src, o, edge))
        if o not in seen:
            seen.add(o)
            todo.append(o)

    for label, root in heap.roots():
        src = label
        root_edges(label, root, visit)
    while todo:
        src = todo.pop()
        object_edges(src, policy, visit)
    return out


def traced_graph(heap: Heap):
    """The traced object graph as a ``networkx.MultiDiGraph``.

    Nodes are object labels (``T#3``) and root labels (``global m``), with attributes
    ``kind``, ``name``, ``size``; edges carry ``label`` (as in paths), ``slot``,
    ``tophash`` (the state name of the slot's tophash or control byte), ``stale`` and
    ``reason``.

    Examples
    --------
    >>> import gcemu
    >>> h = gcemu.Heap()
    >>> _ = h.declare("type T struct { id int }")
    >>> m = h.make_map("map[string]*T", name="m")
    >>> m["a"] = h.new("T", name="v")
    >>> g = h.to_networkx()
    >>> sorted(g.successors("global m"))
    ['hmap#1']
    """
    import networkx as nx

    g = nx.MultiDiGraph(model=heap.model.name)
    for label, _ in heap.roots():
        g.add_node(label, kind="root", name=label, size=0)
    for src, dst, edge in traced_edges(heap):
        for o in (src, dst):
            if not isinstance(o, str) and o.label not in g:
                g.add_node(o.label, kind=o.kind_label(), name=o.name or "", size=o.size)
        attrs = {"label": describe_edge(edge), "stale": False, "slot": None,
                 "tophash": None, "reason": edge_reason(edge, heap.model)}
        if edge[0] == "slot":
            attrs.update(slot=edge[4], tophash=slot_state(edge[1], edge[5]), stale=edge[7])
        g.add_edge(src if isinstance(src, str) else src.label, dst.label, **attrs)
    return g


def retained_bytes(heap: Heap, obj: HeapObject, graph=None) -> int:
    """Bytes that would be freed if ``obj`` became unreachable: the sizes of its
    dominator subtree in the traced graph (networkx ``immediate_dominators``)."""
    import networkx as nx

    g = nx.DiGraph(graph if graph is not None else traced_graph(heap))
    top = "<roots>"
    g.add_node(top, size=0)
    for n, data in list(g.nodes(data=True)):
        if data.get("kind") == "root":
            g.add_edge(top, n)
    if obj.label not in g:
        return 0
    idom = nx.immediate_dominators(g, top)
    children: dict[str, list[str]] = {}
    for n, d in idom.items():
        if n != d:
            children.setdefault(d, []).append(n)
    total, todo = 0, [obj.label]
    while todo:
        n = todo.pop()
        total += g.nodes[n].get("size", 0)
        todo.extend(children.get(n, ()))
    return total
