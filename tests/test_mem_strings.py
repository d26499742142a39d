"""String data (go-memstats.md §1.4, §1.7): a str stored into the emulated heap is a
string built at run time, its bytes allocated as Go's rawstring allocates them, kept
alive by the slot or field holding it and freed once nothing holds it."""

from __future__ import annotations

import pytest
from memdrive import delta

import gcemu
from gcemu.gotypes import GoString


def heap(model="go"):
    h = gcemu.Heap(model=model, trace=False, gogc=None)
    h.declare("type P struct { name string; n int; next *P }")
    return h


@pytest.mark.parametrize("model", ["go", "go-swiss"])
def test_a_long_key_is_a_noscan_object_freed_with_its_slot(model):
    h = heap(model)
    m = h.make_map("map[string]int", name="m")
    a = h.memstats()
    m["k" * 20] = 1                      # 20 bytes: not tiny, a 24 B noscan slot
    b = h.memstats()
    m["k" * 20]                          # lookups and deletes allocate nothing
    del m["k" * 20]
    c = h.memstats()
    h.collect()
    d = h.memstats()
    key_and_map = delta(a, b)["HeapAlloc"]
    assert delta(b, c)["Mallocs"] == 0
    # the delete cleared the slot: the GC frees the 24 B of string data, the map stays
    assert delta(c, d)["HeapAlloc"] == -24 and delta(c, d)["HeapObjects"] == -1
    assert key_and_map > 24 and h.strings == []


def test_seven_byte_keys_pack_two_to_a_tiny_block():
    h = heap()
    m = h.make_map("map[string]int", name="m")
    for i in range(4):
        m[f"key{i:04d}"] = i
    s = h.memstats()
    h2 = heap()
    h2.make_map("map[string]int", name="m")[""] = 0   # the empty string allocates nothing
    s2 = h2.memstats()
    # 4 keys: Mallocs +4, two blocks of 16 B; the second key of each block is a tiny
    # allocation counted in Mallocs and Frees at once
    assert s.Mallocs - s2.Mallocs == 4 and s.Frees - s2.Frees == 2
    assert s.HeapAlloc - s2.HeapAlloc == 32


def test_a_string_read_back_and_stored_again_shares_its_data():
    h = heap()
    m1 = h.make_map("map[string]int", name="m1")
    m2 = h.make_map("map[string]int", name="m2")
    m1["a" * 40] = 1
    (k,) = list(m1)
    assert type(k) is GoString
    m2["b"] = 0                          # m2's first insert allocates its bucket
    before = h.memstats().Mallocs
    m2[k] = 1                            # a copied string header: no allocation
    assert h.memstats().Mallocs == before
    del m1[k]
    h.collect()                          # m2's slot still holds the data
    assert not k.data.freed and k.data in h.strings
    del m2[k]
    h.collect()
    assert k.data.freed


def test_a_field_keeps_its_string_until_overwritten():
    h = heap()
    p = h.new("P", value={"name": "x" * 100})
    h.set_global("p", p)
    old = p.value[0].data
    assert old.size == 112               # the 112 B noscan size class
    p["name"] = "y" * 100
    h.collect()
    assert old.freed and not p.value[0].data.freed
    assert p["name"] == "y" * 100


def test_automatic_cycles_keep_a_string_a_variable_holds():
    h = gcemu.Heap(model="go", trace=False)
    m = h.make_map("map[string]int", name="m")
    m["z" * 30] = 1
    (k,) = list(m)
    del m[k]
    for _ in range(2_048):               # 8 MiB of garbage: automatic cycles run
        h.new("[4096]byte")
    assert h.memstats().NumGC >= 1
    assert not k.data.freed              # the scenario's variable is a stack root
