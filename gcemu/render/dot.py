"""Graphviz pictures of a heap or of a GC cycle: `to_dot`.

A picture is made in three stages, each in its own module: a `Snapshot` copies what
may be drawn (gcemu.render.snapshot; the classic map's parts in
gcemu.render.classic, the Swiss map's in gcemu.render.swiss), a `Scene` chooses what
is drawn (gcemu.render.scene: elision of big maps, focus paths), and this module
writes the DOT text of a scene.

What a picture shows
--------------------
Roots are hexagons; map headers, Swiss directories and tables are records whose
pointer fields are ports; each slot array (bucket array, overflow bucket, groups
array) is a cluster, and each bucket or group in it a table: slot, tophash or control
byte (its value, coloured by state), key and elem (ports the slot's pointers leave
from), and a bucket's overflow pointer. Objects are boxes. Edges from live slots are
solid, from stale slots (emptyOne, evacuated copies, storage a Swiss map replaced)
dashed red, and pointers the model does not trace (slots after an emptyRest under
scanmap) dotted grey. Storage a Swiss map replaced (an old table and its groups, an
old small group) has a dashed purple border.

Colours: with a cycle, objects are white, grey or black as of the cycle's current
step (`Cycle.color`), freed objects dashed. Without one, objects are white and the
picture shows reachability: dashed when nothing traced reaches them (the next cycle
frees them), a red border when only stale slots keep them.

Escaping: see gcemu.render.text; every user string goes through it.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise
from typing import Any

from gcemu.base.pygc import paused
from gcemu.core.heap import Heap
from gcemu.errors import GcemuError
from gcemu.gc.marker import Cycle
from gcemu.maps.slotscan import SLOTS
from gcemu.render.nodes import RECORD_KINDS, MapStyle, SlotRow, SNode, node_lines
from gcemu.render.scene import DEFAULT_MAX_BUCKETS, DEFAULT_MAX_OBJECTS, Scene
from gcemu.render.snapshot import Snapshot, cycle_colors
from gcemu.render.text import html_str, lines, q, record_str, visible

INSTALL_HINT = ("Graphviz's `dot` program was not found on PATH; install Graphviz "
                "(Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz; "
                "Fedora: dnf install graphviz) or write .dot instead")

# tri-colour fills (and the text colour on them)
NODE_COLORS = {"white": ("#ffffff", "#000000"), "grey": ("#a9a9a9", "#000000"),
               "black": ("#262626", "#ffffff"), "freed": ("#ffffff", "#9a9a9a"),
               "absent": ("#ffffff", "#bbbbbb")}
CLUSTER_COLORS = {"white": "#fcfcfc", "grey": "#c8c8c8", "black": "#4a4a4a",
                  "freed": "#ffffff", "absent": "#ffffff"}
OLD_BORDER = "#7b1fa2"  # storage a Swiss map replaced
# DOT attributes of each edge style (the legend's texts are in each MapStyle)
EDGE_STYLES = {
    "live": 'color="#333333"',
    "stale": 'color="#d32f2f", style=dashed, penwidth=1.6, fontcolor="#d32f2f"',
    "untraced": 'color="#9e9e9e", style=dotted',
    "overflow": 'color="#1565c0", arrowhead=vee',
    "sentinel": 'color="#9e9e9e", style=dotted, arrowhead=vee',
    "field": 'color="#333333", penwidth=1.4',
}
# how the legend draws an edge style: (colour, mark)
EDGE_MARKS = {"live": ("#333333", "⟶"), "stale": ("#d32f2f", "- - →"),
              "untraced": ("#9e9e9e", "· · · →"), "overflow": ("#1565c0", "⟶")}


def row_label(b: SlotRow, ids: bool = False, texts: dict[str, str] | None = None) -> str:
    """The HTML-like table of one bucket or group. With ``ids`` every cell gets an ID
    (and the HREF graphviz needs to emit it into SVG: the player strips it)."""
    def cell(cid: str, text: str, extra: str = "", tip: str = "") -> str:
        if texts is not None:
            text = texts.get(cid, text)
        attrs = extra
        if ids:
            attrs += f' ID="{cid}" HREF="#" TOOLTIP="{html_str(tip or text or " ")}"'
        body = html_str(text) if text else "&#160;"
        return f"<TD{attrs}>{body}</TD>"

    style = b.style
    rows = [f'<TR><TD COLSPAN="4" BGCOLOR="#eeeeee"><B>{html_str(visible(b.name, 50))}'
            f"</B></TD></TR>",
            '<TR><TD><FONT POINT-SIZE="8">slot</FONT></TD>'
            f'<TD><FONT POINT-SIZE="8">{style.ctrl}</FONT></TD>'
            '<TD><FONT POINT-SIZE="8">key</FONT></TD>'
            '<TD><FONT POINT-SIZE="8">elem</FONT></TD></TR>']
    for i in range(SLOTS):
        st = b.state(i)
        t = b.cell_text(i)
        rows.append(
            f"<TR><TD>{i}</TD>"
            + cell(f"{b.nid}t{i}", t, f' BGCOLOR="{style.colors[st]}"',
                   f"slot {i}: {style.ctrl} {t} ({st})")
            + cell(f"{b.nid}k{i}", b.keys[i], f' PORT="k{i}"')
            + cell(f"{b.nid}e{i}", b.elems[i], f' PORT="e{i}"')
            + "</TR>")
    footer = b.footer()
    if footer is not None:
        rows.append("<TR>" + cell(f"{b.nid}ov", footer, ' COLSPAN="4" PORT="ov"') + "</TR>")
    return ('<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="2" '
            'BGCOLOR="white">' + "".join(rows) + "</TABLE>>")


def widest(a: str, b: str) -> str:
    return a if len(a) >= len(b) else b


def legend_label(mode: str, style: MapStyle) -> str:
    """The legend as an HTML-like table. ``mode``: "cycle" or "heap"."""
    rows = ['<TR><TD COLSPAN="2"><B>legend</B></TD></TR>']
    for key, text in style.legend:
        rows.append(f'<TR><TD BGCOLOR="{style.colors[key]}" WIDTH="24"> </TD>'
                    f'<TD ALIGN="LEFT">{style.ctrl} {html_str(text)}</TD></TR>')
    if mode == "cycle":
        for c, text in (("white", "white: not reached (yet)"), ("grey", "grey: marked, queued"),
                        ("black", "black: marked and scanned"),
                        ("freed", "dashed: freed by sweep")):
            fill, _ = NODE_COLORS[c]
            rows.append(f'<TR><TD BGCOLOR="{fill}" WIDTH="24"> </TD>'
                        f'<TD ALIGN="LEFT">{html_str(text)}</TD></TR>')
    else:
        for text in ("solid border: reachable", "red border: kept only through stale slots",
                     "dashed: unreachable (the next GC frees it)"):
            rows.append(f'<TR><TD> </TD><TD ALIGN="LEFT">{html_str(text)}</TD></TR>')
    for key, text in style.edges:
        color, mark = EDGE_MARKS[key]
        rows.append(f'<TR><TD><FONT COLOR="{color}">{html_str(mark)}</FONT></TD>'
                    f'<TD ALIGN="LEFT">{html_str(text)}</TD></TR>')
    if style.unit == "group":
        rows.append(f'<TR><TD><FONT COLOR="{OLD_BORDER}">┄┄</FONT></TD><TD ALIGN="LEFT">'
                    "purple dashed border: a table or small group the map replaced</TD></TR>")
    rows.append('<TR><TD>⬡</TD><TD ALIGN="LEFT">root (global, goroutine stack)</TD></TR>')
    return ('<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3">'
            + "".join(rows) + "</TABLE>>")


def _cluster_style(a: SNode, colors: dict[str, str] | None, marks: dict[str, str]) -> str:
    """The attributes of a slot array's cluster: reachability (heap mode) or its
    colour (cycle mode); replaced Swiss storage dashed purple."""
    old = a.which == "old"
    if colors is None:
        m = marks.get(a.nid, "live")
        style = {"unreachable": 'style="rounded,dashed"; color="#8a8a8a"',
                 "stale": 'style="rounded,bold"; color="#d32f2f"'}.get(
            m, f'style="rounded,dashed"; color="{OLD_BORDER}"' if old
            else 'style=rounded; color="#555555"')
        return f'{style}; bgcolor="#fcfcfc"'
    c = colors.get(a.nid, "white")
    dashed = ",dashed" if c in ("freed", "absent") or old else ""
    fg = "#ffffff" if c == "black" else "#000000"
    border = OLD_BORDER if old else "#555555"
    return (f'style="filled,rounded{dashed}"; fillcolor="{CLUSTER_COLORS[c]}"; '
            f'fontcolor="{fg}"; color="{border}"')


def scene_dot(scene: Scene, snap: Snapshot, colors: dict[str, str] | None,
              marks: dict[str, str] | None = None, title: str = "", ids: bool = False,
              legend: bool = True, layout_texts: bool = False,
              edges: list[tuple] | None = None) -> list[str]:
    """The body lines of the DOT graph of ``scene`` as of ``snap``.

    ``colors``: nid -> white/grey/black/freed (None: heap mode, ``marks`` gives
    reachable / stale / unreachable). ``ids``: give every node, cluster, edge and
    cell an id (the player's layout); ``layout_texts``: size cells for the widest
    text any snapshot of the scene shows; ``edges``: (key, style, label, lhead, id)
    to draw instead of the snapshot's own.
    """
    out: list[str] = []
    add = out.append
    marks = marks or {}
    # remincross=false: the final crossing reduction would reorder the buckets of a
    # cluster despite their invisible chain; without it they stay in index order
    add('graph [rankdir=LR, newrank=true, compound=true, remincross=false, '
        'fontname="Helvetica", fontsize=12, nodesep=0.12, ranksep=0.55, labelloc=t, labeljust=l'
        + (f", label={q(title)}" if title else "") + "]")
    add('node [fontname="Helvetica", fontsize=10, margin="0.08,0.04"]')
    add('edge [fontname="Helvetica", fontsize=9, arrowsize=0.7]')
    nodes = scene.nodes
    widest_cells: dict[str, str] = {}
    if layout_texts:
        for s in scene.snaps:
            for bid, b in s.buckets.items():
                if bid in scene.drawn_buckets:
                    for i in range(SLOTS):
                        for cid, t in ((f"{bid}k{i}", b.keys[i]), (f"{bid}e{i}", b.elems[i])):
                            widest_cells[cid] = widest(widest_cells.get(cid, ""), t)
                    if b.footer() is not None:
                        cid = f"{bid}ov"
                        widest_cells[cid] = widest(widest_cells.get(cid, ""), b.footer())

    def idattr(nid: str) -> str:
        return f', id="{nid}"' if ids else ""

    def fill(nid: str, base: str = "") -> str:
        b = base + "," if base else ""
        if colors is None:
            m = marks.get(nid, "live")
            if m == "unreachable":
                return f', style="{b}filled,dashed", fillcolor="#ffffff", fontcolor="#8a8a8a"'
            if m == "stale":
                return (f', style="{b}filled,bold", fillcolor="#ffffff", color="#d32f2f", '
                        f"penwidth=2")
            return f', style="{b}filled", fillcolor="#ffffff"'
        c = colors.get(nid, "white")
        bg, fg = NODE_COLORS[c]
        style = "filled,dashed" if c in ("freed", "absent") else "filled"
        return f', style="{b}{style}", fillcolor="{bg}", fontcolor="{fg}"'

    for rid in scene.roots:
        r = nodes[rid]
        if rid in snap.nodes or ids:
            add(f'{rid} [shape=hexagon, style=filled, fillcolor="#fff3c4", '
                f"label={q(visible(r.label, 60))}{idattr(rid)}]")
    for nid in scene.drawn_objects:
        n = nodes.get(nid)
        if n is None or (nid not in snap.nodes and not ids):
            continue
        n = snap.nodes.get(nid, n)
        if n.kind in RECORD_KINDS:
            label = "|".join(f"<{port}> {record_str(text)}"
                             for port, text in scene.record_rows(n))
            old = f', color="{OLD_BORDER}"' if n.which == "old" else ""
            add(f'{nid} [shape=record, label="{label}"'
                f'{fill(nid, "dashed" if old else "")}{old}{idattr(nid)}]')
        elif n.kind == "ovflist":
            add(f"{nid} [shape=box3d, label={lines(*node_lines(n))}{fill(nid)}{idattr(nid)}]")
        else:
            base = "" if n.kind == "indirect" else "rounded"
            add(f"{nid} [shape=box, label={lines(*node_lines(n))}"
                f"{fill(nid, base)}{idattr(nid)}]")
    # slot arrays
    for a in scene.drawn_arrays:
        a = snap.nodes.get(a.nid, a)
        if a.nid not in snap.nodes and not ids:
            continue
        head = a.head + (" · freed" if a.freed else "")
        add(f"subgraph cluster_{a.nid} {{")
        add(f"  label={q(head)}; {_cluster_style(a, colors, marks)}"
            + (f'; id="{a.nid}"' if ids else ""))
        members: list[str] = []
        sums = {s.buckets[0]: s for s in scene.summaries.get(a.nid, [])}
        for bid in a.buckets:
            if bid in scene.drawn_buckets:
                b = snap.buckets.get(bid) or scene.buckets[bid]
                lab = row_label(b, ids, widest_cells if layout_texts else None)
                add(f"  {bid} [shape=plain, label={lab}{idattr(bid)}]")
                members.append(bid)
            elif bid in sums:
                s = sums[bid]
                add(f'  {s.nid} [shape=note, style=filled, fillcolor="#f4f4f4", '
                    f"label={lines(*s.text)}{idattr(s.nid)}]")
                members.append(s.nid)
        # one column in index order (preallocated overflow buckets last), so the
        # objects they point to have the next columns to themselves
        if len(members) > 1:
            add("  {rank=same; " + "; ".join(members) + "}")
            for x, y in pairwise(members):
                add(f"  {y} -> {x} [style=invis]")
        add("}")
    for s in scene.overflow_summaries:
        add(f'{s.nid} [shape=note, style=filled, fillcolor="#f4f4f4", '
            f"label={lines(*s.text)}{idattr(s.nid)}]")
    if scene.hidden[0]:
        n, size = scene.hidden
        add(f'more [shape=note, style=filled, fillcolor="#f4f4f4", '
            f"label={lines(f'{n} more objects not drawn', f'{size} B')}{idattr('more')}]")
    # edges
    if edges is None:
        edges = [(key, *v, "") for key, v in scene.edges_of(snap).items()]
    column = _columns(scene, edges)
    for key, style, label, lhead, eid in edges:
        out.append(edge_line(key, style, label, lhead, scene, ids, eid, column.get(key[2], 0)))
    if legend:  # right of the last column, out of the way of the first screen
        mode = "heap" if colors is None else "cycle"
        add(f"legend [shape=plain, label={legend_label(mode, scene.style)}]")
        last = max(column.values(), default=0)
        for nid, c in column.items():
            if c == last:
                add(f"{nid} -> legend [style=invis]")
    return out


OBJECTS_PER_COLUMN = 12


def _columns(scene: Scene, edges: list[tuple]) -> dict[str, int]:
    """The objects the drawn buckets and groups point to, spread over columns (0, 1,
    ...; one per OBJECTS_PER_COLUMN, at most 4) in the order of the edges, so forty
    of them do not stack into one column taller than the buckets."""
    targets: dict[str, None] = {}
    for key, *_ in edges:
        if key[0] in scene.drawn_buckets and key[2] in scene.drawn_set:
            targets[key[2]] = None
    cols = min(4, -(-len(targets) // OBJECTS_PER_COLUMN))
    return {nid: k % cols for k, nid in enumerate(targets)}


def edge_line(key: tuple, style: str, label: str, lhead: str, scene: Scene,
              ids: bool, eid: str = "", column: int = 0) -> str:
    """One edge; ``column``: how many columns further right its head sits."""
    src, port, dst = key[0], key[1], key[2]
    attrs = [EDGE_STYLES[style]]
    if column:
        attrs.append(f"minlen={column + 1}")
    if scene.cluster_of(src) is not None and scene.cluster_of(src) == scene.cluster_of(dst):
        attrs.append("constraint=false")  # within a slot array: one column, not two
    if label:
        attrs.append(f"label={q(label)}")
    if lhead:
        attrs.append(f"lhead={lhead}")
    if ids and eid:
        attrs.append(f'id="{eid}"')
    tail = src
    if port is not None:
        compass = ":e" if src in scene.buckets else ""
        tail = f"{src}:{port}{compass}"
    return f"{tail} -> {dst} [{', '.join(attrs)}]"


# -- the public function -------------------------------------------------------------------------
def _source(obj: Any) -> tuple[Heap, Any]:
    """(heap, cycle or None) from a Heap, a Cycle or a recording."""
    cycle = getattr(obj, "cycle", None) if not isinstance(obj, (Heap, Cycle)) else None
    if isinstance(obj, Cycle):
        return obj.heap, obj
    if isinstance(obj, Heap):
        return obj, obj.cycle
    if isinstance(cycle, Cycle):
        return cycle.heap, cycle
    raise GcemuError(f"to_dot needs a gcemu.Heap or a GC cycle, got {type(obj).__name__}")


def to_dot(heap_or_cycle: Any, focus: Iterable[Any] | Any = (), *,
           max_buckets: int = DEFAULT_MAX_BUCKETS, max_objects: int = DEFAULT_MAX_OBJECTS,
           title: str | None = None, legend: bool = True):
    """The heap (or the heap of a GC cycle, coloured as of its current step) as a
    ``graphviz.Digraph``.

    Parameters
    ----------
    heap_or_cycle : Heap or Cycle
        A cycle colours objects white / grey / black (freed ones dashed); a heap with
        a running cycle uses that cycle; a heap without one shows reachability.
    focus : handle, label (``"T#3"``) or name, or a list of them
        Objects whose retaining paths are always drawn (buckets and groups included).
    max_buckets : int
        Buckets (or, for a Swiss map, groups) drawn at most (focus paths excepted);
        the others are summarised.
    max_objects : int
        Objects drawn at most (focus paths and map structures excepted).
    title : str
        The graph's title; by default model, cycle, phase and step.
    legend : bool
        Draw the legend.

    Examples
    --------
    >>> import gcemu
    >>> h = gcemu.Heap()
    >>> _ = h.declare("type T struct { id int }")
    >>> m = h.make_map("map[string]*T", name="m")
    >>> m["a"] = h.new("T", name="a")
    >>> g = gcemu.to_dot(h)
    >>> type(g).__name__, "hexagon" in g.source
    ('Digraph', True)
    """

    heap, cycle = _source(heap_or_cycle)
    extra = cycle.freed if cycle is not None else ()
    with paused():
        return _to_dot(heap, cycle, extra, focus, max_buckets, max_objects, title, legend)


def _to_dot(heap: Heap, cycle: Any, extra: Any, focus: Any, max_buckets: int,
            max_objects: int, title: str | None, legend: bool):
    import graphviz

    snap = Snapshot.take(heap, extra)
    scene = Scene([snap], focus, max_buckets, max_objects)
    if cycle is not None:
        colors = cycle_colors(cycle, snap, heap)
        marks = None
        default = (f"model {heap.model.name} · cycle {cycle.number} · phase {cycle.phase}"
                   f" · step {cycle.steps}")
    else:
        colors = None
        level, _ = snap.reach()
        marks = {}
        for nid in snap.nodes:
            lv = level.get(nid)
            marks[nid] = "unreachable" if lv is None else ("stale" if lv else "live")
        default = f"model {heap.model.name} · no GC cycle running"
    body = scene_dot(scene, snap, colors, marks, default if title is None else title,
                     legend=legend)
    return graphviz.Digraph(name="gcemu", body=[f"\t{line}\n" for line in body])


def pipe(g: Any, fmt: str) -> bytes:
    """Run ``dot -T<fmt>`` on a Digraph; a missing ``dot`` is one `GcemuError`."""
    import graphviz

    try:
        return g.pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        raise GcemuError(INSTALL_HINT) from None
    except graphviz.CalledProcessError as e:
        err = (e.stderr or b"").decode("utf-8", "replace").strip().splitlines()
        raise GcemuError(f"dot failed: {err[-1] if err else e}") from None


def to_svg(heap_or_cycle: Any, **kw: Any) -> str:
    """The picture as SVG text (needs Graphviz's ``dot``)."""
    return pipe(to_dot(heap_or_cycle, **kw), "svg").decode("utf-8")


__all__ = ["CLUSTER_COLORS", "EDGE_STYLES", "INSTALL_HINT", "NODE_COLORS", "legend_label",
           "pipe", "row_label", "scene_dot", "to_dot", "to_svg"]
