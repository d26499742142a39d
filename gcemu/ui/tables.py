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

from gcemu.heap import Object
from gcemu.models import MODELS


def console(stderr: bool = False):
    """A rich Console on stdout (or stderr)."""
    return Console(stderr=stderr, highlight=False)


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


def cell(value: Any, style: str = ""):
    """A table cell that shows ``value`` as it is: no rich markup (map types such as
    ``map[string]*T`` and user keys would otherwise be read as markup tags)."""
    return Text(value if isinstance(value, str) else str(value), style=style)


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
        text = path[0] if o["reason"] == "floating" and path else " → ".join(path)
        table.add_row(cell(o["id"]), cell(o["name"] or ""), cell(o["state"]),
                      cell(o["reason"] or "-"), cell(text),
                      style="red" if stale else ("magenta" if o["reason"] == "floating"
                                                 else None))
    for name, obj in (names or {}).items():
        if isinstance(obj, Object) and obj.label not in seen and 0 < obj.freed < report.cycle:
            seen.add(obj.label)
            table.add_row(cell(obj.label), cell(name), cell("collected"), cell("-"),
                          cell(f"(freed by cycle {obj.freed})"))
    return table if table.row_count else None


def stale_table(report):
    """Deleted-but-unreclaimed slots whose referents stayed reachable."""
    entries = report.stale_entries
    if not entries:
        return None
    table = Table(title="deleted entries still holding their referents (stale slots)",
                  title_justify="left")
    swiss = MODELS[report.model].map == "swiss"
    for col in ("map", "group" if swiss else "bucket", "slot", "ctrl" if swiss else "tophash",
                "key", "keeps"):
        table.add_column(col)
    for e in entries:
        table.add_row(cell(e.map), cell(e.bucket), cell(e.slot), cell(e.tophash),
                      cell(repr(e.key)), cell(", ".join(e.referents)))
    return table


def maps_table(report):
    """Each map the cycle kept: shape and bytes (a classic map's B and overflow
    buckets, a Swiss map's tables, capacity and tombstones)."""
    maps = report.to_json()["maps"]
    if not maps:
        return None
    swiss = "dirLen" in maps[0]
    shape = (("tables", "dirLen", "globalDepth", "capacity", "tombstones") if swiss
             else ("B", "noverflow", "growing"))
    table = Table(title="maps", title_justify="left")
    for col in ("map", "type", "len", *shape, "stale slots"):
        table.add_column(col, justify="left" if col in ("map", "type") else "right")
    table.add_column("bytes")
    for m in maps:
        b = m["bytes"]
        size = ", ".join(f"{k} {v:,}" for k, v in b.items() if v)
        values = [("yes" if m[k] else "no") if k == "growing" else m[k] for k in shape]
        table.add_row(cell(m["name"] or "-"), cell(m["type"]), cell(m["count"]),
                      *(cell(v) for v in values), cell(m["stale_slots"]), cell(size))
    return table


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


def measured_table(measured: dict):
    if not measured:
        return None
    table = Table(title="measured by the scenario", title_justify="left")
    table.add_column("what")
    table.add_column("value")
    for k, v in measured.items():
        text = v if isinstance(v, str) else json.dumps(v, separators=(", ", ": "))
        table.add_row(cell(k), cell(text))
    return table


def print_report(out, report, measured: dict | None = None, all_objects: bool = False,
                 doc: str = "", names: dict | None = None) -> None:
    """The readable report of `run` (and of the stepper at the end of a cycle)."""
    if doc:
        out.print(doc, markup=False)
        out.print()
    for t in (objects_table(report, only_named=not all_objects, names=names),
              stale_table(report), maps_table(report), measured_table(measured or {})):
        if t is not None:
            out.print(t)
    out.print(bytes_line(report), markup=False)


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
        table.add_row(cell(n), *(cell(per_model[m].get(n, "-")) for m in models),
                      style="bold" if n in differ else "dim")
    if names:
        out.print(table)
    else:
        out.print("(the scenario names no objects: give them name=...)", markup=False)
    for name, o in results.items():
        out.print(f"{name}: {bytes_line(o.report)}", markup=False)
    for name, o in results.items():
        for m in o.report.to_json()["maps"]:
            out.print(f"{name}: map {m['name'] or '-'} {m['type']}: len {m['count']}, "
                      f"{layout_line(m)}", markup=False)
    measured = {name: o.measured for name, o in results.items() if o.measured}
    if measured:
        t = Table(title="measured by the scenario", title_justify="left")
        t.add_column("what")
        for name in measured:
            t.add_column(name)
        keys = list(dict.fromkeys(k for d in measured.values() for k in d))
        for k in keys:
            vals = [measured[m].get(k) for m in measured]
            t.add_row(cell(k), *(cell(v if isinstance(v, str) else json.dumps(v)) for v in vals),
                      style="bold" if len({json.dumps(v) for v in vals}) > 1 else None)
        out.print(t)
