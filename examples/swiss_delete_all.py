"""Go 1.24+: delete every key of a 1000-entry Swiss map (go-swiss-map.md §4, §5, §11.5).

The article's chapter 1 (for the classic map): after deleting every key, len is 0 but
the memory stays. With Swiss tables (Go 1.24+) the same holds, for a different
structure: nothing ever shrinks. The tables keep their capacity and their tombstones;
only the seed changes when the map becomes empty. The deleted values are collected
by the next GC, because delete zeroed their slots. ``clear`` erases the tombstones
but keeps every table; only dropping the map frees it.

Expected (go-swiss, go-swiss-1.27): after delete-all and a GC, used 0, the same
tables and capacity as before, tombstones > 0, every value collected; after clear,
0 tombstones and the same capacity; after ``m = nil``, the map's memory freed. Under
the classic models this scenario is not defined (it reads the Swiss layout).

    gcemu run examples/swiss_delete_all.py --model go-swiss
"""

MODEL = "go-swiss"  # the default model: this scenario reads the Swiss layout

N = 1000


def layout(m):
    return {"used": m.used, "dirLen": m.dirLen, "tables": len(m.tables),
            "capacity": m.capacity, "tombstones": m.tombstones()}


def scenario(heap):
    heap.declare("type T struct { id int; buf [48]byte }")
    m = heap.make_map("map[int]*T", name="m")
    for i in range(N):
        m[i] = heap.new("T", value={"id": i})
    out = {"inserted": layout(m)}
    seed = m.seed
    for i in range(N):
        del m[i]
    r = heap.collect()
    out["deleted"] = dict(layout(m), seed_changed=m.seed != seed,
                          map_bytes=sum(r.map_bytes(m).values()),
                          freed=r.bytes["freed"])
    m.clear()
    out["cleared"] = layout(m)
    heap.set_global("m", None)
    out["dropped_freed"] = heap.collect().bytes["freed"]
    return out
