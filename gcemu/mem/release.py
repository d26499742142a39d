"""What differs between the modelled Go releases, as data: span layout and the runtime's own heap.

Everything else the allocator needs (size classes, page size, the tiny allocator, the
pacer's constants) is the same in go1.23.9, go1.25.5 and go1.27.3 (go-memstats.md §1.1,
§1.8), so it lives in the modules that use it, not here.

* ``inline_mark_bits``: Green Tea GC, on by default in go1.27.3 (off in go1.25.5, absent
  in go1.23.9), reserves ``spanInlineMarkBits`` (128 bytes) at the end of every span of
  16..512-byte objects, scan or noscan (``runtime/mheap.go: (*mheap).initSpan``,
  ``runtime/mgcmark_greenteagc.go: gcUsesSpanInlineMarkBits``).
* ``baseline``: the runtime's own heap at ``main`` start, before any GC, read from the
  ``empty`` program's first snapshot (``programs/memstats/raw/<v>/empty_run1.txt``,
  go-memstats.md §4.1). A fresh :class:`~gcemu.mem.allocator.Allocator` starts from it, so
  a scenario printing ``Alloc/1024/1024`` reads like Go. These objects are never freed:
  the runtime keeps most of them, and its own churn (a new M, GC bookkeeping) is noise the
  comparison protocol tolerates (§5.3), not something gcemu models.
"""

from __future__ import annotations

from dataclasses import dataclass

from gcemu.errors import GcemuError

__all__ = ["RELEASES", "Baseline", "Release", "get_release"]


@dataclass(frozen=True)
class Baseline:
    """The runtime's heap at ``main`` start: MemStats fields of one measured run."""

    heap_alloc: int      #: HeapAlloc
    total_alloc: int     #: TotalAlloc
    mallocs: int         #: Mallocs
    frees: int           #: Frees
    inuse_pages: int     #: HeapInuse / 8192: spans the runtime's objects occupy
    stack_pages: int     #: StackInuse / 8192: stacks, in the first 4 MiB, not in HeapSys


@dataclass(frozen=True)
class Release:
    """One modelled Go release."""

    name: str                 #: "1.23", "1.25", "1.27"
    go_version: str           #: the measured toolchain, e.g. "go1.23.9"
    inline_mark_bits: bool    #: Green Tea's 128-byte spanInlineMarkBits in 16..512 B spans
    baseline: Baseline


RELEASES: dict[str, Release] = {
    r.name: r for r in (
        Release("1.23", "go1.23.9", False, Baseline(
            heap_alloc=45_024, total_alloc=45_024, mallocs=115, frees=6,
            inuse_pages=270_336 // 8192, stack_pages=262_144 // 8192)),
        Release("1.25", "go1.25.5", False, Baseline(
            heap_alloc=51_744, total_alloc=51_744, mallocs=168, frees=3,
            inuse_pages=262_144 // 8192, stack_pages=262_144 // 8192)),
        Release("1.27", "go1.27.3", True, Baseline(
            heap_alloc=67_992, total_alloc=67_992, mallocs=117, frees=4,
            inuse_pages=319_488 // 8192, stack_pages=327_680 // 8192)),
    )
}


def get_release(name: str) -> Release:
    """The :class:`Release` called ``name`` ("1.23", "1.25" or "1.27").

    Examples
    --------
    >>> get_release("1.27").inline_mark_bits
    True
    """
    try:
        return RELEASES[name]
    except KeyError:
        known = ", ".join(RELEASES)
        raise GcemuError(
            f"unknown Go release {name!r} for the allocator (known: {known})") from None
