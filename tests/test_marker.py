"""The marker under both models: every consequence of models.md, and the cycle itself.

The scenarios follow models.md ("Consequences that tests and examples must show" and
"Where the models meet reality") and go-classic-map.md §13 (b, d, f). Where the two
models agree, a test is parametrized over both; where they differ, each outcome is
asserted explicitly. Labels are predictable: a heap numbers its allocations from 1 in
order, so the first map is ``hmap#1`` and the objects made after it follow.
"""

from __future__ import annotations

import pytest

import gcemu
from gcemu.base.events import EVENT_KINDS, BarrierShade, Free, PhaseChange, SlotDecision
from gcemu.gc.marker import ConsistencyError
from gcemu.maps.classic import EMPTY_ONE, EMPTY_REST, ITERATOR, OLD_ITERATOR
from gcemu.maps.common import ClearedString

MODELS = ("scanmap", "go")
T_DECL = "type T struct { id int; next *T; buf [48]byte }"
STALE = ("stale-slot", "oldbuckets")


def make_heap(model: str, seed: int = 0) -> gcemu.Heap:
    h = gcemu.Heap(model=model, seed=seed)
    h.declare(T_DECL)
    return h


def abc(model: str):
    """A map with a, b, c in slots 0, 1, 2 of its one bucket (hmap#1, T#2..T#4)."""
    h = make_heap(model)
    m = h.make_map("map[string]*T", name="m")
    a, b, c = (h.new("T", name=n) for n in "abc")
    m["a"], m["b"], m["c"] = a, b, c
    assert [m.buckets[0].elems[i] for i in range(3)] == [a, b, c]
    return h, m, a, b, c


def step_until(cycle, done, limit: int = 100_000) -> list:
    """Step until ``done(events)`` is true for a step's events; return all events."""
    seen = []
    for _ in range(limit):
        events = cycle.step()
        seen += events
        if done(events) or not events:
            return seen
    raise AssertionError("the cycle did not get there")


def fill(h, m, n: int, prefix: str = "k") -> dict:
    vals = {}
    for i in range(n):
        vals[f"{prefix}{i}"] = v = h.new("T", name=f"{prefix}{i}")
        m[f"{prefix}{i}"] = v
    return vals


def reasons(report, objs) -> set:
    return {report.reason(o) for o in objs}


def retained_labels(h) -> set[str]:
    return {o.label for o in h.objects.values()}


# -- the scanmap rule: delete, emptyOne, emptyRest ----------------------------------------
@pytest.mark.parametrize("model", MODELS)
def test_delete_b_leaves_emptyOne_scanmap_keeps_b_go_frees_it(model):
    h, m, a, b, c = abc(model)
    del m["b"]
    th = m.buckets[0].tophash
    assert th[1] == EMPTY_ONE and th[2] >= 5 and th[3] == EMPTY_REST
    r = h.collect()
    assert r.reason(a) == r.reason(c) == "live"
    if model == "scanmap":
        assert m.buckets[0].elems[1] is b  # delete cleared nothing
        assert r.retained(b) and r.reason(b) == "stale-slot"
        why = str(r.why(b))
        assert "emptyOne" in why and "stale elem" in why
        assert why.splitlines()[-1].endswith("bucket 0 slot 1 (emptyOne, stale elem) -> T#3 (b)")
    else:
        assert m.buckets[0].elems[1] is None  # the elem is cleared ...
        assert isinstance(m.buckets[0].keys[1], ClearedString)  # ... and the key's data ptr
        assert r.collected(b) and r.reason(b) is None


@pytest.mark.parametrize("model", MODELS)
def test_then_delete_c_back_propagates_emptyRest_and_frees_b_and_c(model):
    h, m, a, b, c = abc(model)
    del m["b"]
    h.collect()
    del m["c"]
    assert list(m.buckets[0].tophash[1:]) == [EMPTY_REST] * 7  # slot 1 back-propagated
    r = h.collect()
    assert r.collected(b) and r.collected(c)
    assert r.reason(b) is r.reason(c) is None
    assert r.reason(a) == "live"


def colliding_map(h, n: int, name: str = "m"):
    """map[int64]*T whose keys 0..n-1 share bucket 0 (slot i of the chain = key i)."""
    m = h.make_map("map[int64]*T", name=name, hash=lambda k, seed: (0x80 + k) << 56)
    vals = [h.new("T", name=f"v{i}") for i in range(n)]
    for i, v in enumerate(vals):
        m[i] = v
    return m, vals


