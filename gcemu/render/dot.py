"""Graphviz pictures of a heap or of a GC cycle: `to_dot`.

What a picture shows
--------------------
Roots are hexagons; an ``hmap`` is a record of its fields (count, B, flags,
noverflow, nevacuate, hash0) with ports for ``buckets``, ``oldbuckets`` and
``extra``; each bucket array (``buckets``, ``oldbuckets``, a separately allocated
overflow bucket) is a cluster, and each bucket in it a table: slot, tophash (its
value, coloured by state), key and elem (ports the slot's pointers leave from), and
its overflow pointer. Objects are boxes. Edges from full slots are solid, from stale
slots (emptyOne, evacuated copies) dashed red, and pointers the model does not trace
(slots after an emptyRest under scanmap) dotted grey.

Colours: with a cycle, objects are white, grey or black as of the cycle's current
step (`Cycle.color`), freed objects dashed. Without one, objects are white and the
picture shows reachability: dashed when nothing traced reaches them (the next cycle
frees them), a red border when only stale slots keep them.

Big maps
--------
At most ``max_buckets`` buckets are drawn (default 8), always including those on a
path from a root to a ``focus`` object, then those holding stale data, then
non-empty ones; the others collapse into one summary node per run ("120 buckets,
all emptyRest"). At most ``max_objects`` objects are drawn (default 40); the rest
are counted in one node. A picture is built from a `Snapshot`, a plain copy of what it draws, read
from the heap through public attributes and `gcemu.scan` (the edges the model
traces), never from the marker's insides.

Escaping
--------
Every user string (names, keys, type names) goes through `visible` (control, bidi
and line-break characters become escapes, long text is cut) and then the quoting of
where it lands: `dot_str` for quoted DOT strings (``&``, ``\\``, ``"``),
`record_str` for record fields (also ``{}|<>``), `html_str` for HTML-like labels.
The DOT text is written here, not by the graphviz package's quoting, so a name that
happens to look like ``<...>`` never becomes an HTML label.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from gcemu.errors import GcemuError
from gcemu.gomap import (
    BUCKET_CNT,
    EMPTY_ONE,
    EMPTY_REST,
    MIN_TOP_HASH,
    Bucket,
    BucketArray,
    ClearedString,
    Hiter,
    Indirect,
    Map,
    MapExtra,
    OverflowList,
    flags_text,
    tophash_state,
)
from gcemu.heap import Heap, HeapObject, Object
from gcemu.pygc import paused
from gcemu.scan import object_edges

DEFAULT_MAX_BUCKETS = 8
DEFAULT_MAX_OBJECTS = 40
INSTALL_HINT = ("Graphviz's `dot` program was not found on PATH; install Graphviz "
                "(Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz; "
                "Fedora: dnf install graphviz) or write .dot instead")

# fill colours of tophash cells, by state
TOPHASH_COLORS = {
    "full": "#b9e3a3",
    "emptyOne stale": "#f29b9b",   # emptyOne still holding its key or elem
    "emptyOne": "#f8d9b0",         # emptyOne, cleared by delete
    "emptyRest": "#e2e2e2",
    "evacuatedX": "#a7c7ef",
    "evacuatedY": "#c9b5ea",
    "evacuatedEmpty": "#dde8f6",
}
TOPHASH_LEGEND = (
    ("full", "full (>= 5): traced"),
    ("emptyOne stale", "emptyOne (1) holding stale data"),
    ("emptyOne", "emptyOne (1), cleared"),
    ("emptyRest", "emptyRest (0): scanmap stops here"),
    ("evacuatedX", "evacuatedX (2)"),
    ("evacuatedY", "evacuatedY (3)"),
    ("evacuatedEmpty", "evacuatedEmpty (4)"),
)
# tri-colour fills (and the text colour on them)
NODE_COLORS = {"white": ("#ffffff", "#000000"), "grey": ("#a9a9a9", "#000000"),
               "black": ("#262626", "#ffffff"), "freed": ("#ffffff", "#9a9a9a"),
               "absent": ("#ffffff", "#bbbbbb")}
CLUSTER_COLORS = {"white": "#fcfcfc", "grey": "#c8c8c8", "black": "#4a4a4a",
                  "freed": "#ffffff", "absent": "#ffffff"}
# edge styles: (DOT attributes, legend text)
EDGE_STYLES = {
    "live": ('color="#333333"', "traced pointer"),
    "stale": ('color="#d32f2f", style=dashed, penwidth=1.6, fontcolor="#d32f2f"',
              "traced from a stale slot (emptyOne, evacuated copy)"),
    "untraced": ('color="#9e9e9e", style=dotted',
                 "pointer in memory the model does not trace"),
    "overflow": ('color="#1565c0", arrowhead=vee', "overflow pointer"),
    "sentinel": ('color="#9e9e9e", style=dotted, arrowhead=vee',
                 "sentinel (last preallocated overflow bucket)"),
    "field": ('color="#333333", penwidth=1.4', "hmap / mapextra field"),
}
CELL = 14  # characters a key or elem cell shows at most


# -- escaping --------------------------------------------------------------------------
_INVISIBLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f"
    "\ufeff\ufff9-\ufffb\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def visible(text: Any, limit: int | None = 40) -> str:
    """One line of text a person can read: line breaks, control and bidi characters
    and lone surrogates become escapes (``\\n``, ``\\u202e``); cut at ``limit``."""
    s = str(text)
    cut = limit is not None and len(s) > limit
    if cut:
        s = s[:limit - 1]
    s = _INVISIBLE.sub(lambda m: _NAMED.get(m.group(), f"\\u{ord(m.group()):04x}"), s)
    return s + "…" if cut else s


def dot_str(text: str) -> str:
    """The inside of a double-quoted DOT string showing ``text`` literally (graphviz
    reads entities and backslash escapes in labels)."""
    return text.replace("&", "&amp;").replace("\\", "\\\\").replace('"', '\\"')


def record_str(text: str) -> str:
    """A record field showing ``text`` literally."""
    out = []
    for ch in text.replace("&", "&amp;"):
        out.append("\\" + ch if ch in '\\{}|<>"' else ch)
    return "".join(out)


def html_str(text: str) -> str:
    """Text inside an HTML-like label."""
    return html.escape(text, quote=True)


def q(text: str) -> str:
    """A quoted DOT string of user text (one line)."""
    return f'"{dot_str(visible(text, None))}"'


def lines(*parts: str) -> str:
    """A quoted multi-line DOT label; each part is user text."""
    return '"' + "\\n".join(dot_str(visible(p, 80)) for p in parts if p) + '"'


def root_nid(label: str) -> str:
    return "r" + hashlib.sha1(label.encode("utf-8", "surrogatepass")).hexdigest()[:10]


def obj_nid(o: HeapObject) -> str:
    return f"o{o.id}"


def target_nid(p: Any) -> str:
    if isinstance(p, Bucket):
        return f"o{p.owner.id}b{p.index}"
    return f"o{p.owner.id}"


# -- value display ------------------------------------------------------------------------
def short_value(v: Any, limit: int = CELL) -> str:
    """A key or elem as a cell shows it (raw slot representation, see gcemu.gomap)."""
    if v is None:
        return ""
    if isinstance(v, HeapObject):
        return v.label
    if isinstance(v, ClearedString):
        return f"nil(len={v.length})"
    if isinstance(v, str):
        return '"' + visible(v, max(limit - 2, 3)) + '"'
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return visible(repr(v), limit)
    if isinstance(v, (bytes, bytearray)):
        return visible(v.hex(), limit)
    if isinstance(v, (tuple, list)):
        inner = " ".join(short_value(x, limit) for x in v[:6])
        return visible("{" + inner + ("…" if len(v) > 6 else "") + "}", limit)
    return visible(repr(v), limit)


# -- snapshots -----------------------------------------------------------------------------
@dataclass
class SBucket:
    """One bucket as of a snapshot."""

    nid: str
    arr: str
    index: int
    name: str
    tophash: bytes
    raw_keys: tuple      # the slots' values as stored (formatted when drawn)
    raw_elems: tuple
    data: tuple[bool, ...]          # the slot holds a key or elem (not zeroed)
    edges: list[tuple[str, str, str]]  # (port k3 / e3, target nid, style)
    overflow: str | None             # the next bucket's nid
    overflow_style: str = "overflow"

    @property
    def keys(self) -> tuple[str, ...]:
        """What each key cell shows."""
        return tuple(short_value(k) for k in self.raw_keys)

    @property
    def elems(self) -> tuple[str, ...]:
        return tuple(short_value(e) for e in self.raw_elems)

    def state(self, i: int) -> str:
        """The colour key of slot ``i``'s tophash."""
        t = self.tophash[i]
        s = tophash_state(t)
        if t == EMPTY_ONE and self.data[i]:
            return "emptyOne stale"
        return s


