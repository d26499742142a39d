"""Memory conformance of the Swiss-table map: the bytes per table capacity, in gcemu and
in Go (go-swiss-map.md §6.2, §11.5).

One trace: per map type, ``make(map, hint)`` for hints that give one table of each
capacity 16 .. 1024 and directories of 2, 4 and 8 tables (`HINTS`), and the small
map's first insert (which allocates its group). Every such operation is marked
``"mem"``: the runner measures ``runtime.MemStats`` around it with the GC off, and the
replay (`gcemu.golang.swisscompare`) compares Go's ``HeapAlloc`` delta, the size-class
slots (or pages) of every allocation — header, directory, tables, groups arrays — with
the sum of gcemu's allocation sizes, after checking the layout (tables, capacities)
is Go's. ``HeapInuse`` counts whole spans, which gcemu does not model; `Row` keeps it
beside the model's figure. `SPEC_HINT` is §6.2's example: 100 000 keys' worth of
``map[int64]int64``, 128 tables, 2 364 592 bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gcemu
from gcemu.golang import swisscompare

DECL = "type T struct { id int; next *T; buf [48]byte }"
MAP_TYPES = ("map[int64]int64", "map[string]*T", "map[string]string",
             "map[[129]byte]int64", "map[int32]int8", "map[int64]struct{}")
# one table of 16, 32, ... 1024 slots (hint * 8/7 rounded up to a power of two), then
# directories of 2 x 512, 2 x 1024, 4 x 1024 and 8 x 1024 (§3.4)
HINTS = (14, 28, 56, 112, 224, 448, 896, 897, 1000, 1800, 3600)
SPEC_HINT = 100_000
SPEC_BYTES = 2_364_592


@dataclass
class Row:
    """One measured operation."""

    type: str
    what: str  # "make(map, 896)", "first insert"
    tables: str  # "1 x 1024", "small group"
    go_alloc: int  # HeapAlloc delta
    go_inuse: int  # HeapInuse delta (whole spans)
    gcemu: int  # the sum of gcemu's allocation sizes

    @property
    def ok(self) -> bool:
        return self.go_alloc == self.gcemu

    def __str__(self) -> str:
        return (f"{self.type} {self.what} ({self.tables}): Go HeapAlloc +{self.go_alloc}, "
                f"gcemu {self.gcemu}; HeapInuse +{self.go_inuse}")


def trace(types: tuple[str, ...] = MAP_TYPES, hints: tuple[int, ...] = HINTS,
          spec: bool = True) -> tuple[list[dict], dict[int, str]]:
    """The trace measuring ``types``: per type, the small map's first insert, then a
    make per hint, each marked ``"mem"`` (and §6.2's example if ``spec``); with the map
    type of each measured operation. One trace, so that no GC point (whose finalizers
    run on another goroutine) falls between the measurements."""
    h = gcemu.Heap(model="go-swiss")
    h.declare(DECL)
    plan = [(t, hints) for t in types] + ([("map[int64]int64", (SPEC_HINT,))] if spec else [])
    for n, (t, hs) in enumerate(plan):
        m = h.make_map(t, name=f"small{n}")
        lay = m.layout
        m[lay.key.to_python(lay.key.zero())] = lay.elem.to_python(lay.elem.zero())
        for hint in hs:
            h.make_map(t, hint=hint, name=f"m{n}_{hint}")
    records = h.trace.records()
    types_of = {r["id"]: r["type"] for r in records if r["op"] == "make"}
    measured = {}
    for i, r in enumerate(records):
        if r["op"] == "assign" or (r["op"] == "make" and r["hint"] > 0):
            r["mem"] = 1
            measured[i] = types_of[r.get("map", r.get("id"))]
    return records, measured


def measure(series: str, types: tuple[str, ...] = MAP_TYPES,
            spec: bool = True) -> tuple[list[Row], Any]:
    """Run the trace on Go ``series`` and replay it under its model; (a `Row` per
    measured operation, the `replay.Result`)."""
    records, measured = trace(types, spec=spec)
    lines = swisscompare.run_traces([("memory", records)], series, light=True)["memory"]
    res = swisscompare.compare("memory", records, lines, swisscompare.MODEL_OF[series],
                               stop=False)
    rows = []
    for mem in res.memory:
        i = mem["i"]
        r = records[i]
        tabs = lines["lines"][i].get("tabs", ())
        caps = sorted({t["cap"] for t in tabs})
        layout = f"{len(tabs)} x {'/'.join(map(str, caps))}" if tabs else "small group"
        what = f"make(map, {r['hint']})" if r["op"] == "make" else "first insert"
        rows.append(Row(measured[i], what, layout, mem["alloc"], mem["inuse"], mem["gcemu"]))
    return rows, res


__all__ = ["HINTS", "MAP_TYPES", "SPEC_BYTES", "SPEC_HINT", "Row", "measure", "trace"]
