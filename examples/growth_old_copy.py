"""§2.5: "evacuatedX / evacuatedY: scan the old copy" during a growth.

The article's scanmap sketch, for a map that is growing, also traces the old
(evacuated) copy of an entry in hmap.oldbuckets.

Real Go 1.23 (go-classic-map.md §8.3, §10.2, §13b b4): the GC does not read tophash
at all, and evacuate clears the keys and elems of the main old bucket it moved
(unless oldIterator is set, see range_keeps_old_buckets.py), so an entry deleted from
the new bucket leaves no pointer behind: its value is collected at once
("b4 never ranged: grow + delete while growing: finalized [40000-40001]").

Same map as range_keeps_old_buckets.py without the range loop: keys 0..51 in B=3,
inserting 52 starts a growth to B=4 and moves old bucket 0; deleting 48 leaves slot 3
of new bucket 0 emptyRest, and old bucket 0 slot 6 is its evacuatedX copy.

Expected:

- scanmap: 48's value retained, reason stale-slot, path through
  "oldbucket 0 slot 6 (evacuatedX, stale elem)"; collected once the growth finishes.
- go: 48's value collected (evacuate cleared old bucket 0's slots).

Measured (returned): "growing", "B", "old_tophash" (old bucket 0's row),
"new_tophash" (new bucket 0's row).

    gcemu compare examples/growth_old_copy.py
"""


def scenario(heap):
    heap.declare("type T struct { id int; next *T; buf [48]byte }")
    m = heap.make_map("map[int64]*T", name="m", hash=lambda key, seed: (0xA0 << 56) | key)
    for k in range(52):
        m[k] = heap.new("T", name=f"v{k}", value={"id": k})
    m[52] = heap.new("T", name="v52", value={"id": 52})  # growth to B=4 starts
    del m[48]
    return {"growing": m.growing(), "B": m.B, "old_tophash": list(m.oldbuckets[0].tophash),
            "new_tophash": list(m.buckets[0].tophash)}
