"""``gcemu demo``: the seed article's central scenario under both classic models, then
what changed with the Swiss tables of Go 1.24.

Part 1 (the article's §2.5, the design card's scanmap rule): insert a, b, c into one
bucket, delete the middle one, run a GC cycle; delete the last one, run another. Under
scanmap the middle value stays reachable through its emptyOne slot until the emptyRest
back-propagation reaches it; under go (real Go 1.23) delete zeroes the slot, so it is
collected at once.

Part 2 (the article's chapter 1 table and the fix): 1000 string keys, delete them all,
collect: the values go, the 57,344-byte bucket array and B=8 stay, under both models;
rebuilding the map (copy the live keys into a new map, drop the old one) releases it.

Part 3 (what changed in Go 1.24, Swiss tables, the ``go-swiss`` model): part 1 again:
the three keys sit in the small map's one group; delete zeroes the slot and writes its
control byte EMPTY (0x80: a small map never holds a tombstone), so b's value is
collected. Then 1000 int keys, all deleted: every table stays (capacity, and the
tombstones delete left in full groups, go-swiss-map.md §4); ``clear`` erases the
tombstones but keeps the tables; only dropping the map frees them.

What it writes into its folder (``--out``, default ``gcemu-demo``):

- ``index.html``: one page linking everything below;
- ``delete-middle-<model>.html``: the stepping player of the GC cycle after
  ``delete b`` (step through the marker slot by slot), for scanmap, go and go-swiss;
- ``delete-middle-<model>-before-gc.svg``: the heap after ``delete b``, before the
  cycle (red border: kept only by a stale slot; dashed: the next cycle frees it);
- ``delete-middle-<model>-after-gc.svg``: the same heap at the end of the cycle
  (black: kept; dashed: freed);
- ``delete-middle-<model>.json``: the cycle's JSON report (api.md).

Without Graphviz's ``dot`` the pictures are written as ``.dot`` files, the players
are skipped, and the demo says how to install Graphviz.
"""

from __future__ import annotations

import html
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from rich.table import Table

from gcemu.api import Heap
from gcemu.core.models import CLASSIC
from gcemu.maps import kind_of
from gcemu.render import Recording, render, write_player
from gcemu.render.dot import INSTALL_HINT
from gcemu.ui.tables import cell, progress

SWISS = "go-swiss"

T_DECL = "type T struct { id int; next *T; buf [48]byte }"


@dataclass
class Row:
    step: str
    tophash: str
    outcomes: dict[str, str] = field(default_factory=dict)
    note: str = ""


@dataclass
class Part1:
    """What part 1 gives for one model."""

    rows: list[Row]
    report_json: dict
    files: list[Path] = field(default_factory=list)


def _row(m) -> str:
    """Bucket 0's tophash bytes, or the small map's control bytes (hex)."""
    return kind_of(m).first_row(m)


def _state(report, obj) -> str:
    r = report.reason(obj)
    return "collected" if r is None else f"retained ({r})"


def delete_middle_then_last(model: str, out_dir: Path | None = None,
                            pictures: bool = False) -> Part1:
    """Part 1 under one model; with ``pictures``, write its player and SVGs."""
    h = Heap(model=model)
    h.declare(T_DECL)
    m = h.make_map("map[string]*T", name="m")
    vals = {k: h.new("T", name=f"v{k}", value={"id": i}) for i, k in enumerate("abc")}
    for k, v in vals.items():
        m[k] = v
    rows = [Row("insert a, b, c", _row(m))]
    del m["b"]
    files: list[Path] = []
    if pictures and out_dir is not None:
        rep, files = _pictures(h, model, out_dir)
    else:
        rep = h.collect()
    rows.append(Row("delete b; GC", _row(m),
                    {k: _state(rep, v) for k, v in vals.items() if k != "a"},
                    str(rep.why(vals["b"])).splitlines()[-1]))
    first = rep.to_json()
    del m["c"]
    rep = h.collect()
    rows.append(Row("delete c; GC", _row(m),
                    {k: _state(rep, v) for k, v in vals.items() if k != "a"}))
    return Part1(rows, first, files)


def _pictures(h: Heap, model: str, out_dir: Path):
    """The heap before the cycle, the recorded cycle as a player, and its end."""
    stem = out_dir / f"delete-middle-{model}"
    have_dot = shutil.which("dot") is not None
    ext = ".svg" if have_dot else ".dot"
    files = [render(h, f"{stem}-before-gc{ext}", focus=["vb"],
                    title=f"model {model}: after delete(m, \"b\"), before the GC")]
    rec = Recording(h)
    report = rec.run()
    files.append(render(rec.cycle, f"{stem}-after-gc{ext}", focus=["vb"],
                        title=f"model {model}: the end of the GC cycle (dashed: freed)"))
    if have_dot:
        files.insert(0, write_player(rec, f"{stem}.html", focus=["vb"],
                                     title=f"gcemu demo · delete the middle entry · model "
                                           f"{model}"))
    return report, files


