"""A goroutine: a Python function run as a greenlet, with its own stack in the root set.

Invariant
---------
Exactly one goroutine runs at a time (the `Scheduler`'s ``current``); a goroutine
gives up the processor only at a step point (`Scheduler.point`), when it blocks
(`Scheduler.block`) or when it returns. Its stack (`gcemu.core.roots.Stack`) is one
of ``heap.stacks`` from ``go`` until it returns, so the map iterators it holds are
roots while it lives, as a real goroutine's stack is (runtime.newproc1, goexit0).

States follow runtime2.go's ``_Grunnable`` / ``_Gwaiting`` / ``_Gdead``: ``runnable``
(running or ready), ``waiting`` (blocked in a channel, a mutex, a WaitGroup) and
``dead``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from greenlet import greenlet

from gcemu.core.roots import Stack

RUNNABLE = "runnable"
WAITING = "waiting"
DEAD = "dead"


class GoFatal(BaseException):
    """``runtime.fatal``: the program stops at once; no deferred call runs and no
    ``recover`` (no Python ``except Exception``) can stop it. ``str()`` is Go's
    message without the ``fatal error: `` prefix."""


class GoExit(BaseException):
    """Thrown into a goroutine that is still alive when the program ends (main
    returned, or another goroutine died with a fatal error): it unwinds its frames."""


class Goroutine:
    """One goroutine (runtime.g): an id, a greenlet, a stack, a vector clock."""

    __slots__ = ("args", "clock", "fn", "glet", "goid", "parked", "pending", "stack", "state",
                 "system", "wait")

    def __init__(self, goid: int, fn: Callable[..., Any], args: tuple, glet: greenlet | None,
                 system: bool = False):
        self.goid = goid
        self.system = system  # a runtime goroutine (the GC's mark worker)
        self.fn = fn
        self.args = args
        self.glet = glet
        self.stack = Stack("main" if goid == 1 else
                           f"goroutine {goid}" + (" (GC worker)" if system else ""))
        self.state = RUNNABLE
        self.wait = ""  # why it waits: Go's waitReason, e.g. "sync.Mutex.Lock"
        self.parked: Any = None  # what a waker hands over (a channel value)
        self.pending = "start"  # what it does when it runs next (its last point's label)
        self.clock: dict[int, int] = {goid: 1}  # the race detector's vector clock

    def __repr__(self) -> str:
        extra = f" ({self.wait})" if self.state == WAITING else ""
        return f"<goroutine {self.goid} {self.state}{extra}>"


__all__ = ["DEAD", "RUNNABLE", "WAITING", "GoExit", "GoFatal", "Goroutine"]
