"""Automatic cycles (GOGC pacing) keep what the scenario holds in Python variables, as
Go's stack scan keeps what a goroutine's locals point to (gcemu.core.pystack)."""

import pytest

import gcemu

BIG = "type B struct { p *B; buf [4000]byte }"  # 4 KiB objects: a few MiB trigger a cycle


def _heap(trace=True):
    h = gcemu.Heap(model="go", trace=trace)
    h.declare(BIG)
    return h


@pytest.mark.parametrize("trace", [True, False])
@pytest.mark.parametrize("named", [False, True])
def test_handles_in_a_list_survive_automatic_cycles(trace, named):
    h = _heap(trace)
    m = h.make_map("map[int]*B", name="m")
    # ~12 MiB: several automatic cycles while the comprehension's list is out of
    # Python's sight (on the interpreter's stack)
    objs = [h.new("B", name=f"b{i}" if named else None) for i in range(3000)]
    assert h.memstats().NumGC >= 1
    assert not any(o.freed for o in objs)
    for i, o in enumerate(objs):
        m[i] = o                               # every handle is still usable
    assert len(m) == 3000


def test_objects_dropped_unused_are_collected_by_them():
    """go-memstats.md §2.5's trigger program: garbage allocated and dropped at once."""
    h = _heap()
    for _ in range(3000):
        h.new("B")
    assert h.memstats().NumGC >= 1
    assert sum(1 for o in h.objects.values() if o.type and o.type.name == "B") < 1000


def test_what_the_map_dropped_is_collected_by_them():
    """Stored, then deleted, held by no variable: garbage to the next automatic cycle."""
    h = _heap()
    m = h.make_map("map[int]*B", name="m")
    for i in range(3000):
        m[i] = h.new("B")
        del m[i]
    assert h.memstats().NumGC >= 1
    assert sum(1 for o in h.objects.values() if o.type and o.type.name == "B") < 1000


def test_a_handle_held_in_a_variable_after_delete_survives():
    h = _heap()
    m = h.make_map("map[int]*B", name="m")
    keep = h.new("B")
    m[0] = keep
    del m[0]                                   # only the Python variable holds it now
    for i in range(1, 3000):
        m[i] = h.new("B")
        del m[i]
    assert h.memstats().NumGC >= 1 and not keep.freed
    m[0] = keep


def test_explicit_cycles_keep_the_documented_rule():
    """h.collect() roots only globals and iterators: a handle held only in Python is
    collected (how a test asserts collection)."""
    h = _heap()
    a = h.new("B")
    assert h.collect().collected(a)
