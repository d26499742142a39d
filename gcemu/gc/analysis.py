"""Why each object is retained: reachability over the model's traced edges.

Invariant
---------
Everything here reads the heap as it is at mark termination and follows exactly the
edges the marker traces (`gcemu.gc.scan`), so an object is reachable here if and only if a
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

from typing import TYPE_CHECKING, Any

from gcemu.core.models import Model
from gcemu.gc.scan import describe_edge, is_current, object_edges, root_edges

if TYPE_CHECKING:
    from gcemu.core.heap import Heap, HeapObject

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
