"""The terminal tables of the front ends: ``gcemu run``'s report, the stepper's.

Everything a front end prints in rich tables and one-line summaries lives here, so that
the commands (`gcemu.cli`), the demo (`gcemu.ui.demo`) and the stepper
(`gcemu.ui.stepper`) share it without importing each other. The progress bar goes to
stderr, and only on a terminal, so piped and ``--json`` output stays clean.

The objects and stale-slot tables can be as long as the heap: `print_rows` prints
them as rich tables up to `RICH_ROWS` rows and past that as plain aligned lines,
written as each row is made (with `--limit`, only the rows asked for are made, so an
object's path is worked out only if its row is printed).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
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
from gcemu.maps import kind_for
from gcemu.render.text import visible
from gcemu.ui.memstats import memstats_table, split_phases

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


RICH_ROWS = 200  # a table of more rows prints as plain aligned lines, streamed


@dataclass(frozen=True)
class Rows:
    """The rows a table will show, made one at a time as they are printed.

    ``rows`` yields (cells, style): each cell already `visible` and cut; ``total`` is
    how many it yields in all, known before any is made (so a table of many rows can be
    told apart from a short one, and ``--limit``'s remainder counted, without making
    the rows nobody prints)."""

    title: str
    columns: tuple[tuple[str, bool], ...]  # (heading, no_wrap)
    rows: Iterator[tuple[tuple[str, ...], str | None]]
    total: int


def print_rows(out: Console, rows: Rows, limit: int | None = None, more: str = "") -> None:
    """A rich table of ``rows``, or, past `RICH_ROWS` rows, aligned plain lines written
    as each row is made: rich lays a table out whole before printing it, about 1.7 ms
    a row, so 100,000 rows took minutes and printed nothing until the end. At most
    ``limit`` rows; then one line saying how many were left out and ``more`` (how to
    see them)."""
    shown = rows.total if limit is None else min(limit, rows.total)
    head = itertools.islice(rows.rows, shown)
    if not shown:
        return
    if shown <= RICH_ROWS:
        table = Table(title=rows.title, title_justify="left")
        for col, no_wrap in rows.columns:
            table.add_column(col, no_wrap=no_wrap)
        for cells, style in head:
            table.add_row(*(Text(c) for c in cells), style=style)
        out.print(table)
    else:
        _print_plain(out, rows, head)
    if shown < rows.total:
        out.print(cell(f"({rows.total - shown:,} more rows not shown"
                       f"{'; ' + more if more else ''})", "dim"))


def _print_plain(out: Console, rows: Rows, head: Iterator) -> None:
    """The title and the rows as lines, never wrapped: columns padded to the widest cell
    of the first `RICH_ROWS` rows (a wider cell later pushes its line on, it is never
    cut); the last column is not padded. Styles are left out."""
    first = list(itertools.islice(head, RICH_ROWS))
    names = [col for col, _ in rows.columns]
    widths = [max([len(name)] + [len(cells[i]) for cells, _ in first])
              for i, name in enumerate(names[:-1])]
    write = out.file.write
    write(rows.title + "\n")

    def line(cells) -> str:
        padded = [c.ljust(w) for c, w in zip(cells[:-1], widths, strict=True)]
        return "  ".join([*padded, cells[-1]]).rstrip() + "\n"

    write(line(names))
    for cells, _ in itertools.chain(first, head):
        write(line(cells))
    out.file.flush()


def who(obj: Any) -> str:
    return f"{obj.label} ({obj.name})" if getattr(obj, "name", None) else obj.label


def object_rows(report, only_named: bool = True, names: dict | None = None,
                title: str | None = None) -> Rows:
    """Each (named) object: state, reason and the path that kept it. ``names`` (a
    scenario's names, `Outcome.names`) adds the named objects an earlier cycle freed.
    The objects are picked first; a row's JSON (and so its `why`) is made only when the
    row is printed."""
    picked = [o for o in report.objects if o.name or not only_named]
    seen = {o.label for o in report.objects}
    earlier = {}
    for name, obj in (names or {}).items():
        if isinstance(obj, Object) and obj.label not in seen and 0 < obj.freed < report.cycle:
            seen.add(obj.label)
            earlier[name] = obj
    rows = itertools.chain((_object_row(report.object_json(o)) for o in picked),
                           (((visible(obj.label, None), visible(name, NAME_WIDTH),
                              "collected", "-", f"(freed by cycle {obj.freed})"), None)
                            for name, obj in earlier.items()))
    return Rows(title or f"objects after cycle {report.cycle}, model {report.model}",
                (("object", True), ("name", True), ("state", True), ("reason", True),
                 ("path from a root", False)),
                rows, len(picked) + len(earlier))


def _object_row(o: dict) -> tuple[tuple[str, ...], str | None]:
    stale = o["reason"] in ("stale-slot", "oldbuckets")
    path = o["path"]
    # floating garbage has no path: its JSON "path" is [the note, the object]; else the
    # root (which names a user's global) is cut like a name, and gcemu's own hops (labels,
    # "bucket 65 (preallocated overflow) slot 0 (full, elem)") are never cut
    text = (visible(path[0], None) if o["reason"] == "floating" and path
            else " → ".join([visible(hop, NAME_WIDTH if n == 0 else None)
                             for n, hop in enumerate(path)]))
    style = "red" if stale else ("magenta" if o["reason"] == "floating" else None)
    return (visible(o["id"], None), visible(o["name"] or "", NAME_WIDTH), o["state"],
            o["reason"] or "-", text), style


def stale_rows(report) -> Rows:
    """Deleted-but-unreclaimed slots whose referents stayed reachable."""
    entries = report.stale_entries
    kind = kind_of_report(report)
    rows = (((visible(e.map, NAME_WIDTH), visible(e.bucket, None), str(e.slot),
              visible(e.tophash, None), visible(repr(e.key), NAME_WIDTH),
              ", ".join(visible(r, NAME_WIDTH) for r in e.referents)), None)
            for e in entries)
    return Rows(f"deleted entries still holding their referents (stale slots, "
                f"model {report.model})",
                tuple((col, False) for col in ("map", kind.unit, "slot", kind.state_word,
                                               "key", "keeps")),
                rows, len(entries))


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
    maps = report.maps_json()
    if not maps:
        return None
    shape = kind_of_report(report).columns
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
    maps = report.maps_json()
    layout = kind_of_report(report).layout_line
    if out.measure(table, options=out.options.update_width(1 << 16)).maximum <= out.width:
        out.print(table)
    else:
        out.print(cell(f"maps (model {report.model})"), style="italic")
        for m in maps:
            out.print(cell(f"{visible(m['name'] or '-', NAME_WIDTH)} {m['type']}: len "
                           f"{m['count']}, {layout(m)}, stale slots {m['stale_slots']}, bytes "
                           f"{sum(m['bytes'].values()):,}"))
    for m in maps:
        out.print(cell(f"{visible(m['name'] or '-', NAME_WIDTH)} bytes: "
                       f"{_bytes_text(m['bytes'])}"))


def kind_of_report(report):
    """The map kind of a report's model (`gcemu.maps.kind`): its tables' words."""
    return kind_for(MODELS[report.model].map)


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
                 doc: str = "", names: dict | None = None, command: str = "gcemu run",
                 limit: int | None = None) -> None:
    """The readable report of `run` (and of the stepper at the end of a cycle).
    ``command``: how to run the scenario again, for `stale_note`; ``limit``: rows at
    most of the objects and stale-slot tables (``run --limit``)."""
    if doc:
        out.print(doc, markup=False)
        out.print()
    more = "raise --limit to see them"
    print_rows(out, object_rows(report, only_named=not all_objects, names=names), limit, more)
    print_stale(out, report, command, limit, more)
    print_maps(out, report)
    phases, rest = split_phases(measured or {})
    if phases:
        out.print(memstats_table(phases, f"runtime.MemStats at each phase (model {report.model})"))
    table = measured_table(rest, report.model)
    if table is not None:
        out.print(table)
    out.print(bytes_line(report), markup=False)


def print_stale(out: Console, report, command: str, limit: int | None = None,
                more: str = "") -> None:
    """`stale_rows` and, when the stale slots are the model's alone, `stale_note`."""
    print_rows(out, stale_rows(report), limit, more)
    note = stale_note(report, command)
    if note:
        out.print(note, markup=False, style="bold")


def outcome_rows(out) -> dict[str, str]:
    """name -> "state (reason)" of every named object of one run."""
    rows = {}
    report = out.report
    for o in report.objects:
        if o.name and o.name not in rows:
            reason = report.reason(o)
            rows[o.name] = (f"retained ({reason})" if report.retained(o) else "collected")
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
        for m in o.report.maps_json():
            out.print(cell(f"{name}: map {visible(m['name'] or '-', NAME_WIDTH)} {m['type']}: "
                           f"len {m['count']}, {kind_of_report(o.report).layout_line(m)}"))
    measured = {}
    for name, o in results.items():
        phases, rest = split_phases(o.measured or {})
        if phases:
            out.print(memstats_table(phases, f"runtime.MemStats at each phase ({name})"))
        if rest:
            measured[name] = rest
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
