"""§2.3: a delete while the GC is marking: the value survives that cycle.

The article's timeline (delete, then the GC marks, then the memory is reused) leaves
out the case of a delete *during* a GC cycle.

Real Go 1.23 (go-classic-map.md §11, §13d/d2): while the write barrier is on,
mapdelete's clear of the elem (memclrHasPointers) shades the old pointer (the
deletion barrier), so the deleted value is marked in this cycle even though nothing
points to it any more: floating garbage. It is freed by the next cycle. 20 of 20
trials on go1.23.9 survived exactly one cycle.

Here: a, b, c in one bucket; start a cycle, scan one root, delete c (the last slot:
it becomes emptyRest), and leave the cycle running; gcemu finishes it.

Expected, the same under both models:

- scanmap: c's value is retained with reason floating (a slot turning emptyRest
  while marking fires the deletion barrier, since scanning will no longer see it);
  the next cycle collects it.
- go: c's value is retained with reason floating (the deletion barrier); the next
  cycle collects it.
- a and b stay live.

Measured (returned): "phase_at_delete" and "steps_before_delete".

    gcemu run examples/delete_during_mark.py
    gcemu step examples/delete_during_mark.py
"""


def scenario(heap):
    heap.declare("type T struct { id int; next *T; buf [48]byte }")
    m = heap.make_map("map[string]*T", name="m")
    for i, k in enumerate("abc"):
        m[k] = heap.new("T", name=k, value={"id": i})
    cycle = heap.gc()  # the GC starts: phase mark, write barrier on
    cycle.step()  # one unit of mark work: the root `global m`
    phase, steps = cycle.phase, cycle.steps
    del m["c"]  # the mutator deletes while the marker is running
    return {"phase_at_delete": phase, "steps_before_delete": steps}
