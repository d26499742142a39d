"""Size classes, slot sizes and bucket-array sizing (go-classic-map.md §12, §13c)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gcemu.mem.sizeclasses import (
    MALLOC_HEADER_SIZE,
    MAX_SMALL_SIZE,
    MIN_SIZE_FOR_MALLOC_HEADER,
    PAGE_SIZE,
    SIZE_CLASSES,
    bucket_array,
    roundupsize,
    slot_size,
)

SPEC_CLASSES = [
    8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256, 288,
    320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024, 1152, 1280, 1408, 1536,
    1792, 2048, 2304, 2688, 3072, 3200, 3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192,
    9472, 9728, 10240, 10880, 12288, 13568, 14336, 16384, 18432, 19072, 20480, 21760, 24576,
    27264, 28672, 32768,
]


def spec_slot(size, noscan):
    """The spec's reference model (§12.2), verbatim."""
    if size <= 32760:
        if not noscan and size > 512:
            size += 8
        return next(c for c in SPEC_CLASSES if c >= size)
    return -(-size // 8192) * 8192


def test_constants():
    assert list(SIZE_CLASSES) == SPEC_CLASSES
    assert len(SIZE_CLASSES) == 67
    assert (MAX_SMALL_SIZE, PAGE_SIZE, MALLOC_HEADER_SIZE, MIN_SIZE_FOR_MALLOC_HEADER) == (
        32768, 8192, 8, 512)


@pytest.mark.parametrize(
    ("size", "noscan", "slot"),
    [
        (0, True, 0), (0, False, 0),            # zerobase
        (1, True, 8), (8, False, 8), (9, False, 16), (56, False, 64), (208, False, 208),
        (209, True, 224),
        (504, False, 512), (512, False, 512),   # header only above 512 (exclusive)
        (513, True, 576), (513, False, 576),    # 513 + 8 = 521 -> 576
        (568, False, 576), (569, False, 640),   # 569 + 8 = 577 -> 640
        (576, True, 576), (576, False, 640),
        (1016, False, 1024), (1017, False, 1152), (1024, True, 1024),
        (3536, False, 4096), (3952, False, 4096),
        (32760, False, 32768), (32760, True, 32768),   # largest small object
        (32761, True, 32768), (32761, False, 32768),   # large: whole pages, no header
        (32768, False, 32768), (32769, False, 40960), (40000, True, 40960),
        (57200, False, 57344), (8192 * 100 + 1, True, 8192 * 101),
    ],
)
def test_slot_size(size, noscan, slot):
    assert slot_size(size, noscan) == slot


@pytest.mark.parametrize(
    ("size", "noscan", "usable"),
    [
        (0, False, 0), (1, True, 8), (512, False, 512), (513, False, 568), (513, True, 576),
        (3536, False, 4088), (3536, True, 4096), (2448, True, 2688), (32760, False, 32760),
        (56576, False, 57344), (40000, True, 40960),
    ],
)
def test_roundupsize(size, noscan, usable):
    assert roundupsize(size, noscan) == usable


def test_negative_sizes_rejected():
    with pytest.raises(ValueError, match="negative"):
        slot_size(-1, True)
    with pytest.raises(ValueError, match="negative"):
        roundupsize(-8, False)
    with pytest.raises(ValueError, match="negative"):
        bucket_array(-1, 208, False)
    with pytest.raises(ValueError, match="positive"):
        bucket_array(3, 0, True)


# §12.2: B -> (nbuckets, bytes) for map[string]*T (208 B, scan) and map[int64]int64
# (144 B, noscan); each row was measured in Go.
TABLE_12_2 = [
    (0, 1, 208, 1, 144),
    (1, 2, 416, 2, 288),
    (2, 4, 896, 4, 576),
    (3, 8, 1792, 8, 1152),
    (4, 19, 4096, 18, 2688),
    (5, 39, 8192, 37, 5376),
    (6, 68, 14336, 71, 10240),
    (7, 137, 28672, 142, 20480),
    (8, 275, 57344, 284, 40960),
    (9, 551, 114688, 568, 81920),
    (10, 1102, 229376, 1137, 163840),
    (11, 2205, 458752, 2218, 319488),
    (12, 4371, 909312, 4380, 630784),
]


@pytest.mark.parametrize(("B", "scan_n", "scan_bytes", "noscan_n", "noscan_bytes"), TABLE_12_2)
def test_bucket_array_table(B, scan_n, scan_bytes, noscan_n, noscan_bytes):
    assert bucket_array(B, 208, noscan=False) == (scan_n, scan_bytes)
    assert bucket_array(B, 144, noscan=True) == (noscan_n, noscan_bytes)


def test_bucket_array_small_B_wastes_slack():
    # B < 4: no preallocated overflow, no rounding of the count (§3.3).
    assert bucket_array(2, 152, noscan=False) == (4, slot_size(608, False))
    assert bucket_array(0, 80, noscan=True) == (1, 80)


def hint_to_B(hint):
    """makemap: the smallest B with !overLoadFactor(hint, B)."""
    B = 0
    while hint > 8 and hint > 13 * ((1 << B) // 2):
        B += 1
    return B


# §13c: make(map, hint) with GC off; HeapAlloc delta = hmap 48 + mapextra 24 (B >= 4,
# when preallocated overflow buckets exist) + the bucket array's slot.
TABLE_13C = [
    # hint, B, nbuckets, delta (map[string]*T), nbuckets, delta (map[int64]int64)
    (9, 1, 2, 464, 2, 336),
    (14, 2, 4, 944, 4, 624),
    (27, 3, 8, 1840, 8, 1200),
    (53, 4, 19, 4168, 18, 2760),
    (105, 5, 39, 8264, 37, 5448),
    (209, 6, 68, 14408, 71, 10312),
    (417, 7, 137, 28744, 142, 20552),
    (833, 8, 275, 57416, 284, 41032),
    (1665, 9, 551, 114760, 568, 81992),
    (3329, 10, 1102, 229448, 1137, 163912),
    (6657, 11, 2205, 458824, 2218, 319560),
    (13313, 12, 4371, 909384, 4380, 630856),
]


@pytest.mark.parametrize(("hint", "B", "scan_n", "scan_delta", "noscan_n", "noscan_delta"),
                         TABLE_13C)
def test_hint_table_heapalloc_deltas(hint, B, scan_n, scan_delta, noscan_n, noscan_delta):
    assert hint_to_B(hint) == B
    for bucket_size, noscan, n, delta in ((208, False, scan_n, scan_delta),
                                          (144, True, noscan_n, noscan_delta)):
        nbuckets, nbytes = bucket_array(B, bucket_size, noscan)
        assert nbuckets == n
        assert 48 + (24 if nbuckets != 1 << B else 0) + nbytes == delta


@given(st.integers(0, 3 * MAX_SMALL_SIZE), st.booleans())
def test_slot_matches_reference_model(size, noscan):
    slot = slot_size(size, noscan)
    if size:
        assert slot == spec_slot(size, noscan)
        assert slot in SIZE_CLASSES or slot % PAGE_SIZE == 0
    hdr = MALLOC_HEADER_SIZE if (not noscan and MIN_SIZE_FOR_MALLOC_HEADER < size <= 32760) else 0
    assert roundupsize(size, noscan) == slot - hdr >= size


@given(st.integers(0, 14), st.integers(1, 600), st.booleans())
def test_bucket_array_properties(B, bucket_size, noscan):
    nbuckets, nbytes = bucket_array(B, bucket_size, noscan)
    base = 1 << B
    if B < 4:
        assert nbuckets == base
    else:
        assert nbuckets >= base + (1 << (B - 4))
        # the slack absorbed never reaches a whole extra bucket
        assert roundupsize(nbuckets * bucket_size, noscan) - nbuckets * bucket_size < bucket_size
    assert nbytes == slot_size(nbuckets * bucket_size, noscan) >= nbuckets * bucket_size
