"""A trace as a straight-line compiled Go program, to time real Go on the same work.

The trace runner (`gcemu.golang.gen`) interprets JSON and dumps the map after every
operation; that measures gcemu, not Go. Here every operation becomes one Go statement
with literal keys and values (``m1[12] = o[3]``, ``delete(m1, 5)``,
``runtime.GC()``), objects live in a slice per type, and the program prints how long
the operations took. A range loop with nothing inside becomes ``for range m
{}``; iterators with operations inside, field stores, map values and stepped cycles
are not supported (`CompileError`). No finalizers, no dumps: just the work.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence

from gcemu import toolchain
from gcemu.errors import GcemuError
from gcemu.golang.gen import Namespace
from gcemu.gotypes import GoType

CHUNK = 500  # statements per function: the compiler is quicker with small functions


class CompileError(GcemuError):
    """The trace uses something the straight-line program does not support."""


class _Lit:
    def __init__(self, ns: Namespace, slots: dict[int, tuple[str, int]]):
        self.ns = ns
        self.slots = slots  # object id -> (slice name, index)

    def __call__(self, t: GoType, j) -> str:
        kind = t.kind
        if kind == "ptr":
            if j is None:
                return "nil"
            try:
                name, i = self.slots[j["obj"]]
            except KeyError:
                raise CompileError(f"a pointer to #{j['obj']}, which is not an object of "
                                   "the trace (a map?)") from None
            return f"{name}[{i}]"
        if kind == "map":
            raise CompileError("map values are not supported")
        if kind in ("float32", "float64"):
            if isinstance(j, dict):
                f = {"nan": "math.NaN()", "+inf": "math.Inf(1)", "-inf": "math.Inf(-1)",
                     "-0": "math.Copysign(0, -1)"}[j["float"]]
                return f"{self.ns.render(t)}({f})"
            return f"{self.ns.render(t)}({float(j)!r})" if math.isfinite(j) else "0"
        if kind == "string":
            return json.dumps(j)  # a JSON string is a Go string literal for ASCII text
        if kind == "bool":
            return "true" if j else "false"
        if kind == "array":
            return f"{self.ns.render(t)}{{{', '.join(self(t.elem, x) for x in j)}}}"
        if kind == "struct":
            fields = {f.name: f.type for f in t.fields}
            parts = [f"{k}: {self(fields[k], v)}" for k, v in j.items()]
            return f"{self.ns.render(t)}{{{', '.join(parts)}}}"
        return f"{self.ns.render(t)}({j})"


def source(records: Sequence[dict]) -> str:
    """Go source running ``records`` as compiled statements; it prints
    ``{"ns": total, "gc_ns": time in runtime.GC()}``."""
    decls = tuple(r["text"] for r in records if r["op"] == "declare")
    ns = Namespace(0, decls)
    slots: dict[int, tuple[str, int]] = {}
    counts: dict[str, int] = {}
    types: dict[str, str] = {}
    maps: dict[int, GoType] = {}
    for r in records:
        if r["op"] == "new":
            t = ns.parse(r["type"])
            go = ns.render(t)
            name = types.setdefault(go, f"o{len(types)}")
            slots[r["id"]] = (name, counts.get(name, 0))
            counts[name] = counts.get(name, 0) + 1
        elif r["op"] == "make":
            maps[r["id"]] = ns.parse(r["type"])
    lit = _Lit(ns, slots)
    stmts: list[str] = []
    skip: set[int] = set()
    for pos, r in enumerate(records):
        if r["op"] != "iter":
            continue
        end = next((q for q in range(pos + 1, len(records))
                    if records[q]["op"] == "iterend" and records[q]["it"] == r["it"]), None)
        if end is None or any(records[q]["op"] != "next" or records[q]["it"] != r["it"]
                              for q in range(pos + 1, end)):
            raise CompileError("only whole range loops with nothing inside are supported")
        skip.update(range(pos + 1, end + 1))
    for pos, r in enumerate(records):
        op = r["op"]
        if op == "declare" or pos in skip:
            continue
        if op == "iter":
            stmts.append(f"for range m{r['map']} {{}}")
            continue
        if op == "make":
            t = maps[r["id"]]
            stmts.append(f"m{r['id']} = make({ns.render(t)}, {r['hint']})")
        elif op == "new":
            name, i = slots[r["id"]]
            t = ns.parse(r["type"])
            v = f"&{lit(t, r['value'])}" if "value" in r and t.kind == "struct" else \
                f"new({ns.render(t)})"
            stmts.append(f"{name}[{i}] = {v}")
        elif op == "assign":
            t = maps[r["map"]]
            stmts.append(f"m{r['map']}[{lit(t.key, r['key'])}] = {lit(t.elem, r['value'])}")
        elif op == "delete":
            t = maps[r["map"]]
            stmts.append(f"delete(m{r['map']}, {lit(t.key, r['key'])})")
        elif op == "clear":
            stmts.append(f"clear(m{r['map']})")
        elif op == "global":
            v = r["value"]
            if v is not None and v["obj"] in maps:
                stmts.append(f"g[{json.dumps(r['name'])}] = m{v['obj']}")
            elif v is not None:
                name, i = slots[v["obj"]]
                stmts.append(f"g[{json.dumps(r['name'])}] = {name}[{i}]")
            else:
                stmts.append(f"delete(g, {json.dumps(r['name'])})")
        elif op == "store":
            raise CompileError("field stores are not supported")
        elif op == "gc":
            stmts.append("t0 := time.Now(); runtime.GC(); gcNs += time.Since(t0)")
        else:
            raise CompileError(f"operation {op!r} is not supported by the compiled form")
    out = ["package main", "", "import (", '\t"fmt"', '\t"math"', '\t"runtime"',
           '\t"runtime/debug"', '\t"time"', ")", "", "var _ = math.NaN", "",
           *ns.declarations(), "", "var g = map[string]any{}", "var gcNs time.Duration", ""]
    for mid, t in maps.items():
        out.append(f"var m{mid} {ns.render(t)}")
    for go, name in types.items():
        out.append(f"var {name} = make([]*{go}, {counts[name]})")
    funcs = []
    for c in range(0, len(stmts), CHUNK):
        fn = f"part{c // CHUNK}"
        funcs.append(fn)
        body = "\n".join("\t{ " + s + " }" for s in stmts[c:c + CHUNK])
        out.append(f"\nfunc {fn}() {{\n{body}\n}}")
    calls = "\n".join(f"\t{f}()" for f in funcs)
    out.append(f"""
func main() {{
	debug.SetGCPercent(-1)
	runtime.GC()
	t0 := time.Now()
{calls}
	total := time.Since(t0)
	fmt.Printf("{{\\"ns\\":%d,\\"gc_ns\\":%d}}\\n", total.Nanoseconds(), gcNs.Nanoseconds())
}}
""")
    return "\n".join(out)


def time_trace(records: Sequence[dict], repeat: int = 3,
               tc: toolchain.Toolchain | None = None) -> tuple[float, float]:
    """(best seconds for the operations, seconds of it in runtime.GC()) in real Go."""
    exe = toolchain.build(source(records), tc)
    best = None
    for _ in range(repeat):
        d = json.loads(toolchain.run(exe, ""))
        if best is None or d["ns"] < best[0]:
            best = (d["ns"], d["gc_ns"])
    return best[0] / 1e9, best[1] / 1e9


__all__ = ["CompileError", "source", "time_trace"]
