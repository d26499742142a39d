"""Test support: drive a gcemu.mem Allocator as the heap and its collector will."""

from gcemu.mem.allocator import Allocator


class TouchRecorder(Allocator):
    """An Allocator that remembers the small span classes each step allocated from or
    freed into (``touched``, as {spanclass: pages}): go-memstats.md §5.4's HeapInuse
    tolerance is one span of each."""

    def __init__(self, *args, **kw) -> None:
        super().__init__(*args, **kw)
        self.touched: dict[int, int] = {}

    def _touch(self, addr: int) -> None:
        s = self.heap.span_of(addr)
        if s is not None and s.spanclass > 1:
            self.touched[s.spanclass] = s.npages

    def malloc(self, size: int, noscan: bool) -> int:
        addr = super().malloc(size, noscan)
        self._touch(addr)
        return addr

    def free(self, addr: int) -> None:
        self._touch(addr)
        super().free(addr)

    def inuse_tolerance(self) -> int:
        """One span per small class touched since the last call, in bytes."""
        tol = sum(self.touched.values()) * 8192
        self.touched = {}
        return tol


def gc(alloc: Allocator, dead, forced: bool = True) -> None:
    """One full cycle: mark termination, sweep every address in ``dead``, commit the pacer."""
    alloc.mark_termination(forced=forced)
    for addr in dead:
        alloc.free(addr)
    alloc.end_sweep()


def free_os_memory(alloc: Allocator, dead=()) -> None:
    """``debug.FreeOSMemory()``: a forced GC, then every free page released."""
    gc(alloc, dead)
    alloc.scavenge_all()


def delta(before, after) -> dict[str, int]:
    """Field-by-field ``after - before`` of two MemStats."""
    a, b = before.as_dict(), after.as_dict()
    return {k: b[k] - a[k] for k in a}
