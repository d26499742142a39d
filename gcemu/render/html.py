"""The HTML stepping player: one self-contained page that replays a GC cycle.

How a page is made
------------------
A `Recording` steps a cycle (``h.gc()`` then ``step()`` until done) and keeps what the
page needs: the cycle's history (the plain events every front end reads) and a
`Snapshot` of the heap at the start and again before any step that follows a mutator
operation, so the bucket or group cells and edges a mutation changed are shown from
the step it happened at. `player_html` then

1. chooses what to draw from the union of the snapshots (`gcemu.render.scene.Scene`,
   the same elision as `to_dot`) and lays it out ONCE with ``dot -Tsvg`` (node ids are
   ``o<id>``, bucket and group cells carry ids), so nodes never move between steps;
2. embeds that SVG, a JSON block of the events (with their text) and the snapshots'
   differences, and the script of `gcemu.render.assets`;
3. the script replays colours from the events: Shade -> grey or black, Scan ->
   black (a bucket or groups array stays grey while its slots are scanned and turns black when
   the next object is taken or mark termination starts, as the marker does),
   BarrierShade -> grey (black for pointer-free objects), AllocBlack -> black,
   Free -> freed; and keeps the grey queue (the marker's stack) the same way.

Security: every string reaches the page as JSON inside ``<script
type="application/json">`` with ``<``, ``>``, ``&``, U+2028 and U+2029 escaped, and the
script puts it into the DOM with ``textContent`` only; the SVG's text was escaped for
DOT/HTML labels before Graphviz saw it (`gcemu.render.dot`). A Content-Security-Policy
allows only the page's own script (by hash) and no network access at all.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gcemu.base.events import (
    AllocBlack,
    BarrierShade,
    Event,
    Free,
    Mutation,
    PhaseChange,
    RootScan,
    Scan,
    Shade,
    SlotDecision,
)
from gcemu.base.pygc import paused
from gcemu.core.heap import Heap
from gcemu.errors import GcemuError
from gcemu.gc.marker import Cycle
from gcemu.render.assets import CSS, JS
from gcemu.render.dot import CLUSTER_COLORS, EDGE_MARKS, NODE_COLORS, OLD_BORDER, pipe, scene_dot
from gcemu.render.memchart import memory_chart_svg
from gcemu.render.nodes import RECORD_KINDS, MapStyle
from gcemu.render.rewind import rewind
from gcemu.render.scene import DEFAULT_MAX_BUCKETS, DEFAULT_MAX_OBJECTS, Scene
from gcemu.render.snapshot import Snapshot
from gcemu.render.text import visible
from gcemu.sched import Session


class Recording:
    """A GC cycle being stepped, with what the player needs to replay it.

    Parameters
    ----------
    source : Heap or Cycle
        A heap with no cycle running starts one (``heap.gc()``); a heap with a running
        cycle, or a cycle, is recorded from where it is (earlier steps are drawn
        with the structure as of now).

    It is an observer of the step loop (`gcemu.sched.Session`): before each step it
    takes a snapshot if the mutator ran since the last one. Step it with `step` or
    through its ``session`` (not ``cycle.step()``, which would bypass it), run the
    mutator in between, then `write`.

    Examples
    --------
    >>> import gcemu
    >>> from gcemu.render import Recording
    >>> h = gcemu.Heap()
    >>> _ = h.declare("type T struct { id int }")
    >>> m = h.make_map("map[string]*T", name="m")
    >>> m["a"], m["b"] = h.new("T"), h.new("T")
    >>> rec = Recording(h)
    >>> _ = rec.step(); _ = rec.step()
    >>> del m["b"]                     # a mutator operation between steps
    >>> report = rec.run()
    >>> len(rec.snapshots)
    2
    """

    def __init__(self, source: Any):
        if isinstance(source, Heap):
            heap = source
            cycle = heap.cycle
            snap = Snapshot.take(heap)
            if cycle is None:
                cycle = heap.gc()
        elif isinstance(source, Cycle):
            cycle, heap = source, source.heap
            snap = Snapshot.take(heap, cycle.freed)
        else:
            raise GcemuError(f"a recording needs a gcemu.Heap or a GC cycle, got "
                             f"{type(source).__name__}")
        if not cycle.record:
            raise GcemuError("this cycle keeps no events (started with record=False); "
                             "start it with h.gc()")
        self.heap: Heap = heap
        self.cycle = cycle
        self.snapshots: list[tuple[int, Snapshot]] = [(cycle.steps, snap)]
        # steps the cycle ran before this recording: rebuilt from the trace, or (when
        # that cannot be done) drawn with the structure of now, which `unseen` says
        self.unseen = 0
        ran = cycle.steps > 0 or any(isinstance(e, Mutation) for e in cycle.history)
        if ran and not cycle.done:
            past = rewind(heap, cycle, snap)
            if past is None:
                self.unseen = cycle.steps
            else:
                self.snapshots = past
        self._seen = (heap.mutations, len(heap.objects))
        self.session = Session(heap, cycle, observers=[self])

    @property
    def done(self) -> bool:
        return self.cycle.done

    def before_step(self, session: Session) -> None:
        """The observer's hook: a snapshot if the mutator ran since the last step."""
        heap = self.heap
        now = (heap.mutations, len(heap.objects))
        if now != self._seen and not self.cycle.done:
            self._seen = now
            with paused():
                snap = Snapshot.take(heap, self.cycle.freed)
            if self.snapshots[-1][0] == self.cycle.steps:
                self.snapshots[-1] = (self.cycle.steps, snap)
            else:
                self.snapshots.append((self.cycle.steps, snap))

    def step(self) -> list[Event]:
        """One step of the session, after a snapshot if the mutator ran since the last."""
        return self.session.step()

    def run(self):
        """Step to the end of the cycle; returns its `Report`."""
        self.session.run()
        return self.cycle.report

    def write(self, path: str | Path, **kw: Any) -> Path:
        """`write_player` of this recording (it is run to the end first)."""
        return write_player(self, path, **kw)


