"""Dynamic dispatch: the method sets of the program's types, for what Go decides at run
time from an interface value's dynamic type (runtime.assertE2I / getitab, the itab's
fun table; fmt's handleMethods).

Invariant: the method set of a named type T holds its value-receiver methods; that of
*T holds T's value- and pointer-receiver methods (the Go spec's method sets). A method
found for (dynamic type, name) is a callable ``call(receiver, *args)``; a value method
reached through *T dereferences the heap object first (a struct value is a dict of its
fields, as everywhere in gcemu.gofront.values).

Steps (`MethodSets.lookup`): for a named type, its methods with value receivers; for a
pointer to a named type, all its methods, value ones behind a dereference; the result
is cached per (type, name). `MethodSets.implements` checks an interface's method
names against that (go/types has checked the signatures).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gcemu.gofront.typetable import GoT
from gcemu.gofront.values import GoErr, Iface, Stringered, nil_deref


def deref(t: GoT) -> Callable[[Any], Any]:
    """``*p`` for a heap object ``p`` of type ``*t``, in the interpreter's form."""
    if t.kind == "struct":
        fields = [(name, ft.from_heap()) for name, ft in t.u.fields]

        def struct(o):
            if o is None:
                raise nil_deref()
            return {k: (c(o[k]) if c else o[k]) for k, c in fields}
        return struct
    conv = t.from_heap()

    def value(o):
        if o is None:
            raise nil_deref()
        return conv(o.value) if conv else o.value
    return value


class MethodSets:
    """The program's methods by dynamic type and name."""

    def __init__(self, objects: list[dict], methods: dict[str, Callable]):
        self.objects = objects
        self.methods = methods  # "(*main.T).M" -> compiled callable (filled later)
        self.cache: dict[tuple[int, str], Callable | None] = {}

    def lookup(self, t: GoT, name: str) -> Callable | None:
        """The method ``name`` in the method set of ``t`` as ``call(recv, *args)``."""
        key = (id(t), name)
        if key not in self.cache:
            self.cache[key] = self._find(t, name)
        return self.cache[key]

    def _find(self, t: GoT, name: str) -> Callable | None:
        pointer = t.k == "pointer"
        named = t.elem if pointer else t
        if named is None or not named.named:
            return None
        for mid in named.d.get("methods") or ():
            o = self.objects[mid]
            if o["name"] == name:
                return self._bind(o["full"], named, pointer)
        return None

    def _bind(self, full: str, named: GoT, pointer: bool) -> Callable | None:
        """Method ``full`` of ``named`` called on a value (pointer: on a ``*named``)."""
        methods = self.methods
        if full.startswith("(*"):
            return (lambda recv, *a: methods[full](recv, *a)) if pointer else None
        if pointer:
            load = deref(named)
            return lambda recv, *a: methods[full](load(recv), *a)
        return lambda recv, *a: methods[full](recv, *a)

    def implements(self, t: GoT, iface: GoT) -> bool:
        """Whether dynamic type ``t`` has every method of interface type ``iface``."""
        return all(self.lookup(t, m) is not None for m in iface.u.d.get("mnames") or ())

    def call(self, v: Any, name: str, args: tuple) -> Any:
        """``v.name(args...)`` for an interface value ``v``."""
        if v is None:
            raise nil_deref()
        if isinstance(v, GoErr):  # an error the standard library made
            return v.msg
        return self.lookup(v.t, name)(v.v, *args)

    def shown(self, v: Any, t: GoT) -> Any:
        """What fmt formats for an operand: a value whose type has an Error or String
        method (static type ``t``, or the dynamic type of an interface) becomes a
        `Stringered` with that method's result (fmt's handleMethods); else ``v``."""
        if isinstance(v, Iface):
            dyn, inner = v.t, v.v
        elif t.kind == "interface":
            return v
        else:
            dyn, inner = t, v
        for name in ("Error", "String"):
            m = self.lookup(dyn, name)
            if m is not None:
                if dyn.k == "pointer" and inner is None:
                    return Stringered(inner, dyn, "<nil>")
                return Stringered(inner, dyn, m(inner))
        return v


__all__ = ["MethodSets", "deref"]
