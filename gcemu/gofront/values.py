"""How a Go program's values live while gcemu interprets it.

=================  ============================================================
Go                 here
=================  ============================================================
bool, ints,        ``bool``, ``int`` (wrapped to the kind's width), ``float``,
floats, string     ``str``
pointer to T, map  a handle of the emulated heap (``h.new`` / ``h.make_map``) or
                   ``None`` for nil: these are what the GC sees
struct value       ``dict`` field -> value (copied on assignment, as Go copies)
array value        ``list`` (copied on assignment)
slice              `Slice` (a shared Python list, offset, length, capacity)
func value         a Python callable (`Closure` when it captures variables)
interface value    ``None`` (nil) or `Iface` (dynamic type, value); errors made
                   by the standard library are `GoErr`
=================  ============================================================

A local variable captured by a closure lives in a `Cell`, so that the closure and
the function share it; Go 1.22's per-iteration loop variables get a fresh cell per
iteration. Control flow leaves a statement as a signal (`Branch` for break/continue,
`RETURN`), a Go panic as the exception `Panic`.
"""

from __future__ import annotations

from typing import Any

from gcemu.errors import GoPanic


class Cell:
    """A variable shared by a function and the closures that capture it."""

    __slots__ = ("v",)

    def __init__(self, v: Any):
        self.v = v


class Slice:
    """A Go slice: ``a[lo:lo+n]`` of a backing list with room for ``cap`` elements."""

    __slots__ = ("a", "cap", "lo", "n")

    def __init__(self, a: list, lo: int, n: int, cap: int):
        self.a, self.lo, self.n, self.cap = a, lo, n, cap

    def items(self) -> list:
        return self.a[self.lo:self.lo + self.n]


class Iface:
    """A non-nil interface value: its dynamic type (a typetable.GoT) and value."""

    __slots__ = ("t", "v")

    def __init__(self, t: Any, v: Any):
        self.t, self.v = t, v

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Iface) and other.t is self.t and other.v == self.v

    def __hash__(self) -> int:
        return hash(id(self.t))


class Stringered:
    """An fmt operand whose type has an Error or String method: the value, its
    dynamic type and what the method returned (fmt prints that for %v %s %q %x %X)."""

    __slots__ = ("t", "text", "v")

    def __init__(self, v: Any, t: Any, text: str):
        self.v, self.t, self.text = v, t, text


class GoErr:
    """An error value made by the standard library (errors.New, strconv, fmt.Errorf)
    or by the runtime (a runtime.Error)."""

    __slots__ = ("msg", "tname")

    def __init__(self, msg: str, tname: str = "*errors.errorString"):
        self.msg, self.tname = msg, tname


class Closure:
    """A func literal's value: its code and the cells it captured (GC roots when
    the closure itself is live)."""

    __slots__ = ("call", "cells", "names")

    def __init__(self, call: Any, cells: list, names: tuple[str, ...]):
        self.call, self.cells, self.names = call, cells, names

    def __call__(self, *args: Any) -> Any:
        return self.call(self.cells, args)


class Branch:
    """A ``break`` or ``continue`` leaving statements, with its label (or None)."""

    __slots__ = ("brk", "label")

    def __init__(self, brk: bool, label: str | None):
        self.brk, self.label = brk, label


BREAK = Branch(True, None)
CONTINUE = Branch(False, None)
RETURN = object()  # a return statement ran; the results are in the frame


class Panic(GoPanic):
    """A Go panic in flight; ``value`` is the panic value (what recover returns)."""

    def __init__(self, value: Any, text: str, where: str = ""):
        super().__init__(f"panic: {text}" + (f" [{where}]" if where else ""))
        self.value = value
        self.text = text
        self.where = where
        self.recovered = False
        self.func: str | None = None  # the function it was raised in

    @property
    def go_report(self) -> str:
        """What Go prints for this panic on stderr: the value (runtime.printpanics),
        the goroutine's header and the innermost frame (no pc offsets, no callers)."""
        func = "func1" if self.func in (None, "func literal") else self.func
        site = f"\n\t{self.where.rpartition(':')[0]}" if self.where else ""
        return f"panic: {self.text}\n\ngoroutine 1 [running]:\nmain.{func}(){site}"


class Fatal(GoPanic):
    """The run ended with Go's ``fatal error: ...`` (or a deadlock): not recoverable;
    ``go_report`` is the line Go prints on stderr."""

    @property
    def go_report(self) -> str:
        return str(self)


def runtime_error(text: str, where: str = "") -> Panic:
    """A run-time panic whose value is a runtime.Error (``text`` is its Error())."""
    return Panic(GoErr(text, "runtime.Error"), text, where)


def nil_deref() -> Panic:
    return runtime_error("runtime error: invalid memory address or nil pointer dereference")


def index_error(i: int, n: int) -> Panic:
    return runtime_error(f"runtime error: index out of range [{i}] with length {n}")


def handles(name: str, v: Any, found: dict) -> None:
    """Every heap handle the value ``v`` of variable ``name`` holds, with a name."""
    if v is None or isinstance(v, bool | int | float | str):
        return
    if isinstance(v, Cell):
        handles(name, v.v, found)
    elif hasattr(v, "freed"):  # a heap handle (object or map)
        found.setdefault(name, v)
    elif isinstance(v, dict):
        for k, x in v.items():
            handles(f"{name}.{k}", x, found)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            handles(f"{name}[{i}]", x, found)
    elif isinstance(v, Slice):
        for i, x in enumerate(v.a):
            handles(f"{name}[{i}]", x, found)
    elif isinstance(v, Iface):
        handles(name, v.v, found)
    elif isinstance(v, Closure):
        for (_, cell), cname in zip(v.cells, v.names, strict=True):
            handles(f"{name}.{cname}", cell, found)


__all__ = ["BREAK", "CONTINUE", "RETURN", "Branch", "Cell", "Closure", "Fatal", "GoErr",
           "Iface", "Panic", "Slice", "Stringered", "handles", "index_error", "nil_deref",
           "runtime_error"]
