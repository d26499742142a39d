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
from gcemu.render import Recording, render
from gcemu.render.classic import TOPHASH_COLORS
from gcemu.render.dot import INSTALL_HINT, pipe
from gcemu.render.swiss import CTRL_COLORS, CTRL_LEGEND
from gcemu.render.text import short_value, visible
from gcemu.ui.scenario import load, prepare

ROOT = Path(__file__).resolve().parent.parent
# not drawn here: the goroutine examples (chapters 3, 4: run by gcemu explore, see
# tests/test_explore.py) and the book's 1,000,000-entry scenario (tests/test_examples.py)
EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*.py")
                  if not p.stem.startswith(("ch3_", "ch4_", "book_")))
# the examples that read the Swiss layout run under go-swiss only, those that read the
# classic one under scanmap and go; the article's that read neither under all three
SWISS_ONLY = ("swiss_", "churn_")
ARTICLE_ON_SWISS = ["delete_during_mark", "delete_during_range", "delete_middle",
                    "release_timing"]
CLASSIC_EXAMPLES = [p for p in EXAMPLES if not p.stem.startswith(SWISS_ONLY)]
SWISS_EXAMPLES = [p.stem for p in EXAMPLES if p.stem.startswith(SWISS_ONLY)] + ARTICLE_ON_SWISS
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
@pytest.mark.parametrize("path", CLASSIC_EXAMPLES, ids=[p.stem for p in CLASSIC_EXAMPLES])
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
    assert {p.stem for p in EXAMPLES} >= set(ARTICLE_ON_SWISS)


@pytest.mark.parametrize("name", SWISS_EXAMPLES)
def test_examples_that_run_on_swiss_maps_render_through_dot(name, tmp_path, monkeypatch):
    monkeypatch.setenv("GCEMU_CHURN_OPS", "20000")  # the churn example: a short churn
    heap = prepare(load(ROOT / "examples" / f"{name}.py"), "go-swiss")
    texts = svg_texts(pipe(gcemu.to_dot(heap), "svg"))
    assert "ctrl 80 empty" in texts                 # the Swiss legend
    for g in heap.globals:
        assert f"global {visible(g, 60)}" in texts
    rec = Recording(heap)                       # the scenario's cycle, or a new one
    for _ in range(4):
        rec.step()
    mid = "\n".join(svg_texts(pipe(gcemu.to_dot(rec.cycle), "svg")))
    assert f"phase {rec.cycle.phase} · step {rec.cycle.steps}" in mid
    rec.run()
    svg_texts(render(rec.cycle, tmp_path / f"{name}.svg").read_bytes())


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
    assert re.search(r'o3 \[[^\n]*label="T#3 · b\\n64 B · freed"[^\n]*dashed', src)


@pytest.mark.parametrize("model", ["scanmap", "go-swiss"])
def test_colours_follow_the_cycle_step_by_step(model):
    h, m, a, b, c = abc(model)
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
        arr = m.dirPtr if model == "go-swiss" else m.buckets_obj
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
@pytest.mark.parametrize("model", ["scanmap", "go", "go-swiss"])
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
    from gcemu.render.text import dot_str, html_str, record_str

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


# -- Swiss maps (go-swiss) -----------------------------------------------------------------
def swiss(n: int, model: str = "go-swiss"):
    """A map[int]*T of the Swiss model with n entries v0..v{n-1}."""
    h = gcemu.Heap(model=model)
    h.declare(T_DECL)
    m = h.make_map("map[int]*T", name="m")
    for i in range(n):
        m[i] = h.new("T", name=f"v{i}")
    return h, m


def node_line(src: str, nid: str) -> str:
    return next(line for line in src.splitlines() if line.strip().startswith(f"{nid} "))


