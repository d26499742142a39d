"""The seed article's §2.5: delete the middle of three entries in one bucket.

Under scanmap (the design card) b's value stays reachable through its emptyOne slot;
under go (real Go 1.23) delete zeroed the slot, so b's value is collected.
"""


def scenario(heap):
    heap.declare("type T struct { id int; next *T; buf [48]byte }")
    m = heap.make_map("map[string]*T", name="m")
    for i, k in enumerate("abc"):
        m[k] = heap.new("T", name=k, value={"id": i})
    del m["b"]