def _recording(source: Any) -> Recording:
    if isinstance(source, Recording):
        rec = source
    elif isinstance(source, (Heap, Cycle)):
        rec = Recording(source)
    else:
        rec = getattr(source, "recording", None)
        if not isinstance(rec, Recording):
            raise GcemuError(f"the player needs a gcemu.Heap, a GC cycle or a Recording, "
                             f"got {type(source).__name__}")
    rec.run()
    return rec


# -- the data the page replays ----------------------------------------------------------------
_BUCKET_AT = re.compile(r"(\d+)(?: overflow (\d+))?(?: \(preallocated overflow\))?$")
_GROUP_AT = re.compile(r" group (\d+)$")


def _label_nid(label: str) -> str | None:
    """``buckets#5`` -> ``o5`` (object labels end in their heap id)."""
    _, _, n = label.rpartition("#")
    return f"o{n}" if n.isdigit() else None


def _slot_bucket(e: SlotDecision, snap: Snapshot) -> str | None:
    """The nid of the physical bucket or group a SlotDecision names (a bucket's chain
    walked in the snapshot in force when it happened)."""
    arr = _label_nid(e.array)
    if arr is None or arr not in snap.nodes:
        return None
    if snap.nodes[arr].role == "groups":  # "table 2 group 5", "small group", ...
        m = _GROUP_AT.search(e.bucket)
        j, pos = (int(m.group(1)) if m else 0), 0
    elif e.bucket == e.array:
        j, pos = 0, 0
    else:
        m = _BUCKET_AT.search(e.bucket)
        if m is None:
            return None
        j, pos = int(m.group(1)), int(m.group(2) or 0)
    bid = f"{arr}b{j}"
    for _ in range(pos):
        b = snap.buckets.get(bid)
        if b is None or b.overflow is None:
            return None
        bid = b.overflow
    return bid if bid in snap.buckets else None


def log_text(e: Event) -> str:
    """An event as the page's log shows it: ``str(e)`` on one line (line breaks,
    control and bidi characters in user strings shown as escapes)."""
    return visible(str(e), None)


