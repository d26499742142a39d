"""The benchmark scripts run end to end (tiny sizes, one repeat): they are not timed
tests, but a script that breaks would only show when someone measures with it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"

RUNS = [
    ("bench_map.py", ["--inserts", "2000", "--models", "go,go-swiss,scanmap"],
     ["Map operations", "Beside the map", "Python memory", "Goals"]),
    ("bench_book.py", ["--entries", "2000", "--models", "go,go-swiss"],
     ["Inserts + deletes", "Beside the map", "Goals"]),
    ("bench_mark.py", ["--entries", "2000", "--step-entries", "200",
                       "--models", "scanmap,go-swiss"], ["Mark vs BFS", "Goals"]),
    ("bench_alloc.py", ["--inserts", "2000", "--models", "go"], ["allocator cost"]),
]


def run(script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(BENCH / script), "--repeat", "1", *args],
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(("script", "args", "tables"), RUNS, ids=[r[0] for r in RUNS])
def test_benchmark_runs_and_prints_its_tables(script, args, tables):
    r = run(script, *args)
    assert r.returncode == 0, r.stderr
    for title in tables:
        assert title in r.stdout, f"{script}: no {title!r} table"
    for model in args[args.index("--models") + 1].split(","):
        assert model in r.stdout


def test_an_unknown_model_is_one_line_and_exit_2():
    r = run("bench_map.py", "--models", "go,gogo")
    assert r.returncode == 2
    assert r.stderr.strip() == ("bench_map.py: --models: unknown model(s) gogo; known: "
                                "scanmap, go, go-swiss, go-swiss-1.27")
    assert r.stdout == ""
