"""Report: retained / collected / reason / why, stale entries, bytes and api.md's JSON.

Under both models; where they differ each outcome is asserted explicitly.
"""

from __future__ import annotations

import gc
import json

import pytest

import gcemu
from gcemu.gc.analysis import ConsistencyError
from gcemu.gc.graph import retained_bytes
from gcemu.report import REASONS, StaleEntry

MODELS = ("scanmap", "go")
T_DECL = "type T struct { id int; next *T; buf [48]byte }"
MAP_PARTS = {"hmap", "buckets", "overflow", "oldbuckets"}
BYTE_KEYS = MAP_PARTS | {"live referents", "stale-retained referents", "floating", "freed"}


def make_heap(model: str, seed: int = 0) -> gcemu.Heap:
    h = gcemu.Heap(model=model, seed=seed)
    h.declare(T_DECL)
    return h


def abc(model: str):
    """api.md's example: hmap#1, then v0, v1, v2 = T#2, T#3, T#4 in slots 0, 1, 2;
    v1 is deleted."""
    h = make_heap(model)
    m = h.make_map("map[string]*T", name="m")
    a, b, c = (h.new("T", name=f"v{i}") for i in range(3))
    m["a"], m["b"], m["c"] = a, b, c
    del m["b"]
    return h, m, a, b, c


def heap_bytes(h) -> int:
    return sum(o.size for o in h.objects.values())


# -- the JSON of api.md ---------------------------------------------------------------
@pytest.mark.parametrize("model", MODELS)
def test_api_md_example(model):
    h, _m, _a, _b, _c = abc(model)
    r = h.collect()
    js = r.to_json()
    (obj,) = [o for o in js["objects"] if o["id"] == "T#3"]
    (mp,) = js["maps"]
    if model == "scanmap":
        assert obj == {"id": "T#3", "name": "v1", "type": "T", "size": 64,
                       "state": "retained", "reason": "stale-slot",
                       "path": ["global m", "hmap#1", "bucket 0 slot 1 (emptyOne, stale elem)",
                                "T#3"]}
    else:
        assert obj == {"id": "T#3", "name": "v1", "type": "T", "size": 64,
                       "state": "collected", "reason": None, "path": []}
    assert mp == {"name": "m", "type": "map[string]*T", "count": 2, "B": 0, "noverflow": 0,
                  "growing": False, "stale_slots": 1 if model == "scanmap" else 0,
                  "bytes": {"hmap": 48, "buckets": 208, "overflow": 0, "oldbuckets": 0}}
    assert (js["model"], js["cycle"]) == (model, 1)


def busy_heap(model: str):
    """Growth in progress under a live iterator, deletes, a chain of objects, garbage."""
    h = make_heap(model)
    m = h.make_map("map[string]*T", name="m")
    vals = {f"k{i}": h.new("T", name=f"k{i}") for i in range(60)}
    for k, v in list(vals.items())[:52]:
        m[k] = v
    it = m.items()
    next(it)
    for k, v in list(vals.items())[52:]:
        m[k] = v
    for i in range(0, 40, 3):
        del m[f"k{i}"]
    vals["k1"]["next"] = vals["k0"]
    h.set_global("g", vals["k1"])
    h.new("T", name="garbage")
    return h, m, it, vals


