"""Map kinds as plug-ins: the one registry through which the layers above reach a map.

Invariant
---------
Nothing above the maps names a map kind's classes. The marker's scan, the report, the
pictures and the stepper ask the registry: `kind_for` (a kind by the name a model
gives, ``"classic"`` or ``"swiss"``), `kind_of` (the kind that owns an object's type),
and the dispatch tables the marker's hot path reads by exact type (`SLOT_ARRAYS`,
`FIELD_EDGES`, `SCANNERS`), which `register` fills, so dispatch costs one dict lookup
per object, as the type switches it replaced did. This is MMTk's ``vm::Scanning``: the
GC core never names the VM's object types.

A new map kind is a package beside ``classic`` and ``swiss`` that builds one `MapKind`
and calls `register` when imported; `gcemu.maps` imports the kinds it ships. The
pictures and the stepper keep their own small registries keyed by `MapKind.name`
(`gcemu.render.kinds`, `gcemu.ui.stepper.views`).

Edges
-----
Scanning reports each traced pointer with a plain tuple (`gcemu.gc.scan` documents
them); a kind's slot arrays report ``("slot", arr, bucket, pos, slot, state, what,
stale)`` edges and ``("overflow", arr, bucket, pos)`` edges, which the kind's own
`MapKind.bucket_name` and `MapKind.slot_state` put into words.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from gcemu.errors import GcemuError

Visit = Callable[[Any, tuple], None]
# (bucket, pos, slot, state byte, action): one unit of slot scanning, for events
Unit = tuple[int, int, int, int, str]


@dataclass(frozen=True)
class MapKind:
    """What the layers above the maps ask of one kind of map.

    Attributes
    ----------
    name : str
        The name models give it (`gcemu.core.models.Model.map`).
    map_class : type
        The map header class; ``map_class.make(heap, type, hint, name, hash)`` is
        ``make(map[K]V, hint)``.
    slot_arrays : tuple of type
        Allocations the marker scans slot by slot (one unit of work per slot).
    field_edges : dict
        type -> ((attribute, edge), ...): the pointer fields of the kind's headers.
    scanners : dict
        type -> ``scan(obj, visit)`` for headers whose pointers are not fixed fields
        (a Swiss directory).
    scan_array : callable
        ``scan_array(arr, policy, visit, step) -> iterator of Unit`` (see
        `gcemu.gc.scan.scan_array`).
    shade_array : callable or None
        ``shade_array(arr, policy, shade)``: the marker's drain, ``shade(p)`` for every
        pointer ``scan_array`` visits, without edges (None: the drain runs
        ``scan_array``).
    slot_state : callable
        ``slot_state(arr, byte) -> str``: a slot's state name (``emptyOne``, ``full``).
    state_format : str
        How a state byte prints in a row (``"{}"`` for tophash, ``"{:02x}"`` for ctrl).
    states_of : callable
        ``states_of(holder) -> list of int``: the state bytes of a bucket or group.
    is_current : callable
        ``is_current(arr) -> bool``: the array is storage its map uses now.
    slot_holder : callable
        ``slot_holder(arr, bucket, pos)``: the bucket or group an edge names.
    bucket_name : callable
        ``bucket_name(arr, bucket, pos, prefixes) -> str`` (``bucket 3 overflow 1``,
        ``table 2 group 5``).
    array_prefixes : callable
        ``array_prefixes(map) -> {array: prefix}``: names of the map's storage as of now.
    measure : callable
        ``measure(map) -> (bytes by part, bytes by report category, allocations)``.
    summary : callable
        ``summary(map) -> dict``: the map's shape for the JSON report (api.md).
    unlinked_category : callable
        ``unlinked_category(arr) -> str``: the report's bytes category of a slot array
        no live map links any more (``oldbuckets`` or ``overflow``).
    storage : callable
        ``storage(map) -> list``: the slot arrays the map uses now, the newest first.
    shape : callable
        ``shape(map) -> str``: the map's shape in one line (``B=3 flags=0 ...``).
    title : str
        Its name in a sentence: ``classic``, ``Swiss``.
    fields : tuple of str
        The header fields a user reads most (for messages): ``B``, ``buckets``...
    state_word : str
        What its state bytes are called in tables: ``tophash`` or ``ctrl``.
    unit : str
        What holds 8 slots: ``bucket`` or ``group``.
    columns : tuple of str
        The keys of `summary` a table of maps shows (besides ``count``).
    layout_line : callable
        ``layout_line(summary) -> str``: a map's summary in a few words
        (``B=3 (8 buckets), noverflow 0``).
    """

    name: str
    map_class: type
    slot_arrays: tuple[type, ...]
    scan_array: Callable[..., Iterator[Unit]]
    slot_state: Callable[[Any, int], str]
    states_of: Callable[[Any], Any]
    is_current: Callable[[Any], bool]
    slot_holder: Callable[[Any, int, int], Any]
    bucket_name: Callable[..., str]
    array_prefixes: Callable[[Any], dict]
    measure: Callable[[Any], tuple]
    summary: Callable[[Any], dict]
    unlinked_category: Callable[[Any], str]
    storage: Callable[[Any], list]
    shape: Callable[[Any], str]
    title: str = ""
    fields: tuple[str, ...] = ()
    layout_line: Callable[[dict], str] = str
    columns: tuple[str, ...] = ()
    unit: str = "bucket"
    state_word: str = "tophash"
    state_format: str = "{}"
    field_edges: dict[type, tuple] = field(default_factory=dict)
    scanners: dict[type, Callable[[Any, Visit], None]] = field(default_factory=dict)
    types: tuple[type, ...] = ()  # every other type the kind owns (headers, iterators)
    shade_array: Callable[[Any, str, Callable[[Any], Any]], None] | None = None

    def make(self, heap: Any, type: Any, hint: int, name: str | None, hash: Any) -> Any:
        """``make(map[K]V, hint)`` for a heap whose model uses this kind."""
        return self.map_class.make(heap, type, hint, name, hash)

    def has_field(self, name: str) -> bool:
        """Whether this kind's map header has a field or property ``name``."""
        return hasattr(self.map_class, name) or name in getattr(self.map_class, "__slots__", ())

    def first_row(self, m: Any) -> str:
        """The state bytes of the first bucket or group the map uses now, as text."""
        holder = self.slot_holder(self.storage(m)[0], 0, 0)
        return " ".join(self.state_format.format(t) for t in self.states_of(holder))


