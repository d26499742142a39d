"""Traces -> one Go program: a fixed runner plus generated types and drivers.

The program is generic over the trace's operations: it reads them as JSON lines on
stdin, so one build runs any number of traces that use the types it was generated
for. Its files:

- ``main.go`` (runner_main.go.tmpl): reading operations, values in and out of Go
  memory, objects with finalizers, roots, GC points;
- ``map.go``: the map flavour's mirrors, dumps and iteration: runner_classic.go.tmpl
  for Go 1.23's buckets, or runner_swiss.go.tmpl for the Swiss tables of Go 1.24+
  (with ``abi.go``, the mirror of the release's map type descriptor);
- ``drivers.go``, generated: the declared types of each trace, renamed
  ``U<n>_<Name>`` (traces with the same declarations share a namespace); one *driver*
  per map type: ``make(map[K]V, hint)``, ``m[k] = v``, ``delete(m, k)`` and
  ``clear(m)`` compiled for that type, so the runtime functions are the ones a real
  program of that type calls (``mapassign_faststr``, ``mapdelete_fast64``...); the
  ``reflect.Type`` of each object type ``new`` allocates.

`Program.add` prepares a trace's input lines (adding the driver / type index to its
``make`` and ``new`` operations); `Program.files` are the Go sources; `run_traces`
builds and runs, in parallel processes when there are many traces. A ``make`` or
``assign`` record marked ``"mem": 1`` gets the ``runtime.MemStats`` deltas (HeapAlloc,
HeapInuse) of the map operation alone, with the GC off.
"""

from __future__ import annotations

import json
import os
from collections.abc import Collection, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from gcemu import toolchain
from gcemu.errors import GcemuError
from gcemu.gotypes import GoType, TypeUniverse

_BASIC = frozenset(("bool", "string", "int", "int8", "int16", "int32", "int64", "uint",
                    "uint8", "uint16", "uint32", "uint64", "uintptr", "float32", "float64"))


class GenerateError(GcemuError):
    """A trace uses something the Go program cannot express."""


FLAVOURS = ("classic", "swiss")
# Go series -> the mirror of its Swiss map type descriptor (abi.SwissMapType in 1.24 and
# 1.25, abi.MapType from 1.26 on)
SWISS_ABI = {"1.25": "swiss_abi_1_25.go.tmpl", "1.27": "swiss_abi_1_27.go.tmpl"}


def template(name: str) -> str:
    return resources.files("gcemu.golang").joinpath(name).read_text("utf-8")


def runner_files(flavour: str, series: str) -> dict[str, str]:
    """The fixed files of a runner of ``flavour`` for a toolchain of ``series``."""
    if flavour == "classic":
        if series != toolchain.DEFAULT:
            raise GenerateError(f"the classic map runner needs Go {toolchain.DEFAULT}, not "
                                f"Go {series}")
        return {"main.go": template("runner_main.go.tmpl"),
                "map.go": template("runner_classic.go.tmpl")}
    if flavour != "swiss":
        raise GenerateError(f"no runner flavour {flavour!r} (known: {', '.join(FLAVOURS)})")
    try:
        abi = SWISS_ABI[series]
    except KeyError:
        raise GenerateError(f"no Swiss map mirror for Go {series} (known: "
                            f"{', '.join(SWISS_ABI)})") from None
    return {"main.go": template("runner_main.go.tmpl"),
            "map.go": template("runner_swiss.go.tmpl"), "abi.go": template(abi)}