def test_swiss_small_map_header_group_and_legend():
    h, m, a, b, _ = abc("go-swiss")
    del m["b"]
    src = gcemu.to_dot(h).source
    header = node_line(src, f"o{m.id}")
    assert "shape=record" in header
    for f in ("<h> map#1 m", "used 2", f"seed {m.seed:#018x}", "dirLen 0 (small)",
              "globalDepth 0", "tombstonePossible false", "clearSeq 0", "<dirPtr> dirPtr"):
        assert f in header, f
    g = m.dirPtr
    assert f'label="{g.label} · small group of map#1 m · 1 group · 208 B"' in src
    group = node_line(src, f"o{g.id}b0")
    assert "<B>small group</B>" in group and ">ctrl<" in group
    cells = re.findall(r'<TD BGCOLOR="(#[0-9a-f]+)">([0-9a-f]{2})</TD>', group)
    assert [int(v, 16) for _, v in cells] == list(g.groups[0].ctrl)
    assert [col for col, _ in cells] == [CTRL_COLORS[s] for s in (
        "full", "empty", "full", "empty", "empty", "empty", "empty", "empty")]
    assert all(f'PORT="k{i}"' in group and f'PORT="e{i}"' in group for i in range(8))
    assert "overflow" not in group                      # a group has no overflow pointer
    assert re.search(rf"o{m.id}:dirPtr -> o{g.id}b0 \[[^\]]*lhead=cluster_o{g.id}", src)
    assert re.search(rf'o{g.id}b0:e0:e -> o{a.id} \[color="#333333"\]', src)
    assert not re.search(rf"-> o{b.id} ", src)          # delete zeroed b's slot
    assert re.search(rf'o{b.id} \[[^\n]*dashed', src)    # so nothing keeps b
    legend = node_line(src, "legend")
    for key, text in CTRL_LEGEND:
        assert f'BGCOLOR="{CTRL_COLORS[key]}"' in legend and f"ctrl {text}" in legend
    assert "tophash" not in src
    texts = svg_texts(pipe(gcemu.to_dot(h), "svg"))
    assert "dirLen 0 (small)" in texts and "80" in texts


def test_swiss_tables_and_a_split_directory():
    h, m = swiss(1800)                                  # 3 tables, 4 directory entries
    for i in range(0, 1800, 2):
        del m[i]                                        # tombstones in full groups
    wide = m.directory[0]
    assert m.directory[1] is wide and wide.localDepth < m.globalDepth
    focus = next(v for k in range(1, 1800, 2) if table_of(m, v := m[k]) is wide)
    src = gcemu.to_dot(h, focus=[focus], max_buckets=2).source
    drawn = re.findall(r"\n\t  (o\d+b\d+) \[shape=plain", src)
    assert 0 < len(drawn) <= 2
    gi = next(g.index for g in wide.groups for e in g.elems if e is focus)
    bid = f"o{wide.groups_obj.id}b{gi}"
    assert bid in drawn and re.search(rf"{bid}:e\d:e -> o{focus.id} ", src)
    assert f"<B>table 0 group {gi}</B>" in src
    # the table record, its counters, and its groups cluster
    rec = node_line(src, f"o{wide.id}")
    for f in ("<index> index 0", f"localDepth {wide.localDepth}", "capacity 1024",
              f"used {wide.used}", f"growthLeft {wide.growthLeft}",
              f"tombstones {wide.tombstones()}", "<groups> groups"):
        assert f in rec, f
    assert re.search(rf"o{wide.id}:groups -> o{wide.groups_obj.id}\S+ \[[^\]]*"
                     rf"lhead=cluster_o{wide.groups_obj.id}", src)
    # the directory: one row per run of entries sharing a table, each a port...
    d = node_line(src, f"o{m.dirPtr.id}")
    assert f"{m.dirPtr.label} · 4 entries" in d
    assert f"<d0> [0–1] {wide.label}" in d
    assert re.search(rf"o{m.dirPtr.id}:d0 -> o{wide.id} ", src)
    # ...and the rows of the tables not drawn fold into one, pointing at their note
    drawn_tables = [t for t in m.tables if f"\to{t.id} [shape=record" in src]
    others = [t for t in m.tables if t not in drawn_tables]
    assert wide in drawn_tables and others
    assert f"<dx> {len(others)} more table{'s' * (len(others) > 1)} not drawn" in d
    note = re.search(rf'(loose\d+) \[[^\n]*label="{len(others)} tables? of map#1 m not '
                     rf'drawn\\n(\d+) groups · (\d+) B', src)
    assert note and int(note.group(2)) == sum(len(t.groups) for t in others)
    assert re.search(rf"o{m.dirPtr.id}:dx -> {note.group(1)} ", src)
    # tombstones are drawn fe, coloured as deleted; summaries count them
    assert re.search(rf'<TD BGCOLOR="{CTRL_COLORS["deleted"]}">fe</TD>', src)
    assert re.search(r"table \d+ groups [\d–]+: \d+ groups\\n\d+ full, \d+ deleted, "
                     r"\d+ empty", src)
    texts = svg_texts(pipe(gcemu.to_dot(h, focus=[focus], max_buckets=2), "svg"))
    assert f"[0–1] {wide.label}" in texts and "index 0" in texts


