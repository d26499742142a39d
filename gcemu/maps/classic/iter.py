"""Iteration over a classic map: runtime/map.go's mapiterinit and mapiternext
(Go 1.21-1.23).

Invariant: a range loop produces every entry present for its whole duration exactly
once, and never an entry deleted before the iterator reaches it (go-classic-map.md
§2.5). The iterator (`Hiter`) is a frame on the main goroutine's stack: its pointer
fields are roots while the loop runs.

Steps: `mapiterinit` snapshots ``B`` and the bucket array, picks a random start
bucket and slot offset, and sets the ``iterator`` and ``oldIterator`` flags, which
nothing ever clears. `mapiternext` walks the snapshot's buckets from the start,
wrapping once; while a growth that began after the iterator is under way it reads an
old chain not yet evacuated instead, keeping only the keys that hash into the bucket
it stands for; an entry evacuated since the iterator started is looked up again in
the live map (it may have been deleted or updated since).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from gcemu.maps.classic.const import (
    BUCKET_CNT,
    EMPTY_ONE,
    EVACUATED_EMPTY,
    EVACUATED_X,
    EVACUATED_Y,
    ITERATOR,
    NO_CHECK,
    OLD_ITERATOR,
    SAME_SIZE_GROW,
    evacuated,
)
from gcemu.maps.classic.objects import Bucket, Hiter
from gcemu.maps.common import has_nan

if TYPE_CHECKING:
    from gcemu.maps.classic.hmap import Map


def mapiterinit(h: Map) -> Iterator[tuple[Any, Any]]:
    """runtime.mapiterinit, then mapiternext until the end, as a generator over
    (key, elem); the `Hiter` is on the main goroutine's stack until it ends or is
    closed."""
    if h.count == 0:
        return
    heap = h.heap
    layout = h.layout
    it = Hiter(h, f"hiter({h.name or h.label})")
    if layout.noscan:
        h._create_overflow()
        it.overflow = h.extra.overflow
        it.oldoverflow = h.extra.oldoverflow
    if heap.marking:
        h._op("range m")  # a new stack frame: the roots change
    r = heap.rand64()
    start = r & ((1 << it.B) - 1)
    offset = (r >> it.B) & 7
    h.flags |= ITERATOR | OLD_ITERATOR
    stack = heap.stack.frames  # the ranging goroutine's stack
    stack.append(it)
    try:
        yield from mapiternext(h, it, start, offset)
    finally:
        if heap.marking:
            h._op("range m ends")  # its frame leaves the stack: the roots change
        stack.remove(it)


def mapiternext(h: Map, it: Hiter, start: int, offset: int) -> Iterator[tuple[Any, Any]]:
    """runtime.mapiternext, as a generator over (key, elem)."""
    layout = h.layout
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
            if h.oldbuckets_obj is not None and it.B == h.B:
                # the iterator began during this growth: the data may still be old
                ob = h.oldbuckets_obj.buckets[bucket & (h.noldbuckets() - 1)]
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
            if check != NO_CHECK and not h.flags & SAME_SIZE_GROW:
                if reflexive or not has_nan(kv):
                    if h._hash(kv, h.hash0) & it_mask != check:
                        continue  # belongs to the other half of the split
                elif (check >> (it.B - 1)) != (th & 1):
                    continue
            if th not in (EVACUATED_X, EVACUATED_Y) or (not reflexive and has_nan(kv)):
                ev = e.value if ind_e else e
                kp, ep = (k if ind_k else b), (e if ind_e else b)
            else:  # evacuated since the iterator started: look it up again
                found = h._find(kv)
                if found is None:
                    continue  # deleted since
                fb, fi = found
                kv = fb.keys[fi].value if ind_k else fb.keys[fi]
                ev = h._elem_value(fb, fi)
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



__all__ = ["mapiterinit", "mapiternext"]