def _event_json(e: Event, scene: Scene, snaps: list[tuple[int, Snapshot]],
                roots: dict[str, str]) -> dict:
    d: dict[str, Any] = {"s": e.step, "k": e.kind, "t": log_text(e)}
    if isinstance(e, (Shade, Scan, BarrierShade, AllocBlack, Free)):
        d["o"] = e.obj
    if isinstance(e, Shade):
        d["b"] = e.black
    elif isinstance(e, PhaseChange):
        d["p"] = e.phase
    elif isinstance(e, RootScan):
        d["node"] = roots.get(e.root) or next(
            (rid for lab, rid in roots.items() if lab.startswith(e.root + ": ")), None)
    elif isinstance(e, SlotDecision):
        # the structure the marker saw: the snapshot in force before this step
        # (a binary search over the tags: a page may hold a snapshot per step)
        k = bisect.bisect_right(snaps, e.step - 1, key=lambda x: x[0])
        snap = snaps[max(k - 1, 0)][1]
        bid = _slot_bucket(e, snap)
        if bid is not None:
            if bid in scene.drawn_buckets:
                d["cell"] = f"{bid}t{e.slot}"
            else:
                d["node"] = scene.rep.get(bid)
    return d


def _snap_json(scene: Scene, snap: Snapshot, edge_ids: dict[tuple, str],
               edges: dict[tuple, tuple]) -> dict:
    """Everything the page shows of one snapshot: cells, record texts, edge styles."""
    cells: dict[str, list] = {}
    for bid in scene.drawn_buckets:
        b = snap.buckets.get(bid)
        if b is None:
            continue
        keys, elems, colors = b.keys, b.elems, b.style.colors
        for i in range(8):
            cells[f"{bid}t{i}"] = [b.cell_text(i), colors[b.state(i)]]
            cells[f"{bid}k{i}"] = [keys[i], None]
            cells[f"{bid}e{i}"] = [elems[i], None]
        footer = b.footer()
        if footer is not None:
            cells[f"{bid}ov"] = [footer, None]
    texts = {}
    for nid in scene.drawn_objects:
        n = snap.nodes.get(nid)
        if n is not None and (n.kind in RECORD_KINDS or n.kind == "ovflist"):
            texts[nid] = scene.node_texts(n)
    styles = {eid: None for eid in edge_ids.values()}
    for key, (style, _label, _lhead) in edges.items():
        styles[edge_ids[key]] = style
    return {"cells": cells, "texts": texts, "edges": styles}


def _diff(prev: dict | None, cur: dict) -> dict:
    if prev is None:
        return cur
    return {k: v for k, v in cur.items() if prev.get(k) != v}


def _legend_html(style: MapStyle) -> str:
    items = []
    for key, text in style.legend:
        items.append(f'<span><span class="sw" style="background:{style.colors[key]}">'
                     f"</span>{style.ctrl} {_h(text)}</span>")
    for c, text in (("white", "white: not reached yet"), ("grey", "grey: marked, queued"),
                    ("black", "black: marked and scanned")):
        items.append(f'<span><span class="sw" style="background:{NODE_COLORS[c][0]}">'
                     f"</span>{_h(text)}</span>")
    items.append('<span><span class="sw" style="opacity:.35;border-style:dashed"></span>'
                 "freed by sweep (faint: not allocated yet)</span>")
    lines = {"live": "solid", "stale": "dashed", "untraced": "dotted", "overflow": "solid"}
    for key, text in style.edges:
        css = f"{lines[key]} {EDGE_MARKS[key][0]}"
        items.append(f'<span><span class="ln" style="border-top:2px {css}"></span>'
                     f"{_h(text)}</span>")
    if style.unit == "group":
        items.append(f'<span><span class="sw" style="border:2px dashed {OLD_BORDER}"></span>'
                     "a table or small group the map replaced</span>")
    items.append("<span>⬡ root (global, goroutine stack)</span>")
    items.append('<span><span class="sw" style="border:3px solid #ff6d00"></span>'
                 "touched by this step</span>")
    items.append('<span><span class="sw" style="border:3px solid #d32f2f"></span>'
                 "changed by the mutator at this step</span>")
    return "".join(items)


def _h(text: str) -> str:
    import html

    return html.escape(text, quote=True)


