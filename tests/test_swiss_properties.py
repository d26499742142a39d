"""Stateful property test: gcemu's Swiss map against a Python dict, Go 1.25 and 1.27.

Random inserts, overwrites, deletes (present and missing), lookups, clears, churn, GC
cycles and range loops that mutate the map while they run. After every step the map
must agree with the dict and keep go-swiss-map.md §9: ``used`` equals the full slots;
per table ``growthLeft + used + tombstones == capacity * 7 / 8``; no group holds both a
tombstone and an empty slot; the small group holds no tombstone; the directory has
``2^globalDepth`` entries and every table fills exactly its range; and nothing shrinks.
A range loop keeps Go's guarantees: an entry present for the whole loop and never
deleted is produced exactly once, and no entry is produced twice.

Colliding hashes force long probe sequences, tombstones and pruning; a key space of
2,000 lets bulk inserts reach table splits and directory doubling.
"""

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

import gcemu
from gcemu.maps.swiss import CTRL_DELETED

NKEYS = 2000
keys = st.integers(0, NKEYS - 1)

HASHES = {
    "default": None,
    # few H1 and H2 values: long probes, many tombstones, prunes that find nothing
    # (the top byte still varies, or a full table could never split)
    "collide": lambda k, s: (k & 0xFF) << 56 | (k % 41) << 7 | (k % 3),
    # the top bits spread the keys over tables, the low bits pile them into groups
    "tables": lambda k, s: (k * 0x9E3779B97F4A7C15 & (0xFF << 56)) | ((k % 7) << 7),
}


class SwissMachine(RuleBasedStateMachine):
    model = "go-swiss"

    @initialize(kind=st.sampled_from(["int64", "pair", "ptr"]),
                hashing=st.sampled_from(sorted(HASHES)),
                hint=st.sampled_from([0, 0, 8, 9, 100, 897]), seed=st.integers(0, 1 << 16))
    def setup(self, kind, hashing, hint, seed):
        self.h = gcemu.Heap(model=self.model, seed=seed, trace=False)
        self.h.declare("type T struct { id int; next *T }")
        self.h.declare("type P struct { a, b int }")
        self.kind = kind
        key = {"int64": "int64", "pair": "P", "ptr": "*T"}[kind]
        self.keyobjs = {}
        fn = HASHES[hashing]
        hash_fn = None if fn is None else (lambda k, s: fn(self.num(k), s))
        self.m = self.h.make_map(f"map[{key}]int64", hint=hint, name="m", hash=hash_fn)
        self.d = {}
        self.gen = {}
        self.capacity = self.m.capacity

    def key(self, n):
        if self.kind == "pair":
            return {"a": n, "b": -n}
        if self.kind == "ptr":
            if n not in self.keyobjs:
                self.keyobjs[n] = self.h.new("T", value={"id": n})
                self.h.set_global(f"k{n}", self.keyobjs[n])  # keep key objects alive
            return self.keyobjs[n]
        return n

    def num(self, k):
        if self.kind == "pair":
            return k["a"]
        if self.kind == "ptr":
            return k["id"]
        return k

    def put(self, n, v):
        self.m[self.key(n)] = v
        if n not in self.d:
            self.gen[n] = self.gen.get(n, 0) + 1
        self.d[n] = v

    def remove(self, n):
        del self.m[self.key(n)]
        self.d.pop(n, None)

    @rule(n=keys, v=st.integers(-50, 50))
    def insert(self, n, v):
        self.put(n, v)

    @rule(start=keys, count=st.integers(1, 400), v=st.integers(0, 50))
    def insert_many(self, start, count, v):
        for i in range(count):
            self.put((start + i) % NKEYS, v + i)

    @rule(start=keys, width=st.integers(1, 40), steps=st.integers(1, 300))
    def churn(self, start, width, steps):
        """Insert-new / delete-oldest over a window of keys (golang/go#70886)."""
        for i in range(steps):
            self.put((start + width + i) % NKEYS, i)
            self.remove((start + i) % NKEYS)

    @precondition(lambda self: self.d)
    @rule(data=st.data())
    def overwrite(self, data):
        n = data.draw(st.sampled_from(sorted(self.d)))
        self.put(n, data.draw(st.integers(0, 50)))

    @rule(n=keys)
    def delete(self, n):
        seed = self.m.seed
        present = n in self.d
        self.remove(n)
        if not present or self.d:
            assert self.m.seed == seed, "only a delete that empties the map reseeds"

    @rule(start=keys, count=st.integers(1, 400))
    def delete_many(self, start, count):
        for i in range(count):
            self.remove((start + i) % NKEYS)

    @rule(n=keys)
    def lookup(self, n):
        k = self.key(n)
        assert (k in self.m) == (n in self.d)
        got = self.m.get(k, "missing")
        assert got == self.d.get(n, "missing")

    @rule()
    def clear(self):
        m = self.m
        seq, seed = m.clearSeq, m.seed
        effective = m.used > 0 or m.tombstonePossible
        m.clear()
        self.d.clear()
        assert m.clearSeq == seq + effective and (m.seed != seed) == effective
        assert m.tombstones() == 0 and not m.tombstonePossible

    @rule()
    def collect(self):
        self.h.collect()

    @rule(data=st.data())
    def iterate_with_mutation(self, data):
        d = self.d
        start = {(n, self.gen[n]) for n in d}
        deleted, produced = set(), set()
        budget = data.draw(st.integers(0, 30), label="mutations")
        for k, v in self.m.items():
            n = self.num(k)
            assert n in d, f"produced {n}, deleted before it was reached"
            entry = (n, self.gen[n])
            assert entry not in produced, f"{n} twice"
            produced.add(entry)
            assert v == d[n], f"stale value for {n}"
            while budget > 0 and data.draw(st.booleans(), label="mutate now"):
                budget -= 1
                op = data.draw(st.sampled_from(["del", "ins", "grow"]))
                if op == "grow":
                    self.insert_many(data.draw(keys), 200, 1)
                    continue
                n2 = data.draw(keys)
                if op == "del":
                    if n2 in d:
                        deleted.add((n2, self.gen[n2]))
                    self.remove(n2)
                else:
                    self.put(n2, data.draw(st.integers(0, 50)))
        missing = start - deleted - produced
        assert not missing, f"entries never produced: {sorted(missing)[:5]}"
        assert self.h.stacks[0].frames == []

    @invariant()
    def agrees_with_dict(self):
        m, d = self.m, self.d
        assert len(m) == m.used == len(d)
        for n, v in d.items():
            assert m.get(self.key(n), "missing") == v, f"{n}: {m.describe()}"

    @invariant()
    def structure(self):
        m = self.m
        m.check_invariants()  # §9 1-5, growthLeft + used + tombstones == cap * 7/8
        if m.dirLen == 0 and m.dirPtr is not None:
            assert CTRL_DELETED not in m.dirPtr.groups[0].ctrl
        for t in m.tables:
            assert t.index >= 0 and 8 <= t.capacity <= 1024
            assert t.capacity & (t.capacity - 1) == 0
        assert m.capacity >= self.capacity, "a map never shrinks"
        self.capacity = m.capacity


class Swiss127Machine(SwissMachine):
    model = "go-swiss-1.27"


_SETTINGS = settings(max_examples=15, stateful_step_count=20, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow])
TestSwiss = SwissMachine.TestCase
TestSwiss.settings = _SETTINGS
TestSwiss127 = Swiss127Machine.TestCase
TestSwiss127.settings = _SETTINGS
