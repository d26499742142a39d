"""The GC's mark worker as one more goroutine of the schedule (runtime.gcBgMarkWorker).

Invariant
---------
A cycle started under the scheduler (``h.go_gc()``) is advanced only by its mark
worker, a system goroutine the strategy schedules like any other: each unit of the
cycle's work (`gcemu.gc.marker.Cycle.step`: one root, one object, one bucket slot,
mark termination, sweep) runs between two of the worker's step points, through the
one step loop (`gcemu.sched.Session.step`), so the mutators' map operations run
between any two units with the write barrier on (``heap.marking``). Whatever the
schedule, mark termination's check (no black object points to a white one) must hold;
an object a mutator deleted while marking survives the cycle (floating garbage), as Go's
hybrid barrier allows (models.md; go-classic-map.md §11.7).

Steps (`start_gc`)
------------------
1. A step point before the call (``runtime.GC`` or a ``gcStart``): another goroutine
   may run first, so a mutation can land before the cycle as well as during it.
2. ``gc()`` starts the cycle (runtime/mgc.go ``gcStart``): the barrier turns on, new
   objects are born black, and the roots are the globals and the stacks of the
   goroutines alive now (mgcmark.go ``gcMarkRootPrepare``: "Gs may be created after
   this point ... they begin life without any roots"). The worker's own stack holds
   no heap pointer and is no root.
3. The worker goroutine (mgc.go ``gcBgMarkStartWorkers``, ``gcBgMarkWorker``) loops:
   one unit, then a step point, as ``gcDrain`` checks for preemption between units
   of work (mgcmark.go); it does mark termination (``gcMarkDone``,
   ``gcMarkTermination``) and sweep itself, then readies the waiter and exits.
4. With ``wait`` (``runtime.GC()``), the caller parks as ``gcWaitOnMark`` does,
   "wait for GC cycle", until the worker has swept; without it (a cycle the pacer
   starts from ``mallocgc``) the caller goes on.

What the worker did at a step point is its label there (the first events of the
unit), so a replayed schedule shows the marking lane beside the mutators'.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gcemu.sched.session import Session

WAIT_FOR_GC = "wait for GC cycle"  # runtime2.go waitReasonWaitForGCCycle


def _describe(cycle: Any, events: list) -> str:
    """A short account of one unit of the cycle's work."""
    shown = "; ".join(str(e) for e in events[:2]) or cycle.phase
    more = f" (+{len(events) - 2} more)" if len(events) > 2 else ""
    return f"GC: {shown}{more}"


def _work(s: Any, session: Session, waiter: Any) -> None:
    """The worker's body (gcBgMarkWorker + gcDrain): one unit per step point."""
    cycle = session.cycle
    while True:
        events = session.step()
        s.note(_describe(cycle, events))
        if cycle.done:
            break
        s.point("GC: gcDrain")
    if waiter is not None:
        s.ready(waiter)


def start_gc(s: Any, gc: Callable[[], Any], wait: bool) -> Any:
    """Start a cycle (``gc()``) whose mark worker is a goroutine of scheduler ``s``;
    with ``wait`` the running goroutine parks until the cycle is over. Returns the
    cycle (see the module essay)."""
    s.point("runtime.GC" if wait else "gcStart")
    cycle = gc()
    waiter = s.current if wait else None
    s.spawn_system(_work, (s, Session(s.heap, cycle), waiter))
    if wait:
        s.park(WAIT_FOR_GC)
    return cycle


__all__ = ["WAIT_FOR_GC", "start_gc"]