@pytest.mark.parametrize("model", MODELS)
def test_emptyRest_stops_the_chain_but_the_overflow_bucket_stays(model):
    h = make_heap(model)
    m, v = colliding_map(h, 10)  # 8 slots in bucket 0, 2 in its overflow bucket
    ovf = m.buckets[0].overflow
    assert ovf is not None and ovf.owner.role == "overflow"
    del m[1]  # a hole: emptyOne in the main bucket
    del m[8]  # overflow slot 0: emptyOne (slot 1 is full)
    del m[9], m[7]  # back-propagation: overflow 0, 1 and main slot 7 become emptyRest
    assert list(ovf.tophash) == [EMPTY_REST] * 8
    assert m.buckets[0].tophash[7] == EMPTY_REST and m.buckets[0].tophash[1] == EMPTY_ONE
    cycle = h.gc()
    r = cycle.run()
    assert r.retained(ovf.owner)  # bucket memory is owned by the map in both models
    assert r.collected(v[7]) and r.collected(v[8]) and r.collected(v[9])
    decisions = [(e.slot, e.state, e.action) for e in cycle.history.of_kind("slot")
                 if e.bucket == "bucket 0"]
    if model == "scanmap":
        assert r.reason(v[1]) == "stale-slot"
        assert decisions[-1] == (7, "emptyRest", "stopped")
        # nothing of the overflow bucket was looked at
        assert not [e for e in cycle.history.of_kind("slot") if "overflow" in e.bucket]
    else:
        assert r.collected(v[1])
        assert all(a != "stopped" for _, _, a in decisions)
        # the bitmap scan reads all 8 slots of the overflow bucket as its own object
        assert len([e for e in cycle.history.of_kind("slot")
                    if e.array == ovf.owner.label]) == 8


@pytest.mark.parametrize("model", MODELS)
def test_emptyOne_in_an_overflow_bucket(model):
    h = make_heap(model)
    m, v = colliding_map(h, 10)
    del m[8]  # overflow slot 0, slot 1 still full
    r = h.collect()
    if model == "scanmap":
        assert r.reason(v[8]) == "stale-slot"
        assert "bucket 0 overflow 1 slot 0 (emptyOne, stale elem)" in str(r.why(v[8]))
    else:
        assert r.collected(v[8])
    assert r.reason(v[9]) == "live"


# -- growth ---------------------------------------------------------------------------
def growing_int_map(model: str):
    """52 keys in a B=3 map[int64]*T (hash = k, so bucket = k & mask), then key 52:
    the growth to B=4 starts and evacuates old buckets 4 and 0."""
    h = make_heap(model)
    m = h.make_map("map[int64]*T", name="m", hash=lambda k, seed: 0x80 << 56 | k)
    v = {k: h.new("T", name=f"v{k}") for k in range(53)}
    for k in range(52):
        m[k] = v[k]
    assert m.B == 3 and not m.growing()
    m[52] = v[52]
    assert m.B == 4 and m.growing()
    # new bucket 4 holds 4, 20, 36, 52 (X half of old bucket 4, then the new key)
    assert m.buckets[4].elems[:4] == [v[4], v[20], v[36], v[52]]
    return h, m, v


@pytest.mark.parametrize("model", MODELS)
def test_deleted_during_growth_kept_by_its_evacuated_copy_until_growth_ends(model):
    h, m, v = growing_int_map(model)
    del m[52]
    del m[36]  # new bucket 4 slot 2: now emptyRest, so only the old copy can keep v36
    assert m.buckets[4].tophash[2] == EMPTY_REST
    assert m.growing()
    assert m.oldbuckets[4].tophash[4] == 2  # evacuatedX
    r = h.collect()
    assert r.collected(v[52])
    if model == "scanmap":
        assert r.reason(v[36]) == "stale-slot"
        assert r.why(v[36]).to_list() == [
            "global m", "hmap#1", "oldbucket 4 slot 4 (evacuatedX, stale elem)", v[36].label]
    else:  # evacuate cleared the main old bucket: no iterator ever ran
        assert list(m.oldbuckets[4].elems) == [None] * 8
        assert r.collected(v[36])
    while m.growing():
        m[0] = v[0]  # every write does growWork
    r = h.collect()
    assert r.collected(v[36])
    assert r.reason(v[0]) == "live"


