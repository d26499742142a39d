"""GC pacing (go-memstats.md §2.5): goals for a live heap, cycles per MiB of garbage."""

import pytest
from memdrive import gc

from gcemu.errors import GcemuError
from gcemu.mem.allocator import Allocator
from gcemu.mem.pacer import GOAL_OFF, GCController

MiB = 1 << 20


def run_trigger(release, live_mib, garbage_mib, globals_=MiB):
    """The trigger program: L MiB of 64 KiB chunks, GC, then 64 B noscan garbage."""
    a = Allocator(release, globals_=globals_)
    for _ in range(live_mib * 16):
        a.malloc(64 << 10, noscan=True)
    gc(a, [])
    cycles, starts, garbage = 0, [], []
    for _ in range(garbage_mib * MiB // 64):
        garbage.append(a.malloc(64, noscan=True))
        if a.gc_due:
            starts.append(a.pacer.heap_live)
            gc(a, garbage, forced=False)
            garbage, cycles = [], cycles + 1
    return a, cycles, starts


def test_no_live_heap_one_cycle_per_4_mib_goal():
    # measured: 3.77 MiB of garbage per cycle (go1.23), 3.64 (go1.25), 3.51 (go1.27)
    a, cycles, _ = run_trigger("1.23", 0, 40)
    assert a.read_memstats().NextGC == 4 * MiB
    assert 3.5 <= 40 / cycles <= 4.0


def test_twenty_mib_live_goal_41_start_within_measured():
    # gctrace: "38..40->..->20 MB, 41 MB goal, 1 MB globals"
    a, cycles, starts = run_trigger("1.23", 20, 40)
    assert a.read_memstats().NextGC // MiB == 41
    assert 1 <= cycles <= 2 and len(starts) == cycles     # one per ~20 MiB of garbage
    assert all(36 * MiB <= s <= 41 * MiB for s in starts)


def test_gogc_off_never_triggers():
    a = Allocator(gogc=None)
    for _ in range(200):
        a.malloc(64 << 10, noscan=True)
    assert not a.gc_due and a.read_memstats().NextGC == GOAL_OFF


@pytest.mark.parametrize(("gogc", "marked", "goal"), [
    (100, 0, 4 * MiB), (50, 0, 2 * MiB), (200, 10 * MiB, 30 * MiB), (100, 100 * MiB, 200 * MiB)])
def test_goal(gogc, marked, goal):
    c = GCController(gogc)
    c.commit(marked)
    assert c.goal == goal
    assert marked + (goal - marked) * 45 // 64 <= c.trigger < goal


def test_bad_gogc():
    with pytest.raises(GcemuError, match="GOGC"):
        GCController(-1)
