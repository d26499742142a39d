"""mheap: the heap's pages, in use, free or released, and the spans that own them.

The invariant
-------------
Every page of the mapped heap is in exactly one state: in use by a span (``HeapInuse``),
free and still backed by memory (``heapFree``), or free and returned to the OS
(``HeapReleased``); ``HeapSys`` is their sum and ``HeapIdle = heapFree + HeapReleased``
(``runtime/mstats.go: readmemstats_m``). Stack spans are carved from the same pages but
counted in ``StackInuse``, not in ``HeapSys``; the runtime's own start-up spans are
opaque in-use pages.

The steps
---------
1. ``alloc_span`` (``runtime/mheap.go: (*mheap).allocSpan``, ``runtime/mpagealloc.go:
   (*pageAlloc).alloc``): take the **lowest-addressed** run of free pages that fits.
   Pages that had been released are taken back (``HeapReleased`` falls by them, the rest
   leave ``heapFree``).
2. If no run fits, ``grow`` (``(*mheap).grow``): map ``alignUp(npages, 512)`` more pages,
   i.e. whole 4 MiB palloc chunks, after the current end. New memory is **released**
   (``sysMap`` charges it to ``heapReleased``), so HeapSys, HeapIdle and HeapReleased rise
   together. A free tail before the old end joins the new pages in one run, as the page
   allocator's bitmap lets it.
3. ``free_span`` (``(*mheap).freeSpanLocked``): the pages become free, not released.
4. ``scavenge_all`` (``(*mheap).scavengeAll``, forced: the density rule is ignored):
   every free page is released. This is the page half of ``debug.FreeOSMemory``.

Not modelled: the per-P page cache (``pp.pcache``, 64-page windows for spans under 16
pages) and 64 MiB arena boundaries change where spans land, never a counter; the
background scavenger and eager scavenging on growth are not modelled (docs/memory.md).
Page states are two ``bytearray`` s (one byte per 8 KiB page), searched with ``find``.
"""

from __future__ import annotations

from gcemu.mem.sizeclasses import PAGE_SIZE
from gcemu.mem.span import MSpan

__all__ = ["ARENA_BASE", "PALLOC_CHUNK_PAGES", "MHeap"]

#: The first heap address Go uses on linux/amd64 (``runtime/malloc.go: mallocinit`` hints).
ARENA_BASE = 0xC000000000
#: ``pallocChunkPages``: the heap grows in whole 4 MiB chunks.
PALLOC_CHUNK_PAGES = 512

_FREE, _USED = 1, 0


class MHeap:
    """The page heap: page states, counters in pages, and the page -> span table."""

    def __init__(self, reserved_pages: int = 0, stack_pages: int = 0) -> None:
        #: 1 = free (idle), 0 = in use (a heap span, a stack span or the runtime's pages)
        self.free = bytearray()
        #: 1 = released to the OS (only ever set on a free page)
        self.released = bytearray()
        #: ``h.spans``: the span owning each page, None for free or non-heap pages
        self.spans: list[MSpan | None] = []
        self.inuse_pages = 0       # HeapInuse / 8192
        self.free_pages = 0        # heapFree / 8192 (idle, not released)
        self.released_pages = 0    # HeapReleased / 8192
        self.stack_pages = 0       # StackInuse / 8192
        self._take(stack_pages)
        self.stack_pages = stack_pages
        self._take(reserved_pages)
        self.inuse_pages += reserved_pages

    def _take(self, npages: int) -> int:
        """Mark the lowest free run of ``npages`` pages used; return its first page."""
        run = b"\x01" * npages
        p = self.free.find(run)
        if p < 0:
            self.grow(npages)
            p = self.free.find(run)
        end = p + npages
        scav = self.released.count(1, p, end)
        self.free[p:end] = bytes(npages)
        if scav:
            self.released[p:end] = bytes(npages)
        self.released_pages -= scav
        self.free_pages -= npages - scav
        return p

    def grow(self, npages: int) -> None:
        """``(*mheap).grow``: map ``alignUp(npages, 512)`` pages, as released memory."""
        ask = -(-npages // PALLOC_CHUNK_PAGES) * PALLOC_CHUNK_PAGES
        self.free += b"\x01" * ask
        self.released += b"\x01" * ask
        self.spans += [None] * ask
        self.released_pages += ask

    def alloc_span(self, npages: int, spanclass: int, elemsize: int, nelems: int) -> MSpan:
        """A new span of ``npages`` pages at the lowest free address; HeapInuse rises."""
        p = self._take(npages)
        self.inuse_pages += npages
        s = MSpan(ARENA_BASE + p * PAGE_SIZE, npages, spanclass, elemsize, nelems)
        self.spans[p:p + npages] = [s] * npages
        return s

    def free_span(self, s: MSpan) -> None:
        """Return a span's pages: HeapInuse falls, heapFree (HeapIdle) rises."""
        p = (s.base - ARENA_BASE) // PAGE_SIZE
        end = p + s.npages
        self.free[p:end] = b"\x01" * s.npages
        self.spans[p:end] = [None] * s.npages
        self.inuse_pages -= s.npages
        self.free_pages += s.npages

    def span_of(self, addr: int) -> MSpan | None:
        """``spanOf``: the span holding ``addr``, or None."""
        p = (addr - ARENA_BASE) >> 13
        if 0 <= p < len(self.spans):
            return self.spans[p]
        return None

    def scavenge_all(self) -> int:
        """Release every free page (``scavengeAll``, force=true); return the pages released."""
        n = self.free_pages
        self.released[:] = self.free
        self.released_pages += n
        self.free_pages = 0
        return n