# -- §13 b: iterators and growth --------------------------------------------------------
@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("leave", ["close", "exhaust"])
def test_b1_range_loop_alive_across_growth(model, leave):
    h = make_heap(model)
    m = h.make_map("map[string]*T", name="m")
    originals = fill(h, m, 52)
    assert (m.count, m.B, m.flags) == (52, 3, 0)
    it = m.items()
    next(it)
    assert m.flags == ITERATOR | OLD_ITERATOR
    m["extra"] = h.new("T", name="extra")
    assert (m.B, m.flags, m.growing()) == (4, OLD_ITERATOR, True)
    for k in originals:
        del m[k]
    assert m.count == 1 and m.B == 4 and not m.growing()
    assert [label for label, _ in h.roots()] == ["global m", "stack main: hiter(m)"]
    r = h.collect()  # while the iterator is alive
    assert all(r.retained(v) for v in originals.values())
    if model == "go":
        assert reasons(r, originals.values()) == {"oldbuckets"}
        path = r.why(originals["k0"]).to_list()
        assert path[0] == "stack main: hiter(m).buckets"
        assert path[-1] == originals["k0"].label
    else:
        assert reasons(r, originals.values()) <= set(STALE)
    if leave == "close":
        it.close()
    else:
        for _ in it:
            pass
    assert [label for label, _ in h.roots()] == ["global m"]
    r = h.collect()
    if model == "go":
        assert all(r.collected(v) for v in originals.values())
    else:  # what stays is kept by emptyOne slots of the current array, not old data
        for v in originals.values():
            if r.retained(v):
                assert r.reason(v) == "stale-slot"
                assert "emptyOne" in str(r.why(v)) and "oldbucket" not in str(r.why(v))
    assert r.reason(m["extra"]) == "live"


def grown_with_old_array_held(model: str, ranged: bool):
    """§13 b2 / b3: 52 entries, maybe a finished range loop, the 53rd insert starts a
    growth, the old array is kept by a global (Go's unsafe.Pointer), the 52 are
    deleted (which finishes the growth)."""
    h = make_heap(model)
    m = h.make_map("map[string]*T", name="m")
    originals = fill(h, m, 52)
    if ranged:
        assert len(list(m.items())) == 52
        assert m.flags == ITERATOR | OLD_ITERATOR  # sticky after the loop
    m["extra"] = h.new("T")
    assert m.flags == (OLD_ITERATOR if ranged else 0)
    old = m.oldbuckets_obj
    h.set_global("old", old)
    for k in originals:
        del m[k]
    assert not m.growing()
    return h, m, old, originals


@pytest.mark.parametrize("model", MODELS)
def test_b2_never_ranged_old_array_is_cleared(model):
    h, _m, old, originals = grown_with_old_array_held(model, ranged=False)
    heads = old.buckets.take(0, old.nbase)
    assert all(2 <= t <= 4 for b in heads for t in b.tophash)  # tophash kept
    r = h.collect()
    assert r.retained(old)
    if model == "go":  # keys, elems and overflow pointers of the main buckets zeroed
        assert all(list(b.elems) == [None] * 8 and b.overflow is None for b in heads)
        assert all(r.collected(v) for v in originals.values())
    else:  # evacuate clears nothing: the evacuated copies keep every original
        assert all(r.retained(v) for v in originals.values())
        assert reasons(r, originals.values()) <= set(STALE)


@pytest.mark.parametrize("model", MODELS)
def test_b3_ranged_before_growth_old_array_keeps_data(model):
    h, _m, old, originals = grown_with_old_array_held(model, ranged=True)
    r = h.collect()
    assert all(r.retained(v) for v in originals.values())
    if model == "go":
        assert reasons(r, originals.values()) == {"oldbuckets"}
        assert r.why(originals["k7"]).to_list()[0] == "global old"
    else:
        assert reasons(r, originals.values()) <= set(STALE)
    h.set_global("old", None)
    r = h.collect()
    assert r.collected(old)
    if model == "go":
        assert all(r.collected(v) for v in originals.values())


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("ranged", [False, True], ids=["b4-never-ranged", "b5-ranged"])
def test_b4_b5_delete_while_growing(model, ranged):
    h = make_heap(model)
    m = h.make_map("map[string]*T", name="m")
    vals = fill(h, m, 52)
    if ranged:
        for _ in m.items():
            pass
    m["extra"] = h.new("T")
    del m["k0"], m["k1"]
    assert m.growing()
    t0, t1 = vals["k0"], vals["k1"]
    r = h.collect()
    if model == "go" and not ranged:
        assert r.collected(t0) and r.collected(t1)  # finalized immediately, as in Go
    elif model == "go":
        assert r.reason(t0) == r.reason(t1) == "oldbuckets"
        assert "oldbucket" in r.why(t0).to_list()[2]
    else:
        assert r.reason(t0) == r.reason(t1) == "stale-slot"
    while m.growing():
        m["k2"] = vals["k2"]
    r = h.collect()
    for t in (t0, t1):
        if model == "go":
            assert r.collected(t)
        elif r.retained(t):  # scanmap: only an emptyOne slot of the new array can keep it
            assert r.reason(t) == "stale-slot" and "emptyOne" in str(r.why(t))
            assert "oldbucket" not in str(r.why(t))