@pytest.mark.parametrize("model", MODELS)
def test_to_json_schema(model):
    h, m, it, _vals = busy_heap(model)
    cycle = h.gc()
    cycle.step()
    del m["k4"]
    h.new("T", name="late")  # allocated black, unreachable: floating
    r = cycle.run()
    js = r.to_json()
    assert json.loads(json.dumps(js)) == js
    assert set(js) == {"model", "cycle", "objects", "maps", "bytes"}
    assert js["model"] == model and js["cycle"] == 1
    seen = set()
    for o in js["objects"]:
        assert set(o) == {"id", "name", "type", "size", "state", "reason", "path"}
        assert isinstance(o["id"], str) and o["type"] == "T" and o["size"] == 64
        assert o["state"] in ("retained", "collected")
        assert isinstance(o["path"], list) and all(isinstance(p, str) for p in o["path"])
        if o["state"] == "collected":
            assert o["reason"] is None and o["path"] == []
        else:
            assert o["reason"] in REASONS
            if o["reason"] != "floating":
                assert o["path"][0].startswith(("global ", "stack main: "))
                assert o["path"][-1] == o["id"]
                assert not any(p.startswith(".") for p in o["path"])  # no field edges
        seen.add(o["reason"])
    assert {"live", "floating"} <= seen
    assert seen & {"stale-slot", "oldbuckets"}
    for mp in js["maps"]:
        assert set(mp) == {"name", "type", "count", "B", "noverflow", "growing",
                           "stale_slots", "bytes"}
        assert set(mp["bytes"]) == MAP_PARTS
        assert isinstance(mp["growing"], bool) and isinstance(mp["stale_slots"], int)
    assert {"retained", "collected"} <= set(js["bytes"])
    assert all(isinstance(v, int) for v in js["bytes"].values())
    assert all(" " not in k and "-" not in k for k in js["bytes"])
    assert js["bytes"]["retained"] == heap_bytes(h)
    assert js["bytes"]["collected"] == sum(e.size for e in cycle.history.of_kind("free"))
    it.close()


# -- paths ------------------------------------------------------------------------------
@pytest.mark.parametrize("model", MODELS)
def test_why_prints_one_edge_per_line_and_to_list_is_compact(model):
    h, m, a, _b, _c = abc(model)
    r = h.collect()
    path = r.why(a)
    assert str(path).splitlines() == [
        "global m -> hmap#1 (m)",
        "hmap#1 (m) -> .buckets -> buckets#5",
        "buckets#5 -> bucket 0 slot 0 (full, elem) -> T#2 (v0)",
    ]
    assert len(path) == 3
    assert path.to_list() == ["global m", "hmap#1", "bucket 0 slot 0 (full, elem)", "T#2"]
    assert r.why(m).to_list() == ["global m", "hmap#1"]
    assert r.why(m.buckets_obj).to_list() == ["global m", "hmap#1", "buckets#5"]


def colliding(model: str):
    h = make_heap(model)
    m = h.make_map("map[int64]*T", name="m", hash=lambda k, seed: (0x80 + k) << 56)
    vs = [h.new("T") for _ in range(10)]
    for i, v in enumerate(vs):
        m[i] = v
    return h, m, vs


def test_to_list_through_a_separately_allocated_overflow_bucket():
    h, m, vs = colliding("go")
    ovf = m.buckets[0].overflow.owner
    r = h.collect()
    # the go model scans the overflow bucket as an object of its own
    assert r.why(vs[9]).to_list() == ["global m", "hmap#1", "bucket 0 overflow pointer",
                                      f"{ovf.label} slot 1 (full, elem)", vs[9].label]
    assert r.why(ovf).to_list() == ["global m", "hmap#1", "bucket 0 overflow pointer",
                                    ovf.label]
    h, m, vs = colliding("scanmap")
    r = h.collect()
    # scanmap scans the chain from its main bucket
    assert r.why(vs[9]).to_list() == ["global m", "hmap#1",
                                      "bucket 0 overflow 1 slot 1 (full, elem)", vs[9].label]


@pytest.mark.parametrize("model", MODELS)
def test_to_list_of_plain_pointers_and_iterator_roots(model):
    h = make_heap(model)
    x, y = h.new("T", name="x"), h.new("T", name="y")
    x["next"] = y
    h.set_global("g", x)
    m = h.make_map("map[string]*T")  # no global: only the iterator holds it
    m["y"] = y
    it = m.items()
    next(it)
    r = h.collect()
    assert r.why(y).to_list() == ["global g", x.label, y.label]
    assert str(r.why(y)).splitlines() == ["global g -> T#1 (x)", "T#1 (x) -> pointer -> T#2 (y)"]
    assert r.why(m).to_list() == ["stack main: hiter(hmap#3).h", m.label]
    it.close()
    assert h.collect().collected(m)


