"""The stepper's views of a classic map (gcemu.maps.classic): its buckets with their
tophash bytes, and its old buckets while it grows (``show bucket``, ``show oldbucket``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rich.table import Table

from gcemu.core.heap import HeapObject
from gcemu.maps.classic import BucketArray
from gcemu.ui.stepper.commands import StepperError, number, plural
from gcemu.ui.stepper.views import (
    KindViews,
    register,
    require,
    slot_rows,
    slots_table,
)


def _chain_rows(st: Any, table: Table, m: Any, label: str, b: Any, full: bool) -> int:
    rows = 0
    for pos, c in enumerate(b.chain()):
        rows += slot_rows(st, table, m, label + (f" overflow {pos}" if pos else ""), c, full)
    return rows


def _classic_map(st: Any, m: Any) -> None:
    arrays = [("bucket", m.buckets_obj, 1 << m.B)]
    if m.oldbuckets_obj is not None:
        arrays.append(("oldbucket", m.oldbuckets_obj, m.noldbuckets()))
    shown = 0
    for prefix, arr, n in arrays:
        if arr is None:
            st.say("  no bucket array yet (B=0, nothing inserted)")
            continue
        table = slots_table(f"{prefix}s: {arr.label}, {plural(n, 'bucket')}, {arr.size:,} B, "
                            f"{st.colour(arr)}", "bucket", "tophash")
        empty = 0
        for j in range(n):
            if shown >= 16:
                break
            if _chain_rows(st, table, m, f"{prefix} {j}", arr.buckets[j], full=False):
                shown += 1
            else:
                empty += 1
        st.out.print(table)
        rest = n - shown - empty
        if empty:
            st.say(f"  {plural(empty, 'bucket')} with nothing in them not listed", "dim")
        if rest > 0:
            where = f"{m.name} N" if m.name else "N"
            st.say(f"  {rest} more {plural(rest, 'bucket', False)} not listed: show {prefix} "
                   f"{where}", "dim")


def _classic_show(st: Any, what: str, args: list[str]) -> None:
    """``show bucket [MAP] N`` and ``show oldbucket [MAP] N``."""
    if len(args) == 1:
        m, n = st.resolve_map(None), args[0]
    elif len(args) == 2:
        m, n = st.resolve_map(args[0]), args[1]
    else:
        raise StepperError(f"usage: show {what} [MAP] N")
    require(st, m, what)
    show_bucket(st, m, number(n, "bucket"), old=what == "oldbucket")


def show_bucket(st: Any, m: Any, j: int, old: bool = False) -> None:
    arr = m.oldbuckets_obj if old else m.buckets_obj
    n = (m.noldbuckets() if m.growing() else 0) if old else (1 << m.B if arr else 0)
    if arr is None or not 0 <= j < n:
        what = "old bucket" if old else "bucket"
        raise StepperError(f"{st.who(m)} has {plural(n, what)}; no {j}")
    prefix = "oldbucket" if old else "bucket"
    table = slots_table(f"{prefix} {j} of {st.who(m)} ({arr.label}, {st.colour(arr)})",
                        "bucket", "tophash")
    _chain_rows(st, table, m, f"{prefix} {j}", arr.buckets[j], full=True)
    st.out.print(table)


def _classic_parts(heap: Any, m: Any) -> list[HeapObject]:
    return [a for a in (m.buckets_obj, m.oldbuckets_obj) if a is not None]


def _classic_holders(st: Any, m: Any) -> Iterator[Any]:
    if m.buckets_obj is None:
        return
    arrays = [(m.buckets_obj, 1 << m.B)]
    if m.oldbuckets_obj is not None:
        arrays.append((m.oldbuckets_obj, m.noldbuckets()))
    for arr, n in arrays:
        for j in range(n):
            yield from arr.buckets[j].chain()


def _classic_describe(st: Any, obj: Any) -> bool:
    if not isinstance(obj, BucketArray):
        return False
    st.say(f"  {obj.role} of {st.who(obj.hmap)}: {len(obj.buckets)} buckets")
    return True


_CLASSIC_USAGE = "show bucket [MAP] N, show oldbucket [MAP] N"

register("classic", KindViews(
    units=("bucket", "oldbucket"), usage=_CLASSIC_USAGE,
    is_a=f"a classic map (buckets, not tables): {_CLASSIC_USAGE}",
    ctrl_name="tophash", ctrl=lambda b: b.tophash, byte=str,
    show_map=_classic_map, show=_classic_show, parts=_classic_parts,
    holders=_classic_holders, describe=_classic_describe))
