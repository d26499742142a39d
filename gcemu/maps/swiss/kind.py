"""The Swiss-table map (internal/runtime/maps) as a map kind: how the GC, the report
and the front ends read groups.

A groups array is scanned by the group type's pointer bitmap: every key and elem
pointer word of every slot, whatever its control byte (go-swiss-map.md §7;
`gcemu.maps.slotscan`). A slot is ``stale`` when it is not full, or when the array is
storage the map has replaced (an old table or small group that only an iterator still
holds). The edge names the group index for the bucket, chain position 0 and the
control byte for the state.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from gcemu.maps.kind import MapKind, Unit, Visit, register
from gcemu.maps.slotscan import scan_bitmap, shade_bitmap
from gcemu.maps.swiss import (
    CTRL_EMPTY,
    Directory,
    GroupsArray,
    SwissIter,
    SwissMap,
    Table,
    ctrl_state,
)

# whether a slot with this control byte is not full ("stale" when traced)
_STALE_CTRL = tuple(c & CTRL_EMPTY != 0 for c in range(256))
_ALL_STALE = (True,) * 256  # storage the map has replaced: every slot is a stale copy


def scan_array(arr: GroupsArray, policy: str, visit: Visit, step: bool) -> Iterator[Unit]:
    """Every pointer word of every slot of the groups (one policy: the bitmap)."""
    stale_of = _STALE_CTRL if arr.current() else _ALL_STALE
    return scan_bitmap(arr, arr.groups, "ctrl", stale_of, visit, step)


def shade_array(arr: GroupsArray, policy: str, shade: Any) -> None:
    """The drain's scan: every pointer word of the groups, shaded without edges."""
    shade_bitmap(arr, arr.groups, shade)


def directory_edges(d: Directory, visit: Visit) -> None:
    """The directory's table pointers, one edge per entry."""
    for i, t in enumerate(d.tables):
        visit(t, ("field", f"directory[{i}]"))


def _prefix(arr: GroupsArray) -> str | None:
    if not arr.current():
        return None
    return "small group" if arr.table is None else f"table {arr.table.index}"


def bucket_name(arr: GroupsArray, j: int, pos: int, prefixes: dict | None = None) -> str:
    """``table 2 group 5``, ``small group``, ``old table#7 group 3``; a table's place
    in the directory is read now, or from ``prefixes`` (see `array_prefixes`)."""
    prefix = prefixes.get(arr) if prefixes is not None else _prefix(arr)
    if prefix is None:
        prefix = f"old {arr.table.label}" if arr.table else f"old small {arr.label}"
    return prefix if arr.table is None else f"{prefix} group {j}"


def array_prefixes(h: SwissMap) -> dict:
    """The map's live groups arrays (its small group, or its tables'), as
    `bucket_name` prefixes."""
    return {a: _prefix(a) for a in storage(h)}


def measure(m: SwissMap) -> tuple[dict[str, int], dict[str, int], set]:
    """A Swiss map: its header, directory, table structs and groups arrays (the
    header, directory and tables count as the report's ``hmap`` category, the groups
    as ``buckets``)."""
    out = {"map": m.size, "directory": 0, "tables": 0, "groups": 0}
    parts: set = {m}
    if type(m.dirPtr) is Directory:
        out["directory"] = m.dirPtr.size
        parts.add(m.dirPtr)
        for t in m.tables:
            parts |= {t, t.groups_obj}
            out["tables"] += t.size
            out["groups"] += t.groups_obj.size
    elif m.dirPtr is not None:
        out["groups"] = m.dirPtr.size
        parts.add(m.dirPtr)
    category = {"hmap": out["map"] + out["directory"] + out["tables"],
                "buckets": out["groups"], "overflow": 0, "oldbuckets": 0}
    return out, category, parts


def summary(m: SwissMap) -> dict:
    """The map's shape for the JSON report: used, dirLen, globalDepth, tables,
    capacity, tombstones."""
    return {"count": m.used, "dirLen": m.dirLen, "globalDepth": m.globalDepth,
            "tables": len(m.tables), "capacity": m.capacity, "tombstones": m.tombstones(),
            "growing": False}


def storage(m: SwissMap) -> list:
    """The map's live groups arrays: its small group, or each table's groups."""
    if m.dirPtr is None:
        return []
    return [m.dirPtr] if m.dirLen == 0 else [t.groups_obj for t in m.tables]


def shape(m: SwissMap) -> str:
    """``tables=2 capacity=2048 tombstones=0 groups=36,864 B``."""
    groups = sum(t.groups_obj.size for t in m.tables)
    return (f"tables={len(m.tables)} capacity={m.capacity} tombstones={m.tombstones()} "
            f"groups={groups:,} B")


def layout_line(s: dict) -> str:
    """``4 tables, dirLen 4, capacity 4096, tombstones 50``, or a small map, from
    `summary`."""
    if s["dirLen"] == 0:
        return "small map (one group of 8 slots)" if s["capacity"] else "small map (no group yet)"
    return (f"{s['tables']} table{'s' * (s['tables'] != 1)}, dirLen {s['dirLen']}, capacity "
            f"{s['capacity']}, tombstones {s['tombstones']}")


def _slot_holder(arr: GroupsArray, j: int, pos: int) -> Any:
    return arr.groups[j]


KIND = register(MapKind(
    name="swiss",
    map_class=SwissMap,
    slot_arrays=(GroupsArray,),
    scan_array=scan_array,
    shade_array=shade_array,
    slot_state=lambda arr, c: ctrl_state(c),
    states_of=lambda g: g.ctrl,
    is_current=lambda arr: arr.current(),
    slot_holder=_slot_holder,
    bucket_name=bucket_name,
    array_prefixes=array_prefixes,
    measure=measure,
    summary=summary,
    unlinked_category=lambda arr: "oldbuckets",  # an old table's or small map's groups
    storage=storage,
    shape=shape,
    title="Swiss",
    layout_line=layout_line,
    columns=("tables", "dirLen", "globalDepth", "capacity", "tombstones"),
    unit="group",
    fields=("used", "dirLen", "globalDepth", "tables"),
    state_word="ctrl",
    state_format="{:02x}",
    field_edges={SwissMap: (("dirPtr", ("field", "dirPtr")),),
                 Table: (("groups_obj", ("field", "groups_obj")),)},
    scanners={Directory: directory_edges},
    types=(SwissIter,),
))

__all__ = ["KIND"]
