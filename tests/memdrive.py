"""Test support: drive a gcemu.mem Allocator as the heap and its collector will."""

from gcemu.mem.allocator import Allocator


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
