"""MemStats conformance: the spec's Go programs on real go1.23.9, go1.25.5 and go1.27.3 against the
same scenario on gcemu's heap, compared as go-memstats.md §5.4 says: deltas between
consecutive snapshots, Go run 5 times, each gcemu delta inside [Go min - tol, Go max + tol].

The Go programs are the spec's own (``programs/memstats/``: ``snap`` takes allocation-free
snapshots), built with the toolchain of each series. Tolerances (§5.4, steps with no
automatic GC): HeapAlloc 192 B + 5,400 B per runtime thread (k new Ms, seen as Go's
HeapObjects exceeding gcemu's by 5k); HeapObjects, Mallocs, Frees +-2 + 5k; HeapInuse
+-one span per small class touched (exact for large objects); HeapReleased = HeapIdle
after FreeOSMemory within 64 KiB; NumGC exact.
"""

from __future__ import annotations

import itertools
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import SPEC as SPEC_ROOT
from memdrive import TouchRecorder, delta

import gcemu
from gcemu.toolchain import find_toolchain, have_toolchain

SPEC = SPEC_ROOT / "programs" / "memstats"
FIELDS = ("HeapAlloc", "HeapInuse", "HeapIdle", "HeapReleased", "HeapSys", "HeapObjects",
          "Mallocs", "Frees", "NumGC")
RUNS = 5
SERIES = [pytest.param(s, marks=pytest.mark.skipif(not have_toolchain(s),
                                                   reason=f"no Go {s} toolchain"))
          for s in ("1.23", "1.25", "1.27")]
MODEL = {"1.23": "go", "1.25": "go-swiss", "1.27": "go-swiss-1.27"}

pytestmark = pytest.mark.skipif(not SPEC.is_dir(), reason="the spec's programs are not here")


def go_deltas(series: str, program: str, tmp: Path, *args: str,
              programs: Path = SPEC, nruns: int = RUNS) -> list[dict[str, list]]:
    """Per step: each field's Go deltas over ``nruns`` runs (the S rows' differences).

    ``program`` is a directory of ``programs`` (the spec's by default; the tests' own
    under tests/go/memstats/), built in the spec's module beside its snap and mapinfo."""
    tc = find_toolchain(series)
    src = tmp / "src"
    if not src.exists():
        src.mkdir()
        for d in ("snap", "mapinfo"):
            shutil.copytree(SPEC / d, src / d)
        shutil.copy(SPEC / "go.mod", src / "go.mod")
    if not (src / program).exists():
        shutil.copytree(programs / program, src / program)
    exe = tmp / f"{program}-{series}"
    subprocess.run([tc.go, "build", "-o", str(exe), f"./{program}"], cwd=src, env=tc.env(),
                   check=True, capture_output=True, timeout=300)
    runs = []
    for _ in range(nruns):
        out = subprocess.run([str(exe), *args], check=True, capture_output=True, text=True,
                             timeout=120).stdout
        rows = [line.rsplit('"', 1)[1].split() for line in out.splitlines()
                if line.startswith('S "')]
        snaps = [dict(zip(FIELDS, map(int, r[:len(FIELDS)]), strict=True)) for r in rows]
        runs.append([{f: b[f] - a[f] for f in FIELDS} for a, b in itertools.pairwise(snaps)])
    return [{f: [r[i][f] for r in runs] for f in FIELDS} for i in range(len(runs[0]))]


