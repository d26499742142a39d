"""mcentral and mcache: where a small allocation finds a span with a free slot.

The invariant
-------------
Every span of a small span class is in exactly one place: cached (the mcache allocates
from it), in its mcentral's **partial** set (it has a free slot), or **full** (tracked
only by the page table, as Go's full swept set holds nothing an allocation can use).
gcemu has one P, so one mcache.

The steps (``runtime/mcache.go: (*mcache).refill``, ``releaseAll``;
``runtime/mcentral.go: (*mcentral).cacheSpan``, ``uncacheSpan``, ``grow``)
----------------------------------------------------------------------------
1. ``refill``: the cached span is full; hand it back (``uncacheSpan``: partial if it has
   a free slot, else full) and ask the mcentral for another.
2. ``cacheSpan``: the oldest partial span first (Go's ``spanSet`` pops from the head);
   gcemu sweeps everything at once, so there are no unswept sets to search. Otherwise
   ``grow``: a new span of ``class_to_allocnpages`` pages from the mheap.
3. ``releaseAll`` (``ReadMemStats``' ``flushallmcaches`` and every GC's mark termination):
   every cached span goes back to its mcentral, and the tiny block is dropped.
4. Sweep (``sweep`` in ``mgcsweep.go``) puts a span that gained a free slot back on the
   partial set, and gives an empty one's pages back to the mheap.

The ``heapLive`` deltas Go charges at refill and release are returned to the caller,
which owns the pacer. The allocation counts are Go's consistent heap stats: a small
allocation touches only its span's bitmap; the mcache counts a span's new slots
(``alloc_count - alloc_count_before_cache``) into :attr:`MCache.small_alloc_count` and
:attr:`MCache.small_alloc_bytes` when it gives the span back, as ``refill`` and
``releaseAll`` add them to ``smallAllocCount`` and ``totalAlloc``.
"""

from __future__ import annotations

from gcemu.mem.pageheap import MHeap
from gcemu.mem.sizeclasses import CLASS_TO_ALLOCNPAGES, PAGE_SIZE, SIZE_CLASSES
from gcemu.mem.span import MSpan, nelems
from gcemu.mem.tiny import Tiny

__all__ = ["NUM_SPAN_CLASSES", "MCache", "MCentral"]

#: ``numSpanClasses``: 68 size classes (0 = large) x scan/noscan.
NUM_SPAN_CLASSES = 68 << 1

#: ``emptymspan``: a span with no slot, so the first allocation of a class refills.
_EMPTY = MSpan(0, 0, 0, 0, 0)


class MCentral:
    """The spans of one small span class that are not cached."""

    __slots__ = ("elemsize", "nelems", "noscan", "npages", "partial", "spanclass")

    def __init__(self, spanclass: int, inline_mark_bits: bool) -> None:
        self.spanclass = spanclass
        self.noscan = bool(spanclass & 1)
        self.elemsize = SIZE_CLASSES[(spanclass >> 1) - 1]
        self.npages = CLASS_TO_ALLOCNPAGES[(spanclass >> 1) - 1]
        self.nelems = nelems(self.npages, self.elemsize, self.noscan, inline_mark_bits)
        #: partial spans, oldest first (a dict as an ordered set)
        self.partial: dict[MSpan, None] = {}

    def cache_span(self, heap: MHeap) -> MSpan:
        """``cacheSpan``: a span with a free slot, now cached."""
        if self.partial:
            s = next(iter(self.partial))
            del self.partial[s]
            s.listed = False
        else:
            s = heap.alloc_span(self.npages, self.spanclass, self.elemsize, self.nelems)
        s.cached = True
        return s

    def uncache_span(self, s: MSpan) -> None:
        """``uncacheSpan``: back to the partial set if it has a free slot."""
        s.cached = False
        if s.alloc_count < s.nelems:
            self.partial[s] = None
            s.listed = True


class MCache:
    """The one P's cache: a span per span class, and the tiny block."""

    def __init__(self, heap: MHeap, inline_mark_bits: bool) -> None:
        self.heap = heap
        #: ``c.alloc``: the cached span of each span class (``_EMPTY`` if none)
        self.alloc: list[MSpan] = [_EMPTY] * NUM_SPAN_CLASSES
        self.central: list[MCentral | None] = [None, None] + [
            MCentral(spc, inline_mark_bits) for spc in range(2, NUM_SPAN_CLASSES)]
        self.tiny = Tiny()
        #: ``heapStats.smallAllocCount`` summed over classes, and their bytes
        #: (``totalAlloc``'s small part): slots of spans given back so far
        self.small_alloc_count = 0
        self.small_alloc_bytes = 0

    def _count_slots_used(self, s: MSpan) -> None:
        """"Count up how many slots were used and record it" (``refill``, ``releaseAll``)."""
        used = s.alloc_count - s.alloc_count_before_cache
        self.small_alloc_count += used
        self.small_alloc_bytes += used * s.elemsize
        s.alloc_count_before_cache = 0

    def refill(self, spc: int) -> tuple[MSpan, int]:
        """``refill``: a fresh span for ``spc`` and the heapLive delta Go charges for it."""
        old = self.alloc[spc]
        central = self.central[spc]
        if old is not _EMPTY:
            central.uncache_span(old)
            self._count_slots_used(old)
        s = central.cache_span(self.heap)
        s.alloc_count_before_cache = s.alloc_count
        self.alloc[spc] = s
        return s, s.npages * PAGE_SIZE - s.alloc_count * s.elemsize

    def release_all(self) -> int:
        """``releaseAll``: uncache every span, drop the tiny block; return the heapLive delta."""
        d_live = 0
        for spc, s in enumerate(self.alloc):
            if s is not _EMPTY:
                d_live -= (s.nelems - s.alloc_count) * s.elemsize
                self._count_slots_used(s)
                self.central[spc].uncache_span(s)
                self.alloc[spc] = _EMPTY
        self.tiny.drop()
        return d_live

    def swept(self, s: MSpan) -> None:
        """After sweep freed slots of ``s``: free its pages if empty, else list it partial."""
        if s.cached:
            return
        if s.alloc_count == 0:
            if s.listed:
                del self.central[s.spanclass].partial[s]
                s.listed = False
            self.heap.free_span(s)
        elif not s.listed and s.spanclass > 1:
            self.central[s.spanclass].uncache_span(s)
