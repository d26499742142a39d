"""Curated conformance scenarios for the Swiss-table map (go-swiss-map.md), as traces.

Each function builds a program on a gcemu heap (model ``go-swiss``); its trace is what
runs on Go 1.25 and 1.27 (`gcemu.golang.swisscompare`). The objects a scenario touches
after a GC point are ones some root holds for sure (a map value it just read, a
global), so they are alive in Go whatever its hash seeds. `SCENARIOS` maps a name to
``(function, what it covers)``; `LIGHT` names the scenarios big enough to run with
light dumps (table counters after every operation, groups at the operations marked
``"chk"``: GC points, and every 100th operation).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from gcemu.golang.curated import fill, new_heap


def small_fill_delete_grow(h):
    """§1.3, §3.1: the small group (no tombstones: delete writes EMPTY), refilled lowest
    slot first, then the 9th key moves it into a 16-slot table."""
    m = h.make_map("map[int64]*T", name="m")
    fill(h, m, range(5))
    del m[1]
    del m[3]
    h.collect()
    fill(h, m, range(5, 11))  # 3 and 1's slots first; 10 is the 9th key: growToTable
    h.collect()
    del m[0]
    del m[7]
    h.collect()


def small_full_update(h):
    """§11.1: an update of a key of a full small map grows it to a table in Go 1.25, not
    in Go 1.27 (putSlotSmall finds the key first)."""
    m = h.make_map("map[string]*T", name="m")
    fill(h, m, [f"k{i}" for i in range(8)])
    m["k3"] = h.new("T", name="k3b")
    h.collect()
    m2 = h.make_map("map[int32]int64", name="m2")
    for i in range(8):
        m2[i] = i
    m2[5] = 50
    m2[8] = 8  # a new key: both releases grow now


def grow_to_1024(h):
    """§3.4: single inserts grow 16, 32, ... 1024 at the 9th, 15th, 29th, 57th, 113th,
    225th and 449th key; tombstones are dropped by the grow."""
    m = h.make_map("map[int64]int64", name="m")
    for i in range(460):
        m[i * 7] = i
        if i % 50 == 49:
            del m[(i - 20) * 7]


def split_and_double(h):
    """§3.3: the 897th key splits the 1024-slot table (globalDepth 1), the 1745th splits
    one half (the directory doubles to 4), and the other half then splits without a
    doubling (installTableSplit)."""
    m = h.make_map("map[int64]int64", name="m")
    for i in range(2700):
        m[i] = -i
    for i in range(0, 2700, 3):
        del m[i]


def hints(h):
    """§3.4: make(map, hint): nothing for hint <= 8; hint*8/7 slots over a directory of
    next_pow2(slots/1024) tables."""
    for hint in (0, 8, 9, 14, 15, 100, 896, 897, 1000):
        m = h.make_map("map[int64]*T", hint=hint, name=f"m{hint}")
        fill(h, m, range(min(hint, 40) + 3), prefix=f"h{hint}_")
    h.collect()


def delete_empty_vs_tombstone(h):
    """§4: a delete writes EMPTY (and returns growth budget) when its group has an empty
    slot, else a tombstone (tombstonePossible); inserts reuse the first tombstone on
    their probe."""
    m = h.make_map("map[int64]*T", name="m")
    fill(h, m, range(56))  # a 64-slot table at 7/8: most groups full
    for i in range(0, 56, 3):
        del m[i]
    h.collect()
    fill(h, m, range(100, 112), prefix="r")
    for i in range(100, 112, 2):
        del m[i]
    del m[9999]  # not present: nothing changes
    h.collect()


def delete_all_reseed(h):
    """§4: a delete that empties the map draws a new seed (small or table map); the
    tables, their tombstones and tombstonePossible stay; a delete on an empty map
    changes nothing."""
    s = h.make_map("map[string]*T", name="s")
    fill(h, s, ["a", "b", "c"])
    for k in "abc":
        del s[k]
    del s["a"]
    fill(h, s, ["d"])
    m = h.make_map("map[int64]*T", name="m")
    fill(h, m, range(120))
    for i in range(120):
        del m[i]
    h.collect()
    fill(h, m, range(200, 230))  # hashed under the new seed
    h.collect()


def clear_map(h):
    """§5.1: clear zeroes groups (Go 1.27: every group of a dense table with small
    slots, so stale pointer-free keys go too), keeps the tables, resets tombstones and
    tombstonePossible, bumps clearSeq and reseeds; on an empty map it does that only if
    tombstones were possible."""
    m = h.make_map("map[int64]int64", name="m")
    for i in range(56):
        m[i] = i
    for i in range(52):
        del m[i]  # pointer-free keys stay in their slots, in groups now without entries
    m.clear()  # used*4 > groups-1: Go 1.27 zeroes every group, Go 1.25 those with entries
    m.clear()  # empty, no tombstones: nothing
    for i in range(40):
        m[i] = i
    for i in range(40):
        del m[i]
    m.clear()  # empty but tombstonePossible: effective
    p = h.make_map("map[string]*T", name="p")
    fill(h, p, [f"k{i}" for i in range(30)])
    for i in range(25):
        del p[f"k{i}"]
    p.clear()  # sparse: only groups with a full slot are zeroed
    h.collect()
    s = h.make_map("map[int64]*T", name="s")
    fill(h, s, range(5))
    s.clear()
    h.collect()


def prune_paths(h):
    """§3.5, §11.6: insert-new / delete-oldest churn at a fixed size (70 keys, whose
    128-slot tables fill up with tombstones). fast64 and faststr prune tombstones
    before growing, and stay at 128 slots; the generic path never does, and grows; the
    pointer-key path (fast64ptr) prunes in Go 1.27 only."""
    h.declare("type K2 struct { a int32; s string }")
    maps = {"f64": h.make_map("map[int64]*T", name="f64"),
            "str": h.make_map("map[string]*T", name="str"),
            "ptr": h.make_map("map[*T]int64", name="ptr"),
            "gen": h.make_map("map[K2]*T", name="gen")}
    width = 70
    keys = {n: [] for n in maps}
    for step in range(1800):
        for n, m in maps.items():
            if n == "ptr":
                k = h.new("T")
                m[k] = step
            else:
                k = {"f64": step * 7919, "str": f"key-{step}",
                     "gen": {"a": step % 13, "s": f"s{step}"}}[n]
                m[k] = h.new("T")
            keys[n].append(k)
            if len(keys[n]) > width:
                del m[keys[n].pop(0)]
        if step % 450 == 0:
            h.collect()
    h.collect()


def delete_under_iterator(h, n: int, more: int):
    """§5.3, §11.4: ``n`` entries, an iterator started, ``more`` inserted (a small map
    growing to a table, a table growing or splitting, or nothing), then the ``n``
    first deleted and a GC point while the iterator lives, and another after the loop.
    The storage the map replaced stays reachable from the iterator, and with it the
    deleted values; without a grow, Delete clears the slots the iterator shares."""
    m = h.make_map("map[int64]*T", name="m")
    fill(h, m, range(n))
    it = m.items()
    next(it)
    fill(h, m, range(n, n + more))
    for i in range(n):
        del m[i]
    h.collect()
    for _ in it:
        pass
    h.collect()


def iter_directory(h):
    """Iterators over a directory whose tables span several entries: Iter.Next rounds
    the drawn dirOffset down to its table's first entry, and shifts dirIdx and
    dirOffset when the directory doubles under the iterator (splits while it walks)."""
    m = h.make_map("map[int64]int64", hint=1000, name="m")  # 2 tables of 1024 slots
    for i in range(1900):
        m[i] = i  # a split: 3 tables over 4 entries
    for _ in range(8):
        it = m.items()
        for _ in range(5):
            next(it)
        it.close()
    it = m.items()
    next(it)
    for i in range(1900, 4200):
        m[i] = i  # more splits, the directory doubles
    for _ in it:
        pass


def iter_after_clear(h):
    """An iterator on a table grown away, the map then cleared (a new seed): each key
    it finds is looked up again under the new seed, and found nowhere."""
    m = h.make_map("map[string]*T", name="m")
    fill(h, m, [f"k{i}" for i in range(14)])
    it = m.items()
    next(it)
    fill(h, m, [f"n{i}" for i in range(14)])  # grow 16 -> 32
    m.clear()
    fill(h, m, ["x"])
    for _ in it:
        pass
    h.collect()


def indirect(h):
    """§6.1, §7: keys and elems over 128 bytes are stored as pointers to objects of
    their own, so even pointer-free ones make the groups pointerful; an update writes
    into the elem's object; delete nils the slot's pointer. (The classic scenario
    big_keys_and_elems, which the suite runs too, has pointerful ones.)"""
    h.declare("type Blob struct { p *T; pad [136]byte }")
    mb = h.make_map("map[[129]byte]int64", name="mb")
    for i in range(12):
        mb[[i] * 129] = i
    del mb[[4] * 129]
    mv = h.make_map("map[string]Blob", name="mv")
    for i in range(20):
        mv[f"k{i}"] = {"p": h.new("T", name=f"p{i}")}
    mv["k3"] = {"p": h.new("T", name="p3b")}  # the same elem object, a new value
    for i in range(0, 20, 2):
        del mv[f"k{i}"]
    h.collect()


def string_keys(h):
    """faststr: Delete zeroes the whole string header of the key; string elems."""
    m = h.make_map("map[string]string", name="m")
    for i in range(40):
        m["x" * (i % 9) + str(i)] = f"value-{i}"
    for i in range(0, 40, 3):
        del m["x" * (i % 9) + str(i)]
    m[""] = "empty key"
    m["7"] = "overwritten"
    ms = h.make_map("map[string]*T", name="ms")
    fill(h, ms, [f"k{i:03d}" for i in range(60)])
    for i in range(0, 60, 2):
        del ms[f"k{i:03d}"]
    h.collect()


def nan_keys(h):
    """NaN keys (never equal, hashed at random by Go, kept by grow and iteration), -0.0
    and +0.0 (the same key: an update writes the key again)."""
    m = h.make_map("map[float64]*T", name="m")
    for i in range(6):
        m[float("nan")] = h.new("T", name=f"nan{i}")
    m[-0.0] = h.new("T", name="negzero")
    m[0.0] = h.new("T", name="zero")
    it = m.items()
    next(it)
    for i in range(30):
        m[i / 4] = h.new("T", name=f"v{i}")
    for _ in it:
        pass
    for i in range(30):
        del m[i / 4]
    h.collect()
    m.clear()  # the only way to remove NaN entries
    h.collect()


def struct_keys(h):
    """Generic path: struct keys with a string and a float (NeedKeyUpdate: an update
    stores the new key, +0.0 over -0.0)."""
    h.declare("type K struct { a int32; s string; f float32 }")
    m = h.make_map("map[K]*T", name="m")
    for i in range(40):
        m[{"a": i % 5, "s": f"s{i}", "f": -0.0 if i == 7 else i / 3}] = h.new("T", name=f"v{i}")
    m[{"a": 2, "s": "s7", "f": 0.0}] = h.new("T", name="over")  # K{2,"s7",-0} updated
    for i in range(0, 40, 2):
        del m[{"a": i % 5, "s": f"s{i}", "f": i / 3}]
    h.collect()


def churn(h):
    """A steady churn over a pointer-free fast32 map and a 2-word generic key: the
    tables of the generic map keep growing on tombstones, the fast one does not."""
    h.declare("type P struct { a, b int64 }")
    f = h.make_map("map[int32]int32", name="f")
    g = h.make_map("map[P]int64", name="g")
    for step in range(900):
        f[step] = step
        g[{"a": step, "b": -step}] = step
        if step >= 120:
            del f[step - 120]
            del g[{"a": step - 120, "b": 120 - step}]
    h.collect()


SCENARIOS: dict[str, tuple[Callable, str]] = {
    "small_fill_delete_grow": (small_fill_delete_grow, "small group: fill, delete, "
                               "grow to a table"),
    "small_full_update": (small_full_update, "update in a full small map (1.25 grows, "
                          "1.27 does not)"),
    "grow_to_1024": (grow_to_1024, "growth 16 .. 1024"),
    "split_and_double": (split_and_double, "splits and directory doubling"),
    "hints": (hints, "make hints 0 .. 1000"),
    "delete_empty_vs_tombstone": (delete_empty_vs_tombstone, "delete: EMPTY or "
                                  "tombstone; tombstone reuse"),
    "delete_all_reseed": (delete_all_reseed, "delete all: reseed, tombstones stay"),
    "clear_map": (clear_map, "clear: tombstonePossible, clearSeq, group zeroing"),
    "prune_paths": (prune_paths, "tombstone pruning by assign path"),
    "iter_no_grow": (partial(delete_under_iterator, n=100, more=0),
                     "deletes under an iterator, no grow"),
    "iter_small_to_table": (partial(delete_under_iterator, n=8, more=4),
                            "iterator keeps the small group"),
    "iter_across_grow": (partial(delete_under_iterator, n=100, more=100),
                         "iterator keeps the old table (grow)"),
    "iter_across_split": (partial(delete_under_iterator, n=800, more=1100),
                          "iterator keeps the old table (split; the directory doubles)"),
    "iter_directory": (iter_directory, "iterators over a directory that grows"),
    "iter_after_clear": (iter_after_clear, "iterator on an old table after a reseed"),
    "indirect": (indirect, "keys and elems over 128 bytes"),
    "string_keys": (string_keys, "string keys and elems"),
    "nan_keys": (nan_keys, "NaN and -0.0 keys, under an iterator"),
    "struct_keys": (struct_keys, "struct keys (generic path, key update)"),
    "churn": (churn, "steady churn, fast32 and generic"),
}

LIGHT = frozenset({"split_and_double", "iter_across_split", "iter_directory"})


def curated_trace(name: str) -> list[dict]:
    """The records of curated scenario ``name`` (light ones marked for their checks)."""
    h = new_heap("go-swiss")
    SCENARIOS[name][0](h)
    records = h.trace.records()
    if name in LIGHT:
        for i, r in enumerate(records):
            if r["op"] == "gc" or i % 100 == 0:
                r["chk"] = 1
    return records


__all__ = ["LIGHT", "SCENARIOS", "curated_trace"]
