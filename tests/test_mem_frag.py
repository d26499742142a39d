"""Fragmentation (go-memstats.md §4.5): the frag program's sequence, driven into the allocator.

The program: a ``[]*[64]byte`` of 100,000 (800,000 B, pointerful, large), 2 GCs, then
100,000 ``new([64]byte)`` (noscan, class 6), free every other one, and so on. Go's
figures start from a heap whose runtime already has a partly used 64 B noscan span, so
the HeapInuse deltas of small objects may differ by one span (§5.4: ±1 span per class).
"""

import pytest
from memdrive import delta, free_os_memory, gc

from gcemu.mem.allocator import Allocator

N = 100_000
SPAN = 8192
# Go's measured deltas, go1.23.9 / go1.25.5 / go1.27.3 (§4.5)
INUSE_100K = {"1.23": 6_397_952, "1.25": 6_397_952, "1.27": 6_496_256}
INUSE_FIRST_HALF = {"1.23": -3_186_688, "1.25": -3_186_688, "1.27": -3_235_840}
INUSE_DROP_ALL = {"1.23": -4_014_080, "1.25": -4_014_080, "1.27": -4_063_232}


def start(release):
    a = Allocator(release)
    slice_ = a.malloc(8 * N, noscan=False)
    gc(a, [])
    gc(a, [])
    return a, slice_


@pytest.mark.parametrize("release", ["1.23", "1.25", "1.27"])
def test_frag_free_first_half(release):
    a, slice_ = start(release)
    s = a.read_memstats()
    objs = [a.malloc(64, noscan=True) for _ in range(N)]
    d = delta(s, s := a.read_memstats())
    assert d["HeapAlloc"] == 6_400_000 and d["HeapObjects"] == N
    assert abs(d["HeapInuse"] - INUSE_100K[release]) <= SPAN

    gc(a, [])
    d = delta(s, s := a.read_memstats())
    assert d["HeapAlloc"] == 0

    gc(a, objs[1::2])
    d = delta(s, s := a.read_memstats())
    assert (d["HeapAlloc"], d["HeapInuse"], d["HeapObjects"]) == (-3_200_000, 0, -50_000)
    assert s.HeapInuse - s.HeapAlloc > 3_200_000            # §2.3: 46 % free slots

    free_os_memory(a)
    d = delta(s, s := a.read_memstats())
    assert (d["HeapAlloc"], d["HeapInuse"]) == (0, 0)
    assert s.HeapReleased == s.HeapIdle

    gc(a, objs[0:N // 2:2])
    d = delta(s, s := a.read_memstats())
    assert d["HeapAlloc"] == -1_600_000
    assert abs(d["HeapInuse"] - INUSE_FIRST_HALF[release]) <= SPAN

    free_os_memory(a)
    d = delta(s, s := a.read_memstats())
    assert d["HeapInuse"] == 0 and s.HeapReleased == s.HeapIdle
    assert 3_178_496 <= d["HeapReleased"] <= 3_330_000 + SPAN      # Go: +3.19..+3.32 MB

    gc(a, [*objs[N // 2::2], slice_])
    d = delta(s, a.read_memstats())
    assert d["HeapAlloc"] == -2_402_816                      # 25,000 x 64 + 802,816
    assert abs(d["HeapInuse"] - INUSE_DROP_ALL[release]) <= SPAN


@pytest.mark.parametrize("release", ["1.23", "1.25", "1.27"])
def test_frag_refill_reuses_the_holes(release):
    a, _ = start(release)
    objs = [a.malloc(64, noscan=True) for _ in range(N)]
    gc(a, objs[1::2])
    s = a.read_memstats()
    [a.malloc(64, noscan=True) for _ in range(N // 2)]
    d = delta(s, a.read_memstats())
    assert (d["HeapAlloc"], d["HeapInuse"], d["HeapObjects"]) == (3_200_000, 0, 50_000)
