"""Chapter 1's table: delete 1000 keys; Mallocs, HeapInuse and len(m).

The article's table says that after deleting 1000 keys `Mallocs` is unchanged (delete
allocates nothing), `HeapInuse` "usually shows no obvious drop" (the buckets are still
held by hmap.buckets), and `len(m)` is decremented correctly.

Real Go 1.23 (go-classic-map.md §13c, the same program): delete allocates nothing and
frees nothing by itself; the next GC frees the 1000 deleted values (HeapAlloc -72,016:
1000 x 64 B values and the 16 B tiny blocks of the keys), but the 57,344-byte bucket
array (B=8, 275 buckets) stays allocated with count=0 until the map itself becomes
unreachable. So "HeapInuse does not fall" is true of the buckets only.

gcemu has no MemStats; `gcemu.ui.scenario.memstats` gives the figures it has:
allocations (mallocs), frees, live allocations and their bytes rounded to size
classes (heap_alloc, like HeapAlloc; spans, pages and string data are not modelled).

Expected, the same under both models (every chain ends up emptyRest, so even scanmap
traces none of the deleted values):

- scanmap: deleting allocates nothing and frees nothing; after the GC the 1000 values
  are collected (64,000 B) and the 57,344-byte bucket array and B=8 stay; len(m) == 0.
- go: the same.

Measured (returned): "inserted", "deleted" (no GC yet) and "collected" (after a GC),
each with mallocs, frees, heap_objects, heap_alloc, len, B and bucket_array bytes.

    gcemu run examples/ch1_memstats.py
"""

from gcemu.ui.scenario import memstats


def stats(heap, m):
    return {**memstats(heap), "len": len(m), "B": m.B, "bucket_array": m.buckets_obj.size}


def scenario(heap):
    heap.declare("type T struct { id int; next *T; buf [48]byte }")
    m = heap.make_map("map[string]*T", name="m")
    for i in range(1000):
        m[f"key{i:04d}"] = heap.new("T", value={"id": i})
    heap.collect()  # as the Go program does: GC, then read MemStats
    inserted = stats(heap, m)
    for i in range(1000):
        del m[f"key{i:04d}"]
    deleted = stats(heap, m)
    heap.collect()
    collected = stats(heap, m)
    return {"inserted": inserted, "deleted": deleted, "collected": collected}
