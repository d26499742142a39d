"""Stateful property test: gcemu's Go map against a Python dict, under both models.

Random inserts, overwrites, deletes (present and missing), lookups, clears, GC cycles
and range loops that mutate the map while they run. After every step the map must
agree with the dict and satisfy go-classic-map.md §7 plus the bookkeeping of §5.4,
§8 and §10.3; a range loop must keep Go's guarantees (§9.2): an entry present for the
whole loop and never deleted is produced exactly once, a deleted entry is not produced
unless it was inserted again, and no entry is produced twice.

Small key spaces and colliding hashes force long overflow chains, same-size growth
and the preallocated overflow pool.
"""

from contextlib import contextmanager

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

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
    MIN_TOP_HASH,
    OLD_ITERATOR,
    SAME_SIZE_GROW,
    evacuated,
    tophash,
)
from gcemu.maps.common import ClearedString

NKEYS = 128
BIG = (-1, -(1 << 63), (1 << 63) - 1, 1 << 40)  # the last 4 of the int64 key space
SMALL = NKEYS - len(BIG)
keys = st.integers(0, NKEYS - 1)


def _num(k):
    return int(k[1:]) if isinstance(k, str) else k


HASHES = {
    "default": None,
    # tophash 5..7, bucket k % 2 whatever B is: long chains, same-size growth
    "collide": lambda k, s: (_num(k) % 3) << 56 | (_num(k) % 2),
    # bucket k & mask: one key per bucket once B is large enough
    "low": lambda k, s: 0x50 << 56 | (_num(k) & 0xFFFF),
    # runs of 9 keys share a bucket: churn over a run adds one overflow bucket per
    # bucket, until noverflow reaches 2^B (same-size growth, §8.5)
    "groups": lambda k, s: 0x50 << 56 | (_num(k) // 9),
}


def chain(b):
    return list(b.chain())


class MapMachine(RuleBasedStateMachine):
    """One map, one dict. ``gen[k]`` counts the insertions of ``k`` as a new key, so
    that (k, gen[k]) names one entry for the iteration guarantees."""

    model = "go"

    @initialize(kind=st.sampled_from(["int64", "string"]), ptr=st.booleans(),
                hashing=st.sampled_from(sorted(HASHES)),
                hint=st.sampled_from([0, 0, 9, 14, 27, 53]), seed=st.integers(0, 1 << 16))
    def setup(self, kind, ptr, hashing, hint, seed):
        self.h = gcemu.Heap(model=self.model, seed=seed)
        self.h.declare("type T struct { id int; next *T }")
        self.kind, self.ptr = kind, ptr
        mtype = f"map[{kind}]{'*T' if ptr else 'int64'}"
        self.m = self.h.make_map(mtype, hint=hint, name="m", hash=HASHES[hashing])
        self.d = {}
        self.gen = {}
        self.made = []  # every *T value ever stored
        self.num = {self.key(n): n for n in range(NKEYS)}

    # -- helpers --------------------------------------------------------------------------
    def key(self, n):
        if self.kind == "string":
            return f"k{n}"
        return n if n < SMALL else BIG[n - SMALL]

    def value(self, n):
        if self.ptr:
            t = self.h.new("T", value={"id": n})
            self.made.append(t)
            return t
        return n * 7 - 100

    def same(self, a, b):
        return a is b if self.ptr else a == b

    def put(self, n, v):
        k = self.key(n)
        val = self.value(v)
        m = self.m
        arr = m.buckets_obj
        want = None if k in self.d else self.insert_slot(k)
        with self.grow_work():
            m[k] = val
        if want is not None and m.buckets_obj is arr and not m.growing():
            got = self.slot_of(k)
            assert got == want or (want[0] is None and got == (want[1].overflow, 0))
        if k not in self.d:
            self.gen[k] = self.gen.get(k, 0) + 1
        self.d[k] = val

    def insert_slot(self, k):
        """§5.3: where mapassign puts a new key when no growth is involved: the first
        empty slot of its chain (none can follow an emptyRest), else a new overflow
        bucket after the last one, as (None, last bucket)."""
        m = self.m
        if m.buckets_obj is None or m.growing():
            return None
        c = None
        for c in chain(m.buckets[m.hash(k) & ((1 << m.B) - 1)]):
            for i in range(BUCKET_CNT):
                if c.tophash[i] <= EMPTY_ONE:
                    return c, i
        return None, c

    def slot_of(self, k):
        m = self.m
        for c in chain(m.buckets[m.hash(k) & ((1 << m.B) - 1)]):
            for i in range(BUCKET_CNT):
                if c.tophash[i] >= MIN_TOP_HASH and c.keys[i] == k:
                    return c, i
        raise AssertionError(f"{k!r} not in its chain")

    def remove(self, n):
        k = self.key(n)
        with self.grow_work(self.m.count > 0):  # delete on an empty map returns at once
            del self.m[k]
        self.d.pop(k, None)

    @contextmanager
    def grow_work(self, works=True):
        """§8.2: a write during growth evacuates one or two old buckets, and always
        the one at nevacuate, so nevacuate moves."""
        m = self.m
        old = m.oldbuckets_obj
        if old is None:
            yield
            return
        n, done = m.nevacuate, sum(map(evacuated, m.oldbuckets))
        yield
        if m.oldbuckets_obj is old:
            now = sum(map(evacuated, m.oldbuckets))
            if works:
                assert m.nevacuate > n and 1 <= now - done <= 2
            else:
                assert (m.nevacuate, now) == (n, done)

    # -- rules ---------------------------------------------------------------------------
    @rule(n=keys, v=st.integers(0, 50))
    def insert(self, n, v):
        self.put(n, v)

    @rule(start=keys, count=st.integers(1, 60), v=st.integers(0, 50))
    def insert_many(self, start, count, v):
        for i in range(count):
            self.put((start + i) % NKEYS, v + i)

    @rule(start=keys)
    def insert_until_growing(self, start):
        """New keys until a growth starts: leaves the map half-evacuated."""
        for i in range(NKEYS):
            if self.m.growing():
                break
            self.put((start + i) % NKEYS, i)

    @rule(start=keys, width=st.integers(1, 20), steps=st.integers(1, 80))
    def churn(self, start, width, steps):
        """Insert-new / delete-oldest over a window of keys (§13e3)."""
        for i in range(steps):
            self.put((start + width + i) % NKEYS, i)
            self.remove((start + i) % NKEYS)

    @precondition(lambda self: self.d)
    @rule(data=st.data())
    def overwrite(self, data):
        n = data.draw(st.sampled_from(sorted(self.num[k] for k in self.d)))
        self.put(n, data.draw(st.integers(0, 50)))

    @rule(n=keys)
    def delete(self, n):
        self.remove(n)

    @rule(start=keys, count=st.integers(1, 60))
    def delete_many(self, start, count):
        for i in range(count):
            self.remove((start + i) % NKEYS)

    @rule(n=keys)
    def lookup(self, n):
        k = self.key(n)
        assert (k in self.m) == (k in self.d)
        got = self.m.get(k, "missing")
        assert got == "missing" if k not in self.d else self.same(got, self.d[k])

    @rule()
    def clear(self):
        self.m.clear()
        self.d.clear()

    @rule()
    def collect(self):
        r = self.h.collect()
        for v in (self.d.values() if self.ptr else ()):
            assert r.retained(v), f"live value {v!r} not retained: {self.m.describe()}"
        if self.model == "go" and self.ptr and not self.m.growing():
            live = {id(v) for v in self.d.values()}
            for t in self.made:  # Go clears what delete and evacuate leave behind
                if id(t) not in live:
                    assert r.collected(t), f"{t!r} retained: {r.reason(t)} {r.why(t)}"
            self.made = list(self.d.values())

    @rule(data=st.data())
    def iterate_with_mutation(self, data):
        m, d = self.m, self.d
        nonempty = bool(d)
        start = {(k, self.gen[k]) for k in d}
        deleted = set()  # entries deleted while the loop ran
        produced = set()
        cleared = None  # gen as of the first clear inside the loop
        budget = data.draw(st.integers(0, 30), label="mutations")
        stop_after = data.draw(st.one_of(st.none(), st.integers(0, 20)), label="break")
        arr = m.buckets_obj
        it = m.items()
        for count, (k, v) in enumerate(it):
            assert k in d, f"produced {k!r}, deleted before it was reached"
            entry = (k, self.gen[k])
            # mapclear reuses the array and rebuilds the overflow pool: an iterator
            # standing in a preallocated overflow bucket walks into whatever chain
            # reuses that bucket, so an entry made after a clear may come twice (as
            # in Go; see test_classic's test_clear_while_iterating_in_a_pool_bucket)
            assert entry not in produced or (
                cleared is not None and entry[1] > cleared.get(k, 0)), f"{k!r} twice"
            produced.add(entry)
            assert self.same(v, d[k]), f"stale value for {k!r}"
            assert len(self.h.stacks[0].frames) == 1
            if stop_after is not None and count >= stop_after:
                it.close()
                break
            while budget > 0 and data.draw(st.booleans(), label="mutate now"):
                budget -= 1
                op = data.draw(st.sampled_from(["del", "del", "ins", "ins", "grow", "clear"]))
                if op == "clear" and data.draw(st.integers(0, 5)):
                    continue  # keep clear rare
                if op == "clear":
                    deleted |= {(x, self.gen[x]) for x in d}
                    cleared = dict(self.gen) if cleared is None else cleared
                    self.clear()
                    continue
                if op == "grow":  # start a growth under the iterator
                    self.insert_until_growing(data.draw(keys))
                    continue
                n = data.draw(keys)
                kk = self.key(n)
                if op == "del":
                    if kk in d:
                        deleted.add((kk, self.gen[kk]))
                    self.remove(n)
                else:
                    self.put(n, data.draw(st.integers(0, 50)))
        else:
            missing = start - deleted - produced
            assert not missing, f"entries never produced: {sorted(missing, key=str)[:5]}"
        assert self.h.stacks[0].frames == []
        if nonempty and m.buckets_obj is arr:  # sticky until a hashGrow moves them
            assert m.flags & (ITERATOR | OLD_ITERATOR) == ITERATOR | OLD_ITERATOR

    # -- invariants --------------------------------------------------------------------------
    @invariant()
    def agrees_with_dict(self):
        m, d = self.m, self.d
        assert len(m) == m.count == len(d)
        for k, v in d.items():
            assert self.same(m.get(k, "missing"), v), f"{k!r}: {m.describe()}"
        for n in range(NKEYS):
            k = self.key(n)
            if k not in d:
                assert k not in m
        assert self.h.stacks[0].frames == []

    @invariant()
    def structure(self):
        m = self.m
        m.check_invariants()
        assert not m.flags & HASH_WRITING
        assert not m.flags & SAME_SIZE_GROW or m.growing()
        arr = m.buckets_obj
        if arr is None:
            assert m.B == 0 and m.count == 0 and m.extra is None
            return
        mask = (1 << m.B) - 1
        growing = m.growing()
        same = bool(m.flags & SAME_SIZE_GROW)
        go = self.model == "go"
        if growing:
            nold = m.noldbuckets()
            assert 0 <= m.nevacuate < nold
            for j, ob in enumerate(m.oldbuckets):
                if j < m.nevacuate:
                    assert evacuated(ob)
                if evacuated(ob):
                    self.check_evacuated(ob, same)
                else:  # its entries still live here; their new buckets are untouched
                    self.check_chain(ob, j, nold - 1)
                    for dj in (j,) if same else (j, j + nold):
                        new = m.buckets[dj]
                        assert list(new.tophash) == [EMPTY_REST] * BUCKET_CNT
                        assert new.overflow is None
        else:
            assert m.oldbuckets_obj is None
            assert m.nevacuate in (0, 1 << m.B, 1 << max(m.B - 1, 0))
        for j, b in enumerate(m.buckets):
            if not growing or evacuated(m.oldbuckets[j & (m.noldbuckets() - 1)]):
                self.check_chain(b, j, mask)
        # §5.4: below B=16 noverflow counts exactly the overflow buckets made since the
        # last hashGrow (or clear), and nothing unlinks them
        ovfs = [c for b in m.buckets for c in chain(b)[1:]]
        assert m.noverflow == len(ovfs)
        self.check_pool(arr, ovfs)
        extra = m.extra
        if m.layout.noscan:  # §10.3: the lists keep every overflow bucket alive
            items = extra.overflow.items if extra and extra.overflow else []
            assert {id(b) for b in items} == {id(b) for b in ovfs} and len(items) == len(ovfs)
            old_items = extra.oldoverflow.items if extra and extra.oldoverflow else []
            old_ovfs = ([c for b in m.oldbuckets for c in chain(b)[1:]] if growing else [])
            assert {id(b) for b in old_items} == {id(b) for b in old_ovfs}
        elif extra is not None:
            assert extra.overflow is None and extra.oldoverflow is None
        if go and growing and m.layout.has_pointers and not m.flags & OLD_ITERATOR:
            for ob in m.oldbuckets:  # §8.3: evacuate cleared the main old bucket
                if evacuated(ob):
                    assert list(ob.keys) == [None] * 8 and list(ob.elems) == [None] * 8
                    assert ob.overflow is None

    def check_evacuated(self, ob, same):
        for c in chain(ob):
            assert all(t in (EVACUATED_X, EVACUATED_EMPTY) or (t == EVACUATED_Y and not same)
                       for t in c.tophash), list(c.tophash)
            if self.model == "scanmap":  # nothing is cleared: the old copies stay
                for i in range(BUCKET_CNT):
                    if c.tophash[i] != EVACUATED_EMPTY:
                        assert c.keys[i] is not None

    def check_chain(self, head, j, mask):
        """Entries sit in the chain of their hash's bucket with their tophash; under
        the go model every empty slot has a cleared elem (and string key)."""
        m = self.m
        for c in chain(head):
            for i in range(BUCKET_CNT):
                t = c.tophash[i]
                if t >= MIN_TOP_HASH:
                    hsh = m.hash(c.keys[i])
                    assert hsh & mask == j and tophash(hsh) == t
                elif self.model == "go":
                    assert t in (EMPTY_REST, EMPTY_ONE)
                    assert c.elems[i] is None
                    if self.kind == "string":
                        assert c.keys[i] is None or isinstance(c.keys[i], ClearedString)

    def check_pool(self, arr, ovfs):
        """§3.3: the preallocated overflow buckets are used in order; the unused ones
        are zero, the last one carries the sentinel until it is taken."""
        m = self.m
        pool = arr.buckets.take(arr.nbase)
        nxt = m.extra.next_overflow if m.extra else None
        if not pool:
            assert nxt is None
            return
        used = {id(b) for b in ovfs}
        first_free = len(pool) if nxt is None else nxt.index - arr.nbase
        assert nxt is None or (nxt.owner is arr and pool[first_free] is nxt)
        for i, b in enumerate(pool):
            if i < first_free:
                assert id(b) in used
            else:
                assert id(b) not in used
                assert list(b.tophash) == [0] * BUCKET_CNT
                assert b.overflow is (arr.buckets[0] if b is pool[-1] else None)
        if nxt is None:
            assert pool[-1].overflow is not arr.buckets[0]


class ScanmapMapMachine(MapMachine):
    model = "scanmap"


SETTINGS = settings(max_examples=60, stateful_step_count=50, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.data_too_large])
TestGoModel = MapMachine.TestCase
TestGoModel.settings = SETTINGS
TestScanmapModel = ScanmapMapMachine.TestCase
TestScanmapModel.settings = SETTINGS
