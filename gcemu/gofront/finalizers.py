"""``runtime.SetFinalizer`` for Go programs: which objects a cycle finalizes, and when.

Mirrors runtime.SetFinalizer (mfinal.go), markrootSpans (mgcmark.go), the sweep's
queuefinalizer (mgcsweep.go: ``mspan.sweep``) and runfinq (mfinal.go), Go 1.23.

Invariant
---------
A cycle keeps exactly what Go's keeps: everything reachable from the program's roots,
from the finalizer functions, and from the *referents* of every object that has a
finalizer (markrootSpans marks what such an object points to, but not the object). An
object with a finalizer that this marking does not reach is *queued*: its finalizer is
removed, the object is resurrected for this cycle (the sweep marks it) and ``f(p)``
runs after the cycle; a later cycle frees it unless ``f`` stored it somewhere. So an
object on a pointer cycle, or pointing to itself, is always reached from a finalizable
object and is never finalized nor freed (Go's documented leak), and whatever a queued
object points to survives one cycle more.

Steps (`Finalizers.queue`, then the cycle, then `Finalizers.run`)
----------------------------------------------------------------
1. Before the cycle: a breadth-first search over the marker's edges
   (`gcemu.gc.scan`) from the program's roots, the finalizer functions' captured
   values and the referents of each finalizable object; the finalizable objects it
   does not reach are queued. runfinq runs a block of the queue from its end, and
   the sweep queues a span's objects by ascending address: they run by descending
   address (Go's order across spans follows its sweep order, not modelled).
2. The cycle runs with every finalizable object, its function and each queued object
   bound as roots (so reach(roots + them) is Go's marked set above).
3. After it, each queued ``f(p)`` runs once, in queue order: runtime.GC's sweep loop
   calls Gosched, which lets Go's finalizer goroutine run them before runtime.GC
   returns (measured on go1.23.9: a print after runtime.GC comes after the
   finalizer's, also without time.Sleep).

Not modelled: automatic (GOGC) cycles keep finalizable objects as roots and queue
nothing; finalizers run on the goroutine that called runtime.GC, not one of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from gcemu.core.heap import HeapObject
from gcemu.errors import GcemuError
from gcemu.gc.scan import object_edges, root_edges
from gcemu.gofront.values import Fatal, Iface, handles

TINY = 16  # maxTinySize: noscan objects below it share a 16-byte block


class Finalizers:
    """The finalizers set on one run's heap objects (Go's finalizer specials)."""

    def __init__(self, heap: Any):
        self.heap = heap
        self.table: dict[HeapObject, tuple] = {}  # obj -> (f, arg type, call site)
        self.finq: list[tuple] = []               # (obj, f, arg type, site): queued

    def set(self, obj: Any, fn: Any, arg: Any, site: str) -> None:
        """``runtime.SetFinalizer(obj, fn)`` after its type checks; ``fn`` None clears
        (removefinalizer); ``arg``: obj's type when ``fn`` takes an interface (then
        obj is passed boxed), else None."""
        if fn is None:
            self.table.pop(obj, None)
            return
        if obj in self.table or any(q[0] is obj for q in self.finq):
            raise Fatal("fatal error: runtime.SetFinalizer: finalizer already set")
        self.table[obj] = (fn, arg, site)

    def roots(self) -> Iterable[tuple[str, Any]]:
        """What the cycle must keep for finalizers: each finalizable or queued object
        and its function (a closure's captured values), under a name of its own."""
        for obj, (fn, _, _) in self.table.items():
            yield f"SetFinalizer({obj.label})", obj
            yield f"SetFinalizer({obj.label}).f", fn
        for obj, fn, _, _ in self.finq:
            yield f"finq({obj.label})", obj
            yield f"finq({obj.label}).f", fn

    def queue(self, roots: Iterable[HeapObject]) -> None:
        """Step 1: queue every finalizable object the marking of a cycle starting now
        would not reach (markrootSpans, then the sweep's queuefinalizer)."""
        if not self.table:
            return
        fns = [v[0] for v in self.table.values()]
        seen = _reached(self.heap, roots, fns, self.table)
        for obj in sorted((o for o in self.table if o not in seen), key=_addr,
                          reverse=True):
            self.finq.append((obj, *self.table.pop(obj)))

    def run(self) -> list[str]:
        """Step 3: run the queued finalizers once each (runfinq); the sites of the
        SetFinalizer calls that set them, in the order they ran."""
        finq, self.finq = self.finq, []
        for obj, fn, arg, _ in finq:
            fn(obj if arg is None else Iface(arg, obj))  # arg: p's own type
        return [site for _, _, _, site in finq]


def _addr(obj: HeapObject) -> int:
    return obj.addr or 0


def _reached(heap: Any, roots: Iterable[HeapObject], fns: list, finalizable: Iterable
             ) -> set:
    """The objects Go's marking reaches (see the essay): from ``roots``, the handles
    the functions ``fns`` hold, and the referents of the ``finalizable`` objects."""
    from_fns: dict[str, Any] = {}
    for i, fn in enumerate(fns):
        handles(str(i), fn, from_fns)
    policy = heap.model.scan
    seen: set = set()
    todo: list = []

    def visit(p: Any, edge: tuple) -> None:
        o = p.owner
        if o not in seen:
            seen.add(o)
            todo.append(o)

    for r in [*roots, *from_fns.values()]:
        root_edges("", r, visit)
    for o in finalizable:
        object_edges(o, policy, visit)
    i = 0
    while i < len(todo):
        object_edges(todo[i], policy, visit)
        i += 1
    return seen


def set_finalizer(c: Any, n: dict) -> Callable[[list], None]:
    """Compile ``runtime.SetFinalizer(p, f)``. Go checks the types at run time and
    throws (``fatal error: runtime.SetFinalizer: ...``, its wording); the check is made
    here from the static types and the throw happens when the call runs."""
    pa, fa = (c.expr(a) for a in n["Args"])
    pt, ft = (c.t(a) for a in n["Args"])
    if "interface" in (pt.kind, ft.kind):
        raise c.unsupported(n, "runtime.SetFinalizer with an interface-typed argument")
    names = {t.s for t in c.types.t if t.named and t.d.get("pkg") == "main"}
    problem, fint = _check(pt, ft, c.types, names)
    if fint is not None and fint.u.d.get("methods"):
        raise c.unsupported(n, "runtime.SetFinalizer with a finalizer taking a "
                            "non-empty interface")
    arg = pt if fint is not None else None  # f takes an interface: p boxed in it
    table, where, site = c.rt.finalizers, c.where(n), n["pos"]

    def call(f: list) -> None:
        p, fn = pa(f), fa(f)
        if problem:
            raise Fatal(f"fatal error: runtime.SetFinalizer: {problem}")
        if p is None:
            raise Fatal("fatal error: runtime.SetFinalizer: pointer not in allocated block")
        if not isinstance(p, HeapObject):
            raise GcemuError(f"{where}: runtime.SetFinalizer of a pointer gcemu does not "
                             "keep on its heap (only &T{...}, new(T) and moved variables)")
        if p.size == 0:  # &zerobase: Go ignores it
            return
        if p.noscan and p.size < TINY and fn is not None:
            raise GcemuError(f"{where}: runtime.SetFinalizer on {p.label}, a {p.size}-byte "
                             "object without pointers: Go allocates it in a 16-byte tiny "
                             "block and finalizes the block's objects together, which "
                             "gcemu does not model")
        table.set(p, fn, arg, site)
    return call


def _check(pt: Any, ft: Any, types: Any, names: set[str]) -> tuple[str, Any]:
    """(Go's throw message or '', the interface type the finalizer takes or None) for
    ``SetFinalizer(p of type pt, f of type ft)``, as runtime.SetFinalizer checks."""
    if pt.kind == "untyped nil":
        return "first argument is nil", None
    if pt.kind != "pointer":
        return f"first argument is {_go(pt, types, names)}, not pointer", None
    if ft.kind == "untyped nil":
        return "", None
    if ft.kind != "func":
        return f"second argument is {_go(ft, types, names)}, not a function", None
    cannot = f"cannot pass {_go(pt, types, names)} to finalizer {_go(ft, types, names)}"
    if ft.u.d["variadic"]:
        return cannot + " because dotdotdot", None
    params = types[ft.u.d["params"]].d["elems"] or []
    if len(params) != 1:
        return cannot, None
    fint = types[params[0]]
    if fint is pt:
        return "", None
    if (fint.kind == "pointer" and (fint.k != "named" or pt.k != "named")
            and fint.u.elem is pt.u.elem):
        return "", None
    if fint.kind == "interface":
        return "", fint
    return cannot, None


def _go(t: Any, types: Any, names: set[str]) -> str:
    """A type as Go's runtime prints it: package main's names as ``main.T``, func
    types without parameter names."""
    if t.k == "named":
        return f"main.{t.s}" if t.s in names else t.s
    if t.k == "pointer":
        return "*" + _go(t.elem, types, names)
    if t.k == "func":
        ps = [_go(types[i], types, names) for i in types[t.d["params"]].d["elems"] or []]
        rs = [_go(types[i], types, names) for i in types[t.d["results"]].d["elems"] or []]
        res = "" if not rs else " " + rs[0] if len(rs) == 1 else f" ({', '.join(rs)})"
        return f"func({', '.join(ps)}){res}"
    return t.s


__all__ = ["Finalizers", "set_finalizer"]