def table_of(m, v):
    """The table of a Swiss map whose groups hold the pointer ``v``."""
    return next(t for t in m.tables for g in t.groups for e in g.elems if e is v)


def test_swiss_iterator_holding_an_old_table():
    h, m = swiss(10)                                    # one 16-slot table
    it = iter(m.items())
    next(it)                                            # a range loop on the stack
    old = m.tables[0]
    for i in range(10, 40):
        m[i] = h.new("T")                               # the table grows twice
    assert old.index == -1
    del m[3]
    v3 = h.named("v3")
    src = gcemu.to_dot(h, focus=["v3"]).source
    iter_root = next(line for line in src.splitlines() if 'label="stack main: Iter(m)"' in line)
    rid = iter_root.split()[0]
    assert re.search(rf'{rid} -> o{old.id} \[[^\]]*label="\.tab"', src)
    arr = old.groups_obj
    assert re.search(rf'{rid} -> o{arr.id}b\d \[[^\]]*label="\.group"', src)
    rec = node_line(src, f"o{old.id}")
    assert "index -1 (replaced)" in rec and 'color="#7b1fa2"' in rec and "dashed" in rec
    cluster = src.split(f"subgraph cluster_o{arr.id} {{")[1].splitlines()[1]
    assert f"{arr.label} · old {old.label} (replaced) of map#1 m" in cluster
    assert 'style="rounded,dashed"; color="#7b1fa2"' in cluster
    assert f"<B>old {old.label} group " in src
    # the deleted value is traced from the old copy: a dashed red edge, a red border
    assert re.search(rf"o{arr.id}b\d:e\d:e -> o{v3.id} \[[^\]]*#d32f2f[^\]]*dashed", src)
    assert re.search(rf'o{v3.id} \[[^\n]*color="#d32f2f", penwidth=2', src)
    # the legend explains the purple border; dot takes it all
    assert "a table or small group the map replaced" in src
    cycle = h.gc()
    cycle.run()
    assert cycle.report.reason(v3) == "oldbuckets"
    src = gcemu.to_dot(cycle, focus=["v3"]).source
    assert re.search(rf'\n\to{v3.id} \[[^\n]*fillcolor="#262626"', src)   # black: kept
    texts = svg_texts(pipe(gcemu.to_dot(cycle, focus=["v3"]), "svg"))
    assert "index -1 (replaced)" in texts
    del it


def test_swiss_old_small_group_and_garbage_left_by_growth():
    h, m = swiss(8)                                     # a full small map
    small = m.dirPtr
    it = iter(m.items())
    next(it)
    m[100] = h.new("T")                                 # grows into a table
    src = gcemu.to_dot(h).source
    assert f"{small.label} · old small group (replaced) of map#1 m" in src
    assert "<B>old small group#" in src
    del it                                              # the loop ends: nothing holds it
    h2, _ = swiss(200)                                 # grown 16 -> 32 -> ... -> 256
    src = gcemu.to_dot(h2).source
    assert re.search(r'label="\d+ unreachable groups arrays of map#1 m\\n\(left by growth\)',
                     src)
    assert "old table#" not in src                      # garbage is summarised, not drawn
    pipe(gcemu.to_dot(h2), "svg")


def test_swiss_big_map_renders_fast_and_elided():
    h, m = swiss(10_000)
    for i in range(0, 10_000, 3):
        del m[i]
    h.collect()
    t = time.perf_counter()
    g = gcemu.to_dot(h, focus=[m[1]])
    svg = pipe(g, "svg")
    took = time.perf_counter() - t
    assert took < 10
    src = g.source
    assert len(re.findall(r"\n\t  (o\d+b\d+) \[shape=plain", src)) <= 8
    notes = re.findall(r'shape=note[^\n]*label="([^"]*)"', src)
    folded = next(n for n in notes if "tables of map#1 m not drawn" in n)
    drawn_tables = len(re.findall(r"\[shape=record, label=\"<h> table#", src))
    assert int(folded.split()[0]) + drawn_tables == len(m.tables) == 16
    assert len(svg) < 1_000_000
    print(f"\n10,000-entry Swiss map: to_dot + svg {took:.2f} s, {len(svg) / 1024:.0f} KiB")


