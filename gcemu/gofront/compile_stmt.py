"""Compiling Go statements and functions to Python closures ``fn(frame) -> signal``.

Invariant: a statement closure returns None when control falls through, else a signal
(gcemu.gofront.values: a `Branch` for break/continue, `RETURN` after a return stored
the results in the frame); loops and blocks pass on the signals that are not theirs.
A function compiles to a Python callable taking the Go arguments and returning the
result (a tuple for several). Its frame is pushed on the runtime's stack while it runs,
so that a GC (runtime.GC) sees the live variables of every active call
(gcemu.gofront.liveness). Defers run on return and on panic; recover stops a panic
(runtime.gopanic / deferreturn, simplified to one goroutine).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gcemu.gofront import gosync
from gcemu.gofront.compile_expr import ARITH, ExprCompiler, Fn
from gcemu.gofront.liveness import live_slots
from gcemu.gofront.scope import Frame
from gcemu.gofront.typetable import wrapper
from gcemu.gofront.values import (
    BREAK,
    CONTINUE,
    RETURN,
    Branch,
    Cell,
    Closure,
    Panic,
    index_error,
    nil_deref,
    runtime_error,
)

ASSIGN_OPS = {op + "=": op for op in (*ARITH, "/", "%")}


class StmtCompiler(ExprCompiler):
    """Statements, blocks, loops and function bodies."""

    # -- functions ------------------------------------------------------------------
    def function(self, node: dict, name: str, recv: dict | None = None) -> Any:
        """A FuncDecl (-> its callable) or a FuncLit (-> a closure making a Closure)."""
        outer = self.frame
        is_lit = node["k"] == "FuncLit"
        frame = Frame(name, outer if is_lit else None)
        self.frame = frame
        try:
            ftype = node["Type"]
            params = []
            for fld in ([recv] if recv else []) + (ftype["Params"]["List"] or []):
                for ident in fld.get("Names") or [{"def": None}]:
                    if ident.get("def") is None:
                        params.append(frame.add(-len(frame.names), "_"))
                    else:
                        params.append(frame.add(ident["def"], ident["Name"]))
            results: list[int] = []
            res_zero = []
            frame.results, frame.result_types = results, []
            if ftype.get("Results"):
                for fld in ftype["Results"]["List"]:
                    t = self.t(fld["Type"])
                    for ident in fld.get("Names") or [None]:
                        if ident is None or ident.get("def") is None:
                            results.append(frame.add(-1000 - len(frame.names), "~r"))
                        else:
                            if ident["def"] in self.escaped:
                                raise self.unsupported(self.escaped[ident["def"]],
                                                       "taking the address of a result")
                            results.append(frame.add(ident["def"], ident["Name"]))
                        res_zero.append(t.zero)
                        frame.result_types.append(t)
            boxes = {s: b for oid, s in frame.slots.items()
                     if (b := self.box(oid)) is not None}
            body = self.block(node["Body"]["List"])
            has_defer = any(n["k"] == "DeferStmt" for n in _own_nodes(node["Body"]))
        finally:
            self.frame = outer
        live_slots(self, node, frame)
        info = (name, frame.names)
        rt = self.rt
        size = len(frame.names)
        call = _make_function(rt, info, size, params, results, res_zero, boxes, body,
                              has_defer)
        if not is_lit:
            return lambda *args: call(None, args)
        free = [(frame.slots[oid], outer.lookup(oid, self.objects[oid]["name"]))
                for oid in frame.free]
        names = tuple(self.objects[oid]["name"] for oid in frame.free)

        def closure(f):
            return Closure(call, [(inner, f[o]) for inner, o in free], names)
        return closure

    def ret_slots(self) -> list[int]:
        return self.frame.results

    # -- blocks -----------------------------------------------------------------------
    def block(self, stmts: list[dict] | None) -> Fn:
        fns = [self.stmt(s) for s in stmts or ()]
        if not fns:
            return lambda f: None
        if len(fns) == 1:
            return fns[0]
        if len(fns) == 2:
            a, b = fns

            def two(f):
                r = a(f)
                return r if r is not None else b(f)
            return two

        def seq(f):
            for s in fns:
                r = s(f)
                if r is not None:
                    return r
            return None
        return seq

    def stmt(self, n: dict) -> Fn:
        m = getattr(self, "s_" + n["k"], None)
        if m is None:
            raise self.unsupported(n, f"the statement {n['k']}")
        return m(n)

    def s_BlockStmt(self, n: dict) -> Fn:
        return self.block(n["List"])

    def s_EmptyStmt(self, n: dict) -> Fn:
        return lambda f: None

    def s_ExprStmt(self, n: dict) -> Fn:
        x = self.expr(n["X"])

        def run(f):
            x(f)
        return run

    def s_GoStmt(self, n: dict) -> Fn:
        return gosync.go_stmt(self, n)

    def s_SendStmt(self, n: dict) -> Fn:
        return gosync.send(self, n)

    def s_SelectStmt(self, n: dict) -> Fn:
        raise self.unsupported(n, "a select statement")

    def s_DeclStmt(self, n: dict) -> Fn:
        d = n["Decl"]
        if d["Tok"] != "var":
            return lambda f: None  # const and type declarations: go/types did the work
        fns = [self.var_spec(spec) for spec in d["Specs"]]
        return self.block_of(fns)

    def block_of(self, fns: list[Fn]) -> Fn:
        def run(f):
            for fn in fns:
                fn(f)
        return run

    def var_spec(self, spec: dict) -> Fn:
        names = spec["Names"]
        if spec.get("Values"):
            return self.assign_list(names, spec["Values"], define=True)
        sets = []
        for ident in names:
            if ident["Name"] == "_":
                continue
            o = self.objects[ident["def"]]
            sets.append((self.var_define(ident["def"], o), self.types[o["type"]].zero))

        def zero(f):
            for s, z in sets:
                s(f, z())
        return zero

    # -- assignment ---------------------------------------------------------------------
    def lvalue(self, n: dict, define: bool = False) -> Callable[[list, Any], None]:
        """The store of an assignable expression."""
        k = n["k"]
        if k == "Ident":
            if n["Name"] == "_":
                return lambda f, v: None
            oid = n.get("def", n.get("use"))
            o = self.objects[oid]
            return self.var_define(oid, o) if "def" in n else self.var_store(oid, o)
        if k == "ParenExpr":
            return self.lvalue(n["X"])
        if k == "IndexExpr":
            xt = self.t(n["X"])
            x, i = self.expr(n["X"]), self.expr(n["Index"])
            if xt.kind == "map":
                where = self.where(n)

                def mset(f, v):
                    m = x(f)
                    if m is None:
                        raise runtime_error("assignment to entry in nil map", where)
                    m[i(f)] = v
                return mset
            if xt.kind == "slice":
                def sset(f, v):
                    s, j = x(f), i(f)
                    if s is None or not 0 <= j < s.n:
                        raise index_error(j, 0 if s is None else s.n)
                    s.a[s.lo + j] = v
                return sset
            if xt.kind == "array":
                store = self.lvalue(n["X"])

                def aset(f, v):
                    a = x(f)
                    a[i(f)] = v
                    store(f, a)
                return aset
        if k == "SelectorExpr" and n.get("sel", {}).get("kind") == "field":
            if len(n["sel"]["index"]) != 1:
                raise self.unsupported(n, "a promoted field of an embedded struct")
            name = n["Sel"]["Name"]
            x = self.expr(n["X"])
            base = n["X"]
            on_heap = base["k"] == "Ident" and base.get("use") in self.escaped
            if on_heap:
                x = self.var_slot(base["use"], self.obj(base))  # x.f of a heap variable
            if on_heap or self.t(n["X"]).kind == "pointer":
                def fset(f, v):
                    o = x(f)
                    if o is None:
                        raise nil_deref()
                    o[name] = v
                return fset
            store = self.lvalue(n["X"])

            def vset(f, v):
                d = x(f)
                d[name] = v
                store(f, d)
            return vset
        if k == "StarExpr" and self.t(n).kind == "struct":
            x = self.expr(n["X"])
            names = [nm for nm, _ in self.t(n).u.fields]

            def star(f, v):
                o = x(f)
                for nm in names:
                    o[nm] = v[nm]
            return star
        raise self.unsupported(n, f"assigning to {k}")

    def assign_list(self, lhs: list[dict], rhs: list[dict], define: bool) -> Fn:
        if len(rhs) == 1 and len(lhs) > 1:
            return self.assign_tuple(lhs, rhs[0], define)
        lts = [self.lhs_type(x) for x in lhs]
        vals = [self.coerce(t, r) for t, r in zip(lts, rhs, strict=True)]
        stores = [self.lvalue(x, define) for x in lhs]
        if len(lhs) == 1:
            v0, s0 = vals[0], stores[0]
            names = _var_name(lhs[0])
            if names and rhs[0]["k"] == "CallExpr":
                v0 = self.named_alloc(rhs[0], names) or v0
            x = lhs[0]
            if x["k"] == "IndexExpr" and self.t(x["X"]).kind == "map":
                return self.map_assign(x, v0)

            def one(f):
                s0(f, v0(f))
            return one

        def many(f):
            vs = [v(f) for v in vals]
            for s, v in zip(stores, vs, strict=True):
                s(f, v)
        return many

    def map_assign(self, x: dict, val: Fn) -> Fn:
        """``m[k] = v`` in one closure (the hot statement of these programs): the
        index operands, then the value, then the store (a nil map panics)."""
        m, k = self.expr(x["X"]), self.expr(x["Index"])
        where = self.where(x)

        def massign(f):
            mm, kk, v = m(f), k(f), val(f)
            if mm is None:
                raise runtime_error("assignment to entry in nil map", where)
            mm[kk] = v
        return massign

    def named_alloc(self, call: dict, name: str) -> Fn | None:
        """``m := make(map...)`` and ``p := new(T)``: the heap object is labelled with the
        variable's name (make_map(name=) also makes it a global until the next GC's
        root scan, which rebinds it by liveness)."""
        fun = call["Fun"]
        if fun.get("mode") != "builtin" or fun["Name"] not in ("make", "new"):
            return None
        t = self.t(call["Args"][0])
        heap = self.rt.heap
        if fun["Name"] == "new":
            return self.new_object(t, None, call, name)
        if t.kind != "map":
            return None
        self.expr(call)  # the checks
        hint = self.expr(call["Args"][1]) if len(call["Args"]) > 1 else (lambda f: 0)
        text = t.s
        return lambda f: heap.make_map(text, hint=hint(f), name=name)

    def lhs_type(self, x: dict):
        if x["k"] == "Ident" and x["Name"] == "_":
            return self.t(x) if "type" in x else self.any_type()
        if "def" in x:
            return self.types[self.objects[x["def"]]["type"]]
        return self.t(x)

    def assign_tuple(self, lhs: list[dict], r: dict, define: bool) -> Fn:
        stores = [self.lvalue(x, define) for x in lhs]
        if r.get("mode") == "commaok" and r["k"] == "UnaryExpr":  # v, ok := <-ch
            got = gosync.recv(self, r, comma_ok=True)

            def recvok(f):
                v, ok = got(f)
                stores[0](f, v)
                stores[1](f, ok)
            return recvok
        if r.get("mode") == "commaok" or r["k"] == "TypeAssertExpr":
            if r["k"] == "IndexExpr":
                m, k = self.expr(r["X"]), self.expr(r["Index"])
                et = self.t(r["X"]).u.elem
                conv, zero = et.from_heap(), et.zero
                miss = object()

                def commaok(f):
                    mm = m(f)
                    v = miss if mm is None else mm.get(k(f), miss)
                    ok = v is not miss
                    v = (conv(v) if conv else v) if ok else zero()
                    stores[0](f, v)
                    stores[1](f, ok)
                return commaok
            test, x, unwrap = self.assertion(r)
            zero = self.t(r["Type"]).zero

            def assertok(f):
                v = x(f)
                ok = test(v)
                stores[0](f, unwrap(v) if ok else zero())
                stores[1](f, ok)
            return assertok
        call = self.expr(r)

        def tup(f):
            vs = call(f)
            for s, v in zip(stores, vs, strict=True):
                s(f, v)
        return tup

    def s_AssignStmt(self, n: dict) -> Fn:
        tok = n["Tok"]
        if tok in ("=", ":="):
            return self.assign_list(n["Lhs"], n["Rhs"], tok == ":=")
        op = ASSIGN_OPS[tok]
        x = n["Lhs"][0]
        if op in "+-" and x["k"] == "Ident" and self.local_int(x):
            return self.int_add(x, n["Rhs"][0], op == "-")
        fake = {"k": "BinaryExpr", "Op": op, "X": n["Lhs"][0], "Y": n["Rhs"][0],
                "pos": n["pos"], "type": n["Lhs"][0]["type"]}
        val, store = self.expr(fake), self.lvalue(n["Lhs"][0])

        def opassign(f):
            store(f, val(f))
        return opassign

    def int_add(self, x: dict, y: dict, minus: bool) -> Fn:
        """``x += y`` / ``x -= y`` on a local int in place (wrapped to 64 bits)."""
        i, v = self.frame.lookup(x["use"], x["Name"]), self.expr(y)
        wrap = wrapper(64)
        lo, hi = -(1 << 63), (1 << 63) - 1

        def add(f):
            r = f[i] - v(f) if minus else f[i] + v(f)
            f[i] = r if lo <= r <= hi else wrap(r)
        return add

    def s_IncDecStmt(self, n: dict) -> Fn:
        x = n["X"]
        one = {"k": "BasicLit", "mode": "const", "val": "1", "type": x["type"],
               "pos": n["pos"]}
        fake = {"k": "BinaryExpr", "Op": "+" if n["Tok"] == "++" else "-", "X": x,
                "Y": one, "pos": n["pos"], "type": x["type"]}
        val, store = self.expr(fake), self.lvalue(x)
        if x["k"] == "Ident" and "use" in x and not self.objects[x["use"]].get("global") \
                and x["use"] not in self.captured and self.t(x).kind == "int":
            i = self.frame.lookup(x["use"], x["Name"])
            delta = 1 if n["Tok"] == "++" else -1

            def fast(f):
                f[i] += delta
            return fast

        def incdec(f):
            store(f, val(f))
        return incdec

    # -- control flow ------------------------------------------------------------------
    def s_ReturnStmt(self, n: dict) -> Fn:
        """``return x, y``: the results go into the result variables (into their cells
        when a closure captures them: a deferred func may still change them)."""
        frame = self.frame
        cells = {s for oid, s in frame.slots.items() if oid in self.captured}
        sets = [_result_setter(s, s in cells) for s in self.ret_slots()]
        res = n.get("Results") or []
        if not res:
            return lambda f: RETURN
        if len(res) == 1 and len(sets) > 1:
            call = self.expr(res[0])

            def rtuple(f):
                for st, v in zip(sets, call(f), strict=True):
                    st(f, v)
                return RETURN
            return rtuple
        vals = [self.coerce(t, r) for t, r in zip(frame.result_types, res, strict=True)]
        if len(sets) == 1:
            s0, v0 = sets[0], vals[0]

            def ret1(f):
                s0(f, v0(f))
                return RETURN
            return ret1

        def retn(f):
            vs = [v(f) for v in vals]
            for st, v in zip(sets, vs, strict=True):
                st(f, v)
            return RETURN
        return retn

    def s_BranchStmt(self, n: dict) -> Fn:
        tok = n["Tok"]
        label = n["Label"]["Name"] if n.get("Label") else None
        if tok not in ("break", "continue"):
            raise self.unsupported(n, tok)
        sig = (BREAK if tok == "break" else CONTINUE) if label is None else \
            Branch(tok == "break", label)
        return lambda f: sig

    def s_LabeledStmt(self, n: dict) -> Fn:
        self._label = n["Label"]["Name"]
        return self.stmt(n["Stmt"])

    def take_label(self) -> str | None:
        label, self._label = getattr(self, "_label", None), None
        return label

    def s_IfStmt(self, n: dict) -> Fn:
        init = self.stmt(n["Init"]) if n.get("Init") else None
        cond, then = self.expr(n["Cond"]), self.block(n["Body"]["List"])
        other = self.stmt(n["Else"]) if n.get("Else") else (lambda f: None)

        def if_(f):
            if init:
                init(f)
            return then(f) if cond(f) else other(f)
        return if_

    def s_SwitchStmt(self, n: dict) -> Fn:
        """An expression switch: the first case (in source order) with an equal
        expression runs, else default; ``fallthrough`` goes on to the next body."""
        label = self.take_label()
        init = self.stmt(n["Init"]) if n.get("Init") else None
        tag = self.expr(n["Tag"]) if n.get("Tag") else None
        clauses = n["Body"]["List"]
        tests = [[self.expr(e) for e in cc["List"]] if cc.get("List") else None
                 for cc in clauses]  # default: no list
        bodies, falls = self.case_bodies(clauses)
        default = next((i for i, t in enumerate(tests) if t is None), None)

        def switch(f):
            if init:
                init(f)
            v = tag(f) if tag else True
            at = default
            for i, exprs in enumerate(tests):
                if exprs is not None and any(e(f) == v for e in exprs):
                    at = i
                    break
            return _run_cases(f, at, bodies, falls, label)
        return switch

    def case_bodies(self, clauses: list[dict]) -> tuple[list[Fn], list[bool]]:
        """Each case clause's body, and whether it ends in ``fallthrough``."""
        bodies, falls = [], []
        for cc in clauses:
            body = cc["Body"] or []
            fall = bool(body) and body[-1]["k"] == "BranchStmt" and \
                body[-1]["Tok"] == "fallthrough"
            bodies.append(self.block(body[:-1] if fall else body))
            falls.append(fall)
        return bodies, falls

    def s_TypeSwitchStmt(self, n: dict) -> Fn:
        """``switch v := x.(type)``: the first clause listing the dynamic type (or an
        interface it implements, or nil) runs; in a clause of one type v is the
        asserted value, else x itself."""
        label = self.take_label()
        init = self.stmt(n["Init"]) if n.get("Init") else None
        a = n["Assign"]
        bound = a["k"] == "AssignStmt"
        x = self.expr((a["Rhs"][0] if bound else a["X"])["X"])
        clauses = n["Body"]["List"]
        tests, binds = [], []
        for cc in clauses:
            cases = cc.get("List") or None
            tests.append(None if cases is None else
                         [(lambda v: v is None) if self.t(e).kind == "untyped nil"
                          else self.type_test(self.t(e)) for e in cases])
            bind = None
            if bound and cc.get("implicit") is not None:
                oid = cc["implicit"]
                o = self.objects[oid]
                store = self.var_define(oid, o)
                one = cases is not None and len(cases) == 1 and \
                    self.t(cases[0]).kind not in ("interface", "untyped nil")
                bind = (store, one)
            binds.append(bind)
        bodies, falls = self.case_bodies(clauses)
        default = next((i for i, t in enumerate(tests) if t is None), None)

        def tswitch(f):
            if init:
                init(f)
            v = x(f)
            at = default
            for i, ts in enumerate(tests):
                if ts is not None and any(t(v) for t in ts):
                    at = i
                    break
            if at is not None and binds[at] is not None:
                store, one = binds[at]
                store(f, v.v if one else v)
            return _run_cases(f, at, bodies, falls, label)
        return tswitch

    def s_DeferStmt(self, n: dict) -> Fn:
        what = gosync.later(self, n["Call"])

        def defer(f):
            c, vs = what(f)
            f[-1].append(lambda: c(*vs))
        return defer

    def loop(self, label: str | None, body: Fn) -> Callable[[list], Any]:
        """Run ``body`` once: None to go on, `BREAK` to stop, or a signal to pass on."""
        def once(f):
            r = body(f)
            if r is None or r is CONTINUE:
                return None
            r = _leave(r, label)
            return None if r is CONTINUE else r
        return once

    def s_ForStmt(self, n: dict) -> Fn:
        label = self.take_label()
        init = self.stmt(n["Init"]) if n.get("Init") else None
        cond = self.expr(n["Cond"]) if n.get("Cond") else (lambda f: True)
        post = self.stmt(n["Post"]) if n.get("Post") else None
        body = self.block(n["Body"]["List"])
        fresh = []  # Go 1.22: a captured loop variable is a new variable per iteration
        if n.get("Init") and n["Init"]["k"] == "AssignStmt" and n["Init"]["Tok"] == ":=":
            fresh = [self.frame.lookup(x["def"], x["Name"]) for x in n["Init"]["Lhs"]
                     if "def" in x and x["def"] in self.captured]
        counted = None if fresh else self.counted_loop(n)
        if counted is not None:
            i, limit = counted

            def count(f):
                init(f)
                while f[i] < limit(f):
                    r = body(f)
                    if r is not None and r is not CONTINUE:
                        r = _leave(r, label)
                        if r is not CONTINUE:
                            return None if r is BREAK else r
                    f[i] += 1
                return None
            return count

        def for_(f):
            if init:
                init(f)
            while cond(f):
                r = body(f)
                if r is not None and r is not CONTINUE:
                    r = _leave(r, label)
                    if r is not CONTINUE:
                        return None if r is BREAK else r
                for s in fresh:
                    f[s] = Cell(f[s].v)
                if post:
                    post(f)
            return None
        return for_

    def counted_loop(self, n: dict) -> tuple[int, Fn] | None:
        """``for i := a; i < b; i++`` on a local int no closure captures: (i's slot,
        the closure of b), so the loop tests and counts in place (the hot loop of the
        programs this runs); else None."""
        c, post = n.get("Cond"), n.get("Post")
        if not (n.get("Init") and c and post and c["k"] == "BinaryExpr" and c["Op"] == "<"
                and post["k"] == "IncDecStmt" and post["Tok"] == "++"):
            return None
        x, y = c["X"], post["X"]
        if not (x["k"] == y["k"] == "Ident" and x.get("use") == y.get("use")
                and self.local_int(x)):
            return None
        return self.frame.lookup(x["use"], x["Name"]), self.expr(c["Y"])

    def local_int(self, x: dict) -> bool:
        """Whether ``x`` names a local variable of type int that no closure captures."""
        oid = x.get("use")
        return (oid is not None and not self.objects[oid].get("global")
                and oid not in self.captured and self.objects[oid]["k"] == "var"
                and self.t(x).kind == "int")

    def s_RangeStmt(self, n: dict) -> Fn:
        label = self.take_label()
        xt = self.t(n["X"])
        x = self.expr(n["X"])
        define = n.get("Tok") == ":="
        ks = self.lvalue(n["Key"], define) if n.get("Key") else None
        vs = self.lvalue(n["Value"], define) if n.get("Value") else None
        once = self.loop(label, self.block(n["Body"]["List"]))
        kind = xt.kind
        if kind == "map":
            kc, vc = xt.u.key.from_heap(), xt.u.elem.from_heap()

            def rmap(f):
                m = x(f)
                if m is None:
                    return None
                it = m.items() if vs else iter(m)
                try:
                    for kv in it:
                        if vs:
                            k, v = kv
                            if ks:
                                ks(f, kc(k) if kc else k)
                            vs(f, vc(v) if vc else v)
                        elif ks:
                            ks(f, kc(kv) if kc else kv)
                        r = once(f)
                        if r is not None:
                            return None if r is BREAK else r
                finally:
                    it.close()
                return None
            return rmap
        if xt.int_bits is not None:
            def rint(f):
                for i in range(x(f)):
                    if ks:
                        ks(f, i)
                    r = once(f)
                    if r is not None:
                        return None if r is BREAK else r
                return None
            return rint
        if kind in ("slice", "array"):
            copier = xt.u.elem.copier

            def rseq(f):
                s = x(f)
                items = (s.items() if s is not None else []) if kind == "slice" else list(s)
                for i, v in enumerate(items):
                    if ks:
                        ks(f, i)
                    if vs:
                        vs(f, copier(v) if copier else v)
                    r = once(f)
                    if r is not None:
                        return None if r is BREAK else r
                return None
            return rseq
        if kind in ("string", "untyped string"):
            def rstr(f):
                s = x(f)
                i = 0
                for ch in s:
                    if ks:
                        ks(f, i)
                    if vs:
                        vs(f, ord(ch))
                    i += len(ch.encode())
                    r = once(f)
                    if r is not None:
                        return None if r is BREAK else r
                return None
            return rstr
        if kind == "chan":
            return gosync.range_chan(x, ks, once, BREAK)
        raise self.unsupported(n, f"range over {xt.s}")


