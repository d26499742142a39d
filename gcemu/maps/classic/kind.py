"""The classic map (runtime/map.go) as a map kind: how the GC, the report and the
front ends read buckets.

The marker scans a bucket array under one of two policies (models.md):

``tophash`` (scanmap) scans a chain from its main bucket, slot by slot: a full slot is
traced; an ``emptyOne`` or ``evacuatedX/Y`` slot is traced as stale; ``evacuatedEmpty``
is skipped; ``emptyRest`` stops the tracing of slots for the rest of the chain. The
overflow pointers are always followed, so bucket memory stays alive. A separately
allocated overflow bucket traces only its overflow pointer: its slots belong to its
chain. One loop (`_scan_tophash`) serves both readers: the edge scan (an edge per
traced pointer, a unit per slot when stepping) and the drain (`shade_array`), for which
it collects each bucket's read slots as a run, at most one slice a bucket (the first
``n`` slots, up to the ``emptyRest``, less any ``evacuatedEmpty``), for
`gcemu.maps.slotscan.shade_slots`.

``bitmap`` (go) mirrors runtime.scanobject over the bucket type's pointer bitmap: every
pointer word of every bucket of the allocation (main and preallocated), whatever the
tophash (`gcemu.maps.slotscan`). Pointer-free bucket arrays are never scanned
(greyobject blackens them).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from gcemu.maps.classic import (
    BUCKET_CNT,
    EMPTY_REST,
    EVACUATED_EMPTY,
    MIN_TOP_HASH,
    BucketArray,
    Hiter,
    Map,
    MapExtra,
    OverflowList,
    flags_text,
    tophash_state,
)
from gcemu.maps.kind import MapKind, Unit, Visit, register
from gcemu.maps.slotscan import scan_bitmap, shade_bitmap, shade_slots, slot_readers

# whether a slot with this tophash is not full ("stale" when traced)
_STALE_TOPHASH = tuple(t < MIN_TOP_HASH for t in range(256))


def scan_array(arr: BucketArray, policy: str, visit: Visit, step: bool) -> Iterator[Unit]:
    """Scan a bucket array (or a lone overflow bucket) under ``policy``."""
    if policy == "tophash":
        return _scan_tophash(arr, visit, step)
    return scan_bitmap(arr, arr.buckets, "tophash", _STALE_TOPHASH, visit, step)


def shade_array(arr: BucketArray, policy: str, shade: Any) -> None:
    """The drain's scan: what `scan_array` traces, shaded without edges."""
    if policy != "tophash":
        shade_bitmap(arr, arr.buckets, shade)
        return
    key_runs: list = []
    elem_runs: list = []
    for _ in _scan_tophash(arr, shade, False, (key_runs, elem_runs)):
        pass
    if elem_runs:
        shade_slots(key_runs, elem_runs, slot_readers(arr), shade)


_STOP = bytes([EMPTY_REST])


def _scan_tophash(arr: BucketArray, visit: Visit, step: bool,
                  runs: tuple[list, list] | None = None) -> Iterator[Unit]:
    """The tophash policy, chain by chain. Slot by slot, an edge per traced pointer
    and, stepping, a unit per slot read (and one for the ``emptyRest`` that stops the
    chain's slots); or, given ``runs`` (key runs, elem runs: the drain's), no edge and
    no unit: each bucket's slots that the policy reads are appended as a run for
    `shade_slots` (the first ``n``, less any ``evacuatedEmpty``). Overflow pointers are
    visited either way, after their bucket's slots."""
    if arr.role == "overflow":
        ovf = arr.buckets[0].overflow
        if ovf is not None:
            visit(ovf, ("overflow", arr, 0, 0))
        return
    kp, ep, direct = slot_readers(arr)
    buckets, nbase = arr.buckets, arr.nbase
    if step:  # every bucket's units, an untouched one read as zeros
        heads: Any = ((j, buckets.peek(j)) for j in range(nbase))
    else:  # an untouched bucket holds no pointer; the drain's order is not observable
        heads = buckets.any_order() if runs is not None else buckets.built()
    for j, b in heads:
        if j >= nbase:  # a preallocated overflow bucket: read down its chain
            continue
        pos = 0
        n = BUCKET_CNT  # the slots read from b: all, until an emptyRest stops the chain
        while b is not None:
            if n:
                th, keys, elems = b.tophash, b.keys, b.elems
                stop = n = th.find(_STOP)  # bytes.find(bytes) parses faster than (int)
                if n < 0:
                    n = BUCKET_CNT
                if runs is not None:
                    if EVACUATED_EMPTY in th:
                        read = [i for i in range(n) if th[i] != EVACUATED_EMPTY]
                        keys, elems = [keys[i] for i in read], [elems[i] for i in read]
                    elif n < BUCKET_CNT:
                        elems = elems[:n]
                        keys = keys[:n] if kp is not None else keys
                    if kp is not None:
                        runs[0].append(keys)
                    runs[1].append(elems)
                else:
                    for i in range(n):
                        t = th[i]
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
                    if stop >= 0 and step:
                        yield j, pos, stop, EMPTY_REST, "stopped"
                if stop >= 0:
                    n = 0
            nxt = b.overflow
            if nxt is not None:
                visit(nxt, ("overflow", arr, j, pos))
            b = nxt
            pos += 1


