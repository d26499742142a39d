"""Chapter 1: "the key in the slot is set to its zero value (e.g. ""), the value is
cleared too".

Real Go 1.23 (go-classic-map.md §6, §13a): mapdelete always clears the elem; it clears
the key only when the key type holds pointers, and for a string key
(mapdelete_faststr) only the data pointer: the length word stays, shown as
`nil(len=2)`. A pointer-free key (int64) keeps its bytes. The bucket stays, and the
next insert into that chain reuses the first empty slot.

Expected:

- scanmap: the design card's delete clears nothing: the slot keeps its stale key and
  elem, only the tophash changes (emptyOne), so the deleted value is retained
  (reason stale-slot) while a later slot of the bucket is full.
- go: the string key becomes nil(len=2), the elem is zeroed, the int64 key keeps its
  bytes; the deleted value is collected.

Measured (returned): the slot's key and elem after the delete, as text, for a
map[string]*T ("s_key", "s_elem") and a map[int64]int64 ("i_key", "i_elem"), and the
tophash row of each bucket ("s_tophash", "i_tophash").

    gcemu compare examples/delete_clears_slot.py
"""


def scenario(heap):
    heap.declare("type T struct { id int; next *T; buf [48]byte }")
    s = heap.make_map("map[string]*T", name="s")
    for i, k in enumerate(["k0", "k1", "k2"]):
        s[k] = heap.new("T", name=f"v{i}", value={"id": i})
    del s["k1"]  # slot 1; slot 2 is still full, so slot 1 becomes emptyOne
    n = heap.make_map("map[int64]int64", name="n")
    for k in (10, 11, 12):
        n[k] = k * 100
    del n[11]
    sb, nb = s.buckets[0], n.buckets[0]
    return {"s_key": repr(sb.keys[1]), "s_elem": repr(sb.elems[1]),
            "i_key": repr(nb.keys[1]), "i_elem": repr(nb.elems[1]),
            "s_tophash": list(sb.tophash), "i_tophash": list(nb.tophash)}