def _result_setter(slot: int, cell: bool) -> Callable[[list, Any], None]:
    if cell:
        def cset(f, v):
            f[slot].v = v
        return cset

    def set_(f, v):
        f[slot] = v
    return set_


def _run_cases(f: list, at: int | None, bodies: list[Fn], falls: list[bool],
               label: str | None) -> Any:
    """Run case body ``at`` (None: no case), then the next while one falls through;
    a ``break`` (or ``break label`` of this switch) ends the switch."""
    while at is not None:
        r = bodies[at](f)
        if r is not None:
            return None if r is BREAK or (isinstance(r, Branch) and r.brk
                                          and r.label == label) else r
        at = at + 1 if falls[at] else None
    return None


def _leave(r: Any, label: str | None) -> Any:
    """What a signal ``r`` from a loop body means to the loop labelled ``label``:
    `BREAK` (stop), `CONTINUE` (next iteration) or itself (pass it on)."""
    if isinstance(r, Branch) and r.label == label:
        return BREAK if r.brk else CONTINUE
    return r


def _var_name(x: dict) -> str | None:
    return x["Name"] if x["k"] == "Ident" and x["Name"] != "_" else None


def _own_nodes(body: dict):
    """The nodes of a function body, not descending into func literals."""
    stack = [body]
    while stack:
        n = stack.pop()
        if isinstance(n, dict):
            if n.get("k") == "FuncLit":
                continue
            if "k" in n:
                yield n
            stack.extend(v for k, v in n.items() if isinstance(v, dict | list) and k != "sel")
        elif isinstance(n, list):
            stack.extend(n)


