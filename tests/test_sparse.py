"""Sparse slot arrays (gcemu.maps.sparse, issue 17 item 17): a bucket or group is built
on first use, an untouched one holds zero words, so a big make hint costs little and
scans find what a fully built array holds."""

import random
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gcemu import Heap
from gcemu.errors import GcemuError
from gcemu.maps.classic.objects import BucketArray
from gcemu.maps.common import MAX_HINT_SLOTS
from gcemu.maps.sparse import SparseArray
from gcemu.maps.swiss.group import GroupsArray

MODELS = ("go", "go-swiss")


def arrays(m):
    """The slot arrays (SparseArrays) of a map of either kind."""
    if hasattr(m, "buckets_obj"):
        return [m.buckets_obj.buckets]
    return [t.groups_obj.groups for t in m.tables]


def built(arrs) -> int:
    return sum(dict.__len__(a) for a in arrs)


@given(st.integers(0, 40), st.lists(st.integers(-60, 60), max_size=30),
       st.integers(-50, 50), st.integers(-50, 50))
def test_a_sparse_array_reads_as_the_list_it_stands_for(n, touches, a, b):
    arr = SparseArray(n, lambda owner, i: ("made", owner, i), "zero", "array")
    ref = [("made", "array", i) for i in range(n)]
    for i in touches:
        if -n <= i < n:
            assert arr[i] == ref[i]
        else:
            with pytest.raises(IndexError):
                arr[i]
    assert [i for i, _ in arr.built()] == sorted({i % n for i in touches if -n <= i < n})
    assert all(arr.peek(i) == (ref[i] if i in dict.keys(arr) else "zero") for i in range(n))
    assert arr.take(a, b) == ref[a:b] and len(arr) == n and bool(arr) == bool(n)
    assert list(arr) == ref and [i for i, _ in arr.built()] == list(range(n))


@pytest.mark.parametrize("model", MODELS)
def test_a_hint_of_ten_million_builds_only_what_is_touched(model):
    h = Heap(model=model)
    t0 = time.process_time()
    m = h.make_map("map[int]*int", hint=10**7, name="m")
    for k in range(100):
        m[k] = None
    h.collect()
    elapsed = time.process_time() - t0
    arrs = arrays(m)
    slots = 8 * sum(len(a) for a in arrs)
    assert slots >= 10**7  # Go's storage, all of it, in the allocation sizes
    # the touched ones, and for classic: nextOverflow, the sentinel and its target
    assert built(arrs) <= 100 + 3 * len(arrs)
    assert elapsed < 5, f"{elapsed:.1f} s"  # it was 9.6 s to build before item 17


@pytest.mark.parametrize("model", MODELS)
def test_scanning_the_built_holders_finds_what_building_all_finds(model):
    h = Heap(model=model)
    m = h.make_map("map[int]*int", hint=5000, name="m")
    rng = random.Random(7)
    for _ in range(300):
        k = rng.randrange(2000)
        if rng.random() < 0.3:
            if k in m:
                del m[k]
        else:
            m[k] = h.new("int")
    holders = {o: o.buckets if isinstance(o, BucketArray) else o.groups
               for o in h.objects.values() if isinstance(o, BucketArray | GroupsArray)}
    sparse = {o: list(o.pointers()) for o in holders}
    assert built(holders.values()) < sum(len(a) for a in holders.values())
    for a in holders.values():
        list(a)  # build every holder
    assert {o: list(o.pointers()) for o in holders} == sparse


def test_a_hint_gcemu_refuses_is_refused():
    with pytest.raises(GcemuError, match="slots is more than gcemu emulates"):
        Heap(model="go").make_map("map[int]*int", hint=MAX_HINT_SLOTS + 1)
