"""A Swiss map's tables: internal/runtime/maps/table.go (Go 1.24+), method by method.

A table (32 bytes: ``used``, ``capacity``, ``growthLeft``, ``localDepth``, ``index``
and the pointer to its groups) is an open-addressed hash table of at most 1024 slots.

Invariants (go-swiss-map.md §9.2, §9.3)
---------------------------------------
1. ``growthLeft + used + tombstones == capacity * 7 / 8`` (capacity - 1 for a one-group
   table), so every probe sequence meets a group with an empty slot.
2. A group holding a tombstone holds no empty slot: a probe ends at the first group
   with an empty slot, so no key can lie beyond it.

Steps
-----
``PutSlot`` (`Table.put_slot`) probes for the key (`Table.find`), remembering the first
tombstone on the way, and stops at the first group with an empty slot; a new key takes
the tombstone (no growth budget spent) or the lowest empty slot. With ``growthLeft ==
0`` the fast32 / fast64 / faststr paths (and in Go 1.27 the pointer-key paths) first
try ``pruneTombstones``; then ``rehash`` doubles the table (``grow``), or splits a
1024-slot table in two by the next hash bit (``split``; the map installs the halves).
Neither clears the old storage: the old table gets ``index = -1``. ``Delete`` zeroes
the elem (and a pointerful key) and writes ``EMPTY`` if the group still has an empty
slot, else a tombstone. ``Clear`` zeroes the groups and resets the counters.

Each method takes the map ``m`` as Go's take ``typ`` and ``m``: the map holds the hash,
the seed, the layout and the write barrier.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from gcemu.core.heap import HeapObject
from gcemu.errors import GcemuError
from gcemu.maps.common import has_nan
from gcemu.maps.swiss.group import (
    CTRL_DELETED,
    CTRL_EMPTY,
    EMPTY_CTRL,
    SLOTS,
    Group,
    GroupsArray,
    first_empty_or_deleted,
    full_bits,
    h1,
    new_groups,
    probe,
)
from gcemu.mem.sizeclasses import slot_size

if TYPE_CHECKING:
    from gcemu.maps.swiss.map import SwissMap

# maps/map.go, maps/table.go
MAX_TABLE_CAP = 1024
MAX_AVG_GROUP_LOAD = 7
TABLE_SIZE = 32  # maps.table


def max_growth_left(capacity: int) -> int:
    """maps.(*table).maxGrowthLeft: inserts a fresh table allows before a rehash."""
    if capacity <= SLOTS:
        return capacity - 1
    return capacity * MAX_AVG_GROUP_LOAD // SLOTS


def new_table(m: SwissMap, capacity: int, index: int, local_depth: int) -> Table:
    """maps.newTable: capacity rounded up to a power of two, at least 8."""
    capacity = max(capacity, SLOTS)
    if capacity > MAX_TABLE_CAP:
        raise GcemuError("initial table capacity too large")
    capacity = 1 << (capacity - 1).bit_length()
    t = m.heap.allocate(Table(index, local_depth))
    t.groups_obj = new_groups(m, capacity // SLOTS, t)
    t.capacity = capacity
    t.growthLeft = max_growth_left(capacity)
    return t


def move_entries(m: SwissMap, groups: Iterable[Group], dsts: tuple[Table, ...],
                 bit: int) -> None:
    """The loop of grow, split and growToTable: each full slot of ``groups``, in group
    and slot order, hashed again with the seed, goes to ``dsts[1]`` when ``hash & bit``
    is set, else to ``dsts[0]``, by maps.(*table).uncheckedPutSlot: a destination is a
    fresh table, with no tombstone and none of these keys, so the entry takes the
    lowest empty slot of the first group on its probe that has one. The same key and
    elem objects move (an indirect slot's pointer too); while the GC marks, the
    stores go through the bulk barrier (typedmemmove)."""
    hash_of, seed, indirect = m._hash, m.seed, m.layout.indirect_key
    marking = m.heap.marking
    to_groups = [t.groups_obj.groups for t in dsts]
    masks = [(t.capacity >> 3) - 1 for t in dsts]
    moved = [0] * len(dsts)
    for g in groups:
        keys, elems = g.keys, g.elems
        for j, c in enumerate(g.ctrl):
            if c & CTRL_EMPTY:
                continue
            k = keys[j]
            hash = hash_of(k.value if indirect else k, seed)
            d = 1 if hash & bit else 0
            to, mask = to_groups[d], masks[d]
            off = (hash >> 7) & mask
            step = 0
            while True:
                ng = to[off]
                i = ng.ctrl.find(CTRL_EMPTY)
                if i >= 0:
                    break
                step += 1
                off = (off + step) & mask
            if marking:
                m._set_key(ng, i, k)
                m._set_elem(ng, i, elems[j])
            else:
                ng.keys[i] = k
                ng.elems[i] = elems[j]
            ng.ctrl[i] = hash & 0x7F
            moved[d] += 1
    for t, n in zip(dsts, moved, strict=True):
        t.growthLeft -= n
        t.used += n


class Table(HeapObject):
    """maps.table (32 bytes): counters and the pointer to its groups."""

    __slots__ = ("capacity", "groups_obj", "growthLeft", "index", "localDepth", "used")
    kind = "table"

    def __init__(self, index: int, local_depth: int):
        super().__init__(None, slot_size(TABLE_SIZE, False))
        self.used = 0
        self.capacity = 0
        self.growthLeft = 0
        self.localDepth = local_depth
        self.index = index
        self.groups_obj: GroupsArray | None = None

    @property
    def groups(self) -> list[Group]:
        return self.groups_obj.groups

    def tombstones(self) -> int:
        """maps.(*table).tombstones: derived from the counters, as the runtime does."""
        return self.capacity * MAX_AVG_GROUP_LOAD // SLOTS - self.used - self.growthLeft

    def pointers(self):
        return (self.groups_obj,)

    def __repr__(self) -> str:
        return (f"<{self.label} index={self.index} localDepth={self.localDepth} "
                f"capacity={self.capacity} used={self.used} growthLeft={self.growthLeft}>")

    # -- lookup ---------------------------------------------------------------------------
    def find(self, m: SwissMap, hash: int, equal: Callable[[Any], bool]
             ) -> tuple[Group | None, int, tuple[Group, int, bool] | None]:
        """The probe every table operation makes (getWithKey, PutSlot, Delete):
        ``(group, slot, None)`` of the key, or ``(None, -1, free)`` where ``free`` is
        ``(group, slot, tombstone)``: the first tombstone met, else the lowest empty
        slot of the group that ended the probe.

        The probe visits groups ``H1, H1+1, H1+3, ...`` (`probe`) and ends at the first
        group with an empty slot: no key can lie beyond it. Tombstones do not end it.
        (A group with an empty slot holds no tombstone, §3.2, so its lowest free slot
        is the empty one, as matchEmptyOrDeleted().first() finds it.)
        """
        groups = self.groups_obj.groups
        mask = (self.capacity >> 3) - 1  # groupsReference.lengthMask
        top = hash & 0x7F
        ind = m.layout.indirect_key
        off = (hash >> 7) & mask
        step = 0
        tomb = None
        while True:
            g = groups[off]
            ctrl = g.ctrl
            i = ctrl.find(top)
            while i >= 0:
                k = g.keys[i]
                if equal(k.value if ind else k) is True:
                    return g, i, None
                i = ctrl.find(top, i + 1)
            e = ctrl.find(CTRL_EMPTY)
            if e >= 0:
                return None, -1, tomb or (g, e, False)
            if tomb is None:
                d = ctrl.find(CTRL_DELETED)
                if d >= 0:
                    tomb = (g, d, True)
            step += 1
            off = (off + step) & mask

    # -- insert ---------------------------------------------------------------------------
    def put_slot(self, m: SwissMap, hash: int, key: Any, value: Any,
                 equal: Callable[[Any], bool]) -> bool:
        """maps.(*table).PutSlot as runtime_mapassign* inline it; False when the table
        was rehashed instead (the caller selects the table again)."""
        g, i, free = self.find(m, hash, equal)
        if g is not None:
            m._update(g, i, key, value)  # an existing key: no counter changes
            return True
        g, i, tombstone = free
        if tombstone:
            self.growthLeft += 1  # reusing a tombstone spends no growth budget
        if self.growthLeft == 0 and m._prunes:
            self.prune_tombstones(m)
        if self.growthLeft > 0:
            self.growthLeft -= 1
            self.used += 1
            if m._direct and not m.heap.marking:  # _write_new's plain stores, inline
                g.keys[i] = key
                g.ctrl[i] = hash & 0x7F
                m.used += 1
                g.elems[i] = value
            else:
                m._write_new(g, i, hash, key, value)
            return True
        self.rehash(m)
        return False

    # -- rehash ---------------------------------------------------------------------------
    def rehash(self, m: SwissMap) -> None:
        """maps.(*table).rehash: double the table, or split it at 1024 slots. There is
        no same-size rehash: a table full of tombstones grows too."""
        if 2 * self.capacity <= MAX_TABLE_CAP:
            self.grow(m, 2 * self.capacity)
        else:
            self.split(m)

    def grow(self, m: SwissMap, capacity: int) -> None:
        """maps.(*table).grow: a bigger table takes every full slot; tombstones are
        dropped; the old table is not cleared and gets ``index = -1``."""
        nt = new_table(m, capacity, self.index, self.localDepth)
        move_entries(m, (g for _, g in self.groups_obj.groups.built()), (nt,), 0)
        m._replace_table(nt)
        self.index = -1

    def split(self, m: SwissMap) -> None:
        """maps.(*table).split: two 1024-slot tables take the entries by hash bit
        ``64 - localDepth'`` (counted from the top); installTableSplit puts them in."""
        depth = self.localDepth + 1
        left = new_table(m, MAX_TABLE_CAP, -1, depth)
        right = new_table(m, MAX_TABLE_CAP, -1, depth)
        move_entries(m, (g for _, g in self.groups_obj.groups.built()), (left, right),
                     1 << (64 - depth))
        if not (left.growthLeft and right.growthLeft):
            # Go would split again and again, doubling the directory until it runs out
            # of memory; only a degenerate hash= can do this
            raise GcemuError(
                f"{m.name or m.label}: all {self.used} keys of a full table have the "
                f"same top {depth} hash bits, so the table cannot split (is the hash= "
                f"function degenerate?)")
        m._install_table_split(self, left, right)
        self.index = -1

    def prune_tombstones(self, m: SwissMap) -> None:
        """maps.(*table).pruneTombstones: turn tombstones back into empty slots in the
        groups no probe sequence still needs, if that frees at least 10% of capacity.
        Entries never move."""
        if self.tombstones() * 10 < self.capacity:
            return
        groups = self.groups_obj.groups
        mask = len(groups) - 1
        needed = set()
        for gi, g in enumerate(groups):
            ctrl = g.ctrl
            for j in range(SLOTS):
                if ctrl[j] & CTRL_EMPTY:
                    continue
                k = m._slot_key(g, j)
                if not m.layout.reflexive_key and has_nan(k):
                    continue
                for p in probe(h1(m._hash(k, m.seed)), mask):
                    if p == gi:
                        break
                    if first_empty_or_deleted(groups[p].ctrl) >= 0:
                        needed.add(p)  # a tombstone this key's probe passes over
            if CTRL_EMPTY in ctrl:
                needed.add(gi)
        free = [g for gi, g in enumerate(groups) if gi not in needed]
        if sum(g.ctrl.count(CTRL_DELETED) for g in free) * 10 < self.capacity:
            return  # not worth it: the caller grows instead
        for g in free:
            ctrl = g.ctrl
            for j in range(SLOTS):
                if ctrl[j] == CTRL_DELETED:
                    ctrl[j] = CTRL_EMPTY
                    self.growthLeft += 1

    # -- delete and clear -----------------------------------------------------------------
    def delete(self, m: SwissMap, hash: int, equal: Callable[[Any], bool]) -> Any:
        """maps.(*table).Delete: EMPTY if the group still has an empty slot (no probe
        can have passed it), else a tombstone. Returns the stored key it deleted."""
        g, i, _ = self.find(m, hash, equal)
        if g is None:
            return None
        found = m._slot_key(g, i)
        self.used -= 1
        m.used -= 1
        m._clear_deleted(g, i)
        if CTRL_EMPTY in g.ctrl:
            g.ctrl[i] = CTRL_EMPTY
            self.growthLeft += 1
        else:
            g.ctrl[i] = CTRL_DELETED
            m.tombstonePossible = True
        return found

    def clear(self, m: SwissMap) -> None:
        """maps.(*table).Clear: zero each group with a full slot (Go 1.27: every group
        unless the table is sparse or its slots are big), then reset the counters."""
        mgl = max_growth_left(self.capacity)
        if self.used == 0 and self.growthLeft == mgl:
            return
        groups = self.groups_obj.groups
        full_test = (m.heap.model.go < (1, 27) or self.used * 4 <= len(groups) - 1
                     or (m.group_size - 8) // SLOTS > 32)
        for g in groups:
            if not full_test or full_bits(g.ctrl):
                m._zero_group(g)
            g.ctrl[:] = EMPTY_CTRL
        self.used = 0
        self.growthLeft = mgl


__all__ = ["MAX_AVG_GROUP_LOAD", "MAX_TABLE_CAP", "Table", "max_growth_left", "move_entries",
           "new_table"]
