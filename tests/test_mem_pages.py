"""Pages: large objects, heap growth in 4 MiB chunks, released pages (go-memstats.md §1.6, §2.2)."""

import pytest
from memdrive import delta, free_os_memory, gc

from gcemu.errors import GcemuError
from gcemu.mem.allocator import ZEROBASE, Allocator

MiB = 1 << 20


@pytest.mark.parametrize("release", ["1.23", "1.25", "1.27"])
def test_fresh_heap_is_the_runtime_baseline(release):
    s = Allocator(release).read_memstats()
    assert s.HeapSys + s.StackInuse == 4 * MiB                 # one 4 MiB chunk
    assert s.HeapReleased == s.HeapIdle                         # empty_run1: all idle released
    assert (s.NumGC, s.NextGC) == (0, 4 * MiB)


def test_large_object_pages_exactly():
    # §1.6: the B=8 map[string]*T array, 57,344 B = 7 pages; its hmap and mapextra
    a = Allocator()
    s = a.read_memstats()
    arr, hmap, extra = a.malloc(57_344, False), a.malloc(48, False), a.malloc(24, False)
    assert delta(s, a.read_memstats())["HeapAlloc"] == 57_416
    s = a.read_memstats()
    gc(a, [arr])
    d = delta(s, a.read_memstats())
    assert (d["HeapAlloc"], d["HeapInuse"], d["HeapIdle"], d["HeapObjects"]) == (
        -57_344, -57_344, 57_344, -1)
    assert hmap and extra


def test_growth_maps_whole_chunks_as_released_memory():
    a = Allocator()
    s = a.read_memstats()
    a.malloc(40_108_032, noscan=False)        # map[int]*[128]byte B=18 array: 4896 pages
    d = delta(s, s := a.read_memstats())
    assert d["HeapInuse"] == 40_108_032
    assert d["HeapSys"] % (4 * MiB) == 0 and d["HeapSys"] == 10 * 4 * MiB  # alignUp(4896, 512)
    assert d["HeapReleased"] == d["HeapIdle"]
    assert s.HeapSys == s.HeapInuse + s.HeapIdle


def test_allocating_released_pages_takes_them_back_and_freed_pages_are_not_released():
    a = Allocator()
    x = a.malloc(64 * 1024, noscan=True)
    s = a.read_memstats()
    gc(a, [x])
    d = delta(s, s := a.read_memstats())
    assert (d["HeapInuse"], d["HeapIdle"], d["HeapReleased"]) == (-65_536, 65_536, 0)
    free_os_memory(a)
    d = delta(s, s := a.read_memstats())
    assert d["HeapReleased"] == 65_536 and s.HeapReleased == s.HeapIdle
    assert s.NumGC == 2 and s.NumForcedGC == 2
    a.malloc(64 * 1024, noscan=True)
    assert delta(s, a.read_memstats())["HeapReleased"] == -65_536


def test_lowest_address_first_fit_reuses_a_freed_run():
    a = Allocator()
    x = a.malloc(5 * 8192, noscan=True)
    a.malloc(8192 * 3, noscan=True)
    gc(a, [x])
    assert a.malloc(4 * 8192, noscan=True) == x


def test_bad_frees_and_sizes_are_one_clear_error():
    a = Allocator()
    x, _ = a.malloc(64, noscan=False), a.malloc(64, noscan=False)
    a.mark_termination()
    a.free(ZEROBASE)                           # zero-size allocations free nothing
    a.free(x)
    with pytest.raises(GcemuError, match="not an allocated object"):
        a.free(x)
    with pytest.raises(GcemuError, match="not in any heap span"):
        a.free(0x10)
    with pytest.raises(GcemuError, match="negative allocation size"):
        a.malloc(-1, noscan=True)
    with pytest.raises(GcemuError, match="unknown Go release"):
        Allocator("1.20")
    assert a.malloc(0, noscan=False) == ZEROBASE
