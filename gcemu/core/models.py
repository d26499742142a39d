"""A model is a named bundle of three policies (models.md).

1. what ``mapdelete`` clears in the deleted slot,
2. what ``evacuate`` clears in an old bucket once its entries moved,
3. how the marker scans a bucket chain (`gcemu.gc.scan`),

plus which map implementation the heap's maps are: ``scanmap`` and ``go`` share the
classic mutator (gcemu.maps.classic); ``go-swiss`` and ``go-swiss-1.27`` use the Swiss table of
Go 1.24+ (gcemu.maps.swiss), whose two versions differ in where they prune tombstones and
when a full small map grows. Every model shares the marker (gcemu.gc.marker).
"""

from __future__ import annotations

from dataclasses import dataclass

from gcemu.errors import GcemuError


@dataclass(frozen=True)
class Model:
    """One bundle of policies.

    Attributes
    ----------
    name : str
        ``"scanmap"`` or ``"go"``.
    delete_clears : bool
        True: mapdelete clears what Go 1.23 clears (go-classic-map.md §6).
        False: the slot keeps its stale key and elem; only the tophash changes.
    evacuate_clears : bool
        True: evacuate clears the main old bucket's keys, elems and overflow pointer
        unless oldIterator is set (§8.3). False: old buckets keep everything.
    scan : str
        ``"tophash"``: scan a chain slot by slot, tracing emptyOne slots and stopping
        at emptyRest (the scanmap rule); ``"bitmap"``: every pointer word of every
        slot, whatever its tophash, as runtime.scanobject does (§10.2).
    stale_reason : str
        The retention reason of an object kept only through a slot that is not full:
        ``"stale-slot"`` under scanmap, ``"oldbuckets"`` under go (where only old or
        iterator-held arrays keep such pointers).
    summary : str
        One line for help texts and reports.
    map : str
        ``"classic"`` (buckets, gcemu.maps.classic) or ``"swiss"`` (gcemu.maps.swiss).
    go : tuple of int
        The Go release whose runtime the map follows, e.g. ``(1, 25)``.
    """

    name: str
    delete_clears: bool
    evacuate_clears: bool
    scan: str
    stale_reason: str
    summary: str
    map: str = "classic"
    go: tuple[int, int] = (1, 23)


SCANMAP = Model(
    name="scanmap",
    delete_clears=False,
    evacuate_clears=False,
    scan="tophash",
    stale_reason="stale-slot",
    summary="the design card: delete clears nothing; the marker traces emptyOne slots "
    "and stops at emptyRest",
)

GO = Model(
    name="go",
    delete_clears=True,
    evacuate_clears=True,
    scan="bitmap",
    stale_reason="oldbuckets",
    summary="Go 1.21-1.23 as built: delete zeroes the slot; the GC scans pointer words "
    "and never reads tophash",
)

GO_SWISS = Model(
    name="go-swiss",
    delete_clears=True,
    evacuate_clears=True,
    scan="bitmap",
    stale_reason="oldbuckets",
    summary="Go 1.24-1.26's Swiss tables (checked on Go 1.25): delete zeroes the slot; "
    "the GC scans every pointer word of every group and never reads the control bytes",
    map="swiss",
    go=(1, 25),
)

GO_SWISS_127 = Model(
    name="go-swiss-1.27",
    delete_clears=True,
    evacuate_clears=True,
    scan="bitmap",
    stale_reason="oldbuckets",
    summary="Go 1.27's Swiss tables: as go-swiss, but pointer-keyed maps also prune "
    "tombstones and an update never grows a full small map",
    map="swiss",
    go=(1, 27),
)

MODELS = {m.name: m for m in (SCANMAP, GO, GO_SWISS, GO_SWISS_127)}
# the two models of the classic map (buckets and tophash), compared by default
CLASSIC = tuple(name for name, m in MODELS.items() if m.map == "classic")


def get_model(name: str | Model) -> Model:
    """The model called ``name``; an unknown name is a `GcemuError`."""
    if isinstance(name, Model):
        return name
    try:
        return MODELS[name]
    except (KeyError, TypeError):
        known = ", ".join(MODELS)
        raise GcemuError(f"unknown model {name!r} (known models: {known})") from None
