"""Traces: the mutator operations of a heap, recorded, saved as JSON lines, replayed.

Every `gcemu.Heap` records what its program does (``heap.trace``, unless it was made
with ``trace=False``): type declarations, ``make``, ``new``, map assign / delete /
clear, each step of an iteration, global bindings, field stores and GC points. Reads
(``m[k]``, ``k in m``) change nothing and are not recorded.

Recording is cheap on the hot paths (gcemu.maps.classic): an assign appends one opcode byte
and two references (the converted key and value, which the map holds anyway); a delete
appends the stored key object it removed. The operations are turned into records (one
dict per operation, JSON-ready) only when asked for.

A record is one JSON object; values are typed by the map, object or field they go to:

====================  =============================================================
``declare``           ``{"op": "declare", "text": "type T struct { ... }"}``
``make``              ``{"op": "make", "id": 1, "type": "map[string]*T", "hint": 0,
                      "name": "m"}`` (``"custom_hash": true`` if ``hash=`` was given)
``new``               ``{"op": "new", "id": 5, "type": "T", "name": "a", "value": ...}``
``assign``            ``{"op": "assign", "map": 1, "key": ..., "value": ...}``
``delete``            ``{"op": "delete", "map": 1, "key": ...}``
``clear``             ``{"op": "clear", "map": 1}``
``iter``              ``{"op": "iter", "it": 1, "map": 1}``: mapiterinit (and the first
                      mapiternext); ``next`` ``{"op": "next", "it": 1}``: one more
                      mapiternext; ``iterend`` ``{"op": "iterend", "it": 1}``: the
                      iterator's frame is gone (the loop ended or was left)
``global``            ``{"op": "global", "name": "m", "value": {"obj": 1} | null}``
``store``             ``{"op": "store", "obj": 5, "field": "next", "value": ...}``
``gc``                ``{"op": "gc"}``: one stop-the-world cycle (``heap.collect()``);
                      ``gc_start``: a stepped cycle (``heap.gc()``) began
====================  =============================================================

Values: booleans, integers and strings as JSON; floats as numbers, except NaN,
infinities and ``-0.0``, which are ``{"float": "nan" | "+inf" | "-inf" | "-0"}``;
pointers and maps as ``null`` or ``{"obj": id}``; arrays as lists; structs as objects
of their named fields. Ids are the recording heap's object ids. A file starts with a
header line ``{"gcemu_trace": 1, ...}``.

`gcemu.api.replay_trace` runs records on a fresh heap; `Replayer` lets a caller act before and after
each operation (gcemu.golang injects Go's hash values and random draws there, and
compares the map's layout with Go's).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gcemu.base.opcodes import (
    ASSIGN,
    CLEAR,
    DECLARE,
    DELETE,
    GC,
    GC_START,
    GLOBAL,
    ITER,
    ITEREND,
    MAKE,
    NARGS,
    NEW,
    NEW0,
    NEXT,
    SELECT,
    STORE,
)
from gcemu.errors import GcemuError

if TYPE_CHECKING:
    from gcemu.core.heap import Heap
    from gcemu.gotypes import GoType
    from gcemu.maps.front import MapFront as Map

FORMAT = 1

MAP_OPS = ("make", "assign", "delete", "clear", "iter", "next")


class TraceError(GcemuError):
    """A trace that cannot be read or replayed."""


class Trace:
    """The recorded operations of one heap (``heap.trace``).

    ``codes`` holds one opcode byte per operation and ``args`` their arguments, flat;
    handles and converted values are kept as they are. `records` turns them into
    JSON-ready dicts.
    """

    __slots__ = ("args", "codes", "cur", "n_iters")

    def __init__(self) -> None:
        self.codes = bytearray()
        self.args: list[Any] = []
        self.cur: Any = None  # the selected map
        self.n_iters = 0

    def __len__(self) -> int:
        """The number of operations recorded (map selections not counted)."""
        return len(self.codes) - self.codes.count(SELECT)

    # -- recording (called by gcemu.core.heap and gcemu.maps.front) ------------------------------
    def select(self, m: Map) -> None:
        self.codes.append(SELECT)
        self.args.append(m)
        self.cur = m

    def declare(self, text: str) -> None:
        self.codes.append(DECLARE)
        self.args.append(text)

    def make(self, m: Map, hint: int, name: str | None, custom_hash: bool) -> None:
        self.codes.append(MAKE)
        self.args += (m, hint, name, custom_hash)

    def new(self, obj: Any, name: str | None, value: Any) -> None:
        self.codes.append(NEW)
        self.args += (obj, name, value)

    def clear(self, m: Map) -> None:
        self.codes.append(CLEAR)
        self.args.append(m)

    def iter_start(self, m: Map) -> int:
        self.n_iters += 1
        self.codes.append(ITER)
        self.args += (m, self.n_iters)
        return self.n_iters

    def iter_next(self, n: int) -> None:
        self.codes.append(NEXT)
        self.args.append(n)

    def iter_end(self, n: int) -> None:
        self.codes.append(ITEREND)
        self.args.append(n)

    def set_global(self, name: str, value: Any) -> None:
        self.codes.append(GLOBAL)
        self.args += (name, value)

    def store(self, obj: Any, field: str, value: Any) -> None:
        self.codes.append(STORE)
        self.args += (obj, field, value)

    def gc(self) -> None:
        self.codes.append(GC)

    def gc_start(self) -> None:
        self.codes.append(GC_START)

    # -- reading ---------------------------------------------------------------------
    def raw(self) -> Iterator[tuple]:
        """(opcode, args...) per operation, the selected map resolved."""
        args = self.args
        pos = 0
        cur = None
        for code in self.codes:
            n = NARGS[code]
            a = args[pos:pos + n]
            pos += n
            if code == SELECT:
                cur = a[0]
                continue
            if code in (ASSIGN, DELETE):
                yield (code, cur, *a)
            elif code == NEW0:
                yield (NEW, a[0], None, None)
            else:
                yield (code, *a)

    def records(self) -> list[dict]:
        """One JSON-ready dict per operation (see the module docstring)."""
        out: list[dict] = []
        for op in self.raw():
            out.append(_record(op))
        return out

    def dumps(self, **header: Any) -> str:
        """The trace as JSON lines: a header, then one line per operation."""
        return dumps(self.records(), **header)

    def save(self, path: str | Path, **header: Any) -> None:
        """Write the trace as JSON lines to ``path``."""
        Path(path).write_text(self.dumps(**header), encoding="utf-8")


# -- records -------------------------------------------------------------------------
def _ref(v: Any) -> dict | None:
    return None if v is None else {"obj": v.id}


def _record(op: tuple) -> dict:
    code = op[0]
    if code == ASSIGN:
        m, k, v = op[1:]
        lay = m.layout
        return {"op": "assign", "map": m.id, "key": encode(lay.key, k),
                "value": encode(lay.elem, v)}
    if code == DELETE:
        m, k = op[1:]
        return {"op": "delete", "map": m.id, "key": encode(m.layout.key, k)}
    if code == NEW:
        obj, name, value = op[1:]
        r = {"op": "new", "id": obj.id, "type": obj.type.name}
        if name is not None:
            r["name"] = name
        if value is not None:
            r["value"] = encode(obj.type, value)
        return r
    if code == MAKE:
        m, hint, name, custom = op[1:]
        r = {"op": "make", "id": m.id, "type": m.type.name, "hint": hint}
        if name is not None:
            r["name"] = name
        if custom:
            r["custom_hash"] = True
        return r
    if code == CLEAR:
        return {"op": "clear", "map": op[1].id}
    if code == ITER:
        return {"op": "iter", "it": op[2], "map": op[1].id}
    if code == NEXT:
        return {"op": "next", "it": op[1]}
    if code == ITEREND:
        return {"op": "iterend", "it": op[1]}
    if code == GLOBAL:
        return {"op": "global", "name": op[1], "value": _ref(op[2])}
    if code == STORE:
        obj, field, value = op[1:]
        ft = obj.type.fields[obj._field(field)].type
        return {"op": "store", "obj": obj.id, "field": field, "value": encode(ft, value)}
    if code == GC:
        return {"op": "gc"}
    if code == GC_START:
        return {"op": "gc_start"}
    if code == DECLARE:
        return {"op": "declare", "text": op[1]}
    raise TraceError(f"unknown opcode {code}")


def encode_float(v: float) -> Any:
    if v != v:
        return {"float": "nan"}
    if math.isinf(v):
        return {"float": "+inf" if v > 0 else "-inf"}
    if v == 0 and math.copysign(1.0, v) < 0:
        return {"float": "-0"}
    return v


def decode_float(j: Any) -> float:
    if isinstance(j, dict):
        s = j.get("float")
        if s == "nan":
            return float("nan")
        if s in ("+inf", "-inf"):
            return float(s)
        if s == "-0":
            return -0.0
        raise TraceError(f"bad float {j!r}")
    if isinstance(j, bool) or not isinstance(j, (int, float)):
        raise TraceError(f"bad float {j!r}")
    return float(j)


def encode(t: GoType, v: Any) -> Any:
    """A value of Go type ``t`` (gcemu's representation) as JSON."""
    kind = t.kind
    if kind in ("ptr", "map"):
        return None if v is None else {"obj": v.id}
    if kind in ("float32", "float64"):
        return encode_float(v)
    if kind == "array":
        et = t.elem
        return [encode(et, x) for x in v]
    if kind == "struct":
        return {f.name: encode(f.type, x) for f, x in zip(t.fields, v, strict=True)
                if f.name != "_"}
    return v  # bool, integers, string


def decode(t: GoType, j: Any, objs: dict[int, Any]) -> Any:
    """The user-facing Python value of JSON ``j`` of Go type ``t`` (handles from
    ``objs``, by recorded id)."""
    kind = t.kind
    if kind in ("ptr", "map"):
        if j is None:
            return None
        try:
            return objs[j["obj"]]
        except (KeyError, TypeError):
            raise TraceError(f"unknown object {j!r}") from None
    if kind in ("float32", "float64"):
        return decode_float(j)
    if kind == "array":
        et = t.elem
        return [decode(et, x, objs) for x in j]
    if kind == "struct":
        ft = {f.name: f.type for f in t.fields}
        return {k: decode(ft[k], x, objs) for k, x in j.items()}
    return j


# -- files ---------------------------------------------------------------------------
def dumps(records: Iterable[dict], **header: Any) -> str:
    lines = [json.dumps({"gcemu_trace": FORMAT, **header}, separators=(",", ":"))]
    lines += [json.dumps(r, separators=(",", ":"), allow_nan=False) for r in records]
    return "\n".join(lines) + "\n"


def save(records: Trace | Iterable[dict], path: str | Path, **header: Any) -> None:
    """Write a trace (or its records) to ``path`` as JSON lines."""
    if isinstance(records, Trace):
        records = records.records()
    Path(path).write_text(dumps(records, **header), encoding="utf-8")


def loads(text: str) -> list[dict]:
    """The records of a JSON-lines trace (the header line is checked and dropped)."""
    out: list[dict] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
        except json.JSONDecodeError as e:
            raise TraceError(f"line {n}: not JSON: {e}") from None
        if not isinstance(r, dict):
            raise TraceError(f"line {n}: not a JSON object")
        if "gcemu_trace" in r:
            if r["gcemu_trace"] != FORMAT:
                raise TraceError(f"line {n}: trace format {r['gcemu_trace']} "
                                 f"(this gcemu reads {FORMAT})")
            continue
        if "op" not in r:
            raise TraceError(f"line {n}: no \"op\"")
        out.append(r)
    return out


def load(path: str | Path) -> list[dict]:
    """Read a JSON-lines trace file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise TraceError(f"{path}: cannot read: {e}") from None
    try:
        return loads(text)
    except TraceError as e:
        raise TraceError(f"{path}: {e}") from None


def op_text(r: dict, names: dict[int, str] | None = None) -> str:
    """A record in Go-like words: ``delete(m, 5)``, ``m["a"] = T#3``, ``runtime.GC()``."""
    names = names or {}

    def val(j: Any) -> str:
        if isinstance(j, dict) and set(j) == {"obj"}:
            return names.get(j["obj"], f"#{j['obj']}")
        if isinstance(j, dict) and set(j) == {"float"}:
            return {"nan": "NaN", "+inf": "+Inf", "-inf": "-Inf", "-0": "-0.0"}[j["float"]]
        return json.dumps(j, separators=(",", ":"))

    op = r.get("op")
    mname = names.get(r.get("map"), f"map#{r.get('map')}")
    if op == "assign":
        return f"{mname}[{val(r['key'])}] = {val(r['value'])}"
    if op == "delete":
        return f"delete({mname}, {val(r['key'])})"
    if op == "clear":
        return f"clear({mname})"
    if op == "make":
        nm = names.get(r["id"], r.get("name") or f"map#{r['id']}")
        return f"{nm} = make({r['type']}, {r['hint']})"
    if op == "new":
        nm = r.get("name") or f"#{r['id']}"
        return f"{nm} = new({r['type']})"
    if op == "iter":
        return f"it{r['it']} := range {mname} (mapiterinit)"
    if op == "next":
        return f"it{r['it']} next (mapiternext)"
    if op == "iterend":
        return f"it{r['it']} ends"
    if op == "global":
        return f"var {r['name']} = {val(r['value'])}"
    if op == "store":
        return f"{names.get(r['obj'], '#' + str(r['obj']))}.{r['field']} = {val(r['value'])}"
    if op == "gc":
        return "runtime.GC()"
    if op == "gc_start":
        return "GC cycle starts (stepped)"
    if op == "declare":
        return r["text"].strip().splitlines()[0]
    return json.dumps(r)


# -- replay --------------------------------------------------------------------------
class Replayer:
    """Run records on a heap, one at a time.

    ``before(i, record)`` and ``after(i, record, result)`` are called around each
    operation; ``result`` is the (key, value) an iteration step produced, None when it
    produced nothing, and None for other operations. ``objs`` maps recorded ids to the
    replay heap's handles, ``iters`` recorded iterator numbers to live generators.
    """

    def __init__(self, heap: Heap, make_hash: Callable[[dict], Any] | None = None):
        self.heap = heap
        self.objs: dict[int, Any] = {}
        self.iters: dict[int, Any] = {}
        self.cycle = None
        self.make_hash = make_hash  # record -> hash= for make_map (or None)
        self.ids: dict[int, int] = {}  # replay heap id -> recorded id
        self._skip_global: tuple | None = None

    def run(self, records: Iterable[dict],
            before: Callable[[int, dict], None] | None = None,
            after: Callable[[int, dict, Any], None] | None = None) -> Heap:
        for i, r in enumerate(records):
            if before is not None:
                before(i, r)
            res = self.step(r)
            if after is not None:
                after(i, r, res)
        return self.heap

    def map(self, mid: int) -> Any:
        try:
            return self.objs[mid]
        except KeyError:
            raise TraceError(f"unknown map #{mid}") from None

    def step(self, r: dict) -> Any:
        h = self.heap
        op = r["op"]
        if op == "assign":
            m = self.map(r["map"])
            lay = m.layout
            m[decode(lay.key, r["key"], self.objs)] = decode(lay.elem, r["value"], self.objs)
        elif op == "delete":
            m = self.map(r["map"])
            del m[decode(m.layout.key, r["key"], self.objs)]
        elif op == "new":
            t = h.type(r["type"])
            value = r.get("value")
            obj = h.new(t, name=r.get("name"),
                        value=None if value is None else decode(t, value, self.objs))
            self._bind(r["id"], obj)
        elif op == "make":
            hash_ = self.make_hash(r) if self.make_hash is not None else None
            name = r.get("name")
            m = h.make_map(r["type"], r["hint"], name=name, hash=hash_)
            self._bind(r["id"], m)
            if name is not None:  # make_map(name=) bound the global already
                self._skip_global = (name, r["id"])
            return None
        elif op == "global":
            v = r["value"]
            if self._skip_global == (r["name"], None if v is None else v["obj"]):
                self._skip_global = None
                return None
            h.set_global(r["name"], None if v is None else self.objs[v["obj"]])
        elif op == "store":
            obj = self.objs[r["obj"]]
            ft = obj.type.fields[obj._field(r["field"])].type
            obj[r["field"]] = decode(ft, r["value"], self.objs)
        elif op == "clear":
            self.map(r["map"]).clear()
        elif op == "iter":
            gen = self.map(r["map"]).items()
            self.iters[r["it"]] = gen
            return next(gen, None)
        elif op == "next":
            gen = self.iters.get(r["it"])
            return None if gen is None else next(gen, None)
        elif op == "iterend":
            gen = self.iters.pop(r["it"], None)
            if gen is not None:
                gen.close()
        elif op == "gc":
            if self.cycle is not None:
                self.cycle.run()
                self.cycle = None
            return h.collect()
        elif op == "gc_start":
            if self.cycle is not None:
                self.cycle.run()
            self.cycle = h.gc()
        elif op == "declare":
            h.declare(r["text"])
        else:
            raise TraceError(f"unknown operation {op!r}")
        self._skip_global = None
        return None

    def _bind(self, rid: int, obj: Any) -> None:
        self.objs[rid] = obj
        self.ids[obj.id] = rid


__all__ = ["Replayer", "Trace", "TraceError", "decode", "dumps", "encode", "load", "loads",
           "op_text", "save"]
