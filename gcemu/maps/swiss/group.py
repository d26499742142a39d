"""A Swiss map's groups: internal/runtime/maps/group.go (Go 1.24+).

A group is a 64-bit control word, one byte per slot, and 8 slots of key and elem. A
control byte is ``EMPTY`` (0x80), ``DELETED`` (0xFE, a tombstone) or, for a full slot,
``H2``: the low 7 bits of the key's hash (bit 7 clear). ``H1 = hash >> 7`` starts a
quadratic probe over a table's groups (`probe`: probeSeq), which visits every group of
a power-of-two table exactly once. Go compares all 8 control bytes at once (ctrlGroup's
matchH2, matchEmpty, matchEmptyOrDeleted, matchFull); gcemu reads the control word as a
``bytearray`` and finds bytes in it. A group's bytes follow the compiler's layout
(`group_size`); the groups of one table (or the small map's one group) are one
allocation, a `GroupsArray` (newGroups), and a `Group` is a part of it (its ``owner``),
so a pointer to a group keeps the whole array alive, as an interior pointer does in Go.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from gcemu.core.heap import HeapObject
from gcemu.gotypes import GoType
from gcemu.maps.common import slot_words
from gcemu.maps.sparse import SparseArray
from gcemu.mem.sizeclasses import slot_size

if TYPE_CHECKING:
    from gcemu.maps.swiss.map import SwissMap
    from gcemu.maps.swiss.table import Table

# internal/abi/map_swiss.go, maps/group.go
SLOTS = 8
CTRL_EMPTY = 0x80
CTRL_DELETED = 0xFE
EMPTY_CTRL = bytes([CTRL_EMPTY]) * SLOTS  # a group's control word, every slot empty
_NILS = (None,) * SLOTS


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


def full_bits(ctrl: bytearray) -> int:
    """ctrlGroup.matchFull as a bitset: bit i set when slot i is full."""
    bits = 0
    for i in range(SLOTS):
        if not ctrl[i] & CTRL_EMPTY:
            bits |= 1 << i
    return bits


def lowest_bit(bits: int) -> int:
    """bitset.first: the index of the lowest set bit."""
    return (bits & -bits).bit_length() - 1


def first_empty_or_deleted(ctrl: bytearray) -> int:
    """matchEmptyOrDeleted().first(): the lowest slot whose control byte has bit 7."""
    e, d = ctrl.find(CTRL_EMPTY), ctrl.find(CTRL_DELETED)
    if e < 0:
        return d
    return e if d < 0 or e < d else d


class Group:
    """One group: 8 control bytes and 8 key / elem slots, part of a `GroupsArray`."""

    __slots__ = ("ctrl", "elems", "index", "keys", "owner")

    ctrl: bytearray
    keys: list[Any]
    elems: list[Any]
    owner: GroupsArray
    index: int

    @classmethod
    def empty(cls, owner: GroupsArray | None, i: int) -> Group:
        """Group ``i`` of an allocation, every control byte empty (made without an
        ``__init__`` call)."""
        g = cls.__new__(cls)
        g.ctrl = bytearray(EMPTY_CTRL)
        g.keys = [None] * SLOTS
        g.elems = [None] * SLOTS
        g.owner = owner
        g.index = i
        return g

    def zero(self) -> None:
        """typedmemclr(typ.Group, g): every byte, control word included."""
        self.keys[:] = _NILS
        self.elems[:] = _NILS

    def __repr__(self) -> str:
        ctrl = " ".join(f"{c:02x}" for c in self.ctrl)
        return f"<group {self.index} of {self.owner.label} ctrl=[{ctrl}]>"


# what an untouched group reads as (`SparseArray.peek`): control bytes EMPTY, immutable
ZERO_GROUP = Group.empty(None, -1)
ZERO_GROUP.ctrl = EMPTY_CTRL  # type: ignore[assignment]
ZERO_GROUP.keys = ZERO_GROUP.elems = _NILS  # type: ignore[assignment]


class GroupsArray(HeapObject):
    """``newarray(typ.Group, n)`` (maps/group.go: newGroups): the groups of one table,
    or the single group of a small map (``table`` is None). ``groups`` is a
    `SparseArray`: a group is built when first indexed."""

    __slots__ = ("groups", "hmap", "table")

    def __init__(self, hmap: SwissMap, n: int, table: Table | None):
        super().__init__(None, slot_size(n * hmap.group_size, hmap.layout.noscan),
                         noscan=hmap.layout.noscan)
        self.hmap = hmap
        self.table = table
        self.groups = SparseArray(n, Group.empty, ZERO_GROUP, self)

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
        return () if self.noscan else slot_words(self.hmap, (g for _, g in self.groups.built()))


def new_groups(m: SwissMap, n: int, table: Table | None) -> GroupsArray:
    """maps.newGroups: ``newarray(typ.Group, n)``, every control byte empty."""
    return m.heap.allocate(GroupsArray(m, n, table))


__all__ = ["CTRL_DELETED", "CTRL_EMPTY", "EMPTY_CTRL", "SLOTS", "Group", "GroupsArray",
           "ctrl_state", "first_empty_or_deleted", "full_bits", "group_size", "h1", "h2",
           "lowest_bit", "new_groups", "probe"]