class Namespace:
    """The declared types of a trace, in a universe of their own, renamed for Go."""

    def __init__(self, index: int, decls: Sequence[str]):
        self.prefix = f"U{index}_"
        self.universe = TypeUniverse()
        self.declared: list[GoType] = []
        for text in decls:
            self.declared += self.universe.declare(text)

    def parse(self, text: str) -> GoType:
        return self.universe.parse(text)

    def render(self, t: GoType) -> str:
        """Go source text of ``t`` with this namespace's names."""
        if t.named:
            return self.prefix + t.name
        kind = t.kind
        if kind in _BASIC:
            return t.name
        if kind == "ptr":
            return "*" + self.render(t.elem)
        if kind == "array":
            return f"[{t.length}]{self.render(t.elem)}"
        if kind == "map":
            return f"map[{self.render(t.key)}]{self.render(t.elem)}"
        if kind == "struct":
            if not t.fields:
                return "struct{}"
            return "struct { " + "; ".join(f"{f.name} {self.render(f.type)}"
                                           for f in t.fields) + " }"
        raise GenerateError(f"type {t.name}: kind {kind} has no Go rendering")

    def declarations(self) -> list[str]:
        return [f"type {self.prefix}{t.name} {self.render(t.underlying)}"
                for t in self.declared]


@dataclass
class Program:
    """A Go program for a set of traces, with a runner of ``flavour`` (`FLAVOURS`)."""

    flavour: str = "classic"
    namespaces: dict[tuple[str, ...], Namespace] = field(default_factory=dict)
    map_types: dict[str, int] = field(default_factory=dict)  # Go text -> driver index
    map_parts: list[tuple[str, str, str]] = field(default_factory=list)  # (map, key, elem)
    obj_types: dict[str, int] = field(default_factory=dict)  # Go text -> index
    inputs: dict[str, list[str]] = field(default_factory=dict)  # trace name -> lines

    def namespace(self, decls: tuple[str, ...]) -> Namespace:
        ns = self.namespaces.get(decls)
        if ns is None:
            ns = self.namespaces[decls] = Namespace(len(self.namespaces), decls)
        return ns

    def map_index(self, ns: Namespace, text: str) -> int:
        t = ns.parse(text)
        if t.kind != "map":
            raise GenerateError(f"make of {text}: not a map type")
        go = ns.render(t)
        i = self.map_types.get(go)
        if i is None:
            i = self.map_types[go] = len(self.map_parts)
            self.map_parts.append((go, ns.render(t.key), ns.render(t.elem)))
        return i

    def obj_index(self, ns: Namespace, text: str) -> int:
        go = ns.render(ns.parse(text))
        i = self.obj_types.get(go)
        if i is None:
            i = self.obj_types[go] = len(self.obj_types)
        return i

    def add(self, name: str, records: Iterable[dict], nodump: bool = False,
            light: bool = False) -> None:
        """Prepare a trace's input lines (``name`` must be unique in the program).

        ``light``: after each map operation only the header (and a Swiss map's table
        counters) and the key's hash; the chains or groups only at the operations
        marked ``"chk": 1`` (for big maps).
        """
        if name in self.inputs:
            raise GenerateError(f"two traces named {name!r}")
        records = list(records)
        decls = tuple(r["text"] for r in records if r.get("op") == "declare")
        ns = self.namespace(decls)
        begin: dict[str, Any] = {"op": "begin", "trace": name}
        if nodump:
            begin["nodump"] = 1
        if light:
            begin["light"] = 1
        lines = [json.dumps(begin)]
        for r in records:
            op = r.get("op")
            if op == "make":
                r = {**r, "mt": self.map_index(ns, r["type"])}
            elif op == "new":
                r = {**r, "ot": self.obj_index(ns, r["type"])}
            elif op == "gc_start":
                raise GenerateError(f"trace {name}: a stepped GC cycle (heap.gc()) cannot be "
                                    "reproduced on Go; use heap.collect()")
            lines.append(json.dumps(r, separators=(",", ":"), allow_nan=False))
        lines.append('{"op":"end"}')
        self.inputs[name] = lines

    def files(self, series: str) -> dict[str, str]:
        """The Go sources, for a toolchain of ``series``."""
        return {**runner_files(self.flavour, series), "drivers.go": self.drivers()}

    def drivers(self) -> str:
        imports = '"reflect"\n\t"unsafe"' if self.map_parts else '"reflect"'
        out = ["// Code generated by gcemu (gcemu/golang): the traces' types and drivers.",
               "package main", "", f"import (\n\t{imports}\n)", ""]
        for ns in self.namespaces.values():
            out += ns.declarations()
        out.append("")
        for i, (go, k, v) in enumerate(self.map_parts):
            out.append(f"""type drv{i} struct{{}}

func (drv{i}) mk(hint int) any {{ return make({go}, hint) }}
func (drv{i}) assign(h, k, v unsafe.Pointer) {{
	m := *(*{go})(unsafe.Pointer(&h))
	m[*(*{k})(k)] = *(*{v})(v)
}}
func (drv{i}) del(h, k unsafe.Pointer) {{
	m := *(*{go})(unsafe.Pointer(&h))
	delete(m, *(*{k})(k))
}}
func (drv{i}) clr(h unsafe.Pointer) {{
	m := *(*{go})(unsafe.Pointer(&h))
	clear(m)
}}
func (drv{i}) typ() reflect.Type {{ return reflect.TypeOf((*{go})(nil)).Elem() }}
""")
        out.append("var drivers = []driver{" + ", ".join(
            f"drv{i}{{}}" for i in range(len(self.map_parts))) + "}\n")
        objs = sorted(self.obj_types.items(), key=lambda kv: kv[1])
        out.append("var objTypes = []reflect.Type{" + ", ".join(
            f"reflect.TypeOf((*{go})(nil)).Elem()" for go, _ in objs) + "}\n")
        return "\n".join(out)

    def build(self, tc: toolchain.Toolchain | None = None):
        tc = tc or toolchain.find_toolchain()
        return toolchain.build(self.files(tc.series), tc)


