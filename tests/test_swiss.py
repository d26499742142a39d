"""The Swiss map (gcemu.maps.swiss) against the numbers of go-swiss-map.md."""

import math

import pytest

import gcemu
from gcemu.errors import GcemuError
from gcemu.maps.swiss import (
    CTRL_DELETED,
    CTRL_EMPTY,
    GroupsArray,
    group_size,
    max_growth_left,
    probe,
)

MODELS = ("go-swiss", "go-swiss-1.27")


def heap(model="go-swiss", **kw):
    h = gcemu.Heap(model=model, **kw)
    h.declare("type T struct { id int; next *T }")
    h.declare("type P struct { a, b int }")
    return h


def put_hash(group, h2_=0x11, top=0):
    """A hash= that puts key k in group ``group(k)`` of a table (H1's low bits), with
    control byte ``h2_`` and the top bits ``top`` (which pick the table)."""
    return lambda k, s: top << 56 | group(k) << 7 | h2_


# -- §6.1 sizes ---------------------------------------------------------------------------
@pytest.mark.parametrize("mtype, size", [
    ("map[int64]int64", 136), ("map[int64]struct{}", 136), ("map[struct{}]int64", 72),
    ("map[struct{}]struct{}", 16), ("map[int32]int8", 72), ("map[int8]int8", 24),
    ("map[uint16][3]byte", 56), ("map[string]int", 200), ("map[string]string", 264),
    ("map[int][128]byte", 1096), ("map[int][129]byte", 136), ("map[[129]byte]int", 136),
    ("map[[128]byte][128]byte", 2056),
])
def test_group_size(mtype, size):
    m = heap().make_map(mtype)
    assert m.group_size == size
    lay = m.layout
    assert group_size(lay.key_slot_type, lay.elem_slot_type) == size


@pytest.mark.parametrize("cap, alloc", [(16, 288), (32, 576), (64, 1152), (128, 2304),
                                        (256, 4864), (512, 9472), (1024, 18432)])
