"""Map figures of go-memstats.md §1.7, §4.2, §4.3, driven with the allocation sizes the spec lists.

gcemu's map code does not yet allocate through the allocator (that is the integration
phase); these tests feed it the objects the spec's accounting names and check that the
allocator turns them into Go's figures.
"""

import pytest
from memdrive import delta, gc

from gcemu.mem.allocator import Allocator

MiB = 1 << 20


def book_alloc_mb(a):
    """The book's printAlloc: ``m.Alloc/(1024*1024)``."""
    return a.read_memstats().Alloc // MiB


def test_mistake28_value_go123_after_delete_and_gc_is_293():
    a = Allocator("1.23")
    assert book_alloc_mb(a) == 0
    s = a.read_memstats()
    # B=18: 278,528 buckets x 1104 B (noscan); hmap, mapextra, overflow slice header + backing
    live = [a.malloc(278_528 * 1104, True), a.malloc(48, False), a.malloc(24, False),
            a.malloc(24, False), a.malloc(49_152, True)]
    assert delta(s, a.read_memstats())["HeapAlloc"] == 307_544_160
    assert book_alloc_mb(a) == 293
    # measured HeapInuse after delete + GC: 307,830,784 (37,577 pages)
    assert abs(a.read_memstats().HeapInuse - 307_830_784) <= 8 * 8192
    gc(a, live)
    assert delta(s, a.read_memstats())["HeapAlloc"] == 0     # m=nil + GC: -307,544,160


def test_mistake28_pointer_go123_after_delete_and_gc_is_38():
    a = Allocator("1.23")
    live = [a.malloc(278_528 * 144, False), a.malloc(48, False), a.malloc(24, False)]
    assert book_alloc_mb(a) == 38
    s = a.read_memstats()
    gc(a, live)
    d = delta(s, a.read_memstats())
    assert d["HeapAlloc"] == -40_108_104
    # measured -40,108,032 (4896 pages): Go's hmap and mapextra sat in the runtime's
    # partial spans; here they empty their own (+-1 span per small class, §5.4)
    assert abs(d["HeapInuse"] - -40_108_032) <= 2 * 8192


@pytest.mark.parametrize(("tables", "group_bytes", "mb"), [
    (2045, 140_288, 287), (2040, 140_288, 287),    # map[int][128]byte: 147,456 B each
    # map[int]*[128]byte: 18,432 B each. Go's HeapAlloc (37,772,568..37,833,720) means
    # 2042..2045 tables there; with 2040 the figure would print 35.
    (2045, 17_408, 36), (2042, 17_408, 36)])
def test_mistake28_go125_swiss_after_delete_and_gc(tables, group_bytes, mb):
    a = Allocator("1.25")
    s = a.read_memstats()
    noscan = group_bytes == 140_288
    for _ in range(tables):
        a.malloc(group_bytes, noscan)              # groups array
        a.malloc(32, False)                        # table struct
    a.malloc(2048 * 8, False)                      # directory: +8 header -> 18,432
    a.malloc(48, False)                            # Map
    slot = 147_456 if noscan else 18_432
    assert delta(s, a.read_memstats())["HeapAlloc"] == tables * (slot + 32) + 18_432 + 48
    assert book_alloc_mb(a) == mb


@pytest.mark.parametrize("release", ["1.23", "1.25"])
def test_ch1_gcafterinsert_delete_and_gc(release):
    # §4.2 variant -gcafterinsert: the delete + GC step frees 1000 x 64 B values and the
    # 500 16 B blocks of the 7-byte keys: HeapAlloc -72,000 exactly, HeapInuse -57,344
    # (7 pages; Go's runtime already had partial 16 B and 64 B spans: +-1 span per class)
    a = Allocator(release)
    keys, values = [], []
    for _ in range(1000):
        keys.append(a.malloc(7, True))
        values.append(a.malloc(64, False))
    storage = [a.malloc(57_344, False), a.malloc(48, False), a.malloc(24, False)]
    gc(a, [])
    s = a.read_memstats()
    gc(a, keys + values)
    d = delta(s, a.read_memstats())
    assert (d["HeapAlloc"], d["HeapObjects"], d["Frees"]) == (-72_000, -1500, 1500)
    assert abs(d["HeapInuse"] - -57_344) <= 2 * 8192
    s = a.read_memstats()
    gc(a, storage)                                 # m = nil; runtime.GC()
    d = delta(s, a.read_memstats())
    assert d["HeapAlloc"] == -57_416
    assert abs(d["HeapInuse"] - -57_344) <= 2 * 8192      # the 48 B and 24 B spans: +-1 each
