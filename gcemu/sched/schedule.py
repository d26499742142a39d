"""A schedule: which goroutine ran at each step point of one run, printed compactly.

A schedule is the list of goroutine ids chosen at the run's step points, one per
point, as shuttle and loom record them (go-concurrency.md §7). It prints run-length
encoded, ``"1x4 2x6 1x3"`` (goroutine 1 for four points, then 2 for six, ...), and
`Schedule.parse` reads that text back, so a schedule can be pasted into
``gcemu.replay`` or ``gcemu step --schedule``.
"""

from __future__ import annotations

import re

from gcemu.errors import GcemuError

_RUN = re.compile(r"(\d+)(?:x(\d+))?")


class Schedule(tuple):
    """A tuple of goroutine ids, one per step point."""

    __slots__ = ()

    def __str__(self) -> str:
        out: list[str] = []
        i, n = 0, len(self)
        while i < n:
            j = i
            while j < n and self[j] == self[i]:
                j += 1
            out.append(f"{self[i]}x{j - i}" if j - i > 1 else f"{self[i]}")
            i = j
        return " ".join(out)

    def __repr__(self) -> str:
        return f"Schedule({str(self)!r})"

    @classmethod
    def parse(cls, text: str | Schedule | list | tuple) -> Schedule:
        """A schedule from its text (``"1x4 2 1x3"``) or from a list of ids."""
        if isinstance(text, (list, tuple)):
            return cls(int(g) for g in text)
        if not isinstance(text, str):
            raise GcemuError(f"a schedule is a text like '1x4 2x6', got {text!r}")
        ids: list[int] = []
        for pos, word in enumerate(text.replace(",", " ").split(), 1):
            m = _RUN.fullmatch(word)
            if m is None or int(m.group(1)) < 1 or (m.group(2) and int(m.group(2)) < 1):
                raise GcemuError(f"schedule word {pos} ({word!r}): expected GOROUTINE or "
                                 f"GOROUTINExCOUNT, e.g. '2x5'")
            ids.extend([int(m.group(1))] * int(m.group(2) or 1))
        return cls(ids)


__all__ = ["Schedule"]