KINDS: dict[str, MapKind] = {}
# type -> kind for every type a kind owns; and the marker's dispatch tables by exact type
BY_TYPE: dict[type, MapKind] = {}
SLOT_ARRAYS: dict[type, MapKind] = {}
FIELD_EDGES: dict[type, tuple] = {}
SCANNERS: dict[type, Callable[[Any, Visit], None]] = {}


def register(kind: MapKind) -> MapKind:
    """Make ``kind`` known to every layer above; a name or type already taken by
    another kind is an error."""
    owned = (kind.map_class, *kind.slot_arrays, *kind.field_edges, *kind.scanners,
             *kind.types)
    old = KINDS.get(kind.name)
    if old is not None and old is not kind:
        raise GcemuError(f"map kind {kind.name!r} is already registered")
    for t in owned:
        other = BY_TYPE.get(t)
        if other is not None and other is not kind:
            raise GcemuError(f"map kind {kind.name!r}: type {t.__name__} already belongs "
                             f"to map kind {other.name!r}")
    KINDS[kind.name] = kind
    for t in owned:
        BY_TYPE[t] = kind
    for t in kind.slot_arrays:
        SLOT_ARRAYS[t] = kind
    FIELD_EDGES.update(kind.field_edges)
    SCANNERS.update(kind.scanners)
    return kind


def unregister(name: str) -> None:
    """Forget a kind (for tests that register a fake one)."""
    kind = KINDS.pop(name)
    for table in (BY_TYPE, SLOT_ARRAYS):
        for t in [t for t, k in table.items() if k is kind]:
            del table[t]
    for t in kind.field_edges:
        FIELD_EDGES.pop(t, None)
    for t in kind.scanners:
        SCANNERS.pop(t, None)


def kind_for(name: str) -> MapKind:
    """The kind a model names (``"classic"``, ``"swiss"``)."""
    kind = KINDS.get(name)
    if kind is None:
        known = ", ".join(sorted(KINDS)) or "none"
        raise GcemuError(f"no map kind named {name!r} (registered: {known})")
    return kind


def kind_of(obj: Any) -> MapKind | None:
    """The kind that owns ``obj``'s type (a map, its storage, headers, iterators), or
    None for anything else."""
    return BY_TYPE.get(type(obj))


def is_map(obj: Any) -> bool:
    """Whether ``obj`` is a map header of some kind."""
    kind = BY_TYPE.get(type(obj))
    return kind is not None and type(obj) is kind.map_class


__all__ = ["BY_TYPE", "FIELD_EDGES", "KINDS", "SCANNERS", "SLOT_ARRAYS", "MapKind", "Unit",
           "Visit", "is_map", "kind_for", "kind_of", "register", "unregister"]
