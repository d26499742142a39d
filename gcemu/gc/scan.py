"""What the marker traces from one object: the scan policies of the models.

Invariant
---------
One function decides which pointers of an object are traced, under one model's scan
policy: `object_edges` (and, for bucket arrays, the resumable `scan_array`). The
marker shades what it reports, the consistency check tests it for "black -> white",
and the analysis builds the traced graph, reasons and paths from it, so all three
agree by construction.

Each traced pointer comes with an *edge*, a plain tuple that says how it was reached:

``("slot", arr, bucket, pos, slot, tophash, what, stale)``
    a key or elem (``what``) of slot ``slot`` of the bucket at chain position ``pos``
    of bucket ``bucket`` in array ``arr`` (bitmap scans use the physical bucket index
    and ``pos`` 0); ``stale`` is true when the slot's tophash says it is not full.
``("overflow", arr, bucket, pos)``
    the overflow pointer of that bucket.
``("field", name)``
    a pointer field of an hmap or mapextra (``buckets``, ``overflow``, ...), or of a
    Swiss map's header, directory or table (``dirPtr``, ``directory[3]``, ``groups``).
``("ptr", None)``
    any other pointer word of an object.
``("root", label)``
    a global, or a pointer field of an iterator on a stack
    (``stack main: hiter(m).buckets``).

Map kinds
---------
The scan of a map's slot arrays (buckets and their policies, Swiss groups) belongs to
its kind (`gcemu.maps.classic.kind`, `gcemu.maps.swiss.kind`); this module reaches it
through the registry's tables (`gcemu.maps.kind`), by exact type, so it names no map
class and a new kind needs no change here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from gcemu.core.heap import HeapObject, Object
from gcemu.maps.kind import BY_TYPE, FIELD_EDGES, SCANNERS, SLOT_ARRAYS, Unit, Visit

PTR_EDGE = ("ptr", None)


def scan_array(arr: Any, policy: str, visit: Visit, step: bool = True) -> Iterator[Unit]:
    """Scan a slot array (a bucket array, a lone overflow bucket, a groups array)
    under ``policy``, as its map kind does.

    With ``step`` it yields after each slot so a stepping marker can stop there;
    without, it runs to the end on the first ``next()`` and yields nothing.
    """
    return SLOT_ARRAYS[type(arr)].scan_array(arr, policy, visit, step)


def plain_edges(obj: Any, visit: Visit) -> None:
    """The pointers of an object that is not a slot array (scanned as one unit)."""
    if type(obj) is Object:  # most of a heap: read by its type, as Object.pointers does
        for p in obj.type.pointers(obj.value):
            visit(p, PTR_EDGE)
        return
    fields = FIELD_EDGES.get(type(obj))
    if fields is None:
        scan = SCANNERS.get(type(obj))
        if scan is not None:
            scan(obj, visit)
            return
        for p in obj.pointers():
            visit(p, PTR_EDGE)
        return
    for name, edge in fields:
        p = getattr(obj, name)
        if p is not None:
            visit(p, edge)


def object_edges(obj: Any, policy: str, visit: Visit) -> None:
    """Every pointer the marker traces from ``obj`` under ``policy``."""
    if obj.noscan:
        return
    kind = SLOT_ARRAYS.get(type(obj))
    if kind is not None:
        for _ in kind.scan_array(obj, policy, visit, False):
            pass
    else:
        plain_edges(obj, visit)


def root_edges(label: str, root: Any, visit: Visit) -> None:
    """The pointers of one root: a global's value, or a stack frame's pointer fields
    (a map iterator: `gcemu.core.roots.Frame`)."""
    if isinstance(root, HeapObject):
        visit(root, ("root", label))
    elif root is not None:
        for field, p in root.pointers():
            visit(p, ("root", f"{label}.{field}"))


def describe_edge(edge: tuple, prefixes: dict | None = None) -> str:
    """One line for a path: e.g. ``bucket 0 slot 1 (emptyOne, stale elem)``.

    ``prefixes`` (see `bucket_name`) names bucket arrays as of some earlier moment.
    """
    kind = edge[0]
    if kind == "slot":
        _, arr, j, pos, i, t, what, stale = edge
        state = slot_state(arr, t)
        what = f"stale {what}" if stale else what
        return f"{bucket_name(arr, j, pos, prefixes)} slot {i} ({state}, {what})"
    if kind == "overflow":
        _, arr, j, pos = edge
        return f"{bucket_name(arr, j, pos, prefixes)} overflow pointer"
    if kind == "field":
        return f".{edge[1].replace('_obj', '')}"
    if kind == "root":
        return edge[1]
    return "pointer"


def slot_state(arr: Any, t: int) -> str:
    """The state name of a slot's tophash (a bucket) or control byte (a group)."""
    return SLOT_ARRAYS[type(arr)].slot_state(arr, t)


def is_current(arr: Any) -> bool:
    """Whether the array is storage its map uses now: its buckets or oldbuckets, or a
    Swiss map's live tables and small group."""
    return SLOT_ARRAYS[type(arr)].is_current(arr)


def slot_holder(arr: Any, j: int, pos: int) -> Any:
    """The bucket (or group) an edge's (array, bucket, chain position) names."""
    return SLOT_ARRAYS[type(arr)].slot_holder(arr, j, pos)


def bucket_name(arr: Any, j: int, pos: int, prefixes: dict | None = None) -> str:
    """``bucket 3``, ``bucket 3 overflow 1``, ``oldbucket 2``, ``overflow#17``; for a
    Swiss map ``table 2 group 5``, ``small group``, ``old table#7 group 3``.

    ``prefixes`` (see `array_prefixes`) names the arrays as of some earlier moment.
    """
    return SLOT_ARRAYS[type(arr)].bucket_name(arr, j, pos, prefixes)


def array_prefixes(maps: Any) -> dict:
    """The names of the current storage of ``maps`` (``bucket``, ``oldbucket``,
    ``table 2``), as `bucket_name` reads them later."""
    out: dict = {}
    for h in maps:
        out.update(BY_TYPE[type(h)].array_prefixes(h))
    return out


__all__ = ["SLOT_ARRAYS", "array_prefixes", "bucket_name", "describe_edge", "is_current",
           "object_edges", "plain_edges", "root_edges", "scan_array", "slot_holder",
           "slot_state"]
