"""Property tests of the marker against networkx reachability over the traced graph.

(a) A stop-the-world ``h.collect()`` retains exactly the objects that networkx finds
    reachable from the root nodes of ``h.to_networkx()`` taken just before it.
(b) With mutations interleaved between ``cycle.step()`` calls, every object the cycle
    retains that is not reachable in the traced graph of the final state (built when
    the phase leaves ``mark``) has reason ``floating``, every reachable one has another
    reason, and nothing reachable is collected.

Both under ``scanmap`` and ``go``. A random heap holds a few maps (``map[int64]*T`` and
``map[string]*T`` over small key spaces, one with a forced-collision ``hash=`` so that
chains get overflow buckets and growth is frequent), objects linked by ``next``, and
globals that are set and unset. Operations are drawn as plain integer tuples and
resolved against the heap when they run, so hypothesis shrinks them well.

The mutator only does what a Go program could: it never touches a freed object, and
it starts a range loop only over a map some root reaches (a Go program can only range
over a map it holds, and its stack is then a root).
"""

from __future__ import annotations

from collections import Counter

import networkx as nx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import gcemu
from gcemu.gc.scan import scan_array
from gcemu.maps.kind import SLOT_ARRAYS

MODELS = ("scanmap", "go")
T_DECL = "type T struct { id int; next *T; buf [48]byte }"

# name, type, key space, hash
MAP_SPECS = (
    ("mi", "map[int64]*T", 48, None),
    ("ms", "map[string]*T", 40, None),
    # forced collisions: 4 chains whatever B is, so overflow buckets and growth
    ("mc", "map[int64]*T", 40, lambda k, seed: (k % 5 + 5) << 56 | (k & 3)),
)
NOBJ = 6  # how many T objects are created up front
OBJ_GLOBALS = ("g0", "g1", "g2")


def _key(spec, i: int):
    name, _, space, _ = spec
    i %= space
    return f"k{i}" if name == "ms" else i


class World:
    """A heap, its maps (by slot, re-made when freed) and the live T handles."""

    def __init__(self, model: str, seed: int):
        self.h = h = gcemu.Heap(model=model, seed=seed)
        h.declare(T_DECL)
        self.maps = [self._make(spec) for spec in MAP_SPECS]
        self.objs = [h.new("T", name=f"o{i}") for i in range(NOBJ)]
        self.iters: list = []

    def _make(self, spec):
        name, typ, _, hsh = spec
        return self.h.make_map(typ, name=name, hash=hsh)

    def live_objs(self):
        self.objs = [o for o in self.objs if not o.freed]
        return self.objs

    def obj(self, i: int):
        objs = self.live_objs()
        if not objs or i % (len(objs) + 1) == len(objs):
            return None  # a nil pointer
        return objs[i % len(objs)]

    def map(self, i: int):
        j = i % len(self.maps)
        if self.maps[j].freed:
            self.maps[j] = self._make(MAP_SPECS[j])
        return j, self.maps[j]

    def reachable_maps(self):
        return [m for m in self.maps if not m.freed and m.name in self.h.globals]

    def apply(self, op: tuple[int, int, int, int]) -> None:
        """Run one mutator operation, chosen and parametrized by four integers."""
        code, a, b, c = op
        h = self.h
        code %= 13
        if code <= 2:  # m[k] = obj  (the most common operation)
            j, m = self.map(a)
            m[_key(MAP_SPECS[j], b)] = self.obj(c)
        elif code <= 4:  # delete(m, k)
            j, m = self.map(a)
            del m[_key(MAP_SPECS[j], b)]
        elif code == 5:  # x.next = y
            x = self.obj(a)
            if x is not None:
                x["next"] = self.obj(b)
        elif code == 6:  # new object, maybe linked to another one
            nxt = self.obj(a)
            value = {"id": len(self.objs), "next": nxt} if b % 2 else None
            self.objs.append(h.new("T", name=f"n{len(self.objs)}", value=value))
        elif code == 7:  # set or unset a global holding an object
            h.set_global(OBJ_GLOBALS[a % len(OBJ_GLOBALS)], self.obj(b))
        elif code == 8:  # set or unset the global of a map
            j, m = self.map(a)
            if b % 2 and m.name in h.globals:
                h.set_global(m.name, None)
            else:
                h.set_global(m.name, m)
        elif code == 9:  # clear(m), rarely
            if b % 3 == 0:
                self.map(a)[1].clear()
        elif code == 11:  # fill a run of keys: grows maps past B=2, so growth is slow
            j, m = self.map(a)
            for i in range(b):
                m[_key(MAP_SPECS[j], c + i)] = self.obj(c + i)
        elif code == 12:  # delete a run of keys
            j, m = self.map(a)
            for i in range(b):
                del m[_key(MAP_SPECS[j], c + i)]
        else:  # start a range loop over a reachable map, or leave one
            if b % 2 and self.iters:
                self.iters.pop(a % len(self.iters)).close()
                return
            maps = self.reachable_maps()
            if not maps:
                return
            it = maps[a % len(maps)].items()
            if next(it, None) is not None:
                self.iters.append(it)

    def close_iters(self) -> None:
        for it in self.iters:
            it.close()
        self.iters = []