def _make_function(rt: Any, info: tuple, size: int, params: list[int], results: list[int],
                   res_zero: list, boxes: dict[int, Callable], body: Fn,
                   has_defer: bool) -> Callable:
    """The Python callable of a compiled function: ``call(captured, args)``. A
    parameter or result in ``boxes`` starts in its `Cell` or heap object."""
    stack = rt.stack
    nres = len(results)
    extra = 1 if has_defer else 0
    cells = {s for s, b in boxes.items() if b is Cell}

    def call(captured, args):
        f = [None] * (size + extra)
        f[0] = info
        f[1] = ()
        for s, v in zip(params, args, strict=True):
            f[s] = boxes[s](v) if s in boxes else v
        for s, z in zip(results, res_zero, strict=True):
            f[s] = boxes[s](z()) if s in boxes else z()
        if captured:
            for s, c in captured:
                f[s] = c
        if has_defer:
            f[-1] = []
        frames = stack.mine()  # this goroutine's, even when unwound from another
        frames.append(f)
        try:
            if has_defer:
                rt.run_with_defers(f, body)
            else:
                body(f)
        except Panic as p:
            if p.func is None:
                p.func = info[0]
            raise
        finally:
            frames.pop()
        if nres == 0:
            return None
        vals = [f[s].v if s in cells else f[s] for s in results]
        return vals[0] if nres == 1 else tuple(vals)
    return call


__all__ = ["StmtCompiler"]
