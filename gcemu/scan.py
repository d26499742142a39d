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

The two bucket policies
-----------------------
``tophash`` (scanmap) scans a chain from its main bucket, slot by slot: a full slot is
traced; an ``emptyOne`` or ``evacuatedX/Y`` slot is traced as stale; ``evacuatedEmpty``
is skipped; ``emptyRest`` stops the tracing of slots for the rest of the chain. The
overflow pointers are always followed, so bucket memory stays alive. A separately
allocated overflow bucket traces only its overflow pointer: its slots belong to its
chain.

``bitmap`` (go) mirrors runtime.scanobject over the bucket type's pointer bitmap: every
pointer word of every bucket of the allocation (main and preallocated), whatever the
tophash. Pointer-free bucket arrays are never scanned (greyobject blackens them).

Swiss groups
------------
A Swiss map's groups array (gcemu.swissmap, models ``go-swiss*``) is scanned by the
group type's pointer bitmap too: every key and elem pointer word of every slot, whatever
its control byte (go-swiss-map.md §7). The edge is a ``"slot"`` edge with the group
index for the bucket, chain position 0 and the control byte for the tophash; it is
``stale`` when the slot is not full, or when the array is storage the map has replaced
(an old table or small group that only an iterator still holds).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from gcemu.gomap import (
    BUCKET_CNT,
    EMPTY_REST,
    EVACUATED_EMPTY,
    MIN_TOP_HASH,
    BucketArray,
    Hiter,
    Map,
    MapExtra,
    tophash_state,
)
from gcemu.swissmap import (
    CTRL_EMPTY,
    Directory,
    GroupsArray,
    SwissIter,
    SwissMap,
    Table,
    ctrl_state,
)

Visit = Callable[[Any, tuple], None]
# the allocations the marker scans slot by slot (one unit of work per slot)
SLOT_ARRAYS = (BucketArray, GroupsArray)
# (bucket, pos, slot, tophash, action): one unit of bucket scanning, for events
Unit = tuple[int, int, int, int, str]


def scan_array(arr: BucketArray, policy: str, visit: Visit,
               step: bool = True) -> Iterator[Unit]:
    """Scan a bucket array (or a lone overflow bucket) under ``policy``.

    With ``step`` it yields after each slot so a stepping marker can stop there;
    without, it runs to the end on the first ``next()`` and yields nothing.
    """
    if policy == "tophash" and type(arr) is not GroupsArray:
        return _scan_tophash(arr, visit, step)
    return _scan_bitmap(arr, visit, step)


def _slot_readers(arr: BucketArray) -> tuple[Any, Any, bool]:
    """(key pointers, elem pointers, elem slot is one pointer word): a reader is None
    when its slots can hold no heap pointer (pointer-free, or a string, whose data
    gcemu does not model as a heap object)."""
    h = arr.hmap
    layout = h.layout

    def reader(t, indirect, fn):
        return fn if indirect or (t.has_pointers and t.kind != "string") else None
    kp = reader(layout.key, layout.indirect_key, h.key_pointers)
    ep = reader(layout.elem, layout.indirect_elem, h.elem_pointers)
    direct = layout.indirect_elem or layout.elem.kind in ("ptr", "map")
    return kp, ep, direct


def _scan_tophash(arr: BucketArray, visit: Visit, step: bool) -> Iterator[Unit]:
    kp, ep, direct = _slot_readers(arr)
    if arr.role == "overflow":
        ovf = arr.buckets[0].overflow
        if ovf is not None:
            visit(ovf, ("overflow", arr, 0, 0))
        return
    buckets = arr.buckets
    for j in range(arr.nbase):
        b = buckets[j]
        pos = 0
        tracing = True
        while b is not None:
            if tracing:
                th, keys, elems = b.tophash, b.keys, b.elems
                for i in range(BUCKET_CNT):
                    t = th[i]
                    if t == EMPTY_REST:
                        tracing = False
                        if step:
                            yield j, pos, i, t, "stopped"
                        break
                    if t == EVACUATED_EMPTY:
                        if step:
                            yield j, pos, i, t, "skipped"
                        continue
                    stale = t < MIN_TOP_HASH
                    if kp is not None:
                        for p in kp(keys[i]):
                            visit(p, ("slot", arr, j, pos, i, t, "key", stale))
                    if direct:
                        e = elems[i]
                        if e is not None:
                            visit(e, ("slot", arr, j, pos, i, t, "elem", stale))
                    elif ep is not None:
                        for p in ep(elems[i]):
                            visit(p, ("slot", arr, j, pos, i, t, "elem", stale))
                    if step:
                        yield j, pos, i, t, "stale" if stale else "traced"
            nxt = b.overflow
            if nxt is not None:
                visit(nxt, ("overflow", arr, j, pos))
            b = nxt
            pos += 1


# whether a slot with this tophash / control byte is not full ("stale" when traced)
_STALE_TOPHASH = tuple(t < MIN_TOP_HASH for t in range(256))
_STALE_CTRL = tuple(c & CTRL_EMPTY != 0 for c in range(256))
_ALL_STALE = (True,) * 256  # storage the map has replaced: every slot is a stale copy


