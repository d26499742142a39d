"""The Swiss-table map in pictures (gcemu.maps.swiss, models ``go-swiss*``).

The header (maps.Map) is a record of used, seed, dirLen, globalDepth,
tombstonePossible and clearSeq, with a ``dirPtr`` port; the directory a record with
one row per run of entries that share a table (``[2–3] table#9``), each a port; a
table a record of index, localDepth, capacity, used, growthLeft and tombstones, with
a ``groups`` port. Each groups array is a cluster (``table 2``, ``small group``, or
``old``: storage the map replaced, which only an iterator can still hold) and each
group in it an `SGroup`: slot, control byte (full: its H2 in hex; ``80`` empty;
``fe`` deleted, a tombstone), key, elem.
"""

from __future__ import annotations

from typing import Any

from gcemu.gc.scan import bucket_name
from gcemu.maps.swiss import (
    CTRL_DELETED,
    CTRL_EMPTY,
    SLOTS,
    Directory,
    GroupsArray,
    SwissMap,
    Table,
    ctrl_state,
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
)
from gcemu.render.text import visible

CTRL_COLORS = {"full": "#b9e3a3", "deleted": "#f6b26b", "empty": "#e2e2e2"}
CTRL_LEGEND = (
    ("full", "full: H2, the low 7 bits of the hash (hex)"),
    ("deleted", "fe deleted: a tombstone, probes go on past it"),
    ("empty", "80 empty"),
)
SWISS = MapStyle(
    unit="group", ctrl="ctrl", colors=CTRL_COLORS, legend=CTRL_LEGEND,
    edges=(("live", "traced pointer"),
           ("stale", "traced from storage the map replaced (held by an iterator)")))


class SGroup(SlotRow):
    """A group: 8 slots, each with its control byte."""

    style = SWISS

    def state(self, i: int) -> str:
        return ctrl_state(self.ctrl[i])

    def cell_text(self, i: int) -> str:
        return f"{self.ctrl[i]:02x}"

    def has_stale(self) -> bool:
        return CTRL_DELETED in self.ctrl

    def is_empty(self) -> bool:
        return self.ctrl.count(CTRL_EMPTY) == SLOTS


def _header(o: SwissMap, gone: bool) -> SNode:
    rows = (("h", map_name(o)),
            ("t", visible(o.type.name, 50)),
            ("used", f"used {o.used}"),
            ("seed", f"seed {o.seed:#018x}"),
            ("dirLen", f"dirLen {o.dirLen}" + (" (small)" if o.dirLen == 0 else "")),
            ("globalDepth", f"globalDepth {o.globalDepth}"),
            ("tombstonePossible", f"tombstonePossible {str(o.tombstonePossible).lower()}"),
            ("clearSeq", f"clearSeq {o.clearSeq}"),
            ("dirPtr", "dirPtr"))
    return record_node(o, "map", o.type.name, gone, rows, (("dirPtr", o.dirPtr),))


def _directory(o: Directory, gone: bool) -> SNode:
    """One row per run of consecutive entries that point at the same table."""
    tables = o.tables
    rows = [("h", f"{o.label} · {len(tables)} entr{'y' if len(tables) == 1 else 'ies'}")]
    fields = []
    i = 0
    while i < len(tables):
        t, j = tables[i], i
        while j + 1 < len(tables) and tables[j + 1] is t:
            j += 1
        span = f"[{i}]" if i == j else f"[{i}–{j}]"
        rows.append((f"d{i}", f"{span} {t.label}"))
        fields.append((f"d{i}", t))
        i = j + 1
    return record_node(o, "directory", "[]*table", gone, rows, fields)


def _table(o: Table, gone: bool) -> SNode:
    index = f"index {o.index}" + (" (replaced)" if o.index == -1 else "")
    rows = (("h", o.label), ("index", index), ("localDepth", f"localDepth {o.localDepth}"),
            ("capacity", f"capacity {o.capacity}"), ("used", f"used {o.used}"),
            ("growthLeft", f"growthLeft {o.growthLeft}"),
            ("tombstones", f"tombstones {o.tombstones()}"), ("groups", "groups"))
    return record_node(o, "table", "table", gone, rows, (("groups", o.groups_obj),),
                       which="old" if o.index == -1 else "table")


# type -> the node of one of the Swiss map's structures
STRUCTURES = {SwissMap: _header, Directory: _directory, Table: _table}


def groups_node(arr: GroupsArray, rows: dict, traced: dict, note: Any) -> SNode:
    """The node of a groups array (its groups go into ``rows``)."""
    nid = obj_nid(arr)
    h = arr.hmap
    mname = map_name(h)
    t = arr.table
    if arr.current():
        which = "small" if t is None else "table"
        what = prefix = "small group" if t is None else f"table {t.index}"
    else:
        which = "old"
        prefix = "old small group" if t is None else f"old {t.label}"
        what = f"{prefix} (replaced)"
    n = len(arr.groups)
    node = SNode(nid, arr.label, "array", "groups array", None, arr.size, arr.noscan,
                 bool(arr.freed), role="groups", which=which, map=mname, nbase=n,
                 prefix=prefix if t is None else f"{prefix} groups")
    node.head = f"{arr.label} · {what} of {mname} · {n} group{'s' * (n != 1)} · {arr.size} B"
    kp, ep = h.key_pointers, h.elem_pointers
    for g in arr.groups:
        bid = f"{nid}b{g.index}"
        data, edges = slot_cells(g, kp, ep, traced, note)
        rows[bid] = SGroup(bid, nid, g.index, bucket_name(arr, g.index, 0), bytes(g.ctrl),
                           tuple(g.keys), tuple(g.elems), data, edges)
        node.buckets.append(bid)
    return node


register("swiss", Drawer(SWISS, STRUCTURES, groups_node))

__all__ = ["CTRL_COLORS", "CTRL_LEGEND", "STRUCTURES", "SWISS", "SGroup", "groups_node"]
