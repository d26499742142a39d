"""The classic Go map (gcemu.maps.classic) against go-classic-map.md, one test per rule.

Numbers are the spec's own (§12.2, §13). Where placement matters, ``hash=`` pins
each key to a bucket: ``(top << 56) | low`` gives tophash ``top`` and bucket
``low & mask``.
"""

import math

import pytest

import gcemu
from gcemu.maps.classic import (
    BUCKET_CNT,
    EMPTY_ONE,
    EMPTY_REST,
    EVACUATED_EMPTY,
    EVACUATED_X,
    EVACUATED_Y,
    HASH_WRITING,
    ITERATOR,
    LOAD_FACTOR_DEN,
    LOAD_FACTOR_NUM,
    MIN_TOP_HASH,
    OLD_ITERATOR,
    SAME_SIZE_GROW,
    BucketArray,
    Hiter,
    evacuated,
    over_load_factor,
    too_many_overflow_buckets,
    tophash,
)
from gcemu.maps.common import ClearedString, Indirect

MODELS = ("scanmap", "go")
TOP = 0x50


def low_hash(k, seed):
    """int key ``k``: tophash 0x50, bucket ``k & mask``."""
    return (TOP << 56) | k


def n_of(k: str) -> int:
    """The number in a key like ``"k42"``."""
    return int(k[1:])


def chain(b):
    return list(b.chain())


def n_overflow(m):
    """Overflow buckets linked into the current array's chains."""
    return sum(len(chain(b)) - 1 for b in m.buckets)


def evacuated_set(m):
    return {j for j, b in enumerate(m.oldbuckets) if evacuated(b)}


def filled(h, mtype, keys, hint=0, hash=None, name="m", value=None):
    m = h.make_map(mtype, hint=hint, name=name, hash=hash)
    for k in keys:
        m[k] = h.new("T") if value is None else value
    return m


# -- §1, §2.4, §3.2: constants and the pure rules ------------------------------------------
def test_constants_match_runtime():
    assert BUCKET_CNT == 8
    assert (EMPTY_REST, EMPTY_ONE, EVACUATED_X, EVACUATED_Y, EVACUATED_EMPTY,
            MIN_TOP_HASH) == (0, 1, 2, 3, 4, 5)
    assert (ITERATOR, OLD_ITERATOR, HASH_WRITING, SAME_SIZE_GROW) == (1, 2, 4, 8)
    assert (LOAD_FACTOR_NUM, LOAD_FACTOR_DEN) == (13, 2)
    assert EVACUATED_X ^ EVACUATED_Y == 1  # evacuate relies on the low bit


def test_tophash_moves_past_reserved_states():
    assert tophash(TOP << 56) == TOP
    assert tophash(0xFF << 56 | 0x1234) == 0xFF
    for top in range(MIN_TOP_HASH):
        assert tophash(top << 56 | 0xABCDEF) == top + MIN_TOP_HASH
    assert tophash(5 << 56) == 5


@pytest.mark.parametrize("B, maxcount", [(0, 8), (1, 13), (2, 26), (3, 52), (4, 104),
                                         (5, 208), (6, 416), (7, 832), (8, 1664),
                                         (9, 3328), (10, 6656)])
def test_over_load_factor_table(B, maxcount):
    assert not over_load_factor(maxcount, B)
    assert over_load_factor(maxcount + 1, B)
    if B >= 1:
        assert maxcount == 13 * (1 << (B - 1))


@pytest.mark.parametrize("noverflow, B, too_many", [
    (0, 0, False), (1, 0, True), (1, 1, False), (2, 1, True), (15, 4, False),
    (16, 4, True), (32767, 15, False), (32768, 15, True), (32767, 20, False),
    (32768, 20, True)])
def test_too_many_overflow_buckets(noverflow, B, too_many):
    assert too_many_overflow_buckets(noverflow, B) is too_many


@pytest.mark.parametrize("hint, B", [(-5, 0), (0, 0), (8, 0), (9, 1), (13, 1), (14, 2),
                                     (26, 2), (27, 3), (52, 3), (53, 4), (100, 4),
                                     (104, 4), (105, 5), (1000, 8)])
def test_makemap_hint_to_B(new_heap, hint, B):
    m = new_heap().make_map("map[string]*T", hint=hint)
    assert m.B == B
    assert (m.buckets_obj is None) == (B == 0)
    assert (m.count, m.flags, m.noverflow, m.nevacuate, m.oldbuckets) == (0, 0, 0, 0, None)


# -- §2.3, §3.3, §12.2, §13c: layout and bytes ------------------------------------------------
@pytest.mark.parametrize("mtype, bucket_size, pointers", [
    ("map[string]*T", 208, True),
    ("map[int64]int64", 144, False),
    ("map[string]string", 272, True),
    ("map[string]bool", 152, True),
    ("map[int]struct{}", 80, False),
    ("map[[200]byte]int", 144, True),
])
def test_bucket_size(new_heap, mtype, bucket_size, pointers):
    m = new_heap().make_map(mtype)
    assert m.layout.bucket_size == bucket_size
    assert m.layout.has_pointers is pointers


def test_hint_100_gives_B4_and_4096_bytes(new_heap):
    m = new_heap().make_map("map[string]*T", hint=100)
    arr = m.buckets_obj
    assert m.B == 4
    assert arr.size == 4096
    assert len(arr.buckets) == 19 and arr.nbase == 16 and len(m.buckets) == 16
    assert m.extra is not None and m.extra.next_overflow is arr.buckets[16]
    assert arr.buckets[18].overflow is arr.buckets[0]  # the end-of-pool sentinel
    assert all(b.overflow is None for b in arr.buckets.take(0, 18))


# §12.2: B -> (nbuckets, bytes) for map[string]*T (208, scan) and map[int64]int64 (144, noscan)
TABLE_12_2 = {
    0: ((1, 208), (1, 144)), 1: ((2, 416), (2, 288)), 2: ((4, 896), (4, 576)),
    3: ((8, 1792), (8, 1152)), 4: ((19, 4096), (18, 2688)), 5: ((39, 8192), (37, 5376)),
    6: ((68, 14336), (71, 10240)), 7: ((137, 28672), (142, 20480)),
    8: ((275, 57344), (284, 40960)), 9: ((551, 114688), (568, 81920)),
    10: ((1102, 229376), (1137, 163840)), 11: ((2205, 458752), (2218, 319488)),
    12: ((4371, 909312), (4380, 630784)),
}
# §13c: the smallest hint giving each B, and the HeapAlloc delta of make(map, hint)
TABLE_13C = {
    1: (9, 464, 336), 2: (14, 944, 624), 3: (27, 1840, 1200), 4: (53, 4168, 2760),
    5: (105, 8264, 5448), 6: (209, 14408, 10312), 7: (417, 28744, 20552),
    8: (833, 57416, 41032), 9: (1665, 114760, 81992), 10: (3329, 229448, 163912),
    11: (6657, 458824, 319560), 12: (13313, 909384, 630856),
}


