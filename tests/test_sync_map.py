"""sync.Map (h.sync_map) against real Go: which GC frees a deleted key and value.

The real runs are the spec's: programs/concurrency/syncmapgc/main.go, ten scenarios on
four builds (outputs/syncmapgc.txt; go-concurrency.md §6.3). After every step the Go
program runs the GC and prints which keys (``K<i>``) and values (``V<v>``) have been
finalized. Here the same steps run on ``h.sync_map("*K", "*V")`` and ``h.collect()``
after each step must free exactly the objects Go finalized: the retention comes from
the marker tracing gcemu's own read/dirty maps (Go 1.23, and Go 1.25 built with
GOEXPERIMENT=nosynchashtriemap, run here under model ``go``: same sync.Map code) or
trie (Go 1.24+), not from a rule. Also: Load/LoadOrStore/Swap/LoadAndDelete/Range
results against a dict (hypothesis), and the fixes under goroutines.
"""

import re

import pytest
from conftest import SPEC
from hypothesis import given, settings
from hypothesis import strategies as st

import gcemu

OUT = SPEC / "programs" / "concurrency" / "outputs" / "syncmapgc.txt"
BUILD_MODEL = {"go123": "go", "go125-nosynchashtriemap": "go", "go125": "go-swiss",
               "go127": "go-swiss-1.27"}
STRUCTS = "type K struct { id int; pad [48]byte }\ntype V struct { id int; pad [48]byte }"


def real_runs():
    """(build, scenario) -> [(step, result text, finalized set)], from Go's output."""
    runs, build, cur = {}, None, None
    for line in OUT.read_text().splitlines():
        if line.startswith("################ build: syncmapgc-"):
            build = line.split("syncmapgc-")[1]
        elif "scenario=" in line:
            cur = runs.setdefault((build, re.search(r"scenario=(\S+)", line)[1]), [])
        elif m := re.match(r"  after (\S+)\s+(-> \S+)?\s*finalized: (\S+)$", line):
            fin = set() if m[3] == "-" else set(m[3].split(","))
            cur.append((m[1], (m[2] or "").removeprefix("-> "), fin))
        elif m := re.match(r"  after dropping .* finalized: (\S+)$", line):
            cur.append(("drop1", "", set() if m[1] == "-" else set(m[1].split(","))))
    return runs


RUNS = real_runs() if OUT.exists() else {}


def ranged(sm):
    """What ``sm.Range`` visits, as a dict."""
    seen = {}
    sm.Range(seen.__setitem__)
    return seen


def run_steps(model, scenario, steps):
    """main.go's loop on gcemu: [(step, result text, freed set)] after each step."""
    h = gcemu.Heap(model=model, gogc=None)
    h.declare(STRUCTS)
    sm = h.sync_map("*K", "*V", name="m")
    objs, deleted, out = {}, set(), []

    def key(i):
        return h.get_global(f"keys[{i}]")

    for s in steps:
        res = ""
        if s == "drop1":
            h.set_global("keys[1]", None)
        elif s[0] == "S":
            i, v = map(int, s[1:].split(":"))
            if key(i) is None:
                h.set_global(f"keys[{i}]", objs.setdefault(f"K{i}", h.new("K", value={"id": i})))
            objs[f"V{v}"] = h.new("V", value={"id": v})
            sm.Store(key(i), objs[f"V{v}"])
            deleted.discard(i)
        elif s[0] == "L":
            res = f"found={str(sm.Load(key(int(s[1:])))[1]).lower()}"
        elif s[0] in "DX":
            i = int(s[1:])
            loaded = sm.LoadAndDelete(key(i))[1]
            deleted.add(i)
            res = f"loaded={str(loaded).lower()}" if s[0] == "X" else ""
        elif s == "R":
            res = f"visited={len(ranged(sm))}"
        elif s == "C":
            sm.Clear()
            deleted |= {int(g[5:-1]) for g in h.globals if g.startswith("keys[")}
        if not scenario.startswith("s10"):
            for i in deleted:
                h.set_global(f"keys[{i}]", None)
        h.collect()
        out.append((s, res, {n for n, o in objs.items() if o.freed}))
    return out


