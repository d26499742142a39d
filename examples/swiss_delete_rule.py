"""Go 1.24+: what delete does to a Swiss map (go-swiss-map.md §4, §7).

The article was written for the classic map; since Go 1.24 the map is a Swiss table
and since Go 1.26 it is the only one. Delete still zeroes the slot (the elem always,
a pointerful key too), and the GC still never reads the map's metadata: it scans
every pointer word of every group (§7). What changed is the metadata itself: a
slot's control byte becomes EMPTY (0x80) when its group still has an empty slot, and
a tombstone (DELETED, 0xFE) when the group is full, because a probe for some other
key may have passed over it. A small map (at most 8 entries, one group) never writes
a tombstone.

Here: keys a, b, c in the small map's slots 0, 1, 2; delete b; then grow the map to a
table whose first group is full and delete one of its keys.

Expected (go-swiss, go-swiss-1.27): b's value collected, slot 1's control byte
empty and its key and elem zeroed; in the full group the deleted slot becomes a
tombstone (growthLeft unchanged) and its value is collected too. Under the classic
models this scenario is not defined (it reads the Swiss layout).

    gcemu run examples/swiss_delete_rule.py --model go-swiss
    gcemu explain examples/swiss_delete_rule.py c --model go-swiss
"""

MODEL = "go-swiss"  # the default model: this scenario reads the Swiss layout


def scenario(heap):
    heap.declare("type T struct { id int; next *T; buf [48]byte }")
    m = heap.make_map("map[string]*T", name="m")
    for i, k in enumerate("abc"):
        m[k] = heap.new("T", name=k, value={"id": i})
    del m["b"]
    g = m.small.groups[0]
    small = {"ctrl": g.ctrl.hex(" "), "b_key": repr(g.keys[1]), "b_elem": repr(g.elems[1]),
             "tombstones": m.dirPtr.groups[0].ctrl.count(0xFE)}
    # one table whose group 0 holds 8 keys: a hash= that sends every key to group 0
    t = heap.make_map("map[int64]*T", hint=14, name="t",
                      hash=lambda k, seed: k & 0x7F)  # H1 = 0, H2 = k
    for i in range(10):
        t[i] = heap.new("T", name=f"t{i}", value={"id": i})
    (tab,) = t.tables
    before = tab.growthLeft
    del t[3]  # group 0 is full: a tombstone
    del t[9]  # group 1 has empty slots: EMPTY
    return {"small": small, "group0": tab.groups[0].ctrl.hex(" "),
            "group1": tab.groups[1].ctrl.hex(" "), "growthLeft": [before, tab.growthLeft],
            "tombstones": tab.tombstones()}
