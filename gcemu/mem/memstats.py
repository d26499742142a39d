"""runtime.MemStats: the fields gcemu computes, with Go's own names.

Computed as ``runtime/mstats.go: readmemstats_m`` does, from the allocator's counters:

* ``HeapAlloc = Alloc``: bytes of allocated slots (class size, or whole pages for a large
  object; a tiny block counts 16 bytes however many sub-objects it holds);
* ``Mallocs`` and ``Frees`` both include every tiny sub-allocation ("for historical
  reasons"), so ``HeapObjects = Mallocs - Frees`` counts blocks, not sub-objects;
* ``HeapSys = HeapInuse + HeapIdle``, ``HeapIdle = heapFree + HeapReleased``;
* ``NextGC`` is the pacer's goal, ``2**64 - 1`` under GOGC=off.

Not here because gcemu does not model what they measure: ``Sys`` and the other ``*Sys``
fields (the runtime's off-heap metadata), ``PauseNs``, ``GCCPUFraction``, ``BySize``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

__all__ = ["MemStats"]


@dataclass(frozen=True)
class MemStats:
    """One ``runtime.ReadMemStats`` snapshot."""

    Alloc: int
    TotalAlloc: int
    Mallocs: int
    Frees: int
    HeapAlloc: int
    HeapSys: int
    HeapIdle: int
    HeapInuse: int
    HeapReleased: int
    HeapObjects: int
    StackInuse: int
    NextGC: int
    NumGC: int
    NumForcedGC: int

    def as_dict(self) -> dict[str, int]:
        """The fields by name, in Go's order.

        Examples
        --------
        >>> from gcemu.mem.allocator import Allocator
        >>> d = Allocator("1.23").read_memstats().as_dict()
        >>> d["HeapAlloc"], d["HeapInuse"], d["HeapSys"], d["NextGC"]
        (45024, 270336, 3932160, 4194304)
        """
        return asdict(self)
