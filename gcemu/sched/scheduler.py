"""The scheduler: goroutines as greenlets, switched only at step points.

Invariant
---------
One goroutine runs at a time. It hands the processor over only at a step point
(`Scheduler.point`), when it parks (`Scheduler.park`: a channel, a mutex, a
WaitGroup) or when it returns; there the strategy (`gcemu.sched.strategy`) picks the
next goroutine among the runnable ones, and the pick is appended to the run's
`Schedule`. The program ends as Go's does: when main returns (``ok``: the other
goroutines die with it), at the first ``fatal`` (no deferred call runs), at an
unrecovered panic, or when no goroutine can run (``fatal error: all goroutines are
asleep - deadlock!``: runtime/proc.go ``checkdead``).

Steps of one run (`Scheduler.run`)
----------------------------------
1. The scenario is goroutine 1, main, a greenlet whose parent is the driver (the
   caller of ``run``); ``heap.sched`` is this scheduler, so maps, channels and sync
   call back into it.
2. At each point: count it against the step budget; a point *inside* a map operation
   offers no choice when ``gomaxprocs == 1`` (go-concurrency.md §1.5: the runtime
   never preempts runtime code, so goroutines interleave only between map calls);
   otherwise the strategy picks, and a different pick switches greenlets at once.
3. A goroutine that returns or parks hands over to the strategy's pick among the
   runnable; if none is runnable the driver gets control back and names the deadlock.
4. The driver throws `GoExit` into every goroutine still alive, so their ``finally``
   blocks (a range loop's iterator leaving the stack) run, and detaches from the heap.

A Python exception other than Go's own (a bug in the scenario) ends the run as a
`gcemu.errors.GcemuError` naming the goroutine, for the caller to print as one line.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from typing import Any

from greenlet import greenlet

from gcemu.errors import GcemuError, GoPanic
from gcemu.sched import mapsteps, markworker
from gcemu.sched.goroutine import DEAD, RUNNABLE, WAITING, GoExit, GoFatal, Goroutine
from gcemu.sched.race import RaceDetector
from gcemu.sched.schedule import Schedule

OK = "ok"
DEADLOCK = "fatal error: all goroutines are asleep - deadlock!"
EXCEEDED = "exceeded max steps"


class Scheduler:
    """The goroutines of one run and the loop that switches them.

    Parameters
    ----------
    heap : gcemu.Heap
    strategy : object
        A strategy of `gcemu.sched.strategy` (``start()``, ``choose(...)``).
    gomaxprocs : int
        1 follows Go's rule: no switch inside a map operation.
    max_steps : int
        The step budget of one run; past it the run ends as ``"exceeded max steps"``.
    race : bool
        Keep a `RaceDetector` (happens-before over vector clocks).
    """

    def __init__(self, heap: Any, strategy: Any, gomaxprocs: int = 2,
                 max_steps: int = 10_000, race: bool = True):
        if not isinstance(gomaxprocs, int) or gomaxprocs < 1:
            raise GcemuError(f"gomaxprocs must be a positive int, got {gomaxprocs!r}")
        self.heap = heap
        self.strategy = strategy
        self.gomaxprocs = gomaxprocs
        self.max_steps = max_steps
        self.race = RaceDetector() if race else None
        self.gs: list[Goroutine] = []
        self.current: Goroutine | None = None
        self.steps: list[int] = []       # the schedule: a goroutine id per point
        self.labels: list[str] = []      # what each point was about to do
        self.outcome: str | None = None
        self.error: BaseException | None = None
        self.exiting = False
        self.inside_switch = False  # a switch inside a map operation happened
        self._driver: greenlet | None = None

    # -- the run -------------------------------------------------------------------
    def run(self, scenario: Callable[[Any], Any]) -> str:
        """Run ``scenario(heap)`` as main; returns the outcome (Go's last words)."""
        heap = self.heap
        self.strategy.start()
        self._driver = greenlet.getcurrent()
        main = self._spawn(scenario, (heap,))
        heap.sched = self
        self._enter(main)
        try:
            main.glet.switch()
            if self.outcome is None:  # the driver got control back: nobody can run
                self.outcome = DEADLOCK
        finally:
            self._shutdown()
        if self.error is not None:
            raise self.error
        return self.outcome

    def _spawn(self, fn: Callable[..., Any], args: tuple, system: bool = False) -> Goroutine:
        g = Goroutine(len(self.gs) + 1, fn, args, None, system)
        g.glet = greenlet(lambda *_: self._body(g), parent=self._driver)
        self.gs.append(g)
        if g.goid == 1:
            g.stack = self.heap.stacks[0]
        elif not system:  # a system goroutine's stack holds no heap pointer: no root
            self.heap.stacks.append(g.stack)
        return g

    def _enter(self, g: Goroutine) -> None:
        self.current = g
        self.heap.stack = g.stack

    def _body(self, g: Goroutine) -> None:
        try:
            g.fn(*g.args)
        except GoExit:
            return
        except GoFatal as e:
            self._end(f"fatal error: {e}")
            return
        except GoPanic as e:
            self._end(f"panic: {e}")
            return
        except GcemuError as e:
            self._fail(GcemuError(f"goroutine {g.goid}: {e}"))
            return
        except Exception as e:  # a bug in the scenario: one line naming the goroutine
            self._fail(GcemuError(f"goroutine {g.goid} raised {type(e).__name__}: {e}"))
            return
        self._exit(g)
        if g.goid == 1:
            self._end(OK)
            return
        nxt = self._pick(g, free=True)
        if nxt is not None:  # hand over by returning into the next goroutine
            self._enter(nxt)
            g.glet.parent = nxt.glet

    def _exit(self, g: Goroutine) -> None:
        g.state = DEAD
        if g.goid > 1 and g.stack in self.heap.stacks:
            self.heap.stacks.remove(g.stack)

    def _end(self, outcome: str) -> None:
        if self.outcome is None:
            self.outcome = outcome

    def _fail(self, error: BaseException) -> None:
        self.error = error
        self._end("error")

    def _shutdown(self) -> None:
        self.exiting = True
        for g in self.gs:
            if g.state != DEAD and g.glet is not None and not g.glet.dead:
                g.glet.parent = greenlet.getcurrent()
                with suppress(GoExit):
                    g.glet.throw(GoExit)
            self._exit(g)
        self.heap.sched = None
        self.heap.stack = self.heap.stacks[0]

    # -- step points ---------------------------------------------------------------
    def point(self, label: str, inside: bool = False, free: bool = False) -> None:
        """A step point of the running goroutine: another may run now. ``inside``: in
        the middle of a map operation (no switch under gomaxprocs 1); ``free``: a
        voluntary switch (``Gosched``), not counted as a preemption."""
        if self.exiting:
            raise GoExit
        g = self.current
        if inside and self.gomaxprocs == 1:
            g.pending = label
            self.steps.append(g.goid)
            self.labels.append(label)
            self._budget()
            return
        nxt = self._pick(g, free, label)
        if nxt is not g:
            self.inside_switch = self.inside_switch or inside
            self._switch(nxt)

    def _budget(self) -> None:
        if len(self.steps) > self.max_steps:
            self._end(EXCEEDED)
            self._driver.switch()

    def _pick(self, g: Goroutine, free: bool, label: str = "") -> Goroutine | None:
        enabled = [x.goid for x in self.gs if x.state == RUNNABLE]
        if not enabled:
            return None
        c = self.strategy.choose(g.goid, enabled, free or g.state != RUNNABLE)
        g.pending = label
        nxt = self.gs[c - 1]
        self.steps.append(c)
        self.labels.append(nxt.pending)
        self._budget()
        return nxt

    def _switch(self, nxt: Goroutine) -> None:
        self._enter(nxt)
        nxt.glet.switch()
        if self.exiting:
            raise GoExit

    # -- what goroutines ask -------------------------------------------------------
    def go(self, fn: Callable[..., Any], args: tuple) -> Goroutine:
        """``go fn(args...)``: a new runnable goroutine (runtime.newproc); the parent
        keeps running until its next point."""
        parent = self.current
        g = self._spawn(fn, args)
        if self.race is not None:
            g.clock = dict(parent.clock)
            g.clock[g.goid] = 1
            parent.clock[parent.goid] += 1
        return g

    def spawn_system(self, fn: Callable[..., Any], args: tuple) -> Goroutine:
        """A runtime goroutine (``isSystemGoroutine``: the GC's mark worker): scheduled
        like the others, its stack no root, no happens-before edge with its parent."""
        return self._spawn(fn, args, system=True)

    def note(self, text: str) -> None:
        """Label the current step point with what the running goroutine did there
        (the mark worker's unit of work, known only once it ran)."""
        if self.labels:
            self.labels[-1] = text

    def park(self, reason: str) -> Any:
        """Block the running goroutine until `ready` wakes it (runtime.gopark); returns
        what the waker handed over. With nobody else runnable: deadlock."""
        if self.exiting:
            raise GoExit
        g = self.current
        g.state = WAITING
        g.wait = reason
        nxt = self._pick(g, free=True, label=reason)
        if nxt is None:
            self._end(DEADLOCK)
            self._driver.switch()
            raise GoExit
        self._switch(nxt)
        val, g.parked = g.parked, None
        return val

    @staticmethod
    def ready(g: Goroutine, value: Any = None) -> None:
        """Make a parked goroutine runnable (runtime.goready), handing it ``value``."""
        g.state = RUNNABLE
        g.wait = ""
        g.parked = value

    def gosched(self) -> None:
        """``runtime.Gosched()``: a point where switching is no preemption."""
        self.point("Gosched", free=True)

    # the map operations' step points and flag checks (gcemu.sched.mapsteps)
    map_read = mapsteps.map_read
    map_write = mapsteps.map_write
    map_written = mapsteps.map_written
    map_range = mapsteps.map_range
    # a GC cycle whose mark worker is a goroutine (gcemu.sched.markworker)
    start_gc = markworker.start_gc

    def schedule(self) -> Schedule:
        return Schedule(self.steps)


__all__ = ["DEADLOCK", "EXCEEDED", "OK", "Scheduler"]