@dataclass
class SNode:
    """A root, an object or a bucket array, as of a snapshot."""

    nid: str
    label: str           # "T#3", "global m"
    kind: str            # root, object, indirect, hmap, mapextra, ovflist, array
    type: str = ""
    name: str | None = None
    size: int = 0
    noscan: bool = False
    freed: bool = False
    rows: tuple[tuple[str, str], ...] = ()  # record fields (port, text)
    edges: list[tuple[str | None, str, str, str]] = field(default_factory=list)
    # bucket arrays
    role: str = ""       # "buckets" (makeBucketArray) or "overflow" (one bucket)
    which: str = ""      # "buckets" / "oldbuckets" of its map, or "unlinked"
    map: str = ""        # the hmap's label and name
    nbase: int = 0
    buckets: list[str] = field(default_factory=list)  # bucket nids

    def texts(self) -> list[str]:
        """The lines of text the node's label shows (what the player updates)."""
        if self.kind == "hmap" or self.kind == "mapextra":
            return [t for _, t in self.rows]
        return node_lines(self)


@dataclass
class Snapshot:
    """A plain copy of everything a picture may draw, taken at one moment."""

    model: str
    policy: str
    nodes: dict[str, SNode]
    buckets: dict[str, SBucket]
    roots: list[str]
    order: list[str]     # object nids in allocation order

    _reach: tuple | None = None

    def reach(self) -> tuple[dict[str, int], dict[str, str]]:
        """`reachability` of this snapshot (computed once)."""
        if self._reach is None:
            self._reach = reachability(self)
        return self._reach

    @classmethod
    def take(cls, heap: Heap, extra: Iterable[HeapObject] = ()) -> Snapshot:
        """Copy the heap's roots, objects, maps and buckets (``extra``: objects no
        longer in the heap to draw as freed, e.g. a finished cycle's ``freed``)."""
        return _take(heap, extra)


