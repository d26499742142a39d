"""Traces with goroutines under a forced schedule (GOMAXPROCS=1, explicit Gosched),
against real Go 1.23 (gcemu.golang.forced, gcemu.sched.runq; docs/conformance.md).

The Go tests need a Go 1.23 toolchain and are skipped, saying so, without one.
"""

from __future__ import annotations

import pytest

from gcemu import toolchain
from gcemu.errors import GcemuError
from gcemu.golang import forced
from gcemu.sched.runq import GoRunQueue
from gcemu.sched.strategy import Replay
from gcemu.trace import MAP_OPS

needs_go = pytest.mark.skipif(not toolchain.have_toolchain(),
                              reason="no Go 1.23 toolchain found: " + toolchain.HOW_TO_GET)


# -- scenarios ----------------------------------------------------------------------
def two_writers(h):
    """The article's two writers, three inserts each, a Gosched after each."""
    m = h.make_map("map[string]int", name="m")
    wg = h.waitgroup()

    def writer(gid):
        for j in range(3):
            m[f"k{gid}-{j}"] = gid
            h.gosched()
        wg.Done()
    wg.Add(2)
    h.go(writer, 1)
    h.go(writer, 2)
    wg.Wait()
    h.collect()


def grow_delete_range(h):
    """Three goroutines of uneven lengths: two grow a shared map (B 0 -> 3) through
    each other's yields, one deletes, one ranges with a Gosched after every step (its
    iterator alive across the others' growth) and spawns a goroutine of its own;
    objects as values, a GC point at the end."""
    h.declare("type T struct { id int }")
    m = h.make_map("map[int64]*T", name="m")
    wg = h.waitgroup()

    def filler(base, n):
        for j in range(n):
            m[base + j] = h.new("T", value={"id": base + j})
            if j % 3 == 2:
                h.gosched()
        wg.Done()

    def deleter():
        for j in range(0, 12, 2):
            del m[j]
            h.gosched()
        wg.Done()

    def ranger():
        wg.Add(1)
        h.go(filler, 200, 7)
        for _k, _v in m.items():
            h.gosched()
        wg.Done()

    for j in range(12):
        m[j] = h.new("T", value={"id": j})
    wg.Add(3)
    h.go(filler, 100, 25)
    h.go(deleter)
    h.go(ranger)
    wg.Wait()
    h.set_global("m", None)
    h.collect()


# -- without Go ---------------------------------------------------------------------
def test_runq_runs_the_last_spawned_goroutine_first():
    """newproc puts the new goroutine in runnext, kicking the previous one to the
    local queue: after main parks, the last `go` runs first, then the others in
    order; a Gosched-ing goroutine goes to the global queue, behind the local one."""
    q = GoRunQueue()
    q.start()
    assert q.choose(1, [1, 2, 3, 4], free=False) == 1  # no preemption with one P
    assert q.choose(1, [2, 3, 4], free=True) == 4      # main parked: runnext
    assert q.choose(4, [2, 3, 4], free=True) == 2      # 4 yields: local queue head
    assert q.choose(2, [2, 3, 4], free=True) == 3
    assert q.choose(3, [2, 3, 4], free=True) == 4      # local empty: the global queue
    assert list(q.local) == [2, 3]                     # globrunqget moved the rest


def test_runq_fairness_takes_the_global_queue_every_61_ticks():
    q = GoRunQueue(schedtick=60)
    q.start()
    q.choose(1, [1, 2], free=False)  # 2 goes to runnext
    assert q.choose(1, [1, 2], free=True) == 2  # from runnext: the tick is inherited
    q.choose(2, [1, 2, 3], free=False)          # 3 spawned: runnext
    # schedtick 60 -> 61 on a non-runnext pick is not yet due; at 61 % 61 == 0 the
    # global queue (1, then 2 after its Gosched) is served before runnext
    assert q.choose(2, [1, 2, 3], free=True) == 3
    q.schedtick = 61
    assert q.choose(3, [1, 2, 3], free=True) == 1


def test_forced_run_records_the_goroutines_actions():
    run = forced.run_forced(two_writers)
    assert run.outcome == "ok"
    assert [g for g, _ in run.order] == [1, 1, 3, 2, 3, 2, 3, 2, 1]
    assert [i for _, i in run.order] == list(range(len(run.records)))
    assert run.actions[1][2:5] == [("go", 2), ("go", 3), ("wait",)]
    assert run.actions[2].count(("gosched",)) == 3
    src = forced.order_program(run)
    assert "runtime.GOMAXPROCS(1)" in src and src.count("runtime.Gosched()") == 6


def test_forced_run_refuses_what_the_order_program_cannot_express():
    def with_mutex(h):
        mu = h.mutex()
        mu.Lock()
        h.go(lambda: mu.Lock())
        h.gosched()
        mu.Unlock()

    with pytest.raises(GcemuError, match=r"parks on sync\.Mutex\.Lock"):
        forced.run_forced(with_mutex)

    def fatal(h):
        m = h.make_map("map[int]int", name="m")
        m[1] = 1
        h.go(lambda: m.__setitem__(2, 2))
        wg = h.waitgroup()
        wg.Add(1)  # nobody calls Done: Go's deadlock
        wg.Wait()

    with pytest.raises(GcemuError, match="ended with"):
        forced.run_forced(fatal)


# -- on real Go ---------------------------------------------------------------------
def _go_orders(run, judge, want=None, tries=5):
    """``judge`` of the order Go ran, for up to ``tries`` runs until it gives ``want``.
    GOMAXPROCS=1 runs the order the run queues give unless sysmon preempts a goroutine
    that ran 10 ms (runtime/proc.go: forcePreemptNS), which a loaded machine can cause;
    so one run of a few is enough."""
    out = []
    for _ in range(tries):
        out.append(judge(forced.go_order(run)))
        if out[-1] == want:
            break
    return out

@needs_go
@pytest.mark.parametrize("scenario", [two_writers, grow_delete_range],
                         ids=lambda f: f.__name__)
def test_go_runs_the_forced_order_and_the_states_agree(scenario):
    run = forced.run_forced(scenario)
    assert len({g for g, _ in run.order}) >= 3
    diffs = _go_orders(run, lambda theirs: forced.first_difference(run.order, theirs))
    assert None in diffs, diffs
    res = forced.check_states(scenario.__name__, run)
    assert res.ok, str(res)
    assert res.map_ops == sum(r["op"] in MAP_OPS for r in run.records)
    assert res.gc_points == 1


@needs_go
def test_a_wrong_run_queue_is_caught():
    """The order check can fail: the explorer's default order (round robin in id
    order, `gcemu.sched.strategy`) runs goroutine 2 first after main parks; Go runs
    the last spawned first (runnext)."""
    run = forced.run_forced(two_writers, strategy=Replay(()))
    assert [g for g, _ in run.order][2:4] == [2, 3]
    wrong = "step 2: gcemu ran op 2 on goroutine 2, Go ran op 3 on goroutine 3"
    diffs = _go_orders(run, lambda theirs: forced.first_difference(run.order, theirs),
                       want=wrong)
    assert wrong in diffs, diffs
