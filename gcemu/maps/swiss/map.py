"""The Swiss-table Go map of Go 1.24+ (internal/runtime/maps/map.go): the header.

A map is a 48-byte header (`SwissMap`, maps.Map). While it holds at most 8 entries it
is *small*: the header points at one group (``dirLen == 0``). Past that, it points at
a *directory* of ``2^globalDepth`` table pointers; a table with ``localDepth = d``
fills ``2^(globalDepth - d)`` consecutive entries from ``table.index``. A table is an
array of groups (at most 1024 slots); a group is a 64-bit control word, one byte per
slot, and 8 slots of key and elem. A control byte is ``EMPTY`` (0x80), ``DELETED``
(0xFE, a tombstone) or, for a full slot, ``H2``: the low 7 bits of the key's hash.
The top ``globalDepth`` hash bits pick the table; ``H1 = hash >> 7`` starts a
quadratic probe over its groups.

Invariants (go-swiss-map.md §9)
-------------------------------
1. ``used`` equals the full slots of the small group, or the sum of the tables' ``used``.
2. Per table: ``growthLeft + used + tombstones == capacity * 7 / 8`` (capacity - 1 for
   a one-group table), so every probe sequence meets a group with an empty slot.
3. A group holding a tombstone holds no empty slot; the small group holds none at all.
4. ``dirLen == 2^globalDepth``; table ``t`` fills exactly ``dir[t.index : t.index +
   2^(globalDepth - t.localDepth)]``. Nothing ever shrinks or merges.

Steps
-----
``NewMap`` sizes the directory and tables for a hint (a hint up to 8 allocates
nothing; the first insert allocates the small group). ``putSlot`` probes for the key,
remembering the first tombstone on the way, and stops at the first group with an empty
slot; a new key takes the tombstone (no growth budget spent) or the lowest empty slot.
With ``growthLeft == 0`` the fast32 / fast64 / faststr paths (and in Go 1.27 the
pointer-key paths) first try ``pruneTombstones``; then ``rehash`` doubles the table, or
splits a 1024-slot table in two by the next hash bit, doubling the directory when the
table used every bit it had. ``Delete`` zeroes the elem (and a pointerful key) and
writes ``EMPTY`` if the group still has an empty slot, else a tombstone; emptying the
map draws a new seed. ``Clear`` zeroes the groups but keeps every table. Growth never
clears the old storage: it is garbage as a whole unless a live iterator still walks it
(``Iter.Next`` then looks every key up again in the live map).

Groups and their probe are in `gcemu.maps.swiss.group`, a table's own operations in
`gcemu.maps.swiss.table`, iteration in `gcemu.maps.swiss.iter`.

Representation: as in `gcemu.maps.common`, a key or elem slot holds the Python value of the
Go value, an `Indirect` object for keys or elems over 128 bytes, or ``None`` for zeroed
memory. The heap allocations are the header, the `Directory`, each `Table` (32 B) and
each `GroupsArray`; a `Group` is a part of its array (its ``owner``), so a pointer to
a group keeps the whole array alive, as an interior pointer does in Go.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from gcemu.core.heap import Heap, HeapObject
from gcemu.errors import GcemuError
from gcemu.gotypes import GoType
from gcemu.maps.common import Indirect, check_hint_slots, has_nan, mapfast
from gcemu.maps.front import MapFront
from gcemu.maps.swiss.group import (
    CTRL_DELETED,
    CTRL_EMPTY,
    EMPTY_CTRL,
    SLOTS,
    Group,
    GroupsArray,
    first_empty_or_deleted,
    group_size,
    h2,
    new_groups,
)
from gcemu.maps.swiss.iter import mapiterinit
from gcemu.maps.swiss.table import (
    MAX_AVG_GROUP_LOAD,
    MAX_TABLE_CAP,
    Table,
    max_growth_left,
    move_entries,
    new_table,
)
from gcemu.mem.sizeclasses import slot_size

MAP_SIZE = 48  # maps.Map
# fields of the classic hmap that a Swiss map does not have
_CLASSIC_FIELDS = frozenset(("B", "buckets", "oldbuckets", "buckets_obj", "oldbuckets_obj",
                             "flags", "noverflow", "hash0", "nevacuate", "extra", "growing",
                             "noldbuckets"))


class ClassicFieldError(GcemuError, AttributeError):
    """A classic-map field asked of a Swiss map."""


class Directory(HeapObject):
    """The ``[]*table`` backing array the header's dirPtr points at."""

    __slots__ = ("tables",)
    kind = "directory"

    def __init__(self, tables: list[Table]):
        super().__init__(None, slot_size(8 * len(tables), False))
        self.tables = tables

    def pointers(self):
        return self.tables