def _fields_of(o: Object) -> list[tuple[str, Any]]:
    """(field name, pointer) for a struct object; ("", p) for other types."""
    t = o.type
    if t.kind == "struct" and t.fields:
        out = []
        for f, v in zip(t.fields, o.value, strict=False):
            if f.type.has_pointers:
                out.extend((f.name, p) for p in f.type.pointers(v))
        return out
    return [("", p) for p in o.pointers()]


def _take(heap: Heap, extra: Iterable[HeapObject]) -> Snapshot:
    model = heap.model
    policy = model.scan
    objs: list[HeapObject] = list(heap.objects.values())
    seen = {id(o) for o in objs}
    for o in extra:
        if id(o) not in seen:
            seen.add(id(o))
            objs.append(o)
    nodes: dict[str, SNode] = {}
    buckets: dict[str, SBucket] = {}
    # traced slot pointers: (bucket id, slot, "key"/"elem", target id) -> stale
    traced: dict[tuple, bool] = {}

    def on_slot(p: Any, edge: tuple) -> None:
        if edge[0] != "slot":
            return
        _, arr, j, pos, i, _t, what, stale = edge
        b = arr.buckets[j]
        for _ in range(pos):
            b = b.overflow
        traced[(id(b), i, what, id(p.owner))] = stale

    which: dict[int, tuple[str, Map]] = {}
    for m in heap.maps:
        if m.buckets_obj is not None:
            which[id(m.buckets_obj)] = ("buckets", m)
        if m.oldbuckets_obj is not None:
            which[id(m.oldbuckets_obj)] = ("oldbuckets", m)
    for o in objs:
        if type(o) is BucketArray and not o.noscan:
            object_edges(o, policy, on_slot)
    # dangling slot pointers to objects freed by earlier cycles are drawn as freed
    dangling: dict[int, HeapObject] = {}

    def note(p: Any) -> None:
        ow = p.owner
        if id(ow) not in seen and id(ow) not in dangling:
            dangling[id(ow)] = ow

    for o in objs:
        nid = obj_nid(o)
        if type(o) is BucketArray:
            nodes[nid] = _array_node(o, which, buckets, traced, note)
        else:
            nodes[nid] = _object_node(o)
    for ow in dangling.values():
        nodes.setdefault(obj_nid(ow), _object_node(ow, freed=True))
    roots = []
    for label, root in heap.roots():
        rid = root_nid(label)
        n = SNode(rid, label, "root")
        if isinstance(root, Hiter):
            for fld, p in root.pointers():
                n.edges.append((None, target_nid(p), "live", f".{fld}"))
        elif root is not None:
            n.edges.append((None, target_nid(root), "live", ""))
        nodes[rid] = n
        roots.append(rid)
    order = [obj_nid(o) for o in objs] + [obj_nid(o) for o in dangling.values()]
    return Snapshot(model.name, policy, nodes, buckets, roots, order)


def _object_node(o: HeapObject, freed: bool = False) -> SNode:
    nid = obj_nid(o)
    gone = freed or bool(o.freed)
    if isinstance(o, Map):
        rows = (("h", f"{o.label}" + (f" {visible(o.name, 30)}" if o.name else "")),
                ("t", visible(o.type.name, 50)),
                ("count", f"count {o.count}"), ("B", f"B {o.B}"),
                ("flags", f"flags {flags_text(o.flags)}"),
                ("noverflow", f"noverflow {o.noverflow}"),
                ("nevacuate", f"nevacuate {o.nevacuate}"),
                ("hash0", f"hash0 {o.hash0:#010x}"),
                ("buckets", "buckets"), ("oldbuckets", "oldbuckets"), ("extra", "extra"))
        n = SNode(nid, o.label, "hmap", o.type.name, o.name, o.size, o.noscan, gone, rows)
        for fld, p in (("buckets", o.buckets_obj), ("oldbuckets", o.oldbuckets_obj),
                       ("extra", o.extra)):
            if p is not None:
                n.edges.append((fld, target_nid(p), "field", ""))
        return n
    if isinstance(o, MapExtra):
        rows = (("h", o.label), ("overflow", "overflow"), ("oldoverflow", "oldoverflow"),
                ("next_overflow", "nextOverflow"))
        n = SNode(nid, o.label, "mapextra", "mapextra", None, o.size, o.noscan, gone, rows)
        for fld, p in (("overflow", o.overflow), ("oldoverflow", o.oldoverflow),
                       ("next_overflow", o.next_overflow)):
            if p is not None:
                n.edges.append((fld, target_nid(p), "field", ""))
        return n
    if isinstance(o, OverflowList):
        n = SNode(nid, o.label, "ovflist", "[]*bmap", None, o.size, o.noscan, gone)
        n.rows = (("n", f"{len(o.items)} overflow buckets"),)
        for p in o.items:
            n.edges.append((None, target_nid(p), "live", ""))
        return n
    tname = o.type.name if o.type is not None else o.kind_label()
    kind = "indirect" if isinstance(o, Indirect) else "object"
    n = SNode(nid, o.label, kind, tname, o.name, o.size, o.noscan, gone)
    ptrs = _fields_of(o) if isinstance(o, Object) else [("", p) for p in o.pointers()]
    done = set()
    for fld, p in ptrs:
        t = target_nid(p)
        if (fld, t) not in done:
            done.add((fld, t))
            n.edges.append((None, t, "live", f".{fld}" if fld else ""))
    return n


