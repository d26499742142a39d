"""The report of one GC cycle: what was retained, why, and what it costs.

A `Report` is built at the end of mark termination, before sweep frees anything, from
the heap and the cycle's records only (`gcemu.analysis.Reachability`): reason and
shortest path of each retained object, stale entries, bytes by category, and the JSON
of api.md. Handles stay valid after their objects are freed, so asking a report about
a collected object is how a test asserts collection.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gcemu.analysis import FLOATING, LIVE, OLDBUCKETS, STALE_SLOT, Reachability
from gcemu.errors import GcemuError
from gcemu.gomap import BucketArray, Indirect, Map, MapExtra, OverflowList, tophash_state
from gcemu.heap import HeapObject, Object
from gcemu.scan import bucket_name, describe_edge

if TYPE_CHECKING:
    from gcemu.marker import Cycle

REASONS = (LIVE, STALE_SLOT, OLDBUCKETS, FLOATING)


def _who(o: HeapObject) -> str:
    return f"{o.label} ({o.name})" if o.name else o.label


@dataclass(frozen=True)
class Path:
    """A shortest retaining path, one edge per line when printed.

    ``hops`` are (from, edge text, to) strings; ``note`` explains a path that is not
    one (floating garbage, or a collected object).
    """

    target: str
    hops: tuple[tuple[str, str, str], ...] = ()
    note: str = ""

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
        out = [self.hops[0][0]]
        for _, e, b in self.hops:
            if e:
                out.append(e)
            out.append(b)
        return out


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
        self.model = heap.model.name
        self.cycle = cycle.number
        self._cycle = cycle
        self._reach = Reachability(heap)
        self._marked_color = cycle.grey_color
        self._stale = self._stale_entries()
        self._maps = [m for m in heap.maps if not m.freed]
        self._objects = [o for o in heap.objects.values() if isinstance(o, Object | Indirect)]

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
        return self._reach.reason.get(obj.owner, FLOATING)

    def why(self, obj: HeapObject) -> Path:
        """The shortest path from a root that kept ``obj``, one edge per line."""
        o = self._check(obj)
        who = _who(o)
        if not self.retained(o):
            return Path(o.label, note=f"{who} was collected: no root reaches it")
        hops = []
        for src, edge, dst in self._reach.path(o):
            if src is None:
                hops.append((describe_edge(edge), "", _who(dst)))
            else:
                hops.append((_who(src), describe_edge(edge), _who(dst)))
        if hops:
            return Path(o.label, tuple(hops))
        how = self._cycle.shaded_by.get(o, "the marker before a mutator unlinked it")
        return Path(o.label, note=f"floating garbage: {who} was shaded by {how}; it is "
                                  f"unreachable and the next cycle frees it")

    # -- stale entries --------------------------------------------------------------------
    def _stale_entries(self) -> list[StaleEntry]:
        slots: dict[tuple, list[str]] = {}
        for _, edge, target in self._reach.stale_edges:
            _, arr, j, pos, i, t, _what, _ = edge
            slots.setdefault((arr, j, pos, i, t), []).append(_who(target))
        out = []
        for (arr, j, pos, i, t), refs in slots.items():
            h = arr.hmap
            b = arr.buckets[j]
            for _ in range(pos):
                b = b.overflow
            key = b.keys[i]
            if isinstance(key, Indirect):
                key = key.value
            out.append(StaleEntry(_who(h), bucket_name(arr, j, pos), i, tophash_state(t),
                                  h.layout.key.to_python(key) if key is not None else None,
                                  tuple(dict.fromkeys(refs))))
        return out

    @property
    def stale_entries(self) -> list[StaleEntry]:
        """Deleted-but-unreclaimed entries whose referents stayed reachable."""
        return list(self._stale)

    # -- bytes ------------------------------------------------------------------------------
    def map_bytes(self, m: Map) -> dict[str, int]:
        """hmap (with mapextra and overflow lists), buckets, overflow, oldbuckets."""
        out = {"hmap": m.size, "buckets": 0, "overflow": 0, "oldbuckets": 0}
        if m.extra is not None:
            out["hmap"] += m.extra.size
            for lst in (m.extra.overflow, m.extra.oldoverflow):
                if lst is not None:
                    out["hmap"] += lst.size
        for arr, key in ((m.buckets_obj, "buckets"), (m.oldbuckets_obj, "oldbuckets")):
            if arr is None:
                continue
            out[key] += arr.size
            seen = set()
            for b in arr.buckets[:arr.nbase]:
                for c in b.chain():
                    o = c.owner
                    if o is not arr and o not in seen:
                        seen.add(o)
                        out["overflow" if key == "buckets" else key] += o.size
        return out

    @property
    def bytes(self) -> dict[str, int]:
        """Bytes by category, Go's sizes rounded to size classes (64-bit)."""
        out = dict.fromkeys(("hmap", "buckets", "overflow", "oldbuckets", "live referents",
                             "stale-retained referents", "floating", "freed"), 0)
        out["freed"] = self._cycle.freed_bytes
        map_parts = set()
        for m in self._maps:
            if self.retained(m):
                for k, v in self.map_bytes(m).items():
                    out[k] += v
                map_parts.add(m)
        reach = self._reach.reason
        for o in self._cycle.heap.objects.values():
            if o in map_parts or isinstance(o, BucketArray | MapExtra | OverflowList | Map):
                continue
            r = reach.get(o, FLOATING)
            key = {LIVE: "live referents", FLOATING: "floating"}.get(
                r, "stale-retained referents")
            out[key] += o.size
        return out

    # -- JSON ----------------------------------------------------------------------------------
    def to_json(self) -> dict:
        """The report as api.md's JSON schema."""
        objects = []
        for o in self._objects:
            state = "retained" if self.retained(o) else "collected"
            objects.append({"id": o.label, "name": o.name, "type": o.type.name,
                            "size": o.size, "state": state, "reason": self.reason(o),
                            "path": self.why(o).to_list() if state == "retained" else []})
        stale_by_map: dict[str, int] = {}
        for e in self._stale:
            stale_by_map[e.map] = stale_by_map.get(e.map, 0) + 1
        maps = []
        for m in self._maps:
            maps.append({"name": m.name, "type": m.type.name, "count": m.count, "B": m.B,
                         "noverflow": m.noverflow, "growing": m.growing(),
                         "stale_slots": stale_by_map.get(_who(m), 0),
                         "bytes": self.map_bytes(m)})
        b = self.bytes
        freed = b["freed"]
        return {"model": self.model, "cycle": self.cycle, "objects": objects, "maps": maps,
                "bytes": {"retained": sum(v for k, v in b.items() if k != "freed"),
                          "collected": freed, **{k.replace(" ", "_"): v for k, v in b.items()}}}

    def __repr__(self) -> str:
        b = self.bytes
        return (f"<Report cycle {self.cycle} model={self.model} stale={len(self._stale)} "
                f"freed={b['freed']} B>")
