"""Chapter 1 / chapter 4's fix: rebuild the map to release its memory.

The article: deleting cannot shrink the bucket array; to really release the memory,
make a new map and copy the surviving keys into it.

Real Go 1.23 (go-classic-map.md §12, §13c, §14): right. B never decreases (delete and
clear never shrink, same-size growth keeps B); the old bucket array is freed when the
old map becomes unreachable ("after dropping map + GC: HeapInuse -57,344"). The new
map is sized for the survivors. (Go 1.21's clear(m) keeps the array too.)

Here: 1000 keys (B=8, a 57,344-byte bucket array), delete 990 of them, collect; then
make a new map with hint=len(m), assign it to the global m, copy the 10 survivors
into it, and collect again.

Expected, under both models:

- after the deletes and a GC: len 10, B still 8, the 57,344-byte array still alive;
- after the rebuild and a GC: the old hmap and its array are freed, the new map has
  B=1 (2 buckets, 416 bytes), the 10 values live; heap bytes drop by more than
  50,000.
- scanmap only: before the rebuild, deleted values whose emptyOne slot comes before
  a surviving entry are still retained (stale-slot), so more bytes are alive than
  under go; the rebuild drops them too.

Measured (returned): "before" and "after" (len, B, bucket_array bytes, heap_alloc),
"old_map_freed".

    gcemu run examples/rebuild_map.py
"""

from gcemu.ui.scenario import memstats


def shape(heap, m):
    return {"len": len(m), "B": m.B, "bucket_array": m.buckets_obj.size,
            "heap_alloc": memstats(heap)["heap_alloc"]}


def scenario(heap):
    heap.declare("type T struct { id int; next *T; buf [48]byte }")
    m = heap.make_map("map[string]*T", name="m")
    for i in range(1000):
        m[f"key{i:04d}"] = heap.new("T", value={"id": i},
                                    name=f"keep{i}" if i % 100 == 0 else None)
    for i in range(1000):
        if i % 100:
            del m[f"key{i:04d}"]
    heap.collect()
    before = shape(heap, m)
    old = m
    m = heap.make_map("map[string]*T", hint=len(old), name="m")  # m = make(..., len(old))
    for k, v in old.items():
        m[k] = v
    # the global m holds the new map: the old one is unreachable now
    heap.collect()
    return {"before": before, "after": shape(heap, m), "old_map_freed": bool(old.freed)}
