"""The report of one GC cycle: what was retained, why, and what it costs.

A `Report` is made at the end of mark termination, before sweep frees anything, from
the heap and the cycle's records only (`gcemu.gc.analysis.Reachability`): reason and
shortest path of each retained object, stale entries, bytes by category, and the JSON
of api.md. Handles stay valid after their objects are freed, so asking a report about
a collected object is how a test asserts collection.

Laziness: what costs a pass over the heap (the reachability with its consistency
check, the stale slots, the bytes, the maps' measures) is computed when first asked
for, by `Report._analyse`, which the report also registers as a reader of the heap
(`gcemu.core.heap.Heap.readers`): the first mutator operation after the cycle, or the
next cycle, runs it first, unless the report is gone by then (held weakly: a report
no one holds is never asked). Either way it reads the heap as the cycle left it, so a
report never changes when the heap does. Sweep frees only white objects, which no
retained object reaches, so the reachability after sweep is the one before it.
"""

from __future__ import annotations

import weakref
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gcemu.core.heap import HeapObject, Object
from gcemu.errors import GcemuError
from gcemu.gc.analysis import FLOATING, LIVE, OLDBUCKETS, STALE_SLOT
from gcemu.gc.scan import array_prefixes, bucket_name, describe_edge, slot_holder, slot_state
from gcemu.maps.common import Indirect
from gcemu.maps.kind import SLOT_ARRAYS, kind_of

if TYPE_CHECKING:
    from gcemu.gc.marker import Cycle

REASONS = (LIVE, STALE_SLOT, OLDBUCKETS, FLOATING)
_CATEGORY = {LIVE: "live referents", FLOATING: "floating",
             STALE_SLOT: "stale-retained referents", OLDBUCKETS: "stale-retained referents"}
# edges whose text names the bucket they leave from ("bucket 0 slot 1 (...)")
_NAMING_EDGES = ("slot", "overflow")


def _when_alive(ref: weakref.ref) -> Callable[[], None]:
    """The heap's reader for a report: its analysis, unless nothing holds the report
    any more (no one can ask it, so nothing needs computing)."""
    def read() -> None:
        report = ref()
        if report is not None:
            report._analyse()
    return read


def _by_id(o: HeapObject) -> int:
    return o.id


def _who(o: HeapObject) -> str:
    return f"{o.label} ({o.name})" if o.name else o.label


@dataclass(frozen=True)
class Path:
    """A shortest retaining path, one edge per line when printed.

    ``hops`` are (from, edge text, to) strings; ``note`` explains a path that is not
    one (floating garbage, or a collected object). ``labels`` is the compact form of
    api.md's JSON: the root, then the object labels and the slot edges, where a bucket
    allocation is left out when the slot (or overflow pointer) edge after it names it.
    """

    target: str
    hops: tuple[tuple[str, str, str], ...] = ()
    note: str = ""
    labels: tuple[str, ...] = ()

    def __str__(self) -> str:
        lines = [f"{a} -> {e} -> {b}" if e else f"{a} -> {b}" for a, e, b in self.hops]
        if self.note:
            lines.append(self.note)
        return "\n".join(lines)

    def __len__(self) -> int:
        return len(self.hops)

    def to_list(self) -> list[str]:
        """The JSON form: ``["global m", "hmap#1", "bucket 0 slot 1 (...)", "T#3"]``."""
        if not self.hops:
            return [self.note, self.target] if self.note else []
        return list(self.labels)


@dataclass(frozen=True)
class StaleEntry:
    """A deleted-but-unreclaimed slot whose referents stayed reachable."""

    map: str
    bucket: str
    slot: int
    tophash: str
    key: Any
    referents: tuple[str, ...] = field(default=())

    def __str__(self) -> str:
        return (f"{self.map} {self.bucket} slot {self.slot} ({self.tophash}) key={self.key!r}"
                f" keeps {', '.join(self.referents)}")