@pytest.mark.parametrize("model", MODELS)
def test_13f_preallocated_overflow_bucket_of_the_old_array_is_not_cleared(model):
    h = make_heap(model)
    m = h.make_map("map[int64]*T", name="m", hint=100, hash=lambda k, seed: 0x80 << 56 | k)
    assert m.B == 4 and len(m.buckets_obj.buckets) > 16  # preallocated overflow buckets
    keys = [16 * i for i in range(9)]  # bucket 0: 8 slots, then key 128 overflows
    keys += [k for k in range(1, 200) if k % 16][:104 - 9]
    v = {k: h.new("T", name=f"v{k}") for k in keys}
    for k in keys:
        m[k] = v[k]
    ovf = m.buckets[0].overflow
    assert ovf.owner is m.buckets_obj and ovf.keys[0] == 128  # inside the array
    m[1000] = h.new("T")  # the 105th entry: growth to B=5 (evacuates old bucket 0)
    assert m.B == 5 and m.growing()
    del m[128], m[0]
    assert m.growing()
    r = h.collect()  # GC while growing
    if model == "go":
        assert r.reason(v[128]) == "oldbuckets"
        assert "(preallocated overflow)" in r.why(v[128]).to_list()[2]
        assert r.collected(v[0])  # the main old bucket was cleared
    else:
        assert r.reason(v[128]) == r.reason(v[0]) == "stale-slot"
    while m.growing():
        m[1] = v[1]
    r = h.collect()
    assert r.collected(v[128])
    if model == "go":
        assert r.collected(v[0])


# -- §11: barriers and the mark phase ---------------------------------------------------
def test_delete_during_mark_is_floating_garbage_go():
    h, m, _a, b, _c = abc("go")
    cycle = h.gc()
    events = cycle.step()  # the root global m: hmap is grey, its bucket not yet scanned
    assert [e.kind for e in events] == ["root", "shade"]
    assert cycle.color(m.buckets_obj) == "white" and cycle.color(b) == "white"
    del m["b"]
    assert cycle.color(b) == "grey"
    barrier = [e for e in cycle.history.of_kind("barrier") if e.obj == b.label]
    assert barrier == [BarrierShade(1, b.label, "delete(m, 'b')")]
    r = cycle.run()
    assert r.retained(b) and r.reason(b) == "floating"
    why = str(r.why(b))
    assert "delete(m, 'b')" in why and "write barrier" in why
    r = h.collect()
    assert r.collected(b)


@pytest.mark.parametrize("model", MODELS)
def test_delete_after_the_marker_traced_it_is_floating_in_both_models(model):
    h, m, _a, b, c = abc(model)
    cycle = h.gc()
    step_until(cycle, lambda ev: any(e.kind == "slot" and e.slot == 2 for e in ev))
    assert cycle.color(b) != "white"
    del m["c"], m["b"]  # both slots become emptyRest
    r = cycle.run()
    for x in (b, c):
        assert r.reason(x) == "floating"
        assert "floating garbage" in str(r.why(x))
    r = h.collect()
    assert r.collected(b) and r.collected(c)


def test_delete_during_mark_scanmap_barrier_fires_only_at_empty_rest():
    """scanmap's delete stores nothing (only the tophash changes): a slot left
    emptyOne is still traced, so no barrier fires and the value is stale-slot. A slot
    turning emptyRest hides its pointers from the marker, which is a pointer deletion
    in all but name: the deletion barrier shades them, so they float for this cycle
    (as under go) and the next cycle frees them."""
    h, m, _a, b, c = abc("scanmap")
    cycle = h.gc()
    cycle.step()
    del m["b"]
    assert cycle.color(b) == "white"
    r = cycle.run()
    assert not cycle.history.of_kind("barrier")
    assert r.reason(b) == "stale-slot"
    cycle = h.gc()
    cycle.step()
    del m["c"]  # slot 2 and, back-propagated, slot 1 become emptyRest
    r = cycle.run()
    shaded = {e.obj for e in cycle.history.of_kind("barrier")}
    assert shaded == {b.label, c.label}
    assert r.reason(b) == r.reason(c) == "floating"
    assert "delete(m, 'c')" in str(r.why(c))
    r = h.collect()
    assert r.collected(c) and r.collected(b)


