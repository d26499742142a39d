"""sync.WaitGroup as Go 1.23 builds it (sync/waitgroup.go).

Invariant: a counter and a number of waiters; when ``Add`` brings the counter to 0,
every waiter wakes, and every ``Done`` happens before the ``Wait`` it unblocks returns
(race.ReleaseMerge in Add, race.Acquire in Wait: go-concurrency.md §3.4, §5.3).

Steps: ``Add(d)``: a step point; counter += d; below 0 ->
``panic("sync: negative WaitGroup counter")`` (waitgroup.go:64, a recoverable panic);
waiters present and ``d > 0`` and counter == d -> ``panic("sync: WaitGroup misuse: Add
called concurrently with Wait")`` (:67); at 0 wake all waiters. ``Done() = Add(-1)``.
``Wait()``: a step point; counter 0 -> return; else park until woken.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from gcemu.errors import GoPanic
from gcemu.sync.park import acquire, park, point, release, wake


class WaitGroup:
    """sync.WaitGroup with Go's method names."""

    def __init__(self, heap: Any):
        self.heap = heap
        self.counter = 0
        self.waiters: deque = deque()
        self.clock: dict[int, int] = {}

    def Add(self, delta: int) -> None:
        point(self.heap, f"WaitGroup.Add({delta})")
        if delta < 0:
            release(self.heap, self, merge=True)
        self.counter += delta
        if self.counter < 0:
            raise GoPanic("sync: negative WaitGroup counter")
        if self.waiters and delta > 0 and self.counter == delta:
            raise GoPanic("sync: WaitGroup misuse: Add called concurrently with Wait")
        if self.counter > 0:
            return
        while self.waiters:
            wake(self.waiters.popleft())

    def Done(self) -> None:
        self.Add(-1)

    def Wait(self) -> None:
        point(self.heap, "WaitGroup.Wait")
        if self.counter != 0:
            park(self.heap, self.waiters, "sync.WaitGroup.Wait")
        acquire(self.heap, self)


__all__ = ["WaitGroup"]
