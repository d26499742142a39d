"""Span classes and objects per span (go-memstats.md §1.2, §1.8), lowest-free-slot-first."""

import pytest

from gcemu.mem.allocator import Allocator
from gcemu.mem.sizeclasses import CLASS_TO_ALLOCNPAGES, SIZE_CLASSES
from gcemu.mem.span import nelems

# §1.2, columns "objects (noscan)" and "objects (scan)", classes 1..67.
SPEC_NOSCAN = [
    1024, 512, 341, 256, 170, 128, 102, 85, 73, 64, 56, 51, 46, 42, 39, 36, 34, 32, 28, 25,
    23, 21, 19, 18, 17, 16, 14, 12, 11, 10, 9, 8, 7, 6, 11, 5, 9, 4, 7, 3, 8, 5, 7, 2, 5, 3,
    4, 5, 6, 7, 1, 6, 5, 4, 3, 2, 3, 4, 1, 4, 3, 2, 3, 1, 3, 2, 1]
SPEC_SCAN = [
    1008, 504, 336, 252, 168, 126, 100, 84, 72, 63, 56, 50, 45, 42, 38, 36, 33, 31, 28, 25,
    22, 21, 19, 18, 16, 15, 14, 12, 11, 10, 9, 8, 7, 6, 11, 5, 9, 4, 7, 3, 8, 5, 7, 2, 5, 3,
    4, 5, 6, 7, 1, 6, 5, 4, 3, 2, 3, 4, 1, 4, 3, 2, 3, 1, 3, 2, 1]


@pytest.mark.parametrize("cls", range(1, 68))
def test_objects_per_span_match_the_spec_table(cls):
    size, npages = SIZE_CLASSES[cls - 1], CLASS_TO_ALLOCNPAGES[cls - 1]
    assert nelems(npages, size, noscan=True, inline_mark_bits=False) == SPEC_NOSCAN[cls - 1]
    assert nelems(npages, size, noscan=False, inline_mark_bits=False) == SPEC_SCAN[cls - 1]


def test_green_tea_reserves_inline_mark_bits_in_16_to_512_byte_spans():
    # §1.8: a 64 B noscan span holds 126 objects on go1.27.3 instead of 128
    assert nelems(1, 64, noscan=True, inline_mark_bits=True) == 126
    assert nelems(1, 8, noscan=True, inline_mark_bits=True) == 1024       # < 16 B: no reserve
    assert nelems(1, 576, noscan=True, inline_mark_bits=True) == 14       # > 512 B: no reserve
    assert nelems(1, 16, noscan=False, inline_mark_bits=True) == (8192 - 128 - 128) // 16


@pytest.mark.parametrize(("release", "per_span"), [("1.23", 128), ("1.25", 128), ("1.27", 126)])
def test_a_span_fills_then_the_next_one_starts(release, per_span):
    a = Allocator(release)
    addrs = [a.malloc(64, noscan=True) for _ in range(per_span + 1)]
    assert addrs[:per_span] == [addrs[0] + 64 * i for i in range(per_span)]
    assert addrs[per_span] // 8192 != addrs[0] // 8192     # a new span (page)
    assert a.read_memstats().HeapInuse == (a.release.baseline.inuse_pages + 2) * 8192


def test_scan_and_noscan_objects_never_share_a_span():
    a = Allocator()
    x, y = a.malloc(64, noscan=True), a.malloc(64, noscan=False)
    assert a.heap.span_of(x) is not a.heap.span_of(y)
    assert a.heap.span_of(x).spanclass == 6 << 1 | 1
    assert a.heap.span_of(y).spanclass == 6 << 1


def test_the_lowest_free_slot_is_taken_first_after_a_sweep():
    a = Allocator()
    addrs = [a.malloc(48, noscan=False) for _ in range(10)]
    a.mark_termination()
    for i in (7, 2, 5):
        a.free(addrs[i])
    a.end_sweep()
    assert [a.malloc(48, noscan=False) for _ in range(4)] == [
        addrs[2], addrs[5], addrs[7], addrs[9] + 48]


@pytest.mark.parametrize(("size", "noscan", "slot"), [
    (1016, False, 1024), (1017, False, 1152), (1017, True, 1024),   # §1.5 malloc header
    (512, False, 512), (513, False, 576), (32760, False, 32768)])
def test_malloc_headers_choose_the_slot(size, noscan, slot):
    a = Allocator()
    before = a.read_memstats().HeapAlloc
    a.malloc(size, noscan)
    assert a.read_memstats().HeapAlloc - before == slot