@pytest.mark.parametrize("model", MODELS)
def test_why_of_floating_and_collected_objects(model):
    h, _m, _a, _b, _c = abc(model)
    x = h.new("T", name="x")
    cycle = h.gc()
    cycle.step()
    y = h.new("T", name="y")
    r = cycle.run()
    assert r.collected(x) and r.reason(x) is None
    assert str(r.why(x)) == "T#6 (x) was collected: no root reaches it"
    assert r.reason(y) == "floating"
    note = str(r.why(y))
    assert note.startswith("floating garbage: T#7 (y) was shaded by allocation during marking")
    assert r.why(y).to_list() == [note, "T#7"]
    assert len(r.why(y)) == 0


# -- stale entries -----------------------------------------------------------------------
@pytest.mark.parametrize("model", MODELS)
def test_stale_entries(model):
    h, _m, _a, _b, _c = abc(model)
    r = h.collect()
    if model == "scanmap":
        assert r.stale_entries == [StaleEntry("hmap#1 (m)", "bucket 0", 1, "emptyOne", "b",
                                              ("T#3 (v1)",))]
        assert "key='b' keeps T#3 (v1)" in str(r.stale_entries[0])
    else:
        assert r.stale_entries == []
    r.stale_entries.clear()  # a copy
    assert len(r.stale_entries) == (1 if model == "scanmap" else 0)
    stale = 1 if model == "scanmap" else 0
    assert repr(r) == f"<Report cycle 1 model={model} stale={stale} freed={64 - 64 * stale} B>"


@pytest.mark.parametrize("model", MODELS)
def test_stale_entries_of_an_iterators_array(model):
    h = make_heap(model)
    m = h.make_map("map[string]*T", name="m")
    vals = {f"k{i}": h.new("T") for i in range(52)}
    for k, v in vals.items():
        m[k] = v
    it = m.items()
    next(it)
    m["x"] = h.new("T")
    for k in vals:
        del m[k]
    r = h.collect()
    old = [e for e in r.stale_entries if e.tophash in ("evacuatedX", "evacuatedY")]
    assert {e.key for e in old} == set(vals)
    if model == "go":
        assert len(r.stale_entries) == 52
    it.close()


# -- bytes -------------------------------------------------------------------------------
@pytest.mark.parametrize("model", MODELS)
def test_bytes_by_category(model):
    h, m, _a, _b, c = abc(model)
    r = h.collect()
    if model == "scanmap":
        assert r.bytes == {"hmap": 48, "buckets": 208, "overflow": 0, "oldbuckets": 0,
                           "live referents": 128, "stale-retained referents": 64,
                           "floating": 0, "freed": 0}
    else:
        assert r.bytes == {"hmap": 48, "buckets": 208, "overflow": 0, "oldbuckets": 0,
                           "live referents": 128, "stale-retained referents": 0,
                           "floating": 0, "freed": 64}
    js = r.to_json()["bytes"]
    assert js["retained"] == heap_bytes(h) == 48 + 208 + 128 + (64 if model == "scanmap" else 0)
    assert js["collected"] == r.bytes["freed"]
    assert js["stale_retained_referents"] == r.bytes["stale-retained referents"]
    # floating garbage: allocated during marking, and (go) deleted during marking
    cycle = h.gc()
    cycle.step()
    late = h.new("T")
    del m["c"]
    r = cycle.run()
    assert r.reason(late) == "floating"
    if model == "go":
        assert r.bytes["floating"] == 128 and r.reason(c) == "floating"
    else:  # slots 2 and (back-propagated) 1 turn emptyRest: their barrier shades c, b
        assert r.bytes["floating"] == 192 and r.reason(c) == r.reason(_b) == "floating"


@pytest.mark.parametrize("model", MODELS)
def test_bytes_of_growth_and_of_an_array_only_an_iterator_holds(model):
    h = make_heap(model)
    m = h.make_map("map[string]*T", name="m")
    for i in range(52):
        m[f"k{i}"] = h.new("T")
    it = m.items()
    next(it)
    old = m.buckets_obj
    m["x"] = h.new("T")
    assert m.growing()
    r = h.collect()
    assert r.map_bytes(m)["oldbuckets"] >= old.size
    assert r.bytes["oldbuckets"] == r.map_bytes(m)["oldbuckets"]
    while m.growing():
        m["x"] = m["x"]
    r = h.collect()  # growth done: only the iterator holds the old array
    assert r.retained(old) and r.map_bytes(m)["oldbuckets"] == 0
    assert r.bytes["oldbuckets"] == old.size
    assert r.to_json()["bytes"]["retained"] == heap_bytes(h)
    it.close()


