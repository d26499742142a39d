"""The memory-over-time chart (gcemu/render/memchart.py) and ``gcemu render --memory``."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gcemu.cli import main
from gcemu.errors import GcemuError
from gcemu.render.memchart import MB, SERIES, memory_chart_svg, nice_step, write_memory_chart
from gcemu.render.text import visible

NS = {"s": "http://www.w3.org/2000/svg"}
FIELDS = [f for f, _ in SERIES]
EVIL = 'a <b> & "c"\n\u202e'


def phase(alloc, inuse, idle, released):
    return {"HeapAlloc": alloc, "HeapInuse": inuse, "HeapIdle": idle,
            "HeapReleased": released, "NumGC": 1}


def parse(svg: str):
    """(root, {field: [(x, y, bytes)]}, phase labels, tick values in MB)."""
    root = ET.fromstring(svg)
    series = {}
    for g in root.iterfind("s:g[@class='series']", NS):
        series[g.get("data-field")] = [
            (float(c.get("cx")), float(c.get("cy")), int(c.get("data-bytes")))
            for c in g.iterfind("s:circle", NS)]
        line = g.find("s:polyline", NS).get("points").split()
        assert [tuple(map(float, p.split(","))) for p in line] == \
            [(x, y) for x, y, _ in series[g.get("data-field")]]
    labels = [t.text for t in root.iterfind(".//s:text[@class='phase']", NS)]
    ticks = [float(t.text) for t in root.iterfind(".//s:text[@class='tick']", NS)]
    return root, series, labels, ticks


PHASES = {"start": phase(45_024, 401_408, 3_457_024, 0),
          "after inserts": phase(461 * MB, 470 * MB, 2 * MB, 0),
          EVIL: phase(293 * MB, 300 * MB, 172 * MB, 150 * MB)}


def test_the_chart_has_four_series_one_point_per_phase_in_order():
    root, series, labels, ticks = parse(memory_chart_svg(PHASES, "book <28> & co"))
    assert list(series) == FIELDS
    for f in FIELDS:
        assert [b for _, _, b in series[f]] == [p[f] for p in PHASES.values()]
        xs = [x for x, _, _ in series[f]]
        assert xs == sorted(xs) and len(set(xs)) == 3
    assert labels == ["start", "after inserts", visible(EVIL, 18)]
    assert root.find("s:title", NS).text == "book <28> & co"
    # y axis in MB: round ticks from 0 up to at least the largest figure (470 MB)
    assert ticks[0] == 0 and ticks[-1] >= 470 and ticks == sorted(ticks)
    assert len({b - a for a, b in itertools.pairwise(ticks)}) == 1


def test_points_sit_at_their_mb_on_the_y_axis():
    root, series, _, ticks = parse(memory_chart_svg(PHASES, "t"))
    tick_y = {float(t.text): float(t.get("y")) - 4
              for t in root.iterfind(".//s:text[@class='tick']", NS)}
    y0, ytop = tick_y[ticks[0]], tick_y[ticks[-1]]
    for f in FIELDS:
        for _, y, b in series[f]:
            assert y == pytest.approx(y0 + (ytop - y0) * (b / MB) / ticks[-1], abs=0.01)
    # 0 bytes on the x axis, the largest figure highest
    assert series["HeapReleased"][0][1] == y0
    assert min(y for f in FIELDS for _, y, _ in series[f]) == series["HeapInuse"][1][1]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(*[st.integers(0, 1 << 34)] * 4), min_size=1, max_size=8),
       st.text(max_size=30))
def test_any_phases_give_a_well_formed_chart(rows, name):
    phases = {f"{name}{i}": phase(*r) for i, r in enumerate(rows)}
    root, series, labels, ticks = parse(memory_chart_svg(phases, name))
    height = float(root.get("height"))
    assert len(labels) == len(rows)
    for f in FIELDS:
        assert len(series[f]) == len(rows)
        assert all(0 <= y <= height for _, y, _ in series[f])
    assert ticks[-1] * MB >= max(max(r) for r in rows)


@pytest.mark.parametrize(("top", "step"), [(461, 100), (0.3, 0.1), (4, 1), (0, 1), (12, 5)])
def test_nice_step(top, step):
    assert nice_step(top) == pytest.approx(step)


def test_bad_phases_and_paths_are_one_line_errors(tmp_path):
    with pytest.raises(GcemuError, match="no MemStats phases"):
        memory_chart_svg({}, "t")
    with pytest.raises(GcemuError, match="phase 'x' has no HeapIdle, HeapReleased"):
        memory_chart_svg({"x": {"HeapAlloc": 1, "HeapInuse": 2}}, "t")
    with pytest.raises(GcemuError, match="memory chart is SVG"):
        write_memory_chart(PHASES, tmp_path / "m.png", "t")


SCENARIO = '''
from gcemu.ui.scenario import memstats

def scenario(heap):
    heap.declare("type T struct { id int; next *T; buf [48]byte }")
    m = heap.make_map("map[int]*T", name="m")
    start = memstats(heap)
    for i in range(20000):
        m[i] = heap.new("T")
    full = memstats(heap)
    for i in range(20000):
        del m[i]
    heap.collect()
    heap.free_os_memory()
    return {"start": start, "<full> & \\"all\\"": full, "freed": memstats(heap), "n": len(m)}
'''


def test_render_memory_writes_the_scenarios_phases(tmp_path, capsys):
    scn = tmp_path / "s.py"
    scn.write_text(SCENARIO)
    out = tmp_path / "mem.svg"
    assert main(["render", str(scn), "--memory", "--model", "go", "-o", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    _, series, labels, _ = parse(out.read_text())
    assert labels == ["start", '<full> & "all"', "freed"]
    alloc = [b for _, _, b in series["HeapAlloc"]]
    assert alloc[1] - alloc[0] > 20000 * 64 and alloc[2] < alloc[1]
    released = [b for _, _, b in series["HeapReleased"]]
    assert released[2] > released[1]          # FreeOSMemory released the freed spans
    assert all(len(series[f]) == 3 for f in FIELDS)


@pytest.mark.parametrize(("extra", "message"), [
    (["-o", "m.png"], "m.png: the memory chart is SVG: give -o FILE.svg"),
    (["-o", "m.svg", "--after-gc"], "--memory draws the scenario's MemStats phases; it does "
                                    "not take --after-gc"),
])
def test_render_memory_refuses_other_outputs(tmp_path, capsys, extra, message):
    scn = tmp_path / "s.py"
    scn.write_text(SCENARIO)
    assert main(["render", str(scn), "--memory", *extra]) == 2
    assert capsys.readouterr().err.strip() == f"gcemu: error: {message}"


def test_render_memory_needs_phases(tmp_path, capsys):
    scn = tmp_path / "s.py"
    scn.write_text("def scenario(heap):\n    return {'n': 1}\n")
    assert main(["render", str(scn), "--memory", "-o", str(tmp_path / "m.svg")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"gcemu: error: {scn}: --memory: the scenario returns no MemStats")
    assert "\n" not in err and not (tmp_path / "m.svg").exists()