def reachable_labels(g) -> set[str]:
    roots = [n for n, d in g.nodes(data=True) if d["kind"] == "root"]
    out: set[str] = set()
    for r in roots:
        out |= nx.descendants(g, r)
    return out - set(roots)


ops = st.lists(st.tuples(st.integers(0, 12), st.integers(0, 30), st.integers(0, 30),
                         st.integers(0, 30)), max_size=40)


@pytest.mark.parametrize("model", MODELS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 3), rounds=st.lists(ops, min_size=1, max_size=3))
def test_collect_retains_exactly_the_networkx_reachable_set(model, seed, rounds):
    w = World(model, seed)
    h = w.h
    for i, batch in enumerate(rounds):
        for op in batch:
            w.apply(op)
        if i == len(rounds) - 1:
            w.close_iters()
        expected = reachable_labels(h.to_networkx())
        before = {o.label: o for o in h.objects.values()}
        report = h.collect()
        kept = {o.label for o in h.objects.values()}
        assert kept == expected, (
            f"retained but unreachable: {sorted(kept - expected)}; "
            f"reachable but collected: {sorted(expected - kept)}")
        assert report.to_json()["bytes"]["retained"] == sum(o.size for o in
                                                            h.objects.values())
        for label, o in before.items():
            assert report.retained(o) == (label in expected)
            assert report.collected(o) == (label not in expected)
            if label in expected:
                assert report.reason(o) in ("live", "stale-slot", "oldbuckets")
                assert report.why(o).to_list()[-1] == label
            else:
                assert report.reason(o) is None
        for m in w.maps:
            if not m.freed:
                m.check_invariants()


@pytest.mark.parametrize("model", MODELS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 3), setup=ops, during=ops,
       steps=st.lists(st.integers(0, 6), max_size=40))
# a range loop over "mi" ends after mark termination, once "mi"'s global is gone: its
# frame leaving the stack is a mutation, so sweep checks again and the map is floating
@example(seed=0, setup=[(0, 0, 0, 0), (7, 0, 0, 0)],
         during=[(0, 0, 0, 0)] * 9 + [(0, 0, 1, 0), (10, 0, 0, 0), (11, 0, 5, 1)]
         + [(0, 0, 0, 0)] * 4 + [(8, 0, 1, 0), (10, 0, 1, 0)], steps=[])
