"""The terminal tables of the front ends: ``gcemu run``'s report, the stepper's.

Everything a front end prints in rich tables and one-line summaries lives here, so that
the commands (`gcemu.cli`), the demo (`gcemu.ui.demo`) and the stepper
(`gcemu.ui.stepper`) share it without importing each other. The progress bar goes to
stderr, and only on a terminal, so piped and ``--json`` output stays clean.
"""

from __future__ import annotations

import contextlib
import json
import os
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from gcemu.core.heap import Object
from gcemu.core.models import MODELS
from gcemu.render.text import visible

NAME_WIDTH = 40  # characters of a name or key a table shows before its ellipsis


class _Console(Console):
    def on_broken_pipe(self) -> None:
        """The reader left (``gcemu run x.py | head -1``): rich's own handler exits
        with status 1; raise instead, so `gcemu.cli.main` ends quietly with 0."""
        raise BrokenPipeError


def console(stderr: bool = False) -> Console:
    """A rich Console on stdout (or stderr)."""
    return _Console(stderr=stderr, highlight=False)


@contextlib.contextmanager
def progress(description: str, total: int | None = None, count: bool = False):
    """A progress bar on stderr while a block runs, shown only on a terminal.

    Yields ``advance(n=1, description=None)``. With ``total=None`` the bar pulses (with
    a counter if ``count``). Nothing is printed when stderr is not a terminal, so
    piped and ``--json`` output stays clean.
    """
    err = console(stderr=True)
    enabled = err.is_terminal and not os.environ.get("GCEMU_NO_PROGRESS")
    columns = [SpinnerColumn(), TextColumn("{task.description}", markup=False), BarColumn()]
    if total is not None:
        columns.append(MofNCompleteColumn())
    elif count:
        columns.append(TextColumn("{task.completed}"))
    columns.append(TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True, disable=not enabled) as bar:
        task = bar.add_task(description, total=total)

        def advance(n: int = 1, description: str | None = None) -> None:
            if description is None:
                bar.advance(task, n)
            else:
                bar.update(task, advance=n, description=description)

        yield advance


class StepTicks:
    """A step-loop observer (`gcemu.sched.Session`) that advances a `progress` bar
    every ``every`` steps."""

    def __init__(self, advance: Any, every: int = 256):
        self.advance, self.every, self.n = advance, every, 0

    def after_step(self, session: Any, events: Any) -> None:
        self.n += 1
        if self.n % self.every == 0:
            self.advance(self.every)


def cell(value: Any, style: str = "", limit: int | None = None) -> Text:
    """A table cell that shows ``value`` as it is: no rich markup (map types such as
    ``map[string]*T`` and user keys would otherwise be read as markup tags), control,
    bidi and line-break characters as escapes (`gcemu.render.text.visible`), and cut
    with an ellipsis after ``limit`` characters (names: `NAME_WIDTH`)."""
    return Text(visible(value, limit), style=style)


def name_cell(value: Any, style: str = "") -> Text:
    """A cell holding a user's name or key: escaped and cut at `NAME_WIDTH`, so a
    10,000-character name leaves the other columns their width."""
    return cell(value, style, NAME_WIDTH)


def heading(out: Console, text: str) -> None:
    """A header line: a rule when it fits, else the plain text (a rule would cut it)."""
    if len(text) + 6 <= out.width:
        out.rule(cell(text), style="dim")
    else:
        out.print(cell(text, "dim"))


def who(obj: Any) -> str:
    return f"{obj.label} ({obj.name})" if getattr(obj, "name", None) else obj.label


def objects_table(report, only_named: bool = True, names: dict | None = None,
                  title: str | None = None):
    """Each (named) object: state, reason and the path that kept it. ``names`` (a
    scenario's names, `Outcome.names`) adds the named objects an earlier cycle freed."""
    table = Table(title=title or f"objects after cycle {report.cycle}, model {report.model}",
                  title_justify="left")
    for col in ("object", "name", "state", "reason"):
        table.add_column(col, no_wrap=True)
    table.add_column("path from a root")
    seen = set()
    for o in report.to_json()["objects"]:
        seen.add(o["id"])
        if only_named and not o["name"]:
            continue
        stale = o["reason"] in ("stale-slot", "oldbuckets")
        path = o["path"]
        # floating garbage has no path: its JSON "path" is [the note, the object]
        text = (visible(path[0], None) if o["reason"] == "floating" and path
                else " → ".join(visible(hop, NAME_WIDTH) for hop in path))
        table.add_row(cell(o["id"]), name_cell(o["name"] or ""), cell(o["state"]),
                      cell(o["reason"] or "-"), cell(text),
                      style="red" if stale else ("magenta" if o["reason"] == "floating"
                                                 else None))
    for name, obj in (names or {}).items():
        if isinstance(obj, Object) and obj.label not in seen and 0 < obj.freed < report.cycle:
            seen.add(obj.label)
            table.add_row(cell(obj.label), name_cell(name), cell("collected"), cell("-"),
                          cell(f"(freed by cycle {obj.freed})"))
    return table if table.row_count else None


