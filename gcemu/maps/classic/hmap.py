"""The classic Go map of Go 1.21-1.23, function by function (runtime/map.go): the hmap.

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
(``growWork`` / ``evacuate``, in `gcemu.maps.classic.grow`); ``advanceEvacuationMark``
drops ``oldbuckets`` when the last old chain is done. Iteration (``mapiterinit`` /
``mapiternext``, in `gcemu.maps.classic.iter`) walks a snapshot of the array,
re-looks-up entries evacuated under it, and sets the ``iterator`` flags, which nothing
ever clears.

Representation: as in `gcemu.maps.common`, a key or elem slot holds the Python value
of the Go value, an `Indirect` object for keys or elems over 128 bytes, or ``None`` for
zeroed memory. A bucket is a `Bucket`; every bucket belongs to
a `BucketArray` allocation (a separately allocated overflow bucket is an array of one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from gcemu.core.heap import Heap
from gcemu.errors import GcemuError
from gcemu.gotypes import GoType
from gcemu.maps.classic.const import (
    BUCKET_CNT,
    EMPTY_ONE,
    EMPTY_REST,
    HMAP_SIZE,
    LOAD_FACTOR_DEN,
    LOAD_FACTOR_NUM,
    MIN_TOP_HASH,
    SAME_SIZE_GROW,
    evacuated,
    flags_text,
    over_load_factor,
    tophash,
)
from gcemu.maps.classic.grow import grow_work, hash_grow
from gcemu.maps.classic.iter import mapiterinit
from gcemu.maps.classic.objects import Bucket, BucketArray, MapExtra, OverflowList
from gcemu.maps.common import ClearedString, Indirect, check_hint_slots, has_nan, mapfast
from gcemu.maps.front import MapFront
from gcemu.mem.sizeclasses import bucket_array, slot_size


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
        return [] if arr is None else arr.buckets.take(0, 1 << self.B)

    @property
    def oldbuckets(self) -> list[Bucket] | None:
        arr = self.oldbuckets_obj
        return None if arr is None else arr.buckets.take(0, self.noldbuckets())

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
            for _, b in arr.buckets.built():  # an untouched bucket is zero already
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
        """runtime.mapassign: the slot of ``key`` (found, or the first empty slot of
        its chain, after a growth if the map must grow), then the elem store.

        The hot path binds what it reads to locals and inlines `tophash`,
        `over_load_factor` and `too_many_overflow_buckets` (const.py)."""
        layout = self.layout
        heap = self.heap
        hash = self._hash(key, self.hash0)
        if self.buckets_obj is None:  # the lazily allocated bucket of a B=0 map
            self._set_buckets(self._new_bucket("buckets").owner)
        top = hash >> 56  # tophash(hash)
        if top < MIN_TOP_HASH:
            top += MIN_TOP_HASH
        indirect_key = layout.indirect_key
        equal = layout.reflexive_key or not has_nan(key)
        while True:  # again:
            B = self.B
            bucket = hash & ((1 << B) - 1)
            if self.oldbuckets_obj is not None:
                grow_work(self, bucket)
            b = self.buckets_obj.buckets[bucket]
            insert_b: Bucket | None = None
            insert_i = 0
            while True:
                th = b.tophash
                if insert_b is None:  # the chain's first empty slot: no emptyOne
                    e = th.find(EMPTY_ONE)  # comes after an emptyRest (invariant 1)
                    if e < 0:
                        e = th.find(EMPTY_REST)
                    if e >= 0:
                        insert_b = b
                        insert_i = e
                i = th.find(top)
                while i >= 0:
                    k = b.keys[i]
                    if indirect_key:
                        k = k.value
                    if k == key and equal:  # the key is present: update it in place
                        self._update(b, i, key, value)
                        return
                    i = th.find(top, i + 1)
                if th[7] == EMPTY_REST:
                    break
                ovf = b.overflow
                if ovf is None:
                    break
                b = ovf
            count = self.count + 1
            # over_load_factor(count, B) or too_many_overflow_buckets(noverflow, B)
            if self.oldbuckets_obj is None and (
                    (count > BUCKET_CNT and count > LOAD_FACTOR_NUM * ((1 << B) // LOAD_FACTOR_DEN))
                    or self.noverflow >= 1 << (B if B < 15 else 15)):
                hash_grow(self)
                continue
            if insert_b is None:
                insert_b = self._newoverflow(b)
                insert_i = 0
            break
        if not (heap.marking or indirect_key or layout.indirect_elem):  # plain stores
            insert_b.keys[insert_i] = key
            insert_b.tophash[insert_i] = top
            self.count += 1
            insert_b.elems[insert_i] = value
            return
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
            grow_work(self, bucket)
        b = b_orig = self.buckets_obj.buckets[bucket]
        top = hash >> 56  # tophash(hash)
        if top < MIN_TOP_HASH:
            top += MIN_TOP_HASH
        layout = self.layout
        indirect = layout.indirect_key
        equal = layout.reflexive_key or not has_nan(key)
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
                    # is every slot after (b, i) in the chain empty? (emptyRest next)
                    if i == BUCKET_CNT - 1:
                        nxt = b.overflow
                        rest = nxt is None or nxt.tophash[0] == EMPTY_REST
                    else:
                        rest = th[i + 1] == EMPTY_REST
                    if rest:
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
        """mapdelete's tail, once every slot after (b, i) in the chain is empty: turn
        the run of empty slots ending here into emptyRest, walking back across
        overflow buckets until a full slot or the chain start."""
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
        if self.heap.marking:
            self._set_elem(b, i, None)
        else:
            b.elems[i] = None

    def _iterate1(self) -> Iterator[tuple[Any, Any]]:
        """MapFront's iteration hook: mapiterinit / mapiternext."""
        return mapiterinit(self)

    # -- mapclear -------------------------------------------------------------------------------
    def _clear(self) -> None:
        """``clear(m)``: runtime.mapclear. Keeps B and the array, zeroes it, drops
        oldbuckets and overflow chains, and reseeds hash0."""
        if self.heap.readers:
            self.heap.settle()
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
                    c.tophash = bytearray(BUCKET_CNT)  # evacuated ones are bytes
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


__all__ = ["Map"]