@pytest.mark.skipif(not RUNS, reason="the spec's outputs/syncmapgc.txt is not here")
@pytest.mark.parametrize("build,scenario", sorted(RUNS))
def test_the_gc_frees_what_real_go_finalized(build, scenario):
    real = RUNS[(build, scenario)]
    got = run_steps(BUILD_MODEL[build], scenario, [s for s, _, _ in real])
    assert got == real


def test_retention_after_delete_is_the_markers():
    """§6.3 s2 under Go 1.23: the key stays because read.m holds it, and the report
    says so (a path through sync_readOnly's map), not a rule."""
    h = gcemu.Heap(model="go", gogc=None)
    h.declare(STRUCTS)
    sm = h.sync_map("*K", "*V", name="m")
    k, v = h.new("K"), h.new("V")
    sm.Store(k, v)
    sm.Load(k)
    sm.Delete(k)
    assert sm.Load(k) == (None, False)  # the article's "stale entry" claim is false
    h.set_global("k", k)
    h.set_global("k", None)
    r = h.collect()
    assert r.collected(v) and r.retained(k)
    assert "sync_readOnly" in str(r.why(k))


OPS = st.lists(st.tuples(st.sampled_from("SLODXR"), st.integers(0, 5)), max_size=25)


@pytest.mark.parametrize("model", ["go", "go-swiss"])
@settings(max_examples=40, deadline=None)
@given(ops=OPS)
def test_results_match_a_dict_and_values_are_released(model, ops):
    h = gcemu.Heap(model=model, gogc=None)
    h.declare(STRUCTS)
    sm = h.sync_map("string", "*V", name="m")
    ref, vals = {}, []
    for op, i in ops:
        k = f"k{i}"
        if op == "S":
            vals.append(h.new("V"))
            assert sm.Swap(k, vals[-1]) == (ref.get(k), k in ref)
            ref[k] = vals[-1]
        elif op == "L":
            assert sm.Load(k) == (ref.get(k), k in ref)
        elif op == "O":
            vals.append(h.new("V"))
            assert sm.LoadOrStore(k, vals[-1]) == (ref.get(k, vals[-1]), k in ref)
            ref.setdefault(k, vals[-1])
        elif op in "DX":
            assert sm.LoadAndDelete(k) == (ref.get(k), k in ref)
            ref.pop(k, None)
        else:
            assert ranged(sm) == ref
    r = h.collect()
    assert {id(v) for v in vals if r.retained(v)} == {id(v) for v in ref.values()}


def test_bad_types_are_one_error_line():
    h = gcemu.Heap(model="go")
    with pytest.raises(gcemu.errors.GcemuError, match=r"sync_map\('nope', 'int'\)"):
        h.sync_map("nope", "int")


@pytest.mark.parametrize("model", ["go", "go-swiss"])
def test_concurrent_use_is_ok_under_every_schedule(model):
    """The fix of §4.6: two goroutines storing, loading and deleting through one
    sync.Map never die, whatever the schedule (dfs, preemption bound 2)."""
    def scenario(h):
        sm = h.sync_map("int", "int", name="m")
        wg = h.waitgroup()
        wg.Add(2)

        def worker(base):
            sm.Store(base, 1)
            sm.Store(base + 1, 2)
            sm.Load(base)
            sm.Delete(base)
            wg.Done()
        h.go(worker, 0)
        h.go(worker, 100)
        wg.Wait()
        sm.Range(lambda k, v: None)
    ex = gcemu.explore(scenario, model=model, max_preemptions=2)
    assert set(ex.outcomes) == {"ok"}
    assert not ex.races
