"""mspan: a run of pages cut into equal slots of one span class, with an allocation bitmap.

The invariant
-------------
A span of class ``c`` (``spanclass = sizeclass << 1 | noscan``) covers ``npages`` pages
from ``base`` and holds ``nelems`` slots of ``elemsize`` bytes. Bit ``i`` of
``allocbits`` is set while slot ``i`` holds an object (allocated and not yet swept
free); ``alloc_count`` is the number of set bits. Scan and noscan objects of one size
class never share a span. A large object (span class 0 or 1) has a span of its own
with one slot of ``npages * 8192`` bytes.

The steps (``runtime/mheap.go: (*mheap).initSpan``, ``runtime/mbitmap.go: nextFreeFast``,
``runtime/mgcsweep.go: (*sweepLocked).sweep``)
--------------------------------------------------------------------------
1. ``nelems`` (:func:`nelems`): ``nbytes / elemsize``, less the reserves at the span's
   end: a scan span of objects <= 512 bytes keeps its pointer bitmap there
   (``nbytes/64``); under Green Tea GC (go1.27) a span of 16..512-byte objects also keeps
   128 bytes of inline mark bits.
2. Allocation takes the **lowest free slot** (:meth:`MSpan.next_free_index`): Go scans
   ``allocCache`` upward from ``freeindex``, and since gcemu frees only by sweeping
   (after which ``freeindex`` restarts at 0), that is the lowest clear bit.
3. Sweeping a dead object clears its bit (:meth:`MSpan.free_index`); the caller returns
   the span's pages when ``alloc_count`` reaches 0.

The bitmap is one Python int per span, never a Python object per slot.
"""

from __future__ import annotations

from gcemu.mem.sizeclasses import MIN_SIZE_FOR_MALLOC_HEADER, PAGE_SIZE

__all__ = ["INLINE_MARK_BITS_SIZE", "MSpan", "nelems"]

#: ``unsafe.Sizeof(spanInlineMarkBits{})`` in go1.27.3: scans [63]uint8, owned uint8,
#: marks [63]uint8, class uint8.
INLINE_MARK_BITS_SIZE = 128


def nelems(npages: int, elemsize: int, noscan: bool, inline_mark_bits: bool) -> int:
    """Objects per span, as ``(*mheap).initSpan`` computes ``s.nelems``.

    Examples
    --------
    >>> nelems(1, 64, noscan=True, inline_mark_bits=False)
    128
    >>> nelems(1, 64, noscan=False, inline_mark_bits=False)
    126
    >>> nelems(1, 64, noscan=True, inline_mark_bits=True)
    126
    """
    nbytes = npages * PAGE_SIZE
    heap_bits_in_span = elemsize <= MIN_SIZE_FOR_MALLOC_HEADER
    reserve = 0
    if inline_mark_bits and heap_bits_in_span and elemsize >= 16:
        reserve += INLINE_MARK_BITS_SIZE
    if heap_bits_in_span and not noscan:
        reserve += nbytes // 64          # nbytes / goarch.PtrSize / 8
    return (nbytes - reserve) // elemsize


class MSpan:
    """One span: pages ``[base, base + npages*8192)`` of one span class.

    ``cached`` is True while an mcache allocates from it; ``listed`` while it sits in its
    mcentral's partial set.
    """

    __slots__ = ("alloc_count", "alloc_count_before_cache", "allocbits", "base", "cached",
                 "elemsize", "listed", "nelems", "npages", "spanclass")

    def __init__(self, base: int, npages: int, spanclass: int, elemsize: int,
                 nelems: int) -> None:
        self.base = base
        self.npages = npages
        self.spanclass = spanclass
        self.elemsize = elemsize
        self.nelems = nelems
        self.allocbits = 0
        self.alloc_count = 0
        #: ``allocCountBeforeCache``: ``alloc_count`` when the mcache took the span, so
        #: the slots used while cached are counted once it gives the span back
        self.alloc_count_before_cache = 0
        self.cached = False
        self.listed = False

    @property
    def noscan(self) -> bool:
        """True for a span of pointer-free objects."""
        return bool(self.spanclass & 1)

    @property
    def sizeclass(self) -> int:
        """The size class (0 = large)."""
        return self.spanclass >> 1

    def next_free_index(self) -> int:
        """The lowest free slot, or ``nelems`` when the span is full.

        Examples
        --------
        >>> s = MSpan(0, 1, 13, 64, 128)
        >>> s.allocbits = 0b1011
        >>> s.next_free_index()
        2
        """
        bits = self.allocbits
        i = ((bits + 1) & ~bits).bit_length() - 1
        return min(i, self.nelems)

    def free_index(self, i: int) -> None:
        """Sweep slot ``i`` free (its bit must be set)."""
        self.allocbits &= ~(1 << i)
        self.alloc_count -= 1

    def __repr__(self) -> str:
        return (f"MSpan(base={self.base:#x}, npages={self.npages}, spanclass={self.spanclass}, "
                f"elemsize={self.elemsize}, {self.alloc_count}/{self.nelems})")
