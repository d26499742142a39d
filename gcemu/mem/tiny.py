"""The tiny allocator: pointer-free objects under 16 bytes packed into 16-byte blocks.

The invariant
-------------
The mcache has at most one current block (``c.tiny``) and an offset into it
(``c.tinyoffset``); a block is an ordinary 16-byte object of span class
``tinySpanClass`` (class 2, noscan), so it counts once in HeapAlloc and HeapObjects
however many sub-objects it holds, and it is freed when none of them is reachable.

The steps (``runtime/malloc.go: mallocgc``, the "Tiny allocator" block; go1.25:
``mallocgcTiny``)
-----------------------------------------------------------------------------
1. Align the offset for the size: 8 if ``size&7 == 0``, else 4 if ``size&3 == 0``,
   else 2 if ``size&1 == 0``.
2. If ``off + size <= 16`` and there is a current block, the object goes there:
   ``tinyAllocs++``, which ``ReadMemStats`` adds to both Mallocs and Frees, so
   HeapObjects and HeapAlloc do not move (:meth:`Tiny.place`).
3. Otherwise a new block is allocated; it becomes current only if ``size <
   tinyoffset`` or there was none (:meth:`Tiny.adopt`).
4. ``releaseAll`` drops the current block (:meth:`Tiny.drop`), at every ``ReadMemStats``
   and every GC's mark termination, so the next tiny request opens a new block.

gcemu keeps a count of live sub-objects per block (``live``) so that sweeping a
sub-object frees the block exactly when its last sub-object dies.
"""

from __future__ import annotations

from gcemu.mem.sizeclasses import MAX_TINY_SIZE

__all__ = ["TINY_SIZE_CLASS", "Tiny"]
#: ``tinySizeClass``: 16-byte blocks come from spans of class 2.
TINY_SIZE_CLASS = 2


class Tiny:
    """The mcache's tiny block, offset and counters."""

    __slots__ = ("allocs", "live", "offset", "tiny")

    def __init__(self) -> None:
        self.tiny = 0          # c.tiny: the current block's address, 0 = none
        self.offset = 0        # c.tinyoffset
        self.allocs = 0        # c.tinyAllocs, cumulative: Mallocs and Frees both count them
        #: live sub-objects per block address
        self.live: dict[int, int] = {}

    def place(self, size: int) -> int:
        """The address of a ``size``-byte object in the current block, or 0 if it does not fit.

        Examples
        --------
        >>> t = Tiny(); t.adopt(0x1000, 7); t.place(7), t.place(7)
        (4103, 0)
        """
        off = self.offset
        if size & 7 == 0:
            off = (off + 7) & ~7
        elif size & 3 == 0:
            off = (off + 3) & ~3
        elif size & 1 == 0:
            off = (off + 1) & ~1
        if off + size > MAX_TINY_SIZE or not self.tiny:
            return 0
        self.offset = off + size
        self.allocs += 1
        self.live[self.tiny] += 1
        return self.tiny + off

    def adopt(self, block: int, size: int) -> None:
        """A new block holding one ``size``-byte object at offset 0."""
        self.live[block] = 1
        if size < self.offset or not self.tiny:
            self.tiny = block
            self.offset = size

    def drop(self) -> None:
        """``c.tiny = 0; c.tinyoffset = 0`` (``releaseAll``)."""
        self.tiny = 0
        self.offset = 0

    def free(self, addr: int) -> bool:
        """Sweep one sub-object; True when its block has no live sub-object left."""
        block = addr & ~15
        n = self.live[block] - 1
        if n:
            self.live[block] = n
            return False
        del self.live[block]
        if block == self.tiny:
            self.drop()
        return True