def _array_node(arr: BucketArray, which: dict, buckets: dict, traced: dict,
                note) -> SNode:
    nid = obj_nid(arr)
    h = arr.hmap
    w, _ = which.get(id(arr), ("unlinked", h))
    mname = f"{h.label}" + (f" {visible(h.name, 30)}" if h.name else "")
    n = SNode(nid, arr.label, "array", "bucket array", None, arr.size, arr.noscan,
              bool(arr.freed), role=arr.role, which=w if arr.role == "buckets" else "",
              map=mname, nbase=arr.nbase)
    prefix = "oldbucket" if w == "oldbuckets" else "bucket"
    kp, ep = h.key_pointers, h.elem_pointers
    last = len(arr.buckets) - 1
    for b in arr.buckets:
        bid = f"{nid}b{b.index}"
        if arr.role == "overflow":
            name = arr.label
        elif b.index >= arr.nbase:
            name = f"{prefix} {b.index} (preallocated overflow)"
        else:
            name = f"{prefix} {b.index}"
        data, edges = [], []
        for i in range(BUCKET_CNT):
            k, e = b.keys[i], b.elems[i]
            data.append(not (k is None or isinstance(k, ClearedString)) or e is not None)
            for what, port, vals in (("key", "k", kp(k) if k is not None else ()),
                                     ("elem", "e", ep(e) if e is not None else ())):
                for p in vals:
                    if not isinstance(p, (HeapObject, Bucket)):
                        continue
                    note(p)
                    st = traced.get((id(b), i, what, id(p.owner)))
                    style = "untraced" if st is None else ("stale" if st else "live")
                    edges.append((f"{port}{i}", target_nid(p), style))
        ov = b.overflow
        ov_style = "overflow"
        if ov is not None and b.index == last and arr.nbase != len(arr.buckets) \
                and ov is arr.buckets[0]:
            ov_style = "sentinel"
        buckets[bid] = SBucket(bid, nid, b.index, name, bytes(b.tophash), tuple(b.keys),
                               tuple(b.elems), tuple(data), edges,
                               None if ov is None else target_nid(ov), ov_style)
        n.buckets.append(bid)
    return n


def node_lines(n: SNode) -> list[str]:
    """The lines of a plain node's label."""
    if n.kind == "root":
        return [visible(n.label, 60)]
    if n.kind == "ovflist":
        return [n.label, n.rows[0][1] if n.rows else ""]
    out = [n.label]
    if n.name:
        out.append(visible(n.name, 40))
    out.append(f"{n.size} B" + (" · freed" if n.freed else ""))
    return out


# -- colours ------------------------------------------------------------------------------
def reachability(snap: Snapshot) -> tuple[dict[str, int], dict[str, str]]:
    """Breadth-first search from the roots over traced edges: level 0 through live
    edges only, level 1 when a stale slot was needed. Returns (level, parent)."""
    nodes, buckets = snap.nodes, snap.buckets
    level: dict[str, int] = {}
    parent: dict[str, str] = {}
    later: list[tuple[str, str]] = []

    def succ(nid: str):
        n = nodes.get(nid)
        if n is not None:
            for _port, t, style, _ in n.edges:
                yield t, style
            if n.kind == "array":
                for b in n.buckets:
                    yield b, "live"
            return
        b = buckets.get(nid)
        if b is not None:
            for _port, t, style in b.edges:
                yield t, style
            if b.overflow is not None and b.overflow_style == "overflow":
                yield b.overflow, "live"

    for lvl in (0, 1):
        queue = deque()
        if lvl == 0:
            for r in snap.roots:
                level[r] = 0
                queue.append(r)
        else:
            for src, t in later:
                if t not in level:
                    level[t] = 1
                    parent[t] = src
                    queue.append(t)
        while queue:
            nid = queue.popleft()
            for t, style in succ(nid):
                if style == "untraced" or style == "sentinel" or t in level:
                    continue
                if style == "stale" and lvl == 0:
                    later.append((nid, t))
                    continue
                level[t] = lvl
                parent[t] = nid
                queue.append(t)
    return level, parent


def cycle_colors(cycle: Any, snap: Snapshot, heap: Heap) -> dict[str, str]:
    """nid -> white / grey / black / freed, as of the cycle's current step."""
    out: dict[str, str] = {}
    by_id = {obj_nid(o): o for o in heap.objects.values()}
    for nid, n in snap.nodes.items():
        if n.kind == "root":
            continue
        o = by_id.get(nid)
        out[nid] = "freed" if (o is None or n.freed) else cycle.color(o)
    return out


# -- the scene: what is drawn --------------------------------------------------------------
@dataclass
class Summary:
    nid: str
    arr: str
    buckets: list[str]
    text: list[str]


