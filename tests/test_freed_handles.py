"""A handle outlives its object, but storing a freed handle is an error, not a
dangling pointer."""

import pytest

import gcemu


@pytest.fixture
def freed():
    h = gcemu.Heap(model="go")
    h.declare("type T struct { id int; next *T }")
    m = h.make_map("map[string]*T", name="m")
    x = h.new("T", name="x")
    h.set_global("x", x)
    z = h.new("T", name="z")
    assert h.collect().collected(z)
    return h, m, x, z


def test_map_assign_of_freed_handle(freed):
    _, m, _, z = freed
    with pytest.raises(gcemu.GcemuError, match="was freed by GC cycle 1"):
        m["c"] = z
    assert "c" not in m


def test_store_and_new_of_freed_handle(freed):
    h, _, x, z = freed
    with pytest.raises(gcemu.GcemuError, match="was freed"):
        x["next"] = z
    with pytest.raises(gcemu.GcemuError, match="was freed"):
        h.new("T", value={"next": z})
    with pytest.raises(gcemu.GcemuError, match="was freed"):
        h.set_global("y", z)
