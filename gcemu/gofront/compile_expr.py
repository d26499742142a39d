"""Compiling Go expressions to Python closures ``fn(frame) -> value``.

Invariant: an expression node compiles once into a closure that takes the running
function's frame (see gcemu.gofront.scope) and returns the Go value in the form
gcemu.gofront.values describes. Constants (go/types gives their exact value) compile to
a closure returning it. A construct outside the supported subset raises one
`GcemuError` naming it and its position at compile time, before anything runs.

Steps for a node: dispatch on its kind (``k``) to a method; the method compiles the
children first, then returns a closure over their closures (no tree walk at run time).
Heap values go through the public facade only: ``h.new``, ``h.make_map``, map indexing,
``len``, ``items``, ``del``; struct fields of heap objects by ``obj[field]``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from gcemu.errors import GcemuError
from gcemu.gofront import gofmt, gosync, stdlib
from gcemu.gofront.dispatch import MethodSets, deref
from gcemu.gofront.scope import Frame
from gcemu.gofront.typetable import GoT, TypeTable, check_heap, wrapper
from gcemu.gofront.values import (
    Cell,
    GoErr,
    Iface,
    Panic,
    Slice,
    index_error,
    nil_deref,
    runtime_error,
)

Fn = Callable[[list], Any]

ARITH = {"+": operator.add, "-": operator.sub, "*": operator.mul, "&": operator.and_,
         "|": operator.or_, "^": operator.xor, "&^": lambda a, b: a & ~b,
         "<<": operator.lshift, ">>": operator.rshift}
COMPARE = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
           ">": operator.gt, ">=": operator.ge}


def go_unquote(s: str) -> str:
    """The value of a Go string literal as go/constant's ExactString spells it."""
    import ast as pyast

    if s.startswith("`"):
        return s[1:-1]
    return pyast.literal_eval(s)


def const_value(val: str, t: GoT) -> Any:
    """A constant's exact value (go/constant.ExactString) as a value of type ``t``."""
    kind = t.kind
    if kind in ("bool", "untyped bool"):
        return val == "true"
    if kind in ("string", "untyped string"):
        return go_unquote(val)
    if t.is_float:
        return float(Fraction(val))
    if t.int_bits is not None:
        return int(Fraction(val))
    raise GcemuError(f"constant {val} of type {t.s} is not supported")


