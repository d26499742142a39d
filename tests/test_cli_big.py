"""`gcemu run` on scenarios with more rows than a rich table is laid out for (issue 17,
item 17): past `RICH_ROWS` rows the objects and stale-slot tables stream as plain
aligned lines, `--limit N` caps them, and a row's path (`Report.why`) is made only for
the rows printed."""

import io
import json
import string
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from gcemu.cli import main
from gcemu.report import Report
from gcemu.ui import tables
from gcemu.ui.tables import RICH_ROWS

N = RICH_ROWS + 40  # entries: one more row than rich lays out, and some

SCENARIO = f"""
def scenario(heap):
    heap.declare("type T struct {{ id int; buf [16]byte }}")
    m = heap.make_map("map[int]*T", name="m")
    for i in range({N}):
        m[i] = heap.new("T", name="first" if i == 0 else ("last" if i == {N} - 1 else None),
                        value={{"id": i}})
    for i in range(1, {N}, 2):
        del m[i]
"""


@pytest.fixture
def scenario(tmp_path):
    p = tmp_path / "big.py"
    p.write_text(SCENARIO)
    return p


def run(capsys, *args):
    code = main(["run", *map(str, args)])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


@pytest.fixture
def why_calls(monkeypatch):
    """Every object `Report.why` is asked about, in order."""
    asked = []
    why = Report.why

    def counting(self, obj):
        asked.append(obj.label)
        return why(self, obj)

    monkeypatch.setattr(Report, "why", counting)
    return asked


def table_lines(out: str, title: str) -> list[str]:
    """The plain lines of the table ``title``: its heading line, then one per row."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    end = next((i for i in range(start + 2, len(lines))
                if not lines[i].startswith(("T#", "hmap#"))), len(lines))
    return lines[start + 1:end]


def test_run_all_past_rich_rows_prints_one_plain_line_per_object_as_the_json_has_it(
        scenario, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")  # lines are not wrapped or cut to the terminal
    objects = json.loads(run(capsys, scenario, "--model", "go", "--json"))["objects"]
    assert len(objects) == N
    out = run(capsys, scenario, "--model", "go", "--all")
    header, *rows = table_lines(out, "objects after cycle 1, model go")
    assert header.split() == ["object", "name", "state", "reason", "path", "from", "a", "root"]
    assert len(rows) == N  # one line a row: no rich box, nothing wrapped
    for line, o in zip(rows, objects, strict=True):
        cells = line.split(None, 3 if o["name"] else 2)
        assert cells[0] == o["id"] and o["state"] in line
        if o["state"] == "retained":
            assert line.endswith(" → ".join(o["path"]))
        else:
            assert line.endswith(f"{o['state']}  -")
    # columns are aligned: every row's state starts where the header's does
    column = header.index("state")
    assert all(line[column:].startswith(("retained", "collected")) for line in rows)


def test_why_is_asked_only_for_the_rows_printed(scenario, capsys, why_calls):
    out = run(capsys, scenario, "--model", "go")  # named objects only
    assert why_calls == ["T#2"]  # "first": kept; "last" (an odd key, deleted): collected
    assert "first" in out and "last" in out
    objects = json.loads(run(capsys, scenario, "--model", "go", "--json"))["objects"]
    why_calls.clear()
    out = run(capsys, scenario, "--model", "go", "--all", "--limit", 7)
    shown = objects[:7]
    assert why_calls == [o["id"] for o in shown if o["state"] == "retained"]
    assert len(why_calls) == 4  # keys 0, 2, 4, 6 kept; 1, 3, 5 deleted
    assert f"({N - 7:,} more rows not shown; raise --limit to see them)" in out
    ids = {line.split()[1] for line in out.splitlines() if line.startswith("│ T#")}
    assert ids == {o["id"] for o in shown}


def test_stale_table_past_rich_rows_is_plain_and_limited(scenario, capsys, monkeypatch):
    (m,) = json.loads(run(capsys, scenario, "--model", "scanmap", "--json"))["maps"]
    stale = m["stale_slots"]
    assert stale > 10
    monkeypatch.setattr(tables, "RICH_ROWS", 10)
    out = run(capsys, scenario, "--model", "scanmap")
    title = "deleted entries still holding their referents (stale slots, model scanmap)"
    header, *rows = table_lines(out, title)
    assert header.split() == ["map", "bucket", "slot", "tophash", "key", "keeps"]
    assert len(rows) == stale
    assert all(r.startswith("hmap#1 (m)") and "emptyOne" in r for r in rows)
    out = run(capsys, scenario, "--model", "scanmap", "--limit", 11)
    header, *rows = table_lines(out, title)
    assert len(rows) == 11
    assert f"({stale - 11:,} more rows not shown; raise --limit to see them)" in out


def test_a_short_table_stays_a_rich_table(scenario, capsys):
    out = run(capsys, scenario, "--model", "go", "--all", "--limit", 5)
    assert "┃ object" in out and f"({N - 5:,} more rows not shown" in out


@pytest.mark.parametrize("limit", ["0", "-3"])
def test_a_limit_below_one_is_one_line(scenario, capsys, limit):
    assert main(["run", str(scenario), "--limit", limit]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.strip().count("\n") == 0 and f"--limit {limit}" in err



cells = st.text(alphabet=string.ascii_letters + string.digits + "-→ ", max_size=30)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(cells, cells, cells), min_size=4, max_size=25),
       limit=st.none() | st.integers(4, 30))
def test_plain_rows_are_one_line_each_aligned_and_never_cut(rows, limit):
    """Any cells, on a 40-column console: one line per row shown, the first RICH_ROWS
    rows' cells at their header's columns, every cell whole, the rest counted."""
    buf = io.StringIO()
    out = Console(file=buf, width=40)
    shown = rows[:limit]
    with mock.patch.object(tables, "RICH_ROWS", 3):
        tables.print_rows(out, tables.Rows("title", (("a", True), ("b", True), ("c", False)),
                                           iter([(r, None) for r in rows]), len(rows)),
                          limit)
    title, header, *lines = buf.getvalue().splitlines()
    assert title == "title" and header.split() == ["a", "b", "c"]
    body, rest = lines[:len(shown)], lines[len(shown):]
    assert rest == ([f"({len(rows) - len(shown):,} more rows not shown)"]
                    if len(shown) < len(rows) else [])
    columns = [header.index(c) for c in "abc"]
    for n, (line, (a, b, c)) in enumerate(zip(body, shown, strict=True)):
        assert line.startswith(a) and f"{b.rstrip()}  " in line + "  " and c.rstrip() in line
        if n < 3:  # the rows that set the widths
            assert [line[k:].startswith(cell.rstrip()) for k, cell in
                    zip(columns, (a, b, c), strict=True)] == [True] * 3
