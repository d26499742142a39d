"""The classic Go map of Go 1.21-1.23, function by function (runtime/map.go).

A map is an ``hmap`` header (`Map`) and an array of ``2^B`` buckets. Each bucket
holds 8 slots: ``tophash[8]`` (the top byte of each key's hash, or a state), 8 keys,
8 elems and an ``overflow`` pointer to the next bucket of its chain. Keys whose low
``B`` hash bits are ``j`` live in the chain of bucket ``j``.

Invariants (go-classic-map.md §7)
---------------------------------
1. In a chain that is not evacuated, a slot is ``emptyRest`` (0), ``emptyOne`` (1) or
   full (>= ``minTopHash``, 5); an ``emptyRest`` slot means every later slot of its
   bucket and of the rest of the chain is ``emptyRest`` too.
2. An evacuated chain holds only ``evacuatedX`` (2), ``evacuatedY`` (3) and
   ``evacuatedEmpty`` (4); ``tophash[0]`` of the main bucket tells whether a chain is
   evacuated.
3. ``count`` equals the number of full slots in the live chains.
4. Writers call ``growWork`` before touching new bucket ``j``, so evacuation always
   writes into fresh, empty destination buckets, packed from slot 0.

Steps
-----
``makemap`` picks the smallest ``B`` that holds ``hint`` entries at load factor 6.5
and allocates the bucket array in one piece (``makeBucketArray``), with preallocated
overflow buckets at its tail when ``B >= 4``. ``mapassign`` inserts into the first
empty slot of the chain before its first ``emptyRest``, linking a new overflow bucket
(``newoverflow``) when the chain is full, and starts a growth (``hashGrow``) when the
load factor or the overflow count is too high. ``mapdelete`` marks the slot
``emptyOne``, turns a run of trailing empty slots into ``emptyRest``, and clears the
slot's memory as the model says (the ``go`` model: exactly what Go 1.23 clears). A
growth allocates a new array and moves old chains over two at a time on each write
(``growWork`` / ``evacuate``); ``advanceEvacuationMark`` drops ``oldbuckets`` when the
last old chain is done. Iteration (``mapiterinit`` / ``mapiternext``) walks a snapshot
of the array, re-looks-up entries evacuated under it, and sets the ``iterator`` flags,
which nothing ever clears.

Representation: a key or elem slot holds the Python value of the Go value (see
gcemu.gotypes), or an `Indirect` object when the key or elem is over 128 bytes;
``None`` in a slot means zeroed memory. A bucket is a `Bucket`; every bucket belongs to
a `BucketArray` allocation (a separately allocated overflow bucket is an array of one).
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable, Iterator
from typing import Any

from gcemu.core.heap import Heap, HeapObject
from gcemu.errors import GcemuError
from gcemu.gotypes import GoType
from gcemu.mapfront import MapFront, check_hint_slots, mapfast, slot_words
from gcemu.sizeclasses import bucket_array, roundupsize, slot_size

# runtime/map.go const block
BUCKET_CNT = 8
EMPTY_REST = 0
EMPTY_ONE = 1
EVACUATED_X = 2
EVACUATED_Y = 3
EVACUATED_EMPTY = 4
MIN_TOP_HASH = 5
ITERATOR = 1
OLD_ITERATOR = 2
HASH_WRITING = 4
SAME_SIZE_GROW = 8
LOAD_FACTOR_NUM = 13
LOAD_FACTOR_DEN = 2
NO_CHECK = (1 << 64) - 1
HMAP_SIZE = 48
MAPEXTRA_SIZE = 24
HITER_SIZE = 96

M64 = (1 << 64) - 1
_NILS = (None,) * 8  # eight zeroed slots
FLAG_NAMES = ((ITERATOR, "iterator"), (OLD_ITERATOR, "oldIterator"),
              (HASH_WRITING, "hashWriting"), (SAME_SIZE_GROW, "sameSizeGrow"))
TOPHASH_NAMES = {EMPTY_REST: "emptyRest", EMPTY_ONE: "emptyOne", EVACUATED_X: "evacuatedX",
                 EVACUATED_Y: "evacuatedY", EVACUATED_EMPTY: "evacuatedEmpty"}


def tophash_state(top: int) -> str:
    """The name of a tophash value: ``emptyOne`` ... or ``full``."""
    return TOPHASH_NAMES.get(top, "full")


def flags_text(flags: int) -> str:
    return "|".join(n for bit, n in FLAG_NAMES if flags & bit) or "0"


def tophash(hash: int) -> int:
    """runtime.tophash: the top byte of the hash, moved past the reserved states."""
    top = hash >> 56
    return top + MIN_TOP_HASH if top < MIN_TOP_HASH else top


def over_load_factor(count: int, B: int) -> bool:
    """runtime.overLoadFactor: would ``count`` items in ``2^B`` buckets exceed 6.5 each?"""
    return count > BUCKET_CNT and count > LOAD_FACTOR_NUM * ((1 << B) // LOAD_FACTOR_DEN)


def too_many_overflow_buckets(noverflow: int, B: int) -> bool:
    """runtime.tooManyOverflowBuckets: noverflow >= 2^min(B, 15)."""
    return noverflow >= (1 << min(B, 15))


def evacuated(b: Bucket) -> bool:
    """runtime.evacuated: reads tophash[0] of the main bucket only."""
    return EVACUATED_X <= b.tophash[0] <= EVACUATED_EMPTY


def has_nan(key: Any) -> bool:
    """Whether a key holds a NaN, so that Go's ``k == k`` is false for it.

    Python's ``==`` on tuples treats the very same NaN object as equal to itself;
    Go never does, so a key with a NaN in any float field or element is never found
    again (go-classic-map.md §4, §8.3).
    """
    if isinstance(key, float):
        return key != key
    if isinstance(key, tuple):
        return any(has_nan(x) for x in key)
    return False


# -- hashing ----------------------------------------------------------------------
def _mix64(v: int, seed: int) -> int:
    """Hash an integer ``v`` with ``seed``: a multiply, then splitmix64's finalizer
    (the emulator's stand-in for memhash64)."""
    x = (v * 0x9E3779B97F4A7C15 + seed) & M64
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9 & M64
    x = (x ^ (x >> 27)) * 0x94D049BB133111EB & M64
    return x ^ (x >> 31)


def default_hasher(key_type: GoType, heap: Heap) -> Callable[[Any, int], int]:
    """A deterministic seeded 64-bit hash per key type (runtime/alg.go's role).

    Integers, bools and pointers mix their value with the seed; floats hash +0 and -0
    alike and give NaN a fresh random hash on every call, as ``f64hash`` does; other
    keys hash their canonical bytes with BLAKE2b keyed by the seed.
    """
    kind = key_type.kind
    if kind in ("ptr", "map"):
        return lambda k, seed: _mix64(0 if k is None else k.id, seed)
    if kind == "bool" or kind.startswith(("int", "uint")):
        return _mix64
    if kind in ("float32", "float64"):
        def fhash(k: float, seed: int) -> int:
            if k != k:
                return heap.rand64()
            bits = struct.unpack("<Q", struct.pack("<d", k + 0.0))[0]
            return _mix64(bits, seed)
        return fhash
    if kind == "string":
        return lambda k, seed: int.from_bytes(hashlib.blake2b(
            k.encode("utf-8", "surrogatepass"), digest_size=8,
            key=seed.to_bytes(8, "little")).digest(), "little")
    to_bytes = key_type.hash_bytes

    def bhash(k: Any, seed: int) -> int:
        return int.from_bytes(hashlib.blake2b(
            to_bytes(k), digest_size=8, key=seed.to_bytes(8, "little")).digest(), "little")
    if key_type.reflexive:
        return bhash
    # a NaN field or element makes the whole hash random, as f64hash does
    return lambda k, seed: heap.rand64() if has_nan(k) else bhash(k, seed)


def slot_pointers(t: GoType, indirect: bool) -> Callable[[Any], Any]:
    """The pointers held by one key or elem slot of a bucket (None = zeroed memory).

    An indirect slot is a pointer to its `Indirect` object.
    """
    if indirect:
        return lambda v: () if v is None else (v,)
    if not t.has_pointers:
        return lambda v: ()
    if t.kind in ("ptr", "map"):
        return lambda v: () if v is None else (v,)
    pointers = t.pointers
    return lambda v: () if v is None or isinstance(v, ClearedString) else pointers(v)


# -- objects ----------------------------------------------------------------------
class ClearedString:
    """A string key slot after ``mapdelete_faststr``: only the data pointer was nil'ed,
    the length word stays (go-classic-map.md §6, §13a: ``nil(len=2)``)."""

    __slots__ = ("length",)

    def __init__(self, length: int):
        self.length = length

    def __repr__(self) -> str:
        return f"nil(len={self.length})"


class Bucket:
    """One bmap: ``tophash[8]``, 8 keys, 8 elems and the overflow pointer.

    ``owner`` is the allocation the bucket lives in; ``index`` its place there.
    """

    __slots__ = ("elems", "index", "keys", "overflow", "owner", "tophash")

    def __init__(self, owner: BucketArray, index: int):
        self.tophash = bytearray(BUCKET_CNT)
        self.keys: list[Any] = [None] * BUCKET_CNT
        self.elems: list[Any] = [None] * BUCKET_CNT
        self.overflow: Bucket | None = None
        self.owner = owner
        self.index = index

    def chain(self) -> Iterator[Bucket]:
        """This bucket and the overflow buckets after it."""
        b: Bucket | None = self
        while b is not None:
            yield b
            b = b.overflow

    def zero(self) -> None:
        self.tophash[:] = bytes(BUCKET_CNT)
        self.keys[:] = [None] * BUCKET_CNT
        self.elems[:] = [None] * BUCKET_CNT
        self.overflow = None

    def __repr__(self) -> str:
        return f"<bucket {self.index} of {self.owner.label} tophash={list(self.tophash)}>"


class BucketArray(HeapObject):
    """An array of buckets in one allocation (``newarray(t.Bucket, n)``).

    ``nbase`` is ``2^B`` for a bucket array made by makeBucketArray; the buckets from
    ``nbase`` on are its preallocated overflow buckets. A separately allocated
    overflow bucket (``newobject(t.Bucket)``) is an array of one with role "overflow".
    """

    __slots__ = ("buckets", "hmap", "nbase", "role")

    def __init__(self, hmap: Map, nbuckets: int, nbase: int, role: str, size: int):
        super().__init__(None, size, noscan=hmap.layout.noscan)
        self.hmap = hmap
        self.nbase = nbase
        self.role = role
        self.buckets = [Bucket(self, i) for i in range(nbuckets)]

    def kind_label(self) -> str:
        return self.role

    def pointers(self):
        """Every pointer word of every bucket, whatever its tophash (a bitmap scan)."""
        h = self.hmap
        if h.layout.noscan:
            return ()
        out = []
        for b in self.buckets:
            out += slot_words(h, (b,))
            if b.overflow is not None:
                out.append(b.overflow)
        return out


class Indirect(HeapObject):
    """A key or elem over 128 bytes, stored out of line (``newobject(t.Key)``)."""

    __slots__ = ("role", "value")

    def __init__(self, t: GoType, value: Any, role: str):
        super().__init__(t, slot_size(t.size, not t.has_pointers), noscan=not t.has_pointers)
        self.value = value
        self.role = role

    def kind_label(self) -> str:
        return f"{self.role}({self.type.name})"

    def pointers(self):
        return self.type.pointers(self.value)


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


# -- the map ------------------------------------------------------------------------
class Map(MapFront):
    """A Go map: the ``hmap`` header and the operations of runtime/map.go.

    Go's fields read as attributes: ``count``, ``flags``, ``B``, ``noverflow``,
    ``hash0``, ``nevacuate``, ``extra``; ``buckets`` and ``oldbuckets`` give the
    lists of main buckets (the allocations are ``buckets_obj`` / ``oldbuckets_obj``).
    """

    __slots__ = (
        "B",
        "_evacuate_clears",
        "_hides_at_empty_rest",
        "buckets_obj",
        "count",
        "extra",
        "flags",
        "hash0",
        "nevacuate",
        "noverflow",
        "oldbuckets_obj",
    )
    kind = "hmap"

    @classmethod
    def make(cls, heap: Heap, t: GoType, hint: int, name: str | None,
             hash: Callable[[Any, int], int] | None) -> Map:
        """runtime.makemap: pick B for ``hint`` and allocate the bucket array."""
        if not isinstance(hint, int) or isinstance(hint, bool):
            raise GcemuError(f"make({t.name}, hint): hint must be an int, got {hint!r}")
        m = cls(heap, t, name, hash)
        heap.allocate(m)
        m.hash0 = heap.rand32()
        layout = m.layout
        if hint < 0 or hint * layout.bucket_size > (1 << 48):
            hint = 0
        B = 0
        while over_load_factor(hint, B):
            B += 1
        check_hint_slots(t, hint, BUCKET_CNT << B)
        m.B = B
        if B != 0:
            arr, next_ov = m._make_bucket_array(B)
            m.buckets_obj = arr
            if next_ov is not None:
                m._new_extra().next_overflow = next_ov
        return m

    def __init__(self, heap: Heap, t: GoType, name: str | None,
                 hash: Callable[[Any, int], int] | None):
        super().__init__(heap, t, HMAP_SIZE, name, hash, _variant)
        self.count = 0
        self.flags = 0
        self.B = 0
        self.noverflow = 0
        self.hash0 = 0
        self.buckets_obj: BucketArray | None = None
        self.oldbuckets_obj: BucketArray | None = None
        self.nevacuate = 0
        self.extra: MapExtra | None = None
        policy = heap.model
        self._hides_at_empty_rest = policy.scan == "tophash"
        self._evacuate_clears = policy.evacuate_clears

    # -- inspection with Go's names ---------------------------------------------------
    @property
    def buckets(self) -> list[Bucket]:
        arr = self.buckets_obj
        return [] if arr is None else arr.buckets[:1 << self.B]

    @property
    def oldbuckets(self) -> list[Bucket] | None:
        arr = self.oldbuckets_obj
        return None if arr is None else arr.buckets[:self.noldbuckets()]

    def growing(self) -> bool:
        return self.oldbuckets_obj is not None

    def noldbuckets(self) -> int:
        """runtime.(*hmap).noldbuckets."""
        old_b = self.B
        if not self.flags & SAME_SIZE_GROW:
            old_b -= 1
        return 1 << old_b

    def pointers(self):
        return [p for p in (self.buckets_obj, self.oldbuckets_obj, self.extra) if p is not None]

    def hash(self, key: Any) -> int:
        """The 64-bit hash of a key under the current hash0."""
        return self._hash(self._key(key), self.hash0)

    def describe(self) -> str:
        return (f"count={self.count} B={self.B} flags={flags_text(self.flags)} "
                f"noverflow={self.noverflow} growing={str(self.growing()).lower()} "
                f"nevacuate={self.nevacuate}")

    def kind_label(self) -> str:
        return "hmap"

    def _make_bucket_array(self, B: int, dirty: BucketArray | None = None):
        """runtime.makeBucketArray: 2^B buckets plus, for B >= 4, preallocated
        overflow buckets filling the size class; the last one's overflow pointer is
        the sentinel (a pointer to the array start)."""
        layout = self.layout
        base = 1 << B
        nbuckets, size = bucket_array(B, layout.bucket_size, layout.noscan)
        if dirty is None:
            arr = BucketArray(self, nbuckets, base, "buckets", size)
            self.heap.allocate(arr)
        else:
            arr = dirty
            if self.heap.marking:  # memclrHasPointers: the bulk barrier
                self.heap.shade_pointers(arr.pointers())
            for b in arr.buckets:
                b.zero()
        next_ov = None
        if nbuckets != base:
            next_ov = arr.buckets[base]
            arr.buckets[-1].overflow = arr.buckets[0]
        return arr, next_ov

    def _new_extra(self) -> MapExtra:
        if self.extra is None:
            extra = self.heap.allocate(MapExtra())
            self._wb(None, extra)
            self.extra = extra
        return self.extra

    def _create_overflow(self) -> None:
        """runtime.(*hmap).createOverflow (pointer-free buckets only)."""
        extra = self._new_extra()
        if extra.overflow is None:
            lst = self.heap.allocate(OverflowList())
            self._wb(None, lst)
            extra.overflow = lst

    def _new_bucket(self, role: str) -> Bucket:
        """newobject(t.Bucket): one bucket in an allocation of its own."""
        arr = BucketArray(self, 1, 1, role,
                          slot_size(self.layout.bucket_size, self.layout.noscan))
        self.heap.allocate(arr)
        return arr.buckets[0]

    def _newoverflow(self, b: Bucket) -> Bucket:
        """runtime.(*hmap).newoverflow: take a preallocated bucket or allocate one,
        count it, and link it after ``b``."""
        extra = self.extra
        if extra is not None and extra.next_overflow is not None:
            ovf = extra.next_overflow
            if ovf.overflow is None:
                nxt = ovf.owner.buckets[ovf.index + 1]
            else:  # the sentinel: this is the last preallocated bucket
                ovf.overflow = None
                nxt = None
            self._wb(ovf, nxt)
            extra.next_overflow = nxt
        else:
            ovf = self._new_bucket("overflow")
        self._incrnoverflow()
        if self.layout.noscan:
            self._create_overflow()
            self._wb(None, ovf)
            self.extra.overflow.append(ovf)
        else:
            self._wb(b.overflow, ovf)
        b.overflow = ovf
        return ovf

    def _incrnoverflow(self) -> None:
        """runtime.(*hmap).incrnoverflow: exact below B=16, sampled above."""
        if self.B < 16:
            self.noverflow += 1
            return
        mask = (1 << (self.B - 15)) - 1
        if self.heap.rand32() & mask == 0:
            self.noverflow += 1

    def _set_buckets(self, arr: BucketArray | None) -> None:
        self._wb(self.buckets_obj, arr)
        self.buckets_obj = arr

    def _set_oldbuckets(self, arr: BucketArray | None) -> None:
        self._wb(self.oldbuckets_obj, arr)
        self.oldbuckets_obj = arr

    # -- mapaccess -----------------------------------------------------------------------
    def _find(self, key: Any) -> tuple[Bucket, int] | None:
        """runtime.mapaccess2: the (bucket, slot) holding ``key``, or None.

        Reads never evacuate and never modify the map.
        """
        if self.count == 0:
            return None
        hash = self._hash(key, self.hash0)
        m = (1 << self.B) - 1
        b = self.buckets_obj.buckets[hash & m]
        old = self.oldbuckets_obj
        if old is not None:
            if not self.flags & SAME_SIZE_GROW:
                m >>= 1
            ob = old.buckets[hash & m]
            if not evacuated(ob):
                b = ob
        top = tophash(hash)
        indirect = self.layout.indirect_key
        equal = self.layout.reflexive_key or not has_nan(key)
        while b is not None:
            th = b.tophash
            i = th.find(top)
            while i >= 0:
                k = b.keys[i]
                if indirect:
                    k = k.value
                if k == key and equal:
                    return b, i
                i = th.find(top, i + 1)
            if th[7] == EMPTY_REST:
                return None
            b = b.overflow
        return None

    def _assign(self, key: Any, value: Any) -> None:
        layout = self.layout
        heap = self.heap
        hash = self._hash(key, self.hash0)
        if self.buckets_obj is None:  # the lazily allocated bucket of a B=0 map
            self._set_buckets(self._new_bucket("buckets").owner)
        top = tophash(hash)
        indirect_key = layout.indirect_key
        equal = layout.reflexive_key or not has_nan(key)
        while True:  # again:
            bucket = hash & ((1 << self.B) - 1)
            if self.oldbuckets_obj is not None:
                self._grow_work(bucket)
            b = self.buckets_obj.buckets[bucket]
            insert_b: Bucket | None = None
            insert_i = 0
            while True:
                th = b.tophash
                if insert_b is None:
                    e0, e1 = th.find(EMPTY_REST), th.find(EMPTY_ONE)
                    if e0 >= 0 or e1 >= 0:
                        insert_b = b
                        insert_i = e1 if e0 < 0 or 0 <= e1 < e0 else e0
                i = th.find(top)
                while i >= 0:
                    k = b.keys[i]
                    if indirect_key:
                        k = k.value
                    if k == key and equal:  # the key is present: update it in place
                        self._update(b, i, key, value)
                        return
                    i = th.find(top, i + 1)
                if th[7] == EMPTY_REST or b.overflow is None:
                    break
                b = b.overflow
            if self.oldbuckets_obj is None and (
                    over_load_factor(self.count + 1, self.B)
                    or too_many_overflow_buckets(self.noverflow, self.B)):
                self._hash_grow()
                continue
            if insert_b is None:
                insert_b = self._newoverflow(b)
                insert_i = 0
            break
        if indirect_key:
            key = heap.allocate(Indirect(layout.key, key, "key"))
        if heap.marking:
            self._set_key(insert_b, insert_i, key)
        else:
            insert_b.keys[insert_i] = key
        if layout.indirect_elem:
            self._set_elem(insert_b, insert_i,
                           heap.allocate(Indirect(layout.elem, layout.elem.zero(), "elem")))
        insert_b.tophash[insert_i] = top
        self.count += 1
        if heap.marking or layout.indirect_elem:
            self._store_elem(insert_b, insert_i, value)
        else:
            insert_b.elems[insert_i] = value

    def _delete(self, key: Any) -> Any:
        """runtime.mapdelete; returns the stored key it deleted (None if none)."""
        if self.count == 0:
            return None
        hash = self._hash(key, self.hash0)
        bucket = hash & ((1 << self.B) - 1)
        if self.oldbuckets_obj is not None:
            self._grow_work(bucket)
        b = b_orig = self.buckets_obj.buckets[bucket]
        top = tophash(hash)
        indirect = self.layout.indirect_key
        equal = self.layout.reflexive_key or not has_nan(key)
        while b is not None:
            th = b.tophash
            i = th.find(top)
            while i >= 0:
                k = b.keys[i]
                if indirect:
                    k = k.value
                if k == key and equal:
                    self._clear_deleted(b, i)
                    th[i] = EMPTY_ONE
                    self._propagate_empty_rest(b, i, b_orig)
                    self.count -= 1
                    if self.count == 0:  # reseed to foil repeated collisions (issue 25237)
                        self.hash0 = self.heap.rand32()
                    return k
                i = th.find(top, i + 1)
            if th[7] == EMPTY_REST:
                return None
            b = b.overflow
        return None

    def _propagate_empty_rest(self, b: Bucket, i: int, b_orig: Bucket) -> None:
        """mapdelete's tail: if every slot after (b, i) in the chain is empty, turn
        the run of empty slots ending here into emptyRest, walking back across
        overflow buckets until a full slot or the chain start."""
        if i == BUCKET_CNT - 1:
            nxt = b.overflow
            if nxt is not None and nxt.tophash[0] != EMPTY_REST:
                return
        elif b.tophash[i + 1] != EMPTY_REST:
            return
        hide = self._hides_at_empty_rest and self.heap.marking
        while True:
            if hide:
                self._hide_slot(b, i)
            b.tophash[i] = EMPTY_REST
            if i == 0:
                if b is b_orig:
                    break
                c = b
                b = b_orig
                while b.overflow is not c:
                    b = b.overflow
                i = BUCKET_CNT - 1
            else:
                i -= 1
            if b.tophash[i] != EMPTY_ONE:
                break

    def _hide_slot(self, b: Bucket, i: int) -> None:
        """A slot about to turn emptyRest under a tophash-scanning model: the marker
        will no longer trace what it still holds, which is a pointer deletion in all
        but name, so the deletion barrier shades it (as for any pointer store)."""
        shade = self.heap.shade_pointers
        shade(self.key_pointers(b.keys[i]))
        shade(self.elem_pointers(b.elems[i]))

    def _clear_deleted(self, b: Bucket, i: int) -> None:
        """What mapdelete clears (go-classic-map.md §6), if the model clears at all.

        The ``go`` model clears what Go 1.23 does for this map's variant: the elem
        always; the key if it holds pointers (faststr: only the data pointer, so the
        length stays); an indirect key or elem only loses its slot pointer.
        """
        if not self._delete_clears:
            return
        layout = self.layout
        key = b.keys[i]
        if self.variant == "faststr":
            b.keys[i] = ClearedString(len(key.encode("utf-8", "surrogatepass")))
        elif layout.indirect_key or layout.key.has_pointers:
            self._set_key(b, i, None)
        self._set_elem(b, i, None)

    # -- growth ------------------------------------------------------------------------------
    def _hash_grow(self) -> None:
        """runtime.hashGrow: allocate the new array; no data moves yet.

        A growth for too many overflow buckets keeps B (sameSizeGrow). An iterator on
        the current array becomes an oldIterator.
        """
        bigger = 1
        if not over_load_factor(self.count + 1, self.B):
            bigger = 0
            self.flags |= SAME_SIZE_GROW
        old = self.buckets_obj
        newb, next_ov = self._make_bucket_array(self.B + bigger)
        flags = self.flags & ~(ITERATOR | OLD_ITERATOR)
        if self.flags & ITERATOR:
            flags |= OLD_ITERATOR
        self.B += bigger
        self.flags = flags
        self._set_oldbuckets(old)
        self._set_buckets(newb)
        self.nevacuate = 0
        self.noverflow = 0
        extra = self.extra
        if extra is not None and extra.overflow is not None:
            if extra.oldoverflow is not None:
                raise AssertionError("oldoverflow is not nil")
            self._wb(None, extra.overflow)
            extra.oldoverflow = extra.overflow
            self._wb(extra.overflow, None)
            extra.overflow = None
        if next_ov is not None:
            extra = self._new_extra()
            self._wb(extra.next_overflow, next_ov)
            extra.next_overflow = next_ov

    def _grow_work(self, bucket: int) -> None:
        """runtime.growWork: evacuate the old bucket feeding ``bucket``, and one more."""
        self._evacuate(bucket & (self.noldbuckets() - 1))
        if self.oldbuckets_obj is not None:
            self._evacuate(self.nevacuate)

    def _evacuate(self, oldbucket: int) -> None:
        """runtime.evacuate: move one old chain into its X (and Y) destinations.

        Old slots become evacuatedX/Y/Empty. The ``go`` model then clears the main
        old bucket's keys, elems and overflow pointer, unless an iterator may still
        read the old array (oldIterator) or the bucket holds no pointers; overflow
        buckets are only unlinked, so preallocated ones keep their contents.
        """
        b = self.oldbuckets_obj.buckets[oldbucket]
        newbit = self.noldbuckets()
        if not evacuated(b):
            layout = self.layout
            new = self.buckets_obj.buckets
            same = self.flags & SAME_SIZE_GROW
            dst = [[new[oldbucket], 0], None if same else [new[oldbucket + newbit], 0]]
            iterating = self.flags & ITERATOR and not layout.reflexive_key
            hash0 = self.hash0
            marking = self.heap.marking
            hashf = self._hash
            indirect_key = layout.indirect_key
            c = b
            while c is not None:
                th, keys, elems = c.tophash, c.keys, c.elems
                for i in range(BUCKET_CNT):
                    top = th[i]
                    if top <= EMPTY_ONE:
                        th[i] = EVACUATED_EMPTY
                        continue
                    if top < MIN_TOP_HASH:
                        raise AssertionError("bad map state")
                    use_y = 0
                    if not same:
                        k = keys[i]
                        if indirect_key:
                            k = k.value
                        hash = hashf(k, hash0)
                        if iterating and has_nan(k):
                            use_y = top & 1
                            top = tophash(hash)
                        elif hash & newbit:
                            use_y = 1
                    th[i] = EVACUATED_X + use_y
                    d = dst[use_y]
                    if d[1] == BUCKET_CNT:
                        d[0] = self._newoverflow(d[0])
                        d[1] = 0
                    db, di = d
                    db.tophash[di] = top
                    if marking:
                        self._set_key(db, di, keys[i])
                        self._set_elem(db, di, elems[i])
                    else:
                        db.keys[di] = keys[i]
                        db.elems[di] = elems[i]
                    d[1] = di + 1
                c = c.overflow
            if (self._evacuate_clears and not self.flags & OLD_ITERATOR
                    and layout.has_pointers):
                # memclrHasPointers(b + dataOffset, BucketSize - dataOffset)
                if marking:  # the bulk barrier shades what the clear removes
                    for j in range(BUCKET_CNT):
                        self._set_key(b, j, None)
                        self._set_elem(b, j, None)
                    self._wb(b.overflow, None)
                b.keys[:] = _NILS
                b.elems[:] = _NILS
                b.overflow = None
        if oldbucket == self.nevacuate:
            self._advance_evacuation_mark(newbit)

    def _advance_evacuation_mark(self, newbit: int) -> None:
        """runtime.advanceEvacuationMark: move nevacuate past evacuated old buckets
        (at most 1024 at a time); drop oldbuckets when all are done."""
        self.nevacuate += 1
        stop = min(self.nevacuate + 1024, newbit)
        old = self.oldbuckets_obj.buckets
        while self.nevacuate != stop and evacuated(old[self.nevacuate]):
            self.nevacuate += 1
        if self.nevacuate == newbit:
            self._set_oldbuckets(None)
            extra = self.extra
            if extra is not None and extra.oldoverflow is not None:
                self._wb(extra.oldoverflow, None)
                extra.oldoverflow = None
            self.flags &= ~SAME_SIZE_GROW

    def _iterate1(self) -> Iterator[tuple[Any, Any]]:
        if self.count == 0:
            return
        heap = self.heap
        layout = self.layout
        it = Hiter(self, f"hiter({self.name or self.label})")
        if layout.noscan:
            self._create_overflow()
            it.overflow = self.extra.overflow
            it.oldoverflow = self.extra.oldoverflow
        if heap.marking:
            self._op("range m")  # a new stack frame: the roots change
        r = heap.rand64()
        start = r & ((1 << it.B) - 1)
        offset = (r >> it.B) & 7
        self.flags |= ITERATOR | OLD_ITERATOR
        stack = heap.stack.frames
        stack.append(it)
        try:
            yield from self._iternext(it, start, offset)
        finally:
            stack.remove(it)

    def _iternext(self, it: Hiter, start: int, offset: int) -> Iterator[tuple[Any, Any]]:
        """runtime.mapiternext, as a generator over (key, elem)."""
        layout = self.layout
        ind_k, ind_e, reflexive = layout.indirect_key, layout.indirect_elem, layout.reflexive_key
        bucket = start
        wrapped = False
        b: Bucket | None = None
        check = NO_CHECK
        it_mask = (1 << it.B) - 1
        while True:
            if b is None:
                if bucket == start and wrapped:
                    it.key = it.elem = None
                    return
                check = NO_CHECK
                b = it.buckets.buckets[bucket]
                if self.oldbuckets_obj is not None and it.B == self.B:
                    # the iterator began during this growth: the data may still be old
                    ob = self.oldbuckets_obj.buckets[bucket & (self.noldbuckets() - 1)]
                    if not evacuated(ob):
                        b = ob
                        check = bucket
                bucket += 1
                if bucket == it_mask + 1:
                    bucket = 0
                    wrapped = True
                i = 0
            while i < BUCKET_CNT:
                off = (i + offset) & 7
                th = b.tophash[off]
                i += 1
                if th <= EMPTY_ONE or th == EVACUATED_EMPTY:
                    continue
                k = b.keys[off]
                e = b.elems[off]
                kv = k.value if ind_k else k
                if check != NO_CHECK and not self.flags & SAME_SIZE_GROW:
                    if reflexive or not has_nan(kv):
                        if self._hash(kv, self.hash0) & it_mask != check:
                            continue  # belongs to the other half of the split
                    elif (check >> (it.B - 1)) != (th & 1):
                        continue
                if th not in (EVACUATED_X, EVACUATED_Y) or (not reflexive and has_nan(kv)):
                    ev = e.value if ind_e else e
                    kp, ep = (k if ind_k else b), (e if ind_e else b)
                else:  # evacuated since the iterator started: look it up again
                    found = self._find(kv)
                    if found is None:
                        continue  # deleted since
                    fb, fi = found
                    kv = fb.keys[fi].value if ind_k else fb.keys[fi]
                    ev = self._elem_value(fb, fi)
                    kp = fb.keys[fi] if ind_k else fb
                    ep = fb.elems[fi] if ind_e else fb
                # hiter.key / hiter.elem: pointers to the key and elem produced (into
                # the bucket they were found in, or to their indirect objects); they
                # keep that allocation alive while the loop runs
                it.bptr = b
                it.key, it.elem = kp, ep
                yield kv, ev
            b = b.overflow
            i = 0

    # -- mapclear -------------------------------------------------------------------------------
    def clear(self) -> None:
        """``clear(m)``: runtime.mapclear. Keeps B and the array, zeroes it, drops
        oldbuckets and overflow chains, and reseeds hash0."""
        if self._trace is not None:
            self._trace.clear(self)
        if self.count == 0:
            return
        heap = self.heap
        if heap.marking:
            self._op("clear(m)")
        hide = self._hides_at_empty_rest and heap.marking
        for arr, n in ((self.buckets_obj, 1 << self.B),
                       (self.oldbuckets_obj, self.noldbuckets() if self.growing() else 0)):
            for j in range(n):
                for c in arr.buckets[j].chain():
                    if hide:
                        for i in range(BUCKET_CNT):
                            self._hide_slot(c, i)
                    c.tophash[:] = bytes(BUCKET_CNT)
        self.flags &= ~SAME_SIZE_GROW
        self._set_oldbuckets(None)
        self.nevacuate = 0
        self.noverflow = 0
        self.count = 0
        self.hash0 = heap.rand32()
        extra = self.extra
        if extra is not None:
            for old in extra.pointers():
                self._wb(old, None)
            extra.overflow = extra.oldoverflow = extra.next_overflow = None
        _, next_ov = self._make_bucket_array(self.B, dirty=self.buckets_obj)
        if next_ov is not None:
            self._new_extra().next_overflow = next_ov

    # -- consistency ----------------------------------------------------------------------------
    def check_invariants(self) -> None:
        """Raise AssertionError if an invariant of §7 does not hold."""
        live = 0
        for arr, n, old in ((self.buckets_obj, 1 << self.B, False),
                            (self.oldbuckets_obj,
                             self.noldbuckets() if self.growing() else 0, True)):
            if arr is None:
                continue
            for j in range(n):
                head = arr.buckets[j]
                if old and evacuated(head):
                    for c in head.chain():
                        assert all(2 <= t <= 4 for t in c.tophash), f"old {j}: {c!r}"
                    continue
                rest = False
                for c in head.chain():
                    for t in c.tophash:
                        assert t in (0, 1) or t >= MIN_TOP_HASH, f"bad tophash in {c!r}"
                        if rest:
                            assert t == EMPTY_REST, f"slot after emptyRest not empty: {c!r}"
                        rest = rest or t == EMPTY_REST
                        live += t >= MIN_TOP_HASH
        assert live == self.count, f"count {self.count} != {live} full slots"


def _variant(layout) -> str:
    """Which runtime functions a map type's operations compile to (they differ in what
    mapdelete clears): mapfast's choice, where delete has no ``ptr`` variant
    (``mapdelete_fast64`` serves ``*T`` keys)."""
    return mapfast(layout).removesuffix("ptr")


__all__ = ["Bucket", "BucketArray", "ClearedString", "Hiter", "Indirect", "Map", "MapExtra",
           "OverflowList", "evacuated", "tophash"]