class ExprCompiler:
    """The expression half of the compiler (the statement half subclasses it)."""

    def __init__(self, data: dict, path: str, rt: Any):
        self.path = path
        self.rt = rt
        self.types = TypeTable(data["types"])
        self.objects: list[dict] = data["objects"]
        self.frame: Frame | None = None
        self.captured: set[int] = set()
        self.escaped: dict[int, dict] = {}  # variables moved to the heap (scope.escaped)
        self.global_slots: dict[int, int] = {}
        self.funcs: dict[int, Callable] = {}  # func object id -> its Python callable
        self.methods: dict[str, Callable] = {}  # "(*main.T).M" -> callable
        self.call_sites: list[tuple[list, str, Frame]] = []  # for liveness
        self.dispatch = MethodSets(self.objects, self.methods)
        self.syncmap_kv: tuple[GoT, GoT] | None = None  # gcemu.gofront.gosyncmap.infer

    # -- helpers --------------------------------------------------------------------
    def where(self, n: dict) -> str:
        return f"{self.path}:{n['pos']}"

    def unsupported(self, n: dict, what: str) -> GcemuError:
        return GcemuError(f"{self.where(n)}: {what} is not supported by gcemu yet")

    def t(self, n: dict) -> GoT:
        return self.types[n["type"]]

    def obj(self, n: dict) -> dict:
        return self.objects[n.get("use", n.get("def"))]

    def function(self, node: dict, name: str, recv: dict | None = None) -> Callable:
        raise NotImplementedError  # the statement compiler compiles function bodies

    def mark_call(self, f_setter: list, n: dict) -> None:
        """Remember a call site whose live variables the GC must see (scope.liveness)."""
        self.call_sites.append((f_setter, n["pos"], self.frame))

    # -- dispatch -------------------------------------------------------------------
    def expr(self, n: dict) -> Fn:
        if n.get("mode") == "const":
            v = const_value(n["val"], self.t(n))
            return lambda f: v
        m = getattr(self, "x_" + n["k"], None)
        if m is None:
            raise self.unsupported(n, f"the expression {n['k']}")
        return m(n)

    def coerce(self, to: GoT, n: dict) -> Fn:
        """``n`` compiled and converted for assignment to a variable of type ``to``:
        a concrete value put into an interface becomes an `Iface`; struct and array
        values are copied."""
        fn = self.expr(n)
        src = self.t(n)
        if to.kind == "interface" and src.kind != "interface":
            if src.kind == "untyped nil":
                return lambda f: None
            if src.kind.startswith("untyped"):
                src = self.default_type(src)
            return lambda f: Iface(src, fn(f))
        c = src.copier
        if c is not None and n["k"] not in ("CompositeLit", "CallExpr"):
            return lambda f: c(fn(f))
        return fn

    def any_type(self) -> GoT:
        for x in self.types.t:
            if x.k == "interface" and x.d.get("empty"):
                return x
        x = GoT({"s": "interface {}", "k": "interface", "empty": True})
        self.types.t.append(x)
        return x

    def has_methods(self, t: GoT) -> bool:
        """Whether fmt would call an Error or String method of a ``t`` value."""
        return any(self.dispatch.lookup(t, m) is not None for m in ("Error", "String"))

    def check_printable(self, n: dict, t: GoT) -> None:
        """fmt calls the String/Error methods of the operand itself (`MethodSets.shown`)
        and of values nested in it; the nested ones are refused."""
        seen: set[int] = set()

        def nested(x: GoT, top: bool) -> None:
            if id(x) in seen:
                return
            seen.add(id(x))
            if not top and self.has_methods(x):
                raise self.unsupported(n, f"printing a {t.s} holding {x.s} values, whose "
                                       f"String/Error method fmt would call,")
            u = x.u
            if u.k == "pointer":
                if top:
                    nested(u.elem, True)
            elif u.k in ("slice", "array", "map"):
                nested(u.elem, False)
                if u.key is not None:
                    nested(u.key, False)
            elif u.k == "struct":  # fmt reaches no method through an unexported field
                for name, ft in u.fields:
                    if name[:1].isupper():
                        nested(ft, False)
        nested(t, True)

    def default_type(self, t: GoT) -> GoT:
        name = {"untyped int": "int", "untyped float": "float64", "untyped rune": "int32",
                "untyped string": "string", "untyped bool": "bool"}[t.kind]
        for x in self.types.t:
            if x.k == "basic" and x.d["name"] == name:
                return x
        x = GoT({"s": name, "k": "basic", "name": name})
        self.types.t.append(x)
        return x

    # -- names ----------------------------------------------------------------------
    def x_Ident(self, n: dict) -> Fn:
        o = self.obj(n)
        k = o["k"]
        if k == "nil":
            return lambda f: None
        if k == "var":
            return self.var_load(n["use"], o)
        if k == "func":
            fid = n["use"]
            funcs = self.funcs
            return lambda f: funcs[fid]
        raise self.unsupported(n, f"the identifier {n['Name']} ({k})")

    def var_load(self, oid: int, o: dict) -> Fn:
        if oid in self.escaped:
            load, raw = deref(self.heap_var(oid)), self.var_slot(oid, o)
            return lambda f: load(raw(f))
        if o.get("global"):
            g, i = self.rt.G, self.global_slots[oid]
            return lambda f: g[i]
        i = self.frame.lookup(oid, o["name"])
        if oid in self.captured:
            return lambda f: f[i].v
        return lambda f: f[i]

    def var_slot(self, oid: int, o: dict) -> Fn:
        """What the variable's slot holds (for an escaped variable: its heap object)."""
        if o.get("global"):
            g, i = self.rt.G, self.global_slots[oid]
            return lambda f: g[i]
        i = self.frame.lookup(oid, o["name"])
        return lambda f: f[i]

    def heap_var(self, oid: int) -> GoT:
        """The type of escaped variable ``oid``, if the heap can hold it as an object
        (a struct value: its fields are stored one by one, with the write barrier)."""
        t = self.types[self.objects[oid]["type"]]
        if t.kind != "struct":
            raise self.unsupported(self.escaped[oid], f"taking the address of a variable of "
                                   f"type {t.s} (gcemu moves struct variables to the heap, "
                                   f"not others)")
        check_heap(t, f"&{self.objects[oid]['name']}", self.where(self.escaped[oid]))
        return t

    def var_store(self, oid: int, o: dict) -> Callable[[list, Any], None]:
        if oid in self.escaped:
            raw, names = self.var_slot(oid, o), [k for k, _ in self.heap_var(oid).u.fields]

            def hstore(f, v):
                obj = raw(f)
                for k in names:
                    obj[k] = v[k]
            return hstore
        if o.get("global"):
            g, i = self.rt.G, self.global_slots[oid]

            def gstore(f, v):
                g[i] = v
            return gstore
        i = self.frame.lookup(oid, o["name"])
        if oid in self.captured:
            def cstore(f, v):
                f[i].v = v
            return cstore

        def store(f, v):
            f[i] = v
        return store

    def var_define(self, oid: int, o: dict) -> Callable[[list, Any], None]:
        """A new variable (``:=``, ``var``): a captured one gets a fresh cell, an
        escaped one a fresh heap object named after it."""
        if oid in self.escaped:
            box = self.box(oid)
            if o.get("global"):
                g, gi = self.rt.G, self.global_slots[oid]

                def gdefine(f, v):
                    g[gi] = box(v)
                return gdefine
            i = self.frame.slots.get(oid) or self.frame.add(oid, o["name"])

            def hdefine(f, v):
                f[i] = box(v)
            return hdefine
        if o.get("global"):
            return self.var_store(oid, o)
        i = self.frame.slots.get(oid) or self.frame.add(oid, o["name"])
        if oid in self.captured:
            def cdefine(f, v):
                f[i] = Cell(v)
            return cdefine

        def define(f, v):
            f[i] = v
        return define

    def box(self, oid: int) -> Callable[[Any], Any]:
        """What holds a new instance of variable ``oid``: a `Cell` if a closure
        captures it, a heap object if its address is taken, else the value itself."""
        if oid in self.escaped:
            heap, text, name = self.rt.heap, self.heap_var(oid).s, self.objects[oid]["name"]
            return lambda v: heap.new(text, name=name, value=v)
        return Cell if oid in self.captured else None

    # -- simple expressions -----------------------------------------------------------
    def x_ParenExpr(self, n: dict) -> Fn:
        return self.expr(n["X"])

    def x_FuncLit(self, n: dict) -> Fn:
        return self.function(n, "func literal")

    def x_BinaryExpr(self, n: dict) -> Fn:
        op = n["Op"]
        a, b = self.expr(n["X"]), self.expr(n["Y"])
        if op == "&&":
            return lambda f: a(f) and b(f)
        if op == "||":
            return lambda f: a(f) or b(f)
        if op in COMPARE:
            cmp = COMPARE[op]
            xt = self.t(n["X"])
            if xt.kind in ("pointer", "map", "func", "chan") or \
                    self.t(n["Y"]).kind == "untyped nil":
                cmp = operator.is_ if op == "==" else operator.is_not
            return lambda f: cmp(a(f), b(f))
        t = self.t(n)
        if t.kind in ("string", "untyped string"):
            if op != "+":
                raise self.unsupported(n, f"string operator {op}")
            return lambda f: a(f) + b(f)
        if t.is_float:
            if op == "/":
                def fdiv(f):
                    x, y = a(f), b(f)
                    if y == 0:
                        return float("inf") * (1 if x > 0 else -1) if x else float("nan")
                    return x / y
                return fdiv
            fop = ARITH.get(op)
            if fop is None or op not in "+-*":
                raise self.unsupported(n, f"float operator {op}")
            return lambda f: fop(a(f), b(f))
        bits = t.int_bits
        if bits is None:
            raise self.unsupported(n, f"operator {op} on {t.s}")
        wrap = wrapper(bits)
        if op in ("/", "%"):
            pos = self.where(n)

            def idiv(f):
                x, y = a(f), b(f)
                if y == 0:
                    raise Panic(GoErr("runtime error: integer divide by zero",
                                      "runtime.Error"),
                                "runtime error: integer divide by zero", pos)
                q = abs(x) // abs(y)
                if (x < 0) != (y < 0):
                    q = -q
                r = q if op == "/" else x - q * y
                return wrap(r) if wrap else r
            return idiv
        fop = ARITH[op]
        if wrap is None:
            return lambda f: fop(a(f), b(f))
        lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if bits > 0 else \
            (0, (1 << -bits) - 1)

        def arith(f):
            r = fop(a(f), b(f))
            return r if lo <= r <= hi else wrap(r)
        return arith

    def x_UnaryExpr(self, n: dict) -> Fn:
        op = n["Op"]
        if op == "&":
            return self.address_of(n)
        x = self.expr(n["X"])
        if op == "!":
            return lambda f: not x(f)
        if op == "+":
            return x
        t = self.t(n)
        wrap = wrapper(t.int_bits) if t.int_bits else None
        if op == "-":
            return (lambda f: wrap(-x(f))) if wrap else (lambda f: -x(f))
        if op == "^" and wrap:
            return lambda f: wrap(~x(f))
        if op == "<-":
            return gosync.recv(self, n)
        raise self.unsupported(n, f"the operator {op}")

    def address_of(self, n: dict) -> Fn:
        """``&T{...}``: a new heap object; ``&x``: the heap object variable x lives in
        (scope.escaped)."""
        x = n["X"]
        while x["k"] == "ParenExpr":
            x = x["X"]
        if x["k"] == "Ident" and x.get("use") in self.escaped:
            self.heap_var(x["use"])
            return self.var_slot(x["use"], self.obj(x))
        if x["k"] != "CompositeLit":
            raise self.unsupported(n, f"taking the address of a {x['k']} (gcemu takes "
                                   f"&x of a variable and &T{{...}})")
        t = self.t(x)
        if gosync.is_sync_type(t):  # &sync.Map{}: the runtime object is its own pointer
            if x.get("Elts"):
                raise self.unsupported(x, f"a {t.s} literal with fields")
            return lambda f: t.zero()
        if t.u.k == "struct":  # the heap zeroes the fields the literal leaves out
            items = self.struct_items(x)
            if not items:
                return self.new_object(t, None, n, name=None)
            if len(items) == 1:
                (k0, v0), = items
                return self.new_object(t, lambda f: {k0: v0(f)}, n, name=None)
            return self.new_object(t, lambda f: {k: v(f) for k, v in items}, n, name=None)
        return self.new_object(t, self.expr(x), n, name=None)

    def new_object(self, t: GoT, value: Fn | None, n: dict, name: str | None) -> Fn:
        check_heap(t, f"new({t.s})", self.where(n))
        heap = self.rt.heap
        text = t.s
        if value is None:
            return lambda f: heap.new(text, name=name)
        return lambda f: heap.new(text, name=name, value=value(f))

    # -- composite literals -----------------------------------------------------------
    def x_CompositeLit(self, n: dict) -> Fn:
        t = self.t(n)
        u = t.u
        elts = n.get("Elts") or []
        if u.k == "struct":
            zero = t.zero
            items = self.struct_items(n)

            def struct(f):
                v = zero()
                for name, fn in items:
                    v[name] = fn(f)
                return v
            return struct
        if u.k in ("array", "slice"):
            et = u.elem
            idx, fns, i = [], [], 0
            for e in elts:
                if e["k"] == "KeyValueExpr":
                    i = int(Fraction(e["Key"]["val"]))
                    e = e["Value"]
                idx.append(i)
                fns.append(self.coerce_lit(et, e))
                i += 1
            size = u.length if u.k == "array" else (max(idx) + 1 if idx else 0)
            ez = et.zero
            pairs = list(zip(idx, fns, strict=True))

            def seq(f):
                v = [ez() for _ in range(size)]
                for j, fn in pairs:
                    v[j] = fn(f)
                return v
            if u.k == "array":
                return seq
            return lambda f: Slice(seq(f), 0, size, size)
        if u.k == "map":
            check_heap(t, "map literal", self.where(n))
            heap, text = self.rt.heap, t.s
            kvs = [(self.coerce_lit(u.key, e["Key"]), self.coerce_lit(u.elem, e["Value"]))
                   for e in elts]

            def maplit(f):
                m = heap.make_map(text, hint=len(kvs))
                for k, v in kvs:
                    m[k(f)] = v(f)
                return m
            return maplit
        raise self.unsupported(n, f"a composite literal of {t.s}")

    def struct_items(self, n: dict) -> list[tuple[str, Fn]]:
        """(field name, value closure) of each field a struct literal gives."""
        u = self.t(n).u
        elts = n.get("Elts") or []
        if not elts:  # T{}: every field its zero value
            return []
        if elts[0]["k"] == "KeyValueExpr":
            ftypes = dict(u.fields)
            return [(e["Key"]["Name"], self.coerce_lit(ftypes[e["Key"]["Name"]],
                                                       e["Value"])) for e in elts]
        return [(name, self.coerce_lit(ft, e))
                for (name, ft), e in zip(u.fields, elts, strict=True)]

    def coerce_lit(self, t: GoT, e: dict) -> Fn:
        """An element of a composite literal; ``{...}`` elided types are filled in
        by go/types, and an elided ``&T`` becomes a new heap object."""
        if e["k"] == "CompositeLit" and t.kind == "pointer":
            if self.t(e).kind == "pointer":  # go/types types an elided &T{...} as *T
                e = dict(e, type=self.t(e).d["elem"])
            return self.address_of({"k": "UnaryExpr", "Op": "&", "X": e, "pos": e["pos"]})
        return self.coerce(t, e)

    # -- selectors, index, slice ----------------------------------------------------
    def x_SelectorExpr(self, n: dict) -> Fn:
        sel = n.get("sel")
        if sel is None:  # a package-level name: fmt.Println etc. are compiled as calls
            o = self.obj(n["Sel"])
            raise self.unsupported(n, f"{o.get('pkg', '')}.{o['name']} used as a value")
        if sel["kind"] != "field":
            raise self.unsupported(n, "a method value (x.M without a call)")
        if len(sel["index"]) != 1:
            raise self.unsupported(n, "a promoted field of an embedded struct")
        name = n["Sel"]["Name"]
        x = self.expr(n["X"])
        xt = self.t(n["X"])
        if xt.kind == "pointer":
            conv = self.t(n).from_heap()
            if conv is None:
                def field(f):
                    o = x(f)
                    if o is None:
                        raise nil_deref()
                    return o[name]
                return field

            def cfield(f):
                o = x(f)
                if o is None:
                    raise nil_deref()
                return conv(o[name])
            return cfield
        return lambda f: x(f)[name]

    def x_IndexExpr(self, n: dict) -> Fn:
        xt = self.t(n["X"])
        x, i = self.expr(n["X"]), self.expr(n["Index"])
        kind = xt.kind
        if kind == "map":
            et = xt.u.elem
            conv = et.from_heap()
            zero = et.zero
            if conv is None:
                def mget(f):
                    m = x(f)
                    return zero() if m is None else m[i(f)]
                return mget
            return lambda f: (zero() if (m := x(f)) is None else conv(m[i(f)]))
        if kind == "array":
            def aget(f):
                a, j = x(f), i(f)
                if not 0 <= j < len(a):
                    raise index_error(j, len(a))
                return a[j]
            return aget
        if kind == "slice":
            def sget(f):
                s, j = x(f), i(f)
                if s is None or not 0 <= j < s.n:
                    raise index_error(j, 0 if s is None else s.n)
                return s.a[s.lo + j]
            return sget
        if kind in ("string", "untyped string"):
            def bget(f):
                b, j = x(f).encode(), i(f)
                if not 0 <= j < len(b):
                    raise index_error(j, len(b))
                return b[j]
            return bget
        if kind == "pointer" and xt.u.elem.kind == "array":
            conv = xt.u.elem.from_heap()

            def pget(f):
                o, j = x(f), i(f)
                if o is None:
                    raise nil_deref()
                a = o.value
                if not 0 <= j < len(a):
                    raise index_error(j, len(a))
                return conv(a)[j] if conv else a[j]
            return pget
        raise self.unsupported(n, f"indexing a {xt.s}")

    def x_SliceExpr(self, n: dict) -> Fn:
        xt = self.t(n["X"])
        x = self.expr(n["X"])
        lo = self.expr(n["Low"]) if n.get("Low") else (lambda f: 0)
        hi = self.expr(n["High"]) if n.get("High") else None
        if n.get("Slice3"):
            raise self.unsupported(n, "a 3-index slice")
        kind = xt.kind
        if kind in ("string", "untyped string"):
            def ssl(f):
                b = x(f).encode()
                a, z = lo(f), (hi(f) if hi else len(b))
                if not 0 <= a <= z <= len(b):
                    raise runtime_error(f"runtime error: slice bounds out of range "
                                        f"[{a}:{z}] with length {len(b)}")
                return b[a:z].decode("utf-8", "surrogateescape")
            return ssl
        if kind == "slice":
            def sl(f):
                s = x(f)
                a = lo(f)
                n_, cap = (0, 0) if s is None else (s.n, s.cap)
                z = hi(f) if hi else n_
                if not 0 <= a <= z <= cap:
                    raise runtime_error(f"runtime error: slice bounds out of range "
                                        f"[{a}:{z}] with capacity {cap}")
                return Slice(s.a if s else [], (s.lo if s else 0) + a, z - a, cap - a)
            return sl
        if kind == "array":
            def asl(f):
                arr = x(f)
                a, z = lo(f), (hi(f) if hi else len(arr))
                if not 0 <= a <= z <= len(arr):
                    raise runtime_error(f"runtime error: slice bounds out of range "
                                        f"[{a}:{z}] with length {len(arr)}")
                return Slice(arr, a, z - a, len(arr) - a)
            return asl
        raise self.unsupported(n, f"slicing a {xt.s}")

    def x_StarExpr(self, n: dict) -> Fn:
        x = self.expr(n["X"])
        conv = self.t(n).from_heap()

        def deref(f):
            o = x(f)
            if o is None:
                raise nil_deref()
            return conv(o.value) if conv else o.value
        if self.t(n).kind == "struct":
            t = self.t(n)
            names = [name for name, _ in t.u.fields]
            fconv = [ft.from_heap() for _, ft in t.u.fields]

            def sderef(f):
                o = x(f)
                if o is None:
                    raise nil_deref()
                return {k: (c(o[k]) if c else o[k]) for k, c in zip(names, fconv,
                                                                     strict=True)}
            return sderef
        return deref

    def type_test(self, t: GoT) -> Callable[[Any], bool]:
        """Whether an interface value's dynamic type is ``t`` (a concrete type) or
        implements ``t`` (an interface type)."""
        if t.kind != "interface":
            return lambda v: isinstance(v, Iface) and v.t is t
        names = set(t.u.d.get("mnames") or ())
        implements = self.dispatch.implements
        return lambda v: v is not None and (names <= {"Error"} if isinstance(v, GoErr)
                                           else implements(v.t, t))

    def x_TypeAssertExpr(self, n: dict) -> Fn:
        """``x.(T)``: the value (T concrete) or the interface value (T an interface);
        a failed assertion panics as Go's runtime.panicdottype does."""
        test, x, unwrap = self.assertion(n)
        t, st, where = self.t(n["Type"]), self.t(n["X"]), self.where(n)

        def assert_(f):
            v = x(f)
            if not test(v):
                text = _conversion_text(v, st, t)
                raise Panic(GoErr(text, "*runtime.TypeAssertionError"), text, where)
            return unwrap(v)
        return assert_

    def assertion(self, n: dict) -> tuple[Callable[[Any], bool], Fn, Callable]:
        """(test, operand closure, unwrap) of the type assertion ``n``."""
        t = self.t(n["Type"])
        unwrap = (lambda v: v) if t.kind == "interface" else (lambda v: v.v)
        return self.type_test(t), self.expr(n["X"]), unwrap

    def x_KeyValueExpr(self, n: dict) -> Fn:
        raise self.unsupported(n, "a key: value outside a composite literal")

    # -- calls ------------------------------------------------------------------------
    def x_CallExpr(self, n: dict) -> Fn:
        fun = n["Fun"]
        while fun["k"] == "ParenExpr":
            fun = fun["X"]
        mode = fun.get("mode")
        if mode == "type":
            return self.conversion(n, self.t(fun), n["Args"][0])
        if mode == "builtin":
            return stdlib.builtin(self, n, self.obj(fun)["name"])
        if fun["k"] == "SelectorExpr" and "sel" not in fun:
            if n.get("Ellipsis"):
                raise self.unsupported(n, "a library call with ... arguments")
            o = self.obj(fun["Sel"])
            return stdlib.package_call(self, n, o.get("full") or o["name"])
        ft = self.t(fun)
        params = self.types[ft.d["params"]] if ft.d.get("params") is not None else None
        ptypes = [self.types[i] for i in (params.d["elems"] or [])] if params else []
        if len(n["Args"]) == 1 and self.t(n["Args"][0]).k == "tuple":
            raise self.unsupported(n, "passing a multi-value call as arguments")
        if ft.d.get("variadic") and not n.get("Ellipsis"):  # f(a, b, c): c... a new slice
            fixed = len(ptypes) - 1
            args = [self.coerce(pt, a) for pt, a in zip(ptypes[:fixed], n["Args"][:fixed],
                                                        strict=True)]
            args.append(self.pack(ptypes[-1], n["Args"][fixed:]))
        else:
            args = [self.coerce(pt, a) for pt, a in zip(ptypes, n["Args"], strict=True)]
        if gosync.is_sync_method(self, fun):
            return gosync.sync_call(self, n)
        marker: list = [()]
        self.mark_call(marker, n)
        if fun["k"] == "SelectorExpr" and fun["sel"]["kind"] == "method" and \
                self.t(fun["X"]).kind == "interface":
            x, name, dyn = self.expr(fun["X"]), fun["Sel"]["Name"], self.dispatch.call
            return self.make_call(
                args, lambda f: (lambda v: lambda *a: dyn(v, name, a))(x(f)), marker)
        if fun["k"] == "SelectorExpr" and fun["sel"]["kind"] == "method":
            callee = self.method_callee(fun)
            x = fun["X"]
            if x["k"] == "Ident" and x.get("use") in self.escaped and \
                    self.objects[fun["sel"]["obj"]]["full"].startswith("(*"):
                recv = self.var_slot(x["use"], self.obj(x))  # (&x).M()
            else:
                recv = self.expr(x) if callee[1] else self.receiver(fun)
            target = callee[0]
            return self.make_call([recv, *args], lambda f: target(), marker)
        if fun["k"] == "Ident" and self.obj(fun)["k"] == "func":
            fid, funcs = fun["use"], self.funcs
            return self.make_call(args, lambda f: funcs[fid], marker)
        callee = self.expr(fun)

        def fval(f):
            c = callee(f)
            if c is None:
                raise nil_deref()
            return c
        return self.make_call(args, fval, marker)

    def pack(self, st: GoT, extra: list[dict]) -> Fn:
        """The variadic arguments of a call as the slice the callee receives (nil
        when there are none, as in Go)."""
        if not extra:
            return lambda f: None
        fns = [self.coerce(st.u.elem, a) for a in extra]
        n = len(fns)
        return lambda f: Slice([a(f) for a in fns], 0, n, n)

    def method_callee(self, fun: dict) -> tuple[Callable, bool]:
        """(a getter of the method's callable, whether the receiver passes as is)."""
        sel = fun["sel"]
        o = self.objects[sel["obj"]]
        full = o.get("full", "")
        if o.get("pkg") != "main":
            raise self.unsupported(fun, f"the method {full}")
        recv_t = self.t(fun["X"])
        if recv_t.kind == "interface":
            raise self.unsupported(fun, "a method call through an interface")
        methods = self.methods
        ptr_method = full.startswith("(*")
        as_is = ptr_method == (recv_t.kind == "pointer")
        if not as_is and not ptr_method:
            return (lambda: methods[full]), False
        x = fun["X"]
        if not as_is and not (x["k"] == "Ident" and x.get("use") in self.escaped):
            raise self.unsupported(fun, f"calling the pointer method {full} on a "
                                   f"{x['k']} (gcemu calls it on a variable or a pointer)")
        return (lambda: methods[full]), True

    def receiver(self, fun: dict) -> Fn:
        """A value receiver from a pointer: ``p.M()`` with ``func (T) M()``: *p."""
        x = self.expr(fun["X"])
        t = self.t(fun["X"]).u.elem
        names = [name for name, _ in t.u.fields]
        if t.kind != "struct":
            raise self.unsupported(fun, "a value method through a pointer to a non-struct")

        def deref(f):
            o = x(f)
            if o is None:
                raise nil_deref()
            return {k: o[k] for k in names}
        return deref

    def make_call(self, args: list[Fn], callee: Fn, marker: list) -> Fn:
        """A call: evaluate the callee and arguments, note the live variables of this
        frame for the GC (frame slot 1), call."""
        if len(args) == 0:
            def call0(f):
                c = callee(f)
                f[1] = marker[0]
                return c()
            return call0
        if len(args) == 1:
            a0 = args[0]

            def call1(f):
                c = callee(f)
                v = a0(f)
                f[1] = marker[0]
                return c(v)
            return call1

        def calln(f):
            c = callee(f)
            vs = [a(f) for a in args]
            f[1] = marker[0]
            return c(*vs)
        return calln

    def conversion(self, n: dict, to: GoT, arg: dict) -> Fn:
        x = self.expr(arg)
        src = self.t(arg)
        tk, sk = to.kind, src.kind
        if tk == "interface":
            return self.coerce(to, arg)
        if to.int_bits is not None:
            wrap = wrapper(to.int_bits)
            if src.is_float:
                return (lambda f: wrap(int(x(f)))) if wrap else (lambda f: int(x(f)))
            if src.int_bits is not None:
                return (lambda f: wrap(x(f))) if wrap else x
        if to.is_float and (src.int_bits is not None or src.is_float):
            if tk == "float32":
                import struct as st

                return lambda f: st.unpack("f", st.pack("f", float(x(f))))[0]
            return lambda f: float(x(f))
        if tk == "string":
            if src.int_bits is not None:
                return lambda f: chr(x(f)) if 0 <= x(f) <= 0x10FFFF else "\ufffd"
            if sk in ("string", "untyped string"):
                return x
            if sk == "slice" and src.u.elem.int_bits == -8:
                return lambda f: bytes(x(f).items() if x(f) else b"").decode(
                    "utf-8", "replace")
        if tk == "slice" and sk in ("string", "untyped string") and to.u.elem.int_bits == -8:
            def tobytes(f):
                b = list(x(f).encode())
                return Slice(b, 0, len(b), len(b))
            return tobytes
        if to.u is src.u or (tk == sk and tk in ("struct", "pointer", "map", "bool")):
            return x
        raise self.unsupported(n, f"the conversion {to.s}({src.s})")


def _conversion_text(v: Any, static: GoT, t: GoT) -> str:
    """Go's message for a failed type assertion (runtime.TypeAssertionError)."""
    iface = "interface {}" if static.s in ("any", "interface{}") else gofmt.type_name(static)
    want = gofmt.type_name(t)
    if v is None:
        return f"interface conversion: {iface} is nil, not {want}"
    have = "*errors.errorString" if isinstance(v, GoErr) else gofmt.type_name(v.t)
    if t.kind == "interface":
        return f"interface conversion: {have} is not {want}: missing method"
    return f"interface conversion: {iface} is {have}, not {want}"


__all__ = ["ExprCompiler", "const_value", "go_unquote"]
