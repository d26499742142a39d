"""Rewinding: the snapshots of a GC cycle's past steps, rebuilt from the heap's trace.

A `Recording` made from a cycle that already ran (a scenario that called ``heap.gc()``,
stepped it and deleted a key, then handed the heap over) saw none of those steps: the
heap is only as it is now. Drawing every earlier step with the structure of now would
show, at step 0, a delete that happens later.

Invariant: with the same model and seed, a replay of the heap's trace makes the same
random draws and allocations in the same order (`gcemu.trace`), so it passes through
every state the recorded heap passed through, with the same object ids.

Steps:

1. replay the trace on a fresh heap of the same class, model and seed, up to and
   including the ``gc_start`` of the running cycle: a snapshot of that heap is the
   structure at step 0;
2. replay the rest one record at a time; the replay's own cycle notes a `Mutation`
   per mutator operation, in the order the recorded cycle did: once the replay has
   noted every mutation the recorded cycle noted at step ``t`` (``Mutation.step``), a
   snapshot is the structure in force from step ``t`` on (what `Recording` would
   have taken before step ``t + 1``);
3. check the replay's last state against the heap's own: every node and every
   bucket's or group's cells the same. Anything else (a map with ``hash=``, a heap
   made with ``trace=False``, a replay that went elsewhere) gives None, and the
   caller draws the past steps with the structure of now, and says so.
"""

from __future__ import annotations

from typing import Any

from gcemu.base.events import Mutation
from gcemu.base.pygc import paused
from gcemu.core.heap import Heap
from gcemu.errors import GcemuError
from gcemu.render.snapshot import Snapshot
from gcemu.trace import Replayer, TraceError


def _mutation_steps(history: list) -> list[int]:
    return [e.step for e in history if isinstance(e, Mutation)]


def _same(a: Snapshot, b: Snapshot) -> bool:
    """Whether two snapshots draw the same structure (nodes, cells, edges)."""
    if a.nodes.keys() != b.nodes.keys() or a.buckets.keys() != b.buckets.keys():
        return False
    for bid, x in a.buckets.items():
        y = b.buckets[bid]
        if (x.ctrl, x.keys, x.elems, x.edges, x.overflow) != (
                y.ctrl, y.keys, y.elems, y.edges, y.overflow):
            return False
    return all(n.edges == b.nodes[nid].edges and n.rows == b.nodes[nid].rows
               for nid, n in a.nodes.items())


def rewind(heap: Heap, cycle: Any, now: Snapshot) -> list[tuple[int, Snapshot]] | None:
    """The snapshots of ``cycle``'s steps so far, ``[(step, snapshot), ...]`` (step 0
    first), rebuilt by replaying ``heap.trace``; None when that cannot be done
    faithfully. ``now``: the heap's snapshot as of now (the check of step 3)."""
    trace = getattr(heap, "trace", None)
    if trace is None:
        return None
    records = trace.records()
    starts = [i for i, r in enumerate(records) if r["op"] == "gc_start"]
    if not starts or any(r.get("custom_hash") for r in records):
        return None
    start = starts[-1]
    wanted = _mutation_steps(cycle.history)
    with paused():
        try:
            replay = Replayer(type(heap)(model=heap.model.name, seed=heap.seed))
            replay.run(records[:start + 1])
            snaps = [(0, Snapshot.take(replay.heap))]
            done = 0
            for r in records[start + 1:]:
                replay.step(r)
                got = len(_mutation_steps(replay.cycle.history))
                if got > len(wanted):
                    return None
                if got > done:
                    done = got
                    t = wanted[done - 1]
                    if done == len(wanted) or wanted[done] != t:
                        snap = Snapshot.take(replay.heap)
                        snaps = [x for x in snaps if x[0] != t] + [(t, snap)]
        except (GcemuError, TraceError, KeyError, TypeError, ValueError):
            return None
    if done != len(wanted) or not _same(snaps[-1][1], now):
        return None
    return snaps


__all__ = ["rewind"]