@pytest.mark.parametrize("model", MODELS)
def test_range_loop_begun_during_mark_keeps_its_indirect_elem(model):
    """`for k, v := range m { delete all }` while marking, with elems over 128 bytes:
    hiter.elem points to the indirect elem object; the stack was scanned before the
    loop began, so only the deletion barrier can keep that object marked."""
    h = make_heap(model)
    h.declare("type Big struct { p *T; pad [200]byte }")
    m = h.make_map("map[string]Big", name="m")
    for k in "abc":
        m[k] = {"p": h.new("T", name=k)}
    cycle = h.gc()
    step_until(cycle, lambda ev: any(e.kind == "root" and e.root == "stack main" for e in ev))
    it = m.items()
    _, v = next(it)
    (frame,) = h.stacks[0].frames
    elem = frame.elem
    assert elem is not None and elem.kind_label() == "elem(Big)"
    for k in "abc":
        del m[k]
    r = cycle.run()
    assert r.retained(elem) and r.retained(v["p"])
    it.close()


@pytest.mark.parametrize("model", MODELS)
def test_clear_during_mark_shades_every_old_value(model):
    h, m, a, b, c = abc(model)
    cycle = h.gc()
    cycle.step()
    m.clear()
    assert {e.obj for e in cycle.history.of_kind("barrier")} >= {a.label, b.label, c.label}
    assert all(e.op == "clear(m)" for e in cycle.history.of_kind("barrier"))
    r = cycle.run()
    assert reasons(r, (a, b, c)) == {"floating"}
    assert m.B == 0 and r.retained(m.buckets_obj)
    r = h.collect()
    assert all(r.collected(x) for x in (a, b, c))


@pytest.mark.parametrize("model", MODELS)
def test_pointer_store_shades_old_and_new(model):
    h = make_heap(model)
    v, old, new = h.new("T", name="v"), h.new("T", name="old"), h.new("T", name="new")
    v["next"] = old
    h.set_global("g", v)
    cycle = h.gc()
    step_until(cycle, lambda ev: any(e.kind == "scan" and e.obj == v.label for e in ev))
    assert cycle.color(v) == "black" and cycle.color(old) == "grey"
    v["next"] = new  # v is black: the new value must be shaded
    assert cycle.color(new) == "grey"
    shaded = cycle.history.of_kind("barrier")
    assert [e.obj for e in shaded] == [new.label]
    assert shaded[0].op.startswith(f"{v.label}.next = ")
    r = cycle.run()
    assert r.reason(new) == "live" and r.reason(old) == "floating"


@pytest.mark.parametrize("model", MODELS)
def test_growth_finished_during_mark_keeps_the_old_array_one_cycle(model):
    """§11.4: setting oldbuckets = nil shades the old array (deletion barrier)."""
    h = make_heap(model)
    m = h.make_map("map[string]*T", name="m")
    vals = fill(h, m, 52)
    m["extra"] = h.new("T")
    assert m.growing()
    old = m.oldbuckets_obj
    cycle = h.gc()
    cycle.step()
    assert cycle.color(old) == "white"
    while m.growing():
        m["k3"] = vals["k3"]
    assert cycle.color(old) != "white"
    r = cycle.run()
    assert r.reason(old) == "floating"
    assert "write barrier" in str(r.why(old))
    assert h.collect().collected(old)


@pytest.mark.parametrize("model", MODELS)
def test_allocate_black_during_mark(model):
    h, m, _a, _b, _c = abc(model)
    cycle = h.gc()
    cycle.step()
    x = h.new("T", name="x")
    y = h.new("T", name="y")
    assert cycle.color(x) == cycle.color(y) == "black"
    assert [e.obj for e in cycle.history.of_kind("alloc-black")] == [x.label, y.label]
    m["y"] = y
    for i in range(20):  # growth during mark: the new arrays are born black too
        m[f"n{i}"] = None
    assert cycle.color(m.buckets_obj) == "black"
    r = cycle.run()
    assert r.reason(x) == "floating" and "allocation during marking" in str(r.why(x))
    assert r.reason(y) == "live"
    assert h.collect().collected(x)


def test_allocate_black_names_new_not_the_previous_operation():
    h, m, _a, _b, _c = abc("go")
    cycle = h.gc()
    cycle.step()
    del m["a"]
    x = h.new("T", name="x")
    (event,) = [e for e in cycle.history.of_kind("alloc-black") if e.obj == x.label]
    assert "delete" not in event.op and event.op == "new(T) x"