class SwissMap(MapFront):
    """A Go 1.24+ map: the header (maps.Map) and the operations of internal/runtime/maps.

    Go's fields read as attributes: ``used``, ``seed``, ``dirLen``, ``globalDepth``,
    ``globalShift``, ``tombstonePossible``, ``clearSeq``, ``dirPtr`` (None, the small
    map's `GroupsArray`, or the `Directory`); ``directory`` lists the table of each
    directory entry and ``tables`` the distinct tables in directory order.
    """

    __slots__ = ("_clears_key", "_direct", "_prunes", "_small_update_grows", "clearSeq",
                 "dirLen", "dirPtr", "globalDepth", "globalShift", "group_size", "seed",
                 "tombstonePossible", "used", "writing")
    kind = "map"

    @classmethod
    def make(cls, heap: Heap, t: GoType, hint: int, name: str | None,
             hash: Callable[[Any, int], int] | None) -> SwissMap:
        """runtime.makemap -> maps.NewMap: a hint up to 8 allocates nothing; a larger
        one sizes the directory and its tables for ``hint * 8 / 7`` slots."""
        if not isinstance(hint, int) or isinstance(hint, bool):
            raise GcemuError(f"make({t.name}, hint): hint must be an int, got {hint!r}")
        m = cls(heap, t, name, hash)
        heap.allocate(m)
        m.seed = heap.rand64()
        hint = max(hint, 0)
        if hint <= SLOTS:
            return m
        target = hint * SLOTS // MAX_AVG_GROUP_LOAD
        dir_size = 1 << max(0, (-(-target // MAX_TABLE_CAP) - 1).bit_length())
        if dir_size * MAX_TABLE_CAP * m.group_size > (1 << 48):
            return m  # NewMap's (generous) size check against maxAlloc: an empty map
        check_hint_slots(t, hint, dir_size * max(SLOTS, 1 << (target // dir_size - 1)
                                                 .bit_length()))
        depth = dir_size.bit_length() - 1
        m.globalDepth = depth
        m.globalShift = 64 - depth
        directory = heap.allocate(Directory([None] * dir_size))  # before the tables, as in Go
        directory.tables[:] = [new_table(m, target // dir_size, i, depth)
                               for i in range(dir_size)]
        m.dirPtr = directory
        m.dirLen = dir_size
        return m

    def __init__(self, heap: Heap, t: GoType, name: str | None,
                 hash: Callable[[Any, int], int] | None):
        super().__init__(heap, t, MAP_SIZE, name, hash, mapfast)
        layout = self.layout
        self.group_size = group_size(layout.key_slot_type, layout.elem_slot_type)
        self.used = 0
        self.seed = 0
        self.dirPtr: GroupsArray | Directory | None = None
        self.dirLen = 0
        self.globalDepth = 0
        self.globalShift = 0  # NewEmptyMap leaves it 0 until the map gets a directory
        self.tombstonePossible = False
        self.clearSeq = 0
        self.writing = 0  # maps/map.go:233 Map.writing, toggled by gcemu.sched.mapsteps
        # key and elem both in the slots: a new entry is plain stores unless the GC marks
        self._direct = not (layout.indirect_key or layout.indirect_elem)
        self._clears_key = layout.indirect_key or layout.key.has_pointers  # by Delete
        go = heap.model.go
        # the assignment path mapfast picks (self.variant); only these prune
        pruning = ("fast32", "fast64", "faststr")
        if go >= (1, 27):
            pruning += ("fast32ptr", "fast64ptr")
        self._prunes = self.variant in pruning
        self._small_update_grows = go < (1, 27)

    # -- inspection with Go's names ------------------------------------------------------
    @property
    def count(self) -> int:
        """``len(m)``: Go's ``used``."""
        return self.used

    @property
    def small(self) -> GroupsArray | None:
        """The small map's group array, or None."""
        return self.dirPtr if self.dirLen == 0 else None

    @property
    def directory(self) -> list[Table]:
        """The table of each directory entry ([] for a small map)."""
        return self.dirPtr.tables if self.dirLen else []

    @property
    def tables(self) -> list[Table]:
        """The distinct tables, in directory order."""
        out: list[Table] = []
        for t in self.directory:
            if not out or out[-1] is not t:
                out.append(t)
        return out

    @property
    def capacity(self) -> int:
        """Slots of storage: 8 for a small map's group, else the tables' sum."""
        if self.dirLen == 0:
            return 0 if self.dirPtr is None else SLOTS
        return sum(t.capacity for t in self.tables)

    def tombstones(self) -> int:
        return sum(t.tombstones() for t in self.tables)

    def hash(self, key: Any) -> int:
        """The 64-bit hash of a key under the current seed."""
        return self._hash(self._key(key), self.seed)

    def describe(self) -> str:
        if self.dirLen == 0:
            return f"used={self.used} small={'yes' if self.dirPtr else 'unallocated'}"
        return (f"used={self.used} dirLen={self.dirLen} globalDepth={self.globalDepth} "
                f"tables={len(self.tables)} capacity={self.capacity} "
                f"tombstones={self.tombstones()}")

    def pointers(self):
        return () if self.dirPtr is None else (self.dirPtr,)

    def kind_label(self) -> str:
        return "map"

    # The classic hmap's fields (B, buckets, ...) are properties that raise
    # ClassicFieldError (`_classic_field`, set below the class), not a __getattr__: a
    # class with __getattr__ loses CPython's specialized attribute access, and every
    # self.used or self.seed on the hot paths cost ~30 ns instead of ~3 ns.

    # -- allocation -----------------------------------------------------------------------
    def _set_dir_ptr(self, p: GroupsArray | Directory) -> None:
        self._wb(self.dirPtr, p)
        self.dirPtr = p

    def _table(self, hash: int) -> Table:
        """The table of ``hash`` (maps.(*Map).directoryIndex: the top globalDepth
        bits; Go masks the shift to 6 bits and so special-cases ``dirLen == 1``, where a
        Python shift by 64 of a 64-bit hash is already 0)."""
        return self.dirPtr.tables[hash >> self.globalShift]

    def _equal(self, key: Any) -> Callable[[Any], bool]:
        """typ.Key.Equal(key, x) as a test on x (NaN never equals anything)."""
        if self.layout.reflexive_key or not has_nan(key):
            return key.__eq__
        return lambda _: False

    def _slot_key(self, g: Group, i: int) -> Any:
        k = g.keys[i]
        return k.value if self.layout.indirect_key else k

    def _match(self, g: Group, top: int, equal: Callable[[Any], bool]) -> int:
        """The slot of ``g`` holding the key (matchH2, then key comparison), or -1."""
        ctrl = g.ctrl
        i = ctrl.find(top)
        while i >= 0:
            if equal(self._slot_key(g, i)) is True:
                return i
            i = ctrl.find(top, i + 1)
        return -1

    # -- lookup ---------------------------------------------------------------------------
    def _find(self, key: Any) -> tuple[Group, int] | None:
        """maps.(*Map).getWithKey (runtime_mapaccess2*): the (group, slot) of ``key``."""
        if self.used == 0:
            return None
        hash = self._hash(key, self.seed)
        equal = self._equal(key)
        if self.dirLen == 0:
            g = self.dirPtr.groups[0]
            i = self._match(g, h2(hash), equal)
            return None if i < 0 else (g, i)
        g, i, _ = self._table(hash).find(self, hash, equal)
        return None if g is None else (g, i)

    # -- insert ---------------------------------------------------------------------------
    def _assign(self, key: Any, value: Any) -> None:
        """runtime_mapassign (and its fast variants), then the compiled elem store."""
        hash = self._hash(key, self.seed)
        if self.dirLen == 0:
            if self.dirPtr is None:  # maps.(*Map).growToSmall
                self._set_dir_ptr(new_groups(self, 1, None))
            g = self.dirPtr.groups[0]
            i = self._match(g, h2(hash), self._equal(key))
            if i >= 0 and (self.used < SLOTS or not self._small_update_grows):
                self._update(g, i, key, value)  # putSlotSmall finds the key
                return
            if self.used < SLOTS:
                self._put_slot_small(g, hash, key, value)
                return
            self._grow_to_table()  # Go 1.25: even when the key is present
        equal = self._equal(key)
        while not self.dirPtr.tables[hash >> self.globalShift].put_slot(
                self, hash, key, value, equal):
            pass  # the table was rehashed: select the table again (directoryIndex)

    def _write_new(self, g: Group, i: int, hash: int, key: Any, value: Any) -> None:
        """Fill a free slot with a new entry: the key (a new object when indirect), a
        new elem object when indirect, the control byte, then the compiled store."""
        layout = self.layout
        heap = self.heap
        if self._direct and not heap.marking:
            g.keys[i] = key  # no barrier and nothing out of line: plain stores
            g.ctrl[i] = hash & 0x7F
            self.used += 1
            g.elems[i] = value
            return
        if layout.indirect_key:
            key = heap.allocate(Indirect(layout.key, key, "key"))
        self._set_key(g, i, key)
        if layout.indirect_elem:
            self._set_elem(g, i, heap.allocate(Indirect(layout.elem, layout.elem.zero(), "elem")))
        g.ctrl[i] = h2(hash)
        self.used += 1
        self._store_elem(g, i, value)

    def _put_slot_small(self, g: Group, hash: int, key: Any, value: Any) -> None:
        """maps.(*Map).putSlotSmall for a new key: the lowest free slot."""
        self._write_new(g, first_empty_or_deleted(g.ctrl), hash, key, value)

    def _grow_to_table(self) -> None:
        """maps.(*Map).growToTable: a 16-slot table takes the small group's entries in
        slot order; the old group is dropped, not cleared."""
        t = new_table(self, 2 * SLOTS, 0, 0)
        move_entries(self, (self.dirPtr.groups[0],), (t,), 0)
        directory = self.heap.allocate(Directory([t]))
        self._set_dir_ptr(directory)
        self.dirLen = 1
        self.globalDepth = 0
        self.globalShift = 64

    def _install_table_split(self, old: Table, left: Table, right: Table) -> None:
        """maps.(*Map).installTableSplit: double the directory if ``old`` used every
        directory bit, then let the halves replace it."""
        if old.localDepth == self.globalDepth:
            tables = self.dirPtr.tables
            doubled = []
            for i, tab in enumerate(tables):
                doubled += (tab, tab)
                if tab.index == i:
                    tab.index = 2 * i
            self._set_dir_ptr(self.heap.allocate(Directory(doubled)))
            self.dirLen = len(doubled)
            self.globalDepth += 1
            self.globalShift -= 1
        left.index = old.index
        self._replace_table(left)
        right.index = left.index + (1 << (self.globalDepth - left.localDepth))
        self._replace_table(right)

    def _replace_table(self, nt: Table) -> None:
        """maps.(*Map).replaceTable: every directory entry of ``nt``'s range."""
        tables = self.dirPtr.tables
        for i in range(nt.index, nt.index + (1 << (self.globalDepth - nt.localDepth))):
            self._wb(tables[i], nt)
            tables[i] = nt

    # -- delete ---------------------------------------------------------------------------
    def _delete(self, key: Any) -> Any:
        """maps.(*Map).Delete; returns the stored key it deleted (None if none).

        The map drawing a new seed when it becomes empty is the only effect of
        deleting the last entry: no storage is freed or shrunk.
        """
        if self.used == 0:
            return None
        hash = self._hash(key, self.seed)
        equal = self._equal(key)
        found = None
        if self.dirLen == 0:  # maps.(*Map).deleteSmall: never a tombstone
            g = self.dirPtr.groups[0]
            i = self._match(g, h2(hash), equal)
            if i >= 0:
                found = self._slot_key(g, i)
                self.used -= 1
                self._clear_deleted(g, i)
                g.ctrl[i] = CTRL_EMPTY
        else:
            found = self._table(hash).delete(self, hash, equal)
        if self.used == 0:  # reseed to foil repeated collisions
            self.seed = self.heap.rand64()
        return found

    def _clear_deleted(self, g: Group, i: int) -> None:
        """What Delete clears (§4): an indirect key's pointer, or a pointerful key; the
        elem always (an indirect elem's pointer). A pointer-free key stays, stale and
        invisible to the GC."""
        if not self.heap.marking:  # plain stores: no barrier to run
            if self._clears_key:
                g.keys[i] = None
            g.elems[i] = None
            return
        if self._clears_key:
            self._set_key(g, i, None)
        self._set_elem(g, i, None)

    # -- clear ----------------------------------------------------------------------------
    def _clear(self) -> None:
        """``clear(m)``: maps.(*Map).Clear. Keeps every table and the directory, zeroes
        the groups, erases tombstones, bumps clearSeq and draws a new seed."""
        if self.heap.readers:
            self.heap.settle()
        if self._trace is not None:
            self._trace.clear(self)
        if self.used == 0 and not self.tombstonePossible:
            return
        if self.heap.marking:
            self._op("clear(m)")
        if self.dirLen == 0:  # clearSmall
            g = self.dirPtr.groups[0]
            self._zero_group(g)
        else:
            for t in self.tables:
                t.clear(self)
            self.tombstonePossible = False
        self.used = 0
        self.clearSeq += 1
        self.seed = self.heap.rand64()

    def _zero_group(self, g: Group) -> None:
        if self.heap.marking:  # typedmemclr: the bulk barrier shades the old pointers
            shade = self.heap.shade_pointers
            for i in range(SLOTS):
                shade(self.key_pointers(g.keys[i]))
                shade(self.elem_pointers(g.elems[i]))
        g.zero()
        g.ctrl[:] = EMPTY_CTRL

    # -- iteration ------------------------------------------------------------------------
    def _iterate1(self) -> Iterator[tuple[Any, Any]]:
        """MapFront's iteration hook: maps.(*Iter).Init, then Next until the end."""
        return mapiterinit(self)

    # -- consistency ----------------------------------------------------------------------
    def check_invariants(self) -> None:
        """Raise AssertionError if an invariant of §9 does not hold."""
        if self.dirLen == 0:
            if self.dirPtr is None:
                assert self.used == 0, f"used {self.used} with no storage"
                return
            ctrl = self.dirPtr.groups[0].ctrl
            assert CTRL_DELETED not in ctrl, f"tombstone in the small group: {ctrl.hex()}"
            assert self.used == SLOTS - ctrl.count(CTRL_EMPTY), "used != full slots"
            return
        tables = self.dirPtr.tables
        assert self.dirLen == len(tables) == 1 << self.globalDepth, "dirLen != 2^globalDepth"
        assert self.globalShift == 64 - self.globalDepth
        used = 0
        for t in self.tables:
            span = 1 << (self.globalDepth - t.localDepth)
            assert tables[t.index:t.index + span] == [t] * span, f"{t!r} misplaced"
            full = tomb = 0
            for g in t.groups:
                ctrl = g.ctrl
                d = ctrl.count(CTRL_DELETED)
                e = ctrl.count(CTRL_EMPTY)
                assert not (d and e), f"group with tombstones and empties: {g!r}"
                full += SLOTS - d - e
                tomb += d
            assert full == t.used, f"{t!r}: {full} full slots"
            assert t.growthLeft + t.used + tomb == max_growth_left(t.capacity), (
                f"{t!r}: growthLeft + used + tombstones != {max_growth_left(t.capacity)}")
            assert any(CTRL_EMPTY in g.ctrl for g in t.groups), f"{t!r} has no empty slot"
            used += t.used
        assert used == self.used, f"used {self.used} != {used} in the tables"


def _classic_field(name: str) -> property:
    """A classic-map field asked of a Swiss map: one clear error naming what it has."""
    def get(m: SwissMap) -> Any:
        raise ClassicFieldError(
            f"{name} belongs to the classic map (models scanmap, go); a Swiss map "
            f"(model {m.heap.model.name}) has used, seed, dirLen, globalDepth, "
            f"tables, directory, small")
    return property(get)


for _name in _CLASSIC_FIELDS:
    setattr(SwissMap, _name, _classic_field(_name))


__all__ = ["ClassicFieldError", "Directory", "SwissMap"]
