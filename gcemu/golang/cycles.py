"""Which collected objects Go can never finalize: those on a pointer cycle, and behind one.

Invariant
---------
The Go side of a comparison learns what the collector freed from finalizers (every
object and map of the trace has one). Go runs a finalizer only for an object nothing
reaches, *not even itself*: before sweeping, the mark phase marks everything an
unreachable finalizable object points to (``runtime.markrootSpans`` in
runtime/mgcmark.go: "mark everything it points to, but not the object itself"). So an
object that reaches itself through any path of pointers is never finalized, and whatever
such an object reaches is kept with it. gcemu models the collector, not finalizers, and
frees a garbage cycle at once. For those objects the finalized set says nothing about
the map; they are *not verifiable this way*, and the comparison sets them aside instead
of calling the difference a divergence.

Steps
-----
1. The nodes are the allocations gcemu freed at this GC point (a freed object keeps its
   value, so the graph is still there); the edges are the pointers the model's marker
   traces (`gcemu.gc.scan.object_edges`), between freed allocations only. Buckets arrays,
   mapextra and the like are nodes too: a cycle through a map is a cycle.
2. Tarjan's strongly connected components, iteratively (a long list must not overflow
   Python's stack): a node is on a cycle when its component has two members or more,
   or it points to itself.
3. Everything reachable from a node on a cycle is kept with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gcemu.gc.scan import object_edges


def _successors(obj: Any, policy: str) -> list:
    out: list = []

    def visit(p: Any, _edge: Any) -> None:
        o = getattr(p, "owner", None)
        if o is not None and o.freed == obj.freed:
            out.append(o)
    object_edges(obj, policy, visit)
    return out


def unfinalizable(freed: Iterable[Any], policy: str) -> set[int]:
    """The ``id()`` of every allocation reachable from ``freed`` (allocations gcemu freed
    in one cycle) that lies on a pointer cycle of freed allocations or is reachable from
    one: what Go would never finalize."""
    succ: dict[int, list] = {}
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list = []
    cyclic: list = []
    for root in freed:
        if id(root) in index:
            continue
        work = [(root, 0)]
        while work:
            v, k = work.pop()
            vid = id(v)
            if k == 0:
                index[vid] = low[vid] = len(index)
                stack.append(v)
                on_stack.add(vid)
                succ[vid] = _successors(v, policy)
            nexts = succ[vid]
            if k < len(nexts):
                work.append((v, k + 1))
                w = nexts[k]
                if id(w) not in index:
                    work.append((w, 0))
                elif id(w) in on_stack:
                    low[vid] = min(low[vid], index[id(w)])
                continue
            if low[vid] == index[vid]:  # v roots a component: pop it
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(id(w))
                    comp.append(w)
                    if w is v:
                        break
                if len(comp) > 1 or any(w is v for w in succ[vid]):
                    cyclic += comp
            if work:  # the caller's low takes the callee's
                parent = work[-1][0]
                low[id(parent)] = min(low[id(parent)], low[vid])
    kept: set[int] = set()
    todo = cyclic
    while todo:
        v = todo.pop()
        if id(v) in kept:
            continue
        kept.add(id(v))
        todo += [w for w in succ.get(id(v), ()) if id(w) not in kept]
    return kept


__all__ = ["unfinalizable"]
