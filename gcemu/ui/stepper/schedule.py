"""``gcemu step SCENARIO --schedule S``: one schedule of the scenario's goroutines,
replayed (`gcemu.replay`) and stepped through one step point at a time, one lane per
goroutine.

The run is replayed whole first (a replay is deterministic: the same schedule, model
and seed make the same run), then its step points are shown in order: each row is the
step number and, in the lane (column) of the goroutine that ran, what it was about to
do (`RunResult.steps`). The end shows Go's last words and the race reports. Commands:
``next [N]`` (``n``; an empty line is ``next``), ``run`` (to the end), ``lanes`` (every
row so far again), ``help``, ``quit``. The heap is not shown step by step: the stepper
of GC cycles (`gcemu.ui.stepper.stepper`) does that for one mutator.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from gcemu.api import replay
from gcemu.errors import GcemuError
from gcemu.render.text import visible
from gcemu.ui.tables import console

LANE = 26  # characters per goroutine lane
COMMANDS = ("next", "run", "lanes", "help", "quit")
HELP = ("next [N] (n, or an empty line): the next N step points; run: to the end; "
        "lanes: every row so far; quit")


class ScheduleStepper:
    """The rows of one replayed run, shown as the commands ask (`line_loop`,
    `interactive_loop` drive it as they drive the GC `Stepper`)."""

    def __init__(self, scenario: Any, schedule: str, model: str, seed: int = 0,
                 gomaxprocs: int = 2, out: Any = None):
        self.run = replay(scenario, schedule, model=model, gomaxprocs=gomaxprocs, seed=seed)
        self.rows = self.run.steps()
        self.goroutines = sorted({g for g, _ in self.rows} or {1})
        self.at = 0
        self.out = out or console()
        self.model = model

    def say(self, text: str = "", style: str = "") -> None:
        self.out.print(Text(visible(text, limit=None), style=style), soft_wrap=True)

    def prompt(self) -> str:
        return f"gcemu {self.model} step {self.at}/{len(self.rows)}> "

    def candidates(self, words: list[str], index: int) -> list[str]:
        return list(COMMANDS) if index == 0 else []

    def header(self) -> str:
        return "step  " + "".join(f"g{g}".ljust(LANE) for g in self.goroutines).rstrip()

    def row(self, i: int) -> str:
        g, label = self.rows[i]
        lane = self.goroutines.index(g)
        cell = label if len(label) < LANE else label[:LANE - 2] + "…"
        return f"{i + 1:>4}  " + (" " * (LANE * lane) + cell).rstrip()

    def _advance(self, n: int) -> None:
        end = min(len(self.rows), self.at + n)
        for i in range(self.at, end):
            self.say(self.row(i))
        self.at = end
        if self.at == len(self.rows):
            self.ending()

    def ending(self) -> None:
        self.say(f"outcome: {self.run.outcome}  (schedule {self.run.schedule})", "bold")
        for race in self.run.races:
            self.say(f"race: {race}")

    def execute(self, line: str) -> bool:
        """One command; False when it asks to quit."""
        word, *tail = line.split() or ["next"]
        if word in ("quit", "q", "exit"):
            return False
        if word in ("next", "n"):
            try:
                n = int(tail[0]) if tail else 1
            except ValueError:
                raise GcemuError(f"next: {tail[0]!r} is not a number of steps") from None
            if self.at == len(self.rows):
                raise GcemuError(f"the run is over ({self.run.outcome})")
            self._advance(n)
        elif word == "run":
            self._advance(len(self.rows))
        elif word == "lanes":
            self.say(self.header(), "bold")
            for i in range(self.at):
                self.say(self.row(i))
        elif word == "help":
            self.say(HELP)
        else:
            raise GcemuError(f"unknown command {word!r} ({HELP})")
        return True


__all__ = ["ScheduleStepper"]