def test_mutations_between_steps_leave_only_floating_garbage(model, seed, setup, during,
                                                              steps):
    w = World(model, seed)
    h = w.h
    for op in setup:
        w.apply(op)
    cycle = h.gc()
    # interleave: a few steps, one operation, a few steps, ...
    for i, op in enumerate(during):
        for _ in range(steps[i] if i < len(steps) else 1):
            if cycle.phase == "mark":
                cycle.step()
        if cycle.phase != "mark":
            # mark work ran out: one last operation, in mark termination or (one step
            # later) in sweep; if its barrier shades anything, the cycle goes back to mark
            assert cycle.phase == "mark termination"
            if i % 2:
                cycle.step()
                assert cycle.phase == "sweep"
            w.apply(op)
            break
        w.apply(op)
    while cycle.phase == "mark":
        cycle.step()
    # no mutation from here on: this is the state the cycle finishes on
    reachable = reachable_labels(h.to_networkx())
    before = {o.label: o for o in h.objects.values()}
    report = cycle.run()
    assert cycle.phase == "off"
    phases = [e.phase for e in cycle.history.of_kind("phase")]
    assert phases[0] == "mark" and phases[-3:] == ["mark termination", "sweep", "off"]
    for label, o in before.items():
        if label in reachable:
            assert report.retained(o), f"{label} is reachable but was collected"
            assert report.reason(o) != "floating", f"{label}: {report.why(o)}"
        elif report.retained(o):
            assert report.reason(o) == "floating", (
                f"{label} is unreachable but retained as {report.reason(o)}")
            assert "floating garbage" in str(report.why(o))
    # the floating garbage goes with the next cycle, unless something reaches it again
    w.close_iters()
    reachable = reachable_labels(h.to_networkx())
    report = h.collect()
    assert {o.label for o in h.objects.values()} == reachable


@pytest.mark.parametrize("model", MODELS)
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 3), setup=ops, during=ops, steps=st.integers(0, 8))
def test_the_cycle_counts_every_allocation_it_marks(model, seed, setup, during, steps):
    """Sweep skips its search for white objects when the marks add up to every
    allocation (`Cycle.nmarked`): the count must be exact, through stepped shades,
    barrier shades, allocations during marking and the drain."""
    w = World(model, seed)
    h = w.h
    for op in setup:
        w.apply(op)
    cycle = h.gc(record=False)
    for op in during:
        for _ in range(steps):
            if cycle.phase == "mark":
                cycle.step()
        w.apply(op)
    cycle.drain()
    marked = [o for o in h.objects.values() if o.color >= cycle.grey_color]
    assert cycle.nmarked == len(marked)
    cycle.run()
    w.close_iters()
    reachable = reachable_labels(h.to_networkx())
    h.collect()
    assert {o.label for o in h.objects.values()} == reachable


def _counting(seen: Counter):
    """A visit (or shade) that counts each pointer it is given, in ``.seen``."""
    def visit(p, edge=None):
        seen[id(p)] += 1
    visit.seen = seen
    return visit


@pytest.mark.parametrize("model", (*MODELS, "go-swiss"))
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 3), setup=ops)
def test_the_drain_shades_what_the_slot_scan_traces(model, seed, setup):
    """`MapKind.shade_array` (the drain's edge-free scan) shades, for every slot array
    of the heap (current, old while growing, left behind, lone overflow buckets), the
    same pointers as often as `scan_array` visits them, stepping or not: under
    ``scanmap`` the emptyOne slots, not past an emptyRest, no evacuatedEmpty slot, the
    overflow pointers."""
    w = World(model, seed)
    for op in setup:
        w.apply(op)
    arrays = [o for o in w.h.objects.values() if type(o) in SLOT_ARRAYS]
    policy = w.h.model.scan
    for arr in arrays:
        shade = _counting(Counter())
        SLOT_ARRAYS[type(arr)].shade_array(arr, policy, shade)
        for step in (False, True):
            visit = _counting(Counter())
            for _ in scan_array(arr, policy, visit, step):
                pass
            assert shade.seen == visit.seen, (arr.label, step)
    w.close_iters()
