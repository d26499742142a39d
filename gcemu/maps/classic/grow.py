"""Growth of a classic map: runtime/map.go's hashGrow, growWork, evacuate and
advanceEvacuationMark (Go 1.21-1.23).

Invariant (go-classic-map.md §7.4): while ``oldbuckets`` is set, every writer calls
`grow_work` for the bucket it is about to touch before touching it, so `evacuate`
always writes into fresh, empty destination buckets, packed from slot 0; an old chain
once evacuated holds only ``evacuatedX``/``evacuatedY``/``evacuatedEmpty`` tophash.

Steps: `hash_grow` allocates the new array (twice as many buckets, or as many for a
``sameSizeGrow`` when there are too many overflow buckets) and moves nothing; each
mapassign / mapdelete during the growth evacuates the old chain feeding its bucket and
one more (`grow_work`); `evacuate` splits one old chain into its X (same index) and Y
(index + old size) halves by the next hash bit and then, under the ``go`` model, clears
the old main bucket unless an iterator may still read it; `advance_evacuation_mark`
drops ``oldbuckets`` when the last old chain is done.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gcemu.maps.classic.const import (
    BUCKET_CNT,
    EMPTY_ONE,
    EVACUATED_EMPTY,
    EVACUATED_X,
    ITERATOR,
    MIN_TOP_HASH,
    OLD_ITERATOR,
    SAME_SIZE_GROW,
    over_load_factor,
    tophash,
)
from gcemu.maps.classic.objects import ZERO_SLOTS
from gcemu.maps.common import has_nan

if TYPE_CHECKING:
    from gcemu.maps.classic.hmap import Map

def hash_grow(h: Map) -> None:
    """runtime.hashGrow: allocate the new array; no data moves yet.

    A growth for too many overflow buckets keeps B (sameSizeGrow). An iterator on
    the current array becomes an oldIterator.
    """
    bigger = 1
    if not over_load_factor(h.count + 1, h.B):
        bigger = 0
        h.flags |= SAME_SIZE_GROW
    old = h.buckets_obj
    newb, next_ov = h._make_bucket_array(h.B + bigger)
    flags = h.flags & ~(ITERATOR | OLD_ITERATOR)
    if h.flags & ITERATOR:
        flags |= OLD_ITERATOR
    h.B += bigger
    h.flags = flags
    h._set_oldbuckets(old)
    h._set_buckets(newb)
    h.nevacuate = 0
    h.noverflow = 0
    extra = h.extra
    if extra is not None and extra.overflow is not None:
        if extra.oldoverflow is not None:
            raise AssertionError("oldoverflow is not nil")
        h._wb(None, extra.overflow)
        extra.oldoverflow = extra.overflow
        h._wb(extra.overflow, None)
        extra.overflow = None
    if next_ov is not None:
        extra = h._new_extra()
        h._wb(extra.next_overflow, next_ov)
        extra.next_overflow = next_ov


def grow_work(h: Map, bucket: int) -> None:
    """runtime.growWork: evacuate the old bucket feeding ``bucket``, and one more."""
    evacuate(h, bucket & (h.noldbuckets() - 1))
    if h.oldbuckets_obj is not None:
        evacuate(h, h.nevacuate)


def evacuate(h: Map, oldbucket: int) -> None:
    """runtime.evacuate: move one old chain into its X (and Y) destinations.

    Old slots become evacuatedX/Y/Empty. The ``go`` model then clears the main
    old bucket's keys, elems and overflow pointer, unless an iterator may still
    read the old array (oldIterator) or the bucket holds no pointers; overflow
    buckets are only unlinked, so preallocated ones keep their contents. Nothing but
    mapclear writes to an evacuated bucket again (writers only touch the current
    array), so the main bucket's tophash becomes immutable ``bytes`` and a cleared
    bucket's keys and elems the shared read-only `ZERO_SLOTS`: less Python memory
    for the dead arrays a growth leaves behind.
    """
    b = h.oldbuckets_obj.buckets[oldbucket]
    newbit = h.noldbuckets()
    if not EVACUATED_X <= b.tophash[0] <= EVACUATED_EMPTY:  # evacuated(b)
        layout = h.layout
        new = h.buckets_obj.buckets
        same = h.flags & SAME_SIZE_GROW
        # the destinations X, then Y (none for sameSizeGrow): [bucket, next free slot,
        # its tophash, keys, elems], moved to a new overflow bucket when full
        x = new[oldbucket]
        dst = [[x, 0, x.tophash, x.keys, x.elems], None]
        if not same:
            y = new[oldbucket + newbit]
            dst[1] = [y, 0, y.tophash, y.keys, y.elems]
        iterating = h.flags & ITERATOR and not layout.reflexive_key
        hash0 = h.hash0
        marking = h.heap.marking
        hashf = h._hash
        indirect_key = layout.indirect_key
        c = b
        while c is not None:
            th, keys, elems = c.tophash, c.keys, c.elems
            for i, top in enumerate(th):
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
                di = d[1]
                if di == BUCKET_CNT:
                    db = h._newoverflow(d[0])
                    d[:] = db, 0, db.tophash, db.keys, db.elems
                    di = 0
                d[2][di] = top
                if marking:
                    h._set_key(d[0], di, keys[i])
                    h._set_elem(d[0], di, elems[i])
                else:
                    d[3][di] = keys[i]
                    d[4][di] = elems[i]
                d[1] = di + 1
            c = c.overflow
        if (h._evacuate_clears and not h.flags & OLD_ITERATOR
                and layout.has_pointers):
            # memclrHasPointers(b + dataOffset, BucketSize - dataOffset)
            if marking:  # the bulk barrier shades what the clear removes
                for j in range(BUCKET_CNT):
                    h._set_key(b, j, None)
                    h._set_elem(b, j, None)
                h._wb(b.overflow, None)
            b.keys = b.elems = ZERO_SLOTS
            b.overflow = None
        # the main bucket's tophash is read-only from now on (mapclear gives it a new
        # one): immutable bytes hold the 8 states in 24 B less than a bytearray
        b.tophash = bytes(b.tophash)
    if oldbucket == h.nevacuate:
        advance_evacuation_mark(h, newbit)


def advance_evacuation_mark(h: Map, newbit: int) -> None:
    """runtime.advanceEvacuationMark: move nevacuate past evacuated old buckets
    (at most 1024 at a time); drop oldbuckets when all are done."""
    nevacuate = h.nevacuate + 1
    stop = min(nevacuate + 1024, newbit)
    peek = h.oldbuckets_obj.buckets.peek  # an untouched bucket is not evacuated
    while nevacuate != stop and EVACUATED_X <= peek(nevacuate).tophash[0] <= EVACUATED_EMPTY:
        nevacuate += 1  # evacuated(old[nevacuate])
    h.nevacuate = nevacuate
    if nevacuate == newbit:
        h._set_oldbuckets(None)
        extra = h.extra
        if extra is not None and extra.oldoverflow is not None:
            h._wb(extra.oldoverflow, None)
            extra.oldoverflow = None
        h.flags &= ~SAME_SIZE_GROW


__all__ = ["advance_evacuation_mark", "evacuate", "grow_work", "hash_grow"]
