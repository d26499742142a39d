"""The events of a GC cycle: plain frozen data, in the order they happened.

Every front end (report, stepper, pictures, HTML player, pytest failures) reads the
same `History`; none looks inside the marker. Objects are named by their label
(``T#3``, ``hmap#1``) and, where the scenario gave one, their name.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Event:
    step: int  # the cycle.step() that produced it (0: before the first step)

    @property
    def kind(self) -> str:
        return _KINDS[type(self)]

    def to_json(self) -> dict:
        return {"kind": self.kind, **asdict(self)}


@dataclass(frozen=True)
class PhaseChange(Event):
    phase: str  # "mark", "mark termination", "sweep", "off"

    def __str__(self) -> str:
        return f"phase -> {self.phase}"


@dataclass(frozen=True)
class RootScan(Event):
    root: str  # "global m", "stack main"

    def __str__(self) -> str:
        return f"scan root {self.root}"


@dataclass(frozen=True)
class Shade(Event):
    obj: str
    by: str  # what pointed to it: an edge description
    black: bool  # pointer-free objects go straight to black

    def __str__(self) -> str:
        return f"shade {self.obj} ({'black' if self.black else 'grey'}) via {self.by}"


@dataclass(frozen=True)
class Scan(Event):
    obj: str  # an object taken from the grey queue

    def __str__(self) -> str:
        return f"scan {self.obj}"


@dataclass(frozen=True)
class SlotDecision(Event):
    array: str
    bucket: str  # "bucket 3", "oldbucket 1 overflow 2"
    slot: int
    tophash: int  # a bucket slot's tophash, or a Swiss group slot's control byte
    state: str  # "full", "emptyOne", ...; for a group "full", "empty", "deleted"
    action: str  # "traced", "stale", "stopped", "skipped"

    def __str__(self) -> str:
        what = {"traced": "trace", "stale": "trace stale", "stopped": "stop at emptyRest",
                "skipped": "skip"}[self.action]
        # a Swiss group's control byte in hex, as the pictures show it; a tophash in decimal
        byte = (f"0x{self.tophash:02x}" if self.array.startswith("group")
                else str(self.tophash))
        return f"{self.bucket} slot {self.slot} [{self.state} {byte}]: {what}"


@dataclass(frozen=True)
class BarrierShade(Event):
    obj: str
    op: str  # the mutator operation whose write barrier fired

    def __str__(self) -> str:
        return f"write barrier shades {self.obj} during {self.op}"


@dataclass(frozen=True)
class AllocBlack(Event):
    obj: str
    op: str

    def __str__(self) -> str:
        return f"allocate black {self.obj} during {self.op or 'mutator'}"


@dataclass(frozen=True)
class Mutation(Event):
    op: str  # a mutator operation that ran between steps

    def __str__(self) -> str:
        return f"mutator: {self.op}"


@dataclass(frozen=True)
class Free(Event):
    obj: str
    size: int

    def __str__(self) -> str:
        return f"free {self.obj} ({self.size} B)"


_KINDS = {PhaseChange: "phase", RootScan: "root", Shade: "shade", Scan: "scan",
          SlotDecision: "slot", BarrierShade: "barrier", AllocBlack: "alloc-black",
          Mutation: "mutation", Free: "free"}
EVENT_KINDS = tuple(_KINDS.values())


class History(list):
    """The events of one cycle, in order (a list of `Event`)."""

    def of_kind(self, kind: str) -> list[Event]:
        return [e for e in self if e.kind == kind]
