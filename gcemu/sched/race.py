"""The data-race detector: happens-before over vector clocks, as Go's -race sees maps.

Invariant
---------
Two accesses to one location race when they come from different goroutines, at least
one writes, and the earlier one does not happen before the later one: its epoch (its
goroutine's own clock entry at the access) is above what the later goroutine's clock
knows of that goroutine (go-concurrency.md §3.4, rule 4). Go's race runtime is
ThreadSanitizer; this is the full vector-clock version of it, so it reports a superset
of what TSan's bounded history reports (§3.4, rule 6), deduplicated by the pair of
code locations as TSan does (rule 5).

Steps
-----
1. ``go f()`` (racegostart): the child starts with a copy of the parent's clock; the
   parent then ticks its own entry.
2. A release (``Mutex.Unlock``: race.Release, which *replaces* the object's clock;
   ``WaitGroup.Done`` and ``RWMutex.RUnlock``: race.ReleaseMerge, which *joins* it) and
   an acquire (``Lock``, ``Wait``, ``RLock``: race.Acquire, a join into the goroutine).
   The releasing goroutine ticks after a release.
3. Accesses: per map one location, its header (``racereadpc``/``racewritepc`` in
   mapaccess*, mapassign*, mapdelete*, mapclear, mapiterinit, mapiternext), and per
   ``(map, key)`` one location for the value that compiled code stores after
   ``mapassign`` or copies out after ``mapaccess`` and in a range body.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Race:
    """One race report: the current access and the earlier one it races with."""

    where: str            # the location, e.g. "map m" or "m[3]"
    access: str           # "write" or "read"
    goid: int
    op: str               # the code location, e.g. "mapassign"
    prev_access: str
    prev_goid: int
    prev_op: str

    def __str__(self) -> str:
        return (f"{self.access} of {self.where} by goroutine {self.goid} ({self.op}) races "
                f"with previous {self.prev_access} by goroutine {self.prev_goid} "
                f"({self.prev_op})")

    @property
    def pair(self) -> tuple:
        """What TSan deduplicates on: the two code locations."""
        return tuple(sorted(((self.access, self.op), (self.prev_access, self.prev_op))))


def join(into: dict[int, int], other: dict[int, int]) -> None:
    for g, t in other.items():
        if into.get(g, 0) < t:
            into[g] = t


class RaceDetector:
    """Shadow state per location; ``reports`` keeps one `Race` per pair of code
    locations, in the order found."""

    def __init__(self) -> None:
        self.writes: dict[Any, tuple[int, int, str]] = {}  # loc -> (goid, epoch, op)
        self.reads: dict[Any, dict[int, tuple[int, str]]] = {}  # loc -> goid -> (epoch, op)
        self.reports: list[Race] = []
        self._pairs: set = set()

    def _report(self, race: Race) -> None:
        if race.pair not in self._pairs:
            self._pairs.add(race.pair)
            self.reports.append(race)

    def read(self, g: Any, loc: Any, where: str, op: str) -> None:
        clock = g.clock
        w = self.writes.get(loc)
        if w is not None and w[0] != g.goid and w[1] > clock.get(w[0], 0):
            self._report(Race(where, "read", g.goid, op, "write", w[0], w[2]))
        self.reads.setdefault(loc, {})[g.goid] = (clock[g.goid], op)

    def write(self, g: Any, loc: Any, where: str, op: str) -> None:
        clock = g.clock
        w = self.writes.get(loc)
        if w is not None and w[0] != g.goid and w[1] > clock.get(w[0], 0):
            self._report(Race(where, "write", g.goid, op, "write", w[0], w[2]))
        for rg, (epoch, rop) in self.reads.get(loc, {}).items():
            if rg != g.goid and epoch > clock.get(rg, 0):
                self._report(Race(where, "write", g.goid, op, "read", rg, rop))
        self.writes[loc] = (g.goid, clock[g.goid], op)
        self.reads.pop(loc, None)

    @staticmethod
    def release(g: Any, obj: Any, merge: bool = False) -> None:
        """race.Release (replace) or race.ReleaseMerge (join) into ``obj.clock``,
        then tick the releasing goroutine."""
        if merge:
            join(obj.clock, g.clock)
        else:
            obj.clock = dict(g.clock)
        g.clock[g.goid] += 1

    @staticmethod
    def acquire(g: Any, obj: Any) -> None:
        """race.Acquire: the goroutine's clock joins the object's."""
        join(g.clock, obj.clock)


__all__ = ["Race", "RaceDetector", "join"]
