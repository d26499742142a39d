"""The pointer-bitmap scan of a slot array, shared by both map kinds.

Invariant
---------
runtime.scanobject reads an allocation's pointer bitmap and never its tophash or
control bytes: every key and elem pointer word of every slot of every bucket (or group)
is traced, whatever the slot's state. `scan_bitmap` does that for a `SparseArray` of holders
(buckets or groups; an untouched one holds zero words and is skipped, or, stepping,
read as zeros), reporting each pointer as a ``"slot"`` edge whose ``stale`` flag
says whether the slot was not full (go-classic-map.md §10.2, go-swiss-map.md §7).

`slot_readers` decides once per array which slots can hold heap pointers: a reader is
None for pointer-free slots (a string's data pointer is one: `gcemu.gotypes.GoString`).

`shade_bitmap` is the same scan for the marker's drain (``collect()``), which wants
the pointers and not the edges: it shades what `scan_bitmap` visits, with no edge
tuple per pointer and no per-slot bookkeeping (the order differs; a drain that no one
watches has no observable order, so it reads the holders in the order they were
built). Its reader, `shade_slots`, shades the pointers of runs of slots; the classic
map's tophash policy hands it the runs that policy reads (`gcemu.maps.classic.kind`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from operator import attrgetter
from typing import Any

from gcemu.maps.kind import Unit, Visit
from gcemu.maps.sparse import SparseArray

SLOTS = 8  # bucketCnt and abi.SwissMapGroupSlots: 8 slots per bucket and per group


def slot_readers(arr: Any) -> tuple[Any, Any, bool]:
    """(key pointers, elem pointers, elem slot is one pointer word) of ``arr``'s map."""
    h = arr.hmap
    layout = h.layout

    def reader(t, indirect, fn):
        return fn if indirect or t.has_pointers else None
    kp = reader(layout.key, layout.indirect_key, h.key_pointers)
    ep = reader(layout.elem, layout.indirect_elem, h.elem_pointers)
    direct = layout.indirect_elem or layout.elem.kind in ("ptr", "map")
    return kp, ep, direct


def scan_bitmap(arr: Any, holders: SparseArray, states: str, stale_of: Sequence[bool],
                visit: Visit, step: bool) -> Iterator[Unit]:
    """Every pointer word of every slot of ``holders`` (and each holder's overflow
    pointer, if it has one). ``states`` names the holder's state bytes (``tophash``,
    ``ctrl``); ``stale_of[byte]`` whether a slot in that state is not full."""
    kp, ep, direct = slot_readers(arr)
    if step:  # every holder's units, an untouched one read as zeros
        pairs: Iterator[tuple[int, Any]] = ((i, holders.peek(i)) for i in range(len(holders)))
    else:  # an untouched holder holds no pointer
        pairs = holders.built()
    for idx, b in pairs:
        th, keys, elems = getattr(b, states), b.keys, b.elems
        for i in range(SLOTS):
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


def shade_bitmap(arr: Any, holders: SparseArray, shade: Callable[[Any], Any]) -> None:
    """Shade every pointer `scan_bitmap` visits in ``holders``, edges left out."""
    built = [b for _, b in holders.any_order()]
    for b in built:
        ovf = getattr(b, "overflow", None)
        if ovf is not None:
            shade(ovf)
    shade_slots(map(_KEYS, built), map(_ELEMS, built), slot_readers(arr), shade)


_KEYS, _ELEMS = attrgetter("keys"), attrgetter("elems")


def shade_slots(key_runs: Iterable[Sequence[Any]], elem_runs: Iterable[Sequence[Any]],
                readers: tuple[Any, Any, bool], shade: Callable[[Any], Any]) -> None:
    """Shade the pointers of runs of slots (each run a holder's keys or elems, or part
    of them) read through ``readers`` (`slot_readers`): the drain's reader, shared by
    the bitmap scan (every slot of every holder) and the classic map's tophash scan
    (the slots its policy reads). A reader that is None leaves its runs unread."""
    kp, ep, direct = readers
    if kp is not None:
        for keys in key_runs:
            for k in keys:
                for p in kp(k):
                    shade(p)
    if direct:
        for elems in elem_runs:
            for e in elems:
                if e is not None:
                    shade(e)
    elif ep is not None:
        for elems in elem_runs:
            for e in elems:
                for p in ep(e):
                    shade(p)


__all__ = ["SLOTS", "scan_bitmap", "shade_bitmap", "shade_slots", "slot_readers"]