@pytest.mark.parametrize("col, mtype", [(0, "map[string]*T"), (1, "map[int64]int64")])
@pytest.mark.parametrize("B", sorted(TABLE_12_2))
def test_bucket_array_bytes_12_2(new_heap, B, col, mtype):
    nbuckets, size = TABLE_12_2[B][col]
    h = new_heap()
    if B == 0:  # the lazily allocated single bucket
        m = h.make_map(mtype)
        assert m.buckets_obj is None
        m["a" if col == 0 else 1] = None if col == 0 else 1
    else:
        m = h.make_map(mtype, hint=TABLE_13C[B][0])
    assert m.B == B
    assert len(m.buckets_obj.buckets) == nbuckets
    assert m.buckets_obj.size == size
    assert m.buckets_obj.noscan is (col == 1)


@pytest.mark.parametrize("col, mtype", [(1, "map[string]*T"), (2, "map[int64]int64")])
@pytest.mark.parametrize("B", sorted(TABLE_13C))
def test_make_heap_delta_13c(new_heap, B, col, mtype):
    hint, delta = TABLE_13C[B][0], TABLE_13C[B][col]
    h = new_heap()
    before = h.bytes_in_use()
    m = h.make_map(mtype, hint=hint)
    assert m.B == B
    assert h.bytes_in_use() - before == delta
    extra = 24 if B >= 4 else 0  # mapextra holds nextOverflow
    assert delta == 48 + extra + m.buckets_obj.size
    assert (m.extra is not None) == (B >= 4)


def test_hint_0_allocates_only_the_hmap(new_heap):
    h = new_heap()
    before = h.bytes_in_use()
    m = h.make_map("map[string]*T")
    assert h.bytes_in_use() - before == 48
    assert m.buckets_obj is None and m.extra is None
    m["a"] = None
    assert m.B == 0 and m.buckets_obj.size == 208 and len(m.buckets_obj.buckets) == 1
    assert h.bytes_in_use() - before == 48 + 208


def test_1000_keys_then_delete_all_keeps_the_57344_byte_array(new_heap):
    h = new_heap()
    m = filled(h, "map[string]*T", [f"k{i:04d}" for i in range(1000)])
    assert (m.count, m.B) == (1000, 8)
    assert not m.growing() and m.nevacuate == 128  # §13c c1
    arr = m.buckets_obj
    assert arr.size == 57344 and len(arr.buckets) == 275
    for i in range(999):
        del m[f"k{i:04d}"]
    seed = m.hash0
    del m["k0999"]
    assert m.count == 0 and len(m) == 0
    assert m.hash0 != seed  # reseeded when count hit 0 (issue 25237)
    assert m.B == 8 and m.buckets_obj is arr and arr.size == 57344
    assert all(t == EMPTY_REST for b in m.buckets for c in chain(b) for t in c.tophash)
    m.check_invariants()


def test_hash0_reseeded_only_when_delete_empties_the_map(new_heap):
    h = new_heap()
    m = filled(h, "map[string]*T", ["a", "b"])
    seed = m.hash0
    del m["missing"]
    m["a"] = None
    del m["a"]
    assert m.hash0 == seed
    del m["b"]
    assert m.hash0 != seed
    seed = m.hash0
    del m["b"]  # count is 0: returns at once
    assert m.hash0 == seed


# -- §13a program a: tophash transitions of delete and insert -----------------------------------
@pytest.mark.parametrize("model", MODELS)
def test_program_a(new_heap, model):
    h = new_heap(model)
    m = h.make_map("map[string]*T", name="m")
    ts = {i: h.new("T", name=f"T{i}") for i in range(8)}
    for i in range(8):
        m[f"k{i}"] = ts[i]
    b = m.buckets[0]
    assert (m.count, m.B, m.flags, m.noverflow) == (8, 0, 0, 0)
    assert b.keys == [f"k{i}" for i in range(8)]  # slot i = insertion i
    top = [tophash(m.hash(f"k{i}")) for i in range(8)]
    assert list(b.tophash) == top
    go = model == "go"

    del m["k3"]  # next slot full -> emptyOne
    assert list(b.tophash) == [*top[:3], EMPTY_ONE, *top[4:]]
    assert m.count == 7
    if go:
        assert repr(b.keys[3]) == "nil(len=2)" and b.elems[3] is None
    else:
        assert b.keys[3] == "k3" and b.elems[3] is ts[3]
    r = h.collect()
    if go:
        assert r.collected(ts[3])
    else:
        assert r.retained(ts[3]) and r.reason(ts[3]) == "stale-slot"

    del m["k7"]  # last slot, no overflow -> emptyRest; slot 6 full stops back-propagation
    assert list(b.tophash) == [*top[:3], EMPTY_ONE, *top[4:7], EMPTY_REST]
    del m["k4"]  # slot 5 full -> emptyOne
    assert list(b.tophash) == [*top[:3], EMPTY_ONE, EMPTY_ONE, *top[5:7], EMPTY_REST]
    del m["k6"]  # slot 7 emptyRest -> slot 6 emptyRest; slot 5 full stops
    assert list(b.tophash) == [*top[:3], EMPTY_ONE, EMPTY_ONE, top[5], EMPTY_REST, EMPTY_REST]
    del m["k5"]  # back-propagates over 5, 4, 3; stops at full slot 2
    assert list(b.tophash) == top[:3] + [EMPTY_REST] * 5
    assert m.count == 3
    m.check_invariants()
    r = h.collect()
    for i in range(4, 8):
        assert r.collected(ts[i]), i
    if not go:
        assert r.collected(ts[3])  # now behind emptyRest: no longer traced

    t100 = h.new("T", name="T100")
    m["k100"] = t100  # first empty slot = slot 3
    assert list(b.tophash) == top[:3] + [tophash(m.hash("k100"))] + [EMPTY_REST] * 4
    assert b.keys[3] == "k100" and b.elems[3] is t100

    seed = m.hash0
    for k in ("k0", "k1", "k2", "k100"):
        del m[k]
    assert m.count == 0 and list(b.tophash) == [EMPTY_REST] * 8
    assert m.hash0 != seed
    if go:
        assert [repr(k) for k in b.keys] == (["nil(len=2)"] * 3 + ["nil(len=4)"]
                                             + ["nil(len=2)"] * 4)
        assert b.elems == [None] * 8
    else:
        assert b.keys == ["k0", "k1", "k2", "k100", "k4", "k5", "k6", "k7"]
    r = h.collect()
    for t in (ts[0], ts[1], ts[2], t100):
        assert r.collected(t)


def test_program_a_m2_ninth_key_grows_inside_the_insert(new_heap):
    h = new_heap()
    m = h.make_map("map[string]*T", name="m2")
    for i in range(8):
        m[f"k{1000 + i}"] = None
    assert (m.count, m.B, m.nevacuate) == (8, 0, 0)
    old = m.buckets_obj
    m["k2000"] = None
    assert (m.count, m.B, m.nevacuate, m.noverflow) == (9, 1, 1, 0)
    assert not m.growing() and m.oldbuckets is None and m.oldbuckets_obj is None
    assert m.flags & SAME_SIZE_GROW == 0
    assert all(t in (EVACUATED_X, EVACUATED_Y) for t in old.buckets[0].tophash)
    assert sorted(k for b in m.buckets for k, t in zip(b.keys, b.tophash, strict=True)
                  if t >= MIN_TOP_HASH) == [*sorted(f"k{1000 + i}" for i in range(8)), "k2000"]
    m.check_invariants()


