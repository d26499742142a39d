"""§2.5: delete the middle of three entries in one bucket (the article's scanmap).

The article: during marking, a GC routine `scanmap` walks each bucket by tophash,
keeps scanning (and marking the keys and values of) emptyOne slots, and stops at
emptyRest; so a deleted entry whose slot is emptyOne stays reachable.

Real Go 1.23 (go-classic-map.md §10.2, §13a, §14): there is no `scanmap` routine; the
GC scans a bucket as ordinary typed memory, every pointer word whatever the tophash.
But mapdelete zeroes the elem (and the key's pointers) at delete time, so there is
nothing left to mark: the deleted value is collected by the next cycle (§13a:
"delete k3 -> after GC #1: finalized=[3]").

Here: a, b, c in slots 0, 1, 2 of one bucket; delete b (slot 1 becomes emptyOne,
because slot 2 is still full).

Expected:

- scanmap: b's value retained, reason stale-slot, path ending
  "bucket 0 slot 1 (emptyOne, stale elem)".
- go: b's value collected.
- both: a and c live.

    gcemu explain examples/delete_middle.py b
    gcemu compare examples/delete_middle.py
"""


def scenario(heap):
    heap.declare("type T struct { id int; next *T; buf [48]byte }")
    m = heap.make_map("map[string]*T", name="m")
    for i, k in enumerate("abc"):
        m[k] = heap.new("T", name=k, value={"id": i})
    del m["b"]
