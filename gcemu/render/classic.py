"""The classic map in pictures (gcemu.maps.classic): hmap, mapextra, bucket arrays, buckets.

An ``hmap`` is a record of its fields (count, B, flags, noverflow, nevacuate, hash0)
with ports for ``buckets``, ``oldbuckets`` and ``extra``; ``mapextra`` likewise; the
overflow list of a pointer-free map a 3-D box. Each bucket array (``buckets``,
``oldbuckets``, an array no map links any more, a separately allocated overflow
bucket) is a cluster; each bucket in it an `SBucket`: slot, tophash (its value,
coloured by state), key, elem, and its overflow pointer.
"""

from __future__ import annotations

from typing import Any

from gcemu.maps.classic import (
    BUCKET_CNT,
    EMPTY_ONE,
    EMPTY_REST,
    MIN_TOP_HASH,
    BucketArray,
    Map,
    MapExtra,
    OverflowList,
    flags_text,
    tophash_state,
)
from gcemu.render.kinds import Drawer, register
from gcemu.render.nodes import (
    MapStyle,
    SlotRow,
    SNode,
    map_name,
    obj_nid,
    record_node,
    slot_cells,
    target_nid,
)
from gcemu.render.text import visible

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
CLASSIC = MapStyle(
    unit="bucket", ctrl="tophash", colors=TOPHASH_COLORS, legend=TOPHASH_LEGEND,
    edges=(("live", "traced pointer"),
           ("stale", "traced from a stale slot (emptyOne, evacuated copy)"),
           ("untraced", "pointer in memory the model does not trace"),
           ("overflow", "overflow pointer")))


class SBucket(SlotRow):
    """A bucket: 8 slots, each with its tophash, and an overflow pointer."""

    style = CLASSIC

    def state(self, i: int) -> str:
        t = self.ctrl[i]
        if t == EMPTY_ONE and self.data[i]:
            return "emptyOne stale"
        return tophash_state(t)

    def has_stale(self) -> bool:
        return any(self.data[i] and self.ctrl[i] < MIN_TOP_HASH for i in range(BUCKET_CNT))

    def is_empty(self) -> bool:
        return self.ctrl.count(EMPTY_REST) == BUCKET_CNT

    def footer(self) -> str:
        if self.overflow is None:
            return "overflow: nil"
        return "overflow: sentinel" if self.overflow_style == "sentinel" else "overflow →"


def _hmap(o: Map, gone: bool) -> SNode:
    rows = (("h", map_name(o)),
            ("t", visible(o.type.name, 50)),
            ("count", f"count {o.count}"), ("B", f"B {o.B}"),
            ("flags", f"flags {flags_text(o.flags)}"),
            ("noverflow", f"noverflow {o.noverflow}"),
            ("nevacuate", f"nevacuate {o.nevacuate}"),
            ("hash0", f"hash0 {o.hash0:#010x}"),
            ("buckets", "buckets"), ("oldbuckets", "oldbuckets"), ("extra", "extra"))
    return record_node(o, "hmap", o.type.name, gone, rows,
                       (("buckets", o.buckets_obj), ("oldbuckets", o.oldbuckets_obj),
                        ("extra", o.extra)))


def _mapextra(o: MapExtra, gone: bool) -> SNode:
    rows = (("h", o.label), ("overflow", "overflow"), ("oldoverflow", "oldoverflow"),
            ("next_overflow", "nextOverflow"))
    return record_node(o, "mapextra", "mapextra", gone, rows,
                       (("overflow", o.overflow), ("oldoverflow", o.oldoverflow),
                        ("next_overflow", o.next_overflow)))


def _ovflist(o: OverflowList, gone: bool) -> SNode:
    n = SNode(obj_nid(o), o.label, "ovflist", "[]*bmap", None, o.size, o.noscan, gone)
    n.rows = (("n", f"{len(o.items)} overflow buckets"),)
    for p in o.items:
        n.edges.append((None, target_nid(p), "live", ""))
    return n


# type -> the node of one of the classic map's structures
STRUCTURES = {Map: _hmap, MapExtra: _mapextra, OverflowList: _ovflist}


def array_node(arr: BucketArray, rows: dict, traced: dict, note: Any) -> SNode:
    """The node of a bucket array (its buckets go into ``rows``)."""
    nid = obj_nid(arr)
    h = arr.hmap
    w = ("buckets" if arr is h.buckets_obj else "oldbuckets" if arr is h.oldbuckets_obj
         else "unlinked")
    mname = map_name(h)
    n = SNode(nid, arr.label, "array", "bucket array", None, arr.size, arr.noscan,
              bool(arr.freed), role=arr.role, which=w if arr.role == "buckets" else "",
              map=mname, nbase=arr.nbase,
              prefix="oldbuckets" if w == "oldbuckets" else "buckets")
    if arr.role == "overflow":
        n.head = f"{arr.label} · overflow bucket of {mname} · {arr.size} B"
    else:
        nb = len(arr.buckets)
        what = {"buckets": "buckets", "oldbuckets": "oldbuckets"}.get(w, "unlinked array")
        extra = f" + {nb - arr.nbase} preallocated overflow" if nb > arr.nbase else ""
        count = f"{arr.nbase} bucket{'s' * (arr.nbase != 1)}"
        n.head = f"{arr.label} · {what} of {mname} · {count}{extra} · {arr.size} B"
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
        data, edges = slot_cells(b, kp, ep, traced, note)
        ov = b.overflow
        ov_style = "overflow"
        if ov is not None and b.index == last and arr.nbase != len(arr.buckets) \
                and ov is arr.buckets[0]:
            ov_style = "sentinel"
        rows[bid] = SBucket(bid, nid, b.index, name, bytes(b.tophash), tuple(b.keys),
                            tuple(b.elems), data, edges,
                            None if ov is None else target_nid(ov), ov_style)
        n.buckets.append(bid)
    return n


register("classic", Drawer(CLASSIC, STRUCTURES, array_node))

__all__ = ["CLASSIC", "STRUCTURES", "TOPHASH_COLORS", "TOPHASH_LEGEND", "SBucket",
           "array_node"]
