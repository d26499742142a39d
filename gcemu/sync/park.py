"""What every sync object does with the scheduler: a step point, parking on a wait
queue, waking, and the race detector's release/acquire edges (go-concurrency.md §3.4).

Outside an exploration (``heap.sched`` is None) there is one goroutine: a point costs
nothing and a goroutine that would park can never be woken, so it is Go's deadlock.
`Sema` is runtime/sema.go's semaphore (semacquire / semrelease, FIFO), as
`sync.RWMutex` uses two of them.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from gcemu.sched.goroutine import GoFatal
from gcemu.sched.race import RaceDetector

ASLEEP = "all goroutines are asleep - deadlock!"


def point(heap: Any, label: str) -> None:
    s = heap.sched
    if s is not None:
        s.point(label)


def park(heap: Any, queue: deque, reason: str, front: bool = False, item: Any = None) -> Any:
    """Queue the running goroutine (with ``item``) and block it until `wake`."""
    s = heap.sched
    if s is None:
        raise GoFatal(ASLEEP)
    entry = s.current if item is None else (s.current, item)
    if front:
        queue.appendleft(entry)
    else:
        queue.append(entry)
    return s.park(reason)


def wake(g: Any, value: Any = None) -> None:
    """runtime.goready: ``g`` becomes runnable and gets ``value``."""
    g.state = "runnable"
    g.wait = ""
    g.parked = value


def release(heap: Any, obj: Any, merge: bool = False) -> None:
    s = heap.sched
    if s is not None and s.race is not None:
        RaceDetector.release(s.current, obj, merge)


def acquire(heap: Any, obj: Any) -> None:
    s = heap.sched
    if s is not None and s.race is not None:
        RaceDetector.acquire(s.current, obj)


class Sema:
    """runtime/sema.go: a count and a FIFO of parked goroutines; a release hands the
    unit straight to the first waiter."""

    __slots__ = ("clock", "count", "heap", "waiters")

    def __init__(self, heap: Any):
        self.heap = heap
        self.count = 0
        self.waiters: deque = deque()
        self.clock: dict[int, int] = {}

    def acquire(self, reason: str) -> None:  # semacquire
        if self.count > 0:
            self.count -= 1
            return
        park(self.heap, self.waiters, reason)

    def release(self) -> None:  # semrelease
        if self.waiters:
            wake(self.waiters.popleft())
        else:
            self.count += 1


__all__ = ["ASLEEP", "Sema", "acquire", "park", "point", "release", "wake"]
