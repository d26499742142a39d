"""The map-kind registry is open: a tiny fake map kind, registered from outside the
package, is marked, reported on and drawn with no change to the marker, the report or
the pictures (docs/architecture.md: where a new map kind goes)."""

import dataclasses

import pytest

import gcemu
from gcemu.core.heap import HeapObject
from gcemu.core.models import GO
from gcemu.maps import kind as registry
from gcemu.maps.kind import MapKind
from gcemu.render import kinds as drawers
from gcemu.render.kinds import Drawer
from gcemu.render.nodes import MapStyle, record_node

SLOTS = 4
LIVE, GONE = 1, 0  # the fake kind's two slot states


class FakeSlots(HeapObject):
    """The fake map's one slot array: SLOTS pointers, each with a state byte."""

    __slots__ = ("elems", "hmap", "keys", "states")
    kind = "fakeslots"


class FakeMap(HeapObject):
    """A map of at most SLOTS entries, one slot per key by a toy hash; delete marks the
    slot GONE and keeps its pointer (a stale slot, as scanmap's delete)."""

    __slots__ = ("count", "slots")
    kind = "fakemap"

    @classmethod
    def make(cls, heap, t, hint, name, hash):
        m = heap.allocate(cls(t, 16, name))
        arr = FakeSlots(None, 64)
        arr.hmap, arr.keys, arr.elems, arr.states = m, [None] * SLOTS, [None] * SLOTS, \
            [GONE] * SLOTS
        m.slots, m.count = heap.allocate(arr), 0
        return m

    def __setitem__(self, k, v):
        i = len(k) % SLOTS
        self.slots.keys[i], self.slots.elems[i], self.slots.states[i] = k, v, LIVE
        self.count += 1

    def __delitem__(self, k):
        self.slots.states[len(k) % SLOTS] = GONE
        self.count -= 1


def _scan(arr, policy, visit, step):
    for i, e in enumerate(arr.elems):
        stale = arr.states[i] == GONE
        if e is not None:
            visit(e, ("slot", arr, 0, 0, i, arr.states[i], "elem", stale))
        if step:
            yield 0, 0, i, arr.states[i], "stale" if stale else "traced"


FAKE = MapKind(
    name="fake", map_class=FakeMap, slot_arrays=(FakeSlots,), scan_array=_scan,
    slot_state=lambda arr, t: "live" if t == LIVE else "gone",
    states_of=lambda arr: arr.states, is_current=lambda arr: True,
    slot_holder=lambda arr, j, pos: arr,
    bucket_name=lambda arr, j, pos, prefixes=None: "fake slots",
    array_prefixes=lambda m: {m.slots: "fake slots"},
    measure=lambda m: ({"header": 16, "slots": 64},
                       {"hmap": 16, "buckets": 64, "overflow": 0, "oldbuckets": 0},
                       {m, m.slots}),
    summary=lambda m: {"count": m.count, "slots": SLOTS},
    unlinked_category=lambda arr: "oldbuckets", storage=lambda m: [m.slots],
    shape=lambda m: f"slots={SLOTS}", title="fake",
    field_edges={FakeMap: (("slots", ("field", "slots")),)})
FAKE_MODEL = dataclasses.replace(GO, name="fake", map="fake", stale_reason="stale-slot")


def _slots_node(arr, rows, traced, note):
    used = [i for i, e in enumerate(arr.elems) if e is not None]
    ports = [(f"s{i}", arr.elems[i]) for i in used]
    text = [("h", "fake slots")] + [(f"s{i}", f"slot {i} {'live' if arr.states[i] else 'gone'}")
                                    for i in used]
    return record_node(arr, "directory", "fake slots", bool(arr.freed), text, ports)


def _header_node(m, gone):
    return record_node(m, "map", m.type.name, gone, (("h", m.label), ("slots", "slots")),
                       (("slots", m.slots),))


@pytest.fixture
def fake_kind():
    registry.register(FAKE)
    style = MapStyle(unit="slot", ctrl="state", colors={}, legend=(), edges=())
    drawers.register("fake", Drawer(style, {FakeMap: _header_node}, _slots_node))
    yield FAKE
    registry.unregister("fake")
    del drawers.DRAWERS["fake"]


def _heap():
    h = gcemu.Heap(model=FAKE_MODEL, trace=False)
    h.declare("type T struct { id int }")
    m = h.make_map("map[string]*T", name="m")
    a, b = h.new("T", name="a"), h.new("T", name="b")
    m["a"], m["bb"] = a, b
    del m["bb"]
    return h, m, a, b


def test_make_map_goes_through_the_kind(fake_kind):
    h, m, _, _ = _heap()
    assert type(m) is FakeMap and registry.kind_of(m) is fake_kind


def test_the_marker_and_the_report_reach_the_fake_kind(fake_kind):
    h, m, a, b = _heap()
    report = h.collect()
    assert report.reason(a) == "live"
    assert report.reason(b) == "stale-slot"  # its slot is GONE: the kind said so
    assert "fake slots slot 2 (gone, stale elem)" in str(report.why(b))
    (summary,) = report.to_json()["maps"]
    assert summary["count"] == 1 and summary["slots"] == SLOTS
    assert summary["bytes"] == {"header": 16, "slots": 64}


def test_a_stepped_cycle_reports_the_fake_slots(fake_kind):
    h, _, _, _ = _heap()
    cycle = h.gc()
    cycle.run()
    decisions = [e for e in cycle.history if e.kind == "slot"]
    assert [(e.slot, e.state, e.action) for e in decisions if e.slot in (1, 2)] == \
        [(1, "live", "traced"), (2, "gone", "stale")]


def test_the_pictures_reach_the_fake_kind(fake_kind):
    h, m, a, b = _heap()
    source = gcemu.to_dot(h).source
    assert "fake slots" in source and "slot 2 gone" in source


def test_an_unknown_kind_is_one_clear_error():
    model = dataclasses.replace(GO, name="nokind", map="nokind")
    with pytest.raises(gcemu.GcemuError, match="no map kind named 'nokind'"):
        gcemu.Heap(model=model)


def test_a_type_taken_by_another_kind_is_refused(fake_kind):
    thief = dataclasses.replace(FAKE, name="thief")
    with pytest.raises(gcemu.GcemuError, match="FakeMap already belongs to map kind 'fake'"):
        registry.register(thief)