def test_e1_forged_empty_one_hides_the_key_but_gc_ignores_tophash(new_heap):
    for model in MODELS:
        h = new_heap(model)
        m = h.make_map("map[string]*T", name="m")
        ts = {i: h.new("T") for i in range(1000, 1008)}
        for i, t in ts.items():
            m[f"k{i}"] = t
        b = m.buckets[0]
        b.tophash[2] = EMPTY_ONE  # forged: memory not zeroed
        assert "k1002" not in m and m.get("k1002") is None
        assert m["k1002"] is None  # zero value of *T
        r = h.collect()
        assert r.retained(ts[1002]), model
        del m["k1003"]
        r = h.collect()
        if model == "go":
            assert r.collected(ts[1003])
        else:
            assert r.reason(ts[1003]) == "stale-slot"


# -- §6: emptyRest back-propagation across overflow buckets -------------------------------------
@pytest.mark.parametrize("model", MODELS)
def test_empty_rest_back_propagates_into_predecessor_buckets(new_heap, model):
    h = new_heap(model)
    m = filled(h, "map[int64]*T", range(20), hint=14, hash=lambda k, s: (TOP << 56) | k << 2)
    assert m.B == 2
    main, ovf1, ovf2 = chain(m.buckets[0])
    assert m.noverflow == 2
    assert list(ovf2.tophash) == [TOP] * 4 + [EMPTY_REST] * 4

    del m[7]  # slot 7 of main: the next bucket's slot 0 is full -> emptyOne
    assert main.tophash[7] == EMPTY_ONE
    for k in (15, *range(8, 15)):
        del m[k]
    assert list(ovf1.tophash) == [EMPTY_ONE] * 8  # ovf2[0] is full: not the tail
    for k in (16, 17, 18):
        del m[k]
    assert list(ovf2.tophash) == [EMPTY_ONE] * 3 + [TOP] + [EMPTY_REST] * 4
    m.check_invariants()

    del m[19]  # the last full slot: emptyRest walks back through ovf2, ovf1, main[7]
    assert list(ovf2.tophash) == [EMPTY_REST] * 8
    assert list(ovf1.tophash) == [EMPTY_REST] * 8
    assert list(main.tophash) == [TOP] * 7 + [EMPTY_REST]
    assert chain(m.buckets[0]) == [main, ovf1, ovf2]  # nothing is unlinked
    assert m.count == 7 and m.noverflow == 2
    m.check_invariants()

    m[100] = None  # first empty slot of the chain: main[7]
    assert main.tophash[7] == TOP and main.keys[7] == 100
    del m[100]  # slot 7, next bucket starts with emptyRest -> emptyRest, main[6] stops it
    assert list(main.tophash) == [TOP] * 7 + [EMPTY_REST]
    for k in range(7):
        assert k in m
    m.check_invariants()


def test_delete_of_slot_7_before_a_full_overflow_is_empty_one(new_heap):
    h = new_heap()
    m = filled(h, "map[int64]*T", range(9), hint=9, hash=lambda k, s: (TOP << 56) | k << 1)
    main, ovf = chain(m.buckets[0])
    del m[7]
    assert main.tophash[7] == EMPTY_ONE
    del m[8]  # the only entry of ovf: ovf[0] emptyRest, then main[7] (emptyOne) too
    assert list(ovf.tophash) == [EMPTY_REST] * 8
    assert list(main.tophash) == [TOP] * 7 + [EMPTY_REST]
    m.check_invariants()


# -- §5.3: where mapassign inserts --------------------------------------------------------------
def test_assign_takes_the_first_empty_slot_before_the_first_empty_rest(new_heap):
    h = new_heap()
    m = filled(h, "map[int64]*T", range(11), hint=14, hash=lambda k, s: (TOP << 56) | k << 2)
    main, ovf = chain(m.buckets[0])
    del m[2]
    assert main.tophash[2] == EMPTY_ONE
    v9 = h.new("T")
    m[9] = v9  # key present in the overflow bucket: update, do not use the hole
    assert m.count == 10 and main.tophash[2] == EMPTY_ONE and ovf.elems[1] is v9
    m[11] = None  # new key: the hole in main, not ovf[3]
    assert main.keys[2] == 11 and main.tophash[2] == TOP and ovf.tophash[3] == EMPTY_REST
    del m[5]
    del m[6]
    m[12] = None
    assert main.keys[5] == 12 and main.tophash[6] == EMPTY_ONE
    del m[9]
    del m[10]  # ovf = [full, emptyRest...]
    assert list(ovf.tophash) == [TOP] + [EMPTY_REST] * 7
    m[13] = None
    assert main.keys[6] == 13
    m[14] = None
    assert ovf.keys[1] == 14 and ovf.tophash[1] == TOP
    assert m.noverflow == 1 and len(chain(m.buckets[0])) == 2
    m.check_invariants()


def test_assign_prefers_an_empty_one_to_a_later_empty_rest(new_heap):
    h = new_heap()
    m = filled(h, "map[int64]*T", range(6), hash=low_hash)
    b = m.buckets[0]
    del m[1]
    assert list(b.tophash) == [TOP, EMPTY_ONE, TOP, TOP, TOP, TOP, EMPTY_REST, EMPTY_REST]
    m[6] = None
    assert b.keys[1] == 6 and list(b.tophash[6:]) == [EMPTY_REST, EMPTY_REST]


def test_full_chain_links_a_new_overflow_bucket(new_heap):
    h = new_heap()
    m = filled(h, "map[int64]*T", range(8), hint=9, hash=lambda k, s: (TOP << 56) | k << 1)
    assert len(chain(m.buckets[0])) == 1 and m.noverflow == 0
    m[8] = None
    _, ovf = chain(m.buckets[0])
    assert ovf.keys[0] == 8 and ovf.tophash[0] == TOP and m.noverflow == 1
    assert ovf.owner is not m.buckets_obj and ovf.owner.role == "overflow"
    assert ovf.owner.size == m.layout.bucket_size == 144  # newobject(t.Bucket)


def test_overwrite_and_delete_never_grow(new_heap):
    h = new_heap()
    m = filled(h, "map[int64]*T", range(8))
    for k in range(8):
        m[k] = None
    del m[99]
    assert m.B == 0 and not m.growing()
    del m[0]
    m[0] = None  # new key again, count 8: no growth
    assert m.B == 0
    m[8] = None
    assert m.B == 1


