"""``sync.Map`` in a Go program, on gcemu's typed sync.Map (``h.sync_map(key, value)``).

Invariant: Go's sync.Map holds ``any`` keys and values; gcemu's holds one key type K
and one value type V (gcemu's heap has no interfaces). A program gets K and V from
the static types of the arguments at its call sites (``m.Store(k, v)``,
``LoadOrStore``, ``Swap``: K and V; ``Load``, ``LoadAndDelete``, ``Delete``: K),
untyped constants taking their default type, as Go converts them to ``any``. Every
sync.Map of the program has the same K and V; call sites that disagree, or an
argument that is itself an interface (its dynamic type is unknown until run time),
are refused with the construct and its position. A result of type ``any`` (Load's
value, Range's k and v) is the interpreter's `Iface` of K or V, so ``v.(*T)``, a type
switch and fmt printing behave as Go's do on values of those dynamic types.

Steps: `infer` walks the typed AST once before compiling (it needs every call site,
so the zero value of ``sync.Map`` knows its K and V wherever it is declared);
`call` compiles one method call to the typed map's method of the same name
(gcemu.sync.syncmap / hashtriemap mirror go1.23.9 sync/map.go and Go 1.24's
internal/sync.HashTrieMap).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gcemu.errors import GcemuError
from gcemu.gofront.scope import walk
from gcemu.gofront.typetable import check_heap
from gcemu.gofront.values import Iface

Fn = Callable[[list], Any]

KEY_AT = {"Load": 0, "Store": 0, "LoadOrStore": 0, "LoadAndDelete": 0, "Delete": 0,
          "Swap": 0}
VALUE_AT = {"Store": 1, "LoadOrStore": 1, "Swap": 1}
RESULT_PAIR = {"Load", "LoadOrStore", "LoadAndDelete", "Swap"}


def method_of(c: Any, fun: dict) -> str | None:
    """The name of the sync.Map method ``fun`` selects (None: not one)."""
    if fun.get("k") != "SelectorExpr" or fun.get("sel", {}).get("kind") != "method":
        return None
    full = c.objects[fun["sel"]["obj"]].get("full", "")
    return fun["Sel"]["Name"] if full.startswith("(*sync.Map).") else None


def arg_type(c: Any, a: dict, what: str) -> Any:
    """The static type an argument gives the typed map (untyped: its default type)."""
    t = c.t(a)
    if t.kind.startswith("untyped"):
        if t.kind == "untyped nil":
            raise c.unsupported(a, f"nil as a sync.Map {what} (gcemu's sync.Map is typed)")
        return c.default_type(t)
    if t.kind == "interface":
        raise c.unsupported(a, f"a sync.Map {what} of interface type {t.s} (gcemu's "
                               f"sync.Map is typed by the static types of its arguments)")
    return t


def infer(c: Any, ast: dict) -> tuple[Any, Any] | None:
    """(K, V) of the program's sync.Maps, or None if it calls no sync.Map method."""
    seen: dict[str, tuple[Any, dict] | None] = {"key": None, "value": None}
    called = False
    for n in walk(ast):
        if n["k"] != "CallExpr":
            continue
        name = method_of(c, n["Fun"])
        if name is None:
            continue
        called = True
        for what, at in (("key", KEY_AT), ("value", VALUE_AT)):
            if name not in at:
                continue
            a = n["Args"][at[name]]
            t = arg_type(c, a, what)
            if seen[what] is None:
                seen[what] = (t, a)
            elif seen[what][0] is not t:
                first, where = seen[what][0], c.where(seen[what][1])
                raise GcemuError(f"{c.where(a)}: a sync.Map {what} of type {t.s}, but "
                                 f"{where} gives one of type {first.s}: gcemu's sync.Map "
                                 f"holds one key type and one value type per program")
    if not called:
        return None
    for what in ("key", "value"):
        if seen[what] is None:
            raise GcemuError(f"{c.path}: a sync.Map that is never given a {what} (gcemu's "
                             f"sync.Map takes its {what} type from Store, LoadOrStore "
                             f"or Swap)")
        t, a = seen[what]
        check_heap(t, f"a sync.Map {what}", c.where(a))
    return seen["key"][0], seen["value"][0]


def call(c: Any, n: dict, kv: tuple[Any, Any]) -> Fn:
    """``m.Store(k, v)``, ``v, ok := m.Load(k)``, ``m.Range(f)``... on the typed map."""
    name = method_of(c, n["Fun"])
    recv = c.expr(n["Fun"]["X"])
    k_t, v_t = kv
    if name == "Range":
        fn = c.expr(n["Args"][0])
        kconv, vconv = k_t.from_heap() or (lambda x: x), v_t.from_heap() or (lambda x: x)

        def range_(f):
            g = fn(f)
            recv(f).Range(lambda k, v: g(Iface(k_t, kconv(k)), Iface(v_t, vconv(v))))
        return range_
    args = [c.coerce(t, n["Args"][i]) for i, t in ((0, k_t), (1, v_t))
            if name in (KEY_AT, VALUE_AT)[i]]
    if name not in RESULT_PAIR:
        return lambda f: getattr(recv(f), name)(*[a(f) for a in args])
    conv = v_t.from_heap() or (lambda x: x)

    def pair(f):
        v, ok = getattr(recv(f), name)(*[a(f) for a in args])
        return (Iface(v_t, conv(v)) if ok or name == "LoadOrStore" else None), ok
    return pair


__all__ = ["call", "infer", "method_of"]