def _shape(m, rep=None) -> str:
    text = f"len={len(m)} {kind_of(m).shape(m)}"
    if rep is not None:
        text += f"; this GC freed {rep.bytes['freed']:,} B"
    return text


def delete_all_then_rebuild(model: str) -> list[tuple[str, str]]:
    """Part 2: chapter 1's table (delete all 1000 keys), then the fix (keep 10 of
    1000, rebuild the map): the map's shape and bytes after each step."""
    out = []
    h = Heap(model=model)
    h.declare(T_DECL)
    m = h.make_map("map[string]*T", name="m")
    vals = [h.new("T", value={"id": i}) for i in range(1000)]
    for i, v in enumerate(vals):
        m[f"k{i:04d}"] = v
    out.append(("1000 inserts", _shape(m)))
    for i in range(1000):
        del m[f"k{i:04d}"]
    rep = h.collect()
    out.append(("delete all 1000; GC", _shape(m, rep) + f"; values collected: "
                f"{sum(rep.collected(v) for v in vals)} of 1000"))

    h = Heap(model=model)
    h.declare(T_DECL)
    m = h.make_map("map[string]*T", name="m")
    for i in range(1000):
        m[f"k{i:04d}"] = h.new("T", value={"id": i})
    for i in range(1000):
        if i % 100:
            del m[f"k{i:04d}"]
    rep = h.collect()
    out.append(("the fix: 1000 inserts, delete 990; GC", _shape(m, rep)))
    old = m
    m = h.make_map("map[string]*T", hint=len(old), name="m")
    for k, v in old.items():
        m[k] = v
    rep = h.collect()
    out.append(("m = a new map with the 10 survivors; GC",
                _shape(m, rep) + f"; old map collected: {rep.collected(old)}"))
    return out


def delete_all_keeps_tables(model: str = SWISS) -> list[tuple[str, str]]:
    """Part 3: 1000 int keys in a Swiss map, all deleted: the tables, their capacity
    and the tombstones stay; ``clear`` erases the tombstones and keeps the tables;
    ``m = nil`` frees them."""
    h = Heap(model=model)
    h.declare(T_DECL)
    m = h.make_map("map[int]*T", name="m")
    vals = [h.new("T", value={"id": i}) for i in range(1000)]
    for i, v in enumerate(vals):
        m[i] = v
    out = [("1000 inserts", _shape(m))]
    for i in range(1000):
        del m[i]
    rep = h.collect()
    out.append(("delete all 1000; GC", _shape(m, rep) + f"; values collected: "
                f"{sum(rep.collected(v) for v in vals)} of 1000"))
    m.clear()
    out.append(("clear(m); GC", _shape(m, h.collect())))
    h.set_global("m", None)
    rep = h.collect()
    out.append(("m = nil; GC", f"map collected: {rep.collected(m)}; this GC freed "
                f"{rep.bytes['freed']:,} B"))
    return out


