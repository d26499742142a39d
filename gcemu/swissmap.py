"""The Swiss-table Go map of Go 1.24+ (internal/runtime/maps), function by function.

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

Representation: as in gcemu.gomap, a key or elem slot holds the Python value of the
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
from gcemu.gomap import M64, Indirect, has_nan
from gcemu.gotypes import GoType
from gcemu.mapfront import MapFront, check_hint_slots, mapfast, slot_words
from gcemu.sizeclasses import slot_size

# internal/abi/map_swiss.go, maps/group.go, maps/table.go
SLOTS = 8
MAX_TABLE_CAP = 1024
MAX_AVG_GROUP_LOAD = 7
CTRL_EMPTY = 0x80
CTRL_DELETED = 0xFE
MAP_SIZE = 48  # maps.Map
TABLE_SIZE = 32  # maps.table
_EMPTY_CTRL = bytes([CTRL_EMPTY]) * SLOTS
_NILS = (None,) * SLOTS
# fields of the classic hmap that a Swiss map does not have
_CLASSIC_FIELDS = frozenset(("B", "buckets", "oldbuckets", "buckets_obj", "oldbuckets_obj",
                             "flags", "noverflow", "hash0", "nevacuate", "extra", "growing",
                             "noldbuckets"))


class ClassicFieldError(GcemuError, AttributeError):
    """A classic-map field asked of a Swiss map."""


def h1(hash: int) -> int:
    """maps.h1: the upper 57 bits, which choose the group through the probe."""
    return hash >> 7


def h2(hash: int) -> int:
    """maps.h2: the low 7 bits, stored in a full slot's control byte."""
    return hash & 0x7F


def ctrl_state(c: int) -> str:
    """``empty``, ``deleted`` or ``full`` for a control byte."""
    if c == CTRL_EMPTY:
        return "empty"
    if c == CTRL_DELETED:
        return "deleted"
    return "full"


def probe(hash1: int, mask: int) -> Iterator[int]:
    """maps.probeSeq: group offsets ``p, p+1, p+3, p+6, ...`` (mod ``mask + 1``),
    which visit every group of a power-of-two table once."""
    off = hash1 & mask
    i = 0
    while True:
        yield off
        i += 1
        off = (off + i) & mask


def max_growth_left(capacity: int) -> int:
    """maps.(*table).maxGrowthLeft: inserts a fresh table allows before a rehash."""
    if capacity <= SLOTS:
        return capacity - 1
    return capacity * MAX_AVG_GROUP_LOAD // SLOTS


