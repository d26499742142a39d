"""The GC's mark worker as a goroutine of the schedule (gcemu.sched.markworker):
explored with two writers, every schedule passes mark termination's check (no
black -> white), a key deleted while marking survives as floating garbage, one
deleted before the cycle is freed by it, and the next cycle frees the floating one.
Without the write barrier the same exploration finds a black -> white edge, so the
check can fail."""

from collections import Counter

import pytest

import gcemu
from gcemu.sched.explore import ExploreError
from gcemu.sched.explore import explore as explore_with
from gcemu.sched.markworker import WAIT_FOR_GC

MODELS = ("go", "go-swiss")


def writers_and_gc(seen):
    """Two writers under a mutex (one deletes t0 from a, one moves t1 from a to b)
    and runtime.GC() in main; records each run's cycle and what it did to t0, t1."""

    def scenario(h):
        h.declare("type T struct { id int }")
        a = h.make_map("map[int]*T", name="a")
        b = h.make_map("map[int]*T", name="b")
        a[0] = h.new("T", name="t0")
        a[1] = h.new("T", name="t1")
        mu = h.mutex()
        wg = h.waitgroup()
        wg.Add(2)

        def deleter():
            mu.Lock()
            del a[0]
            mu.Unlock()
            wg.Done()

        def mover():
            mu.Lock()
            b[1] = a[1]
            del a[1]
            mu.Unlock()
            wg.Done()

        h.go(deleter)
        h.go(mover)
        cycle = h.go_gc()
        wg.Wait()
        t0, t1 = h.named("t0"), h.named("t1")
        rep = cycle.report
        after = h.collect()
        seen.append((cycle.done, rep.reason(t0), rep.reason(t1), after.retained(t0)))

    return scenario


@pytest.mark.parametrize("model", MODELS)
def test_every_schedule_passes_the_check_and_some_keep_floating_garbage(model):
    seen = []
    ex = gcemu.explore(writers_and_gc(seen), model=model, max_preemptions=1)
    assert ex.complete and ex.outcomes == Counter(ok=ex.runs)
    assert len(seen) == ex.runs > 100
    kinds = Counter((reason0, reason1) for _, reason0, reason1, _ in seen)
    # every cycle ran to its end through mark termination's check (a black -> white
    # edge would have ended the exploration with a ConsistencyError)
    assert all(done for done, *_ in seen)
    # t1 moved from a to b: reachable at mark termination whatever the schedule
    assert {r1 for _, r1 in kinds} == {"live"}
    # t0 deleted during marking survives this cycle; deleted before it, freed by it;
    # deleted after the cycle, live
    assert {r0 for r0, _ in kinds} == {"floating", None, "live"}
    # the next cycle frees t0 in every schedule: floating garbage lasts one cycle
    assert not any(kept for *_, kept in seen)


def test_the_worker_is_a_lane_of_the_replayed_schedule():
    seen = []
    # main is preempted before runtime.GC: both writers finish before the cycle starts
    run = gcemu.replay(writers_and_gc(seen), "1x13 2", model="go")
    steps = run.steps()
    worker = {g for g, label in steps if label.startswith("GC: ")}
    assert worker == {4}  # main, two writers, then the mark worker
    labels = [label for g, label in steps if g == 4]
    assert labels[0].startswith("GC: scan root global a")
    assert "GC: phase -> mark termination" in labels
    assert labels[-1].startswith("GC: free T#")  # sweep: t0, deleted before marking
    assert seen == [(True, None, "live", False)]
    assert (1, WAIT_FOR_GC) in steps
    # the worker's stack is no root: the cycle scanned main's and goroutine 3's only
    assert not any("GC worker" in label for _, label in steps)


def test_a_mutator_step_lands_between_two_units_of_marking():
    seen = []
    scenario = writers_and_gc(seen)
    # main parks in runtime.GC (a free switch to the worker), the worker is preempted
    # after its first unit, the writers run, then the worker finishes
    run = gcemu.replay(scenario, "1x14 4 2", model="go")
    assert run.outcome == "ok"
    steps = run.steps()
    first = next(i for i, (g, _) in enumerate(steps) if g == 4)
    after = [g for g, _ in steps[first + 1:first + 3]]
    assert after[0] == 2 and 4 not in after
    assert seen[-1][1] == "floating"  # t0 deleted while marking survives the cycle


class NoBarrier(gcemu.Heap):
    """A heap whose mutators store with the write barrier off."""

    def write_barrier(self, old, new):
        pass

    def shade_pointers(self, pointers):
        pass


@pytest.mark.parametrize("model", MODELS)
def test_without_the_barrier_some_schedule_breaks_the_invariant(model):
    with pytest.raises(ExploreError, match=r"black -> white: .* points to white T#"):
        explore_with(writers_and_gc([]), NoBarrier, model=model, max_preemptions=1)


def test_gomaxprocs_1_still_interleaves_marking_between_map_calls():
    seen = []
    ex = gcemu.explore(writers_and_gc(seen), model="go", gomaxprocs=1, max_preemptions=1)
    assert ex.outcomes == Counter(ok=ex.runs)
    assert "floating" in {r0 for _, r0, _, _ in seen}


def test_go_gc_outside_an_exploration_runs_the_cycle_and_refuses_background():
    h = gcemu.Heap(model="go")
    h.declare("type T struct { id int }")
    m = h.make_map("map[int]*T", name="m")
    m[0] = h.new("T")
    cycle = h.go_gc()
    assert cycle.done and cycle.report.retained(m[0])
    with pytest.raises(gcemu.errors.GcemuError, match=r"go_gc\(wait=False\)"):
        h.go_gc(wait=False)