def parse_output(text: str) -> dict[str, dict]:
    """Go's output per trace: ``{"lines": {op index: dict}, "ns": ..., "error": ...}``."""
    traces: dict[str, dict] = {}
    cur: dict | None = None
    for line in text.split("\n"):
        if not line:
            continue
        d = json.loads(line)
        if "fatal" in d:
            raise toolchain.ProgramError(f"the Go program: {d['fatal']}")
        if "begin" in d:
            cur = traces[d["begin"]] = {"lines": {}, "ns": None, "gc_ns": None}
            continue
        if "end" in d:
            if cur is not None:
                cur["ns"], cur["gc_ns"] = d["ns"], d["gc_ns"]
            cur = None
            continue
        if cur is None:
            raise toolchain.ProgramError(f"the Go program wrote {line[:200]!r} outside a "
                                         "trace")
        cur["lines"][d["i"]] = d
    return traces


def run_traces(traces: Sequence[tuple[str, Sequence[dict]]], nodump: bool = False,
               jobs: int | None = None, tc: toolchain.Toolchain | None = None,
               timeout: float = 600, light: bool | Collection[str] = False,
               flavour: str = "classic") -> dict[str, dict]:
    """Build one program for ``traces`` and run them; Go's output per trace name
    (see `parse_output`). With more than a few traces they run in ``jobs`` parallel
    processes of the same binary. ``light``: every trace, or the traces named, get
    light dumps (`Program.add`)."""
    prog = Program(flavour)
    for name, records in traces:
        prog.add(name, records, nodump=nodump,
                 light=light if isinstance(light, bool) else name in light)
    exe = prog.build(tc)
    names = list(prog.inputs)
    if jobs is None:
        jobs = min(len(names) // 20 + 1, os.cpu_count() or 1, 4)
    chunks = [names[i::jobs] for i in range(jobs)] if jobs > 1 else [names]

    def one(chunk: list[str]) -> dict[str, dict]:
        stdin = "\n".join(line for n in chunk for line in prog.inputs[n]) + "\n"
        return parse_output(toolchain.run(exe, stdin, timeout=timeout))

    out: dict[str, dict] = {}
    if len(chunks) == 1:
        out.update(one(chunks[0]))
    else:
        with ThreadPoolExecutor(len(chunks)) as pool:
            for part in pool.map(one, chunks):
                out.update(part)
    return out


__all__ = ["FLAVOURS", "SWISS_ABI", "GenerateError", "Namespace", "Program", "parse_output",
           "run_traces", "runner_files"]
