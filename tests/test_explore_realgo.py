"""Every outcome real Go printed is in the set gcemu's exploration reaches.

The real runs are the spec's: programs/concurrency/ch3/main.go, 200 runs per
(version, mode, GOMAXPROCS, Gosched) on go1.23.9, go1.25.5 and go1.27.3
(outputs/ch3_runs.csv, 9,600 rows; go-concurrency.md §4.2). They are read here rather
than rerun: rerunning takes minutes and its rates depend on machine load (§4.2), while
the *set* of outcomes is what gcemu claims. gcemu runs the same four programs with 3
operations per goroutine (examples/ch3_*.py; the iw prefill is a full small group so
that the Swiss map grows under the iterator), dfs with preemption bound 2.

Go 1.23's interleaved double report (``fatal error: fatal error: concurrent map
writes``, two goroutines failing their end checks at once: 1 run of 9,600) is the same
fatal error; gcemu stops at the first report and does not print the second.
"""

import csv
from collections import defaultdict

import pytest
from conftest import SPEC
from test_explore import example

import gcemu

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
