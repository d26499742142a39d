"""The schedule explorer against go-concurrency.md: outcome sets of the chapter-3
programs and chapter-4 fixes (examples/ch3_*, ch4_*), GOMAXPROCS=1's rule, replay,
the race report, the strategies and the budget errors."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

import gcemu
from gcemu.sched.explore import ExploreError
from gcemu.sched.schedule import Schedule

EXAMPLES = Path(__file__).parent.parent / "examples"
MODELS = ("go", "go-swiss", "go-swiss-1.27")
OK = "ok"
WRITES = "fatal error: concurrent map writes"
READ = "fatal error: concurrent map read and map write"
ITER = "fatal error: concurrent map iteration and map write"
DEADLOCK = "fatal error: all goroutines are asleep - deadlock!"


def example(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.scenario


CH3 = {"ch3_ww": WRITES, "ch3_rw": READ, "ch3_iw": ITER, "ch3_dw": WRITES}


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("name", sorted(CH3))
def test_chapter3_programs_die_only_with_two_processors(name, model):
    two = gcemu.explore(example(name), model=model, gomaxprocs=2, max_preemptions=2)
    # Go 1.24+: an iterator following a grown table also checks in getWithKey (§2.2)
    extra = {READ} if name == "ch3_iw" and model != "go" else set()
    assert two.complete and set(two.outcomes) == {OK, CH3[name]} | extra
    # the fatal needs a switch inside a map call: real Go needs GOMAXPROCS >= 2 (§1.5)
    assert two.needs_parallelism(CH3[name]) and not two.needs_parallelism(OK)
    one = gcemu.explore(example(name), model=model, gomaxprocs=1, max_preemptions=2)
    assert set(one.outcomes) == {OK}  # 0 of 4,800 real runs died (§4.2)
    assert one.races and two.races  # ... and every one of them raced (§3.3)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("name", ["ch4_mutex", "ch4_rwmutex", "ch4_syncmap"])
def test_chapter4_fixes_reach_only_ok_and_never_race(name, model):
    for p in (1, 2):
        ex = gcemu.explore(example(name), model=model, gomaxprocs=p, max_preemptions=2)
        assert ex.complete and set(ex.outcomes) == {OK} and not ex.races, (p, ex.lines())


def test_recursive_read_lock_deadlocks_when_a_writer_waits():
    ex = gcemu.explore(example("ch4_rlock_twice"), gomaxprocs=1, max_preemptions=2)
    assert set(ex.outcomes) == {OK, DEADLOCK}
    run = gcemu.replay(example("ch4_rlock_twice"), ex.schedules[DEADLOCK])
    assert run.outcome == DEADLOCK


@pytest.mark.parametrize("model", MODELS)
def test_every_shortest_schedule_replays_to_its_outcome(model):
    scn = example("ch3_ww")
    ex = gcemu.explore(scn, model=model, max_preemptions=2)
    for outcome, sched in ex.schedules.items():
        text = str(sched)
        assert Schedule.parse(text) == sched
        assert gcemu.replay(scn, text, model=model).outcome == outcome


def one_write_each(h):
    m = h.make_map("map[int]int", name="m")
    wg = h.waitgroup()
    wg.Add(2)

    def w(k):
        m[k] = 1
        wg.Done()

    h.go(w, 1)
    h.go(w, 2)
    wg.Wait()


def test_classic_forced_clear_catches_a_schedule_the_swiss_toggle_misses():
    """§2.5's minimal schedule A.chk B.chk A.xor A.body A.chk_end B.xor A.clr B.body
    B.chk_end: Go 1.23's ``&^=`` clears B's bit, so B dies at its end check; Go 1.24+'s
    second XOR sets it again and B passes. Goroutine 2 is A, 3 is B; main (1) adds to
    the WaitGroup and waits; the first 2 and 3 run each goroutine to its first point."""
    sched = "1 1 2 3 2 3 2 2 2 3 2 3 3"
    classic = gcemu.replay(one_write_each, sched, model="go")
    assert classic.outcome == WRITES
    assert classic.steps()[-1] == (3, "mapassign m: end check")
    for model in ("go-swiss", "go-swiss-1.27"):
        assert gcemu.replay(one_write_each, sched, model=model).outcome == OK


def test_preemption_bound_grows_the_explored_set():
    counts = [gcemu.explore(example("ch3_ww"), max_preemptions=b).runs for b in (0, 1, 2)]
    assert counts[0] < counts[1] < counts[2]
    assert set(gcemu.explore(example("ch3_ww"), max_preemptions=0).outcomes) == {OK}


@pytest.mark.parametrize("strategy", ["random", "pct"])
def test_random_strategies_are_seeded_and_find_the_fatal(strategy):
    a = gcemu.explore(example("ch3_ww"), strategy=strategy, runs=300, seed=7)
    b = gcemu.explore(example("ch3_ww"), strategy=strategy, runs=300, seed=7)
    assert a.outcomes == b.outcomes and a.runs == 300
    assert WRITES in a.outcomes


def test_race_report_names_the_map_and_both_goroutines():
    ex = gcemu.explore(example("ch3_ww"), gomaxprocs=1, max_preemptions=0)
    reports = [str(r) for run in ex.races for r in run.reports]
    assert any("map m" in r and "goroutine 3" in r and "goroutine 2" in r for r in reports)
    # the user-code value stores to the same keys race too (§1.3)
    assert any("value store" in r for r in reports)


def test_a_goroutine_that_raises_is_one_error_line_and_keeps_the_partial_result():
    def bad(h):
        def boom():
            raise ValueError("oops")
        h.go(boom)
        h.make_map("map[int]int")[1] = 1  # a step point: only a preemption runs boom

    with pytest.raises(ExploreError, match="goroutine 2 raised ValueError: oops") as e:
        gcemu.explore(bad)
    assert e.value.exploration.outcomes == {"ok": 1}  # the run before the bad one


def test_step_budget_and_run_budget():
    def spin(h):
        while True:
            h.gosched()

    ex = gcemu.explore(spin, max_steps=50)
    assert set(ex.outcomes) == {"exceeded max steps"}
    with pytest.raises(ExploreError, match="did not finish within 10 schedules") as e:
        gcemu.explore(example("ch3_ww"), max_runs=10)
    assert e.value.exploration.runs == 10


def test_bad_arguments():
    with pytest.raises(gcemu.GcemuError, match="unknown strategy"):
        gcemu.explore(one_write_each, strategy="bfs")
    with pytest.raises(gcemu.GcemuError, match="schedule word 2"):
        Schedule.parse("1x2 zz")
    with pytest.raises(gcemu.GcemuError, match="cannot run there"):
        gcemu.replay(one_write_each, "1 5")
    with pytest.raises(gcemu.GcemuError, match=r"only under gcemu\.explore"):
        gcemu.Heap().go(print)


def test_cli_explore_prints_outcomes_and_keeps_partial_results_on_exit_2():
    def cli(*args):
        return subprocess.run([sys.executable, "-m", "gcemu", "explore", *args],
                              capture_output=True, text=True, env=os.environ | {"NO_COLOR": "1"})

    ok = cli(str(EXAMPLES / "ch3_ww.py"), "--model", "go")
    assert ok.returncode == 0 and "fatal error: concurrent map writes" in ok.stdout
    assert "[needs GOMAXPROCS>=2]" in ok.stdout
    part = cli(str(EXAMPLES / "ch3_ww.py"), "--max-runs", "3")
    assert part.returncode == 2 and "3 schedules (dfs, partial)" in part.stdout
    assert part.stderr.strip().count("\n") == 0 and "did not finish" in part.stderr


def test_cli_step_replays_a_schedule_one_lane_per_goroutine():
    """`gcemu step SCENARIO --schedule S`: the explorer's shortest fatal schedule,
    stepped from a pipe; each row in the lane of the goroutine that ran."""
    def step(schedule, commands):
        return subprocess.run(
            [sys.executable, "-m", "gcemu", "step", str(EXAMPLES / "ch3_ww.py"), "--model",
             "go", "--schedule", schedule], input=commands, capture_output=True, text=True,
            env=os.environ | {"NO_COLOR": "1"})

    ex = gcemu.explore(example("ch3_ww"), model="go", max_preemptions=1)
    shortest = str(ex.schedules[WRITES])
    out = step(shortest, "next 2\nrun\n")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    header = next(line for line in lines if line.startswith("step "))
    rows = [line for line in lines if line[:4].strip().isdigit()]
    run = gcemu.replay(example("ch3_ww"), shortest, model="go")
    assert len(rows) == len(run.steps())
    for row, (g, label) in zip(rows, run.steps(), strict=True):
        assert row.index(label) == header.index(f"g{g}")  # the goroutine's lane
    assert f"outcome: {WRITES}" in out.stdout
    bad = step("1 zz", "")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "'zz'" in bad.stderr
    over = step(shortest, "run\nnext\n")
    assert over.returncode == 2 and "the run is over" in over.stderr
