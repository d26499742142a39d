"""The root set's stacks: one per goroutine, holding the frames gcemu models.

A frame is anything with a ``label`` and a ``pointers()`` method that yields
``(field, pointer)`` pairs: today the live map iterators (a classic ``hiter``, a Swiss
``Iter``), which sit on the stack of the goroutine that ranges from the first
``mapiternext`` until the loop ends. The marker scans each stack once, as one root job.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol


class Frame(Protocol):
    """A stack frame the marker scans: its pointer fields, each with its name."""

    label: str

    def pointers(self) -> Iterable[tuple[str, Any]]: ...


class Stack:
    """A goroutine stack: the frames gcemu models (live map iterators)."""

    __slots__ = ("frames", "name")

    def __init__(self, name: str):
        self.name = name
        self.frames: list[Frame] = []


__all__ = ["Frame", "Stack"]
