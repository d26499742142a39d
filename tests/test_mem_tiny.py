"""The tiny allocator (go-memstats.md §1.4): packing, counting, reset, freeing."""

from memdrive import delta, gc

from gcemu.mem.allocator import Allocator


def test_ch1_keys_two_per_block():
    # 1000 keys "key0000".."key0999", 7 bytes each: offsets 0 and 7, the third would end at 21
    a = Allocator("1.23")
    s0 = a.read_memstats()
    keys = [a.malloc(7, noscan=True) for _ in range(1000)]
    d = delta(s0, a.read_memstats())
    assert (d["Mallocs"], d["Frees"], d["HeapObjects"], d["HeapAlloc"]) == (1000, 500, 500, 8000)
    assert keys[1] - keys[0] == 7 and keys[2] - keys[0] == 16
    s1 = a.read_memstats()
    gc(a, keys)
    d = delta(s1, a.read_memstats())
    assert (d["HeapAlloc"], d["HeapObjects"], d["Frees"], d["Mallocs"]) == (-8000, -500, 500, 0)


def test_alignment():
    a = Allocator()
    x = a.malloc(1, noscan=True)
    assert a.malloc(8, noscan=True) - x == 8      # size&7 == 0: aligned to 8
    y = a.malloc(1, noscan=True)
    assert y // 16 != x // 16                     # 16 would overflow: a new block
    assert a.malloc(4, noscan=True) - y == 4      # size&3 == 0: aligned to 4
    assert a.malloc(2, noscan=True) - y == 8      # size&1 == 0: aligned to 2


def test_read_memstats_and_gc_drop_the_current_block():
    a = Allocator()
    x = a.malloc(3, noscan=True)
    a.read_memstats()
    y = a.malloc(3, noscan=True)
    assert y // 16 != x // 16
    gc(a, [])
    z = a.malloc(3, noscan=True)
    assert z // 16 not in (x // 16, y // 16)
    s = a.read_memstats()
    assert s.HeapObjects == s.Mallocs - s.Frees


def test_a_new_block_replaces_the_current_one_only_if_it_has_more_room():
    a = Allocator()
    a.malloc(12, noscan=True)                     # current block, offset 12
    b = a.malloc(14, noscan=True)                 # does not fit; 14 >= 12: old block stays
    c = a.malloc(4, noscan=True)
    assert c // 16 != b // 16 and c % 16 == 12
    d = a.malloc(2, noscan=True)                  # full: a new block; 2 < 16, so it is adopted
    assert d % 16 == 0 and d // 16 not in (b // 16, c // 16)
    assert a.malloc(2, noscan=True) == d + 2


def test_a_block_is_freed_only_when_its_last_sub_object_dies():
    a = Allocator()
    x, y = a.malloc(7, noscan=True), a.malloc(7, noscan=True)
    s0 = a.read_memstats()
    gc(a, [x])
    assert delta(s0, a.read_memstats())["HeapAlloc"] == 0
    gc(a, [y])
    assert delta(s0, a.read_memstats())["HeapAlloc"] == -16


def test_pointerful_small_objects_and_16_bytes_are_not_tiny():
    a = Allocator()
    s0 = a.read_memstats()
    a.malloc(8, noscan=False)
    a.malloc(16, noscan=True)
    d = delta(s0, a.read_memstats())
    assert (d["Mallocs"], d["Frees"], d["HeapAlloc"]) == (2, 0, 24)
