"""Curated conformance scenarios: the retention cases of go-classic-map.md, as traces.

Each function builds a program on a gcemu heap; its trace is what runs on Go. The
objects a scenario touches after a GC point are ones some root holds for sure (a map
value it just read, a global), so they are alive in Go whatever its hash seeds.
`SCENARIOS` maps a name to ``(function, what it covers)``.
"""

from __future__ import annotations

from collections.abc import Callable

import gcemu

T = "type T struct { id int; next *T; buf [48]byte }"


def new_heap(model: str = "go") -> gcemu.Heap:
    """A heap of ``model`` with ``T`` declared, to record a scenario on."""
    h = gcemu.Heap(model=model)
    h.declare(T)
    return h


def fill(h, m, keys, prefix="v"):
    """``m[k] = new(T)`` for each key, the T named ``prefix`` and the key."""
    for k in keys:
        m[k] = h.new("T", name=f"{prefix}{k}")


def delete_middle_last_all(h):
    m = h.make_map("map[string]*T", name="m")
    fill(h, m, "abc")
    del m["b"]  # middle: emptyOne, value collectable
    h.collect()
    del m["c"]  # last: emptyRest back-propagates over b's slot
    h.collect()
    fill(h, m, "defgh")
    for k in "adefgh":
        del m[k]  # everything: count 0, hash0 reseeded
    h.collect()
    fill(h, m, ["x", "y"])
    h.collect()


def delete_spec_a(h):
    """§13a: eight keys in one bucket; deletes that walk emptyRest back."""
    m = h.make_map("map[string]*T", name="m")
    fill(h, m, [f"k{i}" for i in range(8)])
    for k in ("k3", "k7", "k4", "k6", "k5"):
        del m[k]
        h.collect()
    m["k100"] = h.new("T", name="v100")
    for k in ("k0", "k1", "k2", "k100"):
        del m[k]
    h.collect()


def growth(h):
    m = h.make_map("map[int64]*T", name="m")
    for i in range(200):
        m[i] = h.new("T", name=f"v{i}")
        if i in (8, 13, 26, 52, 53, 54, 104, 105, 106):
            h.collect()
    for i in range(0, 200, 3):
        del m[i]
    h.collect()
    for i in range(200):
        del m[i]
    h.collect()


def delete_during_growth(h):
    """§13b4: grow, then delete while old buckets are still being evacuated."""
    m = h.make_map("map[string]*T", name="m")
    fill(h, m, [f"k{i}" for i in range(52)])
    m["trigger"] = h.new("T", name="trigger")
    del m["k0"]
    del m["k1"]
    h.collect()
    for i in range(2, 20):
        del m[f"k{i}"]
    h.collect()


def range_then_grow(h):
    """§13b3/b5: a finished range leaves oldIterator set; the next growth keeps the old
    buckets' data until it ends."""
    m = h.make_map("map[string]*T", name="m")
    fill(h, m, [f"k{i}" for i in range(52)])
    for _ in m.items():
        pass
    m["trigger"] = h.new("T", name="trigger")
    del m["k0"]
    del m["k1"]
    h.collect()  # T0, T1 kept by the uncleared old buckets
    for i in range(2, 52):
        del m[f"k{i}"]
    h.collect()


def iterator_across_growth(h):
    """§13b1: an iterator alive across a growth keeps the old array alive."""
    m = h.make_map("map[string]*T", name="m")
    fill(h, m, [f"k{i}" for i in range(52)])
    it = m.items()
    next(it)
    m["trigger"] = h.new("T", name="trigger")
    for i in range(52):
        del m[f"k{i}"]
    h.collect()  # the iterator's snapshot keeps the originals
    for _ in it:
        pass
    h.collect()


def iterator_keeps_dropped_map(h):
    m = h.make_map("map[int64]*T", name="m")
    fill(h, m, range(20))
    it = iter(m)
    next(it)
    h.set_global("m", None)
    h.collect()  # the iterator keeps hmap and buckets
    del it
    h.collect()


def prealloc_overflow(h):
    """§13f: values in preallocated overflow buckets of the old array outlive their
    deletion until the growth finishes."""
    m = h.make_map("map[int64]*T", name="m")
    fill(h, m, range(104))
    m[1000] = h.new("T", name="trigger")
    for i in range(0, 104, 2):
        del m[i]
        if i % 20 == 0:
            h.collect()
    h.collect()
    for i in range(200, 260):
        m[i] = h.new("T")
    h.collect()


def same_size_growth(h):
    """§13e3: insert-new / delete-oldest churn at a fixed count: same-size growth."""
    m = h.make_map("map[int64]*T", name="m")
    fill(h, m, range(40))
    for step in range(40, 2600):
        m[step * 7919] = h.new("T")
        del m[(step - 40) * 7919 if step >= 80 else step - 40]
        if step % 300 == 0:
            h.collect()
    h.collect()


