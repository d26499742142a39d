"""Traces (gcemu.trace): what a heap records, the JSON-lines form, and replay."""

import json
import math

import pytest

import gcemu
from gcemu import trace
from gcemu.api import replay_trace
from gcemu.golang import curated, randomtrace

T = "type T struct { id int; next *T; buf [48]byte }"


def _state(h):
    """Everything observable about a heap's maps and objects, by object id."""
    out = []
    for m in h.maps:
        chains = []
        for arr in (m.buckets_obj, m.oldbuckets_obj):
            if arr is None:
                chains.append(None)
                continue
            chains.append([(bytes(b.tophash), [repr(k) for k in b.keys],
                            [getattr(e, "id", e) if not isinstance(e, tuple) else repr(e)
                             for e in b.elems]) for b in arr.buckets])
        out.append((m.id, m.count, m.B, m.flags, m.noverflow, m.hash0, m.nevacuate,
                    m.freed, chains))
    out.append(sorted((o.id, o.freed) for o in h.objects.values()))
    return out


def _program(h):
    h.declare(T)
    h.declare("type S struct { p *T; f float64; _ int; n [2]int8 }")
    m = h.make_map("map[string]*T", name="m")
    m2 = h.make_map("map[float64]S", hint=20, name="m2")
    objs = [h.new("T", name=f"v{i}", value={"id": i}) for i in range(30)]
    for i, o in enumerate(objs):
        m[f"k{i}"] = o
    objs[0]["next"] = objs[1]
    for k in list(m)[:3]:
        del m[k]
    m2[float("nan")] = {"p": objs[5], "f": -0.0}
    m2[1.5] = {"p": objs[6], "f": float("inf"), "n": (1, -2)}
    it = m.items()
    next(it)
    m["zz"] = objs[7]
    next(it)
    del it
    h.set_global("g", objs[8])
    h.collect()
    del m["k20"]
    del m["nokey"]
    m.clear()
    h.set_global("m", None)
    h.collect()


def test_records_every_mutator_operation():
    h = gcemu.Heap(model="go")
    _program(h)
    ops = [r["op"] for r in h.trace.records()]
    for op in ("declare", "make", "global", "new", "assign", "store", "delete", "iter",
               "next", "iterend", "clear", "gc"):
        assert op in ops, op
    recs = h.trace.records()
    assert recs[2] == {"op": "make", "id": 1, "type": "map[string]*T", "hint": 0,
                       "name": "m"}
    assert recs[3] == {"op": "global", "name": "m", "value": {"obj": 1}}
    nan = next(r for r in recs if r["op"] == "assign" and r["map"] == 2)
    assert nan["key"] == {"float": "nan"}
    assert nan["value"]["f"] == {"float": "-0"} and "_" not in nan["value"]
    assert len(h.trace) == len(recs)


def test_reads_are_not_recorded_and_trace_can_be_off():
    h = gcemu.Heap(model="go")
    h.declare(T)
    m = h.make_map("map[int64]*T", name="m")
    m[1] = h.new("T")
    n = len(h.trace)
    _ = m[1], m.get(2), 1 in m, len(m)
    assert len(h.trace) == n
    off = gcemu.Heap(model="go", trace=False)
    off.declare(T)
    off.make_map("map[int64]*T", name="m")[1] = off.new("T")
    assert off.trace is None


def test_delete_records_the_key_it_removed():
    h = gcemu.Heap(model="go")
    h.declare(T)
    m = h.make_map("map[int64]int64", name="m")
    m[1000] = 1
    del m[1000]
    del m[5]  # missing: recorded as given
    recs = [r for r in h.trace.records() if r["op"] == "delete"]
    assert [r["key"] for r in recs] == [1000, 5]


def test_iteration_records_each_step_and_the_end():
    h = gcemu.Heap(model="go")
    h.declare(T)
    m = h.make_map("map[int64]*T", name="m")
    for i in range(3):
        m[i] = None
    for k in m:
        m[k + 10] = None  # an operation inside the loop
        break
    recs = h.trace.records()
    ops = [r["op"] for r in recs[-3:]]
    assert ops == ["iter", "assign", "iterend"]
    for _ in m.items():
        pass
    tail = [r["op"] for r in h.trace.records()[len(recs):]]
    assert tail[0] == "iter" and tail[-1] == "iterend"
    assert tail.count("next") == len(m)  # the last step finds nothing more