def _json_for_script(data: Any) -> str:
    """JSON safe inside <script type="application/json">: no ``<``, ``>``, ``&`` or
    line separators survive unescaped."""
    s = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    s = (s.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
         .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
    # lone surrogates (a Python str may hold them) as JSON escapes: the file is UTF-8
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", s)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean_svg(svg: str) -> str:
    """The SVG element alone (no XML prolog, doctype or comments), cells' HREFs gone."""
    start = svg.find("<svg")
    if start < 0:
        raise GcemuError("dot produced no SVG")
    svg = svg[start:]
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
    return svg.replace('<a xlink:href="#" ', "<a ")


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; \
style-src 'unsafe-inline'; img-src data:; script-src '{script_hash}'; base-uri 'none'; \
form-action 'none'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{css}</style>
</head>
<body>
<header><h1>{title}</h1><span class="meta">{meta}</span></header>
<div id="main">
<div id="stage">
<div id="banner" aria-live="polite"></div>
<div id="svgwrap">{svg}</div>
<div id="legend"><h2>legend</h2>{legend}</div>
{memory}</div>
<aside>
<section>
<div id="controls">
<button id="first" title="first step (Home)">« first</button>
<button id="prev" title="previous step (←)">‹ prev</button>
<button id="play" title="play / pause (space)" aria-pressed="false">play</button>
<button id="next" title="next step (→)">next ›</button>
<button id="last" title="last step (End)">last »</button>
<select id="speed" title="steps per second">
<option value="1">1/s</option><option value="2">2/s</option><option value="5" selected>5/s</option>
<option value="10">10/s</option><option value="25">25/s</option><option value="60">60/s</option>
</select>
<button id="fit" title="fit the picture to the width">fit</button>
<label title="scroll the picture to what each step touches">\
<input id="follow" type="checkbox" checked> follow</label>
</div>
<input id="slider" type="range" min="0" max="0" value="0" step="1" aria-label="step">
<div id="ticks" title="mutator operations"></div>
<div id="status">step <span id="pos">0</span> of <span id="total">0</span>
<span>phase <span id="phase">mark</span></span><span id="scanning"></span></div>
</section>
<section><h2>grey queue (<span id="greyn">0</span>, top first)</h2>
<ol id="grey"></ol><div id="greymore"></div></section>
<section id="logsec"><h2>events</h2><div id="log" aria-live="off"></div></section>
</aside>
</div>
<script type="application/json" id="gc-data">{data}</script>
<script>{js}</script>
</body>
</html>
"""


def player_html(source: Any, *, focus: Any = (), max_buckets: int = DEFAULT_MAX_BUCKETS,
                max_objects: int = DEFAULT_MAX_OBJECTS, title: str | None = None,
                phases: Mapping[str, Mapping[str, int]] | None = None) -> str:
    """The stepping player of a GC cycle, as the text of one self-contained page.

    ``source``: a `Recording`, a Heap (with no cycle running: one full cycle is run
    and recorded) or a Cycle (run to its end, recorded from where it is). ``focus``,
    ``max_buckets`` and ``max_objects`` choose what is drawn, as for `to_dot`.
    ``phases`` (phase name -> its MemStats, as `gcemu.ui.memstats.split_phases`
    gives them): when given and not empty, the page carries their memory-over-time
    chart (`gcemu.render.memchart`) in a collapsible panel under the legend.
    Needs Graphviz's ``dot`` (for the layout).
    """
    import graphviz

    rec = _recording(source)
    cycle, heap = rec.cycle, rec.heap
    with paused():
        snaps = rec.snapshots
        scene = Scene([s for _, s in snaps], focus, max_buckets, max_objects)
        # the union of the edges of every snapshot, each with one id
        per_snap = [scene.edges_of(s) for _, s in snaps]
        edge_ids: dict[tuple, str] = {}
        union: dict[tuple, tuple] = {}
        for edges in per_snap:
            for key, val in edges.items():
                if key not in edge_ids:
                    edge_ids[key] = f"e{len(edge_ids)}"
                union[key] = val
        lines = [(key, *union[key], edge_ids[key]) for key in edge_ids]
        colors = dict.fromkeys(scene.nodes, "white")
        body = scene_dot(scene, snaps[-1][1], colors, None, "", ids=True, legend=False,
                         layout_texts=True, edges=lines)
        g = graphviz.Digraph(name="gcemu", body=[f"\t{line}\n" for line in body])
    svg = _clean_svg(pipe(g, "svg").decode("utf-8"))
    with paused():
        data = _page_data(rec, scene, snaps, per_snap, edge_ids)
    model = heap.model.name
    title = title if title is not None else f"gcemu · GC cycle {cycle.number} · model {model}"
    meta = (f"{cycle.steps} steps · {len(cycle.history)} events · "
            f"{len(scene.drawn_buckets)} of {scene.bucket_total} {scene.style.unit}s drawn")
    if rec.unseen:
        meta += (f" · steps 0–{rec.unseen - 1} ran before the recording: their structure "
                 f"is drawn as of step {rec.unseen}")
    memory = _memory_panel(phases, f"runtime.MemStats at each phase · model {model}")
    js = JS
    digest = base64.b64encode(hashlib.sha256(js.encode("utf-8")).digest()).decode("ascii")
    return _PAGE.format(script_hash=f"sha256-{digest}", title=_h(title), meta=_h(meta),
                        css=CSS, svg=svg, legend=_legend_html(scene.style),
                        memory=memory, data=_json_for_script(data), js=js)


def _memory_panel(phases: Mapping[str, Mapping[str, int]] | None, title: str) -> str:
    """The collapsible panel holding the memory chart, or nothing without phases. The
    chart's SVG escapes every user string itself and holds no script, link or style
    element, so it sits inline under the page's Content-Security-Policy."""
    if not phases:
        return ""
    return (f'<details id="memory"><summary>memory over time ({len(phases)} MemStats '
            f'phase{"s" if len(phases) != 1 else ""})</summary>\n'
            f'<div id="memwrap">{memory_chart_svg(phases, title)}</div></details>\n')


def _page_data(rec: Recording, scene: Scene, snaps: list[tuple[int, Snapshot]],
               per_snap: list[dict], edge_ids: dict[tuple, str]) -> dict:
    cycle = rec.cycle
    roots = {}
    for _, s in snaps:
        for rid in s.roots:
            roots[s.nodes[rid].label] = rid
    events = [_event_json(e, scene, snaps, roots) for e in cycle.history]
    # objects: every label the events or the snapshots name
    objects: dict[str, dict] = {}
    allocated = {e.obj for e in cycle.history if isinstance(e, AllocBlack)}
    drawn = set(scene.drawn_objects) | {a.nid for a in scene.drawn_arrays}
    for nid in scene.order:
        n = scene.nodes[nid]
        start = "absent" if n.label in allocated else ("freed" if n.freed else "white")
        members = []
        if n.kind == "array":
            members = [scene.rep[b] for b in n.buckets if scene.rep.get(b) == b]
        objects[n.label] = {"nid": nid if nid in drawn else None, "kind": n.kind,
                            "noscan": n.noscan,
                            "name": None if n.name is None else visible(n.name, 60),
                            "members": members,
                            "start": start}
    for e in cycle.history:  # objects seen only in events (not in any snapshot)
        lab = getattr(e, "obj", None)
        if lab is not None and lab not in objects:
            objects[lab] = {"nid": None, "kind": "object", "noscan": False, "name": None,
                            "members": [], "start": "absent" if lab in allocated else "white"}
    out_snaps = []
    prev = None
    for (tag, snap), edges in zip(snaps, per_snap, strict=True):
        cur = _snap_json(scene, snap, edge_ids, edges)
        d = cur if prev is None else {k: _diff(prev[k], cur[k]) for k in cur}
        out_snaps.append({"s": tag, **d})
        prev = cur
    return {"steps": cycle.steps, "model": rec.heap.model.name, "cycle": cycle.number,
            "objects": objects, "events": events, "snaps": out_snaps,
            "fills": {k: list(v) for k, v in NODE_COLORS.items()},
            "cluster_fills": CLUSTER_COLORS}


def write_player(source: Any, path: str | Path, **kw: Any) -> Path:
    """Write `player_html` of ``source`` to ``path``; returns the path."""
    text = player_html(source, **kw)
    p = Path(path)
    try:
        p.write_text(text, encoding="utf-8")
    except OSError as e:
        raise GcemuError(f"{p}: cannot write: {e.strerror or e}") from None
    return p


__all__ = ["Recording", "log_text", "player_html", "write_player"]
