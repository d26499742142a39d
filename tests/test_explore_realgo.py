"""Every outcome real Go printed is in the set gcemu's exploration reaches, and the
fixes reach only "ok" on both.

The real runs are the spec's: programs/concurrency/ch3/main.go, 200 runs per
(version, mode, GOMAXPROCS, Gosched) on go1.23.9, go1.25.5 and go1.27.3
(outputs/ch3_runs.csv, 9,600 rows; go-concurrency.md §4.2). They are read here rather
than rerun: rerunning takes minutes and its rates depend on machine load (§4.2), while
the *set* of outcomes is what gcemu claims. gcemu runs the same four programs with 3
operations per goroutine (examples/ch3_*.py; the iw prefill is a full small group so
that the Swiss map grows under the iterator), dfs with preemption bound 2.

The second half reruns them: it builds the spec's ch3 and fixes programs with Go 1.23
and 1.25 (gcemu.toolchain.find_toolchain) and runs each mode a few times at GOMAXPROCS=2
and 1 (no Gosched), against the same explorations.

Go 1.23's interleaved double report (``fatal error: fatal error: concurrent map
writes``, two goroutines failing their end checks at once: 1 run of 9,600) is the same
fatal error; gcemu stops at the first report and does not print the second.
"""

import csv
import functools
import os
import subprocess
from collections import defaultdict

import pytest
from conftest import SPEC
from test_explore import example

import gcemu
from gcemu.toolchain import find_toolchain, have_toolchain

CSV = SPEC / "programs" / "concurrency" / "outputs" / "ch3_runs.csv"
MODEL = {"go1.23.9": "go", "go1.25.5": "go-swiss", "go1.27.3": "go-swiss-1.27"}


def real_outcomes():
    out = defaultdict(set)
    with CSV.open() as f:
        for row in csv.DictReader(f):
            o = row["outcome"]
            if o == "clean":
                o = "ok"
            else:
                o = "fatal error: " + o.removeprefix("fatal: ").removeprefix("fatal error: ")
            out[(row["version"], row["mode"], int(row["GOMAXPROCS"]))].add(o)
    return out


REAL = real_outcomes() if CSV.exists() else {}


@pytest.mark.skipif(not REAL, reason="the spec's outputs/ch3_runs.csv is not here")
@pytest.mark.parametrize("key", sorted(REAL))
def test_real_go_outcomes_are_in_the_explored_set(key):
    version, mode, procs = key
    ex = gcemu.explore(example(f"ch3_{mode}"), model=MODEL[version], gomaxprocs=procs,
                       max_preemptions=2)
    assert REAL[key] <= set(ex.outcomes), (key, REAL[key], dict(ex.outcomes))
    if procs == 1:  # and gcemu, like real Go, cannot die there
        assert set(ex.outcomes) == {"ok"}


# -- rerun on real Go: the spec's programs, built here ---------------------------------
PROGRAMS = SPEC / "programs" / "concurrency"
SERIES = {"1.23": "go", "1.25": "go-swiss"}
RUNS = 8  # per (series, mode, GOMAXPROCS): real Go dies in most GOMAXPROCS=2 runs (§4.2)
FIX_EXAMPLE = {"ww-mutex": "ch4_mutex", "dw-mutex": "ch4_mutex", "rw-rwmutex": "ch4_rwmutex",
               "iw-rwmutex": "ch4_rwmutex", "ww-syncmap": "ch4_syncmap",
               "iw-syncmap": "ch4_syncmap", "dw-syncmap": "ch4_syncmap"}


def go_outcome(rc, out, err):
    """Go's last words, as gcemu names outcomes (the spec's run_ch3.py classify)."""
    for line in err.splitlines():
        if line.startswith(("fatal error: ", "panic: ")):
            # go1.23's interleaved double report is one fatal error (see above)
            return "fatal error: " + line.rsplit("fatal error: ", 1)[1] \
                if line.startswith("fatal") else line
    return "ok" if rc == 0 and out.startswith("clean") else f"other rc={rc}: {err[-200:]}"


@pytest.fixture(scope="module")
def binaries(tmp_path_factory):
    """ch3 and fixes built with each series' toolchain: {(series, program): path}."""
    if not (PROGRAMS / "ch3" / "main.go").exists():
        pytest.skip("the spec's programs/concurrency is not here")
    out = {}
    d = tmp_path_factory.mktemp("concurrency")
    for series in SERIES:
        if not have_toolchain(series):
            continue
        tc = find_toolchain(series)
        for prog in ("ch3", "fixes"):
            path = d / f"{prog}-{series}"
            subprocess.run([tc.go, "build", "-o", str(path), f"./{prog}"], cwd=PROGRAMS,
                           env=tc.env(), check=True, capture_output=True, timeout=300)
            out[(series, prog)] = path
    if not out:
        pytest.skip("no Go 1.23 or 1.25 toolchain")
    return out


def run_real(path, mode, procs):
    outcomes = set()
    env = dict(os.environ, GOMAXPROCS=str(procs))
    for _ in range(RUNS):
        p = subprocess.run([str(path), mode], env=env, capture_output=True, text=True,
                           timeout=60)
        outcomes.add(go_outcome(p.returncode, p.stdout, p.stderr))
    return outcomes


@functools.cache
def explored(name, model, procs):
    return set(gcemu.explore(example(name), model=model, gomaxprocs=procs,
                             max_preemptions=2).outcomes)


@pytest.mark.parametrize("procs", [2, 1])
@pytest.mark.parametrize("series", sorted(SERIES))
def test_rerun_real_go_outcomes_are_in_the_explored_set(binaries, series, procs):
    if (series, "ch3") not in binaries:
        pytest.skip(f"no Go {series} toolchain")
    for mode in ("ww", "rw", "iw", "dw"):
        real = run_real(binaries[(series, "ch3")], mode, procs)
        assert real <= explored(f"ch3_{mode}", SERIES[series], procs), (mode, real)


@pytest.mark.parametrize("series", sorted(SERIES))
def test_rerun_real_go_fixes_are_clean_as_gcemus(binaries, series):
    if (series, "fixes") not in binaries:
        pytest.skip(f"no Go {series} toolchain")
    for mode, name in FIX_EXAMPLE.items():
        for procs in (2, 1):
            assert run_real(binaries[(series, "fixes")], mode, procs) == {"ok"}, mode
            assert explored(name, SERIES[series], procs) == {"ok"}, (name, procs)
