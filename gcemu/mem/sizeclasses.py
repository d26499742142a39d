"""Go 1.23's allocation size classes, as the heap accounts them on 64-bit.

The rules
---------
Go's allocator (``runtime/malloc.go: mallocgc``) never hands out exactly the
bytes asked for.  An object of ``size`` bytes occupies a *slot* whose size is
the object's ``span.elemsize``; that slot is what ``MemStats.HeapAlloc``
counts, so it is what this emulator counts too.

* **Small objects** (``size <= 32760``, i.e. ``maxSmallSize - 8``) go to one
  of 67 size classes (``runtime/sizeclasses.go``), the smallest class that is
  at least the requested size.
* A **pointerful** small object larger than 512 bytes
  (``minSizeForMallocHeader``) cannot keep its pointer bitmap in the span, so
  an 8-byte malloc header holding its type pointer is put in front of it
  (``runtime/mbitmap.go``); the header is added *before* the class is chosen.
  Pointer-free ("noscan") objects never get a header.
* **Large objects** (``size > 32760``) get whole 8 KiB pages of their own,
  with no header (the type hangs off ``span.largeType``).
* ``size == 0`` allocates nothing: Go returns ``&zerobase``.
* The tiny allocator (noscan objects under 16 bytes packed together) lives in
  :mod:`gcemu.mem.tiny`; ``MAX_TINY_SIZE`` is exported for it.

``CLASS_TO_ALLOCNPAGES`` gives the pages of one span of each class, and
:func:`size_to_class` maps a slot request to its class number through Go's two
lookup tables (``size_to_class8`` up to 1024 bytes, ``size_to_class128`` above).
The tables are the same in go1.23.9, go1.25.5 and go1.27.3 (go-memstats.md §1.1:
diffed byte for byte), so one copy serves every modelled release.

``runtime/msize.go: roundupsize`` answers the question "how many bytes can I
use if I ask for ``size``?": the slot minus the header, if any.  The map code
uses it in ``makeBucketArray`` to turn size-class slack into extra
preallocated overflow buckets.

The steps
---------
1. :func:`slot_size` applies the rules above (header, then class or pages).
2. :func:`roundupsize` is the same with the header subtracted again.
3. :func:`bucket_array` replays ``makeBucketArray``'s sizing: ``2**B`` main
   buckets, plus ``2**(B-4)`` preallocated overflow buckets when ``B >= 4``,
   then as many more as fit into the slack that ``roundupsize`` reveals.

Class lookups use :mod:`bisect`, since they sit on allocation hot paths.
"""

from __future__ import annotations

from bisect import bisect_left
from functools import lru_cache

__all__ = [
    "CLASS_TO_ALLOCNPAGES",
    "MALLOC_HEADER_SIZE",
    "MAX_SMALL_SIZE",
    "MAX_TINY_SIZE",
    "MIN_SIZE_FOR_MALLOC_HEADER",
    "PAGE_SIZE",
    "SIZE_CLASSES",
    "SMALL_LIMIT",
    "bucket_array",
    "roundupsize",
    "size_to_class",
    "slot_request",
    "slot_size",
]

#: The 67 object sizes of ``runtime/sizeclasses.go`` (class 0, "large", omitted).
SIZE_CLASSES: tuple[int, ...] = (
    8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224,
    240, 256, 288, 320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768,
    896, 1024, 1152, 1280, 1408, 1536, 1792, 2048, 2304, 2688, 3072, 3200,
    3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192, 9472, 9728, 10240,
    10880, 12288, 13568, 14336, 16384, 18432, 19072, 20480, 21760, 24576,
    27264, 28672, 32768,
)

#: ``class_to_allocnpages`` of ``runtime/sizeclasses.go``: pages per span, classes 1..67.
CLASS_TO_ALLOCNPAGES: tuple[int, ...] = (
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 2, 1, 2, 1, 3, 2, 3, 1, 3, 2, 3, 4, 5, 6, 1, 7,
    6, 5, 4, 3, 5, 7, 2, 9, 7, 5, 8, 3, 10, 7, 4,
)

#: ``maxSmallSize``: the largest size class.
MAX_SMALL_SIZE = 32768
#: ``pageSize``: large objects are rounded up to whole pages.
PAGE_SIZE = 8192
#: ``mallocHeaderSize``: the type-pointer header of big pointerful objects.
MALLOC_HEADER_SIZE = 8
#: ``minSizeForMallocHeader``: pointerful objects *above* this get a header.
MIN_SIZE_FOR_MALLOC_HEADER = 512
#: ``maxTinySize``: noscan objects below this use the tiny allocator.
MAX_TINY_SIZE = 16

#: ``maxSmallSize - mallocHeaderSize``: requests above this are large objects.
SMALL_LIMIT = MAX_SMALL_SIZE - MALLOC_HEADER_SIZE  # 32760