def test_groups_array_bytes(cap, alloc):
    """§6.2: map[int]int's groups arrays, rounded by the allocator (noscan: no header)."""
    m = heap().make_map("map[int]int", hint=cap * 7 // 8)
    (t,) = m.tables
    assert t.capacity == cap and t.groups_obj.size == alloc and t.size == 32


def test_bytes_of_100000_entry_map():
    """§6.2: 128 tables x (18432 + 32) + directory 1024 -> 1152 (with header) + 48."""
    m = heap().make_map("map[int]int", hint=100_000)
    assert (m.dirLen, m.globalDepth, len(m.tables)) == (128, 7, 128)
    parts = [m, m.dirPtr, *m.tables, *(t.groups_obj for t in m.tables)]
    assert m.dirPtr.size == 1152
    assert sum(o.size for o in parts) == 2_364_592


# -- §3.4 growth ---------------------------------------------------------------------------
@pytest.mark.parametrize("model", MODELS)
def test_growth_thresholds(model):
    """Single inserts: small up to 8, then 16 at the 9th insert, 32 at the 15th, ...,
    1024 at the 449th, and two tables (dirLen 2) at the 897th."""
    m = heap(model).make_map("map[int64]int64")
    seen = {}
    for i in range(1, 898):
        m[i] = i
        seen.setdefault((m.dirLen, m.capacity), i)
    assert seen == {(0, 8): 1, (1, 16): 9, (1, 32): 15, (1, 64): 29, (1, 128): 57,
                    (1, 256): 113, (1, 512): 225, (1, 1024): 449, (2, 2048): 897}
    m.check_invariants()


@pytest.mark.parametrize("hint, tables", [(0, ()), (8, ()), (9, (16,)), (100, (128,)),
                                          (896, (1024,)), (897, (512, 512)),
                                          (1000, (1024, 1024)), (5000, (1024,) * 8)])
def test_make_hint(hint, tables):
    """maps.NewMap: hint * 8 / 7 slots, spread over a power-of-two directory."""
    m = heap().make_map("map[int]int", hint=hint)
    assert tuple(t.capacity for t in m.tables) == tables
    assert m.dirPtr is None if hint <= 8 else m.dirLen == len(tables)
    assert [t.index for t in m.tables] == list(range(len(tables)))


def test_small_map_allocates_its_group_on_first_insert():
    h = heap()
    m = h.make_map("map[int]int", hint=8)
    assert m.dirPtr is None and m.capacity == 0
    m[1] = 1
    assert isinstance(m.dirPtr, GroupsArray) and m.dirLen == 0
    assert m.dirPtr.size == 144 and m.capacity == 8  # alloc(136): the 144-byte class


def test_probe_visits_every_group_once():
    for n in (1, 2, 8, 128):
        assert sorted(x for _, x in zip(range(n), probe(12345, n - 1), strict=False)) == \
            list(range(n))


def test_max_growth_left():
    assert [max_growth_left(c) for c in (8, 16, 1024)] == [7, 14, 896]


def test_split_and_directory_doubling():
    """§3.3: a full 1024-slot table splits into two 1024-slot tables by the next hash
    bit from the top; the directory doubles when the table used all its bits."""
    m = heap().make_map("map[int64]int64")
    for i in range(4000):
        m[i] = i
    m.check_invariants()
    assert all(t.capacity == 1024 for t in m.tables)
    for t in m.tables:
        assert t.localDepth <= m.globalDepth
        for g in t.groups:
            for i in range(8):
                if g.ctrl[i] != CTRL_EMPTY:
                    assert m.hash(g.keys[i]) >> (64 - m.globalDepth) in range(
                        t.index, t.index + (1 << (m.globalDepth - t.localDepth)))
    assert dict(m.items()) == {i: i for i in range(4000)}


def test_degenerate_hash_cannot_split():
    m = heap().make_map("map[int64]int64", name="m", hash=lambda k, s: k << 7)
    with pytest.raises(GcemuError, match="cannot split"):
        for i in range(2000):
            m[i] = i


# -- §3.2 / §4 insert and delete ------------------------------------------------------
def test_small_map_delete_never_leaves_a_tombstone_and_reseeds_when_empty():
    h = heap()
    m = h.make_map("map[string]*T")
    for k in "abc":
        m[k] = h.new("T")
    seed = m.seed
    del m["b"]
    g = m.dirPtr.groups[0]
    assert g.ctrl[1] == CTRL_EMPTY and g.keys[1] is None and g.elems[1] is None
    del m["zzz"]  # missing: nothing changes
    assert m.seed == seed
    del m["a"]
    del m["c"]
    assert m.used == 0 and m.seed != seed
    m["d"] = h.new("T")
    assert g.ctrl[0] != CTRL_EMPTY  # the lowest empty slot


def test_delete_writes_empty_or_tombstone():
    """§4: EMPTY when the slot's group still has an empty slot (growthLeft + 1), else a
    tombstone (tombstonePossible); the invariant of §1.4 holds throughout."""
    m = heap().make_map("map[int64]int64", hint=14, hash=put_hash(lambda k: 0))
    (t,) = m.tables
    assert t.capacity == 16
    for i in range(10):  # group 0 fills up, the last two probe on to group 1
        m[i] = i
    assert [g.ctrl.count(CTRL_EMPTY) for g in t.groups] == [0, 6]
    gl = t.growthLeft
    del m[3]  # group 0 has no empty slot
    assert t.groups[0].ctrl[3] == CTRL_DELETED and m.tombstonePossible
    assert t.growthLeft == gl and t.tombstones() == 1
    del m[9]  # group 1 has empties
    assert t.groups[1].ctrl[1] == CTRL_EMPTY and t.growthLeft == gl + 1
    assert 4 in m and 8 in m  # probes pass over the tombstone
    m.check_invariants()
    m[100] = 100  # a new key takes the first tombstone on its probe path
    assert t.groups[0].ctrl[3] == 0x11 and t.tombstones() == 0
    assert t.growthLeft == gl + 1
    m.check_invariants()


def test_delete_clears_pointerful_keys_and_every_elem_but_not_plain_keys():
    h = heap()
    m = h.make_map("map[int64]int64")
    m[7] = 70
    del m[7]
    g = m.dirPtr.groups[0]
    assert g.keys[0] == 7 and g.elems[0] is None  # stale key bytes, zeroed elem
    s = h.make_map("map[string]int64")
    s["k"] = 1
    del s["k"]
    assert s.dirPtr.groups[0].keys[0] is None


def test_indirect_key_and_elem():
    """Over 128 bytes: the slot holds a pointer to its own object, nil'ed on delete."""
    h = heap()
    m = h.make_map("map[[129]byte][129]byte", name="m")
    m[[1] * 129] = [2] * 129
    g = m.dirPtr.groups[0]
    key_obj, elem_obj = g.keys[0], g.elems[0]
    assert key_obj.size == 144 and elem_obj.size == 144 and m.group_size == 136
    del m[[1] * 129]
    assert g.keys[0] is None and g.elems[0] is None
    r = h.collect()
    assert r.collected(key_obj) and r.collected(elem_obj)


def test_need_key_update_overwrites_the_stored_key():
    m = heap().make_map("map[float64]int")
    m[0.0] = 1
    m[-0.0] = 2
    assert len(m) == 1 and math.copysign(1, next(iter(m))) == -1


def test_nan_keys_are_never_found():
    m = heap().make_map("map[float64]int")
    m[float("nan")] = 1
    m[float("nan")] = 2
    del m[float("nan")]
    assert len(m) == 2 and sorted(v for _, v in m.items()) == [1, 2]


@pytest.mark.parametrize("model, grows", [("go-swiss", True), ("go-swiss-1.27", False)])
def test_update_of_a_full_small_map(model, grows):
    """Go 1.25 grows a full small map to a table even for an update; 1.27 does not."""
    m = heap(model).make_map("map[int64]int64")
    for i in range(8):
        m[i] = i
    m[3] = 33
    assert (m.dirLen == 1) == grows and m[3] == 33 and len(m) == 8


# -- §3.5 pruning -------------------------------------------------------------------------
def churn(m, key, live, ops):
    for i in range(live):
        m[key(i)] = i
    for i in range(live, live + ops):
        m[key(i)] = i
        del m[key(i - live)]
    m.check_invariants()
    return m.capacity


@pytest.mark.parametrize("model", MODELS)
def test_churn_prunes_on_fast_paths_only(model):
    """§11.6 at a small scale (20,000 operations, not 1M): int and string keys prune
    tombstones and keep their capacity; struct keys (the generic path) double (their
    1024 slots of the spec take about 1M operations)."""
    h = heap(model)
    ints = churn(h.make_map("map[int]int"), int, 100, 20_000)
    strs = churn(h.make_map("map[string]int"), str, 100, 20_000)
    pairs = churn(h.make_map("map[P]int"), lambda i: {"a": i, "b": i}, 100, 20_000)
    assert ints <= 256 and strs <= 256
    assert pairs >= 512


def test_pointer_keys_prune_from_go_127():
    """runtime_mapassign_fast64ptr calls pruneTombstones in Go 1.27, not in 1.25."""
    caps = {}
    for model in MODELS:
        h = heap(model)
        objs = [h.new("T") for _ in range(20_100)]
        m = h.make_map("map[*T]int")
        assert m.variant == "fast64ptr"
        caps[model] = churn(m, objs.__getitem__, 100, 20_000)
    assert caps["go-swiss-1.27"] <= 256 and caps["go-swiss"] >= 512


# -- §5 clear, iteration, retention -------------------------------------------------------
def test_clear_keeps_tables_and_erases_tombstones():
    h = heap()
    m = h.make_map("map[int64]*T", name="m")
    vals = [h.new("T") for _ in range(3000)]
    for i, v in enumerate(vals):
        m[i] = v
    for i in range(0, 3000, 2):
        del m[i]
    cap, dirlen, seed = m.capacity, m.dirLen, m.seed
    assert m.tombstones() > 0 and m.tombstonePossible
    m.clear()
    assert (m.capacity, m.dirLen, m.used, m.tombstones()) == (cap, dirlen, 0, 0)
    assert m.clearSeq == 1 and m.seed != seed and not m.tombstonePossible
    r = h.collect()
    assert all(r.collected(v) for v in vals)
    seed = m.seed
    m.clear()  # empty and no tombstones: nothing happens
    assert m.clearSeq == 1 and m.seed == seed


def test_delete_all_keeps_capacity_and_tombstones():
    m = heap().make_map("map[int]int")
    for i in range(10_000):
        m[i] = i
    cap = m.capacity
    for i in range(10_000):
        del m[i]
    assert m.used == 0 and m.capacity == cap and m.tombstones() > 0


def retention(model, n, extra):
    """§11.4: delete every original entry inside the first loop iteration, after
    ``extra`` inserts; count the values collected while the loop runs and after."""
    h = heap(model)
    m = h.make_map("map[int]*T", name="m")
    vals = [h.new("T") for _ in range(n)]
    for i, v in enumerate(vals):
        m[i] = v
    it = m.items()
    next(it)
    for i in range(extra):
        m[10_000 + i] = h.new("T")
    for i in range(n):
        del m[i]
    r = h.collect()
    during = sum(map(r.collected, vals))
    kept = [v for v in vals if r.retained(v)]
    if kept:
        assert {r.reason(v) for v in kept} == {"oldbuckets"}
        assert "Iter(m)" in str(r.why(kept[0]))
    it.close()
    r = h.collect()
    return during, sum(map(r.collected, vals))


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("n, extra, during", [(100, 0, 100), (8, 0, 8), (8, 8, 0),
                                              (100, 100, 0), (800, 3000, 0)])
def test_iterator_retention(model, n, extra, during):
    """No grow: deleted values go at once; a grow, a split or small -> table under a
    live iterator keeps them until the loop ends."""
    assert retention(model, n, extra) == (during, n)


def test_iteration_after_grow_looks_keys_up_again():
    m = heap().make_map("map[int]int")
    for i in range(8):
        m[i] = i
    seen = {}
    for k, v in m.items():
        if not seen:
            for j in range(8, 40):
                m[j] = j
            m[7 if k != 7 else 6] = -1  # updated in the new table
        seen[k] = v
    assert set(range(8)) <= set(seen) and -1 in seen.values()


def test_groups_of_pointer_free_maps_are_not_scanned():
    h = heap()
    m = h.make_map("map[int]int", name="m")
    m[1] = 1
    assert m.dirPtr.noscan
    assert not h.make_map("map[int]*T").layout.noscan


def test_report_json_for_a_swiss_map():
    h = heap()
    m = h.make_map("map[int]*T", name="m")
    for i in range(20):
        m[i] = h.new("T")
    del m[3]
    (js,) = h.collect().to_json()["maps"]
    assert js["count"] == 19 and js["tables"] == 1 and js["capacity"] == 32
    assert js["bytes"] == {"map": 48, "directory": 8, "tables": 32,
                           "groups": m.tables[0].groups_obj.size}


@pytest.mark.gcemu(model="go-swiss")
def test_plugin_marker_accepts_go_swiss(heap):
    from gcemu.testing import assert_collected, assert_retained

    heap.declare("type T struct { id int }")
    m = heap.make_map("map[string]*T", name="m")
    a, b = heap.new("T", name="a"), heap.new("T", name="b")
    m["a"], m["b"] = a, b
    del m["a"]
    r = heap.collect()
    assert_collected(r, a)
    assert_retained(r, b, reason="live")
    assert "small group slot" in str(r.why(b))


def test_classic_fields_are_a_clear_error():
    m = heap().make_map("map[int]int")
    with pytest.raises(GcemuError, match="B belongs to the classic map"):
        _ = m.B
    assert not hasattr(m, "buckets") and hasattr(m, "dirLen")


def test_a_hint_beyond_max_alloc_makes_an_empty_map():
    """maps.NewMap: dirSize * 1024 * GroupSize over maxAlloc (2^48) -> no tables."""
    m = heap().make_map("map[int]int", hint=1 << 45)
    assert m.dirPtr is None and m.dirLen == 0
    m[1] = 1
    assert len(m) == 1 and m.small is not None


@pytest.mark.parametrize("model", ["go", "go-swiss"])
def test_a_hint_gcemu_cannot_hold_is_one_clear_error(model):
    with pytest.raises(GcemuError, match=r"make\(map\[int\]int, 1073741824\): .* slots"):
        heap(model).make_map("map[int]int", hint=1 << 30)
