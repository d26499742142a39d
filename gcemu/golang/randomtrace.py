"""Seeded random traces for the conformance suite.

`random_trace(seed)` drives a gcemu heap (model ``go``) with a random program and
returns its trace: one or two maps of map types drawn from `MAP_TYPES` (fast and
generic variants, pointer-free buckets, indirect keys and elems, string, pointer,
struct and float keys with NaN and -0.0, struct elems holding pointers, zero-size
elems), inserts towards a random target size and deletes back (growth, and deleting
the first, middle, last or every key), overwrites, deletes of missing keys, up to two
iterators alive at once with operations in between (also across growth), clear,
field stores, globals bound and dropped, and stop-the-world GC points.

Everything it stores again after a GC point is an object some rooted map holds as a
value at that moment, so Go (whose hash seeds, hence layouts, differ from the
generating heap's) holds it too; objects only ever point to older objects, so no
cycle can make Go's finalizers wait forever.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import gcemu

DECLS = (
    "type T struct { id int; next *T; buf [48]byte }",
    "type K2 struct { a int32; s string }",
    "type S struct { p *T; n int; q *T }",
    "type Big struct { p *T; buf [136]byte }",
    "type BK [17]int64",
    "type FK struct { f float64; i int32 }",
)

# map type -> (key kind, value kind); see _key and _value
MAP_TYPES: dict[str, tuple[str, str]] = {
    "map[int64]*T": ("int", "T"),            # mapassign_fast64, scan buckets
    "map[string]*T": ("str", "T"),           # faststr: delete keeps the length word
    "map[int32]int64": ("int32", "int"),     # fast32, pointer-free buckets
    "map[int64]int64": ("int", "int"),       # fast64, pointer-free buckets
    "map[*T]int": ("ptr", "int"),            # fast64 with pointer keys
    "map[K2]*T": ("K2", "T"),                # generic, NeedKeyUpdate, key with pointers
    "map[string]Big": ("str", "Big"),        # elem over 128 bytes: indirect, generic
    "map[BK]*T": ("BK", "T"),                # key over 128 bytes: indirect
    "map[int64]S": ("int", "S"),             # struct elems holding pointers
    "map[float64]*T": ("float", "T"),        # generic float keys: NaN, -0.0
    "map[FK]S": ("FK", "S"),                 # non-reflexive struct keys
    "map[uint8]string": ("u8", "strv"),      # generic 1-byte keys, string elems
    "map[int16]struct{}": ("i16", "empty"),  # zero-size elems
}


class _Gen:
    def __init__(self, seed: int, size: str):
        self.r = random.Random(seed)
        self.h = gcemu.Heap(model="go", seed=seed)
        for d in DECLS:
            self.h.declare(d)
        self.maps: list[tuple[str, Any]] = []  # (type, map) of rooted maps
        self.keypool: dict[int, list] = {}
        self.iters: list[list] = []  # [map, generator, steps left]
        self.fresh: list[Any] = []  # objects made since the last GC point
        self.n = 0
        self.big = size == "big"

    # -- values ------------------------------------------------------------------------
    def obj(self, fresh: bool = False) -> Any:
        """A T to store: fresh, or (sometimes) one a rooted map holds now."""
        r = self.r
        if not fresh and r.random() < 0.15:
            live = self.live_objects()
            if live:
                return r.choice(live)
        o = self.h.new("T", value={"id": self.n})
        self.n += 1
        self.fresh.append(o)
        if r.random() < 0.1:  # point at an older object (never a cycle)
            older = [x for x in self.fresh[:-1] if x.id < o.id] + [
                x for x in self.live_objects() if x.id < o.id]
            if older:
                o["next"] = r.choice(older)
        return o

    def live_objects(self) -> list:
        out = []
        for _t, m in self.maps:
            if len(m) > 64:
                continue
            for k, v in self._peek(m):
                for x in (k, v) if not isinstance(v, dict) else (k, *v.values()):
                    if isinstance(x, gcemu.core.heap.Object) and not x.freed:
                        out.append(x)
        return out

    def _peek(self, m: Any) -> list:
        """The entries of ``m`` without a recorded iteration (reads are not recorded,
        but an iteration would be): walk the buckets directly."""
        out = []
        lay = m.layout
        for arr in (m.buckets_obj, m.oldbuckets_obj):
            if arr is None:
                continue
            for b in arr.buckets:
                for i in range(8):
                    if b.tophash[i] >= 5:
                        k, v = b.keys[i], b.elems[i]
                        if lay.indirect_key:
                            k = k.value
                        if lay.indirect_elem:
                            v = v.value
                        out.append((lay.key.to_python(k), lay.elem.to_python(v)))
        return out

    def key(self, kind: str, mi: int) -> Any:
        r = self.r
        pool = self.keypool.setdefault(mi, [])
        if pool and r.random() < 0.25:
            return r.choice(pool)
        n = r.randrange(1 << 20) if r.random() < 0.5 else r.randrange(400)
        if kind == "int":
            k = n - 200 if r.random() < 0.3 else n
        elif kind == "int32":
            k = n
        elif kind == "i16":
            k = n % 30000
        elif kind == "u8":
            k = n % 256
        elif kind == "str":
            k = f"k{n}" if r.random() < 0.9 else "x" * r.randrange(0, 40)
        elif kind == "ptr":
            k = self.obj()
        elif kind == "K2":
            k = {"a": n % 97, "s": f"s{n}"}
        elif kind == "BK":
            k = [n] + [r.randrange(3) for _ in range(16)]
        elif kind == "float":
            x = r.random()
            k = (float("nan") if x < 0.05 else -0.0 if x < 0.08 else 0.0 if x < 0.1
                 else float("inf") if x < 0.11 else n / 4)
        elif kind == "FK":
            k = {"f": float("nan") if r.random() < 0.05 else n / 2, "i": n % 7}
        else:  # pragma: no cover
            raise AssertionError(kind)
        if kind not in ("ptr",) and not _nan(k):
            pool.append(k)
        return k

    def value(self, kind: str, fresh: bool = False) -> Any:
        """A value; ``fresh``: one no other entry has (NaN entries are told apart by
        their elems)."""
        r = self.r
        if kind == "T":
            return None if r.random() < 0.05 and not fresh else self.obj(fresh)
        if kind == "int":
            return r.randrange(-5, 1 << 40)
        if kind == "S":
            return {"p": self.obj(fresh), "n": r.randrange(100),
                    "q": self.obj() if r.random() < 0.3 else None}
        if kind == "Big":
            return {"p": self.obj(), "buf": [r.randrange(256)] + [0] * 135}
        if kind == "strv":
            return f"v{r.randrange(1000)}"
        if kind == "empty":
            return {}
        raise AssertionError(kind)  # pragma: no cover

    # -- the program ---------------------------------------------------------------------
    def make_map(self, i: int) -> None:
        r = self.r
        t = r.choice(list(MAP_TYPES))
        hint = 0 if r.random() < 0.7 else r.choice((0, 5, 8, 9, 20, 53, 100, 300))
        m = self.h.make_map(t, hint=hint, name=f"m{i}")
        self.maps.append((t, m))

    def run(self) -> list[dict]:
        r = self.r
        h = self.h
        self.make_map(0)
        if r.random() < 0.3:
            self.make_map(1)
        steps = r.randrange(700, 1400) if self.big else r.randrange(60, 220)
        target = r.choice((3, 8, 9, 12, 14, 27, 40, 53, 60, 104, 105, 150))
        if self.big:
            target = r.choice((210, 420, 840))
        phase_grow = True
        for _ in range(steps):
            mi = r.randrange(len(self.maps))
            t, m = self.maps[mi]
            kk, vk = MAP_TYPES[t]
            x = r.random()
            n = len(m)
            if phase_grow and n >= target:
                phase_grow = r.random() < 0.2
            elif not phase_grow and (n == 0 or r.random() < 0.03):
                phase_grow = True
                target = r.choice((3, 8, 9, 14, 27, 40, 53, 104, 105)) if not self.big \
                    else target
            if self.iters and x < 0.25:
                self.step_iter()
            elif x < 0.28 and len(self.iters) < 2:
                gen = m.items()
                self.iters.append([m, gen, r.randrange(1, 30)])
                self.step_iter(len(self.iters) - 1)
            elif x < 0.32:
                self.gc()
            elif x < 0.325:
                m.clear()
            elif x < 0.34 and n:
                self.store()
            elif x < 0.345:
                name = f"g{r.randrange(3)}"
                live = self.live_objects()
                h.set_global(name, r.choice(live) if live and r.random() < 0.7 else None)
            elif (phase_grow and (not self.big or x < 0.9)) or x < 0.45:
                if n and r.random() < 0.15:  # overwrite an existing key
                    keys = [k for k, _ in self._peek(m) if not _nan(k)]
                    if keys:
                        m[r.choice(keys)] = self.value(vk)
                        continue
                k = self.key(kk, mi)
                m[k] = self.value(vk, fresh=_nan(k))
            else:
                self.delete(m, kk, mi)
        while self.iters:
            self.end_iter(0)
        # the end: drop things, GC
        self.gc()
        if r.random() < 0.5:
            for _t, m in self.maps:
                if r.random() < 0.5:
                    for k in [k for k, _ in self._peek(m) if not _nan(k)][:r.randrange(20)]:
                        del m[k]
            self.gc()
        if r.random() < 0.5:
            h.set_global(f"m{r.randrange(len(self.maps))}", None)
            self.gc()
        return h.trace.records()

    def delete(self, m: Any, kk: str, mi: int) -> None:
        r = self.r
        entries = [k for k, _ in self._peek(m) if not _nan(k)]
        x = r.random()
        if not entries or x < 0.08:
            if kk != "ptr":
                k = self.key(kk, mi)
                if not _nan(k):
                    del m[k]
            return
        if x < 0.12:  # delete everything, in bucket order
            for k in entries:
                del m[k]
            return
        if x < 0.3:  # the last entry of some bucket (walks emptyRest back)
            k = entries[-1] if r.random() < 0.5 else entries[len(entries) // 2]
        else:
            k = r.choice(entries)
        del m[k]

    def store(self) -> None:
        live = self.live_objects()
        if not live:
            return
        o = self.r.choice(live)
        older = [x for x in live if x.id < o.id]
        o["next"] = self.r.choice(older) if older and self.r.random() < 0.7 else None

    def step_iter(self, j: int | None = None) -> None:
        r = self.r
        if j is None:
            j = r.randrange(len(self.iters))
        it = self.iters[j]
        for _ in range(r.randrange(1, 4)):
            if next(it[1], None) is None:
                self.end_iter(j)
                return
            it[2] -= 1
            if it[2] <= 0:
                self.end_iter(j)
                return

    def end_iter(self, j: int) -> None:
        _m, gen, _ = self.iters.pop(j)
        gen.close()

    def gc(self) -> None:
        self.h.collect()
        self.fresh = []


def _nan(k: Any) -> bool:
    if isinstance(k, float):
        return k != k
    if isinstance(k, dict):
        return any(_nan(v) for v in k.values())
    return False


def random_trace(seed: int, size: str = "small") -> list[dict]:
    """The records of a seeded random program (``size="big"`` for larger maps)."""
    return _Gen(seed, size).run()


Scenario = Callable[[gcemu.Heap], None]

__all__ = ["DECLS", "MAP_TYPES", "random_trace"]