def test_a_byte_array_cell_shows_its_elements_as_any_array_does():
    """[N]byte values are bytes (gcemu.gotypes.values); a cell shows them like arrays."""
    h = gcemu.Heap()
    m = h.make_map("map[int][3]byte", name="m")
    m[1] = [1, 2, 255]
    v = m[1]
    assert v == b"\x01\x02\xff"
    assert short_value(v) == short_value((1, 2, 255)) == "{1 2 255}"
    assert short_value(bytes(8)) == "{0 0 0 0 0 0…}"


# -- issue 17: big maps readable, their objects' way in, the frames cap ----------------------
def node_boxes(svg: bytes) -> dict[str, tuple[float, float]]:
    """node id (its <title>) -> (x, y) of its first point, from dot's SVG."""
    out = {}
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        if g.get("class") != "node":
            continue
        title = g.find(f"{SVG}title").text
        for el in g.iter():
            pts = el.get("points")
            if pts:
                x, y = pts.split()[0].split(",")
                out[title] = (float(x), float(y))
                break
            if el.get("x") is not None and el.tag == f"{SVG}text":
                out[title] = (float(el.get("x")), float(el.get("y")))
                break
    return out


def two_hundred(model: str = "go"):
    h = gcemu.Heap(model=model)
    h.declare(T_DECL)
    m = h.make_map("map[int]*T", name="m")
    for i in range(200):
        m[i] = h.new("T", name=f"v{i}")
    return h, m


@pytest.mark.parametrize("make", [two_hundred, growing], ids=["200-entries", "mid-growth"])
def test_big_map_picture_buckets_in_order_legend_aside(make):
    h, *_ = make()
    g = gcemu.to_dot(h)
    src = g.source
    svg = pipe(g, "svg")
    boxes = node_boxes(svg)
    drawn = re.findall(r"\n\t  (o(\d+)b(\d+)) \[shape=plain", src)
    assert len(drawn) == 8
    by_array: dict[str, list[tuple[int, float]]] = {}
    for nid, arr, idx in drawn:
        by_array.setdefault(arr, []).append((int(idx), boxes[nid][1]))
    for arr, rows in by_array.items():              # top to bottom in index order
        ys = [y for _, y in sorted(rows)]
        assert ys == sorted(ys), (arr, rows)
    # the legend is right of every bucket (not the first screen of a tall picture)
    assert boxes["legend"][0] > max(boxes[nid][0] for nid, *_ in drawn)
    # readable at a normal zoom: not a strip five times taller than wide
    root = ET.fromstring(svg)
    w, h_pt = (float(root.get(k).removesuffix("pt")) for k in ("width", "height"))
    assert h_pt < 2.5 * w, (w, h_pt)


def test_every_drawn_object_has_an_edge_in_even_from_an_elided_bucket():
    h, _ = two_hundred()
    src = gcemu.to_dot(h, max_buckets=2, max_objects=30).source
    objects = set(re.findall(r"\n\t(o\d+) \[shape=box, [^\n]*rounded", src))
    assert len(objects) == 30
    heads = set(re.findall(r"-> (o\d+) \[(?!style=invis)", src))
    assert objects <= heads, objects - heads
    # those the two drawn buckets do not point to come from a summary note
    notes = re.findall(r"\n\t(o\d+s\d+) -> (o\d+) \[", src)
    assert notes and {t for _, t in notes} <= objects


def test_frames_are_capped_with_a_message_and_an_option(tmp_path, capsys):
    from gcemu.cli import main

    scn = tmp_path / "fifty.py"
    scn.write_text("def scenario(heap):\n"
                   f"    heap.declare({T_DECL!r})\n"
                   "    m = heap.make_map('map[int]*T', name='m')\n"
                   "    for i in range(50):\n"
                   "        m[i] = heap.new('T')\n", encoding="utf-8")
    out = tmp_path / "f.dot"
    assert main(["render", str(scn), "-o", str(out), "--frames", "--max-frames", "20"]) == 2
    err = capsys.readouterr().err
    steps = int(re.search(r"the GC cycle has (\d+) steps", err).group(1))
    assert f"{steps + 1} pictures, over the limit of 20" in err
    assert f"--max-frames {steps + 1}" in err and ".html" in err
    assert len(err.strip().splitlines()) == 1
    assert list(tmp_path.glob("f-*")) == []          # nothing written
    assert main(["render", str(scn), "-o", str(out), "--frames",
                 "--max-frames", str(steps + 1)]) == 0
    assert len(list(tmp_path.glob("f-*.dot"))) == steps + 1
    assert main(["render", str(scn), "-o", str(out), "--frames", "--max-frames", "0"]) == 2
