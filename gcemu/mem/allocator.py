"""The allocator the heap owns: mallocgc, sweep's frees, ReadMemStats, FreeOSMemory, pacing.

The invariant
-------------
Every object the emulated program allocates has an address inside a span (or is a
sub-object of a tiny block, or is ``ZEROBASE`` for a zero-size allocation); the counters
``heap_alloc``, ``mallocs``, ``frees`` and the page heap's page counts are exactly what
``runtime/mstats.go: readmemstats_m`` would report after the same allocations and sweeps
(once the mcache is flushed, as ``ReadMemStats`` and mark termination both do),
on top of the runtime's own start-up heap of the modelled release
(:mod:`gcemu.mem.release`).

The steps
---------
1. :meth:`Allocator.malloc` mirrors ``runtime/malloc.go: mallocgc``: size 0 returns
   ``&zerobase``; a noscan request under 16 bytes goes to the tiny allocator; other
   requests up to 32760 bytes add the 8-byte malloc header if pointerful and over 512
   bytes, pick the span class ``sizeclass << 1 | noscan`` and take the lowest free slot of
   the cached span (refilling it from the mcentral when full); larger requests get a span
   of their own (``(*mcache).allocLarge``). After a refill or a large allocation it runs
   ``gcTrigger.test`` and sets :attr:`Allocator.gc_due`. A small allocation only sets a
   bit of its span's bitmap: as in Go's consistent heap stats, Mallocs and TotalAlloc
   count its slot when the span leaves the mcache (``refill``, ``releaseAll``). The span
   class of each request size is worked out once and cached (scan and noscan apart).
2. The heap's collector calls :meth:`mark_termination` when marking ends, then
   :meth:`free` once per unreachable object (``(*sweepLocked).sweep``: a span whose last
   object goes returns its pages), then :meth:`end_sweep` (the pacer's ``commit``).
3. :meth:`read_memstats` flushes the mcache first, as ``ReadMemStats`` does, which drops
   the tiny block.
4. :meth:`scavenge_all` is the page half of ``debug.FreeOSMemory`` (the other half is a
   full GC, which is the heap's to run first).
"""

from __future__ import annotations

from gcemu.errors import GcemuError
from gcemu.mem.central import MCache
from gcemu.mem.memstats import MemStats
from gcemu.mem.pacer import GCController
from gcemu.mem.pageheap import MHeap
from gcemu.mem.release import get_release
from gcemu.mem.sizeclasses import (
    MALLOC_HEADER_SIZE,
    MAX_TINY_SIZE,
    MIN_SIZE_FOR_MALLOC_HEADER,
    PAGE_SIZE,
    SMALL_LIMIT,
    size_to_class,
)
from gcemu.mem.tiny import TINY_SIZE_CLASS

__all__ = ["ZEROBASE", "Allocator"]

#: ``&runtime.zerobase``: what every zero-size allocation returns (not a heap address).
ZEROBASE = 0x5A0000

_TINY_SPC = TINY_SIZE_CLASS << 1 | 1