def pointer_free_overflow(h):
    """§13e2 (small): pointer-free buckets; overflow buckets kept by extra.overflow."""
    m = h.make_map("map[int64]int64", name="m")
    for i in range(300):
        m[i * 31] = i
    it = m.items()
    next(it)
    for i in range(300, 700):
        m[i * 31] = i
    for i in range(0, 700, 2):
        del m[i * 31]
    del it
    h.collect()
    m2 = h.make_map("map[int32]int64", name="m2")
    for i in range(120):
        m2[i] = i
    m2.clear()
    for i in range(50):
        m2[i] = -i


def big_keys_and_elems(h):
    """Keys and elems over 128 bytes live out of line; delete nils the slot pointer."""
    h.declare("type BigK struct { p *T; pad [130]byte }")
    h.declare("type BigV struct { p *T; pad [136]byte }")
    m = h.make_map("map[BigK]*T", name="mk")
    keys = []
    for i in range(30):
        k = {"p": h.new("T", name=f"kp{i}"), "pad": [i] + [0] * 129}
        keys.append(k)
        m[k] = h.new("T", name=f"kv{i}")
    for k in keys[::3]:
        del m[k]
    h.collect()
    mv = h.make_map("map[int64]BigV", name="mv")
    for i in range(30):
        mv[i] = {"p": h.new("T", name=f"ev{i}")}
    for i in range(0, 30, 2):
        del mv[i]
    h.collect()
    for i in range(1, 30, 2):
        del mv[i]
    h.collect()


def string_pointer_struct(h):
    h.declare("type S struct { a *T; n int; b *T }")
    ms = h.make_map("map[string]S", name="ms")
    for i in range(40):
        ms[f"key-{i}"] = {"a": h.new("T", name=f"a{i}"), "n": i,
                          "b": h.new("T", name=f"b{i}") if i % 2 else None}
    for i in range(0, 40, 3):
        del ms[f"key-{i}"]
    h.collect()
    mp = h.make_map("map[*T]S", name="mp")
    ks = [h.new("T", name=f"pk{i}") for i in range(20)]
    for i, k in enumerate(ks):
        mp[k] = {"a": h.new("T", name=f"pa{i}"), "n": i}
    for k in ks[:10]:
        del mp[k]
    del ks
    h.collect()


def struct_keys(h):
    h.declare("type K struct { a int32; s string; f float32 }")
    m = h.make_map("map[K]*T", name="m")
    for i in range(60):
        m[{"a": i % 5, "s": f"s{i}", "f": i / 3}] = h.new("T", name=f"v{i}")
    for i in range(0, 60, 2):
        del m[{"a": i % 5, "s": f"s{i}", "f": i / 3}]
    m[{"a": 1, "s": "s1", "f": 1 / 3}] = h.new("T", name="over")  # overwrite: key update
    h.collect()


def nan_keys(h):
    m = h.make_map("map[float64]*T", name="m")
    for i in range(12):
        m[float("nan")] = h.new("T", name=f"nan{i}")
    m[-0.0] = h.new("T", name="negzero")
    m[0.0] = h.new("T", name="zero")  # the same key as -0.0: overwrite, key updated
    for i in range(40):
        m[i / 2] = h.new("T", name=f"v{i}")
    it = m.items()
    for _ in range(5):
        next(it)
    for i in range(40, 120):  # grow while iterating: NaNs move by their tophash bit
        m[i / 2] = h.new("T")
    for _ in it:
        pass
    for i in range(0, 40):
        del m[i / 2]
    h.collect()
    m.clear()  # the only way to remove NaN entries
    h.collect()


def clear_map(h):
    m = h.make_map("map[string]*T", name="m")
    fill(h, m, [f"k{i}" for i in range(150)])
    it = m.items()
    next(it)
    m.clear()
    h.collect()  # the iterator's array was zeroed too: values collectable
    for _ in it:
        pass
    fill(h, m, [f"n{i}" for i in range(10)])
    m.clear()
    h.collect()


def drop_map(h):
    m = h.make_map("map[string]*T", hint=100, name="m")
    fill(h, m, [f"k{i}" for i in range(100)])
    m2 = h.make_map("map[int64]*T")  # never rooted: collected at the first GC
    m2[1] = h.new("T", name="orphan")
    h.collect()
    g = m["k5"]
    h.set_global("g", g)
    h.set_global("m", None)
    h.collect()
    h.set_global("g", None)
    h.collect()


def delete_all_big(h):
    """§13c1: 1000 keys, delete them all: the bucket array stays, values go."""
    m = h.make_map("map[string]*T", name="m")
    fill(h, m, [f"k{i:06d}" for i in range(1000)])
    h.collect()
    for _ in m.items():
        pass
    for i in range(1000):
        del m[f"k{i:06d}"]
    h.collect()
    h.set_global("m", None)
    h.collect()