# -- §8: growth ------------------------------------------------------------------------------------
def test_53rd_key_grows_B3_to_B4_and_grow_work_is_bounded(new_heap):
    h = new_heap()
    m = filled(h, "map[int64]*T", range(52), hint=27, hash=low_hash)
    assert (m.count, m.B, m.noverflow) == (52, 3, 0)
    m[52] = None  # bucket 52 & 7 = 4: evacuate(4), then evacuate(nevacuate = 0)
    assert (m.count, m.B, m.noverflow, m.nevacuate) == (53, 4, 0, 1)  # §13b
    assert m.growing() and len(m.oldbuckets) == 8 and m.flags == 0
    assert evacuated_set(m) == {0, 4}

    assert m[0] is not None and m.get(5) is not None  # reads never evacuate
    assert 7 in m and len(m) == 53 and m.get(99) is None
    assert evacuated_set(m) == {0, 4}

    m[1] = None  # an overwrite does growWork: old 1, then nevacuate (2)
    assert evacuated_set(m) == {0, 1, 2, 4} and m.nevacuate == 3
    del m[999]  # a delete of a missing key too: 999 & 7 = 7, then 3
    assert evacuated_set(m) == {0, 1, 2, 3, 4, 7} and m.nevacuate == 5
    old = m.oldbuckets
    del m[13]  # 13 & 7 = 5, then 6; old 7 is done: growth ends after 4 writes
    assert all(evacuated(b) for b in old)
    assert not m.growing() and m.nevacuate == 8 and m.oldbuckets is None
    for k in range(200, 230):
        m[k] = None
    del m[200]
    assert m.nevacuate == 8  # kept until the next hashGrow
    assert all(k in m for k in range(53) if k != 13)
    m.check_invariants()


def test_x_y_split_and_evacuation_marks(new_heap):
    """§8.3: entries go to X (j) or Y (j + newbit) by hash & newbit; evacuated slots
    become 2/3, empty ones 4; destinations are packed from slot 0."""
    h = new_heap("scanmap")
    # bucket k & 1 under B=1; newbit 2 picks X or Y
    m = filled(h, "map[int64]*T", [*range(0, 16, 2), *range(1, 10, 2)], hint=9,
               hash=low_hash)
    assert (m.B, m.count) == (1, 13)
    del m[4]  # old[0] slot 2 -> emptyOne
    m[11] = None  # old[1] slot 5
    old = m.buckets_obj
    m[13] = None  # count+1 = 14 > 13: grow to B=2; two old buckets: done in this insert
    assert (m.B, m.count, m.nevacuate, m.growing()) == (2, 14, 2, False)
    o0, o1 = old.buckets
    assert list(o0.tophash) == [2, 3, 4, 3, 2, 3, 2, 3]  # keys 0 2 - 6 8 10 12 14
    assert list(o1.tophash) == [2, 3, 2, 3, 2, 3, 4, 4]  # keys 1 3 5 7 9 11 - -
    assert evacuated(o0) and evacuated(o1)
    live = {j: [k for k, t in zip(b.keys, b.tophash, strict=True) if t >= MIN_TOP_HASH]
            for j, b in enumerate(m.buckets)}
    assert live == {0: [0, 8, 12], 1: [1, 5, 9, 13], 2: [2, 6, 10, 14], 3: [3, 7, 11]}
    for b in m.buckets:  # packed: full slots first, then emptyRest
        n = sum(t >= MIN_TOP_HASH for t in b.tophash)
        assert list(b.tophash[n:]) == [EMPTY_REST] * (8 - n)
    m.check_invariants()


def test_evacuated_reads_only_tophash0_of_the_main_bucket(new_heap):
    h = new_heap()
    m = filled(h, "map[int64]*T", range(3))
    b = m.buckets[0]
    for t0, want in ((0, False), (1, False), (2, True), (3, True), (4, True), (5, False),
                     (0xFF, False)):
        b.tophash[0] = t0
        b.tophash[1] = EVACUATED_X
        assert evacuated(b) is want


@pytest.mark.parametrize("mtype", ["map[int64]*T", "map[int64]int64"])
def test_same_size_grow_from_too_many_overflow_buckets(new_heap, mtype):
    """§8.5: noverflow >= 2^B with a low load grows to the same B, repacking into X."""
    h = new_heap()
    m = h.make_map(mtype, hint=14, hash=low_hash)  # B=2: bucket k & 3
    val = h.new("T") if mtype.endswith("*T") else 7
    assert m.B == 2
    for j in range(4):  # fill bucket j's chain (9 entries: one overflow bucket)
        keys = [j + 4 * i for i in range(9)]
        for k in keys:
            m[k] = val
        assert m.noverflow == j + 1
        if j in (0, 2):
            for k in keys:
                del m[k]
        elif j == 1:
            for k in keys[:8]:
                del m[k]  # keeps 33 in the overflow bucket, behind 8 holes
    assert m.count == 10 and m.noverflow == 4 and not m.growing()
    assert too_many_overflow_buckets(m.noverflow, m.B)
    old = m.buckets_obj
    m[1002] = val  # bucket 2: evacuate(2), evacuate(0); old 1 and 3 remain
    assert m.B == 2 and m.flags & SAME_SIZE_GROW and m.growing()
    assert m.noverflow == 0 and m.nevacuate == 1
    assert m.buckets_obj is not old and len(m.oldbuckets) == 4
    assert evacuated_set(m) == {0, 2}
    m[33] = val  # old 1, then old 3: done
    assert not m.growing() and m.flags & SAME_SIZE_GROW == 0 and m.nevacuate == 4
    for b in old.buckets.take(0, 4):  # same-size: everything went to X
        for c in chain(b):
            assert all(t in (EVACUATED_X, EVACUATED_EMPTY) for t in c.tophash)
    b1 = m.buckets[1]
    assert b1.keys[0] == 33 and list(b1.tophash) == [TOP] + [EMPTY_REST] * 7
    assert b1.overflow is None  # holes removed, chain dropped
    assert len(chain(m.buckets[3])) == 2 and m.noverflow == 1
    assert m.count == 11 and all(k in m for k in (33, 1002, *range(3, 36, 4)))
    m.check_invariants()


def test_same_size_grow_under_churn_e3(new_heap):
    """§13e3: insert-new/delete-oldest at count 40 in a B=3 map."""
    h = new_heap(seed=3)
    m = h.make_map("map[int64]*T", hint=40)
    for k in range(40):
        m[k] = None
    assert m.B == 3
    seen = cleared = 0
    for step in range(20000):
        m[40 + step] = None
        del m[step]
        assert m.B == 3 and m.count == 40
        if m.flags & SAME_SIZE_GROW:
            assert m.growing()
            seen += 1
        elif seen:
            cleared += 1
            if cleared > 3:
                break
    assert seen and cleared
    assert all(k in m for k in range(step + 1, step + 41))
    m.check_invariants()


# -- §3.3, §5.4: preallocated overflow buckets, noverflow ---------------------------------------
def test_preallocated_overflow_pool_and_sentinel(new_heap):
    h = new_heap()
    m = h.make_map("map[string]*T", hint=53, hash=lambda k, s: (TOP << 56) | n_of(k) << 4)
    arr = m.buckets_obj
    pool = arr.buckets.take(16)
    assert m.B == 4 and len(pool) == 3 and pool[2].overflow is arr.buckets[0]
    for i in range(8):
        m[f"k{i}"] = None
    assert m.extra.next_overflow is pool[0]
    m["k8"] = None  # takes pool[0], bumps the pointer
    assert m.buckets[0].overflow is pool[0] and m.extra.next_overflow is pool[1]
    for i in range(9, 17):
        m[f"k{i}"] = None
    assert pool[0].overflow is pool[1] and m.extra.next_overflow is pool[2]
    assert pool[2].overflow is arr.buckets[0]  # still the sentinel
    for i in range(17, 25):
        m[f"k{i}"] = None
    assert pool[1].overflow is pool[2]
    assert pool[2].overflow is None  # the sentinel cleared when the last one is taken
    assert m.extra.next_overflow is None
    for i in range(25, 32):
        m[f"k{i}"] = None
    assert pool[2].overflow is None and pool[2].keys[7] == "k31"
    m["k32"] = None  # pool exhausted: a separate newobject(t.Bucket)
    ovf = pool[2].overflow
    assert ovf is not None and ovf.owner is not arr and ovf.owner.role == "overflow"
    assert ovf.owner.size == 208 and ovf.keys[0] == "k32"
    assert m.noverflow == 4 == n_overflow(m)
    assert [c.owner is arr for c in chain(m.buckets[0])] == [True, True, True, True, False]
    m.check_invariants()


