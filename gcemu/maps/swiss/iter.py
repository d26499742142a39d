"""Iteration over a Swiss map: internal/runtime/maps/table.go's Iter (Init, Next).

Invariant: a range loop produces every entry present for its whole duration exactly
once, and never one deleted before the iterator reaches it, even across grows, splits
and directory doublings (go-swiss-map.md §8). The iterator (`SwissIter`) is a frame on
the main goroutine's stack: its pointer fields are roots while the loop runs.

Steps: Init draws a random entry offset and a random directory offset. Next visits the
tables in directory order from the directory offset, each once (a table filling
several entries is entered at its first one), and inside a table the entries from the
entry offset, finding a group's full slots in one read of its control word. If the
directory grew since Init, the iterator's directory index and offset are scaled up.
A table replaced by a grow or split (``index == -1``) is still walked to its end, but
every key found in it is looked up again in the live map (grownKeyElem): a key gone
since is skipped, unless it is a NaN and no clear happened since Init.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from gcemu.maps.common import M64, has_nan
from gcemu.maps.swiss.group import CTRL_EMPTY, SLOTS, Group, full_bits, lowest_bit

if TYPE_CHECKING:
    from gcemu.maps.swiss.map import SwissMap
    from gcemu.maps.swiss.table import Table


class SwissIter:
    """maps.Iter, a stack frame of the main goroutine while a range loop runs.

    Its pointer fields are roots: the map, the table being walked (an old one after a
    grow or split), the group being walked (which keeps its whole array alive), and
    the key and elem produced.
    """

    __slots__ = ("clearSeq", "dirIdx", "dirOffset", "elem", "entryIdx", "entryOffset",
                 "globalDepth", "group", "key", "label", "m", "tab")

    def __init__(self, m: SwissMap, label: str):
        self.m = m
        self.label = label
        self.tab: Table | None = None
        self.group: Group | None = None
        self.key: Any = None
        self.elem: Any = None
        self.entryOffset = self.dirOffset = 0
        self.entryIdx = self.dirIdx = 0
        self.globalDepth = m.globalDepth
        self.clearSeq = m.clearSeq

    def pointers(self) -> list[tuple[str, Any]]:
        """(field, pointer) for every non-nil pointer field."""
        fields = (("m", self.m), ("tab", self.tab), ("group", self.group),
                  ("key", self.key), ("elem", self.elem))
        return [(n, p) for n, p in fields if p is not None]

    def _entry(self, g: Group, i: int, grown: bool) -> tuple[Any, Any] | None:
        """The entry of full slot ``i`` of ``g`` as Next returns it, pointing ``key``
        and ``elem`` at what it produced. In storage the map has replaced, the key is
        looked up again in the live map (Iter.grownKeyElem); a key gone since is
        skipped (None), unless it is a NaN and no clear happened since Init."""
        m = self.m
        layout = m.layout
        ind_k, ind_e = layout.indirect_key, layout.indirect_elem
        k = g.keys[i]
        kv = k.value if ind_k else k
        if grown:
            found = m._find(kv)
            if found is not None:
                g, i = found
                k = g.keys[i]
                kv = k.value if ind_k else k
            elif self.clearSeq != m.clearSeq or layout.reflexive_key or not has_nan(kv):
                return None
        e = g.elems[i]
        self.key = k if ind_k else g
        self.elem = e if ind_e else g
        return kv, (e.value if ind_e else e)

    def next(self) -> tuple[Any, Any] | None:
        """maps.(*Iter).Next: the next entry, or None at the end.

        Tables are visited in directory order from a random offset, each once; inside
        a table, entries from a random offset, a group's full slots found in one read of
        its control word. After a grow or split the old table is walked to its end.
        """
        m = self.m
        if self.dirIdx < 0:
            while self.entryIdx < SLOTS:
                k = (self.entryIdx + self.entryOffset) & (SLOTS - 1)
                g = self.group
                self.entryIdx += 1
                if g.ctrl[k] & CTRL_EMPTY:
                    continue
                kv = self._entry(g, k, m.dirLen > 0)
                if kv is not None:
                    return kv
            return None
        if self.globalDepth != m.globalDepth:  # the directory grew since Init
            orders = m.globalDepth - self.globalDepth
            self.dirIdx <<= orders
            self.dirOffset = (self.dirOffset << orders) & M64
            self.globalDepth = m.globalDepth
        while self.dirIdx < m.dirLen:
            kv = self._next_in_table()
            if kv is not None:
                return kv
            # nextDirIdx: skip the other entries of the same table
            self.dirIdx += 1 << (m.globalDepth - self.tab.localDepth)
            self.tab = None
            self.group = None
            self.entryIdx = 0
        return None

    def _next_in_table(self) -> tuple[Any, Any] | None:
        """One table's part of Iter.Next (the body of its directory loop)."""
        m = self.m
        if self.tab is None:
            dir_idx = (self.dirIdx + self.dirOffset) & (m.dirLen - 1)
            tab = m.dirPtr.tables[dir_idx]
            if tab.index != dir_idx:  # start at the table's first entry
                self.dirOffset = (self.dirOffset - (dir_idx - tab.index)) & M64
            self.tab = tab
        tab = self.tab
        mask = tab.capacity - 1
        if self.entryIdx > mask:
            return None
        groups = tab.groups_obj.groups
        grown = tab.index == -1
        entry = (self.entryIdx + self.entryOffset) & mask
        slot = entry & (SLOTS - 1)
        if slot == 0 or self.group is None:
            self.group = groups[entry >> 3]
        if not self.group.ctrl[slot] & CTRL_EMPTY:
            kv = self._entry(self.group, slot, grown)
            if kv is not None:
                self.entryIdx += 1
                return kv
        self.entryIdx += 1
        match = 0
        while self.entryIdx <= mask:
            entry = (self.entryIdx + self.entryOffset) & mask
            slot = entry & (SLOTS - 1)
            if slot == 0 or self.group is None:
                self.group = groups[entry >> 3]
            if match == 0:
                match = full_bits(self.group.ctrl) & ~((1 << slot) - 1)
                if match == 0:
                    self.entryIdx += SLOTS - slot
                    continue
                i = lowest_bit(match)
                self.entryIdx += i - slot
                if self.entryIdx > mask:
                    continue
                slot = i
            kv = self._entry(self.group, slot, grown)
            match &= match - 1
            if match == 0:
                self.entryIdx += SLOTS - slot
            else:
                self.entryIdx += lowest_bit(match) - slot
            if kv is not None:
                return kv
        return None


def mapiterinit(m: SwissMap) -> Iterator[tuple[Any, Any]]:
    """runtime.mapiterinit (map_swiss.go): maps.(*Iter).Init, then Next until it
    produces nothing, as a generator over (key, elem); the `SwissIter` is on the main
    goroutine's stack until it ends or is closed."""
    if m.used == 0:
        return
    heap = m.heap
    it = SwissIter(m, f"Iter({m.name or m.label})")
    if heap.marking:
        m._op("range m")  # a new stack frame: the roots change
    it.entryOffset = heap.rand64()
    it.dirOffset = heap.rand64()
    if m.dirLen <= 0:
        it.dirIdx = -1  # the small map sentinel
        it.group = m.dirPtr.groups[0]
    stack = heap.stack.frames  # the ranging goroutine's stack
    stack.append(it)
    try:
        while True:
            kv = it.next()
            if kv is None:
                it.key = it.elem = None
                return
            yield kv
    finally:
        if heap.marking:
            m._op("range m ends")  # its frame leaves the stack: the roots change
        stack.remove(it)


__all__ = ["SwissIter", "mapiterinit"]
