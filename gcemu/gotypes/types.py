"""Go types on amd64: `GoType`, its fields, and gc's layout rules.

A `GoType` carries what the runtime knows about a type on amd64: its size and
alignment, its GC pointer bitmap as 8-byte word indexes (``ptr_words``), and the flags
the map code needs: comparable, reflexive (``k == k`` always holds) and
need-key-update (``cmd/compile/internal/reflectdata/reflect.go``).

Layout follows gc (``cmd/compile/internal/types/size.go: CalcSize``): a struct's fields
are placed in order, each at the next multiple of its alignment; the struct's alignment
is its largest field's, its size is rounded up to it, and a final zero-size field gets
one byte of padding so that a pointer to it cannot point past the object.  An array is
its elements back to back, and its pointer words are the element's, tiled.  A pointer
or a map is one pointer word whose element is attached later (lazily), which is what
lets ``type T struct { next *T }`` be declared.

Only the kinds a map scenario needs exist: booleans, the sized integer and float kinds,
strings, pointers, arrays, structs without embedded fields, maps, and named types of
any of these.  Types are made only by a `TypeUniverse` (universe.py, through parse.py);
the value helpers a `GoType` offers are compiled by values.py on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from gcemu.gotypes.kinds import FLOAT_SIZES, INT_RANGES, PTR_SIZE, GoTypeError
from gcemu.gotypes.values import (
    NilMap,
    compile_convert,
    compile_hash,
    compile_pointers,
    zero_of,
)

if TYPE_CHECKING:
    from gcemu.gotypes.layout import MapLayout

#: ``types.MaxWidth`` on amd64: the largest type the compiler accepts.
MAX_WIDTH = 1 << 50
#: Largest pointer bitmap this emulator materializes (a modelling limit).
MAX_PTR_WORDS = 1 << 22

_UNSET: Any = object()


class Field(NamedTuple):
    """One struct field: its name, type and byte offset in the struct."""

    name: str
    type: GoType
    offset: int


# ---------------------------------------------------------------------------
# GoType
# ---------------------------------------------------------------------------


class GoType:
    """One Go type: layout, GC pointer words, flags, and value helpers.

    Instances are made only by a `TypeUniverse` and are immutable once the
    declaration or parse that made them returns.  Compare them with ``is``.

    Attributes
    ----------
    name : str
        Canonical text: ``"T"``, ``"*T"``, ``"[48]uint8"``, ``"map[string]*T"``,
        ``"struct { a int; b *T }"``.
    kind : str
        ``"bool"``, an integer or float kind, ``"string"``, ``"ptr"``,
        ``"array"``, ``"struct"`` or ``"map"``; a named type has its underlying
        type's kind.
    named : bool
        True for declared types (``type T ...``), False for predeclared and
        literal types.
    size, align : int
        Size and alignment in bytes on amd64.
    ptr_words : tuple of int
        Indexes of the 8-byte words of a value that hold pointers.
    has_pointers : bool
        ``bool(ptr_words)``; False means the type is "noscan".
    comparable, reflexive, need_key_update : bool
        Usable as a map key; ``k == k`` always; a map must overwrite a stored
        key equal to a new one (floats, strings, and aggregates of them).
    elem : GoType or None
        Pointee, array element or map value type.
    key : GoType or None
        Map key type.
    length : int or None
        Array length.
    fields : tuple of Field or None
        Struct fields.

    Examples
    --------
    >>> from gcemu.gotypes import TypeUniverse
    >>> u = TypeUniverse()
    >>> t = u.parse("struct { a int8; b int64; c *int }")
    >>> t.size, t.align, t.ptr_words, [f.offset for f in t.fields]
    (24, 8, (2,), [0, 8, 16])
    """

    __slots__ = (
        "__weakref__",
        "_conv",
        "_elem",
        "_hash",
        "_key",
        "_layout",
        "_lazy",
        "_ptrs",
        "_refs",
        "_u",
        "_zero",
        "align",
        "comparable",
        "fields",
        "has_pointers",
        "kind",
        "length",
        "name",
        "named",
        "need_key_update",
        "ptr_words",
        "reflexive",
        "size",
    )

    def __init__(self, name: str, kind: str | None, size: int = 0, align: int = 1,
                 ptr_words: tuple[int, ...] = (), *, comparable: bool = True,
                 reflexive: bool = True, need_key_update: bool = False,
                 refs: bool = False, named: bool = False) -> None:
        self.name = name
        self.kind = kind
        self.size = size
        self.align = align
        self.ptr_words = ptr_words
        self.has_pointers = bool(ptr_words)
        self.comparable = comparable
        self.reflexive = reflexive
        self.need_key_update = need_key_update
        self.named = named
        self.length: int | None = None
        self.fields: tuple[Field, ...] | None = None
        self._refs = refs  # does a value hold heap handles (pointer/map words)?
        self._u: GoType = self
        self._elem: GoType | None = None
        self._key: GoType | None = None
        self._lazy: Callable[[], None] | None = None
        self._conv = self._ptrs = self._hash = None
        self._zero = _UNSET
        self._layout: MapLayout | None = None

    # -- structure ---------------------------------------------------------

    @property
    def underlying(self) -> GoType:
        """The unnamed type a named type is defined as (``self`` otherwise)."""
        return self._u

    @property
    def elem(self) -> GoType | None:
        """Pointee (ptr), element (array) or value (map) type, resolved lazily."""
        u = self._u
        if u._lazy is not None:
            u._lazy()
        return u._elem

    @property
    def key(self) -> GoType | None:
        """Key type of a map type, resolved lazily."""
        u = self._u
        if u._lazy is not None:
            u._lazy()
        return u._key

    def _become(self, u: GoType) -> None:
        """Complete a declared (named) type from its underlying type."""
        self._u = u
        for attr in ("kind", "size", "align", "ptr_words", "has_pointers", "comparable",
                     "reflexive", "need_key_update", "length", "fields", "_refs"):
            setattr(self, attr, getattr(u, attr))

    def __repr__(self) -> str:
        return f"<GoType {self.name} ({self.kind}, size {self.size})>"

    def __str__(self) -> str:
        return self.name

    # -- values ------------------------------------------------------------

    def zero(self) -> Any:
        """The zero value, in the emulator's representation.

        Examples
        --------
        >>> from gcemu.gotypes import TypeUniverse
        >>> TypeUniverse().parse("struct { a int; b [2]bool; c *int }").zero()
        (0, (False, False), None)
        """
        z = self._zero
        if z is _UNSET:
            z = self._zero = zero_of(self)
        return z

    def convert(self, value: Any, what: str = "value") -> Any:
        """Validate ``value`` and return it in the emulator's representation.

        Parameters
        ----------
        value : Any
            A Python value in the form `gcemu.gotypes.values` describes; a
            struct may also be a dict of fields (missing fields are zero).
        what : str
            Names the value in error messages, e.g. ``"key of map[int64]*T"``.

        Raises
        ------
        GoTypeError
            ``"<what>: <problem>"`` when the value does not fit.

        Examples
        --------
        >>> from gcemu.gotypes import TypeUniverse
        >>> u = TypeUniverse()
        >>> u.parse("struct { a int8; b float32 }").convert({"b": 0.1})
        (0, 0.10000000149011612)
        >>> try:
        ...     u.parse("int64").convert(3.5, what="key of map[int64]*T")
        ... except GoTypeError as e:
        ...     print(e)
        key of map[int64]*T: 3.5 is not an int64
        """
        conv = self._conv or self._converter()
        return conv(value, what)

    def converter(self) -> Callable[[Any, str], Any]:
        """The compiled ``convert`` of this type: ``f(value, what)``, one call less
        for hot paths that convert many values."""
        return self._conv or self._converter()

    def to_python(self, value: Any) -> Any:
        """The user-facing form of a value: structs become dicts, recursively.

        Examples
        --------
        >>> from gcemu.gotypes import TypeUniverse
        >>> t = TypeUniverse().parse("struct { a int; b [2]struct { c bool } }")
        >>> t.to_python(t.zero())
        {'a': 0, 'b': ({'c': False}, {'c': False})}
        """
        kind = self.kind
        if kind == "struct":
            return {f.name: f.type.to_python(v)
                    for f, v in zip(self.fields, value, strict=True) if f.name != "_"}
        if kind == "array" and self.elem.kind in ("struct", "array", "map"):
            et = self.elem
            return tuple(et.to_python(v) for v in value)
        if kind == "map" and value is None:
            return NilMap(self)
        return value

    def pointers(self, value: Any) -> list | tuple:
        """The heap handles a value holds: what scanning its pointer words finds.

        Returns a list, or a shared empty tuple when there is nothing to find.
        A string's data pointer finds its data object once a heap stored it
        (`GoString`).

        Examples
        --------
        >>> from gcemu.gotypes import TypeUniverse
        >>> class Obj:
        ...     def __init__(self, t): self.type = t
        >>> u = TypeUniverse(); _ = u.declare("type T struct { a *T; b string; c *T }")
        >>> t = u.lookup("T"); o = Obj(t)
        >>> t.pointers(t.convert({"a": o})) == [o]
        True
        """
        f = self._ptrs or self._pointer_finder()
        return f(value)

    def pointer_finder(self) -> Callable[[Any], list | tuple]:
        """The compiled ``pointers``: ``f(value)``, one call less for the marker's
        drain, which reads the pointers of every object it scans."""
        return self._ptrs or self._pointer_finder()

    def hash_bytes(self, value: Any) -> bytes:
        """Canonical bytes of a comparable value, for hashing map keys.

        Integers are 8 bytes little-endian; floats are their float64 bits with
        ``-0.0`` folded into ``+0.0``; strings are their UTF-8 bytes behind an
        8-byte length; pointers are a tag byte and their handle's ``id``;
        arrays and structs concatenate their parts (blank fields skipped, as
        Go's equality skips them).

        Examples
        --------
        >>> from gcemu.gotypes import TypeUniverse
        >>> TypeUniverse().parse("[2]int16").hash_bytes((1, -1)).hex()
        '0100000000000000ffffffffffffffff'
        """
        f = self._hash or self._hasher()
        return f(value)

    # -- compiled helpers ----------------------------------------------------

    def _converter(self) -> Callable[[Any, str], Any]:
        self._conv = compile_convert(self)
        return self._conv

    def _pointer_finder(self) -> Callable[[Any], list | tuple]:
        self._ptrs = compile_pointers(self)
        return self._ptrs

    def _hasher(self) -> Callable[[Any], bytes]:
        self._hash = compile_hash(self)
        return self._hash


def _round_up(n: int, align: int) -> int:
    """``n`` rounded up to a multiple of ``align``."""
    return -(-n // align) * align


def _basic(name: str) -> GoType:
    """A predeclared type."""
    if name == "bool":
        return GoType(name, name, 1, 1)
    if name == "string":
        return GoType(name, name, 16, 8, (0,), need_key_update=True, refs=True)
    if name in FLOAT_SIZES:
        n = FLOAT_SIZES[name]
        return GoType(name, name, n, n, reflexive=False, need_key_update=True)
    n = INT_RANGES[name][0]
    return GoType(name, name, n, n)


PREDECLARED: dict[str, GoType] = {
    n: _basic(n) for n in ("bool", "string", *FLOAT_SIZES, *INT_RANGES)
}


def new_pointer(name: str) -> GoType:
    """``*X``: one pointer word; the element is attached later."""
    return GoType(name, "ptr", 8, 8, (0,), refs=True)


def new_map(name: str) -> GoType:
    """``map[K]V``: one pointer word (to the hmap); never comparable."""
    return GoType(name, "map", 8, 8, (0,), comparable=False, refs=True)


def new_array(name: str, n: int, elem: GoType) -> GoType:
    """``[n]X``: ``n`` elements back to back, the element's alignment."""
    words: tuple[int, ...] = ()
    if elem.ptr_words and n:
        if n * len(elem.ptr_words) > MAX_PTR_WORDS:
            raise GoTypeError(f"type {name} has too many pointer words to model")
        step = elem.size // PTR_SIZE
        words = tuple(i * step + w for i in range(n) for w in elem.ptr_words)
    t = GoType(name, "array", n * elem.size, elem.align, words,
               comparable=elem.comparable, reflexive=elem.reflexive,
               need_key_update=elem.need_key_update, refs=elem._refs and n > 0)
    t.length = n
    t._elem = elem
    return t


def new_struct(name: str, members: list[tuple[str, GoType]]) -> GoType:
    """``struct { ... }``: gc's field offsets, padding and zero-size-tail rule."""
    fields, words = [], []
    off, align = 0, 1
    for fname, ft in members:
        off = _round_up(off, ft.align)
        fields.append(Field(fname, ft, off))
        words.extend(off // PTR_SIZE + w for w in ft.ptr_words)
        off += ft.size
        align = max(align, ft.align)
    if off > 0 and fields[-1].type.size == 0:
        off += 1  # a pointer to the final zero-size field must not point past the object
    if len(words) > MAX_PTR_WORDS:
        raise GoTypeError(f"type {name} has too many pointer words to model")
    types = [f.type for f in fields]
    t = GoType(name, "struct", _round_up(off, align), align, tuple(words),
               comparable=all(ft.comparable for ft in types),
               reflexive=all(ft.reflexive for ft in types),
               need_key_update=any(ft.need_key_update for ft in types),
               refs=any(ft._refs for ft in types))
    t.fields = tuple(fields)
    return t
