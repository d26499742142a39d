"""Go types on a 64-bit platform: text in, sizes, pointer words and values out.

What is modelled
----------------
A scenario names Go types by their source text: ``map[string]*T``, or a
declaration such as ``type T struct { id int; next *T; buf [48]byte }``.
This module turns that text into `GoType` objects carrying what the runtime
knows about a type on amd64: its size and alignment (gc's layout rules,
including trailing padding and the extra byte after a final zero-size field),
its GC pointer bitmap as 8-byte word indexes (``ptr_words``), and the flags
the map code needs: comparable, reflexive (``k == k`` always holds) and
need-key-update (``cmd/compile/internal/reflectdata/reflect.go``).

Only the kinds a map scenario needs exist: booleans, the sized integer and
float kinds, strings, pointers, arrays, structs without embedded fields,
maps, and named types of any of these.  Slices, interfaces, channels,
functions and complex numbers are rejected with a clear `GoTypeError`.

Types live in a `TypeUniverse` (one per heap).  Types are interned by their
canonical text, so ``parse("map[string]*T") is parse("map[string]*T")`` and
``byte`` is ``uint8``.  A pointer or map type does not need its element's
layout, so it resolves its element lazily: that is what lets
``type T struct { next *T }`` and mutually recursive types be declared.
A declaration is all-or-nothing: on error the universe is left untouched.

`map_layout` derives the compiler-generated bucket type of a map type
(``reflectdata.MapBucketType``): slot sizes, indirect keys/elems over 128
bytes, bucket size and the bucket's pointer bitmap.

How values are represented
--------------------------
The emulator keeps Go values as plain Python values:

=============  ==============================================================
Go kind        Python value
=============  ==============================================================
bool           ``bool``
integers       ``int`` (range-checked against the kind)
floats         ``float`` (float32 values are rounded to single precision)
string         ``str``
pointer, map   ``None`` (nil) or a heap object handle whose ``.type`` is the
               pointee type (for a pointer) or the map type (for a map)
array          ``tuple`` of element values
struct         ``tuple`` of field values in declaration order
=============  ==============================================================

`GoType.convert` validates user input into this form (structs may be given
as a dict of fields), `GoType.to_python` turns it back into what a user
expects (structs become dicts), `GoType.pointers` lists the handles a value
holds (what a GC scan of its pointer words finds), and `GoType.hash_bytes`
gives the canonical bytes a map hashes.  Converters, pointer finders and
hash encoders are compiled into closures once per type, on first use.
"""

from __future__ import annotations

import functools
import operator
import re
import struct
from collections.abc import Callable
from typing import Any, NamedTuple

from gcemu.errors import GcemuError

__all__ = [
    "BUCKET_COUNT",
    "MAX_ELEM_BYTES",
    "MAX_KEY_BYTES",
    "PTR_SIZE",
    "Field",
    "GoType",
    "GoTypeError",
    "MapLayout",
    "TypeUniverse",
    "map_layout",
]

PTR_SIZE = 8
#: ``abi.MapBucketCount``: slots per bucket.
BUCKET_COUNT = 8
#: ``abi.MapMaxKeyBytes`` / ``MapMaxElemBytes``: larger keys/elems are indirect.
MAX_KEY_BYTES = 128
MAX_ELEM_BYTES = 128
#: ``types.MaxWidth`` on amd64: the largest type the compiler accepts.
MAX_WIDTH = 1 << 50
#: Largest pointer bitmap this emulator materializes (a modelling limit).
MAX_PTR_WORDS = 1 << 22

_M64 = (1 << 64) - 1
_EMPTY: tuple = ()
_UNSET: Any = object()


class GoTypeError(GcemuError, ValueError):
    """Bad type text or a value that does not fit a type; the message says where."""


class Field(NamedTuple):
    """One struct field: its name, type and byte offset in the struct."""

    name: str
    type: GoType
    offset: int


# ---------------------------------------------------------------------------
# Predeclared types
# ---------------------------------------------------------------------------

_INT_RANGES: dict[str, tuple[int, int, int]] = {  # kind -> (size, lo, hi)
    "int8": (1, -(1 << 7), (1 << 7) - 1),
    "int16": (2, -(1 << 15), (1 << 15) - 1),
    "int32": (4, -(1 << 31), (1 << 31) - 1),
    "int64": (8, -(1 << 63), (1 << 63) - 1),
    "int": (8, -(1 << 63), (1 << 63) - 1),
    "uint8": (1, 0, (1 << 8) - 1),
    "uint16": (2, 0, (1 << 16) - 1),
    "uint32": (4, 0, (1 << 32) - 1),
    "uint64": (8, 0, _M64),
    "uint": (8, 0, _M64),
    "uintptr": (8, 0, _M64),
}
_FLOAT_SIZES = {"float32": 4, "float64": 8}
_ALIASES = {"byte": "uint8", "rune": "int32"}
_GO_KEYWORDS = frozenset((
    "break", "case", "chan", "const", "continue", "default", "defer", "else", "fallthrough",
    "for", "func", "go", "goto", "if", "import", "interface", "map", "package", "range",
    "return", "select", "struct", "switch", "type", "var",
))
_UNSUPPORTED = {
    "complex64": "complex numbers are not modelled",
    "complex128": "complex numbers are not modelled",
    "any": "interfaces are not modelled",
    "error": "interfaces are not modelled",
    "interface": "interfaces are not modelled",
    "chan": "channels are not modelled",
    "func": "functions are not modelled",
}