class Scene:
    """The nodes and edges one picture (or one player layout) draws, chosen from one
    or more snapshots (their union: a node seen in any of them is placed)."""

    def __init__(self, snaps: list[Snapshot], focus: Iterable[Any] = (),
                 max_buckets: int = DEFAULT_MAX_BUCKETS,
                 max_objects: int = DEFAULT_MAX_OBJECTS):
        if max_buckets < 0 or max_objects < 0:
            raise GcemuError("max_buckets and max_objects must be >= 0")
        self.snaps = snaps
        last = snaps[-1]
        self.model = last.model
        nodes: dict[str, SNode] = {}
        buckets: dict[str, SBucket] = {}
        order: list[str] = []
        roots: list[str] = []
        for s in snaps:
            for nid in s.order:
                if nid not in nodes:
                    order.append(nid)
            for r in s.roots:
                if r not in roots:
                    roots.append(r)
            nodes.update(s.nodes)
            buckets.update(s.buckets)
        self.nodes, self.buckets, self.order, self.roots = nodes, buckets, order, roots
        self.focus = self._resolve_focus(focus)
        self._select(max_buckets, max_objects)

    # which objects the user asked to see
    def _resolve_focus(self, focus: Iterable[Any]) -> list[str]:
        if focus is None:
            return []
        if isinstance(focus, (str, HeapObject)) or not hasattr(focus, "__iter__"):
            focus = [focus]
        out = []
        for f in focus:
            if isinstance(f, HeapObject):
                nid = obj_nid(f.owner)
            elif not isinstance(f, str):
                raise GcemuError(f"focus: {f!r} is not an object handle, label or name")
            else:
                nid = next((n.nid for n in self.nodes.values() if n.kind != "root" and
                            (n.label == f or n.name == f)), None)
                if nid is None:
                    raise GcemuError(f"focus: no object labelled or named {f!r}")
            if nid in self.nodes:
                out.append(nid)
        return out

    def _select(self, max_buckets: int, max_objects: int) -> None:
        nodes, buckets = self.nodes, self.buckets
        arrays = [nodes[n] for n in self.order if nodes[n].kind == "array"]
        prev: dict[str, str] = {}
        for b in buckets.values():
            if b.overflow is not None and b.overflow_style == "overflow":
                prev[b.overflow] = b.nid
        # 0: on a path to a focus object, or pointing at one
        must: list[str] = []
        for snap in self.snaps if self.focus else ():
            _, parent = snap.reach()
            for f in self.focus:
                x = f
                while x in parent:
                    x = parent[x]
                    if x in buckets:
                        must.append(x)
        fset = set(self.focus)
        reached: set[str] = set()
        for snap in self.snaps:
            reached.update(snap.reach()[0])
        for b in buckets.values():  # reachable buckets holding a pointer to a focus
            if b.arr in reached and any(t in fset for _, t, _ in b.edges):
                must.append(b.nid)
        chained = []
        for bid in must:
            x = bid
            while x in prev and x not in chained:
                x = prev[x]
                chained.append(x)
        must = list(dict.fromkeys(must + chained))
        # then: stale data, changes between snapshots, any data, the rest
        changed = set()
        if len(self.snaps) > 1:
            first: dict[str, tuple] = {}
            for s in self.snaps:
                for bid, b in s.buckets.items():
                    sig = (b.tophash, b.raw_keys, b.raw_elems)
                    if first.setdefault(bid, sig) != sig:
                        changed.add(bid)

        owner = {bid: a.nid for a in arrays for bid in a.buckets}

        def rank(bid: str) -> int:
            b = buckets[bid]
            if owner[bid] not in reached:  # garbage: after everything reachable
                return 4 + rank_in(b, bid)
            return rank_in(b, bid)

        def rank_in(b: SBucket, bid: str) -> int:
            if bid in changed:
                return 1
            th = b.tophash
            if any(b.data[i] and th[i] < MIN_TOP_HASH for i in range(BUCKET_CNT)) or \
                    any(st != "live" for _, _, st in b.edges):
                return 1
            if th.count(EMPTY_REST) != BUCKET_CNT:
                return 2
            return 3

        ordered = [bid for a in arrays for bid in a.buckets]
        pos = {bid: i for i, bid in enumerate(ordered)}
        rest = sorted((bid for bid in ordered if bid not in set(must)),
                      key=lambda bid: (rank(bid), pos[bid]))
        chosen = list(must) + rest[:max(0, max_buckets - len(must))]
        self.drawn_buckets = set(chosen)
        self.bucket_total = len(ordered)
        # summaries: runs of buckets not drawn, per array
        self.summaries: dict[str, list[Summary]] = {}
        self.rep: dict[str, str] = {}
        loose: dict[tuple[str, str], list[SNode]] = {}
        self.drawn_arrays = []
        for a in arrays:
            if not any(bid in self.drawn_buckets for bid in a.buckets):
                if a.role == "overflow":
                    loose.setdefault(("overflow", a.map), []).append(a)
                    continue
                if a.which == "unlinked" and a.nid not in reached:
                    loose.setdefault(("unlinked", a.map), []).append(a)
                    continue
            self.drawn_arrays.append(a)
            if a.role == "overflow":
                continue
            runs: list[list[str]] = []
            cur: list[str] = []
            for bid in a.buckets:
                b = buckets[bid]
                split = b.index == a.nbase
                if bid in self.drawn_buckets or split:
                    if cur:
                        runs.append(cur)
                    cur = []
                if bid not in self.drawn_buckets:
                    cur.append(bid)
            if cur:
                runs.append(cur)
            if len(runs) > 6:
                runs = [[bid for r in runs for bid in r]]
            sums = []
            for k, r in enumerate(runs):
                s = Summary(f"{a.nid}s{k}", a.nid, r, self._summary_text(a, r))
                sums.append(s)
                for bid in r:
                    self.rep[bid] = s.nid
            self.summaries[a.nid] = sums
        self.overflow_summaries: list[Summary] = []
        self.array_rep: dict[str, str] = {}
        for k, ((kind, mname), arrs) in enumerate(loose.items()):
            bids = [bid for a in arrs for bid in a.buckets]
            text = self._summary_text(None, bids, mname)
            n, size = len(arrs), sum(a.size for a in arrs)
            if kind == "overflow":
                text[0] = f"{n} overflow bucket{'s' * (n != 1)} of {mname} · {size} B"
            else:
                text[:1] = [f"{n} unreachable bucket arra{'ys' if n != 1 else 'y'} of {mname}",
                            f"(left by growth) · {len(bids)} buckets · {size} B"]
            s = Summary(f"loose{k}", "", bids, text)
            self.overflow_summaries.append(s)
            for a in arrs:
                self.array_rep[a.nid] = s.nid
            for bid in bids:
                self.rep[bid] = s.nid
        for bid in self.drawn_buckets:
            self.rep[bid] = bid
        # objects
        plain = [n for n in self.order if nodes[n].kind != "array"]
        always = [n for n in plain if nodes[n].kind in ("hmap", "mapextra", "ovflist")]
        picked: dict[str, None] = dict.fromkeys(always)
        budget = max_objects
        wanted: list[str] = []
        for snap in self.snaps if self.focus else ():
            _, parent = snap.reach()
            for f in self.focus:
                x = f
                wanted.append(x)
                while x in parent:
                    x = parent[x]
                    if x in nodes and nodes[x].kind not in ("root", "array"):
                        wanted.append(x)
        for r in self.roots:
            wanted.extend(t for _, t, _, _ in nodes[r].edges)
        for bid in chosen:
            wanted.extend(t for _, t, _ in buckets[bid].edges)
        queue = deque(wanted + list(picked))
        count = 0
        while queue:
            nid = queue.popleft()
            n = nodes.get(nid)
            if n is None or n.kind in ("array", "root"):
                continue
            if nid not in picked:
                if n.kind not in ("hmap", "mapextra", "ovflist") and count >= budget \
                        and nid not in fset:
                    continue
                picked[nid] = None
                if n.kind not in ("hmap", "mapextra", "ovflist"):
                    count += 1
            for _, t, _, _ in n.edges:
                if t not in picked and t in nodes:
                    queue.append(t)
        for nid in plain:  # then objects nothing drawn points to (garbage, elided)
            if count >= budget:
                break
            if nid not in picked:
                picked[nid] = None
                count += 1
        self.drawn_objects = [n for n in plain if n in picked]
        hidden = [n for n in plain if n not in picked]
        self.hidden = (len(hidden), sum(nodes[n].size for n in hidden))

    def _summary_text(self, a: SNode | None, bids: list[str], mname: str = "") -> list[str]:
        buckets = self.buckets
        idx = [buckets[b].index for b in bids]
        counts = dict.fromkeys(TOPHASH_COLORS, 0)
        ptrs = 0
        for bid in bids:
            b = buckets[bid]
            for i in range(BUCKET_CNT):
                counts[b.state(i)] += 1
            ptrs += len(b.edges)
        n = len(bids)
        if a is None:
            head = f"{n} overflow bucket{'s' * (n != 1)} of {mname}"
        else:
            lo, hi = min(idx), max(idx)
            span = f"{lo}" if lo == hi else f"{lo}–{hi}"
            what = "oldbuckets" if a.which == "oldbuckets" else "buckets"
            contiguous = hi - lo + 1 == n
            head = f"{what} {span}" + ("" if contiguous else " (some)") + \
                f": {n} bucket{'s' * (n != 1)}"
        used = [(k, v) for k, v in counts.items() if v]
        if len(used) == 1:
            body = f"all {used[0][0]}"
        else:
            body = ", ".join(f"{v} {k}" for k, v in used) + " slots"
        out = [head, body]
        if ptrs:
            out.append(f"{ptrs} pointers")
        return out

    # -- edges -----------------------------------------------------------------------
    def target(self, t: str) -> tuple[str, str | None] | None:
        """(node to draw the edge to, cluster for lhead) or None when not drawn."""
        if t in self.buckets:
            r = self.rep.get(t)
            return None if r is None else (r, None)
        n = self.nodes.get(t)
        if n is None:
            return None
        if n.kind == "array":
            if t in self.array_rep:
                return (self.array_rep[t], None)
            first = self.first_in(n)
            return None if first is None else (first, f"cluster_{t}")
        return (t, None) if t in self.drawn_set else None

    def first_in(self, a: SNode) -> str | None:
        for bid in a.buckets:
            r = self.rep.get(bid)
            if r is not None:
                return r
        return None

    @property
    def drawn_set(self) -> set[str]:
        s = getattr(self, "_drawn_set", None)
        if s is None:
            s = self._drawn_set = set(self.drawn_objects) | set(self.roots)
        return s

    def edges_of(self, snap: Snapshot) -> dict[tuple, tuple[str, str, str]]:
        """The drawn edges of one snapshot: key -> (style, label, lhead)."""
        out: dict[tuple, tuple[str, str, str]] = {}
        counts: dict[tuple, int] = {}

        def add(src: str, port: str | None, t: str, style: str, label: str) -> None:
            tgt = self.target(t)
            if tgt is None:
                return
            dst, lhead = tgt
            key = (src, port, dst) if port is not None or src not in self._sum_ids \
                else (src, None, dst, style)
            if key[0] == dst and port is None:
                return
            counts[key] = counts.get(key, 0) + 1
            if key not in out or style != "live":
                out[key] = (style, label, lhead or "")

        for nid, n in snap.nodes.items():
            if nid not in self.drawn_set:
                continue
            for port, t, style, label in n.edges:
                add(nid, port, t, style, label)
        for bid, b in snap.buckets.items():
            src = self.rep.get(bid)
            if src is None:
                continue
            drawn = src == bid
            for port, t, style in b.edges if drawn else ():
                add(src, port, t, style, "")
            if b.overflow is not None:
                add(src, "ov" if drawn else None, b.overflow, b.overflow_style, "")
        for key, n in counts.items():
            if n > 1 and key[0] in self._sum_ids:
                style, _, lhead = out[key]
                out[key] = (style, f"×{n}", lhead)
        return out

    @property
    def _sum_ids(self) -> set[str]:
        s = getattr(self, "_sum_cache", None)
        if s is None:
            s = {x.nid for sums in self.summaries.values() for x in sums}
            s |= {x.nid for x in self.overflow_summaries}
            self._sum_cache = s
        return s


