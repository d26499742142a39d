"""The heap and its allocator together: every allocation goes through ``heap.alloc``,
sweep frees into it, GOGC pacing starts automatic cycles, ``memstats()`` and
``free_os_memory()`` on the facade (go-memstats.md §2.5, §3.2, §4.2, §5.4)."""

from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from memdrive import delta

import gcemu
from gcemu.errors import GcemuError

MiB = 1 << 20
T = "type T struct { id int; next *T; buf [48]byte }"   # 64 B, pointerful (ch1's T)


class SumAllocator:
    """A test double as PyPy's incminimark tests use: only sums the requested bytes."""

    def __init__(self, due_at=None):
        self.live: dict[int, int] = {}
        self.next = 0x1000
        self.requests: list[tuple[int, bool]] = []
        self.terminations: list[bool] = []
        self.sweeps = 0
        self.due_at = due_at
        self.since = 0            # bytes allocated since the last cycle
        self.gc_due = False

    def malloc(self, size, noscan):
        self.requests.append((size, noscan))
        self.next += 16
        self.live[self.next] = size
        self.since += size
        self.gc_due = self.due_at is not None and self.since >= self.due_at
        return self.next

    def free(self, addr):
        del self.live[addr]

    def mark_termination(self, forced=False):
        self.terminations.append(forced)
        self.since = 0
        self.gc_due = False

    def end_sweep(self):
        self.sweeps += 1

    def read_memstats(self):
        return sum(self.live.values())

    def scavenge_all(self):
        return 0


def test_an_injected_allocator_gets_request_sizes_and_the_sweep():
    a = SumAllocator()
    h = gcemu.Heap(model="go", alloc=a)
    h.declare(T)
    h.declare("type Small struct { a, b byte; c int8 }")
    keep = h.new("T", name="keep")
    h.set_global("keep", keep)
    h.new("Small")                          # 3 bytes: the type's size, not its 8-byte slot
    big = h.new("[100]*T")                  # 800 B pointerful: slot 896 with header
    assert a.requests == [(64, False), (3, True), (800, False)]
    assert big.size == 896                  # reports keep the rounded size
    h.collect()
    assert a.terminations == [True] and a.sweeps == 1
    assert list(a.live.values()) == [64]
    assert h.memstats() == 64


def test_the_heap_starts_a_cycle_when_the_allocator_says_so_and_ends_it_at_the_next_op():
    a = SumAllocator(due_at=64 * 3)
    h = gcemu.Heap(model="go", alloc=a)
    h.declare(T)
    m = h.make_map("map[int]*T", name="m")       # hmap 48: no cycle yet
    m[1] = h.new("T")                              # 48 + 64 + bucket
    assert h.auto_cycle is not None and h.marking
    held = h.auto_cycle
    m[2] = h.new("T")                              # the next operation ends it
    assert held.done and a.terminations == [False]
    h.collect()
    assert not m[1].freed and not m[2].freed


@pytest.mark.parametrize(("model", "release"), [
    ("scanmap", "1.23"), ("go", "1.23"), ("go-swiss", "1.25"), ("go-swiss-1.27", "1.27")])
def test_a_fresh_heap_reports_the_runtime_baseline_of_its_release(model, release):
    h = gcemu.Heap(model=model)
    s = h.memstats()
    assert h.alloc.release.name == release
    assert s.HeapAlloc == h.alloc.release.baseline.heap_alloc
    assert s.NextGC == 4 * MiB and s.NumGC == 0
    assert s.as_dict()["HeapSys"] == s.HeapInuse + s.HeapIdle


def ch1(model, gc_after_insert=True):
    """§4.2: map[string]*T, 1000 keys, snapshots around each step; returns the deltas."""
    h = gcemu.Heap(model=model, trace=False)
    h.declare(T)
    snaps = [h.memstats()]
    m = h.make_map("map[string]*T", name="m")
    for i in range(1000):
        m[f"key{i:04d}"] = h.new("T")
    snaps.append(h.memstats())
    if gc_after_insert:
        h.collect()
        snaps.append(h.memstats())
    for i in range(1000):
        del m[f"key{i:04d}"]
    snaps.append(h.memstats())
    h.collect()
    snaps.append(h.memstats())
    h.set_global("m", None)
    h.collect()
    snaps.append(h.memstats())
    return [delta(a, b) for a, b in pairwise(snaps)]


@pytest.mark.parametrize(("model", "growth_garbage", "storage"), [
    # Go: the GC after the inserts frees -63,296..-65,264 B (go1.23, seed-dependent
    # overflow buckets) and -54,344..-54,360 (go1.25); m = nil frees the map's storage:
    # -57,416 (57,344 array + 48 hmap + 24 mapextra) and -54,656 (48 + 16 + 2x32 + 2x27,264)
    ("go", (-65_264 - 208 * 10, -63_296 + 208 * 10), -57_416),
    ("go-swiss", (-54_360 - 16, -54_344 + 16), -54_656),
])
def test_ch1_map_figures_through_the_heap(model, growth_garbage, storage):
    d_insert, d_gc, d_delete, d_delgc, d_nil = ch1(model)
    assert d_delete == {k: 0 for k in d_delete}            # delete moves no counter
    lo, hi = growth_garbage
    assert lo <= d_gc["HeapAlloc"] <= hi
    assert d_nil["HeapAlloc"] == storage
    # the values: 1000 x 64 B, and the 500 16-byte tiny blocks of the 7-byte keys
    # (two keys a block), freed once the deletes cleared the slots: Go's -72,000
    assert d_delgc["HeapAlloc"] == -72_000 and d_delgc["HeapObjects"] == -1500
    # the inserts: the keys' 500 blocks hold 1000 tiny allocations, 500 of them fitted
    # into a current block (Mallocs and Frees +500 at once, §1.4)
    assert d_insert["Frees"] == 500
    assert d_delgc["NumGC"] == d_nil["NumGC"] == 1 and d_insert["NumGC"] == 0
    # large-object HeapInuse to the page; small classes within a span each (§5.4)
    large = 57_344 if model == "go" else 0
    assert abs(d_nil["HeapInuse"] + large + (90_112 if model != "go" else 0)) <= 2 * 8192