@pytest.mark.parametrize("model", MODELS)
def test_each_stack_is_scanned_once(model):
    h, m, a, b, c = abc(model)
    cycle = h.gc()
    step_until(cycle, lambda ev: any(e.kind == "root" and e.root == "stack main" for e in ev))
    it = m.items()  # a range loop begun after its stack was scanned
    next(it)
    assert "stack main: hiter(m)" in [label for label, _ in h.roots()]
    h.set_global("m", None)  # now only the unscanned iterator holds the map
    r = cycle.run()
    roots = [e.root for e in cycle.history.of_kind("root")]
    assert roots == ["global m", "stack main"]  # no rescan at mark termination
    assert not [e for e in cycle.history.of_kind("shade") if "hiter" in e.by]
    # the barrier of set_global shaded the map: what the iterator holds survives
    assert r.retained(m) and all(r.retained(x) for x in (a, b, c))
    assert r.reason(a) == "live"  # reachable through the iterator, a root now
    r = h.collect()  # the next cycle scans the stack
    assert r.reason(m) == "live"
    assert r.why(m).to_list() == ["stack main: hiter(m).h", "hmap#1"]
    it.close()
    r = h.collect()
    assert r.collected(m) and all(r.collected(x) for x in (a, b, c))


# -- pointer-free maps, pointer keys, struct elems -------------------------------------
@pytest.mark.parametrize("model", MODELS)
def test_pointer_free_map_overflow_buckets_live_only_through_extra_overflow(model):
    h = make_heap(model)
    m = h.make_map("map[int64]int64", name="m", hash=lambda k, seed: 0x5F << 56)
    for i in range(20):  # one chain: 8 + 8 + 4
        m[i] = i
    chain = list(m.buckets[0].chain())
    overflow = [b.owner for b in chain[1:]]
    assert len(overflow) == 2 and all(o.role == "overflow" for o in overflow)
    lst = m.extra.overflow
    assert lst.items == chain[1:]
    g = h.to_networkx()
    for o in overflow:
        assert list(g.predecessors(o.label)) == [lst.label]
    assert not list(g.successors(m.buckets_obj.label))  # bucket arrays are never scanned
    cycle = h.gc()
    r = cycle.run()
    assert all(r.retained(o) for o in overflow)
    assert r.why(overflow[0]).to_list() == ["global m", "hmap#1", m.extra.label, lst.label,
                                            overflow[0].label]
    scanned = {e.obj for e in cycle.history.of_kind("scan")}
    assert not scanned & {m.buckets_obj.label, *(o.label for o in overflow)}
    assert not cycle.history.of_kind("slot")
    shades = {e.obj: e.black for e in cycle.history.of_kind("shade")}
    assert shades[m.buckets_obj.label] and all(shades[o.label] for o in overflow)


@pytest.mark.parametrize("model", MODELS)
def test_pointer_keys(model):
    h = make_heap(model)
    m = h.make_map("map[*T]int", name="m")
    a, b, c = (h.new("T", name=n) for n in "abc")
    m[a], m[b], m[c] = 1, 2, 3
    del m[b]
    r = h.collect()
    assert r.reason(a) == r.reason(c) == "live"
    assert "(full, key)" in r.why(a).to_list()[2]
    if model == "scanmap":
        assert r.reason(b) == "stale-slot"
        assert r.why(b).to_list()[2] == "bucket 0 slot 1 (emptyOne, stale key)"
    else:  # mapdelete_fast64 nils a pointer key
        assert m.buckets[0].keys[1] is None
        assert r.collected(b)


@pytest.mark.parametrize("model", MODELS)
def test_struct_elems_holding_pointers(model):
    h = make_heap(model)
    h.declare("type S struct { p *T; n int }")
    m = h.make_map("map[int64]S", name="m")
    a, b = h.new("T", name="a"), h.new("T", name="b")
    m[1] = {"p": a}
    m[2] = {"p": b, "n": 7}
    m[3] = {"n": 9}
    assert m[2] == {"p": b, "n": 7}
    del m[2]
    r = h.collect()
    assert r.reason(a) == "live"
    if model == "scanmap":
        assert r.reason(b) == "stale-slot"
        assert "(emptyOne, stale elem)" in r.why(b).to_list()[2]
    else:
        assert r.collected(b)