# -- DOT text ------------------------------------------------------------------------------------
def bucket_label(b: SBucket, ids: bool = False, texts: dict[str, str] | None = None) -> str:
    """The HTML-like table of one bucket. With ``ids`` every cell gets an ID (and the
    HREF graphviz needs to emit it into SVG: the player strips it)."""
    def cell(cid: str, text: str, extra: str = "", tip: str = "") -> str:
        if texts is not None:
            text = texts.get(cid, text)
        attrs = extra
        if ids:
            attrs += f' ID="{cid}" HREF="#" TOOLTIP="{html_str(tip or text or " ")}"'
        body = html_str(text) if text else "&#160;"
        return f"<TD{attrs}>{body}</TD>"

    rows = [f'<TR><TD COLSPAN="4" BGCOLOR="#eeeeee"><B>{html_str(visible(b.name, 50))}'
            f"</B></TD></TR>",
            '<TR><TD><FONT POINT-SIZE="8">slot</FONT></TD>'
            '<TD><FONT POINT-SIZE="8">tophash</FONT></TD>'
            '<TD><FONT POINT-SIZE="8">key</FONT></TD>'
            '<TD><FONT POINT-SIZE="8">elem</FONT></TD></TR>']
    for i in range(BUCKET_CNT):
        st = b.state(i)
        t = b.tophash[i]
        rows.append(
            f"<TR><TD>{i}</TD>"
            + cell(f"{b.nid}t{i}", str(t), f' BGCOLOR="{TOPHASH_COLORS[st]}"',
                   f"slot {i}: tophash {t} ({st})")
            + cell(f"{b.nid}k{i}", b.keys[i], f' PORT="k{i}"')
            + cell(f"{b.nid}e{i}", b.elems[i], f' PORT="e{i}"')
            + "</TR>")
    rows.append("<TR>" + cell(f"{b.nid}ov", _ov_text(b), ' COLSPAN="4" PORT="ov"') + "</TR>")
    return ('<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="2" '
            'BGCOLOR="white">' + "".join(rows) + "</TABLE>>")