def test_incrnoverflow_is_sampled_and_seeded_for_B16(new_heap):
    def run(seed):
        h = new_heap(seed=seed)
        m = h.make_map("map[int64]int64", hint=212993,
                       hash=lambda k, s: (TOP << 56) | k << 20)
        assert m.B == 16
        for k in range(8 * 101):
            m[k] = k
        made = n_overflow(m)
        assert made == 100 == len(m.extra.overflow.items)
        return m.noverflow

    a, b = run(1), run(1)
    assert a == b  # seeded
    assert 20 <= a <= 80  # probability 1/2 each, out of 100


def test_noverflow_counts_every_overflow_bucket_below_B16(new_heap):
    h = new_heap()
    m = filled(h, "map[int64]*T", range(24), hint=14, hash=lambda k, s: (TOP << 56) | k << 2)
    assert m.noverflow == 2 == n_overflow(m)


def test_noscan_overflow_lists_e2(new_heap):
    """§10.3, §13e2: pointer-free buckets keep every overflow bucket in extra.overflow;
    hashGrow moves it to oldoverflow; it is dropped when growth ends."""
    h = new_heap()
    m = h.make_map("map[int64]int64", hint=14,
                   hash=lambda k, s: (TOP << 56) | (k % 2) << 2)  # B=2: all in bucket 0
    for k in range(26):
        m[k] = k
    assert m.B == 2 and not m.buckets_obj.pointers()  # noscan: nothing to scan
    ovfs = chain(m.buckets[0])[1:]
    assert len(ovfs) == 3 == m.noverflow
    lst = m.extra.overflow
    assert lst.items == ovfs and m.extra.oldoverflow is None
    assert all(b.overflow is not None for b in chain(m.buckets[0])[:-1])
    m[26] = 26  # grow to B=3; evacuate(0) fills X=0 and Y=4 (one overflow each)
    assert m.B == 3 and m.growing() and m.nevacuate == 2
    assert m.extra.oldoverflow is lst and lst.items == ovfs
    assert m.noverflow == 2 == n_overflow(m)
    assert m.extra.overflow is not lst
    assert m.extra.overflow.items == [m.buckets[0].overflow, m.buckets[4].overflow]
    del m[1000]  # evacuate(0) again (a no-op), then old 2
    assert m.growing() and m.nevacuate == 3 and m.extra.oldoverflow is lst
    del m[1000]  # old 3: done
    assert not m.growing() and m.extra.oldoverflow is None
    assert len(m.extra.overflow.items) == m.noverflow == 2
    assert all(m[k] == k for k in range(27))
    m.check_invariants()


def test_noscan_without_overflow_has_no_extra(new_heap):
    h = new_heap()
    m = h.make_map("map[int64]int64")
    for k in range(8):
        m[k] = k
    assert m.extra is None


# -- §2.1, §8.1, §9.1: iterator flags --------------------------------------------------------------
def test_iterator_flags_are_sticky(new_heap):
    h = new_heap()
    m = filled(h, "map[int64]*T", range(52), hint=27, hash=low_hash)
    assert m.flags == 0
    it = m.items()
    assert m.flags == 0  # mapiterinit runs on the first next()
    next(it)
    assert m.flags == ITERATOR | OLD_ITERATOR
    assert sum(1 for _ in it) == 51
    assert m.flags == ITERATOR | OLD_ITERATOR  # not cleared when the loop ends
    m[52] = None  # hashGrow: iterator -> oldIterator
    assert m.growing() and m.flags == OLD_ITERATOR
    while m.growing():
        m[52] = None
    assert m.flags == OLD_ITERATOR
    for _ in m.items():
        break
    assert m.flags == ITERATOR | OLD_ITERATOR
    for k in range(53):
        del m[k]
    assert m.count == 0 and m.flags == ITERATOR | OLD_ITERATOR  # as §13c c1


def test_iteration_order_is_start_bucket_then_rotated_slots(new_heap):
    """§9.1-9.2: buckets from a random start, wrapping; in every bucket of a chain the
    slots are visited from one random offset, rotating."""
    h = new_heap(seed=7)
    keys = [k for k in range(32) if k % 4 != 3] + [32, 36]  # bucket 3 stays empty
    m = filled(h, "map[int64]int64", keys, hint=14, hash=low_hash, value=1)
    assert m.B == 2 and len(chain(m.buckets[0])) == 2
    for _ in range(10):
        got = [k for k, _ in m.items()]
        first = got[0]
        start = first & 3
        offset = m.buckets[start].keys.index(first)  # buckets 0-2 are full
        want = []
        for j in range(4):
            for c in chain(m.buckets[(start + j) % 4]):
                for i in range(8):
                    off = (i + offset) & 7
                    if c.tophash[off] >= MIN_TOP_HASH:
                        want.append(c.keys[off])
        assert got == want


def test_b1_a_live_iterator_keeps_the_old_array_alive(new_heap):
    """§13b b1: range, grow inside the loop, delete the originals: the iterator's
    snapshot keeps them until the loop returns."""
    h = new_heap("go")
    m, ts = _b_map(h)
    it = m.items()
    next(it)
    assert m.flags == ITERATOR | OLD_ITERATOR
    t52 = h.new("T")
    m["k52"] = t52
    assert m.growing() and m.flags == OLD_ITERATOR and m.nevacuate == 1
    for n in range(52):
        del m[f"k{n}"]
    assert (m.count, m.B, m.growing(), m.nevacuate) == (1, 4, False, 8)
    assert m.flags == OLD_ITERATOR
    r = h.collect()
    assert all(r.retained(t) for t in ts.values())
    assert list(it) == []  # every original was deleted; k52 is not in the snapshot
    assert h.stacks[0].frames == []
    r = h.collect()
    assert all(r.collected(t) for t in ts.values()) and r.retained(t52)


def test_iterating_an_empty_map_sets_no_flags(new_heap):
    h = new_heap()
    m = h.make_map("map[string]*T")
    assert list(m.items()) == [] and m.flags == 0
    m["a"] = None
    del m["a"]
    assert list(m.items()) == [] and list(m) == [] and m.flags == 0
    assert h.stacks[0].frames == []


def test_hiter_is_a_stack_root_while_the_range_runs(new_heap):
    h = new_heap()
    m = filled(h, "map[int64]int64", range(20), value=1)
    frames = h.stacks[0].frames
    it = m.items()
    next(it)
    assert len(frames) == 1 and isinstance(frames[0], Hiter)
    hit = frames[0]
    assert hit.h is m and hit.buckets is m.buckets_obj and hit.B == m.B
    assert hit.overflow is m.extra.overflow  # pointer-free buckets: the lists too
    it.close()
    assert frames == []
    list(m.items())
    assert frames == []


