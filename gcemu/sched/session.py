"""The one step loop: a session steps the current GC cycle, and every front end drives it.

Invariant
---------
Whoever advances a GC cycle one unit of work does it through `Session.step`, so what
must happen around a step happens once, in one place, whoever asks: the HTML
recording takes a snapshot when the mutator ran since the last step, the stepper's
breakpoints look at the step's events. `Session.run` is SimPy's ``run(until=)``: it
steps to the end of the cycle, or to a step number, or until a predicate over a
step's events holds, or until an observer asks to stop, and returns a `Run` that
keeps every event it saw.

Steps
-----
1. ``observer.before_step(session)`` for each observer (a snapshot, for instance);
2. ``cycle.step()``: one root, one slot or one object (`gcemu.gc.marker.Cycle.step`);
3. ``observer.after_step(session, events)`` for each observer; a non-empty string it
   returns stops `run` and says why (``"breakpoint m"``).

A plain ``collect()`` has no observers and keeps no events; `run` then lets the
marker drain its work in one go (`gcemu.gc.marker.Cycle.drain`), the hot path.

Under the scheduler of goroutines (`gcemu.sched.scheduler`) the mark worker is one
more goroutine, and it too steps its cycle through a session, one `step` per step
point (`gcemu.sched.markworker`), so mutators run between any two units of work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from gcemu.base.events import Event
from gcemu.base.pygc import paused

INTERRUPTED = "interrupted"


class Observer(Protocol):
    """Something that watches the loop. Both methods are optional."""

    def before_step(self, session: Session) -> None: ...

    def after_step(self, session: Session, events: list[Event]) -> str | None: ...


@dataclass
class Run:
    """What one `Session.run` did: its steps, every event, and why it stopped
    (``None``: the cycle ended or the step budget ran out; else the reason an
    observer or the ``until`` predicate gave, or ``"interrupted"`` on Ctrl-C)."""

    steps: int = 0
    events: list[Event] = field(default_factory=list)
    last: list[Event] = field(default_factory=list)  # the events of the last step
    stop: str | None = None


class Session:
    """The step loop of one heap.

    Parameters
    ----------
    heap : gcemu.Heap
        The heap whose cycles the session steps (its ``gc()`` starts one).
    cycle : Cycle, optional
        A cycle already running; by default the heap's running cycle, else a new one
        is started on the first step.
    observers : iterable of Observer

    Examples
    --------
    >>> import gcemu
    >>> from gcemu.sched import Session
    >>> h = gcemu.Heap()
    >>> _ = h.declare("type T struct { id int }")
    >>> m = h.make_map("map[string]*T", name="m")
    >>> m["a"] = h.new("T", name="a")
    >>> s = Session(h)
    >>> [str(e) for e in s.step()]
    ['scan root global m', 'shade hmap#1 (grey) via global m']
    >>> r = s.run(until=lambda events: any(e.kind == "scan" for e in events))
    >>> r.stop, [str(e) for e in r.last]
    ('until', ['scan hmap#1', 'shade buckets#3 (grey) via .buckets'])
    >>> s.run().steps > 0 and s.cycle.done
    True
    """

    def __init__(self, heap: Any, cycle: Any = None, observers: Iterable[Observer] = ()):
        self.heap = heap
        self.cycle = cycle if cycle is not None else heap.cycle
        self.observers: list[Observer] = list(observers)

    def start(self) -> Any:
        """The session's cycle; a new one (``heap.gc()``) if it has none yet."""
        if self.cycle is None:
            self.cycle = self.heap.gc()
        return self.cycle

    @property
    def done(self) -> bool:
        return self.cycle is not None and self.cycle.done

    def step(self) -> list[Event]:
        """One unit of the cycle's work, with the observers around it."""
        return self._step()[0]

    def _step(self) -> tuple[list[Event], str | None]:
        cycle = self.start()
        for o in self.observers:
            before = getattr(o, "before_step", None)
            if before is not None:
                before(self)
        events = cycle.step()
        stop = None
        for o in self.observers:
            after = getattr(o, "after_step", None)
            if after is not None:
                stop = after(self, events) or stop
        return events, stop

    def run(self, until: int | Callable[[list[Event]], Any] | None = None) -> Run:
        """Step until the cycle is over, or until ``until``: a step number of the cycle
        (stop once ``cycle.steps == until``) or a predicate over one step's events
        (stop after the first step it holds for; `Run.stop` is then ``"until"``).
        An observer's reason also stops it; Ctrl-C stops it with ``"interrupted"``,
        keeping what ran."""
        cycle = self.start()
        out = Run()
        if until is None and not self.observers and not cycle.record:
            with paused():
                cycle.drain()
        limit = until if isinstance(until, int) else None
        test = until if callable(until) else None
        try:
            with paused():
                while not cycle.done and (limit is None or cycle.steps < limit):
                    events, stop = self._step()
                    out.steps += 1
                    out.events += events
                    out.last = events
                    if stop is None and test is not None and test(events):
                        stop = "until"
                    if stop:
                        out.stop = stop
                        break
        except KeyboardInterrupt:
            out.stop = INTERRUPTED
        return out


__all__ = ["INTERRUPTED", "Observer", "Run", "Session"]
