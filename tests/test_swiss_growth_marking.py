"""Swiss-map growth while a GC cycle marks. growToTable, grow and split copy every
entry into new storage (allocated black, gcmarknewobject) with typedmemmove, whose
bulk barrier shades each pointer it copies (`gcemu.maps.swiss.table.move_entries`):
right after the growth, no value of the map is white, though the drain has reached
none of them. (Liveness alone would not show the barrier: the directory store's own
barrier shades the old table, which still holds the values.)"""

import pytest

import gcemu


@pytest.mark.parametrize("model", ["go-swiss", "go-swiss-1.27"])
@pytest.mark.parametrize("before", [8, 14, 896, 3000])
def test_growth_while_marking_shades_every_moved_value(model, before):
    h = gcemu.Heap(model=model, trace=False)
    h.declare("type T struct { id int }")
    m = h.make_map("map[int64]*T", name="m")
    for k in range(before):
        m[k] = h.new("T")
    cycle = h.gc()
    black = h.new("T").color  # allocated during mark: black (grey is black - 1)
    assert cycle.phase == "mark" and all(m[j].color < black - 1 for j in range(before))
    old = {id(t) for t in m.tables} | {id(m.dirPtr)}
    k = before
    while old & ({id(t) for t in m.tables} | {id(m.dirPtr)}):  # until a move happened
        m[k] = h.new("T")
        k += 1
    white = [j for j in range(before) if m[j].color < black - 1]
    assert cycle.phase == "mark" and not white, f"m[{white[0]}] still white after the move"
    report = cycle.run()
    assert all(report.retained(m[j]) for j in range(k))
    m.check_invariants()
