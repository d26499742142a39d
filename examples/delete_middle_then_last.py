"""§2.5: emptyRest: delete the middle entry, collect, then delete the last one.

The article: emptyRest means "every later slot is empty, scanning can stop", so once
the trailing slots are emptyRest the marker no longer sees them.

Real Go 1.23 (go-classic-map.md §6, §13a): mapdelete turns a trailing run of empty
slots into emptyRest, walking backwards ("delete k5: tophash=[192 43 8 0 0 0 0 0]:
back-propagation over 5, 4, 3; stops at full slot 2"). The GC never reads it, and
the deleted values were zeroed anyway.

Here: a, b, c in slots 0, 1, 2; delete b (slot 1 emptyOne), collect; delete c: slot
2 becomes emptyRest and the back-propagation turns slot 1 into emptyRest too; gcemu
then runs its cycle.

Expected:

- scanmap: after the first GC b's value is retained (stale-slot); after deleting c,
  neither b's nor c's value is traced: both collected. The tophash row goes
  [t 1 t 0 ...] -> [t 0 0 0 ...].
- go: b's value collected by the first GC, c's by the second.

Measured (returned): "tophash_after_b", "tophash_after_c", "b_after_first_gc" (the
reason, or "collected").

    gcemu compare examples/delete_middle_then_last.py
"""


def scenario(heap):
    heap.declare("type T struct { id int; next *T; buf [48]byte }")
    m = heap.make_map("map[string]*T", name="m")
    for i, k in enumerate("abc"):
        m[k] = heap.new("T", name=k, value={"id": i})
    b = m["b"]
    del m["b"]
    after_b = list(m.buckets[0].tophash)
    first = heap.collect()
    del m["c"]
    return {"tophash_after_b": after_b, "tophash_after_c": list(m.buckets[0].tophash),
            "b_after_first_gc": first.reason(b) or "collected"}