def iterator_relookup(h):
    """An iterator that walks an old array looks entries up again in the current one;
    its key/elem (hiter.key, hiter.elem) then point into that array, which stays alive
    after the next growth drops it from the map, until the loop ends. (Found by this
    suite: the go model used to keep key/elem only for indirect slots.)"""
    m = h.make_map("map[int64]*T", name="m")
    fill(h, m, range(8))
    it = m.items()
    next(it)  # the iterator walks the B=0 array
    m[8] = h.new("T", name="v8")  # grow to B=1 (completes at once); old array kept
    next(it)  # an evacuated entry: looked up again in the B=1 array
    for i in range(9, 13):
        m[i] = h.new("T", name=f"v{i}")  # only in the B=1 array
    for _ in m.items():  # sets the iterator flag: the next growth keeps old data
        pass
    for i in range(13, 14):
        m[i] = h.new("T", name=f"v{i}")  # grow to B=2 (completes at once)
    for i in range(9, 14):
        del m[i]
    h.collect()  # Go keeps v9..v12 (the B=1 array, via hiter.key/elem); gcemu does not
    del it
    h.collect()


def nested_maps(h):
    """Maps as map values: deleting the entry drops the inner map and what it holds."""
    outer = h.make_map("map[string]map[int64]*T", name="outer")
    for i in range(12):
        inner = h.make_map("map[int64]*T", name=f"inner{i}")
        h.set_global(f"inner{i}", None)  # only the outer map holds it
        for j in range(i + 1):
            inner[j] = h.new("T", name=f"v{i}_{j}")
        outer[f"k{i}"] = inner
    for i in range(0, 12, 2):
        del outer[f"k{i}"]
    h.collect()
    outer.clear()
    h.collect()


def odd_keys(h):
    """Keys of other kinds: bool, uint64 extremes, arrays of floats (non-reflexive)."""
    mb = h.make_map("map[bool]*T", name="mb")
    mb[True], mb[False] = h.new("T", name="t"), h.new("T", name="f")
    del mb[True]
    mu = h.make_map("map[uint64]*T", name="mu")
    for k in (0, 1, (1 << 64) - 1, 1 << 63, 12345678901234567890):
        mu[k] = h.new("T", name=f"u{k}")
    del mu[(1 << 64) - 1]
    mf = h.make_map("map[[2]float32]*T", name="mf")
    for i in range(20):
        mf[(i / 3, -i / 7)] = h.new("T", name=f"a{i}")
    mf[(float("nan"), 1.0)] = h.new("T", name="nan")
    mf[(0.0, -0.0)] = h.new("T", name="z")
    mf[(-0.0, 0.0)] = h.new("T", name="z2")  # the same key: overwrite, key updated
    for i in range(0, 20, 3):
        del mf[(i / 3, -i / 7)]
    h.collect()


def hints(h):
    for hint in (0, 8, 9, 14, 27, 53, 105, 209, 417):
        m = h.make_map("map[int64]*T", hint=hint, name=f"m{hint}")
        fill(h, m, range(min(hint, 60) + 3), prefix=f"h{hint}_")
    h.collect()


SCENARIOS: dict[str, tuple[Callable, str]] = {
    "delete_middle_last_all": (delete_middle_last_all, "delete middle / last / all"),
    "delete_spec_a": (delete_spec_a, "emptyOne / emptyRest back-propagation (§13a)"),
    "growth": (growth, "growth B 0 to 5, GC at every step"),
    "delete_during_growth": (delete_during_growth, "delete while growing (§13b4)"),
    "range_then_grow": (range_then_grow, "range, then grow: sticky oldIterator (§13b3/b5)"),
    "iterator_across_growth": (iterator_across_growth, "an iterator alive across growth "
                               "(§13b1)"),
    "iterator_keeps_dropped_map": (iterator_keeps_dropped_map, "an iterator keeps a "
                                   "dropped map"),
    "prealloc_overflow": (prealloc_overflow, "preallocated overflow in the old array "
                          "(§13f)"),
    "same_size_growth": (same_size_growth, "same-size growth by churn (§13e3)"),
    "pointer_free_overflow": (pointer_free_overflow, "pointer-free maps with overflow "
                              "(§13e2)"),
    "big_keys_and_elems": (big_keys_and_elems, "keys and elems over 128 bytes"),
    "string_pointer_struct": (string_pointer_struct, "string keys, pointer keys, struct "
                              "elems with pointers"),
    "struct_keys": (struct_keys, "struct keys (generic path, key update)"),
    "nan_keys": (nan_keys, "NaN and -0.0 float keys, growth under an iterator"),
    "clear_map": (clear_map, "clear, with a live iterator"),
    "drop_map": (drop_map, "dropping a map's global; an unrooted map"),
    "delete_all_big": (delete_all_big, "1000 keys deleted: buckets stay (§13c1)"),
    "hints": (hints, "make hints 0..417"),
    "nested_maps": (nested_maps, "maps as map values"),
    "odd_keys": (odd_keys, "bool, uint64 and [2]float32 keys"),
    "iterator_relookup": (iterator_relookup, "an iterator's key/elem keep the array of "
                          "a re-looked-up entry alive"),
}


def curated_trace(name: str) -> list[dict]:
    """The records of curated scenario ``name``."""
    h = new_heap()
    SCENARIOS[name][0](h)
    return h.trace.records()


__all__ = ["SCENARIOS", "T", "curated_trace", "fill", "new_heap"]
