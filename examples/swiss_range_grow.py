"""Go 1.24+: a range loop across a grow keeps the old table alive (go-swiss-map.md §5.3).

The article's §2.3 warns that iteration can delay the release of deleted entries
(for the classic map: oldbuckets stay while an iterator needs them). The Swiss map
has its own version of this: growing or splitting a table (or turning a small map
into a table) never clears the old storage, and a live iterator keeps walking it,
looking every key up again in the new tables. So every value that was in the map
when it grew stays reachable through the old table's full slots until the loop
ends, even after it is deleted from the new table (measured in Go 1.25: 0 of 100
deleted values finalized while the loop ran, all 100 after).

Here: 100 values, a loop whose first iteration inserts 100 more (the 128-slot table
grows to 256) and deletes the original 100; a GC inside the loop; a GC after it.

Expected (go-swiss, go-swiss-1.27): the 100 deleted values retained during the loop
(reason oldbuckets, path through the iterator's group pointer into the old table),
all collected after it. Under the classic models this scenario is not defined.

    gcemu explain examples/swiss_range_grow.py v0 --model go-swiss
"""

MODEL = "go-swiss"  # the default model: this scenario reads the Swiss layout


def scenario(heap):
    heap.declare("type T struct { id int; buf [48]byte }")
    m = heap.make_map("map[int]*T", name="m")
    vals = [heap.new("T", name=f"v{i}", value={"id": i}) for i in range(100)]
    for i, v in enumerate(vals):
        m[i] = v
    cap = m.capacity
    for _ in m.items():
        for i in range(100, 200):
            m[i] = heap.new("T", value={"id": i})
        for i in range(100):
            del m[i]
        r = heap.collect()
        during = sum(r.collected(v) for v in vals)
        break
    r = heap.collect()
    return {"capacity": [cap, m.capacity], "collected_during_loop": during,
            "collected_after_loop": sum(r.collected(v) for v in vals)}
