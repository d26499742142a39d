"""Who runs next at a step point: the strategies of the schedule explorer.

Every strategy answers ``choose(current, enabled, free)``: ``current`` is the goroutine
that reached the point, ``enabled`` the runnable goroutines in id order, ``free`` says
whether switching away costs nothing (``current`` blocked or returned, or called
``Gosched``); otherwise a switch away from a runnable ``current`` is a *preemption*.

* `Dfs`: every schedule with at most ``max_preemptions`` preemptions, as CHESS's
  iterative context bounding and loom's ``LOOM_MAX_PREEMPTIONS`` bound them
  (Musuvathi & Qadeer, PLDI 2007). Stateless: each run replays a prefix of decisions
  and then runs without preempting; `Dfs.advance` backtracks to the deepest decision
  with an untried choice that stays within the bound.
* `RandomWalk`: a uniform choice at every point, from a seeded generator.
* `Pct`: probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010), as
  shuttle's ``PctScheduler``: random distinct priorities, the highest-priority enabled
  goroutine runs, and at ``depth - 1`` random step numbers the running goroutine's
  priority drops below all others.
* `Replay`: the choices of a given `Schedule`, then no preemption.
"""

from __future__ import annotations

import random

from gcemu.errors import GcemuError


def _default(current: int, enabled: list[int], free: bool) -> int:
    """No preemption: ``current`` keeps running; when it parks, returns or calls
    Gosched, the next runnable goroutine after it in id order runs (round robin, as
    Go's run queue serves a Gosched-ing goroutine last)."""
    if current in enabled and not free:
        return current
    later = [g for g in enabled if g > current]
    return later[0] if later else enabled[0]


class Dfs:
    """Depth-first over decisions, bounded by preemptions (see the module essay)."""

    def __init__(self, max_preemptions: int = 2):
        self.bound = max_preemptions
        self.prefix: list[int] = []    # choices to replay, one per branching decision
        # per branching decision of the last run: (enabled, current, free, preemptions
        # before it, the choices tried there)
        self.trail: list[tuple[list[int], int, bool, int, set[int]]] = []
        self._tried: list[set[int]] = []  # tried sets carried over for the prefix
        self._pre = 0

    def start(self) -> None:
        self.trail = []
        self._pre = 0

    def choose(self, current: int, enabled: list[int], free: bool) -> int:
        if len(enabled) == 1:
            return enabled[0]
        i = len(self.trail)
        if i < len(self.prefix):
            c = self.prefix[i]
            tried = self._tried[i]
        else:
            c = _default(current, enabled, free)
            tried = {c}
        self.trail.append((enabled, current, free, self._pre, tried))
        if c != current and current in enabled and not free:
            self._pre += 1
        return c

    def advance(self) -> bool:
        """Set up the next run's prefix; False when every schedule was run."""
        trail = self.trail
        for i in range(len(trail) - 1, -1, -1):
            enabled, current, free, pre, tried = trail[i]
            for e in enabled:
                if e in tried:
                    continue
                cost = pre + (e != current and current in enabled and not free)
                if cost <= self.bound:
                    tried.add(e)
                    self.prefix = [self._chosen(j) for j in range(i)] + [e]
                    self._tried = [t[4] for t in trail[:i + 1]]
                    return True
        return False

    def _chosen(self, j: int) -> int:
        # the choice made at decision j of the last run: the prefix's, else the default
        if j < len(self.prefix):
            return self.prefix[j]
        enabled, current, free = self.trail[j][:3]
        return _default(current, enabled, free)


class RandomWalk:
    """A uniform random choice at every branching point."""

    def __init__(self, seed: int = 0):
        self.rng = random.Random(seed)

    def start(self) -> None:
        pass

    def choose(self, current: int, enabled: list[int], free: bool) -> int:
        return enabled[0] if len(enabled) == 1 else self.rng.choice(enabled)


class Pct:
    """PCT with bug depth ``depth`` (see the module essay); ``steps`` estimates a run's
    number of points (the longest run so far)."""

    def __init__(self, seed: int = 0, depth: int = 3):
        self.rng = random.Random(seed)
        self.depth = depth
        self.steps = 64
        self.prio: dict[int, float] = {}
        self.changes: set[int] = set()
        self.n = 0

    def start(self) -> None:
        self.steps = max(self.steps, self.n)
        self.prio = {}
        self.changes = set(self.rng.sample(range(1, self.steps + 1),
                                           min(self.depth - 1, self.steps)))
        self.n = 0
        self.low = 0.0

    def choose(self, current: int, enabled: list[int], free: bool) -> int:
        self.n += 1
        for g in enabled:
            if g not in self.prio:
                self.prio[g] = 1.0 + self.rng.random()
        if self.n in self.changes and current in self.prio:
            self.low -= 1.0
            self.prio[current] = self.low
        return max(enabled, key=self.prio.__getitem__)


class Replay:
    """The choices of a schedule, one per step point; then no preemption."""

    def __init__(self, schedule: tuple[int, ...]):
        self.schedule = schedule
        self.i = 0

    def start(self) -> None:
        self.i = 0

    def choose(self, current: int, enabled: list[int], free: bool) -> int:
        i = self.i
        self.i += 1
        if i >= len(self.schedule):
            return _default(current, enabled, free)
        g = self.schedule[i]
        if g not in enabled:
            ids = ", ".join(map(str, enabled))
            raise GcemuError(f"schedule step {i + 1} names goroutine {g}, which cannot run "
                             f"there (runnable: {ids})")
        return g


__all__ = ["Dfs", "Pct", "RandomWalk", "Replay"]