class Report:
    """What one cycle retained and collected, and why (api.md)."""

    def __init__(self, cycle: Cycle):
        heap = cycle.heap
        self.heap = heap
        self.model = heap.model.name
        self.cycle = cycle.number
        self._cycle = cycle
        # which arrays are buckets / oldbuckets now: paths name slots as of this cycle
        self._prefixes = array_prefixes(m for m in heap.maps if not m.freed)
        self._marked_color = cycle.grey_color
        self._maps = [m for m in heap.maps if not m.freed and self.retained(m)]
        # the objects of the JSON, in allocation order: those sweep keeps and those it
        # frees (cycle.freed) are all below this id
        self._next_id = heap._next_id
        self._analysed = False
        heap.readers.append(_when_alive(weakref.ref(self)))

    def _analyse(self) -> None:
        """Everything that costs a pass over the heap, once (see the module essay)."""
        if self._analysed:
            return
        self._analysed = True
        heap, cycle = self.heap, self._cycle
        self._reach = cycle.analysis()
        self._stale_raw = self._stale_slots()
        self._stale: list[StaleEntry] | None = None
        end = self._next_id
        objects = [o for o in heap.objects.values() if o.id < end]
        if cycle.done:  # swept: the freed ones, merged back in allocation order
            objects += cycle.freed
            objects.sort(key=_by_id)
        self._objects = [o for o in objects if type(o) is Object or type(o) is Indirect]
        self._map_bytes = {m: kind_of(m).measure(m) for m in self._maps}
        stale = Counter(where[0].hmap for where in self._stale_raw)
        self._map_json = [self._map_summary(m, stale[m]) for m in self._maps]
        self._bytes = self._measure()

    # -- per object ---------------------------------------------------------------------
    def _check(self, obj: Any) -> HeapObject:
        if not isinstance(obj, HeapObject):
            raise GcemuError(f"{obj!r} is not a heap object handle")
        return obj.owner

    def collected(self, obj: HeapObject) -> bool:
        """True if ``obj`` was freed by this cycle or an earlier one."""
        o = self._check(obj)
        return 0 < o.freed <= self.cycle

    def retained(self, obj: HeapObject) -> bool:
        """True if ``obj`` survived this cycle."""
        o = self._check(obj)
        return not (0 < o.freed <= self.cycle) and o.color >= self._marked_color

    def reason(self, obj: HeapObject) -> str | None:
        """``live``, ``stale-slot``, ``oldbuckets``, ``floating``, or None if collected."""
        if not self.retained(obj):
            return None
        self._analyse()
        return self._reach.reason.get(obj.owner, FLOATING)

    def why(self, obj: HeapObject) -> Path:
        """The shortest path from a root that kept ``obj``, one edge per line."""
        o = self._check(obj)
        who = _who(o)
        if not self.retained(o):
            return Path(o.label, note=f"{who} was collected: no root reaches it")
        self._analyse()
        hops, labels = [], []
        path = self._reach.path(o)
        for n, (src, edge, dst) in enumerate(path):
            text = describe_edge(edge, self._prefixes)
            if src is None:
                hops.append((text, "", _who(dst)))
                labels.append(text)
            else:
                hops.append((_who(src), text, _who(dst)))
                if edge[0] in _NAMING_EDGES:
                    labels.append(text)
            if n + 1 == len(path) or path[n + 1][1][0] not in _NAMING_EDGES:
                labels.append(dst.label)
        if hops:
            return Path(o.label, tuple(hops), labels=tuple(labels))
        how = self._cycle.shaded_by.get(
            o, "the marker, through pointers a mutator has since unlinked or through "
            "other floating garbage")
        return Path(o.label, note=f"floating garbage: {who} was shaded by {how}; it is "
                                  f"unreachable and the next cycle frees it")

    def path_buckets(self, obj: HeapObject) -> list[tuple[str, str]]:
        """For each slot edge on ``obj``'s path: (bucket name, its tophash row as it is
        now), e.g. ``("bucket 0", "[106 1 10 0 0 0 0 0] full emptyOne full emptyRest...")``;
        for a Swiss group its control bytes in hex.
        """
        self._analyse()
        out = []
        for _, edge, _ in self._reach.path(self._check(obj)):
            if edge[0] != "slot":
                continue
            _, arr, j, pos, *_ = edge
            kind = SLOT_ARRAYS[type(arr)]
            row_bytes = kind.states_of(slot_holder(arr, j, pos))
            row = " ".join(kind.state_format.format(t) for t in row_bytes)
            states = " ".join(slot_state(arr, t) for t in row_bytes)
            out.append((bucket_name(arr, j, pos, self._prefixes), f"[{row}] = {states}"))
        return out

    # -- stale entries --------------------------------------------------------------------
    def _stale_slots(self) -> dict[tuple, tuple[Any, list[HeapObject]]]:
        """(array, bucket, chain position, slot, tophash) -> (the slot's key as of this
        cycle, the referents its stale pointers kept); `stale_entries` formats them."""
        slots: dict[tuple, tuple[Any, list[HeapObject]]] = {}
        for _, edge, target in self._reach.stale_edges:
            if not target.shown:  # string data
                continue
            where = edge[1:6]
            slot = slots.get(where)
            if slot is None:
                arr, j, pos, i, _ = where
                key = slot_holder(arr, j, pos).keys[i]
                if isinstance(key, Indirect):
                    key = key.value
                slot = slots[where] = (key, [])
            slot[1].append(target)
        return slots

    @property
    def stale_entries(self) -> list[StaleEntry]:
        """Deleted-but-unreclaimed entries whose referents stayed reachable."""
        self._analyse()
        if self._stale is None:
            self._stale = []
            for (arr, j, pos, i, t), (key, refs) in self._stale_raw.items():
                h = arr.hmap
                self._stale.append(StaleEntry(
                    _who(h), bucket_name(arr, j, pos, self._prefixes), i, slot_state(arr, t),
                    h.layout.key.to_python(key) if key is not None else None,
                    tuple(dict.fromkeys(_who(r) for r in refs))))
        return list(self._stale)

    # -- bytes ------------------------------------------------------------------------------
    def map_bytes(self, m: Any) -> dict[str, int]:
        """hmap (with mapextra and overflow lists), buckets, overflow, oldbuckets, as of
        this cycle (a map the cycle did not keep is measured as it is now); for a Swiss
        map: map (the header), directory, tables (their 32-byte structs), groups."""
        self._analyse()
        known = self._map_bytes.get(m)
        return dict((known or kind_of(m).measure(m))[0])

    def _measure(self) -> dict[str, int]:
        """Bytes by category of everything this cycle kept (marked objects)."""
        out = dict.fromkeys(("hmap", "buckets", "overflow", "oldbuckets", "live referents",
                             "stale-retained referents", "floating"), 0)
        counted: set[HeapObject] = set()
        for _, sizes, parts in self._map_bytes.values():
            for k, v in sizes.items():
                out[k] += v
            counted |= parts
        reach = self._reach.reason
        marked = self._marked_color
        for o in self._cycle.heap.objects.values():
            if o.color < marked or o in counted:
                continue
            t = type(o)
            if t is Object or t is Indirect:
                out[_CATEGORY[reach.get(o, FLOATING)]] += o.size
            elif t in SLOT_ARRAYS:
                # storage no live map links any more: held by an iterator (or
                # floating); what a map's growth leaves behind
                out[SLOT_ARRAYS[t].unlinked_category(o)] += o.size
            else:  # map headers and their side structures (mapextra, tables...)
                out["hmap"] += o.size
        return out

    @property
    def bytes(self) -> dict[str, int]:
        """Bytes by category, Go's sizes rounded to size classes (64-bit): the map
        parts and referents this cycle kept, and ``freed``, what its sweep freed."""
        self._analyse()
        return {**self._bytes, "freed": self._cycle.freed_bytes}

    def _map_summary(self, m: Any, stale: int) -> dict:
        return {"name": m.name, "type": m.type.name, **kind_of(m).summary(m),
                "stale_slots": stale, "bytes": self.map_bytes(m)}

    # -- JSON ----------------------------------------------------------------------------------
    @property
    def objects(self) -> list[HeapObject]:
        """The objects the JSON lists, in allocation order: a front end picks the rows
        it shows from these, then asks `object_json` (and so `why`) for those alone."""
        self._analyse()
        return list(self._objects)

    def object_json(self, o: HeapObject) -> dict:
        """One entry of the JSON's ``objects``; its path costs a `why`."""
        state = "retained" if self.retained(o) else "collected"
        return {"id": o.label, "name": o.name, "type": o.type.name, "size": o.size,
                "state": state, "reason": self.reason(o),
                "path": self.why(o).to_list() if state == "retained" else []}

    def maps_json(self) -> list[dict]:
        """The JSON's ``maps``: each map the cycle kept, its shape and bytes by part."""
        self._analyse()
        return [dict(d, bytes=dict(d["bytes"])) for d in self._map_json]

    def to_json(self) -> dict:
        """The report as api.md's JSON schema."""
        self._analyse()
        objects = [self.object_json(o) for o in self._objects]
        maps = self.maps_json()
        b = self.bytes
        freed = b["freed"]
        return {"model": self.model, "cycle": self.cycle, "objects": objects, "maps": maps,
                "bytes": {"retained": sum(v for k, v in b.items() if k != "freed"),
                          "collected": freed, **{k.replace(" ", "_").replace("-", "_"): v
                                                       for k, v in b.items()}}}

    def __repr__(self) -> str:
        b = self.bytes  # analyses the cycle
        return (f"<Report cycle {self.cycle} model={self.model} stale={len(self._stale_raw)} "
                f"freed={b['freed']} B>")