def _index(out_dir: Path, parts: dict[str, Part1]) -> Path:
    """A plain page linking the players, the pictures and the reports."""
    items = []
    for model, part in parts.items():
        links = []
        def rank(p: Path) -> int:
            return 0 if p.suffix == ".html" else (1 if "before" in p.name else 2)

        for f in sorted(part.files, key=rank):
            rel = html.escape(f.name, quote=True)
            if f.suffix == ".svg":
                links.append(f'<figure><img src="{rel}" alt="{rel}"><figcaption>'
                             f'<a href="{rel}">{rel}</a></figcaption></figure>')
            else:
                what = "step through the GC cycle" if f.suffix == ".html" else "picture"
                links.append(f'<p><a href="{rel}">{rel}</a> ({what})</p>')
        rel = html.escape(f"delete-middle-{model}.json", quote=True)
        links.append(f'<p><a href="{rel}">{rel}</a> (the JSON report)</p>')
        b = part.rows[1]
        items.append(f"<section><h2>model {html.escape(model)}</h2>"
                     f"<p>after <code>delete(m, \"b\")</code> and a GC: value of b "
                     f"<b>{html.escape(b.outcomes.get('b', '-'))}</b>; "
                     f"{html.escape(b.note)}</p>{''.join(links)}</section>")
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; img-src 'self'; style-src 'unsafe-inline'">
<title>gcemu demo</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:72em}}
img{{max-width:100%;border:1px solid #ddd}}figure{{margin:1em 0}}
section{{border-top:1px solid #ccc;margin-top:2em}}</style></head>
<body><h1>gcemu demo: what the GC keeps after a delete from a Go map</h1>
<p>A map[string]*T holds a, b, c in slots 0, 1, 2 of one bucket; <code>delete(m, "b")</code>
leaves slot 1 <i>emptyOne</i> (tophash 1) because slot 2 is still full. Under the
<b>scanmap</b> model (the article's claim) the marker still traces the stale slot, so b's
value is kept; under <b>go</b> (what Go 1.21-1.23 really does) delete zeroed the slot
and b's value is collected. Under <b>go-swiss</b> (the Swiss tables of Go 1.24+) the three
keys sit in the small map's one group: delete zeroes the slot and writes its control
byte 0x80 (empty), and b's value is collected too.</p>
{''.join(items)}
</body></html>
"""
    p = out_dir / "index.html"
    p.write_text(page, encoding="utf-8")
    return p


def _part1_table(parts: dict[str, Part1], row: str):
    """Part 1's table: per model and step, the slot bytes and what became of b and c."""
    table = Table(show_lines=True)
    for col in ("model", "step", row, "value of b", "value of c"):
        table.add_column(col, no_wrap=col == row)
    for name, part in parts.items():
        for r in part.rows:
            table.add_row(cell(name), cell(r.step), cell(r.tophash),
                          cell(r.outcomes.get("b", "-")), cell(r.outcomes.get("c", "-")))
    return table


def _steps_table(results: dict[str, list[tuple[str, str]]]):
    """Parts 2 and 3: per model and step, the map's shape and what the GC freed."""
    table = Table(show_lines=True)
    for col in ("model", "step", "result"):
        table.add_column(col)
    for name, rows in results.items():
        for step, result in rows:
            table.add_row(cell(name), cell(step), cell(result))
    return table


def run_demo(out_dir: Path, console, pictures: bool = True) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    say = console.print
    console.rule("gcemu demo: what the GC keeps after delete from a Go map")
    parts: dict[str, Part1] = {}
    with progress("demo", total=2 * len(CLASSIC) + 2) as advance:
        for name in (*CLASSIC, SWISS):
            advance(0, f"part 1 under {name}")
            parts[name] = delete_middle_then_last(name, out_dir, pictures)
            (out_dir / f"delete-middle-{name}.json").write_text(
                json.dumps(parts[name].report_json, indent=2))
            advance()
        part2 = {}
        for name in CLASSIC:
            advance(0, f"part 2 under {name}")
            part2[name] = delete_all_then_rebuild(name)
            advance()
        advance(0, f"part 3 under {SWISS}")
        part3 = {SWISS: delete_all_keeps_tables(SWISS)}
        advance()
    say("Part 1 (the article's §2.5): map[string]*T with keys a, b, c in slots 0, 1, 2 of "
        "one bucket; tophash 1 = emptyOne, 0 = emptyRest.", markup=False)
    say(_part1_table({name: parts[name] for name in CLASSIC}, "bucket 0 tophash"))
    for name in CLASSIC:
        say(f"{name}: after 'delete b': {parts[name].rows[1].note}", markup=False)
    say()
    say("Part 2 (chapter 1's table and the fix): 1000 string keys, delete them all; then "
        "keep 10 of 1000 and rebuild the map.", markup=False)
    say(_steps_table(part2))
    say("scanmap (the design card) keeps a deleted value while a later slot of its chain "
        "is full; real Go (the go model) zeroes the slot at delete, so only the buckets "
        "and B stay until the map is rebuilt.", markup=False)
    say()
    say("Part 3: what changed in Go 1.24 (Swiss tables, the go-swiss model). Part 1 again: "
        "a, b, c sit in the small map's one group; control byte 80 = empty, fe = deleted "
        "(a tombstone), else the key's H2 in hex.", markup=False)
    say(_part1_table({SWISS: parts[SWISS]}, "small group ctrl"))
    say(f"{SWISS}: after 'delete b': {parts[SWISS].rows[1].note}", markup=False)
    say("Then 1000 int keys, all deleted: tables never shrink, and delete leaves tombstones "
        "in full groups.", markup=False)
    say(_steps_table(part3))
    say("Swiss tables clear the deleted slot too (a small map writes EMPTY, never a "
        "tombstone), so deleted values are collected at once; the tables, their capacity "
        "and their tombstones stay until clear(m) (tombstones) or a rebuilt map (tables).",
        markup=False)
    say()
    if pictures:
        index = _index(out_dir, parts)
        if shutil.which("dot") is None:
            say(f"Pictures written as .dot (no stepping pages): {INSTALL_HINT}.",
                markup=False)
        say(f"Open {index.resolve().as_uri()} to step through the GC cycle of each model.",
            markup=False)
    files = sorted(p.name for p in out_dir.iterdir() if p.is_file())
    say(f"Written to {out_dir}/: {', '.join(files)}", markup=False)
    say("Next: docs/tutorial.md steps through one delete with `gcemu step`; "
        "docs/claims.md checks each of the article's claims.", markup=False)
