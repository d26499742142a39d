"""``gcemu demo``: the seed article's central scenario under both models.

Part 1 (the article's §2.5, the design card's scanmap rule): insert a, b, c into one
bucket, delete the middle one, collect; delete the last one, collect. Under scanmap the
middle value stays reachable through its emptyOne slot until the emptyRest
back-propagation reaches it; under go (real Go 1.23) delete zeroes the slot, so it is
collected at once.

Part 2 (the article's chapter 1 table and chapter 4's fix): 1000 string keys, delete
them all, collect: the values go, the 57,344-byte bucket array and B=8 stay, under both
models; rebuilding the map (copy the live keys into a new map, drop the old one)
releases it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from gcemu.gomap import flags_text
from gcemu.heap import Heap
from gcemu.models import MODELS

T_DECL = "type T struct { id int; next *T; buf [48]byte }"


@dataclass
class Row:
    step: str
    tophash: str
    outcomes: dict[str, str] = field(default_factory=dict)
    note: str = ""


def _th(b) -> str:
    return " ".join(str(t) for t in b.tophash)


def _state(report, obj) -> str:
    r = report.reason(obj)
    return "collected" if r is None else f"retained ({r})"


def delete_middle_then_last(model: str) -> tuple[list[Row], dict]:
    """Part 1; returns the rows and the JSON report after the first delete."""
    h = Heap(model=model)
    h.declare(T_DECL)
    m = h.make_map("map[string]*T", name="m")
    vals = {k: h.new("T", name=f"v{k}", value={"id": i}) for i, k in enumerate("abc")}
    for k, v in vals.items():
        m[k] = v
    b0 = m.buckets[0]
    rows = [Row("insert a, b, c", _th(b0))]
    del m["b"]
    rep = h.collect()
    rows.append(Row("delete b; GC", _th(b0),
                    {k: _state(rep, v) for k, v in vals.items() if k != "a"},
                    str(rep.why(vals["b"])).splitlines()[-1]))
    first = rep.to_json()
    del m["c"]
    rep = h.collect()
    rows.append(Row("delete c; GC", _th(b0),
                    {k: _state(rep, v) for k, v in vals.items() if k != "a"}))
    return rows, first


def delete_all_then_rebuild(model: str) -> list[tuple[str, str]]:
    """Part 2: the map's shape and bytes after each step."""
    h = Heap(model=model)
    h.declare(T_DECL)
    m = h.make_map("map[string]*T", name="m")
    vals = []
    for i in range(1000):
        v = h.new("T", value={"id": i})
        vals.append(v)
        m[f"k{i:04d}"] = v
    out = []

    def line(what: str, rep=None) -> None:
        mb = rep.map_bytes(m) if rep else None
        arr = m.buckets_obj.size if m.buckets_obj else 0
        freed = f", freed {rep.bytes['freed']:,} B" if rep else ""
        out.append((what, f"len={len(m)} B={m.B} flags={flags_text(m.flags)} "
                          f"bucket array={arr:,} B" + (f", hmap+extra={mb['hmap']} B" if mb else "")
                          + freed))

    line("1000 inserts")
    for i in range(1000):
        del m[f"k{i:04d}"]
    rep = h.collect()
    line("delete all 1000; GC", rep)
    collected = sum(rep.collected(v) for v in vals)
    out.append(("values collected", f"{collected} of 1000"))
    fresh = h.make_map("map[string]*T", name="m2")
    for k, v in m.items():
        fresh[k] = v
    h.set_global("m", None)
    rep = h.collect()
    out.append(("rebuild: copy live keys to a new map, drop the old; GC",
                f"old map collected={rep.collected(m)}, new bucket array="
                f"{fresh.buckets_obj.size if fresh.buckets_obj else 0} B, "
                f"freed {rep.bytes['freed']:,} B"))
    return out


def run_demo(out_dir: Path, console) -> None:
    from rich.table import Table

    out_dir.mkdir(parents=True, exist_ok=True)
    say = console.print
    console.rule("gcemu demo: what the GC keeps after delete from a Go map")
    say("Part 1: map[string]*T with keys a, b, c in slots 0, 1, 2 of one bucket; "
        "1 = emptyOne, 0 = emptyRest.", markup=False)
    table = Table(show_lines=True)
    for col in ("model", "step", "bucket 0 tophash", "value of b", "value of c"):
        table.add_column(col)
    notes = []
    for name in MODELS:
        rows, first = delete_middle_then_last(name)
        for r in rows:
            table.add_row(name, r.step, r.tophash, r.outcomes.get("b", "-"),
                          r.outcomes.get("c", "-"))
        notes.append(f"{name}: after 'delete b': {rows[1].note}")
        (out_dir / f"delete-middle-{name}.json").write_text(json.dumps(first, indent=2))
    say(table)
    for n in notes:
        say(n, markup=False)
    say()
    say("Part 2: 1000 string keys, delete them all, then rebuild the map.", markup=False)
    table = Table(show_lines=True)
    for col in ("model", "step", "result"):
        table.add_column(col)
    for name in MODELS:
        for step, result in delete_all_then_rebuild(name):
            table.add_row(name, step, result)
    say(table)
    say("scanmap (the design card) keeps a deleted value while a later slot of its chain is "
        "full; real Go (the go model) zeroes the slot at delete, so only the buckets and B "
        "stay until the map is rebuilt. JSON reports: " + str(out_dir), markup=False)