# -- the cycle: phases, steps, events ------------------------------------------------------
@pytest.mark.parametrize("model", MODELS)
def test_history_kinds_and_phase_order(model):
    h, m, a, _b, _c = abc(model)
    del m["b"]
    h.set_global("a", a)
    x = h.new("T", name="x")  # unreachable
    cycle = h.gc()
    assert cycle.phase == "mark"
    phases = ["mark"]
    while True:
        before = cycle.phase
        events = cycle.step()
        if not events:
            break
        assert all(e.step == cycle.steps for e in events)
        if cycle.phase != before:
            phases.append(cycle.phase)
    assert phases == ["mark", "mark termination", "sweep", "off"]
    hist = cycle.history
    assert hist[0] == PhaseChange(0, "mark")
    assert [e.phase for e in hist.of_kind("phase")] == phases
    assert {e.kind for e in hist} <= set(EVENT_KINDS)
    assert {"phase", "root", "shade", "scan", "slot", "free"} <= {e.kind for e in hist}
    assert [e.root for e in hist.of_kind("root")] == ["global m", "global a", "stack main"]
    frees = hist.of_kind("free")
    assert x.label in {e.obj for e in frees}
    assert all(isinstance(e, Free) and e.size > 0 for e in frees)
    assert cycle.report.bytes["freed"] == sum(e.size for e in frees)
    assert hist.of_kind("phase")[-1].step == frees[-1].step  # sweep frees, then off
    for e in hist:
        assert isinstance(str(e), str) and e.to_json()["kind"] == e.kind
    assert cycle.step() == [] and cycle.step() == []  # after the end
    assert cycle.done and cycle.phase == "off"


def test_free_events_name_each_object_with_its_size():
    h, m, a, _b, _c = abc("go")
    del m["b"], m["c"]
    h.set_global("m", None)
    sizes = {o.label: o.size for o in h.objects.values()}
    cycle = h.gc()
    r = cycle.run()
    frees = {e.obj: e.size for e in cycle.history.of_kind("free")}
    assert frees == sizes  # everything: hmap, its bucket, a, and b and c
    assert frees["hmap#1"] == 48 and frees[a.label] == 64 and frees["buckets#5"] == 208
    assert r.bytes["freed"] == sum(sizes.values())


@pytest.mark.parametrize("model", MODELS)
def test_slot_decisions_name_the_action_and_tophash(model):
    h, m, _a, _b, _c = abc(model)
    del m["b"]
    th = list(m.buckets[0].tophash)
    cycle = h.gc()
    cycle.run()
    got = [(e.bucket, e.slot, e.tophash, e.state, e.action)
           for e in cycle.history.of_kind("slot")]
    assert all(isinstance(e, SlotDecision) for e in cycle.history.of_kind("slot"))
    head = [("bucket 0", 0, th[0], "full", "traced"),
            ("bucket 0", 1, EMPTY_ONE, "emptyOne", "stale" if model == "scanmap" else "skipped"),
            ("bucket 0", 2, th[2], "full", "traced")]
    if model == "scanmap":
        assert got == [*head, ("bucket 0", 3, 0, "emptyRest", "stopped")]
    else:  # the bitmap scan reads every slot, whatever its tophash
        assert got == head + [("bucket 0", i, 0, "emptyRest", "skipped") for i in range(3, 8)]
    assert str(cycle.history.of_kind("slot")[1]).startswith("bucket 0 slot 1 [emptyOne 1]")


def test_slot_decisions_in_old_buckets_scanmap():
    """evacuatedX/Y copies are traced as stale, evacuatedEmpty slots are skipped."""
    h, _m, _v = growing_int_map("scanmap")
    cycle = h.gc()
    cycle.run()
    old = [(e.slot, e.state, e.action) for e in cycle.history.of_kind("slot")
           if e.bucket == "oldbucket 4"]
    assert old == [(i, "evacuatedX" if i % 2 == 0 else "evacuatedY", "stale")
                   for i in range(6)] + [(6, "evacuatedEmpty", "skipped"),
                                         (7, "evacuatedEmpty", "skipped")]


def scenario(model: str, seed: int):
    """A heap with growth in progress, an iterator, deletes and pointer chains."""
    h = make_heap(model, seed)
    m = h.make_map("map[string]*T", name="m")
    vals = fill(h, m, 52)
    it = m.items()
    next(it)
    m["x"] = h.new("T")
    for i in range(0, 52, 3):
        del m[f"k{i}"]
    n = h.make_map("map[int64]*T", name="n", hash=lambda k, seed: 0x60 << 56 | (k & 1))
    for i in range(30):
        n[i] = vals[f"k{i}"]
    for i in range(0, 30, 4):
        del n[i]
    vals["k1"]["next"] = vals["k0"]
    h.set_global("g", vals["k3"])
    h.new("T", name="garbage")
    return h, it


