"""§2.3: when a deleted entry's memory is released.

The article: delete only drops the reference and releases nothing; after the GC's mark
phase, "dead bmap structures" are put on the mcache free list and handed back to
mcentral in batches.

Real Go 1.23 (go-classic-map.md §6, §10.4, §12): delete releases nothing, right. The
deleted *value* (what the elem pointed to) is freed by the sweep of the next GC cycle
(if nothing else points to it). The *bucket* memory is never released per entry:
there is no per-bmap free. The bucket array and its overflow buckets are one or a few
allocations owned by the hmap, freed only when the whole map is unreachable (or,
for an old array, after a growth has moved everything out of it). Which mcache or
mcentral list the freed memory lands on is the allocator's business, not the map's.

Here: a, b, c in one bucket; delete b and c (slots 1 and 2 become emptyRest); collect;
then keep a's value in another global and drop the map (the global m), and let gcemu
run its cycle.

Expected, the same under both models:

- after the deletes, before any GC: nothing is freed (no frees, same bytes);
- the first GC frees the two deleted values (2 x 64 B); the hmap and the 208-byte
  bucket stay;
- after dropping the map, the cycle gcemu runs frees the hmap (48 B) and the bucket
  (208 B): reported as collected; a's value lives on through the global keep.

Measured (returned): memstats "inserted", "deleted", "collected" and whether b's and
c's values were freed at each point ("b_freed_after_delete", "b_freed_after_gc",
"c_freed_after_gc").

    gcemu run examples/release_timing.py
"""

from gcemu.ui.scenario import memstats


def scenario(heap):
    heap.declare("type T struct { id int; next *T; buf [48]byte }")
    m = heap.make_map("map[string]*T", name="m")
    for i, k in enumerate("abc"):
        m[k] = heap.new("T", name=k, value={"id": i})
    b, c = m["b"], m["c"]
    inserted = memstats(heap)
    del m["b"]
    del m["c"]
    deleted = memstats(heap)
    b_freed_after_delete = bool(b.freed)
    heap.collect()
    collected = memstats(heap)
    out = {"inserted": inserted, "deleted": deleted, "collected": collected,
           "b_freed_after_delete": b_freed_after_delete,
           "b_freed_after_gc": bool(b.freed), "c_freed_after_gc": bool(c.freed)}
    heap.set_global("keep", m["a"])  # a's value is still used elsewhere
    heap.set_global("m", None)  # the map becomes unreachable
    return out
