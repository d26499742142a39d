"""MemStats phases: the ``runtime.MemStats`` figures a scenario takes, and their table.

A scenario marks a phase by returning ``{"after adding": memstats(heap), ...}``
(`gcemu.ui.scenario.memstats`); every dict in what it measured that holds Go's
``HeapAlloc`` and ``HeapInuse`` is a phase. ``gcemu run`` and ``compare`` print the
phases as a Go program would print its ``runtime.ReadMemStats`` snapshots: one row per
phase (a column), Go's field names, bytes, and the book's ``Alloc/1024/1024`` MB
(`memstats_table`); the other figures of a phase stay in the measured table.
"""

from __future__ import annotations

from typing import Any

from rich.table import Table

#: The MemStats fields a phase shows, in Go's order.
SHOWN = ("HeapAlloc", "HeapInuse", "HeapIdle", "HeapReleased", "HeapSys", "HeapObjects",
         "Mallocs", "Frees", "NumGC")
#: The figures `gcemu.ui.scenario.memstats` gave before the allocator existed (gcemu's
#: own allocations, no runtime baseline): kept in a phase for old scenarios, not printed.
LEGACY = ("mallocs", "frees", "heap_objects", "heap_alloc")


def phase_stats(heap: Any) -> dict[str, int]:
    """The figures of one phase: Go's MemStats fields, then the legacy ones."""
    s = heap.memstats().as_dict()
    mallocs = heap.allocations
    alive = len(heap.objects)
    return {**{k: s[k] for k in SHOWN}, "NextGC": s["NextGC"],
            "mallocs": mallocs, "frees": mallocs - alive, "heap_objects": alive,
            "heap_alloc": heap.bytes_in_use()}


def is_phase(value: Any) -> bool:
    return isinstance(value, dict) and "HeapAlloc" in value and "HeapInuse" in value


def split_phases(measured: dict) -> tuple[dict[str, dict], dict]:
    """(phase name -> its MemStats, what remains to print as plain measurements)."""
    phases = {k: v for k, v in measured.items() if is_phase(v)}
    rest = {}
    for k, v in measured.items():
        if k in phases:
            other = {f: x for f, x in v.items()
                     if f not in SHOWN and f not in LEGACY and f != "NextGC"}
            if other:
                rest[k] = other
        else:
            rest[k] = v
    return phases, rest


def memstats_table(phases: dict[str, dict], title: str) -> Table:
    """One column per phase, one row per field (bytes), first the book's MB row
    (``m.Alloc/1024/1024``)."""
    table = Table(title=title, title_justify="left")
    table.add_column("field")
    for name in phases:
        table.add_column(name, justify="right", overflow="fold")
    table.add_row("Alloc MB", *(f"{s['HeapAlloc'] >> 20}" for s in phases.values()))
    for f in SHOWN:
        table.add_row(f, *(f"{s[f]:,}" if isinstance(s.get(f), int) else "-"
                           for s in phases.values()))
    return table


__all__ = ["LEGACY", "SHOWN", "is_phase", "memstats_table", "phase_stats", "split_phases"]
