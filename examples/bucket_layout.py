"""§2.1: bucket layout and tophash.

The article: a bucket holds 8 key/value pairs as `tophash[8]` (the high 8 bits of each
key's hash, "0 means an empty slot"), then `keys[8]` and `values[8]` inline, then an
`overflow *bmap` pointer; the low B bits of the hash pick the bucket, tophash filters
slots before the keys are compared.

Real Go 1.23 (go-classic-map.md §2.3, §2.4, §4): right about the layout (keys and
elems over 128 bytes are stored out of line, as pointers) and the lookup. Not quite
right about tophash: a hash whose top byte is below minTopHash (5) gets 5 added, and
the values 0-4 are states, not hashes: 0 emptyRest (this slot and every later one in
the chain are empty), 1 emptyOne (this slot is empty, a later one may not be), 2 and 3
evacuatedX / evacuatedY, 4 evacuatedEmpty. A bucket of map[int64]*T is
8 + 8x8 + 8x8 + 8 = 144 bytes; of map[string]*T 8 + 8x16 + 8x8 + 8 = 208.

The map here uses hash(key) = key<<56 | key, so key k lands in bucket k & (2^B-1)
with tophash k (plus 5 when k < 5). make(map, 9) gives B=1: two buckets.

Expected, the same layout under both models:

- keys 2 and 200 go to bucket 0 with tophash 7 (2 + minTopHash) and 200; keys 3 and
  201 to bucket 1 with tophash 8 and 201; unused slots are 0 (emptyRest);
- deleting key 2 (slot 0, slot 1 still full) makes it 1 (emptyOne), not 0;
- inserting key 4 (bucket 0, tophash 9) reuses that first empty slot;
- scanmap and go alike: the value deleted with key 2 is collected (under scanmap
  only because key 4's insert overwrote its stale slot before the GC); the other
  four values are live.

Measured (returned): "bucket_size", "B", the tophash rows and the keys of both
buckets after the inserts ("tophash_inserted", "keys_inserted"), after the delete
("tophash_deleted") and after the re-insert ("tophash_reused", "keys_reused").

    gcemu run examples/bucket_layout.py
"""


def rows(m):
    return [list(b.tophash) for b in m.buckets]


def keys(m):
    return [[k for k in b.keys] for b in m.buckets]


def scenario(heap):
    heap.declare("type T struct { id int; next *T; buf [48]byte }")
    m = heap.make_map("map[int64]*T", hint=9, name="m",
                      hash=lambda key, seed: (key << 56) | key)
    for k in (2, 3, 200, 201):
        m[k] = heap.new("T", name=f"v{k}", value={"id": k})
    out = {"bucket_size": m.layout.bucket_size, "B": m.B,
           "tophash_inserted": rows(m), "keys_inserted": keys(m)}
    del m[2]
    out["tophash_deleted"] = rows(m)
    m[4] = heap.new("T", name="v4", value={"id": 4})
    out["tophash_reused"] = rows(m)
    out["keys_reused"] = keys(m)
    return out
