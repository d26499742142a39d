"""Go's run queue under GOMAXPROCS=1: who runs after a Gosched, a park or a return.

Invariant
---------
With one P the runtime never preempts between two map calls of a short program
(go-concurrency.md §4.2: 4,800 runs), so a goroutine gives the processor up only at
``runtime.Gosched()``, when it parks, or when it returns, and who runs next is
decided by the P's queues alone (runtime/proc.go, go1.23.9):

- ``runnext``: one slot. ``newproc`` and ``goready`` put the goroutine there
  (``runqput(pp, gp, next=true)``); the goroutine it held is kicked to the tail of
  the local queue;
- the local run queue ``runq`` (FIFO);
- the global run queue ``sched.runq`` (FIFO): ``goschedImpl`` puts the yielding
  goroutine at its tail (``globrunqput``).

``schedule`` -> ``findRunnable`` takes, in this order: one goroutine from the global
queue when ``schedtick % 61 == 0`` (fairness), else ``runnext``, else the head of the
local queue (``runqget``), else the global queue's head, moving up to
``len/gomaxprocs + 1`` of the others to the local queue (``globrunqget``). ``execute``
counts ``schedtick`` unless the goroutine came from ``runnext`` (it inherits the time
slice). `GoRunQueue` is a strategy of `gcemu.sched.strategy` that mirrors this.

What is not known from inside the program: the value of ``schedtick`` when main
starts (runtime.main has already scheduled the runtime's own goroutines). It is taken
as 1 here, so the fairness pick first falls 60 non-``runnext`` switches into the run;
the runtime's own goroutines (bgsweep, the scavenger, forcegc) are not in the queues
either. Both matter only to long runs; the conformance test checks the order on Go.

The strategy learns of new and woken goroutines from ``enabled``: one it does not
track is put into ``runnext`` (``newproc`` and ``goready`` do the same), in id order,
which is the order ``go`` statements ran in.
"""

from __future__ import annotations

from collections import deque

from gcemu.errors import GcemuError

FAIRNESS = 61  # runtime/proc.go findRunnable: schedtick%61 == 0


class GoRunQueue:
    """The P's queues of Go 1.23 with GOMAXPROCS=1 (see the module essay)."""

    def __init__(self, schedtick: int = 1):
        self.first_tick = schedtick
        self.start()

    def start(self) -> None:
        self.runnext: int | None = None
        self.local: deque[int] = deque()
        self.glob: deque[int] = deque()
        self.schedtick = self.first_tick
        self.running = 1  # main runs first

    def _tracked(self) -> set[int]:
        return {self.running, *self.local, *self.glob} | (
            set() if self.runnext is None else {self.runnext})

    def _runqput_next(self, g: int) -> None:
        if self.runnext is not None:
            self.local.append(self.runnext)
        self.runnext = g

    def choose(self, current: int, enabled: list[int], free: bool) -> int:
        tracked = self._tracked()
        for g in enabled:  # spawned or woken since the last point: newproc / goready
            if g not in tracked:
                self._runqput_next(g)
        if not free and current in enabled:
            return current  # no preemption with one P
        if current in enabled:  # Gosched: goschedImpl -> globrunqput
            self.glob.append(current)
        g, inherit = self._find_runnable()
        if not inherit:
            self.schedtick += 1
        if g not in enabled:
            raise GcemuError(f"Go's run queue picks goroutine {g}, which cannot run "
                             f"(runnable: {', '.join(map(str, enabled))})")
        self.running = g
        return g

    def _find_runnable(self) -> tuple[int, bool]:
        if self.schedtick % FAIRNESS == 0 and self.glob:
            return self.glob.popleft(), False
        if self.runnext is not None:
            g, self.runnext = self.runnext, None
            return g, True
        if self.local:
            return self.local.popleft(), False
        if self.glob:  # globrunqget(pp, 0): n = len/gomaxprocs + 1, capped at len
            g = self.glob.popleft()
            self.local.extend(self.glob)
            self.glob.clear()
            return g, False
        raise GcemuError("Go's run queue is empty: no goroutine to run")


__all__ = ["FAIRNESS", "GoRunQueue"]
