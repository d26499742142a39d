"""A `Snapshot`: a plain copy of everything a picture may draw, taken at one moment.

It is read from the heap through public attributes and `gcemu.gc.scan` (the edges the
model traces), never from the marker's insides: roots, objects, each map's structures
and slot arrays (gcemu.render.classic, gcemu.render.swiss), and every pointer with how
the model treats it (``live``, ``stale``: traced from a stale slot or replaced storage,
``untraced``). `reachability` reads a snapshot as the next GC would; `cycle_colors`
colours it as of a cycle's current step.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from gcemu.core.heap import Heap, HeapObject, Object
from gcemu.gc.scan import object_edges, slot_holder
from gcemu.maps.common import Indirect
from gcemu.maps.kind import BY_TYPE, SLOT_ARRAYS
from gcemu.render.kinds import drawer_for
from gcemu.render.nodes import MapStyle, SlotRow, SNode, obj_nid, root_nid, target_nid


@dataclass
class Snapshot:
    """A plain copy of everything a picture may draw, taken at one moment."""

    model: str
    policy: str
    style: MapStyle      # how the heap's maps look (its model's map kind)
    nodes: dict[str, SNode]
    buckets: dict[str, SlotRow]
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
        """Copy the heap's roots, objects, maps and slot arrays (``extra``: objects no
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
    rows: dict[str, SlotRow] = {}
    # traced slot pointers: (bucket or group id, slot, "key"/"elem", target id) -> stale
    traced: dict[tuple, bool] = {}

    def on_slot(p: Any, edge: tuple) -> None:
        if edge[0] == "slot":
            _, arr, j, pos, i, _t, what, stale = edge
            traced[(id(slot_holder(arr, j, pos)), i, what, id(p.owner))] = stale

    for o in objs:
        if type(o) in SLOT_ARRAYS and not o.noscan:
            object_edges(o, policy, on_slot)
    # dangling slot pointers to objects freed by earlier cycles are drawn as freed
    dangling: dict[int, HeapObject] = {}

    def note(p: Any) -> None:
        ow = p.owner
        if id(ow) not in seen and id(ow) not in dangling:
            dangling[id(ow)] = ow

    for o in objs:
        kind = BY_TYPE.get(type(o))
        drawer = None if kind is None else drawer_for(kind.name)
        if drawer is None:
            n = _object_node(o)
        elif type(o) in SLOT_ARRAYS:
            n = drawer.array_node(o, rows, traced, note)
        else:
            draw = drawer.structures.get(type(o))
            n = _object_node(o) if draw is None else draw(o, bool(o.freed))
        nodes[n.nid] = n
    for ow in dangling.values():
        nodes.setdefault(obj_nid(ow), _object_node(ow, freed=True))
    roots = []
    for label, root in heap.roots():
        rid = root_nid(label)
        n = SNode(rid, label, "root")
        if isinstance(root, HeapObject):
            n.edges.append((None, target_nid(root), "live", ""))
        elif root is not None:  # a stack frame (a map iterator)
            for fld, p in root.pointers():
                n.edges.append((None, target_nid(p), "live", f".{fld}"))
        nodes[rid] = n
        roots.append(rid)
    order = [obj_nid(o) for o in objs] + [obj_nid(o) for o in dangling.values()]
    style = drawer_for(model.map).style
    return Snapshot(model.name, policy, style, nodes, rows, roots, order)


def _object_node(o: HeapObject, freed: bool = False) -> SNode:
    """An object that is not part of a map's structure (a struct, an indirect key or
    elem), with an edge per pointer field."""
    gone = freed or bool(o.freed)
    tname = o.type.name if o.type is not None else o.kind_label()
    kind = "indirect" if isinstance(o, Indirect) else "object"
    n = SNode(obj_nid(o), o.label, kind, tname, o.name, o.size, o.noscan, gone)
    ptrs = _fields_of(o) if isinstance(o, Object) else [("", p) for p in o.pointers()]
    done = set()
    for fld, p in ptrs:
        t = target_nid(p)
        if (fld, t) not in done:
            done.add((fld, t))
            n.edges.append((None, t, "live", f".{fld}" if fld else ""))
    return n


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


__all__ = ["Snapshot", "cycle_colors", "reachability"]