def group_size(key_slot: GoType, elem_slot: GoType) -> int:
    """The bytes of one group: cmd/compile/internal/reflectdata/map_swiss.go:
    SwissMapGroupType (§6.1), ``struct { ctrl uint64; slots [8]struct{ key K'; elem E' } }``
    with Go's padding rules.

    Examples
    --------
    >>> from gcemu.gotypes import TypeUniverse
    >>> u = TypeUniverse()
    >>> def size(k, e):
    ...     return group_size(u.parse(k), u.parse(e))
    >>> size("int64", "int64"), size("string", "int"), size("int64", "struct{}")
    (136, 200, 136)
    >>> size("uint16", "[3]byte"), size("struct{}", "struct{}")
    (56, 16)
    """
    align = max(key_slot.align, elem_slot.align, 1)
    elem_off = -(-key_slot.size // max(elem_slot.align, 1)) * max(elem_slot.align, 1)
    raw = elem_off + elem_slot.size
    if raw > 0 and elem_slot.size == 0:
        raw += 1  # a trailing zero-size field gets a byte of padding
    slot = -(-raw // align) * align
    return 16 if slot == 0 else 8 + SLOTS * slot


def _full_bits(ctrl: bytearray) -> int:
    """ctrlGroup.matchFull as a bitset: bit i set when slot i is full."""
    bits = 0
    for i in range(SLOTS):
        if not ctrl[i] & CTRL_EMPTY:
            bits |= 1 << i
    return bits


def _lowest(bits: int) -> int:
    return (bits & -bits).bit_length() - 1


def _first_empty_or_deleted(ctrl: bytearray) -> int:
    """matchEmptyOrDeleted().first(): the lowest slot whose control byte has bit 7."""
    e, d = ctrl.find(CTRL_EMPTY), ctrl.find(CTRL_DELETED)
    if e < 0:
        return d
    return e if d < 0 or e < d else d


# -- allocations ------------------------------------------------------------------------
class Group:
    """One group: 8 control bytes and 8 key / elem slots, part of a `GroupsArray`."""

    __slots__ = ("ctrl", "elems", "index", "keys", "owner")

    def __init__(self, owner: GroupsArray, index: int):
        self.ctrl = bytearray(_EMPTY_CTRL)
        self.keys: list[Any] = [None] * SLOTS
        self.elems: list[Any] = [None] * SLOTS
        self.owner = owner
        self.index = index

    def zero(self) -> None:
        """typedmemclr(typ.Group, g): every byte, control word included."""
        self.keys[:] = _NILS
        self.elems[:] = _NILS

    def __repr__(self) -> str:
        ctrl = " ".join(f"{c:02x}" for c in self.ctrl)
        return f"<group {self.index} of {self.owner.label} ctrl=[{ctrl}]>"


class GroupsArray(HeapObject):
    """``newarray(typ.Group, n)`` (maps/group.go: newGroups): the groups of one table,
    or the single group of a small map (``table`` is None)."""

    __slots__ = ("groups", "hmap", "table")

    def __init__(self, hmap: SwissMap, n: int, table: Table | None):
        super().__init__(None, slot_size(n * hmap.group_size, hmap.layout.noscan),
                         noscan=hmap.layout.noscan)
        self.hmap = hmap
        self.table = table
        self.groups = [Group(self, i) for i in range(n)]

    def kind_label(self) -> str:
        return "groups" if self.table is not None else "group"

    def current(self) -> bool:
        """Whether the live map still uses this storage (not replaced by a grow, a
        split, or the small map's growth into a table)."""
        if self.table is None:
            return self is self.hmap.dirPtr
        return self.table.index != -1

    def pointers(self):
        """Every pointer word of every slot, whatever its control byte (a bitmap scan)."""
        return () if self.noscan else slot_words(self.hmap, self.groups)


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


class Directory(HeapObject):
    """The ``[]*table`` backing array the header's dirPtr points at."""

    __slots__ = ("tables",)
    kind = "directory"

    def __init__(self, tables: list[Table]):
        super().__init__(None, slot_size(8 * len(tables), False))
        self.tables = tables

    def pointers(self):
        return self.tables


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


# -- the map ------------------------------------------------------------------------------
class SwissMap(MapFront):
    """A Go 1.24+ map: the header (maps.Map) and the operations of internal/runtime/maps.

    Go's fields read as attributes: ``used``, ``seed``, ``dirLen``, ``globalDepth``,
    ``globalShift``, ``tombstonePossible``, ``clearSeq``, ``dirPtr`` (None, the small
    map's `GroupsArray`, or the `Directory`); ``directory`` lists the table of each
    directory entry and ``tables`` the distinct tables in directory order.
    """

    __slots__ = ("_prunes", "_small_update_grows", "clearSeq", "dirLen", "dirPtr",
                 "globalDepth", "globalShift", "group_size", "seed", "tombstonePossible",
                 "used", "writing")
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
        directory.tables[:] = [m._new_table(target // dir_size, i, depth)
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
        self.writing = 0  # the concurrent-misuse flag (gcemu.sched.mapsteps)
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

    def __getattr__(self, name: str) -> Any:
        if name in _CLASSIC_FIELDS:
            raise ClassicFieldError(
                f"{name} belongs to the classic map (models scanmap, go); a Swiss map "
                f"(model {self.heap.model.name}) has used, seed, dirLen, globalDepth, "
                f"tables, directory, small")
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    # -- allocation -----------------------------------------------------------------------
    def _new_groups(self, n: int, table: Table | None) -> GroupsArray:
        """maps.newGroups: ``newarray(typ.Group, n)``, every control byte empty."""
        return self.heap.allocate(GroupsArray(self, n, table))

    def _new_table(self, capacity: int, index: int, local_depth: int) -> Table:
        """maps.newTable: capacity rounded up to a power of two, at least 8."""
        capacity = max(capacity, SLOTS)
        if capacity > MAX_TABLE_CAP:
            raise GcemuError("initial table capacity too large")
        capacity = 1 << (capacity - 1).bit_length()
        t = self.heap.allocate(Table(index, local_depth))
        t.groups_obj = self._new_groups(capacity // SLOTS, t)
        t.capacity = capacity
        t.growthLeft = max_growth_left(capacity)
        return t

    def _set_dir_ptr(self, p: GroupsArray | Directory) -> None:
        self._wb(self.dirPtr, p)
        self.dirPtr = p

    def _dir_index(self, hash: int) -> int:
        """maps.(*Map).directoryIndex: the top globalDepth bits of the hash."""
        if self.dirLen == 1:
            return 0
        return hash >> (self.globalShift & 63)

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
        g, i, _ = self._probe(self.dirPtr.tables[self._dir_index(hash)], hash, equal)
        return None if g is None else (g, i)

    def _probe(self, t: Table, hash: int, equal: Callable[[Any], bool]
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
        groups = t.groups_obj.groups
        mask = len(groups) - 1
        top = hash & 0x7F
        ind = self.layout.indirect_key
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
    def _assign(self, key: Any, value: Any) -> None:
        """runtime_mapassign (and its fast variants), then the compiled elem store."""
        hash = self._hash(key, self.seed)
        if self.dirPtr is None:  # maps.(*Map).growToSmall
            self._set_dir_ptr(self._new_groups(1, None))
        if self.dirLen == 0:
            g = self.dirPtr.groups[0]
            i = self._match(g, h2(hash), self._equal(key))
            if i >= 0 and (self.used < SLOTS or not self._small_update_grows):
                self._update(g, i, key, value)  # putSlotSmall finds the key
                return
            if self.used < SLOTS:
                self._put_slot_small(g, hash, key, value)
                return
            self._grow_to_table()  # Go 1.25: even when the key is present
        while not self._put_slot(self.dirPtr.tables[self._dir_index(hash)], hash, key, value):
            pass  # the table was rehashed: select the table again

    def _write_new(self, g: Group, i: int, hash: int, key: Any, value: Any) -> None:
        """Fill a free slot with a new entry: the key (a new object when indirect), a
        new elem object when indirect, the control byte, then the compiled store."""
        layout = self.layout
        heap = self.heap
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
        self._write_new(g, _first_empty_or_deleted(g.ctrl), hash, key, value)

    def _grow_to_table(self) -> None:
        """maps.(*Map).growToTable: a 16-slot table takes the small group's entries in
        slot order; the old group is dropped, not cleared."""
        t = self._new_table(2 * SLOTS, 0, 0)
        g = self.dirPtr.groups[0]
        for i in range(SLOTS):
            if not g.ctrl[i] & CTRL_EMPTY:
                self._unchecked_put_slot(t, self._hash(self._slot_key(g, i), self.seed),
                                         g.keys[i], g.elems[i])
        directory = self.heap.allocate(Directory([t]))
        self._set_dir_ptr(directory)
        self.dirLen = 1
        self.globalDepth = 0
        self.globalShift = 64

    def _put_slot(self, t: Table, hash: int, key: Any, value: Any) -> bool:
        """maps.(*table).PutSlot as runtime_mapassign* inline it; False when the table
        was rehashed instead (the caller selects the table again)."""
        g, i, free = self._probe(t, hash, self._equal(key))
        if g is not None:
            self._update(g, i, key, value)  # an existing key: no counter changes
            return True
        g, i, tombstone = free
        if tombstone:
            t.growthLeft += 1  # reusing a tombstone spends no growth budget
        if t.growthLeft == 0 and self._prunes:
            self._prune_tombstones(t)
        if t.growthLeft > 0:
            t.growthLeft -= 1
            t.used += 1
            self._write_new(g, i, hash, key, value)
            return True
        self._rehash(t)
        return False

    def _unchecked_put_slot(self, t: Table, hash: int, key: Any, elem: Any) -> None:
        """maps.(*table).uncheckedPutSlot: a key known absent, moved by a grow or split
        (the same key and elem objects when indirect) into a fresh table, which has no
        tombstones: the lowest empty slot of the first group on its probe with one."""
        groups = t.groups_obj.groups
        mask = len(groups) - 1
        off = (hash >> 7) & mask
        step = 0
        while True:
            g = groups[off]
            i = g.ctrl.find(CTRL_EMPTY)
            if i >= 0:
                break
            step += 1
            off = (off + step) & mask
        if self.heap.marking:  # typedmemmove: the bulk barrier
            self._set_key(g, i, key)
            self._set_elem(g, i, elem)
        else:
            g.keys[i] = key
            g.elems[i] = elem
        t.growthLeft -= 1
        t.used += 1
        g.ctrl[i] = hash & 0x7F

    # -- rehash ---------------------------------------------------------------------------
    def _rehash(self, t: Table) -> None:
        """maps.(*table).rehash: double the table, or split it at 1024 slots. There is
        no same-size rehash: a table full of tombstones grows too."""
        if 2 * t.capacity <= MAX_TABLE_CAP:
            self._grow(t, 2 * t.capacity)
        else:
            self._split(t)

    def _full_slots(self, t: Table) -> Iterator[tuple[int, Any, Any]]:
        """(hash, key slot, elem slot) of every full slot, in group and slot order,
        hashed again with the seed as grow and split do."""
        for g in t.groups_obj.groups:
            ctrl = g.ctrl
            for j in range(SLOTS):
                if not ctrl[j] & CTRL_EMPTY:
                    yield self._hash(self._slot_key(g, j), self.seed), g.keys[j], g.elems[j]

    def _grow(self, t: Table, capacity: int) -> None:
        """maps.(*table).grow: a bigger table takes every full slot; tombstones are
        dropped; the old table is not cleared and gets ``index = -1``."""
        nt = self._new_table(capacity, t.index, t.localDepth)
        for hash, k, e in self._full_slots(t):
            self._unchecked_put_slot(nt, hash, k, e)
        self._replace_table(nt)
        t.index = -1

    def _split(self, t: Table) -> None:
        """maps.(*table).split: two 1024-slot tables take the entries by hash bit
        ``64 - localDepth'`` (counted from the top); installTableSplit puts them in."""
        depth = t.localDepth + 1
        left = self._new_table(MAX_TABLE_CAP, -1, depth)
        right = self._new_table(MAX_TABLE_CAP, -1, depth)
        bit = 1 << (64 - depth)
        for hash, k, e in self._full_slots(t):
            self._unchecked_put_slot(right if hash & bit else left, hash, k, e)
        if not (left.growthLeft and right.growthLeft):
            # Go would split again and again, doubling the directory until it runs out
            # of memory; only a degenerate hash= can do this
            raise GcemuError(
                f"{self.name or self.label}: all {t.used} keys of a full table have the "
                f"same top {depth} hash bits, so the table cannot split (is the hash= "
                f"function degenerate?)")
        self._install_table_split(t, left, right)
        t.index = -1

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

    def _prune_tombstones(self, t: Table) -> None:
        """maps.(*table).pruneTombstones: turn tombstones back into empty slots in the
        groups no probe sequence still needs, if that frees at least 10% of capacity.
        Entries never move."""
        if t.tombstones() * 10 < t.capacity:
            return
        groups = t.groups_obj.groups
        mask = len(groups) - 1
        needed = set()
        for gi, g in enumerate(groups):
            ctrl = g.ctrl
            for j in range(SLOTS):
                if ctrl[j] & CTRL_EMPTY:
                    continue
                k = self._slot_key(g, j)
                if not self.layout.reflexive_key and has_nan(k):
                    continue
                for p in probe(h1(self._hash(k, self.seed)), mask):
                    if p == gi:
                        break
                    if _first_empty_or_deleted(groups[p].ctrl) >= 0:
                        needed.add(p)  # a tombstone this key's probe passes over
            if CTRL_EMPTY in ctrl:
                needed.add(gi)
        free = [g for gi, g in enumerate(groups) if gi not in needed]
        if sum(g.ctrl.count(CTRL_DELETED) for g in free) * 10 < t.capacity:
            return  # not worth it: the caller grows instead
        for g in free:
            ctrl = g.ctrl
            for j in range(SLOTS):
                if ctrl[j] == CTRL_DELETED:
                    ctrl[j] = CTRL_EMPTY
                    t.growthLeft += 1

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
            found = self._table_delete(self.dirPtr.tables[self._dir_index(hash)], hash, equal)
        if self.used == 0:  # reseed to foil repeated collisions
            self.seed = self.heap.rand64()
        return found

    def _table_delete(self, t: Table, hash: int, equal: Callable[[Any], bool]) -> Any:
        """maps.(*table).Delete: EMPTY if the group still has an empty slot (no probe
        can have passed it), else a tombstone."""
        g, i, _ = self._probe(t, hash, equal)
        if g is None:
            return None
        found = self._slot_key(g, i)
        t.used -= 1
        self.used -= 1
        self._clear_deleted(g, i)
        if CTRL_EMPTY in g.ctrl:
            g.ctrl[i] = CTRL_EMPTY
            t.growthLeft += 1
        else:
            g.ctrl[i] = CTRL_DELETED
            self.tombstonePossible = True
        return found

    def _clear_deleted(self, g: Group, i: int) -> None:
        """What Delete clears (§4): an indirect key's pointer, or a pointerful key; the
        elem always (an indirect elem's pointer). A pointer-free key stays, stale and
        invisible to the GC."""
        layout = self.layout
        if layout.indirect_key or layout.key.has_pointers:
            self._set_key(g, i, None)
        self._set_elem(g, i, None)

    # -- clear ----------------------------------------------------------------------------
    def clear(self) -> None:
        """``clear(m)``: maps.(*Map).Clear. Keeps every table and the directory, zeroes
        the groups, erases tombstones, bumps clearSeq and draws a new seed."""
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
                self._clear_table(t)
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
        g.ctrl[:] = _EMPTY_CTRL

    def _clear_table(self, t: Table) -> None:
        """maps.(*table).Clear: zero each group with a full slot (Go 1.27: every group
        unless the table is sparse or its slots are big), then reset the counters."""
        mgl = max_growth_left(t.capacity)
        if t.used == 0 and t.growthLeft == mgl:
            return
        groups = t.groups_obj.groups
        full_test = (self.heap.model.go < (1, 27) or t.used * 4 <= len(groups) - 1
                     or (self.group_size - 8) // SLOTS > 32)
        for g in groups:
            if not full_test or _full_bits(g.ctrl):
                self._zero_group(g)
            g.ctrl[:] = _EMPTY_CTRL
        t.used = 0
        t.growthLeft = mgl

    # -- iteration ------------------------------------------------------------------------
    def _iterate1(self) -> Iterator[tuple[Any, Any]]:
        """maps.(*Iter).Init, then Next until it produces nothing."""
        if self.used == 0:
            return
        heap = self.heap
        it = SwissIter(self, f"Iter({self.name or self.label})")
        if heap.marking:
            self._op("range m")  # a new stack frame: the roots change
        it.entryOffset = heap.rand64()
        it.dirOffset = heap.rand64()
        if self.dirLen <= 0:
            it.dirIdx = -1  # the small map sentinel
            it.group = self.dirPtr.groups[0]
        stack = heap.stack.frames
        stack.append(it)
        try:
            while True:
                kv = self._next(it)
                if kv is None:
                    it.key = it.elem = None
                    return
                yield kv
        finally:
            stack.remove(it)

    def _entry(self, it: SwissIter, g: Group, i: int, grown: bool) -> tuple[Any, Any] | None:
        """The entry of full slot ``i`` of ``g`` as Next returns it, pointing ``it.key``
        and ``it.elem`` at what it produced. In storage the map has replaced, the key
        is looked up again in the live map (Iter.grownKeyElem); a key gone since is
        skipped (None), unless it is a NaN and no clear happened since Init."""
        layout = self.layout
        ind_k, ind_e = layout.indirect_key, layout.indirect_elem
        k = g.keys[i]
        kv = k.value if ind_k else k
        if grown:
            found = self._find(kv)
            if found is not None:
                g, i = found
                k = g.keys[i]
                kv = k.value if ind_k else k
            elif it.clearSeq != self.clearSeq or layout.reflexive_key or not has_nan(kv):
                return None
        e = g.elems[i]
        it.key = k if ind_k else g
        it.elem = e if ind_e else g
        return kv, (e.value if ind_e else e)

    def _next(self, it: SwissIter) -> tuple[Any, Any] | None:
        """maps.(*Iter).Next: the next entry, or None at the end.

        Tables are visited in directory order from a random offset, each once; inside
        a table, entries from a random offset, a group's full slots found in one read of
        its control word. After a grow or split the old table is walked to its end.
        """
        if it.dirIdx < 0:
            while it.entryIdx < SLOTS:
                k = (it.entryIdx + it.entryOffset) & (SLOTS - 1)
                g = it.group
                it.entryIdx += 1
                if g.ctrl[k] & CTRL_EMPTY:
                    continue
                kv = self._entry(it, g, k, self.dirLen > 0)
                if kv is not None:
                    return kv
            return None
        if it.globalDepth != self.globalDepth:  # the directory grew since Init
            orders = self.globalDepth - it.globalDepth
            it.dirIdx <<= orders
            it.dirOffset = (it.dirOffset << orders) & M64
            it.globalDepth = self.globalDepth
        while it.dirIdx < self.dirLen:
            kv = self._next_in_table(it)
            if kv is not None:
                return kv
            # nextDirIdx: skip the other entries of the same table
            it.dirIdx += 1 << (self.globalDepth - it.tab.localDepth)
            it.tab = None
            it.group = None
            it.entryIdx = 0
        return None

    def _next_in_table(self, it: SwissIter) -> tuple[Any, Any] | None:
        """One table's part of Iter.Next (the body of its directory loop)."""
        if it.tab is None:
            dir_idx = (it.dirIdx + it.dirOffset) & (self.dirLen - 1)
            tab = self.dirPtr.tables[dir_idx]
            if tab.index != dir_idx:  # start at the table's first entry
                it.dirOffset = (it.dirOffset - (dir_idx - tab.index)) & M64
            it.tab = tab
        tab = it.tab
        mask = tab.capacity - 1
        if it.entryIdx > mask:
            return None
        groups = tab.groups_obj.groups
        grown = tab.index == -1
        entry = (it.entryIdx + it.entryOffset) & mask
        slot = entry & (SLOTS - 1)
        if slot == 0 or it.group is None:
            it.group = groups[entry >> 3]
        if not it.group.ctrl[slot] & CTRL_EMPTY:
            kv = self._entry(it, it.group, slot, grown)
            if kv is not None:
                it.entryIdx += 1
                return kv
        it.entryIdx += 1
        match = 0
        while it.entryIdx <= mask:
            entry = (it.entryIdx + it.entryOffset) & mask
            slot = entry & (SLOTS - 1)
            if slot == 0 or it.group is None:
                it.group = groups[entry >> 3]
            if match == 0:
                match = _full_bits(it.group.ctrl) & ~((1 << slot) - 1)
                if match == 0:
                    it.entryIdx += SLOTS - slot
                    continue
                i = _lowest(match)
                it.entryIdx += i - slot
                if it.entryIdx > mask:
                    continue
                slot = i
            kv = self._entry(it, it.group, slot, grown)
            match &= match - 1
            if match == 0:
                it.entryIdx += SLOTS - slot
            else:
                it.entryIdx += _lowest(match) - slot
            if kv is not None:
                return kv
        return None

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


__all__ = ["CTRL_DELETED", "CTRL_EMPTY", "MAX_TABLE_CAP", "SLOTS", "Directory", "Group",
           "GroupsArray", "SwissIter", "SwissMap", "Table", "ctrl_state", "group_size", "h1",
           "h2", "max_growth_left", "probe"]
