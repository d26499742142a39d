"""Go's builtins and the standard-library functions a program may call.

Each entry compiles one call (given the compiler and the call node) to a closure.
What is not here is one clear "not supported" error naming the function and the call's
position (docs/gofront.md).
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from typing import Any

from gcemu.gofront import gofmt, gosync
from gcemu.gofront.finalizers import set_finalizer
from gcemu.gofront.typetable import check_heap
from gcemu.gofront.values import GoErr, Iface, Panic, Slice

Fn = Callable[[list], Any]



def _args(c: Any, n: dict) -> list[Fn]:
    return [c.expr(a) for a in n["Args"]]


def builtin(c: Any, n: dict, name: str) -> Fn:
    """len, cap, append, delete, make, new, clear, panic, recover, min, max."""
    args = n["Args"]
    if name == "len":
        x, t = c.expr(args[0]), c.t(args[0])
        if t.kind in ("string", "untyped string"):
            return lambda f: len(s) if (s := x(f)).isascii() else len(s.encode())
        if t.kind == "slice":
            return lambda f: 0 if (s := x(f)) is None else s.n
        if t.kind == "map":
            return lambda f: 0 if (m := x(f)) is None else len(m)
        return lambda f: len(x(f))
    if name == "cap":
        x = c.expr(args[0])
        return lambda f: 0 if (s := x(f)) is None else (s.cap if isinstance(s, Slice)
                                                          else len(s))
    if name == "delete":
        m, k = c.expr(args[0]), c.expr(args[1])

        def delete(f):
            mm = m(f)
            if mm is not None:
                del mm[k(f)]
        return delete
    if name == "close":
        return gosync.close(c, n)
    if name == "clear":
        x, t = c.expr(args[0]), c.t(args[0])
        if t.kind != "map":
            raise c.unsupported(n, "clear of a slice")

        def clear(f):
            m = x(f)
            if m is not None:
                m.clear()
        return clear
    if name == "make":
        t = c.t(args[0])
        if t.kind == "map":
            check_heap(t, f"make({t.s})", c.where(n))
            hint = c.expr(args[1]) if len(args) > 1 else (lambda f: 0)
            heap, text = c.rt.heap, t.s
            return lambda f: heap.make_map(text, hint=hint(f))
        if t.kind == "slice":
            ln = c.expr(args[1])
            cp = c.expr(args[2]) if len(args) > 2 else ln
            z = t.u.elem.zero

            def mkslice(f):
                k, m = ln(f), cp(f)
                return Slice([z() for _ in range(m)], 0, k, m)
            return mkslice
        if t.kind == "chan":
            return gosync.make_chan(c, t, c.expr(args[1]) if len(args) > 1 else (lambda f: 0))
        raise c.unsupported(n, f"make({t.s})")
    if name == "new":
        return c.new_object(c.t(args[0]), None, n, None)
    if name == "append":
        return _append(c, n)
    if name == "panic":
        v = c.coerce(c.any_type(), args[0])
        where = c.where(n)

        def panic(f):
            val = v(f)
            raise Panic(val, _panic_text(val), where)
        return panic
    if name == "recover":
        rt = c.rt
        return lambda f: rt.recover()
    if name in ("min", "max"):
        fs = _args(c, n)
        pick = min if name == "min" else max
        return lambda f: pick(a(f) for a in fs)
    if name in ("print", "println"):
        fs = _args(c, n)
        ts = [c.t(a) for a in args]
        sep = " " if name == "println" else ""
        end = "\n" if name == "println" else ""
        return lambda f: sys.stderr.write(sep.join(gofmt.value(a(f), t)
                                                   for a, t in zip(fs, ts, strict=True)) + end)
    raise c.unsupported(n, f"the builtin {name}")


def _panic_text(v: Any) -> str:
    """How Go prints a panic value (runtime.printpanicval)."""
    if isinstance(v, Iface):
        if isinstance(v.v, GoErr):
            return v.v.msg
        if v.t.kind == "string":
            s = v.v if not v.t.named else f"{gofmt.type_name(v.t)}({gofmt.quote(v.v)})"
            return s
        text = gofmt.value(v.v, v.t)
        return text if not v.t.named else f"{gofmt.type_name(v.t)}({text})"
    if isinstance(v, GoErr):
        return v.msg
    return "nil" if v is None else str(v)


def _append(c: Any, n: dict) -> Fn:
    args = n["Args"]
    st = c.t(args[0])
    s = c.expr(args[0])
    et = st.u.elem
    if n.get("Ellipsis"):
        more = c.expr(args[1])
        vals = lambda f: (m.items() if (m := more(f)) is not None else [])  # noqa: E731
    else:
        fs = [c.coerce(et, a) for a in args[1:]]
        vals = lambda f: [a(f) for a in fs]  # noqa: E731

    def append(f):
        sl = s(f)
        vs = vals(f)
        if sl is None:
            sl = Slice([], 0, 0, 0)
        need = sl.n + len(vs)
        if need <= sl.cap:
            a = sl.a
            a[sl.lo + sl.n:sl.lo + need] = vs
            return Slice(a, sl.lo, need, sl.cap)
        cap = _grow(sl.cap, need)
        a = sl.items() + list(vs)
        a.extend(et.zero() for _ in range(cap - need))
        return Slice(a, 0, need, cap)
    return append


def _grow(old: int, need: int) -> int:
    """runtime.growslice's new capacity before size-class rounding (Go 1.23)."""
    if need > 2 * old:
        return need
    if old < 256:
        return 2 * old
    cap = old
    while cap < need:
        cap += (cap + 3 * 256) >> 2
    return cap


