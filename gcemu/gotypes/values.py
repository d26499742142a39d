"""Values of Go types as Python values: converters, pointer finders, hash encoders.

The emulator keeps Go values as plain Python values:

=============  ==============================================================
Go kind        Python value
=============  ==============================================================
bool           ``bool``
integers       ``int`` (range-checked against the kind)
floats         ``float`` (float32 values are rounded to single precision)
string         ``str``; one stored into the emulated heap is a `GoString` (a
               ``str`` carrying ``data``, the heap object of its bytes)
pointer, map   ``None`` (nil) or a heap object handle whose ``.type`` is the
               pointee type (for a pointer) or the map type (for a map); a
               nil map reads back as a `NilMap` (stored, it is ``None`` again)
[N]byte        ``bytes`` of length N (any array of ``uint8``: one compact,
               immutable object instead of N ints; given as bytes, bytearray,
               or a list or tuple of ints)
array          ``tuple`` of element values (any other element type)
struct         ``tuple`` of field values in declaration order
=============  ==============================================================

For each type, three functions are compiled into closures once, on first use (the
`GoType` methods ``convert``, ``pointers`` and ``hash_bytes`` call them and cache the
result on the type): the validating converter of user input into this form, the
pointer finder (the handles a value holds: what a GC scan of its pointer words finds,
as ``runtime.scanobject`` reads the type's pointer bitmap), and the hash encoder (the
canonical bytes a map hashes, as ``runtime.typehash`` walks a key).  The compilers read
a type only through its attributes, so this module sits below types.py.
"""

from __future__ import annotations

import functools
import operator
import struct
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from gcemu.errors import GoPanic
from gcemu.gotypes.kinds import FLOAT_SIZES, INT_RANGES, M64, GoTypeError, article, show

if TYPE_CHECKING:
    from gcemu.gotypes.types import GoType

EMPTY: tuple = ()


def _describe_handle(obj: Any, gotype: type) -> str:
    """``*U object U#4`` for a pointer handle, ``map[..]V object m#1`` for a map.

    ``gotype`` is the class of Go types (`GoType`): a handle's ``.type`` is one.
    """
    ot = getattr(obj, "type", None)
    if not isinstance(ot, gotype):
        return f"{show(obj)} ({type(obj).__name__})"
    shown = ot.name if ot.kind == "map" else "*" + ot.name
    label = getattr(obj, "label", None)
    if not isinstance(label, str):
        oid = getattr(obj, "id", None)
        label = f"{ot.name}#{oid}" if isinstance(oid, int) else show(obj)
    return f"{shown} object {label}"


def is_byte_array(t: GoType) -> bool:
    """Whether values of ``t`` are ``bytes``: an array of ``uint8`` (``byte``)."""
    return t.kind == "array" and t.elem.kind == "uint8"


def zero_of(t: GoType) -> Any:
    """Compute the zero value of ``t`` (cached by `GoType.zero`)."""
    kind = t.kind
    if kind == "bool":
        return False
    if kind in INT_RANGES:
        return 0
    if kind in FLOAT_SIZES:
        return 0.0
    if kind == "string":
        return ""
    if kind in ("ptr", "map"):
        return None
    if kind == "array":
        return bytes(t.length) if is_byte_array(t) else (t.elem.zero(),) * t.length
    return tuple(f.type.zero() for f in t.fields)



class NilMap:
    """A nil map as the user reads it (a struct field or element of map type that was
    never made): Go's nil-map rules, with no heap object behind it.

    Lookup gives the element's zero value, ``delete`` does nothing, ``len`` is 0 and
    ``range`` yields nothing (``runtime.mapaccess1``, ``mapdelete``, ``mapiterinit``
    return early on ``h == nil``); assignment panics as ``runtime.mapassign`` does,
    with `GoPanic` ``assignment to entry in nil map``. Stored back into a field or a
    map it is ``None`` again (`compile_convert`), and it compares equal to ``None``.
    """

    __slots__ = ("type",)

    def __init__(self, t: GoType) -> None:
        self.type = t

    def __repr__(self) -> str:
        return f"{self.type.name}(nil)"

    def __eq__(self, other: object) -> bool:
        return other is None or isinstance(other, NilMap)

    def __hash__(self) -> int:
        return hash(None)

    def __len__(self) -> int:
        return 0

    def __iter__(self):
        return iter(EMPTY)

    def __contains__(self, key: Any) -> bool:
        self.type.key.convert(key, "key")
        return False

    def __getitem__(self, key: Any) -> Any:
        self.type.key.convert(key, "key")
        et = self.type.elem
        return et.to_python(et.zero())

    def get(self, key: Any, default: Any = None) -> Any:
        self.type.key.convert(key, "key")
        return default

    def __delitem__(self, key: Any) -> None:
        self.type.key.convert(key, "key")

    def __setitem__(self, key: Any, value: Any) -> None:
        raise GoPanic(f"panic: assignment to entry in nil map [{self.type.name} "
                      f"m[{show(key)}] = {show(value)}]")

    def keys(self) -> tuple:
        return EMPTY

    values = items = keys

    def clear(self) -> None:
        """``clear(m)`` on a nil map: a no-op."""