@pytest.mark.parametrize("model", MODELS)
def test_stepping_and_run_retain_what_collect_retains(model):
    h1, it1 = scenario(model, 7)
    r1 = h1.collect()
    h2, it2 = scenario(model, 7)
    cycle = h2.gc()
    for _ in range(25):
        cycle.step()
    r2 = cycle.run()
    assert retained_labels(h1) == retained_labels(h2)
    assert r1.to_json()["objects"] == r2.to_json()["objects"]
    assert r1.bytes == r2.bytes
    h3, it3 = scenario(model, 7)
    cycle = h3.gc()
    while cycle.step():
        pass
    assert retained_labels(h3) == retained_labels(h1)
    for it in (it1, it2, it3):
        it.close()


def test_run_until_stops_early():
    h, _m, a, _b, _c = abc("go")
    cycle = h.gc()
    assert cycle.run(until=2) is None
    assert cycle.steps == 2 and cycle.phase == "mark"
    report = cycle.run()
    assert report is cycle.report and report.retained(a)


@pytest.mark.parametrize("model", MODELS)
def test_mutation_after_mark_work_ran_out_goes_back_to_mark(model):
    """The mutator may run between any two steps, also in mark termination or sweep;
    whatever its barrier shades is scanned before sweep frees anything."""
    for stop in ("mark termination", "sweep"):
        h, m, _a, _b, _c = abc(model)
        loose, child = h.new("T", name="loose"), h.new("T", name="child")
        loose["next"] = child
        cycle = h.gc()
        while cycle.phase != stop:
            cycle.step()
        m["d"] = loose  # unreachable until now; its child too
        r = cycle.run()
        assert r.reason(loose) == r.reason(child) == "live"
        assert loose["next"] is child and not child.freed
        phases = [e.phase for e in cycle.history.of_kind("phase")]
        assert phases[-3:] == ["mark termination", "sweep", "off"]
        assert phases.count("mark") == 2


@pytest.mark.parametrize("model", MODELS)
def test_consistency_check_fails_loudly_on_black_to_white(model):
    h = make_heap(model)
    m = h.make_map("map[string]*T", name="m")
    m["a"] = h.new("T")
    x, y = h.new("T", name="x"), h.new("T", name="y")
    x["next"] = y  # neither is reachable
    cycle = h.gc()
    cycle.step()
    x.color = cycle.black_color  # corrupt: black x points to white y
    with pytest.raises(ConsistencyError, match="black -> white") as err:
        cycle.run()
    assert x.label in str(err.value) and y.label in str(err.value)


@pytest.mark.parametrize("model", MODELS)
def test_consistency_check_fails_loudly_on_a_root_to_white(model):
    h = make_heap(model)
    h.set_global("g", h.new("T"))
    x = h.new("T", name="x")
    cycle = h.gc()
    cycle.run(until=1)  # the root job of g is done
    h.globals["g"] = x  # corrupt: a store into a global without the write barrier
    with pytest.raises(ConsistencyError, match=r"black -> white: a root points to white T#2"):
        cycle.run()


@pytest.mark.parametrize("model", MODELS)
def test_a_cycle_at_a_time(model):
    h = make_heap(model)
    cycle = h.gc()
    with pytest.raises(gcemu.GcemuError, match="already running"):
        h.gc()
    cycle.run()
    assert h.gc().run().cycle == 2


def test_unknown_model_lists_the_known_ones():
    with pytest.raises(gcemu.GcemuError) as err:
        gcemu.Heap(model="swiss")
    msg = str(err.value)
    assert "swiss" in msg and "scanmap" in msg and "go" in msg


def test_iterator_key_elem_keep_the_array_of_a_relooked_up_entry():
    """hiter.key / hiter.elem point into the bucket an entry was produced from; for an
    entry looked up again in a newer array, that array stays alive while the loop runs
    even after the map drops it (found by the conformance suite against Go 1.23.9:
    Go finalizes v9-v12 only after the loop ends)."""
    h = make_heap("go")
    m = h.make_map("map[int64]*T", name="m", hash=lambda k, seed: (0x50 << 56) | k)
    for i in range(8):
        m[i] = h.new("T", name=f"v{i}")
    it = m.items()
    next(it)  # the iterator walks the B=0 array
    m[8] = h.new("T", name="v8")  # grow to B=1 (completes at once)
    next(it)  # an evacuated entry, looked up again in the B=1 array
    late = [h.new("T", name=f"v{i}") for i in range(9, 13)]
    for i, v in zip(range(9, 13), late, strict=True):
        m[i] = v
    for _ in m.items():  # the iterator flag: the next growth keeps old data
        pass
    m[13] = h.new("T", name="v13")  # grow to B=2 (completes at once)
    for i in range(9, 14):
        del m[i]
    r = h.collect()
    assert all(r.reason(v) == "oldbuckets" for v in late), [r.why(v) for v in late]
    it.close()
    r = h.collect()
    assert all(r.collected(v) for v in late)
