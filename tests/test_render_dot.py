"""Pictures through Graphviz: `gcemu.to_dot`, `gcemu.render.render`.

Every picture here goes through the real ``dot`` binary (Debian's graphviz; the test
command installs it): an accepted DOT file is the point, so a missing ``dot`` fails
these tests rather than skipping them, except the one that removes it on purpose.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import gcemu
from gcemu.render import render
from gcemu.render.dot import INSTALL_HINT, TOPHASH_COLORS, pipe, visible
from gcemu.scenario import load, prepare

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
T_DECL = "type T struct { id int; next *T; buf [48]byte }"
SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = ['"><script>alert(1)</script>', "q'uo\"te", "{br|ace}<p>", "new\nline\r\ttab",
           "back\\slash\\n\\l", "emoji 😀🎉", "&amp; &lt;", "]]> </svg> <!--",
           "\u202eRTL\u2028LS", "lone\ud800surrogate", "x" * 300]


def svg_texts(svg: bytes | str) -> list[str]:
    """Every text element of an SVG (which must be well-formed XML)."""
    root = ET.fromstring(svg)
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def abc(model: str = "scanmap"):
    h = gcemu.Heap(model=model)
    h.declare(T_DECL)
    m = h.make_map("map[string]*T", name="m")
    a, b, c = (h.new("T", name=n) for n in "abc")
    m["a"], m["b"], m["c"] = a, b, c
    return h, m, a, b, c


def growing():
    """A map in the middle of growing to B=3: oldbuckets with evacuated slots."""
    h = gcemu.Heap()
    h.declare(T_DECL)
    m = h.make_map("map[int]*T", name="m")
    i = 0
    while not (m.growing() and m.B >= 3):
        m[i] = h.new("T", name=f"v{i}")
        i += 1
    return h, m


# -- every example, both models, through dot -----------------------------------------------
@pytest.mark.parametrize("model", ["scanmap", "go"])
@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_renders_through_dot(path, model, tmp_path):
    heap = prepare(load(path), model)
    for name in heap.globals:
        assert f"global {visible(name, 60)}" in "\n".join(svg_texts(pipe(gcemu.to_dot(heap),
                                                                         "svg")))
    if heap.cycle is not None:                  # a scenario may leave a cycle running
        heap.cycle.run()
    cycle = heap.gc()
    for _ in range(3):
        cycle.step()
    mid = pipe(gcemu.to_dot(cycle), "svg")
    assert "phase mark · step 3" in "\n".join(svg_texts(mid))
    cycle.run()
    for suffix in (".dot", ".svg", ".png"):
        out = render(cycle, tmp_path / f"{path.stem}{suffix}")
        assert out.stat().st_size > 100
    assert (tmp_path / f"{path.stem}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg_texts((tmp_path / f"{path.stem}.svg").read_bytes())  # well-formed
    dot = (tmp_path / f"{path.stem}.dot").read_text(encoding="utf-8")
    ok = subprocess.run(["dot", "-Tsvg"], input=dot.encode(), capture_output=True)
    assert ok.returncode == 0, ok.stderr


def test_examples_exist():
    assert EXAMPLES, "examples/ has no scenario to render"


# -- what a picture shows ------------------------------------------------------------------
def test_hmap_record_bucket_table_roots_legend():
    h, m, *_ = abc()
    del m["b"]
    src = gcemu.to_dot(h).source
    hmap = next(line for line in src.splitlines() if line.strip().startswith("o1 "))
    assert "shape=record" in hmap
    for f in ("count 2", "B 0", "flags 0", "noverflow 0", "nevacuate 0",
              f"hash0 {m.hash0:#010x}", "<buckets> buckets", "<oldbuckets> oldbuckets",
              "<extra> extra"):
        assert f in hmap, f
    assert re.search(r'\S+ \[shape=hexagon[^\n]*label="global m"', src)
    assert "subgraph cluster_o5 {" in src  # the bucket array, a cluster
    # the bucket: 8 tophash cells, coloured by state; key and elem cells are ports
    table = next(line for line in src.splitlines() if "o5b0 [shape=plain" in line)
    cells = re.findall(r'<TD BGCOLOR="(#[0-9a-f]+)">(\d+)</TD>', table)
    assert [int(v) for _, v in cells] == list(m.buckets[0].tophash)
    assert [col for col, _ in cells] == [TOPHASH_COLORS[s] for s in (
        "full", "emptyOne stale", "full", "emptyRest", "emptyRest", "emptyRest",
        "emptyRest", "emptyRest")]
    assert all(f'PORT="k{i}"' in table and f'PORT="e{i}"' in table for i in range(8))
    assert 'PORT="ov">overflow: nil' in table
    # the stale slot's edge is dashed and red, the live ones solid
    assert re.search(r"o5b0:e1:e -> o3 \[[^\]]*#d32f2f[^\]]*style=dashed", src)
    assert re.search(r'o5b0:e0:e -> o2 \[color="#333333"\]', src)
    assert "legend [shape=plain" in src
    # heap mode: b is kept only through its stale slot: a red border
    assert re.search(r'o3 \[[^\n]*color="#d32f2f", penwidth=2', src)
    svg = pipe(gcemu.to_dot(h), "svg")
    texts = svg_texts(svg)
    assert "legend" in texts and "count 2" in texts


def test_untraced_slots_after_emptyrest_are_dotted_and_freed_objects_dashed():
    h, m, *_ = abc()
    del m["b"], m["c"]           # slots 1 and 2 become emptyRest: nothing traces them
    h.collect()                  # frees b and c; their stale pointers stay (scanmap)
    src = gcemu.to_dot(h).source
    assert re.search(r"o5b0:e1:e -> o3 \[[^\]]*style=dotted", src)
    assert re.search(r'o3 \[[^\n]*label="T#3\\nb\\n64 B · freed"[^\n]*dashed', src)


def test_colours_follow_the_cycle_step_by_step():
    h, m, a, b, c = abc()
    del m["b"]
    cycle = h.gc()
    seen = set()
    fills = {"white": "#ffffff", "grey": "#a9a9a9", "black": "#262626"}
    while not cycle.done:
        src = gcemu.to_dot(cycle).source
        for o in (m, a, b, c):
            want = fills[cycle.color(o)]
            assert re.search(rf'\n\to{o.id} \[[^\n]*fillcolor="{want}"', src), (o, want)
            seen.add(cycle.color(o))
        arr = m.buckets_obj
        col = {"white": "#fcfcfc", "grey": "#c8c8c8", "black": "#4a4a4a"}[cycle.color(arr)]
        assert f'fillcolor="{col}"' in src.split(f"subgraph cluster_o{arr.id} {{")[1]
        cycle.step()
    assert seen == {"white", "grey", "black"}
    final = gcemu.to_dot(cycle).source
    assert "phase off" in final


def test_oldbuckets_cluster_and_evacuated_states():
    h, m = growing()
    src = gcemu.to_dot(h, max_buckets=64).source
    old, new = m.oldbuckets_obj, m.buckets_obj
    assert f"cluster_o{old.id}" in src and f"cluster_o{new.id}" in src
    assert re.search(rf'label="buckets#{old.id} · oldbuckets of hmap#1 m', src)
    assert re.search(rf'label="buckets#{new.id} · buckets of hmap#1 m', src)
    for state in ("evacuatedX", "evacuatedY", "evacuatedEmpty"):
        assert f'BGCOLOR="{TOPHASH_COLORS[state]}"' in src, state
    assert "<B>oldbucket 0</B>" in src
    pipe(gcemu.to_dot(h, max_buckets=64), "svg")


def test_overflow_chain_is_drawn():
    h = gcemu.Heap()
    h.declare(T_DECL)
    m = h.make_map("map[int64]*T", name="m", hash=lambda k, seed: 0x5F00000000000000 | k)
    for i in range(12):          # one chain: bucket 0 and an overflow bucket
        m[i * 2] = h.new("T")
    assert m.buckets[0].overflow is not None
    src = gcemu.to_dot(h).source
    ov = m.buckets[0].overflow
    assert re.search(rf"o{m.buckets_obj.id}b0:ov:e -> o{ov.owner.id}b{ov.index} "
                     rf'\[color="#1565c0"', src)
    assert f"cluster_o{ov.owner.id}" in src  # a separately allocated overflow bucket
    pipe(gcemu.to_dot(h), "svg")


# -- big maps ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def big():
    """20,000 entries, every third deleted (B=12: 4,096 buckets and their overflow)."""
    h = gcemu.Heap()
    h.declare(T_DECL)
    m = h.make_map("map[int]*T", name="m")
    for i in range(20_000):
        m[i] = h.new("T")
    for i in range(0, 20_000, 3):
        del m[i]
    h.collect()
    return h, m


def test_big_map_renders_in_seconds_with_summaries(big):
    h, m = big
    focus = m[19_999]
    t = time.perf_counter()
    g = gcemu.to_dot(h, focus=[focus], max_buckets=12)
    svg = pipe(g, "svg")
    assert time.perf_counter() - t < 10
    src = g.source
    drawn = re.findall(r"\n\t  (o\d+b\d+) \[shape=plain", src)
    assert len(drawn) <= 12
    # the focus object's bucket is among them, with its edge
    j = next(b for b in m.buckets_obj.buckets for e in b.elems if e is focus).index
    bid = f"o{m.buckets_obj.id}b{j}"
    assert bid in drawn
    assert re.search(rf"{bid}:e\d:e -> o{focus.id} ", src)
    # the others are summarised, with their counts
    summaries = re.findall(r'shape=note[^\n]*label="([^"]*)"', src)
    total = sum(int(n) for s in summaries
                for n in re.findall(r": (\d+) buckets?\\n", s))
    assert total + len(drawn) == len(m.buckets_obj.buckets)
    assert any("more objects not drawn" in s for s in summaries)
    assert len(svg) < 2_000_000


def test_empty_buckets_collapse_to_all_emptyrest():
    h = gcemu.Heap()
    h.declare(T_DECL)
    m = h.make_map("map[int]*T", hint=1000, name="m")
    m[1] = h.new("T")
    src = gcemu.to_dot(h, max_buckets=4).source
    assert re.search(r"buckets \d+–\d+: \d+ buckets\\nall emptyRest", src)
    pipe(gcemu.to_dot(h, max_buckets=4), "svg")


def test_max_buckets_zero_and_bad_arguments():
    h, *_ = abc()
    src = gcemu.to_dot(h, max_buckets=0).source
    assert 'CELLPADDING="2" BGCOLOR="white"' not in src   # no bucket table
    assert "buckets 0: 1 bucket" in src
    pipe(gcemu.to_dot(h, max_buckets=0), "svg")
    with pytest.raises(gcemu.GcemuError, match="max_buckets"):
        gcemu.to_dot(h, max_buckets=-1)
    with pytest.raises(gcemu.GcemuError, match="no object labelled or named"):
        gcemu.to_dot(h, focus="nobody")
    with pytest.raises(gcemu.GcemuError, match=r"needs a gcemu\.Heap"):
        gcemu.to_dot(42)


# -- hostile strings -----------------------------------------------------------------------
@pytest.mark.parametrize("model", ["scanmap", "go"])
def test_hostile_names_keys_and_types_are_text(model, tmp_path):
    h = gcemu.Heap(model=model)
    h.declare("type 名前 struct { id int; p *名前 }")
    m = h.make_map("map[string]*名前", name=HOSTILE[0])
    h.set_global(HOSTILE[3], h.new("名前", name=HOSTILE[1]))
    for s in HOSTILE:
        m[s] = h.new("名前", name=s)
    del m[HOSTILE[2]]
    cycle = h.gc()
    for _ in range(4):
        cycle.step()
    for obj in (h, cycle):
        g = gcemu.to_dot(obj, focus=HOSTILE[4], max_buckets=64)
        svg = pipe(g, "svg")           # dot accepts it...
        texts = svg_texts(svg)         # ...and the SVG is well-formed
        joined = "\n".join(texts)
        for s in HOSTILE:
            assert visible(s, 40) in joined, s       # every name, as text
        assert f"global {visible(HOSTILE[0], 60)}" in texts
        assert "map[string]*名前" in texts
        assert b"<script" not in svg and b"<p>" not in svg
        assert "\n" not in "".join(texts) and "\u202e" not in joined
    render(cycle, tmp_path / "h.dot")
    render(cycle, tmp_path / "h.png")


def test_escaping_helpers():
    from gcemu.render.dot import dot_str, html_str, record_str

    assert visible("a\nb\tc\u202ed\ud800") == "a\\nb\\tc\\u202ed\\ud800"
    assert visible("x" * 50, 10) == "x" * 9 + "…"
    assert dot_str('a"b\\c&d') == 'a\\"b\\\\c&amp;d'
    assert record_str("{a|b}<c>") == "\\{a\\|b\\}\\<c\\>"
    assert html_str('<a href="x">&') == "&lt;a href=&quot;x&quot;&gt;&amp;"


# -- output formats and a missing dot ------------------------------------------------------
def test_render_picks_the_format_from_the_suffix(tmp_path):
    h, *_ = abc()
    dot = render(h, tmp_path / "p.dot").read_text(encoding="utf-8")
    assert dot.startswith("digraph gcemu {")
    assert render(h, tmp_path / "p.gv").exists()
    assert render(h, tmp_path / "p.svg").read_bytes().lstrip().startswith(b"<?xml")
    assert render(h, tmp_path / "p.png").read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(gcemu.GcemuError, match=r"unknown picture format '\.jpg'"):
        render(h, tmp_path / "p.jpg")
    with pytest.raises(gcemu.GcemuError, match="cannot write"):
        render(h, tmp_path / "no" / "such" / "dir.dot")


def test_missing_dot_is_one_clear_error(tmp_path, monkeypatch):
    h, *_ = abc()
    monkeypatch.setenv("PATH", str(tmp_path))       # no dot on PATH
    with pytest.raises(gcemu.GcemuError) as e:
        render(h, tmp_path / "p.svg")
    assert str(e.value) == INSTALL_HINT
    assert "apt-get install graphviz" in str(e.value)
    assert "\n" not in str(e.value)
    render(h, tmp_path / "p.dot")                   # DOT needs no Graphviz
    from gcemu.render import repr_svg

    assert repr_svg(h) is None                       # Jupyter falls back to text


def test_jupyter_shows_heaps_and_cycles_inline():
    import gcemu.render  # importing it installs the reprs

    h, *_ = abc()
    svg = h._repr_svg_()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    cycle = h.gc()
    cycle.step()
    assert "phase mark · step 1" in "\n".join(svg_texts(cycle._repr_svg_()))
    cycle.run()
    assert hasattr(gcemu.to_dot(h), "_repr_mimebundle_")  # the Digraph itself, too


def test_import_gcemu_does_not_import_graphviz():
    code = ("import sys, gcemu; assert 'graphviz' not in sys.modules; "
            "assert 'gcemu.render' not in sys.modules; print(gcemu.to_dot.__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "to_dot"
