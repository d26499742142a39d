"""§2.2: delete and overflow chains.

The article: deleting triggers "bucket cleanup and overflow chain trimming": when the
deleted node is the head of the overflow chain and has no successor, the whole chain is
released; a chain of at most 2 is merged back into the main bucket; a broken tophash
triggers a rehash.

Real Go 1.23 (go-classic-map.md §6, §14): none of this. The code shown is not Go's.
mapdelete only clears the slot and writes its tophash (emptyOne, or emptyRest for a
trailing run, propagated backwards across overflow buckets). It never unlinks, frees
or merges an overflow bucket, and noverflow never falls. Overflow buckets go away only
when a growth (hashGrow: by load factor, or same-size when there are too many overflow
buckets, both started by an insert) has moved the chain to a new array, or when the
whole map is unreachable.

The map here (make(map, 9): B=1) sends every key to bucket 0, so 12 keys fill bucket 0
(k0..k7) and one overflow bucket (k8..k11). Then all four keys of the overflow bucket
are deleted, and k3 from the main bucket.

Expected:

- both models: the overflow bucket stays linked (bucket 0's overflow pointer is set),
  noverflow stays 1 and its 208 bytes stay allocated after the GC; its tophash row is
  all 0 (emptyRest) and slot 3 of bucket 0 is 1 (emptyOne).
- scanmap: the values of k8..k11 are collected (their slots are emptyRest: scanning
  stops), the value of k3 is retained (stale-slot: its emptyOne slot is followed by
  full ones).
- go: all five deleted values are collected.

Measured (returned): "noverflow", "overflow_linked", "tophash_main", "tophash_overflow".

    gcemu run examples/overflow_chain.py --model go
"""


def scenario(heap):
    heap.declare("type T struct { id int; next *T; buf [48]byte }")
    # every key to bucket 0 (low bits 0), each with its own tophash
    m = heap.make_map("map[string]*T", hint=9, name="m",
                      hash=lambda key, seed: (0x10 + int(key[1:])) << 56)
    for i in range(12):
        m[f"k{i}"] = heap.new("T", name=f"v{i}", value={"id": i})
    for i in (8, 9, 10, 11, 3):
        del m[f"k{i}"]
    b0 = m.buckets[0]
    return {"noverflow": m.noverflow, "overflow_linked": b0.overflow is not None,
            "tophash_main": list(b0.tophash),
            "tophash_overflow": list(b0.overflow.tophash) if b0.overflow else None}
