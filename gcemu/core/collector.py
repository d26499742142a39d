"""What the heap asks of a running GC cycle, as a protocol (MMTk's plan interface).

The heap below the marker must not import it, so it calls the running cycle
(``heap.cycle``, set by `gcemu.gc.marker.Cycle`) only through these three methods, each
named after the runtime function it stands for.
"""

from __future__ import annotations

from typing import Any, Protocol


class Collector(Protocol):
    def barrier_shade(self, p: Any, op: str) -> None:
        """One pointer the write barrier shades (runtime.wbBufFlush1 -> shade)."""

    def allocate_black(self, obj: Any) -> None:
        """An object allocated while marking (runtime.gcmarknewobject)."""

    def note_mutation(self, op: str) -> None:
        """A mutator operation ran while marking (for the cycle's history)."""


__all__ = ["Collector"]