def _ov_text(b: SBucket) -> str:
    if b.overflow is None:
        return "overflow: nil"
    return "overflow: sentinel" if b.overflow_style == "sentinel" else "overflow →"


def widest(a: str, b: str) -> str:
    return a if len(a) >= len(b) else b


def legend_label(mode: str) -> str:
    """The legend as an HTML-like table. ``mode``: "cycle" or "heap"."""
    rows = ['<TR><TD COLSPAN="2"><B>legend</B></TD></TR>']
    for key, text in TOPHASH_LEGEND:
        rows.append(f'<TR><TD BGCOLOR="{TOPHASH_COLORS[key]}" WIDTH="24"> </TD>'
                    f'<TD ALIGN="LEFT">tophash {html_str(text)}</TD></TR>')
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
    marks = {"live": ("#333333", "⟶"), "stale": ("#d32f2f", "- - →"),
             "untraced": ("#9e9e9e", "· · · →"), "overflow": ("#1565c0", "⟶")}
    for key, (color, mark) in marks.items():
        rows.append(f'<TR><TD><FONT COLOR="{color}">{html_str(mark)}</FONT></TD>'
                    f'<TD ALIGN="LEFT">{html_str(EDGE_STYLES[key][1])}</TD></TR>')
    rows.append('<TR><TD>⬡</TD><TD ALIGN="LEFT">root (global, goroutine stack)</TD></TR>')
    return ('<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3">'
            + "".join(rows) + "</TABLE>>")


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
    add('graph [rankdir=LR, newrank=true, compound=true, fontname="Helvetica", '
        'fontsize=12, nodesep=0.2, ranksep=0.55, labelloc=t, labeljust=l'
        + (f", label={q(title)}" if title else "") + "]")
    add('node [fontname="Helvetica", fontsize=10, margin="0.08,0.04"]')
    add('edge [fontname="Helvetica", fontsize=9, arrowsize=0.7]')
    nodes = scene.nodes
    widest_cells: dict[str, str] = {}
    if layout_texts:
        for s in scene.snaps:
            for bid, b in s.buckets.items():
                if bid in scene.drawn_buckets:
                    for i in range(BUCKET_CNT):
                        for cid, t in ((f"{bid}k{i}", b.keys[i]), (f"{bid}e{i}", b.elems[i])):
                            widest_cells[cid] = widest(widest_cells.get(cid, ""), t)
                    cid = f"{bid}ov"
                    widest_cells[cid] = widest(widest_cells.get(cid, ""), _ov_text(b))

    def idattr(nid: str) -> str:
        return f', id="{nid}"' if ids else ""

    def fill(nid: str, base: str = "") -> str:
        b = base + "," if base else ""
        if colors is None:
            m = (marks or {}).get(nid, "live")
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
        if n.kind in ("hmap", "mapextra"):
            label = "|".join(f"<{port}> {record_str(text)}" for port, text in n.rows)
            add(f'{nid} [shape=record, label="{label}"{fill(nid)}{idattr(nid)}]')
        elif n.kind == "ovflist":
            add(f"{nid} [shape=box3d, label={lines(*node_lines(n))}{fill(nid)}{idattr(nid)}]")
        else:
            base = "" if n.kind == "indirect" else "rounded"
            add(f"{nid} [shape=box, label={lines(*node_lines(n))}"
                f"{fill(nid, base)}{idattr(nid)}]")
    # bucket arrays
    for a in scene.drawn_arrays:
        a = snap.nodes.get(a.nid, a)
        if a.nid not in snap.nodes and not ids:
            continue
        if a.role == "overflow":
            head = f"{a.label} · overflow bucket of {a.map} · {a.size} B"
        else:
            nb = len(a.buckets)
            what = {"buckets": "buckets", "oldbuckets": "oldbuckets"}.get(a.which,
                                                                        "unlinked array")
            extra = f" + {nb - a.nbase} preallocated overflow" if nb > a.nbase else ""
            head = f"{a.label} · {what} of {a.map} · {a.nbase} buckets{extra} · {a.size} B"
        if a.freed:
            head += " · freed"
        if colors is None:
            m = (marks or {}).get(a.nid, "live")
            style = {"unreachable": 'style="rounded,dashed"; color="#8a8a8a"',
                     "stale": 'style="rounded,bold"; color="#d32f2f"'}.get(
                m, 'style=rounded; color="#555555"')
            cstyle = f'{style}; bgcolor="#fcfcfc"'
        else:
            c = colors.get(a.nid, "white")
            dashed = ",dashed" if c in ("freed", "absent") else ""
            fg = "#ffffff" if c == "black" else "#000000"
            cstyle = (f'style="filled,rounded{dashed}"; fillcolor="{CLUSTER_COLORS[c]}"; '
                      f'fontcolor="{fg}"; color="#555555"')
        add(f"subgraph cluster_{a.nid} {{")
        add(f"  label={q(head)}; {cstyle}" + (f'; id="{a.nid}"' if ids else ""))
        members: list[str] = []
        sums = {s.buckets[0]: s for s in scene.summaries.get(a.nid, [])}
        for bid in a.buckets:
            if bid in scene.drawn_buckets:
                b = snap.buckets.get(bid) or scene.buckets[bid]
                lab = bucket_label(b, ids, widest_cells if layout_texts else None)
                add(f"  {bid} [shape=plain, label={lab}{idattr(bid)}]")
                members.append(bid)
            elif bid in sums:
                s = sums[bid]
                add(f'  {s.nid} [shape=note, style=filled, fillcolor="#f4f4f4", '
                    f"label={lines(*s.text)}{idattr(s.nid)}]")
                members.append(s.nid)
        first_index = {s.nid: scene.buckets[s.buckets[0]].index
                       for s in scene.summaries.get(a.nid, [])}
        main = [m for m in members
                if (scene.buckets[m].index if m in scene.buckets else first_index[m])
                < a.nbase]
        if len(main) > 1:
            add("  {rank=same; " + "; ".join(main) + "}")
            for x, y in pairwise(main):
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
    for key, style, label, lhead, eid in edges:
        out.append(edge_line(key, style, label, lhead, scene, ids, eid))
    if legend:
        add("subgraph cluster_legend {")
        add('  label=""; style=invis')
        add(f'  legend [shape=plain, label={legend_label("heap" if colors is None else "cycle")}]')
        add("}")
    return out


def edge_line(key: tuple, style: str, label: str, lhead: str, scene: Scene,
              ids: bool, eid: str = "") -> str:
    src, port, dst = key[0], key[1], key[2]
    attrs = [EDGE_STYLES[style][0]]
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
    from gcemu.marker import Cycle

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
        Objects whose retaining paths are always drawn (buckets included).
    max_buckets : int
        Buckets drawn at most (focus paths excepted); the others are summarised.
    max_objects : int
        Objects drawn at most (focus paths and map headers excepted).
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
    g = graphviz.Digraph(name="gcemu", body=[f"\t{line}\n" for line in body])
    return g


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


__all__ = ["DEFAULT_MAX_BUCKETS", "DEFAULT_MAX_OBJECTS", "INSTALL_HINT", "Scene", "Snapshot",
           "pipe", "to_dot", "to_svg", "visible"]
