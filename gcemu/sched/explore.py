"""The schedule explorer: run a scenario under many schedules and count Go's last words.

Invariant
---------
A run is a function of its schedule: every run starts from a fresh heap with the same
model and seed, and the only choice left is who runs at each step point. So a
schedule found once replays the same way forever (`replay`), and exploring is running
the scenario again with the strategy's next choices (stateless model checking, as
CHESS, loom and shuttle do: go-concurrency.md §7).

Steps (`explore`)
-----------------
1. Build a fresh heap, attach a `Scheduler` with the strategy, run the scenario as
   main; the outcome is ``"ok"`` or Go's last words (``fatal error: ...``, ``panic:
   ...``), or ``"exceeded max steps"``.
2. Count the outcome; keep the shortest schedule per outcome; an ``ok`` run whose race
   detector found races is kept in ``races`` (one run per distinct set of racing code
   locations, the shortest).
3. ``dfs``: ask `Dfs.advance` for the next prefix until none is left (then
   ``complete``) or the run budget is spent; ``random``/``pct``: ``runs`` runs.
4. A scenario bug ends the exploration with `ExploreError`, one line, keeping what was
   explored so far in ``error.exploration``.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gcemu.errors import GcemuError
from gcemu.sched.race import Race
from gcemu.sched.schedule import Schedule
from gcemu.sched.scheduler import Scheduler
from gcemu.sched.strategy import Dfs, Pct, RandomWalk, Replay

STRATEGIES = ("dfs", "random", "pct")


class ExploreError(GcemuError):
    """An exploration that stopped early; ``exploration`` holds what it found."""

    def __init__(self, message: str, exploration: Exploration):
        super().__init__(message)
        self.exploration = exploration


@dataclass
class RunResult:
    """One run: its outcome, its schedule, the races it saw, the heap it ended with."""

    outcome: str
    schedule: Schedule
    races: list[Race]
    heap: Any
    labels: list[str] = field(default_factory=list)
    inside_switch: bool = False  # switched inside a map call: needs GOMAXPROCS >= 2

    def steps(self) -> list[tuple[int, str]]:
        """(goroutine, what it was about to do) per step point."""
        return list(zip(self.schedule, self.labels, strict=True))


@dataclass
class RacyRun:
    schedule: Schedule
    reports: list[Race]


@dataclass
class Exploration:
    """What an exploration found (see the module essay)."""

    strategy: str
    model: str
    gomaxprocs: int
    outcomes: Counter = field(default_factory=Counter)
    schedules: dict[str, Schedule] = field(default_factory=dict)
    races: list[RacyRun] = field(default_factory=list)
    runs: int = 0
    complete: bool = False
    seconds: float = 0.0
    serial: set[str] = field(default_factory=set)  # outcomes reached without inside switches
    _race_keys: dict[frozenset, int] = field(default_factory=dict, repr=False)

    def add(self, r: RunResult) -> None:
        self.runs += 1
        self.outcomes[r.outcome] += 1
        best = self.schedules.get(r.outcome)
        if best is None or len(r.schedule) < len(best):
            self.schedules[r.outcome] = r.schedule
        if not r.inside_switch:
            self.serial.add(r.outcome)
        if r.outcome == "ok" and r.races:
            key = frozenset(x.pair for x in r.races)
            i = self._race_keys.get(key)
            if i is None:
                self._race_keys[key] = len(self.races)
                self.races.append(RacyRun(r.schedule, r.races))
            elif len(r.schedule) < len(self.races[i].schedule):
                self.races[i] = RacyRun(r.schedule, r.races)

    def needs_parallelism(self, outcome: str) -> bool:
        """True when every schedule reaching ``outcome`` switched inside a map call:
        real Go reaches it only with GOMAXPROCS >= 2 (or a rare mid-call preemption)."""
        return outcome in self.outcomes and outcome not in self.serial

    def lines(self) -> list[str]:
        """The human summary: outcomes by count, each with its shortest schedule."""
        state = "complete" if self.complete else "partial"
        out = [f"{self.runs} schedules ({self.strategy}, {state}) on model {self.model}, "
               f"GOMAXPROCS={self.gomaxprocs}, {self.seconds:.2f} s"]
        for outcome, n in self.outcomes.most_common():
            note = "  [needs GOMAXPROCS>=2]" if self.needs_parallelism(outcome) else ""
            out.append(f"{n:8d}  {outcome}{note}")
            out.append(f"          shortest schedule: {self.schedules[outcome]}")
        if self.races:
            out.append(f"ok but racy: {len(self.races)} distinct race sets, e.g. schedule "
                       f"{self.races[0].schedule}")
            out.extend(f"          {x}" for x in self.races[0].reports)
        return out


def run_once(scenario: Callable[[Any], Any], make_heap: Callable[..., Any], strategy: Any,
             model: str, seed: int, gomaxprocs: int, max_steps: int) -> RunResult:
    heap = make_heap(model=model, seed=seed, trace=False)
    s = Scheduler(heap, strategy, gomaxprocs, max_steps)
    outcome = s.run(scenario)
    return RunResult(outcome, s.schedule(), s.race.reports, heap, s.labels, s.inside_switch)


def _strategy(name: str, max_preemptions: int, seed: int) -> Any:
    if name == "dfs":
        if not isinstance(max_preemptions, int) or max_preemptions < 0:
            raise GcemuError(f"max_preemptions must be an int >= 0, got {max_preemptions!r}")
        return Dfs(max_preemptions)
    if name == "random":
        return RandomWalk(seed)
    if name == "pct":
        return Pct(seed)
    raise GcemuError(f"unknown strategy {name!r}; choose one of {', '.join(STRATEGIES)}")


def explore(scenario: Callable[[Any], Any], make_heap: Callable[..., Any], model: str = "go",
            strategy: str = "dfs", max_preemptions: int = 2, gomaxprocs: int = 2,
            runs: int = 1000, seed: int = 0, max_steps: int = 10_000,
            max_runs: int = 100_000) -> Exploration:
    """Explore the schedules of ``scenario(h)`` (see the module essay)."""
    chooser = _strategy(strategy, max_preemptions, seed)
    if not isinstance(runs, int) or runs < 1:
        raise GcemuError(f"runs must be a positive int, got {runs!r}")
    ex = Exploration(strategy, model, gomaxprocs)
    t0 = time.perf_counter()
    budget = max_runs if strategy == "dfs" else runs
    try:
        while True:
            ex.add(run_once(scenario, make_heap, chooser, model, seed, gomaxprocs, max_steps))
            if strategy == "dfs" and not chooser.advance():
                ex.complete = True
                break
            if ex.runs >= budget:
                ex.complete = strategy != "dfs"
                break
    except GcemuError as e:
        ex.seconds = time.perf_counter() - t0
        raise ExploreError(f"{e} (after {ex.runs} schedules)", ex) from None
    ex.seconds = time.perf_counter() - t0
    if strategy == "dfs" and not ex.complete:
        raise ExploreError(f"dfs did not finish within {max_runs:,} schedules; lower "
                           f"max_preemptions or raise max_runs", ex)
    return ex


def replay(scenario: Callable[[Any], Any], schedule: Any, make_heap: Callable[..., Any],
           model: str = "go", gomaxprocs: int = 2, seed: int = 0,
           max_steps: int = 10_000) -> RunResult:
    """Run ``scenario`` once along ``schedule`` (a `Schedule` or its text); after the
    schedule's last step nobody is preempted."""
    return run_once(scenario, make_heap, Replay(Schedule.parse(schedule)), model, seed,
                    gomaxprocs, max_steps)


__all__ = [
    "STRATEGIES",
    "Exploration",
    "ExploreError",
    "RacyRun",
    "RunResult",
    "explore",
    "replay",
]