class Allocator:
    """Go's heap allocator for one modelled release, with a single P.

    Parameters
    ----------
    release : str
        "1.23", "1.25" or "1.27" (:mod:`gcemu.mem.release`).
    gogc : int or None
        GOGC (default 100); None is GOGC=off: :attr:`gc_due` never becomes True.
    stacks, globals_ : int
        Scannable stack and global bytes that enter the heap goal (see
        :class:`~gcemu.mem.pacer.GCController`).

    Examples
    --------
    >>> a = Allocator("1.23")
    >>> x = a.malloc(64, noscan=False); y = a.malloc(64, noscan=False)
    >>> y - x, a.read_memstats().HeapAlloc - 45024
    (64, 128)
    """

    def __init__(self, release: str = "1.23", gogc: int | None = 100, stacks: int = 0,
                 globals_: int = 0) -> None:
        self.release = rel = get_release(release)
        base = rel.baseline
        self.heap = MHeap(reserved_pages=base.inuse_pages, stack_pages=base.stack_pages)
        self.mcache = MCache(self.heap, rel.inline_mark_bits)
        self._cached = self.mcache.alloc  # the mcache's span per class (updated in place)
        #: the span class of each small, non-tiny request size seen so far: [scan, noscan]
        #: (``size_to_class`` and the malloc header, worked out once per size)
        self._spanclass: tuple[dict[int, int], dict[int, int]] = ({}, {})
        self.pacer = GCController(gogc, stacks, globals_)
        self.pacer.heap_live = base.heap_alloc
        # Go's consistent heap stats: the mcache counts small allocations per span when
        # it gives the span back (MCache.small_alloc_*); these count the rest
        self.large_alloc = 0             # largeAlloc: bytes of large objects
        self.large_count = 0             # largeAllocCount
        self.freed_bytes = 0             # bytes swept free (small and large)
        self.frees = base.frees          # without tiny sub-allocations (Tiny.allocs)
        self.num_gc = 0
        self.num_forced_gc = 0
        #: ``gcTrigger{kind: gcTriggerHeap}.test()`` came out true at the last allocation
        #: that took a new span or was large: the heap should start a cycle.
        self.gc_due = False

    # -- allocation ----------------------------------------------------------------

    def malloc(self, size: int, noscan: bool) -> int:
        """Allocate ``size`` bytes (pointer-free if ``noscan``); return the object's address."""
        spc = self._spanclass[noscan].get(size)
        if spc is None:
            return self._malloc_other(size, noscan)
        # a small size seen before: nextFreeFast, inline as in mallocgc; when the span
        # is full, (*mcache).nextFree refills it from the mcentral
        s = self._cached[spc]
        bits = s.allocbits
        low = (bits + 1) & ~bits
        i = low.bit_length() - 1
        if i >= s.nelems:
            s, d_live = self.mcache.refill(spc)
            self._note_live(d_live)
            bits = s.allocbits
            low = (bits + 1) & ~bits
            i = low.bit_length() - 1
        s.allocbits = bits | low
        s.alloc_count += 1
        return s.base + i * s.elemsize

    def _malloc_other(self, size: int, noscan: bool) -> int:
        """``malloc`` for a size not yet in the span-class cache: zero, tiny or large,
        or a small size seen for the first time (then cached)."""
        if size <= 0:
            if size == 0:
                return ZEROBASE
            raise GcemuError(f"malloc: negative allocation size {size}")
        if size > SMALL_LIMIT:
            return self._large(size, noscan)
        if noscan:
            if size < MAX_TINY_SIZE:
                tiny = self.mcache.tiny
                addr = tiny.place(size)
                if not addr:  # a new block: a noscan 16-byte slot (tinySpanClass)
                    addr = self.malloc(MAX_TINY_SIZE, True)
                    tiny.adopt(addr, size)
                return addr
            spc = size_to_class(size) << 1 | 1
        else:
            spc = size_to_class(size + MALLOC_HEADER_SIZE
                                if size > MIN_SIZE_FOR_MALLOC_HEADER else size) << 1
        self._spanclass[noscan][size] = spc
        return self.malloc(size, noscan)

    def _large(self, size: int, noscan: bool) -> int:
        """``(*mcache).allocLarge``: a span of its own, ``ceil(size/8192)`` pages."""
        npages = -(-size // PAGE_SIZE)
        nbytes = npages * PAGE_SIZE
        s = self.heap.alloc_span(npages, int(noscan), nbytes, 1)
        s.allocbits = 1
        s.alloc_count = 1
        self.large_alloc += nbytes
        self.large_count += 1
        self._note_live(nbytes)
        return s.base

    def _note_live(self, d_live: int) -> None:
        """``gcController.update`` then ``gcTrigger.test`` (``shouldhelpgc``)."""
        pacer = self.pacer
        pacer.heap_live += d_live
        if pacer.heap_live >= pacer.trigger:
            self.gc_due = True

    # -- counters (exact once the mcache is flushed: ReadMemStats, mark termination) ----

    @property
    def total_alloc(self) -> int:
        """``TotalAlloc``: bytes ever allocated, counted when spans leave the mcache."""
        return self.release.baseline.total_alloc + self.large_alloc + \
            self.mcache.small_alloc_bytes

    @property
    def heap_alloc(self) -> int:
        """``HeapAlloc``: allocated bytes not yet swept free."""
        base = self.release.baseline
        return base.heap_alloc - base.total_alloc + self.total_alloc - self.freed_bytes

    @property
    def mallocs(self) -> int:
        """``Mallocs`` without the tiny sub-allocations (``Tiny.allocs``)."""
        return self.release.baseline.mallocs + self.large_count + \
            self.mcache.small_alloc_count

    # -- the collector's hooks -----------------------------------------------------

    def mark_termination(self, forced: bool = False) -> None:
        """``gcMarkTermination``: NumGC +1, every mcache flushed (the tiny block dropped).

        ``forced`` is True for ``runtime.GC()`` and ``debug.FreeOSMemory()``
        (``NumForcedGC``).
        """
        self.num_gc += 1
        self.num_forced_gc += forced
        self.mcache.release_all()
        self.gc_due = False

    def free(self, addr: int) -> None:
        """Sweep frees the object at ``addr`` (one call per unreachable object), after
        :meth:`mark_termination` gave every cached span back (Go never sweeps a span an
        mcache holds)."""
        if addr == ZEROBASE:
            return
        s = self.heap.span_of(addr)
        if s is None:
            raise GcemuError(f"free: {addr:#x} is not in any heap span")
        if s.spanclass == _TINY_SPC and addr & ~15 in self.mcache.tiny.live:
            if not self.mcache.tiny.free(addr):
                return
            addr &= ~15
        i, rem = divmod(addr - s.base, s.elemsize)
        if rem or not s.allocbits >> i & 1:
            raise GcemuError(f"free: {addr:#x} is not an allocated object of {s!r}")
        s.free_index(i)
        self.freed_bytes += s.elemsize
        self.frees += 1
        self.mcache.swept(s)

    def end_sweep(self) -> None:
        """Sweep finished: the pacer commits the next goal from the marked (live) heap."""
        self.pacer.commit(self.heap_alloc)

    def scavenge_all(self) -> int:
        """``(*mheap).scavengeAll``: release every free page; return the bytes released.

        ``debug.FreeOSMemory()`` is a forced GC followed by this.
        """
        return self.heap.scavenge_all() * PAGE_SIZE

    # -- statistics ----------------------------------------------------------------

    def read_memstats(self) -> MemStats:
        """``runtime.ReadMemStats``: flush the mcache (dropping the tiny block), then read."""
        self.pacer.heap_live += self.mcache.release_all()
        h = self.heap
        tiny_allocs = self.mcache.tiny.allocs
        mallocs = self.mallocs + tiny_allocs
        frees = self.frees + tiny_allocs
        idle = (h.free_pages + h.released_pages) * PAGE_SIZE
        inuse = h.inuse_pages * PAGE_SIZE
        heap_alloc = self.heap_alloc
        return MemStats(
            Alloc=heap_alloc, TotalAlloc=self.total_alloc, Mallocs=mallocs, Frees=frees,
            HeapAlloc=heap_alloc, HeapSys=inuse + idle, HeapIdle=idle, HeapInuse=inuse,
            HeapReleased=h.released_pages * PAGE_SIZE, HeapObjects=mallocs - frees,
            StackInuse=h.stack_pages * PAGE_SIZE, NextGC=self.pacer.goal,
            NumGC=self.num_gc, NumForcedGC=self.num_forced_gc)
