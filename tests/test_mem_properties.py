"""MemStats relations on every snapshot (go-memstats.md §3.2), under random allocation and sweep."""

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from gcemu.mem.allocator import Allocator
from gcemu.mem.sizeclasses import slot_size

SIZES = st.one_of(st.integers(0, 40), st.integers(41, 1100), st.integers(1101, 100_000))


class AllocatorMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.a = Allocator("1.23")
        self.base = self.a.read_memstats().HeapAlloc
        self.live: dict[int, tuple[int, bool]] = {}     # addr -> (size, noscan), non-tiny
        self.tiny: list[int] = []

    @rule(size=SIZES, noscan=st.booleans(), n=st.integers(1, 40))
    def malloc(self, size, noscan, n):
        for _ in range(n):
            addr = self.a.malloc(size, noscan)
            if size == 0:
                continue
            if noscan and size < 16:
                self.tiny.append(addr)
            else:
                assert addr not in self.live
                self.live[addr] = (size, noscan)

    @rule(data=st.data())
    def collect(self, data):
        dead = [x for x in self.live if data.draw(st.booleans())]
        dead_tiny = [x for x in self.tiny if data.draw(st.booleans())]
        self.a.mark_termination()
        for x in dead + dead_tiny:
            self.a.free(x)
        self.a.end_sweep()
        for x in dead:
            del self.live[x]
        self.tiny = [x for x in self.tiny if x not in set(dead_tiny)]

    @rule()
    def scavenge(self):
        self.a.scavenge_all()
        s = self.a.read_memstats()
        assert s.HeapReleased == s.HeapIdle

    @invariant()
    def relations(self):
        s = self.a.read_memstats()
        assert s.HeapSys == s.HeapInuse + s.HeapIdle
        assert s.HeapObjects == s.Mallocs - s.Frees
        assert 0 <= s.HeapReleased <= s.HeapIdle
        assert s.HeapInuse >= s.HeapAlloc
        assert all(v % 8192 == 0 for v in (s.HeapSys, s.HeapInuse, s.HeapIdle, s.HeapReleased))
        assert s.HeapAlloc % 8 == 0 and s.TotalAlloc >= s.HeapAlloc
        tiny_blocks = len(self.a.mcache.tiny.live)
        assert s.HeapAlloc == self.base + 16 * tiny_blocks + sum(
            slot_size(size, noscan) for size, noscan in self.live.values())


TestAllocatorMachine = AllocatorMachine.TestCase
TestAllocatorMachine.settings = settings(max_examples=60, stateful_step_count=25, deadline=None)
