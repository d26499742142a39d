"""The allocations and frames of a classic map besides its header (runtime/map.go).

``bmap`` (`Bucket`: ``tophash[8]``, 8 keys, 8 elems, the overflow pointer) lives in a
`BucketArray` allocation: ``makeBucketArray``'s ``2^B`` buckets with their preallocated
overflow buckets, or one ``newobject(t.Bucket)`` overflow bucket. ``mapextra``
(`MapExtra`) holds, for a map whose buckets hold no pointers, the ``*[]*bmap`` slices
(`OverflowList`) that alone keep its overflow buckets alive, and ``nextOverflow``.
``hiter`` (`Hiter`) is the frame of a range loop. An `OverflowList` grows by
``append``, as runtime.growslice sizes it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from gcemu.core.heap import HeapObject
from gcemu.maps.classic.const import BUCKET_CNT, MAPEXTRA_SIZE
from gcemu.maps.common import slot_words
from gcemu.maps.sparse import SparseArray
from gcemu.mem.sizeclasses import roundupsize, slot_size

if TYPE_CHECKING:
    from gcemu.maps.classic.hmap import Map


class Bucket:
    """One bmap: ``tophash[8]``, 8 keys, 8 elems and the overflow pointer.

    ``owner`` is the allocation the bucket lives in; ``index`` its place there. Once
    evacuate is done with a main bucket, nothing writes its slots again: its tophash
    is then ``bytes`` and, if evacuate cleared it, its keys and elems `ZERO_SLOTS`.
    """

    __slots__ = ("elems", "index", "keys", "overflow", "owner", "tophash")

    tophash: bytearray | bytes
    keys: list[Any] | tuple[None, ...]
    elems: list[Any] | tuple[None, ...]
    overflow: Bucket | None
    owner: BucketArray
    index: int

    @classmethod
    def zeroed(cls, owner: BucketArray | None, i: int) -> Bucket:
        """Bucket ``i`` of an allocation, zeroed (made without an ``__init__`` call)."""
        b = cls.__new__(cls)
        b.tophash = bytearray(BUCKET_CNT)
        b.keys = [None] * BUCKET_CNT
        b.elems = [None] * BUCKET_CNT
        b.overflow = None
        b.owner = owner
        b.index = i
        return b

    def chain(self) -> Iterator[Bucket]:
        """This bucket and the overflow buckets after it."""
        b: Bucket | None = self
        while b is not None:
            yield b
            b = b.overflow

    def zero(self) -> None:
        self.tophash[:] = bytes(BUCKET_CNT)
        self.keys = [None] * BUCKET_CNT
        self.elems = [None] * BUCKET_CNT
        self.overflow = None

    def __repr__(self) -> str:
        return f"<bucket {self.index} of {self.owner.label} tophash={list(self.tophash)}>"


# eight zeroed key or elem slots that nothing writes to again: an untouched bucket's
# and an evacuated bucket's once evacuate cleared it (read-only, shared)
ZERO_SLOTS = (None,) * BUCKET_CNT
# what an untouched bucket reads as (`SparseArray.peek`): zero bytes, immutable
ZERO_BUCKET = Bucket.zeroed(None, -1)
ZERO_BUCKET.tophash = bytes(BUCKET_CNT)  # type: ignore[assignment]
ZERO_BUCKET.keys = ZERO_BUCKET.elems = ZERO_SLOTS  # type: ignore[assignment]


class BucketArray(HeapObject):
    """An array of buckets in one allocation (``newarray(t.Bucket, n)``).

    ``nbase`` is ``2^B`` for a bucket array made by makeBucketArray; the buckets from
    ``nbase`` on are its preallocated overflow buckets. A separately allocated
    overflow bucket (``newobject(t.Bucket)``) is an array of one with role "overflow".
    ``buckets`` is a `SparseArray`: a bucket is built when first indexed.
    """

    __slots__ = ("buckets", "hmap", "nbase", "role")

    def __init__(self, hmap: Map, nbuckets: int, nbase: int, role: str, size: int):
        super().__init__(None, size, noscan=hmap.layout.noscan)
        self.hmap = hmap
        self.nbase = nbase
        self.role = role
        self.buckets = SparseArray(nbuckets, Bucket.zeroed, ZERO_BUCKET, self)

    def kind_label(self) -> str:
        return self.role

    def pointers(self):
        """Every pointer word of every bucket, whatever its tophash (a bitmap scan)."""
        h = self.hmap
        if h.layout.noscan:
            return ()
        out = []
        for _, b in self.buckets.built():
            out += slot_words(h, (b,))
            if b.overflow is not None:
                out.append(b.overflow)
        return out


class OverflowList(HeapObject):
    """``*[]*bmap`` of a pointer-free map: the only thing keeping its overflow
    buckets alive (go-classic-map.md §10.3). Sized as the slice header (24 B) plus
    its append-grown backing array."""

    __slots__ = ("cap", "items")

    def __init__(self):
        super().__init__(None, slot_size(24, False))
        self.items: list[Bucket] = []
        self.cap = 0

    def kind_label(self) -> str:
        return "ovflist"

    def append(self, b: Bucket) -> None:
        self.items.append(b)
        if len(self.items) > self.cap:  # runtime.growslice for 8-byte elements
            cap = self.cap
            newcap = 1 if cap == 0 else (cap * 2 if cap < 256 else cap + (cap + 768) // 4)
            newcap = max(newcap, len(self.items))
            self.cap = roundupsize(newcap * 8, False) // 8
            self.size = slot_size(24, False) + slot_size(self.cap * 8, False)

    def pointers(self):
        return self.items


class MapExtra(HeapObject):
    """runtime.mapextra: overflow lists (pointer-free maps) and nextOverflow."""

    __slots__ = ("next_overflow", "oldoverflow", "overflow")
    kind = "mapextra"

    def __init__(self):
        super().__init__(None, MAPEXTRA_SIZE)
        self.overflow: OverflowList | None = None
        self.oldoverflow: OverflowList | None = None
        self.next_overflow: Bucket | None = None

    def pointers(self):
        return [p for p in (self.overflow, self.oldoverflow, self.next_overflow) if p is not None]


class Hiter:
    """runtime.hiter, a stack frame of the main goroutine while a range loop runs.

    Its pointer fields are roots: the map, the bucket array as of mapiterinit, the
    current bucket, the key/elem being produced, and the overflow lists of
    pointer-free maps (go-classic-map.md §2.5, §10.4).
    """

    __slots__ = ("B", "bptr", "buckets", "elem", "h", "key", "label", "oldoverflow",
                 "overflow")

    def __init__(self, h: Map, label: str):
        self.h = h
        self.B = h.B
        self.buckets = h.buckets_obj
        self.bptr: Bucket | None = None
        self.key: Any = None
        self.elem: Any = None
        self.overflow: OverflowList | None = None
        self.oldoverflow: OverflowList | None = None
        self.label = label

    def pointers(self) -> list[tuple[str, Any]]:
        """(field, pointer) for every non-nil pointer field."""
        fields = (("h", self.h), ("buckets", self.buckets), ("bptr", self.bptr),
                  ("key", self.key), ("elem", self.elem), ("overflow", self.overflow),
                  ("oldoverflow", self.oldoverflow))
        return [(n, p) for n, p in fields if p is not None]
