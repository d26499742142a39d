"""Nil maps as Go treats them: a struct field of map type that was never made reads as
a nil map; lookup, delete, len, range and clear are fine, assignment panics (spec
go-concurrency.md §1.7: "read, delete, range, clear, len on a nil map: no panic (zero
value, no-op, no iterations, no-op, 0)"; "panic: assignment to entry in nil map")."""

import pytest

import gcemu
from gcemu.errors import GoPanic
from gcemu.gotypes import GoTypeError, NilMap


@pytest.fixture(params=["go", "go-swiss"])
def heap(request):
    h = gcemu.Heap(model=request.param)
    h.declare("type T struct { id int; m map[string]int; mm map[string]map[string]*T }")
    return h


def test_nil_map_field_reads_as_go_does(heap):
    t = heap.new("T")
    m = t["m"]
    assert isinstance(m, NilMap) and m == None  # noqa: E711 (== is the point)
    assert m["x"] == 0 and m.get("x", 7) == 7 and "x" not in m
    del m["x"]  # delete on a nil map: a no-op
    del t["m"]["x"]
    assert len(m) == 0 and list(m) == [] and list(m.items()) == [] and not m
    m.clear()


def test_assignment_to_entry_in_nil_map_panics(heap):
    t = heap.new("T")
    with pytest.raises(GoPanic, match=r"^panic: assignment to entry in nil map \["):
        t["m"]["x"] = 1


def test_nil_map_key_is_still_type_checked(heap):
    with pytest.raises(GoTypeError, match="key"):
        heap.new("T")["m"][3]


def test_nil_map_stores_back_as_nil(heap):
    t, u = heap.new("T"), heap.new("T")
    u["m"] = t["m"]  # copying a nil map field: still nil, no object made
    assert u.value[1] is None and u["m"] == None  # noqa: E711
    u["m"] = heap.make_map("map[string]int")
    u["m"]["x"] = 5
    assert u["m"]["x"] == 5 and len(u["m"]) == 1
    u["m"] = t["m"]
    assert u.value[1] is None


def test_missing_element_of_map_of_maps_is_a_nil_map(heap):
    outer = heap.new("T")["mm"]
    inner = outer["absent"]  # lookup on a nil map: the element's zero value, a nil map
    assert isinstance(inner, NilMap) and inner["k"] is None  # zero *T


def test_a_nil_map_of_another_type_is_refused(heap):
    heap.declare("type U struct { m map[string]bool }")
    with pytest.raises(GoTypeError, match=r"cannot use map\[string\]int\(nil\) as "
                                          r"map\[string\]bool"):
        heap.new("U")["m"] = heap.new("T")["m"]
