"""gofront with goroutines: the article's chapter-3 and chapter-4 programs as Go files,
explored by gcemu (every schedule up to 2 preemptions) and run by real go1.23.9, whose
observed outcome must be one of the explored ones; `gcemu run` runs one schedule."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import gcemu
from gcemu.gofront.scenario import go_scenario
from gcemu.toolchain import find_toolchain, have_toolchain

EXAMPLES = Path(__file__).parent.parent / "examples"
FATAL_WRITES = "fatal error: concurrent map writes"
pytestmark = pytest.mark.skipif(not have_toolchain("1.23"), reason="no Go 1.23 toolchain")


def explored(name: str, gomaxprocs: int) -> Any:
    scenario, _ = go_scenario(EXAMPLES / name)
    return gcemu.explore(scenario, model="go", strategy="dfs", max_preemptions=2,
                         gomaxprocs=gomaxprocs)


def go_outcomes(name: str, tmp: Path, runs: int = 5) -> set[str]:
    """Real Go's last words over ``runs`` runs at GOMAXPROCS=2 (ok, or its fatal line)."""
    tc = find_toolchain("1.23")
    exe = tmp / name.removesuffix(".go")
    subprocess.run([tc.go, "build", "-o", str(exe), str(EXAMPLES / name)], env=tc.env(),
                   check=True, capture_output=True, timeout=300)
    seen = set()
    for _ in range(runs):
        r = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60,
                           env={"GOMAXPROCS": "2", "PATH": "/usr/bin:/bin"})
        seen.add("ok" if r.returncode == 0 else r.stderr.splitlines()[0].strip())
    return seen


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gcemu", *args], capture_output=True,
                          text=True, timeout=120)


def test_ch3_writers_explored_outcomes_contain_gos(tmp_path):
    ex = explored("ch3_writers.go", gomaxprocs=2)
    assert ex.complete and set(ex.outcomes) == {"ok", FATAL_WRITES}
    assert ex.needs_parallelism(FATAL_WRITES) and not ex.needs_parallelism("ok")
    assert ex.races  # the ok runs race, as -race reports in every run (§3.3)
    assert go_outcomes("ch3_writers.go", tmp_path) <= set(ex.outcomes)


def test_ch3_writers_never_dies_at_gomaxprocs_1():
    ex = explored("ch3_writers.go", gomaxprocs=1)
    assert ex.complete and set(ex.outcomes) == {"ok"}


def test_ch4_rwmutex_fix_is_always_ok_and_race_free(tmp_path):
    ex = explored("ch4_rwmutex.go", gomaxprocs=2)
    assert ex.complete and set(ex.outcomes) == {"ok"} and not ex.races
    assert go_outcomes("ch4_rwmutex.go", tmp_path) == {"ok"}


@pytest.mark.parametrize(("name", "printed"), [("ch3_writers.go", "len 3\n"),
                                               ("ch4_rwmutex.go", "len 6\n")])
def test_run_follows_one_schedule_and_prints_what_go_prints(name, printed):
    r = cli("run", str(EXAMPLES / name), "--model", "go")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(printed)
    tc = find_toolchain("1.23")
    # gcemu run follows one GOMAXPROCS=1 schedule; at 2, real Go may die of the race
    go = subprocess.run([tc.go, "run", str(EXAMPLES / name)],
                        env={**tc.env(), "GOMAXPROCS": "1"}, text=True,
                        capture_output=True, timeout=300)
    assert go.stdout == printed, go.stderr


def test_run_deadlock_exits_as_go(tmp_path):
    prog = tmp_path / "dead.go"
    prog.write_text("package main\n\nfunc main() {\n\tch := make(chan int)\n"
                    "\tgo func() {}()\n\t<-ch\n}\n")
    r = cli("run", str(prog), "--model", "go")
    assert r.returncode == 2
    assert r.stderr.strip() == "fatal error: all goroutines are asleep - deadlock!"


def test_explore_cli_takes_a_go_program():
    r = cli("explore", str(EXAMPLES / "ch3_writers.go"), "--model", "go")
    assert r.returncode == 0, r.stderr
    assert FATAL_WRITES in r.stdout and "[needs GOMAXPROCS>=2]" in r.stdout