@pytest.mark.parametrize("model", MODELS)
def test_delete_all_keeps_B_and_the_bucket_array(model):
    h = make_heap(model)
    m = h.make_map("map[string]*T", name="m")
    vals = [h.new("T") for _ in range(1000)]
    keys = [f"k{i:06d}" for i in range(1000)]  # 7-byte keys, as in §13c
    for k, v in zip(keys, vals, strict=True):
        m[k] = v
    r = h.collect()
    assert m.B == 8 and r.map_bytes(m)["buckets"] == 57344
    for k in keys:
        del m[k]
    r = h.collect()
    assert m.count == 0 and m.B == 8
    assert r.map_bytes(m)["buckets"] == 57344
    (mp,) = r.to_json()["maps"]
    assert mp["bytes"]["buckets"] == 57344 and mp["B"] == 8 and mp["count"] == 0
    assert all(r.collected(v) for v in vals)
    assert r.bytes["freed"] == 1000 * 64
    assert r.retained(m.buckets_obj)


@pytest.mark.parametrize("model", MODELS)
def test_dropping_the_map_frees_everything(model):
    h = make_heap(model)
    m = h.make_map("map[int64]*T", name="m", hash=lambda k, seed: 0x80 << 56 | (k & 1))
    vals = [h.new("T") for _ in range(40)]
    for i, v in enumerate(vals):
        m[i] = v
    for i in range(0, 40, 5):
        del m[i]
    parts = [m, m.buckets_obj, *(b.owner for b in m.buckets[0].chain()
                                 if b.owner is not m.buckets_obj)]
    assert len(parts) > 3  # overflow buckets
    if m.extra is not None:
        parts.append(m.extra)
    before = heap_bytes(h)
    h.set_global("m", None)
    r = h.collect()
    assert all(r.collected(p) for p in parts)
    assert all(r.collected(v) for v in vals)
    assert r.to_json()["maps"] == [] and r.to_json()["bytes"]["retained"] == 0
    assert r.bytes["freed"] == before and not h.objects


def test_pointer_free_map_bytes():
    h = make_heap("go")
    m = h.make_map("map[int64]int64", name="m", hash=lambda k, seed: 0x5F << 56)
    for i in range(20):
        m[i] = i
    r = h.collect()
    lst = m.extra.overflow
    assert r.map_bytes(m) == {"hmap": 48 + 24 + lst.size, "buckets": m.buckets_obj.size,
                              "overflow": 2 * 144, "oldbuckets": 0}


@pytest.mark.parametrize("model", MODELS)
def test_retained_bytes_from_dominators(model):
    h = make_heap(model)
    m = h.make_map("map[string]*T", name="m")
    a, b, c, d, e = (h.new("T", name=n) for n in "abcde")
    c["next"] = d  # d hangs off c only
    m["a"], m["b"], m["c"], m["e"], m["z"] = a, b, c, e, None
    h.set_global("g", b)  # b is not the map's alone
    del m["e"]  # e: a stale slot under scanmap, garbage under go
    r = h.collect()
    parts = sum(r.map_bytes(m).values())
    only_the_map = [a, c, d] + ([e] if model == "scanmap" else [])
    expected = parts + sum(o.size for o in only_the_map)
    assert retained_bytes(h, m) == expected
    assert retained_bytes(h, m, graph=h.to_networkx()) == expected
    assert retained_bytes(h, b) == b.size
    assert retained_bytes(h, c) == c.size + d.size
    assert retained_bytes(h, e) == (e.size if model == "scanmap" else 0)