def _printer(c: Any, n: dict, kind: str) -> Fn:
    """fmt.Print/Println/Printf/Sprint/Sprintln/Sprintf/Errorf; ``fmt.Println(f())``
    prints each result of f."""
    args = n["Args"]
    fmtf = c.expr(args[0]) if kind in ("printf", "errorf") else None
    rest = args[1:] if fmtf else args
    spread = len(rest) == 1 and c.t(rest[0]).k == "tuple"
    ts = [c.types[i] for i in c.t(rest[0]).d["elems"]] if spread else [c.t(a) for a in rest]
    for a, t in zip(rest * len(ts) if spread else rest, ts, strict=True):
        c.check_printable(a, t)
    shown = c.dispatch.shown
    show = [t.kind == "interface" or c.has_methods(t) for t in ts]  # fmt calls Error/String
    fs = [c.expr(a) for a in rest]
    if spread:
        call = fs[0]

        def values(f):
            return [(shown(v, t) if s else v, t) for v, t, s in zip(call(f), ts, show,
                                                                      strict=True)]
    else:
        def values(f):
            return [(shown(a(f), t) if s else a(f), t) for a, t, s in zip(fs, ts, show,
                                                                          strict=True)]
    if kind in ("printf", "errorf"):
        return lambda f: gofmt.sprintf(fmtf(f).replace("%w", "%v"), values(f))
    fn = gofmt.sprintln if kind == "println" else gofmt.sprint
    return lambda f: fn(values(f))


def package_call(c: Any, n: dict, full: str) -> Fn:
    """A call of a standard-library function, by its full name (``fmt.Println``)."""
    rt = c.rt
    if full in ("fmt.Println", "fmt.Print", "fmt.Printf"):
        kind = {"fmt.Println": "println", "fmt.Print": "print", "fmt.Printf": "printf"}[full]
        text = _printer(c, n, kind)
        return lambda f: rt.write(text(f))
    if full in ("fmt.Sprintln", "fmt.Sprint", "fmt.Sprintf"):
        return _printer(c, n, full[5:].lower())
    if full in ("fmt.Errorf", "errors.New"):
        text = _printer(c, n, "errorf") if full == "fmt.Errorf" else c.expr(n["Args"][0])
        return lambda f: GoErr(text(f))
    if full == "runtime.ReadMemStats":
        return _read_memstats(c, n)
    if full == "runtime.SetFinalizer":
        return set_finalizer(c, n)
    a = _args(c, n)
    if full in ("runtime.GC", "runtime/debug.FreeOSMemory"):
        marker: list = [()]
        c.mark_call(marker, n)
        collect = rt.gc if full == "runtime.GC" else rt.free_os_memory

        def gc(f):
            f[1] = marker[0]
            collect()
        return gc
    if full == "runtime.KeepAlive":
        return lambda f: a[0](f) and None  # a use
    if full in ("runtime.Gosched", "time.Sleep"):  # a yield to the other goroutines
        heap = rt.heap

        def yield_(f):
            for x in a:
                x(f)
            heap.gosched()
        return yield_
    if full == "strconv.Itoa" or full == "strconv.FormatInt":
        base = a[1] if len(a) > 1 else (lambda f: 10)
        return lambda f: _itoa(a[0](f), base(f))
    if full == "strconv.Atoi":
        return lambda f: _atoi(a[0](f))
    if full == "strconv.Quote":
        return lambda f: gofmt.quote(a[0](f))
    if full == "strconv.FormatFloat":
        return lambda f: gofmt.fmt_float(a[0](f), chr(a[1](f)), a[2](f))
    if full.startswith("math/rand."):
        return _rand(c, n, full[len("math/rand."):], a)
    if full == "strings.Repeat":
        return lambda f: a[0](f) * a[1](f)
    raise c.unsupported(n, f"the function {full}")