def _round_up(n: int, align: int) -> int:
    """``n`` rounded up to a multiple of ``align``."""
    return -(-n // align) * align


def _article(name: str) -> str:
    """``name`` with "a" or "an" in front, e.g. "an int64", "a uint8"."""
    return ("an " if name[:1] in "aeioAEIO" else "a ") + name


def _show(value: Any) -> str:
    """A short repr of a user value for error messages."""
    r = repr(value)
    return r if len(r) <= 60 else r[:57] + "..."


def _handle_label(obj: Any) -> str:
    """How an error message names a heap object handle, e.g. ``T#3``."""
    label = getattr(obj, "label", None)
    if isinstance(label, str):
        return label
    t, oid = getattr(obj, "type", None), getattr(obj, "id", None)
    if isinstance(t, GoType) and isinstance(oid, int):
        return f"{t.name}#{oid}"
    return _show(obj)


def _describe_handle(obj: Any) -> str:
    """``*U object U#4`` for a pointer handle, ``map[..]V object m#1`` for a map."""
    t = getattr(obj, "type", None)
    if not isinstance(t, GoType):
        return f"{_show(obj)} ({type(obj).__name__})"
    shown = t.name if t.kind == "map" else "*" + t.name
    return f"{shown} object {_handle_label(obj)}"


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
        >>> TypeUniverse().parse("struct { a int; b [2]bool; c *int }").zero()
        (0, (False, False), None)
        """
        z = self._zero
        if z is _UNSET:
            z = self._zero = _zero_of(self)
        return z

    def convert(self, value: Any, what: str = "value") -> Any:
        """Validate ``value`` and return it in the emulator's representation.

        Parameters
        ----------
        value : Any
            A Python value: see the module docstring; a struct may also be a
            dict of fields (missing fields are zero).
        what : str
            Names the value in error messages, e.g. ``"key of map[int64]*T"``.

        Raises
        ------
        GoTypeError
            ``"<what>: <problem>"`` when the value does not fit.

        Examples
        --------
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
        >>> t = TypeUniverse().parse("struct { a int; b [2]struct { c bool } }")
        >>> t.to_python(t.zero())
        {'a': 0, 'b': ({'c': False}, {'c': False})}
        """
        kind = self.kind
        if kind == "struct":
            return {f.name: f.type.to_python(v)
                    for f, v in zip(self.fields, value, strict=True) if f.name != "_"}
        if kind == "array" and self.elem.kind in ("struct", "array"):
            et = self.elem
            return tuple(et.to_python(v) for v in value)
        return value

    def pointers(self, value: Any) -> list | tuple:
        """The heap handles a value holds: what scanning its pointer words finds.

        Returns a list, or a shared empty tuple when there is nothing to find.
        Strings hold a data pointer, but string data is not a heap object here.

        Examples
        --------
        >>> class Obj:
        ...     def __init__(self, t): self.type = t
        >>> u = TypeUniverse(); _ = u.declare("type T struct { a *T; b string; c *T }")
        >>> t = u.lookup("T"); o = Obj(t)
        >>> t.pointers(t.convert({"a": o})) == [o]
        True
        """
        f = self._ptrs or self._pointer_finder()
        return f(value)

    def hash_bytes(self, value: Any) -> bytes:
        """Canonical bytes of a comparable value, for hashing map keys.

        Integers are 8 bytes little-endian; floats are their float64 bits with
        ``-0.0`` folded into ``+0.0``; strings are their UTF-8 bytes behind an
        8-byte length; pointers are a tag byte and their handle's ``id``;
        arrays and structs concatenate their parts (blank fields skipped, as
        Go's equality skips them).

        Examples
        --------
        >>> TypeUniverse().parse("[2]int16").hash_bytes((1, -1)).hex()
        '0100000000000000ffffffffffffffff'
        """
        f = self._hash or self._hasher()
        return f(value)

    # -- compiled helpers ----------------------------------------------------

    def _converter(self) -> Callable[[Any, str], Any]:
        self._conv = _compile_convert(self)
        return self._conv

    def _pointer_finder(self) -> Callable[[Any], list | tuple]:
        self._ptrs = _compile_pointers(self)
        return self._ptrs

    def _hasher(self) -> Callable[[Any], bytes]:
        self._hash = _compile_hash(self)
        return self._hash


# ---------------------------------------------------------------------------
# Type constructors (layout rules)
# ---------------------------------------------------------------------------


def _basic(name: str) -> GoType:
    """A predeclared type."""
    if name == "bool":
        return GoType(name, name, 1, 1)
    if name == "string":
        return GoType(name, name, 16, 8, (0,), need_key_update=True)
    if name in _FLOAT_SIZES:
        n = _FLOAT_SIZES[name]
        return GoType(name, name, n, n, reflexive=False, need_key_update=True)
    n = _INT_RANGES[name][0]
    return GoType(name, name, n, n)


_PREDECLARED: dict[str, GoType] = {
    n: _basic(n) for n in ("bool", "string", *_FLOAT_SIZES, *_INT_RANGES)
}


def _new_pointer(name: str) -> GoType:
    """``*X``: one pointer word; the element is attached later."""
    return GoType(name, "ptr", 8, 8, (0,), refs=True)


def _new_map(name: str) -> GoType:
    """``map[K]V``: one pointer word (to the hmap); never comparable."""
    return GoType(name, "map", 8, 8, (0,), comparable=False, refs=True)


def _new_array(name: str, n: int, elem: GoType) -> GoType:
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


def _new_struct(name: str, members: list[tuple[str, GoType]]) -> GoType:
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


def _zero_of(t: GoType) -> Any:
    """Compute the zero value of ``t`` (cached by `GoType.zero`)."""
    kind = t.kind
    if kind == "bool":
        return False
    if kind in _INT_RANGES:
        return 0
    if kind in _FLOAT_SIZES:
        return 0.0
    if kind == "string":
        return ""
    if kind in ("ptr", "map"):
        return None
    if kind == "array":
        return (t.elem.zero(),) * t.length
    return tuple(f.type.zero() for f in t.fields)


# ---------------------------------------------------------------------------
# Compiled converters
# ---------------------------------------------------------------------------


def _not_a(t: GoType, value: Any, what: str) -> GoTypeError:
    """The "<what>: 3.5 is not an int64" error."""
    shown = t.name if not t.named else f"{t.name} ({t.kind})"
    return GoTypeError(f"{what}: {_show(value)} is not {_article(shown)}")


def _compile_convert(t: GoType) -> Callable[[Any, str], Any]:
    """Build the validating converter of ``t``."""
    kind = t.kind
    if kind == "bool":
        return _conv_bool(t)
    if kind in _INT_RANGES:
        return _conv_int(t)
    if kind in _FLOAT_SIZES:
        return _conv_float(t)
    if kind == "string":
        return _conv_string(t)
    if kind in ("ptr", "map"):
        return _conv_handle(t)
    if kind == "array":
        return _conv_array(t)
    return _conv_struct(t)


def _conv_bool(t: GoType) -> Callable[[Any, str], Any]:
    def conv(v: Any, what: str) -> bool:
        if type(v) is bool:
            return v
        raise _not_a(t, v, what)
    return conv


def _conv_int(t: GoType) -> Callable[[Any, str], Any]:
    _, lo, hi = _INT_RANGES[t.kind]

    def conv(v: Any, what: str) -> int:
        if type(v) is not int:
            if isinstance(v, bool) or not hasattr(type(v), "__index__"):
                raise _not_a(t, v, what)
            v = operator.index(v)
        if lo <= v <= hi:
            return v
        raise GoTypeError(f"{what}: {v} overflows {t.name}")
    return conv


_F32 = struct.Struct("<f")


def _conv_float(t: GoType) -> Callable[[Any, str], Any]:
    single = t.kind == "float32"

    def conv(v: Any, what: str) -> float:
        if type(v) is not float:
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise _not_a(t, v, what)
            try:
                v = float(v)
            except OverflowError:
                raise GoTypeError(f"{what}: {_show(v)} overflows {t.name}") from None
        if single:
            try:
                v = _F32.unpack(_F32.pack(v))[0]
            except OverflowError:
                raise GoTypeError(f"{what}: {v!r} overflows {t.name}") from None
        return v
    return conv


def _conv_string(t: GoType) -> Callable[[Any, str], Any]:
    def conv(v: Any, what: str) -> str:
        if type(v) is str:
            return v
        if isinstance(v, str):
            return str(v)
        raise _not_a(t, v, what)
    return conv


def _conv_handle(t: GoType) -> Callable[[Any, str], Any]:
    """Pointers and maps: nil, or a handle whose ``.type`` matches."""
    is_map = t.kind == "map"

    def conv(v: Any, what: str) -> Any:
        if v is None:
            return None
        if getattr(v, "freed", 0):  # a handle outlives its object: storing it is a bug
            raise GoTypeError(f"{what}: {_describe_handle(v)} was freed by GC cycle "
                              f"{v.freed}; it can no longer be stored")
        vt = getattr(v, "type", None)
        if is_map:  # assignable: identical underlying map types
            if isinstance(vt, GoType) and vt._u.name == t._u.name and vt.kind == "map":
                return v
        elif vt is t.elem or (isinstance(vt, GoType) and vt.name == t.elem.name):
            return v
        raise GoTypeError(f"{what}: cannot use {_describe_handle(v)} as {t.name}")
    return conv


_SEQUENCES = (tuple, list, bytes, bytearray)


def _conv_array(t: GoType) -> Callable[[Any, str], Any]:
    n, ec = t.length, t.elem._conv or t.elem._converter()

    def conv(v: Any, what: str) -> tuple:
        if not isinstance(v, _SEQUENCES):
            raise GoTypeError(f"{what}: {_show(v)} is not {_article(t.name)} "
                              f"(want a list or tuple of {n} elements)")
        if len(v) != n:
            raise GoTypeError(f"{what}: {t.name} needs {n} elements, got {len(v)}")
        try:
            return tuple([ec(x, what) for x in v])
        except GoTypeError:
            for i, x in enumerate(v):  # redo, naming the element that failed
                ec(x, f"{what}[{i}]")
            raise
    return conv


def _conv_struct(t: GoType) -> Callable[[Any, str], Any]:
    fields = t.fields
    names = [f.name for f in fields]
    index = {f.name: i for i, f in enumerate(fields) if f.name != "_"}
    convs = [f.type._conv or f.type._converter() for f in fields]
    zeros = [f.type.zero() for f in fields]

    def from_dict(v: dict, what: str) -> tuple:
        out = list(zeros)
        for k, x in v.items():
            i = index.get(k)
            if i is None:
                raise GoTypeError(f"{what}: {t.name} has no field {_show(k)}")
            try:
                out[i] = convs[i](x, what)
            except GoTypeError:
                convs[i](x, f"{what}.{k}")
                raise
        return tuple(out)

    def conv(v: Any, what: str) -> tuple:
        if isinstance(v, dict):
            return from_dict(v, what)
        if not isinstance(v, (tuple, list)):
            raise GoTypeError(f"{what}: {_show(v)} is not {_article(t.name)} "
                              f"(want a dict of its fields)")
        if len(v) != len(fields):
            raise GoTypeError(f"{what}: {t.name} has {len(fields)} fields, "
                              f"got {len(v)} values")
        try:
            return tuple([c(x, what) for c, x in zip(convs, v, strict=True)])
        except GoTypeError:
            for c, x, name in zip(convs, v, names, strict=True):
                c(x, f"{what}.{name}")
            raise
    return conv


# ---------------------------------------------------------------------------
# Compiled pointer finders and hash encoders
# ---------------------------------------------------------------------------


def _no_pointers(value: Any) -> tuple:
    return _EMPTY


def _handle_pointers(value: Any) -> list | tuple:
    return _EMPTY if value is None else [value]


_not_none = functools.partial(operator.is_not, None)


def _one_field_pointer(i: int) -> Callable[[Any], list | tuple]:
    """Pointer finder of a struct whose only pointer is direct field ``i``."""
    def find(v: Any) -> list | tuple:
        x = v[i]
        return _EMPTY if x is None else [x]
    return find


def _field_pointers(idx: tuple[int, ...]) -> Callable[[Any], list | tuple]:
    """Pointer finder of a struct whose pointers are the direct fields ``idx``."""
    def find(v: Any) -> list | tuple:
        out = []
        for i in idx:
            x = v[i]
            if x is not None:
                out.append(x)
        return out or _EMPTY
    return find


def _compile_pointers(t: GoType) -> Callable[[Any], list | tuple]:
    """Build the function listing the handles a value of ``t`` holds."""
    if not t._refs:
        return _no_pointers
    if t.kind in ("ptr", "map"):
        return _handle_pointers
    if t.kind == "array":
        e = t.elem
        if e.kind in ("ptr", "map"):
            return lambda v: list(filter(_not_none, v))
        sub = e._ptrs or e._pointer_finder()
        return lambda v: [p for x in v for p in sub(x)]
    steps = [(i, None if f.type.kind in ("ptr", "map")
              else (f.type._ptrs or f.type._pointer_finder()))
             for i, f in enumerate(t.fields) if f.type._refs]
    if len(steps) == 1 and steps[0][1] is None:
        return _one_field_pointer(steps[0][0])
    if all(sub is None for _, sub in steps):
        return _field_pointers(tuple(i for i, _ in steps))

    def find(v: Any) -> list:
        out = []
        for i, sub in steps:
            x = v[i]
            if sub is None:
                if x is not None:
                    out.append(x)
            else:
                out.extend(sub(x))
        return out
    return find


_F64 = struct.Struct("<d")
_NIL_HANDLE = bytes(9)


def _hash_handle(v: Any) -> bytes:
    if v is None:
        return _NIL_HANDLE
    oid = getattr(v, "id", None)
    if not isinstance(oid, int):
        raise GoTypeError(f"cannot hash {_show(v)}: a pointer needs an integer id")
    return b"\x01" + (oid & _M64).to_bytes(8, "little")


def _hash_string(v: str) -> bytes:
    b = v.encode("utf-8", "surrogatepass")
    return len(b).to_bytes(8, "little") + b


def _compile_hash(t: GoType) -> Callable[[Any], bytes]:
    """Build the canonical byte encoder of a comparable type."""
    if not t.comparable:
        def refuse(v: Any) -> bytes:
            raise GoTypeError(f"type {t.name} is not comparable, so it cannot be hashed")
        return refuse
    kind = t.kind
    if kind == "bool":
        return lambda v: b"\x01" if v else b"\x00"
    if kind in _INT_RANGES:
        return lambda v: (v & _M64).to_bytes(8, "little")
    if kind in _FLOAT_SIZES:
        return lambda v: _F64.pack(v + 0.0)  # -0.0 + 0.0 == +0.0
    if kind == "string":
        return _hash_string
    if kind == "ptr":
        return _hash_handle
    if kind == "array":
        sub = t.elem._hash or t.elem._hasher()
        return lambda v: b"".join([sub(x) for x in v])
    steps = [(i, f.type._hash or f.type._hasher())
             for i, f in enumerate(t.fields) if f.name != "_"]
    return lambda v: b"".join([h(v[i]) for i, h in steps])


# ---------------------------------------------------------------------------
# Map bucket layout
# ---------------------------------------------------------------------------


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
    p = _new_pointer("*" + t.name)
    p._elem = t
    return p


def _slot_pointers(t: GoType) -> Callable[[Any], list | tuple]:
    """Pointer finder of a slot type that also accepts ``None`` (zeroed memory)."""
    if not t._refs:
        return _no_pointers
    find = t._ptrs or t._pointer_finder()
    if find is _handle_pointers:
        return find
    return lambda v: _EMPTY if v is None else find(v)


def map_layout(maptype: GoType) -> MapLayout:
    """The bucket layout of a map type (cached on the type).

    Examples
    --------
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


# ---------------------------------------------------------------------------
# Text: tokens, syntax tree, errors
# ---------------------------------------------------------------------------

_TOKEN_RE = re.compile(
    r"""(?P<nl>\n)|(?P<ws>[ \t\r\f\v]+)|(?P<lc>//[^\n]*)|(?P<bc>/\*.*?\*/)
    |(?P<ident>[^\W\d]\w*)|(?P<num>\d\w*)|(?P<punct>[*\[\]{}();,.=])""",
    re.VERBOSE | re.DOTALL,
)
_SEMI_AFTER = frozenset(("ident", "num", ")", "]", "}"))

Token = tuple[str, str, int]  # (kind, text, offset); kind is "ident", "num", a punct, "eof"


def _where(text: str, off: int, offset: bool = True) -> str:
    """Locate ``off`` in ``text`` for a message: ``at offset 7 in "..."``."""
    if "\n" not in text and len(text) <= 120:
        return f'at offset {off} in "{text}"' if offset else f'in "{text}"'
    start = text.rfind("\n", 0, off) + 1
    end = text.find("\n", off)
    line = text[start:len(text) if end < 0 else end]
    lead = len(line) - len(line.lstrip())
    col = off - start - lead
    snippet = line.strip()
    if len(snippet) > 120:
        lo = max(0, col - 50)
        snippet, col = snippet[lo:lo + 100], col - lo
    lineno = text.count("\n", 0, off) + 1
    where = f"line {lineno}"
    if offset:
        where += f", offset {col}"
    return f'at {where} in "{snippet}"'


def _tokenize(text: str) -> list[Token]:
    """Go tokens, with Go's automatic semicolon insertion at newlines."""
    toks: list[Token] = []
    pos, n = 0, len(text)
    while pos < n:
        m = _TOKEN_RE.match(text, pos)
        if m is None:
            ch = text[pos]
            hint = " (struct tags and literals are not supported)" if ch in "\"`'" else ""
            raise GoTypeError(f'unexpected "{ch}"{hint} {_where(text, pos)}')
        kind, tok = m.lastgroup, m.group()
        if kind == "nl" or (kind == "bc" and "\n" in tok):
            if toks and toks[-1][0] in _SEMI_AFTER:
                toks.append((";", "\n", m.start()))
        elif kind == "punct":
            toks.append((tok, tok, m.start()))
        elif kind in ("ident", "num"):
            toks.append((kind, tok, m.start()))
        pos = m.end()
    if toks and toks[-1][0] in _SEMI_AFTER:
        toks.append((";", "", n))
    toks.append(("eof", "", n))
    return toks


# Syntax tree nodes (plain tuples, offset second):
#   ("name", off, ident)          ("ptr", off, sub)        ("array", off, n, sub)
#   ("map", off, key, value)      ("struct", off, ((field_name, sub, off), ...))
Node = tuple


def _parse_int(s: str) -> int:
    """A Go integer literal (decimal, 0x, 0o, 0b, legacy 0-octal, underscores)."""
    if re.fullmatch(r"0[0-7_]+", s):
        return int(s, 8)
    return int(s, 0)


class _Parser:
    """Recursive-descent parser for Go type expressions and type declarations."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokenize(text)
        self.i = 0

    # -- token helpers -----------------------------------------------------

    def peek(self, k: int = 0) -> Token:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def next(self) -> Token:
        tok = self.toks[self.i]
        if tok[0] != "eof":
            self.i += 1
        return tok

    def error(self, msg: str, tok: Token) -> GoTypeError:
        return GoTypeError(f"{msg} {_where(self.text, tok[2])}")

    def expect(self, kind: str) -> Token:
        tok = self.peek()
        if tok[0] != kind:
            raise self.error(f'expected "{kind}"', tok)
        return self.next()

    def ident(self, what: str) -> Token:
        tok = self.peek()
        if tok[0] != "ident":
            raise self.error(f"expected {what}", tok)
        if tok[1] in _GO_KEYWORDS:
            raise self.error(f'expected {what}, found keyword "{tok[1]}"', tok)
        return self.next()

    # -- entry points --------------------------------------------------------

    def type_expr(self) -> Node:
        """A whole text that is one type expression."""
        node = self.type()
        while self.peek()[0] == ";":
            self.next()
        tok = self.peek()
        if tok[0] != "eof":
            raise self.error(f'unexpected "{tok[1]}" after the type', tok)
        return node

    def declarations(self) -> list[tuple[str, int, Node]]:
        """``type`` declarations, single or grouped: ``(name, offset, node)``."""
        specs: list[tuple[str, int, Node]] = []
        while self.peek()[0] != "eof":
            if self.peek()[0] == ";":
                self.next()
                continue
            tok = self.peek()
            if tok[:2] != ("ident", "type"):
                raise self.error('expected "type"', tok)
            self.next()
            if self.peek()[0] == "(":
                self.group(specs)
            else:
                specs.append(self.spec())
            if self.peek()[0] not in (";", "eof"):
                raise self.error('expected ";" or a new line', self.peek())
        return specs

    def group(self, specs: list[tuple[str, int, Node]]) -> None:
        """``type ( A int; B *A )``."""
        self.expect("(")
        while self.peek()[0] != ")":
            if self.peek()[0] == ";":
                self.next()
                continue
            specs.append(self.spec())
            if self.peek()[0] not in (";", ")"):
                raise self.error('expected ";" or ")"', self.peek())
        self.expect(")")

    def spec(self) -> tuple[str, int, Node]:
        """``Name Type``."""
        name = self.ident("a type name")
        if self.peek()[0] == "=":
            raise self.error(f'type alias "{name[1]}" is not supported', name)
        return name[1], name[2], self.type()

    # -- types -----------------------------------------------------------------

    def type(self) -> Node:
        tok = self.peek()
        kind, text, off = tok
        if kind == "*":
            self.next()
            return ("ptr", off, self.type())
        if kind == "[":
            return self.array()
        if kind == "(":
            self.next()
            node = self.type()
            self.expect(")")
            return node
        if kind != "ident":
            raise self.error("expected a type", tok)
        if text == "struct":
            return self.struct()
        if text == "map":
            self.next()
            self.expect("[")
            key = self.type()
            self.expect("]")
            return ("map", off, key, self.type())
        if text in _UNSUPPORTED:
            raise self.error(f'unsupported type "{text}" ({_UNSUPPORTED[text]})', tok)
        if text in _GO_KEYWORDS:
            raise self.error(f'expected a type, found keyword "{text}"', tok)
        self.next()
        if self.peek()[0] == ".":
            raise self.error(f'qualified type "{text}.{self.peek(1)[1]}" is not supported', tok)
        return ("name", off, text)

    def array(self) -> Node:
        """``[N]X`` (``[]X`` is a slice: not modelled)."""
        start = self.next()
        tok = self.peek()
        if tok[0] == "]":
            raise self.error("unsupported slice type (slices are not modelled)", start)
        if tok[0] != "num":
            raise self.error("expected an array length", tok)
        self.next()
        try:
            n = _parse_int(tok[1])
        except ValueError:
            raise self.error(f'invalid array length "{tok[1]}"', tok) from None
        self.expect("]")
        return ("array", start[2], n, self.type())

    def struct(self) -> Node:
        """``struct { a, b int; c *T }``; embedded fields and tags are rejected."""
        start = self.next()
        self.expect("{")
        fields: list[tuple[str, Node, int]] = []
        seen: set[str] = set()
        while self.peek()[0] != "}":
            for name, sub, off in self.field_decl():
                if name != "_" and name in seen:
                    raise GoTypeError(f'duplicate field "{name}" {_where(self.text, off)}')
                seen.add(name)
                fields.append((name, sub, off))
            if self.peek()[0] == ";":
                self.next()
            elif self.peek()[0] != "}":
                raise self.error('expected ";" or "}"', self.peek())
        self.expect("}")
        return ("struct", start[2], tuple(fields))

    def field_decl(self) -> list[tuple[str, Node, int]]:
        """One line of a struct: ``a, b int``."""
        tok = self.peek()
        if tok[0] == "*" or (tok[0] == "ident" and self.peek(1)[0] in (";", "}", ".")):
            shown = tok[1] + (self.peek(1)[1] if tok[0] == "*" else "")
            raise self.error(f'embedded field "{shown}" is not supported (name the field)', tok)
        names = [self.ident("a field name")]
        while self.peek()[0] == ",":
            self.next()
            names.append(self.ident("a field name"))
        sub = self.type()
        return [(name, sub, off) for _, name, off in names]


# ---------------------------------------------------------------------------
# Building types from syntax
# ---------------------------------------------------------------------------


class _Build:
    """One parse or declaration: staged types, committed only if all is well."""

    def __init__(self, universe: TypeUniverse, text: str) -> None:
        self.u = universe
        self.text = text
        self.types: dict[str, GoType] = {}     # staged interned types, by canonical text
        self.decls: dict[str, tuple[GoType, Node, int]] = {}
        self.state: dict[str, int] = {}        # 1 = being completed, 2 = done
        self.stack: list[str] = []
        self.lazy: list[GoType] = []

    def error(self, msg: str, off: int, offset: bool = True) -> GoTypeError:
        return GoTypeError(f"{msg} {_where(self.text, off, offset)}")

    # -- names ---------------------------------------------------------------

    def named(self, node: Node) -> GoType:
        """The type a name denotes; a name declared in this batch is completed."""
        name = _ALIASES.get(node[2], node[2])
        t = _PREDECLARED.get(name) or self.u._named.get(name)
        if t is not None:
            return t
        if name in self.decls:
            self.complete(name)
            return self.decls[name][0]
        raise self.unknown(node)

    def unknown(self, node: Node) -> GoTypeError:
        return self.error(f'unknown type "{node[2]}"', node[1], offset=False)

    def canon(self, node: Node) -> str:
        """The canonical text of a type expression (names are checked)."""
        kind = node[0]
        if kind == "name":
            name = _ALIASES.get(node[2], node[2])
            if name in _PREDECLARED or name in self.u._named or name in self.decls:
                return name
            raise self.unknown(node)
        if kind == "ptr":
            return "*" + self.canon(node[2])
        if kind == "array":
            return f"[{node[2]}]{self.canon(node[3])}"
        if kind == "map":
            return f"map[{self.canon(node[2])}]{self.canon(node[3])}"
        if not node[2]:
            return "struct {}"
        return "struct { " + "; ".join(f"{n} {self.canon(s)}" for n, s, _ in node[2]) + " }"

    # -- building --------------------------------------------------------------

    def build(self, node: Node) -> GoType:
        """The (interned) type of a syntax node."""
        if node[0] == "name":
            return self.named(node)
        name = self.canon(node)
        t = self.u._types.get(name) or self.types.get(name)
        if t is None:
            t = self.types[name] = self.construct(node, name)
        return t

    def construct(self, node: Node, name: str) -> GoType:
        kind = node[0]
        if kind == "ptr":
            t = _new_pointer(name)
            t._lazy = lambda: self.resolve_pointer(t, node[2])
            self.lazy.append(t)
            return t
        if kind == "map":
            t = _new_map(name)
            t._lazy = lambda: self.resolve_map(t, node[2], node[3])
            self.lazy.append(t)
            return t
        if kind == "array":
            return self.construct_array(node, name)
        members = [(fname, self.build(sub)) for fname, sub, _ in node[2]]
        t = self.sized(lambda: _new_struct(name, members), node[1])
        return t

    def construct_array(self, node: Node, name: str) -> GoType:
        n = node[2]
        if n >= 1 << 63:
            raise self.error(f"array length {n} overflows int", node[1])
        elem = self.build(node[3])
        return self.sized(lambda: _new_array(name, n, elem), node[1])

    def sized(self, make: Callable[[], GoType], off: int) -> GoType:
        """Make a type, then enforce gc's size limit; errors point at ``off``."""
        try:
            t = make()
        except GoTypeError as e:
            raise self.error(str(e), off) from None
        if t.size > MAX_WIDTH:
            raise self.error(f"type {t.name} too large", off)
        return t

    def resolve_pointer(self, t: GoType, sub: Node) -> None:
        t._lazy = None
        t._elem = self.build(sub)

    def resolve_map(self, t: GoType, knode: Node, vnode: Node) -> None:
        t._lazy = None
        key, t._elem = self.build(knode), self.build(vnode)
        t._key = key
        if not key.comparable:
            raise self.error(f"invalid map key type {key.name}", knode[1])

    # -- declarations ----------------------------------------------------------

    def declare(self, specs: list[tuple[str, int, Node]]) -> list[GoType]:
        """Create every declared name first, then complete them in order."""
        for name, off, node in specs:
            if name in _PREDECLARED or name in _ALIASES:
                raise self.error(f'cannot redeclare predeclared type "{name}"', off)
            if name in self.u._named or name in self.decls:
                raise self.error(f'type "{name}" redeclared', off)
            self.decls[name] = (GoType(name, None, named=True), node, off)
        for name, _, _ in specs:
            self.complete(name)
        return [self.decls[name][0] for name, _, _ in specs]

    def complete(self, name: str) -> None:
        """Lay out a declared type, completing the types its layout needs."""
        state = self.state.get(name)
        if state == 2:
            return
        t, node, off = self.decls[name]
        if state == 1:
            cycle = " refers to ".join([*self.stack[self.stack.index(name):], name])
            raise self.error(f'invalid recursive type "{name}" ({cycle})', off)
        self.state[name] = 1
        self.stack.append(name)
        t._become(self.build(node)._u)
        self.stack.pop()
        self.state[name] = 2

    def finish(self) -> None:
        """Resolve every lazy pointer/map element, then publish the types."""
        i = 0
        while i < len(self.lazy):  # resolving may stage more lazy types
            t = self.lazy[i]
            if t._lazy is not None:
                t._lazy()
            i += 1
        self.u._types.update(self.types)
        self.u._named.update((name, decl[0]) for name, decl in self.decls.items())


class TypeUniverse:
    """The Go types of one heap: declared names and every type parsed so far.

    Examples
    --------
    >>> u = TypeUniverse()
    >>> [t.name for t in u.declare("type T struct { id int; next *T; buf [48]byte }")]
    ['T']
    >>> u.lookup("T").size, u.parse("map[string]*T") is u.parse("map[string]*T")
    (64, True)
    """

    def __init__(self) -> None:
        self._named: dict[str, GoType] = {}
        self._types: dict[str, GoType] = dict(_PREDECLARED)
        self._texts: dict[str, GoType] = {}

    def declare(self, text: str) -> list[GoType]:
        """Declare Go types; all-or-nothing.

        Parameters
        ----------
        text : str
            One or more ``type`` declarations, single or grouped
            (``type ( A int; B *A )``), separated by ``;`` or new lines.

        Returns
        -------
        list of GoType
            The declared types, in order.

        Raises
        ------
        GoTypeError
            On a syntax error, an unknown or redeclared name, an invalid
            recursive type or an invalid map key type.

        Examples
        --------
        >>> u = TypeUniverse()
        >>> a, b = u.declare("type (\\n A struct { b *B }\\n B struct { a *A; n int }\\n)")
        >>> b.size, a.fields[0].type.elem is b
        (16, True)
        """
        if not isinstance(text, str):
            raise GoTypeError(f"declare needs Go source text, got {_show(text)}")
        build = _Build(self, text)
        declared = build.declare(_Parser(text).declarations())
        build.finish()
        return declared

    def parse(self, text: str | GoType) -> GoType:
        """The type a Go type expression denotes (interned: same text, same object).

        Examples
        --------
        >>> u = TypeUniverse()
        >>> u.parse("[4]byte").name, u.parse("map[rune]string").name
        ('[4]uint8', 'map[int32]string')
        """
        if isinstance(text, GoType):
            return text
        t = self._texts.get(text)
        if t is not None:
            return t
        if not isinstance(text, str):
            raise GoTypeError(f"a type must be Go type text, got {_show(text)}")
        build = _Build(self, text)
        t = build.build(_Parser(text).type_expr())
        build.finish()
        self._texts[text] = t
        return t

    def lookup(self, name: str) -> GoType:
        """The type a bare name denotes (declared or predeclared).

        Examples
        --------
        >>> TypeUniverse().lookup("byte").name
        'uint8'
        """
        t = _PREDECLARED.get(_ALIASES.get(name, name)) or self._named.get(name)
        if t is None:
            raise GoTypeError(f'unknown type "{name}"')
        return t

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (name in self._named or name in _PREDECLARED
                                          or name in _ALIASES)