# Go's lookup tables (runtime/sizeclasses.go: size_to_class8, size_to_class128):
# class numbers (1-based) by divRoundUp(size, 8) up to smallSizeMax = 1024, then by
# divRoundUp(size - 1024, 128).
_SIZE_TO_CLASS8 = tuple(
    bisect_left(SIZE_CLASSES, i * 8) + 1 for i in range(1024 // 8 + 1))
_SIZE_TO_CLASS128 = tuple(
    bisect_left(SIZE_CLASSES, 1024 + i * 128) + 1
    for i in range((MAX_SMALL_SIZE - 1024) // 128 + 1))


def _check_size(size: int) -> None:
    """Reject negative sizes, which no Go allocation can have."""
    if size < 0:
        raise ValueError(f"negative allocation size {size}")


def _header(size: int, noscan: bool) -> int:
    """Bytes of malloc header a small object of ``size`` bytes gets."""
    if not noscan and size > MIN_SIZE_FOR_MALLOC_HEADER:
        return MALLOC_HEADER_SIZE
    return 0


def _pages(size: int) -> int:
    """``size`` rounded up to a whole number of pages."""
    return -(-size // PAGE_SIZE) * PAGE_SIZE


@lru_cache(maxsize=4096)
def slot_size(size: int, noscan: bool) -> int:
    """Bytes really occupied by an object of ``size`` bytes (``span.elemsize``).

    Parameters
    ----------
    size : int
        The requested size in bytes (the type's size, or ``n * size`` for an
        array allocation).
    noscan : bool
        True when the object holds no pointers.

    Returns
    -------
    int
        The slot size, which is what ``HeapAlloc`` counts: the size class of
        ``size`` (plus an 8-byte header if pointerful and over 512 bytes), or
        whole pages for objects over 32760 bytes; 0 for ``size == 0``.

    Examples
    --------
    >>> slot_size(208, noscan=False), slot_size(513, noscan=True)
    (208, 576)
    >>> slot_size(1016, noscan=False), slot_size(1017, noscan=False)
    (1024, 1152)
    >>> slot_size(40000, noscan=False)
    40960
    """
    _check_size(size)
    if size == 0:
        return 0
    if size <= SMALL_LIMIT:
        size += _header(size, noscan)
        return SIZE_CLASSES[bisect_left(SIZE_CLASSES, size)]
    return _pages(size)


def slot_request(slot: int, noscan: bool) -> int:
    """The largest request ``mallocgc`` places in a slot of ``slot`` bytes.

    ``slot`` is what :func:`slot_size` returned; the inverse takes the malloc header
    off again, so ``slot_size(slot_request(s, noscan), noscan) == s``.

    Examples
    --------
    >>> slot_request(1024, noscan=False), slot_request(1024, noscan=True)
    (1016, 1024)
    >>> slot_request(512, noscan=False), slot_request(40960, noscan=False)
    (512, 40960)
    """
    if not noscan and MIN_SIZE_FOR_MALLOC_HEADER < slot <= MAX_SMALL_SIZE:
        return slot - MALLOC_HEADER_SIZE
    return slot


def size_to_class(size: int) -> int:
    """The size class (1..67) of a slot request of ``1 <= size <= 32768`` bytes.

    ``size`` already includes the malloc header, as in ``mallocgc``.

    Examples
    --------
    >>> size_to_class(7), size_to_class(64), size_to_class(1025), size_to_class(32768)
    (1, 6, 33, 67)
    """
    if size <= 1024:
        return _SIZE_TO_CLASS8[(size + 7) >> 3]
    return _SIZE_TO_CLASS128[(size - 1024 + 127) >> 7]


def roundupsize(size: int, noscan: bool) -> int:
    """Usable bytes of the slot that a request of ``size`` bytes gets.

    Mirrors ``runtime/msize.go: roundupsize``: the slot size minus the malloc
    header, if the object gets one.

    Parameters
    ----------
    size : int
        The requested size in bytes.
    noscan : bool
        True when the object holds no pointers.

    Returns
    -------
    int
        ``slot_size(size, noscan)`` minus the header bytes.

    Examples
    --------
    >>> roundupsize(3536, noscan=False)   # 3544 with header -> 4096 class
    4088
    >>> roundupsize(2448, noscan=True)
    2688
    """
    _check_size(size)
    if size == 0:
        return 0
    if size <= SMALL_LIMIT:
        hdr = _header(size, noscan)
        return SIZE_CLASSES[bisect_left(SIZE_CLASSES, size + hdr)] - hdr
    return _pages(size)


def bucket_array(B: int, bucket_size: int, noscan: bool) -> tuple[int, int]:
    """Size a map's bucket array as ``runtime/map.go: makeBucketArray`` does.

    Parameters
    ----------
    B : int
        log2 of the number of main buckets (``hmap.B``), ``>= 0``.
    bucket_size : int
        The bucket type's size (``maptype.BucketSize``), e.g. 208.
    noscan : bool
        True when the bucket type holds no pointers.

    Returns
    -------
    tuple of (int, int)
        ``(nbuckets, bytes)``: the number of buckets in the one allocation,
        including preallocated overflow buckets, and the slot size of that
        allocation.

    Examples
    --------
    >>> bucket_array(4, 208, noscan=False)
    (19, 4096)
    >>> bucket_array(8, 208, noscan=False)
    (275, 57344)
    >>> bucket_array(3, 144, noscan=True)
    (8, 1152)
    """
    if B < 0:
        raise ValueError(f"negative bucket shift B={B}")
    if bucket_size <= 0:
        raise ValueError(f"bucket size must be positive, got {bucket_size}")
    nbuckets = 1 << B
    if B >= 4:
        nbuckets += 1 << (B - 4)
        size = nbuckets * bucket_size
        up = roundupsize(size, noscan)
        if up != size:
            nbuckets = up // bucket_size
    return nbuckets, slot_size(nbuckets * bucket_size, noscan)