# -- a report is a record of its cycle ---------------------------------------------------
@pytest.mark.parametrize("model", MODELS)
def test_report_does_not_change_when_the_heap_does(model):
    h, m, _a, _b, _c = abc(model)
    r = h.collect()
    js, by, mb = r.to_json(), r.bytes, r.map_bytes(m)
    for i in range(30):
        m[f"n{i}"] = h.new("T")
    h.set_global("m", None)
    h.collect()
    assert r.to_json() == js and r.bytes == by and r.map_bytes(m) == mb


@pytest.mark.parametrize("model", MODELS)
def test_handles_outlive_their_objects(model):
    h, m, _a, b, c = abc(model)
    r1 = h.collect()
    del m["c"]
    r2 = h.collect()
    assert r2.collected(b) and r2.collected(c)
    assert str(r2.why(b)) == "T#3 (v1) was collected: no root reaches it"
    assert r1.retained(c) and not r1.collected(c) and r1.reason(c) == "live"
    assert c.freed == 2
    if model == "scanmap":  # b was kept by cycle 1, freed by cycle 2
        assert b.freed == 2
        assert r1.retained(b) and not r1.collected(b) and r1.reason(b) == "stale-slot"
    else:
        assert b.freed == 1 and r1.collected(b)
    with pytest.raises(gcemu.GcemuError, match="not a heap object"):
        r2.reason("b")
    with pytest.raises(gcemu.GcemuError):
        r2.why(42)


# -- a collect() report analyses its cycle when first read -------------------------------
ALL_MODELS = tuple(gcemu.MODELS)


@pytest.mark.parametrize("model", ALL_MODELS)
@pytest.mark.parametrize("first", ["delete", "assign", "store", "set_global", "range",
                                   "clear", "gc"])
def test_a_lazy_report_reads_the_heap_its_cycle_left(model, first):
    """collect() leaves the reachability to the first question; whatever mutator
    operation comes first makes the report read the heap before it changes."""
    h, m, a, _b, c = abc(model)
    h.set_global("m", m)
    r = h.collect()
    assert r._cycle.reachability is None  # nothing asked yet: no analysis ran
    m2 = h.make_map("map[string]*T")  # an allocation changes no pointer of the cycle
    if first == "delete":
        del m["c"]
    elif first == "assign":
        m["c"] = None
    elif first == "store":
        a["next"] = c
    elif first == "set_global":
        h.set_global("m", None)
    elif first == "range":
        assert sorted(m) == ["a", "c"]
    elif first == "clear":
        m.clear()
    else:
        h.collect()
    assert r._cycle.reachability is not None
    assert r.reason(c) == "live" and r.why(c).to_list()[:2] == ["global m", m.label]
    assert str(r.why(a)).startswith("global m -> ")
    assert r.retained(m) and not r.retained(m2)
    assert {o["id"] for o in r.to_json()["objects"]} == {"T#2", "T#3", "T#4"}


@pytest.mark.parametrize("model", ALL_MODELS)
def test_a_lazy_report_still_checks_black_to_white(model):
    """An unrecorded cycle checks the tri-color invariant when its report is read: a
    kept object pointing to one sweep freed fails loudly."""
    h = make_heap(model)
    h.set_global("g", h.new("T"))
    x, y = h.new("T", name="x"), h.new("T", name="y")
    x["next"] = y  # neither is reachable
    cycle = h.gc(record=False)
    cycle.step()
    x.color = cycle.black_color  # corrupt: black x points to white y
    r = cycle.run()
    assert y.freed and not x.freed
    with pytest.raises(ConsistencyError, match=f"black -> white: {x.label} points to "
                                               f"white {y.label}"):
        r.reason(x)


@pytest.mark.parametrize("model", ("go", "go-swiss"))
def test_a_dropped_report_is_never_analysed(model):
    """A report no one holds costs nothing at the next mutation."""
    h, m, _a, _b, c = abc(model)
    h.set_global("m", m)
    cycle = h.gc(record=False)
    cycle.run()
    report = cycle.report
    cycle.report = None
    del report
    gc.collect()  # the report and its cycle refer to each other
    del m["c"]
    assert cycle.reachability is None
    kept = h.collect()
    m["d"] = h.new("T")
    assert kept._cycle.reachability is not None  # held: analysed before the new
    assert kept.reason(m) == "live" and kept.reason(c) is None
