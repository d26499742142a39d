"""The compiler-generated bucket type of a map type: slot sizes, indirection, pointer words.

Mirrors ``cmd/compile/internal/reflectdata/reflect.go: MapBucketType`` (Go 1.21-1.23):
a bucket is ``struct { topbits [8]uint8; keys [8]K; elems [8]V; overflow *bucket }``.
The invariant: a key or elem over 128 bytes (``abi.MapMaxKeyBytes`` /
``MapMaxElemBytes``) is stored out of line, its slot being a ``*K`` / ``*V``; the
bucket's pointer bitmap is 8 copies of the key slot's mask, 8 of the elem slot's, then
the overflow word, and only if some slot holds a pointer (else the bucket is noscan,
and the overflow buckets are kept alive from ``hmap.extra`` instead).  The steps:
choose each slot's type, size the bucket, tile the masks, compute ``abi.MapType``'s
flags.  `map_layout` caches the result on the map type.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gcemu.gotypes.kinds import PTR_SIZE, GoTypeError
from gcemu.gotypes.types import GoType, new_pointer
from gcemu.gotypes.values import EMPTY, handle_pointers, no_pointers

#: ``abi.MapBucketCount``: slots per bucket.
BUCKET_COUNT = 8
#: ``abi.MapMaxKeyBytes`` / ``MapMaxElemBytes``: larger keys/elems are indirect.
MAX_KEY_BYTES = 128
MAX_ELEM_BYTES = 128


class MapLayout:
    """The compiler-generated bucket type of a map type, and the maptype flags.

    Mirrors ``cmd/compile/internal/reflectdata/reflect.go: MapBucketType``::

        struct { topbits [8]uint8; keys [8]KeySlot; elems [8]ElemSlot; overflow P }

    Attributes
    ----------
    type, key, elem : GoType
        The map type and its key and value types.
    indirect_key, indirect_elem : bool
        The key / elem is over 128 bytes and stored out of line (slot is ``*K``).
    key_size, elem_size : int
        Slot sizes (8 when indirect).
    bucket_size : int
        ``8 + 8*key_size + 8*elem_size + 8``.
    has_pointers, noscan : bool
        Whether the bucket type has pointer words (an indirect slot is one).
    reflexive_key, need_key_update : bool
        The maptype flags of the key type.
    flags : int
        ``abi.MapType.Flags``: IndirectKey 1, IndirectElem 2, ReflexiveKey 4,
        NeedKeyUpdate 8.
    bucket_ptr_words : tuple of int
        Pointer word indexes of one bucket: 8 copies of the key slot's mask,
        8 of the elem slot's, then the overflow word (only if has_pointers).
    key_slot_type, elem_slot_type : GoType
        The slot types: ``*K`` / ``*V`` when indirect, else ``K`` / ``V``.
    key_pointers, elem_pointers : callable
        ``f(slot_value)``: the handles a key/elem slot holds; ``None`` (zeroed
        memory) holds none.
    """

    __slots__ = (
        "bucket_ptr_words", "bucket_size", "elem", "elem_pointers", "elem_size",
        "elem_slot_type", "flags", "has_pointers", "indirect_elem", "indirect_key", "key",
        "key_pointers", "key_size", "key_slot_type", "need_key_update", "noscan",
        "reflexive_key", "type",
    )

    def __init__(self, maptype: GoType) -> None:
        self.type = maptype
        self.key = k = maptype.key
        self.elem = v = maptype.elem
        self.indirect_key = k.size > MAX_KEY_BYTES
        self.indirect_elem = v.size > MAX_ELEM_BYTES
        self.key_slot_type = _slot_type(k, self.indirect_key)
        self.elem_slot_type = _slot_type(v, self.indirect_elem)
        self.key_size = self.key_slot_type.size
        self.elem_size = self.elem_slot_type.size
        self.bucket_size = 8 + BUCKET_COUNT * (self.key_size + self.elem_size) + PTR_SIZE
        self.has_pointers = (self.key_slot_type.has_pointers
                             or self.elem_slot_type.has_pointers)
        self.noscan = not self.has_pointers
        self.reflexive_key = k.reflexive
        self.need_key_update = k.need_key_update
        self.flags = (self.indirect_key | self.indirect_elem << 1
                      | self.reflexive_key << 2 | self.need_key_update << 3)
        self.bucket_ptr_words = self._bucket_words()
        self.key_pointers = _slot_pointers(self.key_slot_type)
        self.elem_pointers = _slot_pointers(self.elem_slot_type)

    def key_offset(self, i: int) -> int:
        """Byte offset of key slot ``i`` in the bucket."""
        return 8 + i * self.key_size

    def elem_offset(self, i: int) -> int:
        """Byte offset of elem slot ``i`` in the bucket."""
        return 8 + BUCKET_COUNT * self.key_size + i * self.elem_size

    @property
    def overflow_offset(self) -> int:
        """Byte offset of the overflow pointer (the bucket's last word)."""
        return self.bucket_size - PTR_SIZE

    def _bucket_words(self) -> tuple[int, ...]:
        """Tile the slot masks over the bucket, then the overflow word."""
        if not self.has_pointers:
            return ()
        words = []
        for t, offset in ((self.key_slot_type, self.key_offset),
                          (self.elem_slot_type, self.elem_offset)):
            for i in range(BUCKET_COUNT):
                base = offset(i) // PTR_SIZE
                words.extend(base + w for w in t.ptr_words)
        words.append(self.overflow_offset // PTR_SIZE)
        return tuple(words)

    def __repr__(self) -> str:
        return (f"<MapLayout {self.type.name}: bucket {self.bucket_size} B, "
                f"{'scan' if self.has_pointers else 'noscan'}>")


def _slot_type(t: GoType, indirect: bool) -> GoType:
    """``t`` itself, or a (non-interned) ``*t`` for an indirect slot."""
    if not indirect:
        return t
    p = new_pointer("*" + t.name)
    p._elem = t
    return p


def _slot_pointers(t: GoType) -> Callable[[Any], list | tuple]:
    """Pointer finder of a slot type that also accepts ``None`` (zeroed memory)."""
    if not t._refs:
        return no_pointers
    find = t._ptrs or t._pointer_finder()
    if find is handle_pointers:
        return find
    return lambda v: EMPTY if v is None else find(v)


def map_layout(maptype: GoType) -> MapLayout:
    """The bucket layout of a map type (cached on the type).

    Examples
    --------
    >>> from gcemu.gotypes import TypeUniverse
    >>> u = TypeUniverse(); _ = u.declare("type T struct { id int; next *T }")
    >>> lay = map_layout(u.parse("map[string]*T"))
    >>> lay.bucket_size, lay.has_pointers, lay.bucket_ptr_words[:3]
    (208, True, (1, 3, 5))
    """
    if not isinstance(maptype, GoType) or maptype.kind != "map":
        raise GoTypeError(f"map_layout needs a map type, got {maptype}")
    lay = maptype._layout
    if lay is None:
        lay = maptype._layout = MapLayout(maptype)
    return lay