def check(step: str, emu: dict, go: dict, inuse_tol: int, released_after_free: bool,
          emu_after: dict | None = None) -> None:
    """One step: every compared field inside Go's range widened by the §5.4 tolerance."""
    extra_objs = max(0, max(go["HeapObjects"]) - emu["HeapObjects"])
    k = -(-max(0, extra_objs - 2) // 5)              # new Ms the runtime made
    tol = {"HeapAlloc": 192 + 5_400 * k, "HeapObjects": 2 + 5 * k, "Mallocs": 2 + 5 * k,
           "Frees": 2 + 5 * k, "HeapInuse": inuse_tol, "NumGC": 0}
    for f, t in tol.items():
        lo, hi = min(go[f]) - t, max(go[f]) + t
        assert lo <= emu[f] <= hi, (f"{step}: {f} gcemu {emu[f]:+,} vs Go "
                                    f"{min(go[f]):+,}..{max(go[f]):+,} (tol {t:,})")
    if released_after_free:
        assert emu_after["HeapReleased"] == emu_after["HeapIdle"], step


# -- frag (§4.5): 100,000 x [64]byte, every other freed, then the first half -------------

def frag_on_gcemu(series: str) -> tuple[list[dict], list[dict]]:
    h = gcemu.Heap(model=MODEL[series], trace=False)
    h.set_global("objs", h.new("[100000]*[64]byte"))   # the slice's 800,000 B array
    h.collect()
    h.collect()
    snaps = [h.memstats()]
    for i in range(100_000):
        h.set_global(f"o{i}", h.new("[64]byte"))
    snaps.append(h.memstats())
    h.collect()
    snaps.append(h.memstats())
    for i in range(1, 100_000, 2):
        h.set_global(f"o{i}", None)
    h.collect()
    snaps.append(h.memstats())
    h.free_os_memory()
    snaps.append(h.memstats())
    for i in range(0, 50_000, 2):
        h.set_global(f"o{i}", None)
    h.collect()
    snaps.append(h.memstats())
    h.free_os_memory()
    snaps.append(h.memstats())
    for name in list(h.globals):
        h.set_global(name, None)
    h.collect()
    snaps.append(h.memstats())
    h.free_os_memory()
    snaps.append(h.memstats())
    return [delta(a, b) for a, b in itertools.pairwise(snaps)], \
        [s.as_dict() for s in snaps[1:]]


@pytest.mark.parametrize("series", SERIES)
def test_frag_deltas_match_go(series, tmp_path):
    go = go_deltas(series, "frag", tmp_path)
    emu, after = frag_on_gcemu(series)
    assert len(go) == len(emu) == 8
    names = ["100k allocs", "GC all live", "every other freed + GC", "FreeOSMemory",
             "first half freed + GC", "FreeOSMemory", "all dropped + GC", "FreeOSMemory"]
    for i, name in enumerate(names):
        # one small class (64 B noscan); the GC steps also free the 802,816 B slice
        check(name, emu[i], go[i], inuse_tol=8192,
              released_after_free=name == "FreeOSMemory", emu_after=after[i])


# -- ch1 -gcafterinsert (§4.2): map[string]*T, 1000 keys -----------------------------------

def ch1_on_gcemu(series: str) -> tuple[list[dict], list[dict], list[int]]:
    rec = TouchRecorder(series)
    h = gcemu.Heap(model=MODEL[series], trace=False, alloc=rec)
    h.declare("type T struct { id int; next *T; buf [48]byte }")
    h.collect()
    h.collect()
    snaps = [h.memstats()]
    tols = []
    real_memstats = h.memstats

    def memstats():  # each step's HeapInuse tolerance, as the snapshot is taken
        tols.append(rec.inuse_tolerance())
        return real_memstats()
    h.memstats = memstats
    rec.inuse_tolerance()
    m = h.make_map("map[string]*T", name="m")
    for i in range(1000):
        m[f"key{i:04d}"] = h.new("T", value={"id": i})
    snaps.append(h.memstats())
    h.collect()
    snaps.append(h.memstats())
    for i in range(1000):
        del m[f"key{i:04d}"]
    snaps.append(h.memstats())
    h.collect()
    snaps.append(h.memstats())
    h.free_os_memory()
    snaps.append(h.memstats())
    h.set_global("m", None)
    h.collect()
    snaps.append(h.memstats())
    h.free_os_memory()
    snaps.append(h.memstats())
    return [delta(a, b) for a, b in itertools.pairwise(snaps)], \
        [s.as_dict() for s in snaps[1:]], tols


CH1_STEPS = ["1000 inserts", "inserts + GC", "delete 1000", "delete + GC", "FreeOSMemory",
             "m=nil + GC", "m=nil + FreeOSMemory"]


@pytest.fixture(scope="module")
def ch1_runs(tmp_path_factory):
    """series -> (Go's deltas, gcemu's deltas, gcemu's snapshots), computed once."""
    done = {}

    def get(series):
        if series not in done:
            go = go_deltas(series, "ch1", tmp_path_factory.mktemp("ch1"), "-gcafterinsert")
            done[series] = (go, *ch1_on_gcemu(series))
        return done[series]
    return get


@pytest.mark.parametrize("series", SERIES)
@pytest.mark.parametrize("step", CH1_STEPS)
def test_ch1_gcafterinsert_deltas_match_go(series, step, ch1_runs):
    go, emu, after, tols = ch1_runs(series)
    i = CH1_STEPS.index(step)
    # HeapInuse: one span per small span class the step touched in gcemu (16 B keys,
    # 64 B values, the map's buckets, groups and arrays up to 28,672 B: 7-page spans);
    # large arrays to the page
    check(step, emu[i], go[i], inuse_tol=tols[i],
          released_after_free="FreeOSMemory" in step, emu_after=after[i])
