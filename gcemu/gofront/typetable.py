"""The helper's type table as Python objects: kinds, zero values, copies, and the text
the emulated heap declares a type by.

Every Go type the program mentions is one `GoT` (interned by the helper, so identity
is type identity). ``u`` is the underlying type (itself unless named); ``kind`` is
``u``'s kind with basic types spelled by name (``int``, ``uint8``, ``string``,
``untyped int``...). `GoT.zero` builds a fresh zero value; `GoT.copier` is None
when assignment can share the value, else the function that copies it (structs and
arrays are values in Go). `GoT.from_heap` turns what the heap hands back (structs as
dicts, arrays as tuples) into this interpreter's form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gcemu.errors import GcemuError

INTS = {"int": 64, "int8": 8, "int16": 16, "int32": 32, "int64": 64, "uint": -64,
        "uint8": -8, "byte": -8, "rune": 32, "uint16": -16, "uint32": -32, "uint64": -64,
        "uintptr": -64,
        "untyped int": 0, "untyped rune": 0}
FLOATS = {"float32", "float64", "untyped float"}
# the basic kinds the emulated heap can hold (gcemu.gotypes)
HEAP_BASIC = {"bool", "string", "float32", "float64"} | (set(INTS) - {"untyped int",
                                                                       "untyped rune"})


def wrapper(bits: int) -> Callable[[int], int] | None:
    """The function that wraps an int to a Go integer kind (None: no wrap)."""
    if bits == 0:
        return None
    if bits < 0:
        mask = (1 << -bits) - 1
        return lambda v: v & mask
    mask, half = (1 << bits) - 1, 1 << (bits - 1)

    def wrap(v: int) -> int:
        v &= mask
        return v - (mask + 1) if v >= half else v
    return wrap


class GoT:
    """One type of the program (an entry of the helper's type table)."""

    def __init__(self, d: dict):
        self.d = d
        self.s: str = d["s"]
        self.k: str = d["k"]
        self.u: GoT = self
        self.elem: GoT | None = None
        self.key: GoT | None = None
        self.fields: list[tuple[str, GoT]] = []
        self.length = d.get("len", 0)
        self._copier: Any = False
        self._zero: Callable[[], Any] | None = None
        self.runtime_object = False  # a sync value (provide)

    @property
    def kind(self) -> str:
        u = self.u
        return u.d["name"] if u.k == "basic" else u.k

    @property
    def named(self) -> bool:
        return self.k == "named"

    @property
    def int_bits(self) -> int | None:
        return INTS.get(self.kind)

    @property
    def is_float(self) -> bool:
        return self.kind in FLOATS

    def zero(self) -> Any:
        """A fresh zero value of this type."""
        z = self._zero
        if z is None:
            z = self._zero = self._make_zero()
        return z()

    def _make_zero(self) -> Callable[[], Any]:
        """The zero-value maker, built once per type: a constant for basic kinds, a
        copy of a template for structs and arrays whose fields are all immutable."""
        kind = self.kind
        if kind in INTS:
            return int
        if kind in FLOATS:
            return float
        if kind in ("string", "untyped string"):
            return str
        if kind in ("bool", "untyped bool"):
            return bool
        if kind == "struct":
            fields = [(name, t, t.copier is None and not t.runtime_object)
                      for name, t in self.u.fields]
            template = {name: t.zero() if flat else None for name, t, flat in fields}
            fresh = [(name, t.zero) for name, t, flat in fields if not flat]
            if not fresh:
                return template.copy

            def struct() -> dict:
                v = template.copy()
                for name, z in fresh:
                    v[name] = z()
                return v
            return struct
        if kind == "array":
            elem, n = self.u.elem, self.u.length
            if elem.copier is None:
                template = [elem.zero()] * n
                return template.copy
            return lambda: [elem.zero() for _ in range(n)]
        return lambda: None

    def provide(self, zero: Callable[[], Any]) -> None:
        """Values of this type are runtime objects made by ``zero`` and shared, never
        copied (the sync types: gcemu.gofront.gosync)."""
        self._zero = zero
        self._copier = None
        self.runtime_object = True

    @property
    def copier(self) -> Callable[[Any], Any] | None:
        if self._copier is False:
            self._copier = self._make_copier()
        return self._copier

    def _make_copier(self) -> Callable[[Any], Any] | None:
        u = self.u
        if u.k == "struct":
            subs = [(name, t.copier) for name, t in u.fields]
            if all(c is None for _, c in subs):
                return dict.copy
            return lambda v: {n: (c(v[n]) if c else v[n]) for n, c in subs}
        if u.k == "array":
            c = u.elem.copier
            return list.copy if c is None else (lambda v: [c(x) for x in v])
        return None

    def from_heap(self) -> Callable[[Any], Any] | None:
        """The conversion of a value read from the heap, or None if none is needed."""
        u = self.u
        if u.k == "struct":
            subs = [(n, t.from_heap()) for n, t in u.fields]
            if all(c is None for _, c in subs):
                return dict
            return lambda v: {n: (c(v[n]) if c else v[n]) for n, c in subs}
        if u.k == "array":
            c = u.elem.from_heap()
            return list if c is None else (lambda v: [c(x) for x in v])
        return None

    def heap_problem(self, seen: set | None = None) -> str | None:
        """Why a value of this type cannot live in the emulated heap (None if it can)."""
        seen = set() if seen is None else seen
        if id(self) in seen:
            return None
        seen.add(id(self))
        if self.runtime_object:
            return f"{self.s} (a sync value lives outside the emulated heap)"
        u = self.u
        if u.k == "basic":
            return None if u.d["name"] in HEAP_BASIC else f"{self.s} (a {u.d['name']})"
        if u.k == "pointer":
            return u.elem.heap_problem(seen)
        if u.k == "array":
            return u.elem.heap_problem(seen)
        if u.k == "map":
            return u.key.heap_problem(seen) or u.elem.heap_problem(seen)
        if u.k == "struct":
            if getattr(u, "embedded", False):
                return f"{self.s} (a struct with an embedded field)"
            for _, t in u.fields:
                p = t.heap_problem(seen)
                if p:
                    return p
            return None
        return f"{self.s} (a {u.k})"

    def __repr__(self) -> str:
        return f"<GoT {self.s}>"


class TypeTable:
    """All the program's types, by the helper's ids."""

    def __init__(self, entries: list[dict]):
        self.t = [GoT(d) for d in entries]
        for t in self.t:
            d = t.d
            for key in ("elem", "key"):
                if d.get(key) is not None:
                    setattr(t, key, self.t[d[key]])
            if t.k == "struct":
                t.fields = [(f["name"], self.t[f["type"]]) for f in d["fields"] or ()]
                t.embedded = any(f["embedded"] for f in d["fields"] or ())
        for t in self.t:
            if t.k == "named":
                u = self.t[t.d["under"]]
                while u.k == "named":
                    u = self.t[u.d["under"]]
                t.u = u

    def __getitem__(self, i: int) -> GoT:
        return self.t[i]

    def declarations(self) -> str:
        """``type ( ... )`` text declaring the program's named types the heap can hold
        (package main's, in the helper's order), or '' if none."""
        specs = []
        for t in self.t:
            if (t.k == "named" and t.d.get("pkg") == "main" and t.u.k != "interface"
                    and t.heap_problem() is None and "." not in t.s):
                specs.append(f"{t.s} {t.u.s}")
        return "type (\n" + "\n".join(specs) + "\n)" if specs else ""


def check_heap(t: GoT, what: str, pos: str) -> None:
    """Raise a clear error if values of ``t`` cannot live in the emulated heap."""
    p = t.heap_problem()
    if p:
        raise GcemuError(f"{pos}: {what}: gcemu's emulated heap cannot hold {p} yet "
                         f"(it holds bools, numbers, strings, pointers, arrays, structs "
                         f"and maps)")


__all__ = ["FLOATS", "INTS", "GoT", "TypeTable", "check_heap", "wrapper"]
