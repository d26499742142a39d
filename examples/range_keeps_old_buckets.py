"""§2.3: when real Go keeps a deleted value: a range loop before a growth.

The article says a deleted entry is released once the GC has marked. Real Go has a
case where a deleted value survives GC cycles with no stale tophash trick at all.

Real Go 1.23 (go-classic-map.md §8.3, §13b b5, §14): `range` sets the iterator and
oldIterator flags, and nothing ever clears them. When a growth starts later,
evacuate sees oldIterator and does not clear the old buckets it moved (an iterator
might still be reading them). So a value deleted after the move keeps a pointer to
it in the old array, which hmap.oldbuckets keeps alive, until the growth finishes
and the old array is dropped. go1.23.9: "ranged before growth: grow + delete while
growing: finalized []; after growth done: [50000-50001]".

The map uses hash(key) = 0xA0<<56 | key, so key k sits in bucket k mod 2^B. Keys 0..51
fill B=3 (8 buckets) without overflow; a range loop runs over them; inserting key 52
starts a growth to B=4, and its growWork moves old bucket 0 (keys 0, 8, ..., 48). Key
48 lands in slot 3 of new bucket 0 (after 0, 16, 32). Deleting it leaves slot 3
emptyRest in the new bucket; the old copy in old bucket 0 slot 6 (evacuatedX) still
holds the pointer.

Expected:

- scanmap: 48's value retained, reason stale-slot (the marker traces the evacuated
  copy in the old bucket).
- go: 48's value retained, reason oldbuckets (evacuate did not clear old bucket 0
  because oldIterator is set); without the range loop it would be collected (see
  growth_old_copy.py).
- both: once the growth finishes (more writes), the next cycle collects it.

Measured (returned): "flags", "growing", "B".

    gcemu explain examples/range_keeps_old_buckets.py v48 --model go
"""

from gcemu.maps.classic import flags_text


def scenario(heap):
    heap.declare("type T struct { id int; next *T; buf [48]byte }")
    m = heap.make_map("map[int64]*T", name="m", hash=lambda key, seed: (0xA0 << 56) | key)
    for k in range(52):
        m[k] = heap.new("T", name=f"v{k}", value={"id": k})
    for _k, _v in m.items():  # a range loop, long finished before the growth
        pass
    m[52] = heap.new("T", name="v52", value={"id": 52})  # growth to B=4 starts
    del m[48]
    return {"flags": flags_text(m.flags), "growing": m.growing(), "B": m.B}
