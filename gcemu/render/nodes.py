"""The plain data a picture is drawn from: nodes, slot rows and their ids.

A snapshot (`gcemu.render.snapshot`) copies the heap into these: an `SNode` per root,
object, map structure or slot array, and a `SlotRow` per bucket or group. They hold
strings, bytes and ids only, never heap objects, so a picture or a page can be drawn
from a moment that has passed. The two map kinds fill them in their own modules
(`gcemu.render.classic`, `gcemu.render.swiss`), each with its `MapStyle`: how its slot
rows look and what its legend says.

Node ids: ``o<id>`` for an allocation, ``o<id>b<index>`` for a bucket or group in it,
``r<hash>`` for a root.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from gcemu.core.heap import HeapObject
from gcemu.maps.common import ClearedString
from gcemu.maps.slotscan import SLOTS
from gcemu.render.text import short_value, visible

# kinds of SNode: map structures drawn as records; those drawn whenever their map is
# (not counted against max_objects); those drawn when their slot array is
RECORD_KINDS = ("hmap", "mapextra", "map", "directory", "table")
HEADER_KINDS = ("hmap", "mapextra", "ovflist", "map")
STRUCT_KINDS = ("directory", "table")


@dataclass(frozen=True)
class MapStyle:
    """How the slot rows of one map kind look.

    ``unit``: what a row is (``bucket``, ``group``); ``ctrl``: what its per-slot byte
    is called (``tophash``, ``ctrl``); ``colors``: state key -> the fill of that
    byte's cell; ``legend``: (state key, text) rows; ``edges``: (edge style, text)
    rows of the legend.
    """

    unit: str
    ctrl: str
    colors: dict[str, str]
    legend: tuple[tuple[str, str], ...]
    edges: tuple[tuple[str, str], ...]


@dataclass
class SlotRow:
    """One bucket or group as of a snapshot (`SBucket`, `SGroup` say how it looks)."""

    nid: str
    arr: str
    index: int
    name: str
    ctrl: bytes          # the tophash bytes of a bucket, the control bytes of a group
    raw_keys: tuple      # the slots' values as stored (formatted when drawn)
    raw_elems: tuple
    data: tuple[bool, ...]          # the slot holds a key or elem (not zeroed)
    edges: list[tuple[str, str, str]]  # (port k3 / e3, target nid, style)
    overflow: str | None = None      # the next bucket's nid
    overflow_style: str = "overflow"

    style: ClassVar[MapStyle]

    @property
    def keys(self) -> tuple[str, ...]:
        """What each key cell shows."""
        return tuple(short_value(k) for k in self.raw_keys)

    @property
    def elems(self) -> tuple[str, ...]:
        return tuple(short_value(e) for e in self.raw_elems)

    def state(self, i: int) -> str:
        """The colour key of slot ``i``'s byte (a key of ``style.colors``)."""
        raise NotImplementedError

    def cell_text(self, i: int) -> str:
        """What slot ``i``'s byte cell shows."""
        return str(self.ctrl[i])

    def has_stale(self) -> bool:
        """Whether the row holds what a reader looks for first (stale data, tombstones)."""
        raise NotImplementedError

    def is_empty(self) -> bool:
        """Whether every slot is empty."""
        raise NotImplementedError

    def footer(self) -> str | None:
        """The text of the row under the slots (a bucket's overflow pointer), or None."""
        return None


@dataclass
class SNode:
    """A root, an object, a map structure or a slot array, as of a snapshot."""

    nid: str
    label: str           # "T#3", "global m"
    kind: str            # root, object, indirect, ovflist, array, or a RECORD_KINDS
    type: str = ""
    name: str | None = None
    size: int = 0
    noscan: bool = False
    freed: bool = False
    rows: tuple[tuple[str, str], ...] = ()  # record fields (port, text)
    edges: list[tuple[str | None, str, str, str]] = field(default_factory=list)
    # slot arrays (and tables: which)
    role: str = ""       # "buckets" (makeBucketArray), "overflow" (one bucket), "groups"
    which: str = ""      # buckets / oldbuckets / unlinked; table / small / old (replaced)
    map: str = ""        # the map's label and name
    nbase: int = 0       # rows before the preallocated overflow buckets
    head: str = ""       # the cluster's title
    prefix: str = ""     # how a summary of its rows starts: "buckets", "table 2 groups"
    buckets: list[str] = field(default_factory=list)  # its rows' nids


def record_node(o: HeapObject, kind: str, tname: str, gone: bool,
                rows: Iterable[tuple[str, str]], fields: Iterable[tuple[str, Any]],
                **kw: Any) -> SNode:
    """A map structure drawn as a record: its ``rows`` (port, text), and an edge from
    each port of ``fields`` (port, pointer) whose pointer is not nil."""
    n = SNode(obj_nid(o), o.label, kind, tname, o.name, o.size, o.noscan, gone, tuple(rows),
              **kw)
    n.edges = [(port, target_nid(p), "field", "") for port, p in fields if p is not None]
    return n


def map_name(h: Any) -> str:
    """A map as picture titles name it: ``hmap#1 m``."""
    return f"{h.label}" + (f" {visible(h.name, 30)}" if h.name else "")


def node_lines(n: SNode) -> list[str]:
    """The lines of a plain node's label."""
    if n.kind == "root":
        return [visible(n.label, 60)]
    if n.kind == "ovflist":
        return [n.label, n.rows[0][1] if n.rows else ""]
    head = n.label + (f" · {visible(n.name, 40)}" if n.name else "")
    return [head, f"{n.size} B" + (" · freed" if n.freed else "")]


def root_nid(label: str) -> str:
    return "r" + hashlib.sha1(label.encode("utf-8", "surrogatepass")).hexdigest()[:10]


def obj_nid(o: HeapObject) -> str:
    return f"o{o.id}"


def target_nid(p: Any) -> str:
    """The node a pointer points at: an allocation, or a bucket or group inside one."""
    if p.owner is not p:
        return f"o{p.owner.id}b{p.index}"
    return f"o{p.id}"


def slot_cells(holder: Any, kp: Any, ep: Any, traced: dict,
               note: Any) -> tuple[tuple[bool, ...], list[tuple[str, str, str]]]:
    """For the 8 slots of a bucket or group: whether each holds data, and the edges
    of its key and elem pointers, styled by how the model traced them (``traced``:
    (holder id, slot, "key"/"elem", target id) -> stale; absent: not traced).
    ``note(p)`` is told of every pointer."""
    data, edges = [], []
    for i in range(SLOTS):
        k, e = holder.keys[i], holder.elems[i]
        data.append(not (k is None or isinstance(k, ClearedString)) or e is not None)
        for what, port, vals in (("key", "k", kp(k) if k is not None else ()),
                                 ("elem", "e", ep(e) if e is not None else ())):
            for p in vals:
                if getattr(p, "owner", None) is None or not p.owner.shown:
                    continue  # not a heap object, or string data
                note(p)
                st = traced.get((id(holder), i, what, id(p.owner)))
                style = "untraced" if st is None else ("stale" if st else "live")
                edges.append((f"{port}{i}", target_nid(p), style))
    return tuple(data), edges


__all__ = ["HEADER_KINDS", "RECORD_KINDS", "STRUCT_KINDS", "MapStyle", "SNode", "SlotRow",
           "map_name", "node_lines", "obj_nid", "record_node", "root_nid", "slot_cells",
           "target_nid"]
