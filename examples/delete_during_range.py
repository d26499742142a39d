"""§3.2: deleting inside a range loop.

The article: deleting during iteration "breaks the iterator's state" and leads to
unsafe.Pointer reads out of bounds.

Real Go: deleting during `range` is defined by the language spec ("If a map entry that
has not yet been reached is removed during iteration, the corresponding iteration
value will not be produced"), and runtime.mapiternext is written for it: an entry
deleted before the iterator reaches it is skipped (its tophash is empty), one deleted
after is not revisited. Only *concurrent* use from several goroutines is a fatal error
(which gcemu, single-threaded, does not model).

Here: 20 keys; at the first iteration the loop deletes every key, then keeps going.

Expected, the same under both models: the loop produces exactly one entry, len(m) is
0 after it, the map's invariants hold, and after the GC every value is collected.

Measured (returned): "produced" (entries the loop saw), "len".

    gcemu run examples/delete_during_range.py
"""


def scenario(heap):
    heap.declare("type T struct { id int; next *T; buf [48]byte }")
    m = heap.make_map("map[string]*T", name="m")
    keys = [f"k{i}" for i in range(20)]
    for i, k in enumerate(keys):
        m[k] = heap.new("T", name=f"v{i}", value={"id": i})
    produced = 0
    for _k, _v in m.items():
        produced += 1
        for k in keys:
            del m[k]  # deleting a missing key is a no-op, as in Go
    m.check_invariants()
    return {"produced": produced, "len": len(m)}