def _read_memstats(c: Any, n: dict) -> Fn:
    """``runtime.ReadMemStats(&ms)``: the heap's MemStats (``h.memstats()``, Go's field
    names) stored into the variable ``ms``, which stays a value (gcemu.gofront.scope:
    not moved to the heap). Fields gcemu does not model (BySize, PauseNs, Sys...) keep
    their zero value."""
    arg = n["Args"][0]
    while arg["k"] == "ParenExpr":
        arg = arg["X"]
    x = arg.get("X", {})
    while x.get("k") == "ParenExpr":
        x = x["X"]
    if arg["k"] != "UnaryExpr" or x.get("k") != "Ident":
        raise c.unsupported(n, "runtime.ReadMemStats of anything but &variable")
    store, zero, heap = c.lvalue(x), c.t(x).zero, c.rt.heap
    events, site = c.rt.events, n["pos"]

    def read(f):
        ms = zero()
        ms.update((k, v) for k, v in heap.memstats().as_dict().items() if k in ms)
        events.append(("memstats", site, ms))
        store(f, ms)
    return read


def _itoa(v: int, base: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    if v == 0:
        return "0"
    neg, v, out = v < 0, abs(v), []
    while v:
        v, r = divmod(v, base)
        out.append(digits[r])
    return ("-" if neg else "") + "".join(reversed(out))


def _atoi(s: str) -> tuple[int, Any]:
    t = s[1:] if s[:1] in "+-" else s
    if t.isdigit() and t.isascii():
        v = int(s)
        if -(1 << 63) <= v < (1 << 63):
            return v, None
        return (1 << 63) - 1 if v > 0 else -(1 << 63), GoErr(
            f'strconv.Atoi: parsing {gofmt.quote(s)}: value out of range', "*strconv.NumError")
    return 0, GoErr(f"strconv.Atoi: parsing {gofmt.quote(s)}: invalid syntax",
                    "*strconv.NumError")


def _rand(c: Any, n: dict, name: str, a: list[Fn]) -> Fn:
    """math/rand from a generator seeded by the heap's seed (not Go's sequence: a
    program printing random numbers prints other numbers than under Go)."""
    rt = c.rt
    table: dict[str, Callable[[random.Random, list], Any]] = {
        "Intn": lambda r, v: r.randrange(v[0]),
        "Int63n": lambda r, v: r.randrange(v[0]),
        "Int31n": lambda r, v: r.randrange(v[0]),
        "Int": lambda r, v: r.getrandbits(63),
        "Int63": lambda r, v: r.getrandbits(63),
        "Uint32": lambda r, v: r.getrandbits(32),
        "Uint64": lambda r, v: r.getrandbits(64),
        "Float64": lambda r, v: r.random(),
        "Seed": lambda r, v: r.seed(v[0]),
        "Shuffle": None,
    }
    op = table.get(name)
    if op is None:
        raise c.unsupported(n, f"math/rand.{name}")
    where = c.where(n)

    def call(f):
        vs = [x(f) for x in a]
        if name.endswith("n") and vs[0] <= 0:
            raise Panic(vs[0], f"invalid argument to {name}", where)
        return op(rt.rand, vs)
    return call


__all__ = ["builtin", "package_call"]