def is_current(arr: BucketArray) -> bool:
    """The array is its map's ``buckets`` or ``oldbuckets``."""
    h = arr.hmap
    return arr is h.buckets_obj or arr is h.oldbuckets_obj


def slot_holder(arr: BucketArray, j: int, pos: int) -> Any:
    """Bucket ``j`` of the array, ``pos`` steps down its overflow chain."""
    b = arr.buckets[j]
    for _ in range(pos):
        b = b.overflow
    return b


def bucket_name(arr: BucketArray, j: int, pos: int, prefixes: dict | None = None) -> str:
    """``bucket 3``, ``bucket 3 overflow 1``, ``oldbucket 2``, ``overflow#17``.

    Whether an array is its map's ``buckets`` or ``oldbuckets`` is read now, or from
    ``prefixes`` (array -> ``"bucket"`` / ``"oldbucket"``, see `array_prefixes`).
    """
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


def array_prefixes(h: Map) -> dict:
    """The map's current ``buckets`` and ``oldbuckets`` arrays, as `bucket_name`
    prefixes."""
    out: dict = {}
    if h.oldbuckets_obj is not None:
        out[h.oldbuckets_obj] = "oldbucket"
    if h.buckets_obj is not None:
        out[h.buckets_obj] = "bucket"
    return out


def measure(m: Map) -> tuple[dict[str, int], dict[str, int], set]:
    """The bytes of a classic map by part (which are also the report's categories):
    the hmap with its mapextra and overflow lists, the bucket arrays, and the overflow
    buckets linked from their chains; and the allocations counted."""
    out = {"hmap": m.size, "buckets": 0, "overflow": 0, "oldbuckets": 0}
    parts: set = {m}
    if m.extra is not None:
        out["hmap"] += m.extra.size
        parts.add(m.extra)
        for lst in (m.extra.overflow, m.extra.oldoverflow):
            if lst is not None:
                out["hmap"] += lst.size
                parts.add(lst)
    for arr, key in ((m.buckets_obj, "buckets"), (m.oldbuckets_obj, "oldbuckets")):
        if arr is None:
            continue
        out[key] += arr.size
        parts.add(arr)
        for j, b in arr.buckets.built():  # an untouched bucket has no overflow
            if j >= arr.nbase:
                break
            for c in b.chain():
                o = c.owner
                if o not in parts:
                    parts.add(o)
                    out["overflow" if key == "buckets" else key] += o.size
    return out, out, parts


def summary(m: Map) -> dict:
    """The map's shape for the JSON report: count, B, noverflow, growing."""
    return {"count": m.count, "B": m.B, "noverflow": m.noverflow, "growing": m.growing()}


def storage(m: Map) -> list:
    """The map's bucket arrays: ``buckets``, then ``oldbuckets`` while growing."""
    return [a for a in (m.buckets_obj, m.oldbuckets_obj) if a is not None]


def shape(m: Map) -> str:
    """``B=3 flags=iterator bucket array=1,152 B``."""
    arr = m.buckets_obj.size if m.buckets_obj else 0
    return f"B={m.B} flags={flags_text(m.flags)} bucket array={arr:,} B"


def layout_line(s: dict) -> str:
    """``B=3 (8 buckets), noverflow 0`` (``, growing``) from `summary`."""
    grow = ", growing" if s["growing"] else ""
    n = 1 << s["B"]
    return f"B={s['B']} ({n} bucket{'s' * (n != 1)}), noverflow {s['noverflow']}{grow}"


def unlinked_category(arr: BucketArray) -> str:
    """A bucket array no live map links (held by an iterator, or floating) is what a
    map's growth leaves behind; a lone overflow bucket counts as overflow."""
    return "oldbuckets" if arr.role == "buckets" else "overflow"


KIND = register(MapKind(
    name="classic",
    map_class=Map,
    slot_arrays=(BucketArray,),
    scan_array=scan_array,
    shade_array=shade_array,
    slot_state=lambda arr, t: tophash_state(t),
    states_of=lambda b: b.tophash,
    is_current=is_current,
    slot_holder=slot_holder,
    bucket_name=bucket_name,
    array_prefixes=array_prefixes,
    measure=measure,
    summary=summary,
    unlinked_category=unlinked_category,
    storage=storage,
    shape=shape,
    title="classic",
    layout_line=layout_line,
    columns=("B", "noverflow", "growing"),
    fields=("B", "buckets", "oldbuckets", "noverflow"),
    field_edges={Map: (("buckets_obj", ("field", "buckets_obj")),
                       ("oldbuckets_obj", ("field", "oldbuckets_obj")),
                       ("extra", ("field", "extra"))),
                 MapExtra: (("overflow", ("field", "overflow")),
                            ("oldoverflow", ("field", "oldoverflow")),
                            ("next_overflow", ("field", "next_overflow")))},
    types=(Hiter, OverflowList),
))

__all__ = ["KIND"]
