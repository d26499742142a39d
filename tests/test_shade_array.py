"""The marker's drain shades exactly what the stepped scan traces (issue 16).

`gcemu.maps.kind.MapKind.shade_array` is the drain's edge-free scan of a slot array;
`scan_array` is the one the stepper, the consistency check and the report follow. For
every slot array of maps caught mid-growth, with deletions, both must give the same
pointers, as many times each.
"""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gcemu
from gcemu.maps.kind import SLOT_ARRAYS

MAP_TYPES = ("map[int64]*T", "map[string]*T", "map[*T]int64", "map[int64]T",
             "map[int64]int64", "map[[40]int64]*T", "map[int64][40]*T")


def pointers_of(arr, policy: str) -> tuple[Counter, Counter]:
    kind = SLOT_ARRAYS[type(arr)]
    scanned: Counter = Counter()
    shaded: Counter = Counter()
    for _ in kind.scan_array(arr, policy, lambda p, _edge: scanned.update((id(p),)), False):
        pass
    kind.shade_array(arr, policy, lambda p, edge=None: shaded.update((id(p),)))
    return scanned, shaded


@pytest.mark.parametrize("model", tuple(gcemu.MODELS))
@pytest.mark.parametrize("map_type", MAP_TYPES)
@settings(max_examples=15, deadline=None)
@given(ops=st.lists(st.tuples(st.booleans(), st.integers(0, 150)), min_size=100,
                          max_size=400),
       collide=st.booleans())
def test_shade_array_shades_what_scan_array_traces(model, map_type, ops, collide):
    h = gcemu.Heap(model=model, seed=7)
    h.declare("type T struct { id int; next *T }")
    # a hash with a few values makes long overflow chains (and full Swiss groups)
    m = h.make_map(map_type, name="m",
                   hash=(lambda k, seed: (len(repr(k)) % 3) * 0x9E3779B97F4A7C15)
                   if collide else None)
    kt, et = m.layout.key, m.layout.elem

    def key(i):
        if kt.kind == "ptr":
            return h.new("T")
        if kt.kind == "string":
            return f"k{i}"
        return [i] * 40 if kt.kind == "array" else i

    def value():
        if et.kind == "ptr":
            return h.new("T")
        if et.kind == "array":
            return [h.new("T")] * 40
        return {"id": 1} if et.kind == "struct" else 3

    keys = []
    for insert, i in ops:
        if insert or not keys:
            k = key(i)
            keys.append(k)
            m[k] = value()
        else:
            del m[keys[i % len(keys)]]
    arrays = [o for o in h.objects.values() if type(o) in SLOT_ARRAYS]
    assert arrays or not ops
    for arr in arrays:
        scanned, shaded = pointers_of(arr, h.model.scan)
        assert scanned == shaded, arr.label