def _not_a(t: GoType, value: Any, what: str) -> GoTypeError:
    """The "<what>: 3.5 is not an int64" error."""
    shown = t.name if not t.named else f"{t.name} ({t.kind})"
    return GoTypeError(f"{what}: {show(value)} is not {article(shown)}")


def compile_convert(t: GoType) -> Callable[[Any, str], Any]:
    """Build the validating converter of ``t``."""
    kind = t.kind
    if kind == "bool":
        return _conv_bool(t)
    if kind in INT_RANGES:
        return _conv_int(t)
    if kind in FLOAT_SIZES:
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
    _, lo, hi = INT_RANGES[t.kind]

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
                raise GoTypeError(f"{what}: {show(v)} overflows {t.name}") from None
        if single:
            try:
                v = _F32.unpack(_F32.pack(v))[0]
            except OverflowError:
                raise GoTypeError(f"{what}: {v!r} overflows {t.name}") from None
        return v
    return conv


class GoString(str):
    """A string the emulated heap holds: its text, and ``data``, the heap object of its
    bytes (``rawstring``'s allocation, made by the heap that stored it). Copying it
    into another slot copies the string header, so the copy shares the data, as in Go.
    The empty string is never one (its data pointer is nil)."""

    data: Any


def string_pointers(value: Any) -> tuple:
    """The pointer word of a string: its data object, if the heap allocated one."""
    return (value.data,) if type(value) is GoString else EMPTY


def _conv_string(t: GoType) -> Callable[[Any, str], Any]:
    def conv(v: Any, what: str) -> str:
        if type(v) is str or type(v) is GoString:
            return v
        if isinstance(v, str):
            return str(v)
        raise _not_a(t, v, what)
    return conv


def _conv_handle(t: GoType) -> Callable[[Any, str], Any]:
    """Pointers and maps: nil, or a handle whose ``.type`` matches."""
    is_map = t.kind == "map"
    gotype = type(t)

    def conv(v: Any, what: str) -> Any:
        if v is None:
            return None
        if type(v) is NilMap:
            if is_map and v.type._u.name == t._u.name:
                return None
            raise GoTypeError(f"{what}: cannot use {v!r} as {t.name}")
        if getattr(v, "freed", 0):  # a handle outlives its object: storing it is a bug
            raise GoTypeError(f"{what}: {_describe_handle(v, gotype)} was freed by GC cycle "
                              f"{v.freed}; it can no longer be stored")
        vt = getattr(v, "type", None)
        if is_map:  # assignable: identical underlying map types
            if isinstance(vt, gotype) and vt._u.name == t._u.name and vt.kind == "map":
                return v
        elif vt is t.elem or (isinstance(vt, gotype) and vt.name == t.elem.name):
            v.linked = True  # stored into the emulated heap (gcemu.core.pystack)
            return v
        raise GoTypeError(f"{what}: cannot use {_describe_handle(v, gotype)} as {t.name}")
    if is_map:
        return conv
    pointee: GoType | None = None  # t.elem, resolved lazily (``*T`` before T is declared)

    def conv_pointer(v: Any, what: str) -> Any:
        """``conv`` with a fast path for the common store: a live handle whose type is
        exactly the pointee (one identity test instead of the checks above)."""
        nonlocal pointee
        if pointee is None:
            pointee = t.elem
        if (type(v) is not NilMap and getattr(v, "type", None) is pointee
                and pointee is not None and not getattr(v, "freed", 0)):
            v.linked = True  # stored into the emulated heap (gcemu.core.pystack)
            return v
        return conv(v, what)
    return conv_pointer