def _scan_bitmap(arr: Any, visit: Visit, step: bool) -> Iterator[Unit]:
    """Every pointer word of every slot of a bucket array (and each bucket's overflow
    pointer) or of a groups array, whatever its tophash or control bytes."""
    kp, ep, direct = _slot_readers(arr)
    if type(arr) is GroupsArray:
        holders, states = arr.groups, "ctrl"
        stale_of = _STALE_CTRL if arr.current() else _ALL_STALE
    else:
        holders, states, stale_of = arr.buckets, "tophash", _STALE_TOPHASH
    for idx, b in enumerate(holders):
        th, keys, elems = getattr(b, states), b.keys, b.elems
        for i in range(BUCKET_CNT):  # a group has as many slots as a bucket
            t = th[i]
            stale = stale_of[t]
            traced = False
            if kp is not None:
                for p in kp(keys[i]):
                    visit(p, ("slot", arr, idx, 0, i, t, "key", stale))
                    traced = True
            if direct:
                e = elems[i]
                if e is not None:
                    visit(e, ("slot", arr, idx, 0, i, t, "elem", stale))
                    traced = True
            elif ep is not None:
                for p in ep(elems[i]):
                    visit(p, ("slot", arr, idx, 0, i, t, "elem", stale))
                    traced = True
            if step:
                if not stale:
                    yield idx, 0, i, t, "traced"
                else:
                    yield idx, 0, i, t, "stale" if traced else "skipped"
        ovf = getattr(b, "overflow", None)
        if ovf is not None:
            visit(ovf, ("overflow", arr, idx, 0))


PTR_EDGE = ("ptr", None)
_FIELDS = {Map: (("buckets_obj", ("field", "buckets_obj")),
                 ("oldbuckets_obj", ("field", "oldbuckets_obj")),
                 ("extra", ("field", "extra"))),
           MapExtra: (("overflow", ("field", "overflow")),
                      ("oldoverflow", ("field", "oldoverflow")),
                      ("next_overflow", ("field", "next_overflow"))),
           SwissMap: (("dirPtr", ("field", "dirPtr")),),
           Table: (("groups_obj", ("field", "groups_obj")),)}


def plain_edges(obj: Any, visit: Visit) -> None:
    """The pointers of an object that is not a bucket array (scanned as one unit)."""
    if type(obj) is Directory:
        for i, t in enumerate(obj.tables):
            visit(t, ("field", f"directory[{i}]"))
        return
    fields = _FIELDS.get(type(obj))
    if fields is None:
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
    if type(obj) in SLOT_ARRAYS:
        for _ in scan_array(obj, policy, visit, step=False):
            pass
    else:
        plain_edges(obj, visit)


def root_edges(label: str, root: Any, visit: Visit) -> None:
    """The pointers of one root: a global's value or an iterator's fields."""
    if isinstance(root, (Hiter, SwissIter)):
        for field, p in root.pointers():
            visit(p, ("root", f"{label}.{field}"))
    elif root is not None:
        visit(root, ("root", label))


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
    return ctrl_state(t) if type(arr) is GroupsArray else tophash_state(t)


def is_current(arr: Any) -> bool:
    """Whether the array is storage its map uses now: its buckets or oldbuckets, or a
    Swiss map's live tables and small group."""
    if type(arr) is GroupsArray:
        return arr.current()
    h = arr.hmap
    return arr is h.buckets_obj or arr is h.oldbuckets_obj


def slot_holder(arr: Any, j: int, pos: int) -> Any:
    """The bucket (or group) an edge's (array, bucket, chain position) names."""
    if type(arr) is GroupsArray:
        return arr.groups[j]
    b = arr.buckets[j]
    for _ in range(pos):
        b = b.overflow
    return b


def _group_prefix(arr: GroupsArray) -> str | None:
    if not arr.current():
        return None
    return "small group" if arr.table is None else f"table {arr.table.index}"


def bucket_name(arr: Any, j: int, pos: int, prefixes: dict | None = None) -> str:
    """``bucket 3``, ``bucket 3 overflow 1``, ``oldbucket 2``, ``overflow#17``; for a
    Swiss map ``table 2 group 5``, ``small group``, ``old table#7 group 3``.

    Whether an array is its map's ``buckets`` or ``oldbuckets`` (a table's place in
    the directory) is read now, or from ``prefixes`` (array -> ``"bucket"`` /
    ``"oldbucket"`` / ``"table 2"``, see `array_prefixes`).
    """
    if type(arr) is GroupsArray:
        prefix = prefixes.get(arr) if prefixes is not None else _group_prefix(arr)
        if prefix is None:
            prefix = f"old {arr.table.label}" if arr.table else f"old small {arr.label}"
        return prefix if arr.table is None else f"{prefix} group {j}"
    if arr.role == "overflow":
        return f"{arr.label}"
    if prefixes is not None:
        prefix = prefixes.get(arr) or f"{arr.label} bucket"
    elif arr is arr.hmap.buckets_obj:
        prefix = "bucket"
    elif arr is arr.hmap.oldbuckets_obj:
        prefix = "oldbucket"
    else:
        prefix = f"{arr.label} bucket"
    if j >= arr.nbase:
        return f"{prefix} {j} (preallocated overflow)"
    return f"{prefix} {j}" + (f" overflow {pos}" if pos else "")


def array_prefixes(maps: Any) -> dict:
    """The current ``buckets`` and ``oldbuckets`` arrays of ``maps``, as the prefix
    `bucket_name` gives their buckets."""
    out: dict = {}
    for h in maps:
        if type(h) is SwissMap:
            if h.dirPtr is not None:
                for a in ([h.dirPtr] if h.dirLen == 0 else [t.groups_obj for t in h.tables]):
                    out[a] = _group_prefix(a)
            continue
        if h.oldbuckets_obj is not None:
            out[h.oldbuckets_obj] = "oldbucket"
        if h.buckets_obj is not None:
            out[h.buckets_obj] = "bucket"
    return out


__all__ = ["SLOT_ARRAYS", "array_prefixes", "bucket_name", "describe_edge", "is_current",
           "object_edges", "plain_edges", "root_edges", "scan_array", "slot_holder",
           "slot_state"]