def test_stepped_gc_is_recorded():
    h = gcemu.Heap(model="go")
    h.declare(T)
    cycle = h.gc()
    cycle.run()
    assert h.trace.records()[-1] == {"op": "gc_start"}


@pytest.mark.parametrize("model", ["go", "scanmap"])
def test_save_load_replay_roundtrip(tmp_path, model):
    h = gcemu.Heap(model=model, seed=7)
    _program(h)
    path = tmp_path / "t.jsonl"
    h.trace.save(path, model=model)
    lines = path.read_text().splitlines()
    assert json.loads(lines[0]) == {"gcemu_trace": 1, "model": model}
    recs = trace.load(path)
    assert recs == h.trace.records()
    h2 = replay_trace(recs, model=model, seed=7)
    assert h2.trace.records() == recs  # the replay records the same trace
    assert _state(h2) == _state(h)


@pytest.mark.parametrize("seed", range(12))
def test_random_and_curated_traces_replay_exactly(seed):
    recs = randomtrace.random_trace(seed)
    h2 = replay_trace(recs, model="go", seed=seed)
    assert h2.trace.records() == recs
    name = sorted(curated.SCENARIOS)[seed % len(curated.SCENARIOS)]
    recs = curated.curated_trace(name)
    assert replay_trace(recs).trace.records() == recs


def test_values_encode_and_decode():
    h = gcemu.Heap(model="go")
    h.declare(T)
    h.declare("type S struct { p *T; f float32; a [2]bool; s string; _ int8 }")
    t = h.type("S")
    o = h.new("T")
    v = t.convert({"p": o, "f": 1.5, "a": [True, False], "s": "x"})
    j = trace.encode(t, v)
    assert j == {"p": {"obj": o.id}, "f": 1.5, "a": [True, False], "s": "x"}
    assert t.convert(trace.decode(t, j, {o.id: o})) == v
    b = h.type("struct { k [3]byte; n int }")
    v = b.convert({"k": b"\x01\x02\xff", "n": 4})
    assert trace.encode(b, v) == {"k": [1, 2, 255], "n": 4}  # a JSON array, as Go writes it
    assert b.convert(trace.decode(b, trace.encode(b, v), {})) == v
    for x, want in ((float("nan"), {"float": "nan"}), (float("inf"), {"float": "+inf"}),
                    (-math.inf, {"float": "-inf"}), (-0.0, {"float": "-0"}), (2.0, 2.0)):
        got = trace.encode_float(x)
        assert got == want
        back = trace.decode_float(got)
        assert (math.isnan(back) and math.isnan(x)) or (back == x and
                                                          math.copysign(1, back)
                                                          == math.copysign(1, x))


def test_bad_files_say_what_is_wrong(tmp_path):
    p = tmp_path / "bad.jsonl"
    p.write_text('{"gcemu_trace": 1}\n{"op": "gc"}\nnot json\n')
    with pytest.raises(trace.TraceError, match="line 3: not JSON"):
        trace.load(p)
    p.write_text('{"gcemu_trace": 99}\n')
    with pytest.raises(trace.TraceError, match="format 99"):
        trace.load(p)
    with pytest.raises(trace.TraceError, match="unknown operation"):
        replay_trace([{"op": "explode"}])
    with pytest.raises(trace.TraceError, match="cannot read"):
        trace.load(tmp_path / "missing.jsonl")


def test_op_text():
    names = {1: "m", 5: "a"}
    assert trace.op_text({"op": "delete", "map": 1, "key": 5}, names) == "delete(m, 5)"
    assert trace.op_text({"op": "assign", "map": 1, "key": "k", "value": {"obj": 5}},
                         names) == 'm["k"] = a'
    assert trace.op_text({"op": "gc"}) == "runtime.GC()"
    assert trace.op_text({"op": "assign", "map": 1, "key": {"float": "nan"},
                          "value": None}, names) == "m[NaN] = null"