# -- §8.3: what evacuate clears (models.md) --------------------------------------------------------
def _b_map(h):
    """52 string keys in a B=3 map; buckets 0-3 hold 9 entries (one overflow each)."""
    def hash(k, s):
        n = n_of(k)
        return (TOP << 56) | ((n // 6) & 1) << 3 | n % 6
    ts = {n: h.new("T", name=f"T{n}") for n in range(52)}
    m = h.make_map("map[string]*T", hint=27, name="m", hash=hash)
    for n, t in ts.items():
        m[f"k{n}"] = t
    assert (m.B, m.count, m.noverflow) == (3, 52, 4)
    return m, ts


@pytest.mark.parametrize("ranged", [False, True])
@pytest.mark.parametrize("model", MODELS)
def test_evacuate_clearing_b2_b3(new_heap, model, ranged):
    """§13b b2 (never ranged) vs b3 (ranged before growth)."""
    h = new_heap(model)
    m, ts = _b_map(h)
    if ranged:
        assert len(list(m.items())) == 52
    old = m.buckets_obj
    old_ovf = [b.overflow for b in old.buckets.take(0, 8)]
    assert [o is not None for o in old_ovf] == [True] * 4 + [False] * 4
    before = {j: (list(b.keys), list(b.elems)) for j, b in enumerate(old.buckets.take(0, 8))}
    t52 = h.new("T")
    m["k52"] = t52
    assert m.growing() and m.nevacuate == 1
    assert m.flags == (OLD_ITERATOR if ranged else 0)
    for n in range(52):
        del m[f"k{n}"]
    assert (m.count, m.B, m.growing(), m.nevacuate) == (1, 4, False, 8)
    h.set_global("old", old)  # hold the old array, as the spec's program does
    clears = model == "go" and not ranged
    for j, b in enumerate(old.buckets.take(0, 8)):
        assert all(t in (2, 3, 4) for t in b.tophash)  # tophash always preserved
        if clears:
            assert list(b.keys) == [None] * 8 and list(b.elems) == [None] * 8 and b.overflow is None
        else:
            assert (b.keys, b.elems) == before[j] and b.overflow is old_ovf[j]
    for o in old_ovf[:4]:  # overflow buckets are at most unlinked, never zeroed
        assert all(t in (2, 3, 4) for t in o.tophash)
        assert any(e is not None for e in o.elems)
    r = h.collect()
    assert r.retained(t52)
    if model == "go":
        for t in ts.values():
            assert r.collected(t) is clears, t
    else:
        for t in ts.values():
            assert r.retained(t)


def test_f_preallocated_overflow_buckets_are_never_cleared(new_heap):
    """§13f: evacuate clears main old buckets only; a preallocated overflow bucket
    inside the old array keeps its stale entry until the old array is dropped."""
    h = new_heap("go")

    def hash(k, s):
        n = n_of(k)
        return (TOP << 56) | ((n // 12) & 1) << 4 | n % 12

    m = h.make_map("map[string]*T", hint=53, name="m", hash=hash)
    ts = {n: h.new("T", name=f"T{n}") for n in range(104)}
    for n, t in ts.items():
        m[f"k{n}"] = t
    arr = m.buckets_obj
    assert (m.count, m.B, m.noverflow) == (104, 4, 8)
    pre = arr.buckets[16]
    assert m.buckets[0].overflow is pre and pre.keys[0] == "k96" and pre.elems[0] is ts[96]
    assert m.buckets[7].elems[1] is ts[19]  # a main bucket
    m["k104"] = None
    del m["k96"]
    del m["k19"]
    assert m.growing() and m.B == 5 and m.count == 103 and m.oldbuckets_obj is arr
    assert evacuated(arr.buckets[0]) and evacuated(arr.buckets[7])
    assert list(arr.buckets[0].keys) == [None] * 8 and arr.buckets[0].overflow is None
    assert pre.keys[0] == "k96" and pre.elems[0] is ts[96]  # not cleared
    assert list(pre.tophash) == [EVACUATED_X] + [EVACUATED_EMPTY] * 7
    r = h.collect()
    assert r.retained(ts[96]) and r.collected(ts[19])
    while m.growing():
        del m["k999"]
    assert m.nevacuate == 16
    r = h.collect()
    assert r.collected(ts[96]) and r.collected(arr)


# -- §6: what delete clears --------------------------------------------------------------------
def _slot_of(m, key):
    want = m.layout.key.convert(key)
    for b in m.buckets:
        for c in chain(b):
            for i in range(BUCKET_CNT):
                k = c.keys[i].value if m.layout.indirect_key else c.keys[i]
                if c.tophash[i] >= MIN_TOP_HASH and k == want:
                    return c, i
    raise AssertionError(f"{key!r} not found")


DELETE_CASES = [
    # (map type, variant, key, elem(t), key slot after go delete)
    ("map[string]*T", "faststr", "ab", lambda t: t, "cleared-string"),
    ("map[string]int64", "faststr", "é", lambda t: 5, "cleared-string"),
    ("map[int64]*T", "fast64", 5, lambda t: t, "kept"),
    ("map[int32]*T", "fast32", 5, lambda t: t, "kept"),
    ("map[*T]int64", "fast64", None, lambda t: 9, "nil"),
    ("map[[3]int64]*T", "generic", (1, 2, 3), lambda t: t, "kept"),
    ("map[struct{ p *T; n int }]int64", "generic", "struct", lambda t: 9, "nil"),
    ("map[string][20]*T", "generic", "ab", lambda t: [t] + [None] * 19, "nil"),
    ("map[[200]byte]*T", "generic", bytes(range(200)), lambda t: t, "indirect"),
    ("map[int64][20]*T", "generic", 7, lambda t: [t] + [None] * 19, "kept"),
]


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("mtype, variant, key, elem, key_after", DELETE_CASES,
                         ids=[c[0] for c in DELETE_CASES])
def test_what_delete_clears(new_heap, model, mtype, variant, key, elem, key_after):
    h = new_heap(model)
    m = h.make_map(mtype, name="m")
    t = h.new("T", name="t")
    if key is None:
        key = h.new("T", name="kt")
    elif key == "struct":
        key = {"p": h.new("T", name="kt"), "n": 3}
    m[key] = elem(t)
    assert m.variant == variant
    b, i = _slot_of(m, key)
    stored_key, stored_elem = b.keys[i], b.elems[i]
    del m[key]
    assert b.tophash[i] == EMPTY_REST and m.count == 0 and key not in m
    if model == "scanmap":  # clears nothing
        assert b.keys[i] is stored_key and b.elems[i] is stored_elem
        return
    assert b.elems[i] is None  # the elem is always cleared (slot pointer if indirect)
    if m.layout.indirect_elem:
        assert isinstance(stored_elem, Indirect) and not stored_elem.freed
        assert stored_elem.value[0] is t  # the object itself is left untouched
    if key_after == "cleared-string":
        assert isinstance(b.keys[i], ClearedString)
        assert repr(b.keys[i]) == f"nil(len={len(key.encode())})"
    elif key_after == "kept":
        assert b.keys[i] is stored_key
    elif key_after == "nil":
        assert b.keys[i] is None
    else:
        assert key_after == "indirect" and b.keys[i] is None
        assert isinstance(stored_key, Indirect) and stored_key.value == key  # [N]byte is bytes
    r = h.collect()
    assert r.collected(t)
    if m.layout.indirect_elem:
        assert r.collected(stored_elem)


def test_indirect_keys_and_elems(new_heap):
    h = new_heap()
    m = h.make_map("map[[200]byte][20]*T", name="m")
    assert m.layout.indirect_key and m.layout.indirect_elem and m.layout.bucket_size == 144
    t = h.new("T")
    k = bytes(200)
    m[k] = [t] + [None] * 19
    b = m.buckets[0]
    assert isinstance(b.keys[0], Indirect) and isinstance(b.elems[0], Indirect)
    assert b.keys[0].size == 208 and b.elems[0].size == 160
    assert m[k][0] is t and k in m and bytes(1) * 200 in m
    ind_k, ind_e = b.keys[0], b.elems[0]
    m[k] = [None] * 20  # overwrite: stores through the indirect objects
    assert b.keys[0] is ind_k and b.elems[0] is ind_e and ind_e.value[0] is None


# -- §9: iteration -----------------------------------------------------------------------------
@pytest.mark.parametrize("model", MODELS)
def test_iteration_started_during_growth_yields_each_entry_once(new_heap, model):
    h = new_heap(model, seed=5)
    m = filled(h, "map[int64]int64", range(52), hint=27, value=0)
    m[52] = 0
    assert m.growing()
    got = [k for k, _ in m.items()]
    assert sorted(got) == list(range(53))
    assert m.growing()  # iteration never evacuates
    got = []
    for k, v in m.items():  # overwrites evacuate under the iterator
        got.append(k)
        assert v == m[k]
        m[(k * 7) % 53] = k
    assert sorted(got) == list(range(53))
    assert not m.growing()
    m.check_invariants()


@pytest.mark.parametrize("model", MODELS)
def test_growth_during_iteration_yields_each_original_once(new_heap, model):
    h = new_heap(model, seed=11)
    m = filled(h, "map[string]*T", [f"k{i}" for i in range(50)], hint=27)
    orig = {f"k{i}" for i in range(50)}
    got = []
    new = 0
    for k, _ in m.items():
        got.append(k)
        for _ in range(3):  # inserts: the map grows (twice) under the iterator
            m[f"n{new}"] = None
            new += 1
    assert m.B >= 5
    produced = [k for k in got if k in orig]
    assert sorted(produced) == sorted(orig)
    assert len(got) == len(set(got))
    m.check_invariants()


@pytest.mark.parametrize("growing", [False, True])
@pytest.mark.parametrize("model", MODELS)
def test_delete_during_iteration_skips_unreached_entries(new_heap, model, growing):
    h = new_heap(model, seed=2)
    m = filled(h, "map[int64]*T", range(52), hint=27)
    if growing:
        m[52] = None
        assert m.growing()
    keys = set(range(53 if growing else 52))
    got = []
    for k, _ in m.items():
        got.append(k)
        if len(got) == 1:
            for d in keys - {k}:
                if d % 2:
                    del m[d]
    assert got[0] not in got[1:]
    assert set(got[1:]) == {k for k in keys if k % 2 == 0} - {got[0]}
    m.check_invariants()


def test_nan_keys(new_heap):
    h = new_heap()
    m = h.make_map("map[float64]int64", name="m")
    nan = float("nan")
    for i in range(12):
        m[nan] = i  # each insert adds an entry (NaN != NaN)
    m[1.5] = 100
    assert len(m) == 13 and m.B == 1
    assert nan not in m and m.get(nan) is None and m[nan] == 0
    del m[nan]  # never found
    assert len(m) == 13
    got = list(m.items())
    assert sorted(v for k, v in got if k != k) == list(range(12))
    assert (1.5, 100) in got
    m.check_invariants()
    m.clear()
    assert len(m) == 0 and list(m.items()) == []


def test_nan_inside_array_and_struct_keys(new_heap):
    """A key holding a NaN is unequal to itself (and f64hash gives it a random hash),
    even when Python would compare the same NaN object equal inside a tuple."""
    h = new_heap()
    h.declare("type K struct { f float64; n int }")
    nan = float("nan")
    for mtype, key in (("map[[2]float64]int64", (nan, 1.0)),
                       ("map[K]int64", {"f": nan, "n": 1}),
                       ("map[[20]float64]int64", [nan] * 20)):  # indirect key
        m = h.make_map(mtype)
        assert not m.layout.reflexive_key
        for i in range(3):
            m[key] = i  # the same NaN object each time: still a new entry
        assert len(m) == 3 and key not in m and m.get(key) is None, mtype
        del m[key]
        assert len(m) == 3
        assert sorted(v for _, v in m.items()) == [0, 1, 2]
        m.check_invariants()


def _is_nan(k):
    return k != k if isinstance(k, float) else math.isnan(k[0])


@pytest.mark.parametrize("mtype", ["map[float64]int64", "map[[2]float64]int64"])
def test_nan_keys_survive_growth_under_an_iterator(new_heap, mtype):
    h = new_heap(seed=4)
    m = h.make_map(mtype)
    nan = float("nan")
    scalar = mtype == "map[float64]int64"
    for i in range(8):
        m[nan if scalar else (nan, 0.0)] = i
    got = []
    for k, v in m.items():
        if _is_nan(k):
            got.append(v)
        if len(got) == 1:
            for j in range(30):  # grows the map under the iterator
                m[float(j) if scalar else (float(j), 0.0)] = 1000 + j
    assert m.B == 3  # 38 entries: B=0 -> 1 -> 2 -> 3
    assert sorted(got) == list(range(8))
    m.check_invariants()


def test_signed_zero_is_one_key_and_the_key_is_updated(new_heap):
    h = new_heap()
    m = h.make_map("map[float64]int64")
    assert m.layout.need_key_update and not m.layout.reflexive_key
    m[0.0] = 1
    m[-0.0] = 2
    assert len(m) == 1 and m[0.0] == 2 and m[-0.0] == 2
    (k, v), = m.items()
    assert v == 2 and math.copysign(1.0, k) == -1.0  # NeedKeyUpdate stored -0.0
    m[0.0] = 3
    (k, _), = m.items()
    assert math.copysign(1.0, k) == 1.0
    del m[-0.0]
    assert len(m) == 0


def test_string_key_update_stores_the_new_string(new_heap):
    h = new_heap()
    m = h.make_map("map[string]int64")
    k1 = "".join(["ab", "cd"])
    k2 = "".join(["a", "bcd"])
    assert k1 == k2 and k1 is not k2
    m[k1] = 1
    first = m.buckets[0].keys[0]
    m[k2] = 2
    # each store built its string: the slot now holds the second one's data
    second = m.buckets[0].keys[0]
    assert second == k2 and second.data is not first.data


def test_struct_and_array_keys(new_heap):
    h = new_heap()
    h.declare("type K struct { a int64; s string; f float64 }")
    m = h.make_map("map[K]int64")
    assert m.layout.need_key_update and not m.layout.reflexive_key
    m[{"a": 1, "s": "x"}] = 10
    m[(1, "x", 0.0)] = 11  # same key
    m[{"a": 2}] = 20
    assert len(m) == 2 and m[{"a": 1, "s": "x", "f": -0.0}] == 11
    assert sorted((k["a"], k["s"], v) for k, v in m.items()) == [(1, "x", 11), (2, "", 20)]
    del m[(2, "", 0.0)]
    assert len(m) == 1 and {"a": 2} not in m

    a = h.make_map("map[[2]int64]string")
    assert a.layout.reflexive_key and not a.layout.need_key_update
    a[(1, 2)] = "x"
    a[[1, 2]] = "y"
    a[(2, 1)] = "z"
    assert len(a) == 2 and a[[1, 2]] == "y" and sorted(a) == [(1, 2), (2, 1)]

    p = h.make_map("map[struct{ p *T }]int64")
    t1, t2 = h.new("T"), h.new("T")
    p[{"p": t1}] = 1
    p[{"p": t2}] = 2
    p[{"p": None}] = 3
    assert len(p) == 3 and p[{"p": t1}] == 1 and p[{"p": None}] == 3
    for m_ in (m, a, p):
        m_.check_invariants()


# -- §9.4: clear -------------------------------------------------------------------------------
@pytest.mark.parametrize("model", MODELS)
def test_clear(new_heap, model):
    h = new_heap(model, seed=1)
    m = filled(h, "map[string]*T", [f"k{i}" for i in range(104)], hint=53)
    assert m.B == 4
    m["k104"] = None  # grow to B=5
    assert m.growing() and m.B == 5
    arr = m.buckets_obj
    it = m.items()
    next(it)
    seed = m.hash0
    m.clear()
    assert (m.count, len(m), m.B, m.noverflow, m.nevacuate) == (0, 0, 5, 0, 0)
    assert m.oldbuckets is None and not m.growing()
    assert m.hash0 != seed
    assert m.flags == ITERATOR | OLD_ITERATOR  # iterator flags are kept
    assert m.buckets_obj is arr and arr.size == 8192 and len(arr.buckets) == 39
    assert m.extra.next_overflow is arr.buckets[32]  # the pool is rebuilt
    assert m.extra.overflow is None and m.extra.oldoverflow is None
    assert arr.buckets[-1].overflow is arr.buckets[0]
    for b in arr.buckets.take(0, -1):
        assert list(b.tophash) == [EMPTY_REST] * 8 and b.overflow is None
        assert b.keys == [None] * 8 and b.elems == [None] * 8
    assert list(it) == []  # a live iterator stops producing
    assert h.stacks[0].frames == []
    m.check_invariants()
    m["a"] = None
    assert list(m) == ["a"] and m.B == 5
    m.clear()
    m.clear()  # count 0: nothing
    assert len(m) == 0


def test_clear_drops_noscan_overflow_lists(new_heap):
    h = new_heap()
    m = h.make_map("map[int64]int64", hint=9, hash=lambda k, s: (TOP << 56) | k << 1)
    for k in range(10):
        m[k] = k
    assert m.extra.overflow.items
    m.clear()
    assert m.extra.overflow is None and m.buckets[0].overflow is None
    assert m.extra.next_overflow is None and m.B == 1


def test_clear_during_iteration_marks_old_buckets_empty(new_heap):
    h = new_heap(seed=9)
    m = filled(h, "map[int64]*T", range(52), hint=27)
    got = []
    for k, _ in m.items():
        got.append(k)
        if len(got) == 1:
            m[52] = None  # grow under the iterator: it walks the old array
            m.clear()
    assert got == got[:1]
    assert len(m) == 0


def test_clear_while_iterating_in_a_pool_bucket(new_heap):
    """Derived from runtime/map.go (mapclear, mapiternext), not measured: mapclear
    keeps the array and rebuilds the overflow pool, and the iterator keeps its place
    (bptr, i). Standing in a preallocated overflow bucket, it follows that bucket into
    the chain that reuses it after the clear, then walks that chain again from its
    main bucket: entries made after the clear can be produced twice."""
    dupes = 0
    for seed in range(6):
        h = new_heap(seed=seed)
        m = h.make_map("map[int64]int64", hint=53,
                       hash=lambda k, s: (TOP << 56) | k % 2)  # even: bucket 0, odd: 1
        arr = m.buckets_obj
        for k in range(0, 18, 2):  # 9 in bucket 0: 16 goes to the pool
            m[k] = k
        assert arr.buckets[0].overflow is arr.buckets[16] and arr.buckets[16].keys[0] == 16
        got = []
        for k, _ in m.items():
            got.append(k)
            if k == 16:  # standing in pool bucket 16
                m.clear()
                for j in range(1, 35, 2):  # 17 in bucket 1: main, pool 16, pool 17
                    m[j] = j
                assert arr.buckets[1].overflow is arr.buckets[16]
        before = got[:got.index(16) + 1]
        after = got[len(before):]
        assert sorted(before) == sorted(set(before)) and all(k % 2 == 0 for k in before)
        assert all(k % 2 == 1 for k in after)  # nothing from before the clear
        dupes += len(after) - len(set(after))
        m.check_invariants()
    assert dupes > 0


# -- errors ------------------------------------------------------------------------------------
def test_wrong_key_or_value_type_is_a_clear_error(new_heap):
    h = new_heap()
    h.declare("type U struct { x int }")
    m = filled(h, "map[int64]*T", range(3))
    assert issubclass(gcemu.GoTypeError, gcemu.GcemuError)
    with pytest.raises(gcemu.GoTypeError, match=r"key of map\[int64\]\*T: .*x.* is not an int64"):
        m["x"] = None
    with pytest.raises(gcemu.GcemuError, match=r"key of map\[int64\]\*T"):
        m["x"]
    with pytest.raises(gcemu.GcemuError, match="is not an int64"):
        "x" in m  # noqa: B015
    with pytest.raises(gcemu.GcemuError, match="is not an int64"):
        del m[1.5]
    with pytest.raises(gcemu.GcemuError, match="overflows int64"):
        m[1 << 63] = None
    with pytest.raises(gcemu.GcemuError, match=r"value of map\[int64\]\*T"):
        m[1] = 5
    with pytest.raises(gcemu.GcemuError, match="cannot use"):
        m[1] = h.new("U")
    s = h.make_map("map[string]int64")
    with pytest.raises(gcemu.GoTypeError, match="is not a string"):
        s[1] = 1
    assert len(m) == 3 and len(s) == 0 and m.flags & HASH_WRITING == 0
    m.check_invariants()
    with pytest.raises(gcemu.GcemuError, match="map type"):
        h.make_map("int64")
    with pytest.raises(gcemu.GcemuError, match="hint"):
        h.make_map("map[int64]int64", hint="9")


def test_describe_and_types(new_heap):
    h = new_heap()
    m = filled(h, "map[int64]*T", range(9), hint=9)
    assert m.describe() == ("count=9 B=1 flags=0 noverflow=0 growing=false nevacuate=0")
    assert isinstance(m.buckets_obj, BucketArray)
    list(m.items())
    assert "flags=iterator|oldIterator" in m.describe()