def stale_table(report):
    """Deleted-but-unreclaimed slots whose referents stayed reachable."""
    entries = report.stale_entries
    if not entries:
        return None
    table = Table(title=f"deleted entries still holding their referents (stale slots, "
                        f"model {report.model})", title_justify="left")
    swiss = MODELS[report.model].map == "swiss"
    for col in ("map", "group" if swiss else "bucket", "slot", "ctrl" if swiss else "tophash",
                "key", "keeps"):
        table.add_column(col)
    for e in entries:
        table.add_row(name_cell(e.map), cell(e.bucket), cell(e.slot), cell(e.tophash),
                      name_cell(repr(e.key)),
                      cell(", ".join(visible(r, NAME_WIDTH) for r in e.referents)))
    return table


def stale_note(report, command: str) -> str | None:
    """One line when the report's stale slots are its model's alone (a model whose
    delete clears nothing: scanmap): what real Go does, and the command that shows it."""
    if not report.stale_entries or MODELS[report.model].delete_clears:
        return None
    return (f"Stale slots are model {report.model}'s alone: real Go clears a deleted slot "
            f"(Go 1.21-1.23's mapdelete zeroes its key and elem, Go 1.24+'s Swiss tables "
            f"too), so the next cycle collects these referents; see {command} --model go")


def _bytes_text(b: dict) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in b.items() if v) or "nothing"


def maps_table(report) -> Table | None:
    """Each map the cycle kept: shape and bytes kept (a classic map's B and overflow
    buckets, a Swiss map's tables, capacity and tombstones). Its figures never wrap:
    `print_maps` prints lines instead when the table does not fit."""
    maps = report.to_json()["maps"]
    if not maps:
        return None
    swiss = "dirLen" in maps[0]
    shape = (("tables", "dirLen", "globalDepth", "capacity", "tombstones") if swiss
             else ("B", "noverflow", "growing"))
    table = Table(title=f"maps (model {report.model}; bytes by part below)",
                  title_justify="left")
    for col in ("map", "type"):
        table.add_column(col, overflow="fold")
    for col in ("len", *shape, "stale slots", "bytes"):
        table.add_column(col, justify="right", no_wrap=True)
    for m in maps:
        values = [("yes" if m[k] else "no") if k == "growing" else m[k] for k in shape]
        table.add_row(name_cell(m["name"] or "-"), cell(m["type"]), cell(m["count"]),
                      *(cell(v) for v in values), cell(m["stale_slots"]),
                      cell(f"{sum(m['bytes'].values()):,}"))
    return table


def print_maps(out: Console, report) -> None:
    """`maps_table` if it fits the terminal, else one line per map; then each map's
    bytes by part. Lines wrap between words, so no figure is ever cut."""
    table = maps_table(report)
    if table is None:
        return
    maps = report.to_json()["maps"]
    if out.measure(table, options=out.options.update_width(1 << 16)).maximum <= out.width:
        out.print(table)
    else:
        out.print(cell(f"maps (model {report.model})"), style="italic")
        for m in maps:
            out.print(cell(f"{visible(m['name'] or '-', NAME_WIDTH)} {m['type']}: len "
                           f"{m['count']}, {layout_line(m)}, stale slots {m['stale_slots']}, bytes "
                           f"{sum(m['bytes'].values()):,}"))
    for m in maps:
        out.print(cell(f"{visible(m['name'] or '-', NAME_WIDTH)} bytes: "
                       f"{_bytes_text(m['bytes'])}"))


def layout_line(m: dict) -> str:
    """One map of a JSON report in a few words: ``B=3 (8 buckets), noverflow 0`` or
    ``4 tables, dirLen 4, capacity 4096, tombstones 50``."""
    if "dirLen" not in m:
        grow = ", growing" if m["growing"] else ""
        n = 1 << m["B"]
        return f"B={m['B']} ({n} bucket{'s' * (n != 1)}), noverflow {m['noverflow']}{grow}"
    if m["dirLen"] == 0:
        return "small map (one group of 8 slots)" if m["capacity"] else "small map (no group yet)"
    return (f"{m['tables']} table{'s' * (m['tables'] != 1)}, dirLen {m['dirLen']}, capacity "
            f"{m['capacity']}, tombstones {m['tombstones']}")