def test_automatic_cycles_one_per_about_four_mib_with_no_live_heap():
    # §2.5 trigger -live 0: one cycle per 3.51..3.77 MiB of garbage (4 MiB goal)
    h = gcemu.Heap(model="go", trace=False)
    for _ in range(10_240):               # 40 MiB of garbage, two 4096 B objects a page
        h.new("[4096]byte")
    cycles = h.memstats().NumGC
    assert 40 / 3.77 - 1 <= cycles <= 40 / 3.51 + 1
    assert h.memstats().NumForcedGC == 0


def test_gogc_none_starts_no_cycle_and_reports_goal_off():
    h = gcemu.Heap(model="go", trace=False, gogc=None)
    for _ in range(2_048):
        h.new("[4096]byte")
    s = h.memstats()
    assert s.NumGC == 0 and s.NextGC == (1 << 64) - 1


def test_no_automatic_cycle_while_a_stepped_cycle_runs():
    h = gcemu.Heap(model="go", trace=False)
    h.declare(T)
    m = h.make_map("map[int]*T", name="m")
    cycle = h.gc()
    cycle.step()
    for i in range(2_048):                # 8 MiB: the trigger is passed while marking
        h.new("[4096]byte")
        m[i] = h.new("T")
    assert h.cycle is cycle and h.auto_cycle is None and h.memstats().NumGC == 0
    cycle.run()
    assert h.memstats().NumGC == 1 and h.memstats().NumForcedGC == 1
    assert all(not v.freed for v in m.values())


def test_collect_ends_a_running_automatic_cycle_first():
    h = gcemu.Heap(model="go", trace=False)
    while h.auto_cycle is None:
        h.new("[4096]byte")
    h.collect()
    s = h.memstats()
    assert (s.NumGC, s.NumForcedGC) == (2, 1)


def test_free_os_memory_releases_every_idle_page():
    h = gcemu.Heap(model="go-swiss", trace=False)
    h.declare(T)
    m = h.make_map("map[int]*T", name="m")
    for i in range(5000):
        m[i] = h.new("T")
    for i in range(5000):
        del m[i]
    before = h.memstats()
    released = h.free_os_memory()
    s = h.memstats()
    assert s.HeapReleased == s.HeapIdle and released == s.HeapReleased - before.HeapReleased
    assert s.NumGC == before.NumGC + 1 and s.NumForcedGC == before.NumForcedGC + 1
    assert s.HeapAlloc < before.HeapAlloc - 5000 * 64 + 1


def test_bad_gogc_is_one_clear_error():
    with pytest.raises(GcemuError, match="GOGC"):
        gcemu.Heap(model="go", gogc=-5)


ops = st.lists(st.tuples(st.sampled_from(["put", "del", "gc", "global", "step"]),
                         st.integers(0, 300)), max_size=120)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model=st.sampled_from(["go", "go-swiss", "scanmap"]), program=ops)
def test_automatic_cycles_never_free_what_the_program_holds(model, program):
    # GOGC=1: a ~41 KB goal, so automatic cycles start all the time. Whatever the map
    # and the global hold survives them, and the MemStats relations hold (§3.2); with
    # pointerful objects only (no tiny blocks, no overflow lists), HeapObjects and
    # HeapAlloc are exactly the baseline plus the live handles.
    h = gcemu.Heap(model=model, trace=False, gogc=1)
    h.declare(T)
    base = h.alloc.release.baseline
    m = h.make_map("map[int]*T", name="m")
    cycle = None
    for op, k in program:
        if op == "put":
            m[k] = h.new("T", value={"id": k})
        elif op == "del":
            del m[k]
        elif op == "gc":
            if cycle is not None:
                cycle.run()
                cycle = None
            h.collect()
        elif op == "global":
            v = h.new("T")
            v["next"] = m.get(k)
            h.set_global("g", v)
        elif cycle is None:
            cycle = h.gc()
        else:
            cycle.step()
        for key, v in m.items():
            assert not v.freed and v["id"] == key
        g = h.get_global("g")
        assert g is None or not g.freed
        s = h.memstats()
        assert s.HeapSys == s.HeapInuse + s.HeapIdle
        assert s.HeapObjects == s.Mallocs - s.Frees == base.mallocs - base.frees + len(h.objects)
        assert s.HeapAlloc == base.heap_alloc + h.bytes_in_use()
        assert s.HeapInuse >= s.HeapAlloc
