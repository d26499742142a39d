"""``gcemu explain SCENARIO MAP``: how much a map still holds after a GC cycle, and why.

Invariant
---------
Every figure is read from the map through the map-kind registry
(`gcemu.maps.kind_of`: ``measure``, ``summary``, ``storage``, ``scan_array``) and from
the cycle's `Report`; nothing here names a map kind's classes, so a Swiss map and a
classic map are explained by the same code, and a new kind is explained as soon as it
registers. The bytes by part are the kind's own ``measure`` (the report's figures);
the referents are what the map's slots point at, found by scanning its storage under
the model's scan policy exactly as the marker does (``runtime.scanobject`` over the
bucket or group type's pointer bitmap, or scanmap's tophash rule).

Steps
-----
1. Measure the map: its live entries (``summary()["count"]``), its capacity (slots
   of the bucket array, ``8 << B``, or the Swiss tables' ``capacity``) and its bytes
   by part.
2. Find what it keeps: scan each array it uses now, and any retained array of this
   map that it no longer links (old storage an iterator holds), splitting the pointed
   objects into those of full slots and those of deleted slots (stale pointers).
3. Say why the storage stays, from the kind's rules as the spec measured them: a
   classic bucket array never shrinks (``runtime.mapdelete`` only marks slots
   ``emptyOne``; only ``hashGrow``, on an insert, allocates), overflow buckets stay
   until a same-size grow, a growth keeps ``oldbuckets`` until evacuation ends; Swiss
   tables never shrink or merge and a delete in a full group leaves a tombstone
   (``internal/runtime/maps``: ``(*table).Delete``); an iterator keeps the storage it
   started on.
4. Rebuild: on a scratch heap of the same model (sharing the type universe), make a
   fresh map of the same type with ``hint=len(m)`` and insert the live keys, as
   ``n := make(map[K]V, len(m)); for k, v := range m { n[k] = v }`` does; measure it.
   Elements are inserted as their zero values: a slot's size does not depend on its
   value, and the scratch map must not point into the scenario's heap. The difference
   is what a rebuild frees (plus the stale referents, which nothing then points at).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table

from gcemu.api import Heap
from gcemu.errors import GcemuError
from gcemu.maps import is_map, kind_of
from gcemu.report import Report

BUCKET_SLOTS = 8  # bucketCnt (classic) and a Swiss group's slots alike


@dataclass
class MapExplanation:
    """What one map holds after a cycle, why, and what a rebuild would free."""

    name: str
    type: str
    model: str
    kind: str
    live: int
    capacity: int
    parts: dict[str, int]
    referents: dict[str, tuple[int, int]]  # "live" / "stale" -> (objects, bytes)
    reasons: list[str] = field(default_factory=list)
    rebuilt_parts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.parts.values())

    @property
    def rebuilt_total(self) -> int:
        return sum(self.rebuilt_parts.values())

    @property
    def frees(self) -> int:
        """Bytes a rebuild frees: the map storage it no longer needs, and the objects
        only deleted slots still point at."""
        return self.total - self.rebuilt_total + self.referents["stale"][1]

    def to_json(self) -> dict:
        return {"name": self.name, "type": self.type, "model": self.model,
                "kind": self.kind, "live": self.live, "capacity": self.capacity,
                "bytes": dict(self.parts), "total": self.total,
                "referents": {k: {"objects": n, "bytes": b}
                              for k, (n, b) in self.referents.items()},
                "reasons": list(self.reasons),
                "rebuilt": {"bytes": dict(self.rebuilt_parts), "total": self.rebuilt_total},
                "rebuild_frees": self.frees}


# -- measuring -------------------------------------------------------------------------
def _capacity(summary: dict) -> int:
    """Slots the map's storage has: a Swiss map's ``capacity``, else ``8 << B``."""
    if "capacity" in summary:
        return summary["capacity"]
    return BUCKET_SLOTS << summary.get("B", 0)


def _held_storage(heap: Any, report: Report, m: Any) -> tuple[list, list]:
    """The slot arrays of ``m``: those it uses now, and retained ones it no longer
    links (old storage an iterator still holds)."""
    kind = kind_of(m)
    now = kind.storage(m)
    linked = set(now)
    _, _, parts = kind.measure(m)
    linked |= parts
    old = [o for o in heap.objects.values()
           if type(o) in kind.slot_arrays and getattr(o, "hmap", None) is m
           and o not in linked and not o.freed and report.retained(o)]
    return now, old


def _referents(heap: Any, arrays: list, m: Any) -> dict[str, tuple[int, int]]:
    """(objects, bytes) pointed at from full slots (``live``) and from deleted slots
    or replaced storage (``stale``), scanning as the marker does under the model."""
    kind = kind_of(m)
    found: dict[str, dict] = {"live": {}, "stale": {}}

    def visit(target: Any, edge: tuple) -> None:
        if edge[0] == "slot" and target is not None and target.shown:
            found["stale" if edge[7] else "live"][target.owner] = None

    for arr in arrays:
        for _ in kind.scan_array(arr, heap.model.scan, visit, False):
            pass
    stale = {o: None for o in found["stale"] if o not in found["live"]}
    return {"live": (len(found["live"]), sum(o.size for o in found["live"])),
            "stale": (len(stale), sum(o.size for o in stale))}


def rebuilt_parts(heap: Any, m: Any) -> dict[str, int]:
    """The bytes by part of ``make(map[K]V, len(m))`` holding ``m``'s live keys, on a
    scratch heap of the same model (step 4 of the module's essay)."""
    scratch = Heap(model=heap.model.name, seed=heap.seed, trace=False)
    scratch.types = heap.types
    n = scratch.make_map(m.type, hint=len(m))
    et = m.type.elem
    zero = et.to_python(et.zero())
    for k in m:
        n[k] = zero
    return kind_of(n).measure(n)[0]


def explain_map(heap: Any, report: Report, m: Any, name: str) -> MapExplanation:
    """Explain map ``m`` (called ``name`` in the scenario) after the cycle of
    ``report``."""
    if not is_map(m):
        raise GcemuError(f"{name} is not a map (it is {m!r})")
    kind = kind_of(m)
    summary = kind.summary(m)
    parts = dict(kind.measure(m)[0])
    now, old = _held_storage(heap, report, m)
    old_bytes = sum(a.size for a in old)
    if old_bytes:
        parts["held by an iterator"] = old_bytes
    referents = _referents(heap, now + old, m)
    ex = MapExplanation(name=name, type=m.type.name, model=heap.model.name,
                        kind=kind.title or kind.name, live=summary["count"],
                        capacity=_capacity(summary), parts=parts, referents=referents)
    ex.reasons = _reasons(ex, summary, old_bytes, heap.model.delete_clears)
    ex.rebuilt_parts = rebuilt_parts(heap, m)
    return ex


# -- why -------------------------------------------------------------------------------
def _reasons(ex: MapExplanation, summary: dict, old_bytes: int, delete_clears: bool) -> list[str]:
    out = []
    used = f"{ex.live:,} of {ex.capacity:,} slots hold an entry"
    if "B" in summary:
        out.append(f"{used}: the bucket array (B={summary['B']}) never shrinks; a delete "
                   f"only marks its slot emptyOne/emptyRest, and only a grow on insert "
                   f"(hashGrow) allocates new buckets")
        if ex.parts.get("overflow"):
            out.append(f"{ex.parts['overflow']:,} B of overflow buckets stay linked "
                       f"until a same-size grow, which only an insert can start "
                       f"(noverflow={summary.get('noverflow', 0)})")
        if summary.get("growing") or ex.parts.get("oldbuckets"):
            out.append(f"{ex.parts.get('oldbuckets', 0):,} B of oldbuckets stay until "
                       f"every old bucket is evacuated (growWork runs on inserts and "
                       f"deletes)")
    else:
        out.append(f"{used}: tables never shrink or merge (the directory only grows); "
                   f"deleting does not free a group")
        if summary.get("tombstones"):
            out.append(f"{summary['tombstones']:,} tombstones: deletes in full groups "
                       f"left ctrlDeleted slots, which use growth budget until an insert "
                       f"reuses them or a rehash drops them")
    if old_bytes:
        out.append(f"{old_bytes:,} B of storage the map has replaced stay reachable "
                   f"from an iterator that started on it")
    n, b = ex.referents["stale"]
    if n:
        rule = ("old copies that growth evacuated but did not clear" if delete_clears else
                f"deleted slots: model {ex.model}'s delete leaves the pointers, real Go's "
                f"mapdelete clears them (see --model go)")
        out.append(f"{n:,} objects ({b:,} B) are kept only through slots that no longer "
                   f"hold an entry: {rule}")
    return out


# -- printing ----------------------------------------------------------------------------
def _part_rows(exes: list[MapExplanation]) -> list[str]:
    return list(dict.fromkeys(k for ex in exes for k in ex.parts))


def _rows(exes: list[MapExplanation]) -> list[tuple[str, list[str]]]:
    """(label, one cell per explanation) rows of the explanation's table."""
    def num(v: int | None) -> str:
        return "-" if v is None else f"{v:,}"
    rows = [("live entries", [num(ex.live) for ex in exes]),
            ("capacity (slots)", [num(ex.capacity) for ex in exes])]
    rows += [(f"{p} B", [num(ex.parts.get(p)) for ex in exes]) for p in _part_rows(exes)]
    rows.append(("map total B", [num(ex.total) for ex in exes]))
    for key, label in (("live", "referents of entries"), ("stale", "stale referents")):
        rows.append((label, [f"{ex.referents[key][0]:,} ({ex.referents[key][1]:,} B)"
                             for ex in exes]))
    rows.append(("rebuilt map total B", [num(ex.rebuilt_total) for ex in exes]))
    rows.append(("a rebuild frees B", [num(ex.frees) for ex in exes]))
    return rows


def explanation_table(exes: dict[str, MapExplanation]) -> Table:
    """One column per model (one column when there is one)."""
    t = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    t.add_column("")
    for model in exes:
        t.add_column(model, justify="right")
    for label, cells in _rows(list(exes.values())):
        t.add_row(label, *cells)
    return t


def print_explanation(out: Console, ex: MapExplanation) -> None:
    out.print(f"map {ex.name} ({ex.type}, {ex.kind} map) under model {ex.model}",
              markup=False, highlight=False)
    out.print(explanation_table({ex.model: ex}))
    out.print("why it stays:", markup=False)
    for r in ex.reasons:
        out.print(f"  - {r}", markup=False, highlight=False)
    out.print(f"rebuilt (make(map, {ex.live}) + copy): {ex.rebuilt_total:,} B of map "
              f"instead of {ex.total:,} B; frees {ex.frees:,} B", markup=False,
              highlight=False)


def print_comparison(out: Console, exes: dict[str, MapExplanation]) -> None:
    first = next(iter(exes.values()))
    out.print(f"map {first.name} ({first.type}) by model", markup=False, highlight=False)
    out.print(explanation_table(exes))
    for model, ex in exes.items():
        out.print(f"why it stays under {model}:", markup=False, highlight=False)
        for r in ex.reasons:
            out.print(f"  - {r}", markup=False, highlight=False)


__all__ = ["MapExplanation", "explain_map", "explanation_table", "print_comparison",
           "print_explanation", "rebuilt_parts"]