def bytes_line(report) -> str:
    b = report.bytes
    kept = sum(v for k, v in b.items() if k != "freed")
    parts = ", ".join(f"{k} {v:,}" for k, v in b.items() if k != "freed" and v)
    return f"bytes kept {kept:,} ({parts or 'nothing'}); freed by this cycle {b['freed']:,}"


def flatten(value: Any, key: str = "") -> list[tuple[str, Any]]:
    """(dotted key, scalar) rows of a measurement: ``{"before": {"B": 8}}`` gives
    ``("before.B", 8)``, a list ``("rounds[0].B", 3)``; an empty dict or list stays."""
    if isinstance(value, dict) and value:
        return [row for k, v in value.items()
                for row in flatten(v, f"{key}.{k}" if key else str(k))]
    if isinstance(value, list) and value:
        return [row for i, v in enumerate(value) for row in flatten(v, f"{key}[{i}]")]
    return [(key, value)]


def _value_text(v: Any) -> str:
    return v if isinstance(v, str) else json.dumps(v)


def measured_table(measured: dict, model: str) -> Table | None:
    """What the scenario measured, one row per scalar (nested values flattened)."""
    if not measured:
        return None
    table = Table(title=f"measured by the scenario (model {model})", title_justify="left")
    table.add_column("what", overflow="fold")
    table.add_column("value", overflow="fold")
    for k, v in flatten(measured):
        table.add_row(cell(k), cell(_value_text(v)))
    return table


def print_report(out, report, measured: dict | None = None, all_objects: bool = False,
                 doc: str = "", names: dict | None = None, command: str = "gcemu run") -> None:
    """The readable report of `run` (and of the stepper at the end of a cycle).
    ``command``: how to run the scenario again, for `stale_note`."""
    if doc:
        out.print(doc, markup=False)
        out.print()
    table = objects_table(report, only_named=not all_objects, names=names)
    if table is not None:
        out.print(table)
    print_stale(out, report, command)
    print_maps(out, report)
    table = measured_table(measured or {}, report.model)
    if table is not None:
        out.print(table)
    out.print(bytes_line(report), markup=False)


def print_stale(out: Console, report, command: str) -> None:
    """`stale_table` and, when the stale slots are the model's alone, `stale_note`."""
    table = stale_table(report)
    if table is not None:
        out.print(table)
    note = stale_note(report, command)
    if note:
        out.print(note, markup=False, style="bold")


def outcome_rows(out) -> dict[str, str]:
    """name -> "state (reason)" of every named object of one run."""
    rows = {}
    for o in out.report.to_json()["objects"]:
        if o["name"]:
            rows.setdefault(o["name"], o["state"] + (f" ({o['reason']})" if o["reason"] else ""))
    for name, obj in out.names.items():
        if name not in rows and isinstance(obj, Object) and obj.freed:
            rows[name] = f"collected (cycle {obj.freed})"
    return rows


def print_comparison(out, results: dict) -> None:
    """``gcemu compare``'s tables: the named objects under each model (those that differ
    first, in bold), bytes and map shapes per model, then the measurements side by side.
    ``results``: model name -> `gcemu.ui.scenario.Outcome`."""
    models = list(results)
    per_model = {name: outcome_rows(o) for name, o in results.items()}
    names = list(dict.fromkeys(n for rows in per_model.values() for n in rows))
    differ = [n for n in names if len({per_model[m].get(n, "-") for m in models}) > 1]
    same = [n for n in names if n not in differ]
    table = Table(title=f"named objects: {len(differ)} differ, {len(same)} the same",
                  title_justify="left")
    table.add_column("name")
    for name in models:
        table.add_column(name)
    for n in differ + same:
        table.add_row(name_cell(n), *(cell(per_model[m].get(n, "-")) for m in models),
                      style="bold" if n in differ else "dim")
    if names:
        out.print(table)
    else:
        out.print("(the scenario names no objects: give them name=...)", markup=False)
    for name, o in results.items():
        out.print(f"{name}: {bytes_line(o.report)}", markup=False)
    for name, o in results.items():
        for m in o.report.to_json()["maps"]:
            out.print(cell(f"{name}: map {visible(m['name'] or '-', NAME_WIDTH)} {m['type']}: "
                           f"len {m['count']}, {layout_line(m)}"))
    measured = {name: o.measured for name, o in results.items() if o.measured}
    if measured:
        t = Table(title="measured by the scenario", title_justify="left")
        t.add_column("what", overflow="fold")
        for name in measured:
            t.add_column(name)
        flat = {m: dict(flatten(d)) for m, d in measured.items()}
        keys = list(dict.fromkeys(k for d in flat.values() for k in d))
        for k in keys:
            vals = [flat[m].get(k) for m in flat]
            t.add_row(cell(k), *(cell(_value_text(v)) for v in vals),
                      style="bold" if len({json.dumps(v) for v in vals}) > 1 else None)
        out.print(t)
