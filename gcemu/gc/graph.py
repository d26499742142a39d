"""The traced object graph: every edge the marker follows, as networkx sees it.

`traced_edges` walks the heap from its roots through exactly the pointers the model
traces (`gcemu.gc.scan`), as a stop-the-world mark would; `traced_graph` turns them into
a ``networkx.MultiDiGraph`` (objgraph's plain verbs, for users who want to query the
heap themselves) and `retained_bytes` asks networkx's dominators what freeing one
object would free.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from gcemu.gc.analysis import edge_reason
from gcemu.gc.scan import describe_edge, object_edges, root_edges, slot_state

if TYPE_CHECKING:
    from gcemu.core.heap import Heap, HeapObject


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
        if not o.shown:  # string data
            return
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
    import networkx as nx  # on first use: it costs 0.2 s to import

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


__all__ = ["retained_bytes", "traced_edges", "traced_graph"]