_SEQUENCES = (tuple, list, bytes, bytearray)
_PLAIN_INT = frozenset((int,))


def _conv_array(t: GoType) -> Callable[[Any, str], Any]:
    n, ec = t.length, t.elem._conv or t.elem._converter()

    def elements(v: Any, what: str) -> list:
        """The converted elements of a sequence of ``n`` (an error names the element)."""
        if not isinstance(v, _SEQUENCES):
            raise GoTypeError(f"{what}: {show(v)} is not {article(t.name)} "
                              f"(want a list or tuple of {n} elements)")
        if len(v) != n:
            raise GoTypeError(f"{what}: {t.name} needs {n} elements, got {len(v)}")
        try:
            return [ec(x, what) for x in v]
        except GoTypeError:
            for i, x in enumerate(v):  # redo, naming the element that failed
                ec(x, f"{what}[{i}]")
            raise

    if not is_byte_array(t):
        return lambda v, what: tuple(elements(v, what))

    def conv_bytes(v: Any, what: str) -> bytes:
        if type(v) is bytes and len(v) == n:
            return v  # immutable, and every byte fits a uint8
        if (isinstance(v, (list, tuple, bytearray)) and len(v) == n
                and set(map(type, v)) <= _PLAIN_INT):
            try:
                return bytes(v)
            except ValueError:  # out of range: elements() names the element
                pass
        return bytes(elements(v, what))
    return conv_bytes


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
                raise GoTypeError(f"{what}: {t.name} has no field {show(k)}")
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
            raise GoTypeError(f"{what}: {show(v)} is not {article(t.name)} "
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


def no_pointers(value: Any) -> tuple:
    return EMPTY


def handle_pointers(value: Any) -> list | tuple:
    return EMPTY if value is None else [value]


_not_none = functools.partial(operator.is_not, None)


def _one_field_pointer(i: int) -> Callable[[Any], list | tuple]:
    """Pointer finder of a struct whose only pointer is direct field ``i``."""
    def find(v: Any) -> list | tuple:
        x = v[i]
        return EMPTY if x is None else [x]
    return find


def _field_pointers(idx: tuple[int, ...]) -> Callable[[Any], list | tuple]:
    """Pointer finder of a struct whose pointers are the direct fields ``idx``."""
    def find(v: Any) -> list | tuple:
        out = []
        for i in idx:
            x = v[i]
            if x is not None:
                out.append(x)
        return out or EMPTY
    return find


def compile_pointers(t: GoType) -> Callable[[Any], list | tuple]:
    """Build the function listing the handles a value of ``t`` holds."""
    if not t._refs:
        return no_pointers
    if t.kind in ("ptr", "map"):
        return handle_pointers
    if t.kind == "string":
        return string_pointers
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
        raise GoTypeError(f"cannot hash {show(v)}: a pointer needs an integer id")
    return b"\x01" + (oid & M64).to_bytes(8, "little")


def _hash_string(v: str) -> bytes:
    b = v.encode("utf-8", "surrogatepass")
    return len(b).to_bytes(8, "little") + b


def _hash_byte_array(v: bytes) -> bytes:
    """Each byte as 8 bytes little-endian, as an integer element hashes: the byte,
    then 7 zeros."""
    out = bytearray(8 * len(v))
    out[::8] = v
    return bytes(out)


def compile_hash(t: GoType) -> Callable[[Any], bytes]:
    """Build the canonical byte encoder of a comparable type."""
    if not t.comparable:
        def refuse(v: Any) -> bytes:
            raise GoTypeError(f"type {t.name} is not comparable, so it cannot be hashed")
        return refuse
    kind = t.kind
    if kind == "bool":
        return lambda v: b"\x01" if v else b"\x00"
    if kind in INT_RANGES:
        return lambda v: (v & M64).to_bytes(8, "little")
    if kind in FLOAT_SIZES:
        return lambda v: _F64.pack(v + 0.0)  # -0.0 + 0.0 == +0.0
    if kind == "string":
        return _hash_string
    if kind == "ptr":
        return _hash_handle
    if kind == "array":
        if is_byte_array(t):
            return _hash_byte_array
        sub = t.elem._hash or t.elem._hasher()
        return lambda v: b"".join([sub(x) for x in v])
    steps = [(i, f.type._hash or f.type._hasher())
             for i, f in enumerate(t.fields) if f.name != "_"]
    return lambda v: b"".join([h(v[i]) for i, h in steps])
