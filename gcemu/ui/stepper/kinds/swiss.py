"""The stepper's views of a Swiss map (gcemu.maps.swiss): its small group or its
directory's tables, their groups and control bytes (``show table``, ``show group``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from gcemu.core.heap import HeapObject
from gcemu.gc.scan import bucket_name
from gcemu.maps.swiss import Directory, GroupsArray, SwissIter
from gcemu.maps.swiss import Table as SwissTable
from gcemu.ui.stepper.commands import StepperError, plural
from gcemu.ui.stepper.views import (
    KindViews,
    map_and_numbers,
    register,
    slot_rows,
    slots_table,
)


def group_name(g: Any) -> str:
    """``table 2 group 5``, ``small group``, ``old table#7 group 3``: a group as the
    events name it."""
    return bucket_name(g.owner, g.index, 0)


def swiss_storage(st: Any, m: Any) -> list[tuple[str, Any]]:
    """(title, groups array) of a Swiss map: its small group or each table, then
    the old storage its live iterators still hold."""
    if m.dirPtr is None:
        return []
    if m.dirLen == 0:
        out = [("small group", m.dirPtr)]
    else:
        out = [(f"table {t.index}: {t.label}, localDepth {t.localDepth}, capacity "
                f"{t.capacity}, used {t.used}, growthLeft {t.growthLeft}, tombstones "
                f"{t.tombstones()}", t.groups_obj) for t in m.tables]
    held = [f.group.owner for stack in st.heap.stacks for f in stack.frames
            if isinstance(f, SwissIter) and f.m is m and f.group is not None]
    for arr in dict.fromkeys(held):
        if not arr.current():
            what = f"old {arr.table.label}" if arr.table else "old small group"
            out.append((f"{what} (replaced; an iterator holds it)", arr))
    return out


def _swiss_map(st: Any, m: Any) -> None:
    """At most 4 tables (and the old storage iterators hold), 16 groups each."""
    storage = swiss_storage(st, m)
    if not storage:
        st.say("  no group yet (nothing inserted)")
    where = f"{m.name} " if m.name else ""
    listed = 0
    for title, arr in storage:
        if arr.current():
            listed += 1
            if listed > 4:
                continue
        n = len(arr.groups)
        table = slots_table(f"{title}; {arr.label}, {n} group{'s' * (n != 1)}, "
                            f"{arr.size:,} B, {st.colour(arr)}", "group", "ctrl")
        shown = empty = 0
        for g in arr.groups:
            if shown == 16:
                break
            if slot_rows(st, table, m, group_name(g), g, full=False):
                shown += 1
            else:
                empty += 1
        st.out.print(table)
        if empty:
            st.say(f"  {plural(empty, 'group')} with nothing in them not listed", "dim")
        if shown + empty < n:
            how = f": show table {where}N" if arr.current() and arr.table else ""
            more = n - shown - empty
            st.say(f"  {more} more {plural(more, 'group', False)} not listed{how}", "dim")
    if listed > 4:
        st.say(f"  {listed - 4} more {plural(listed - 4, 'table', False)} not listed: show "
               f"table {where}N", "dim")


def _swiss_show(st: Any, what: str, args: list[str]) -> None:
    """``show table [MAP] N`` and ``show group [MAP] [T] G``."""
    m, nums = map_and_numbers(st, what, args)
    if what == "table":
        if len(nums) != 1:
            raise StepperError("usage: show table [MAP] N")
        show_table(st, m, nums[0])
    elif (len(nums) == 1 and m.dirLen == 0) or (len(nums) == 2 and m.dirLen > 0):
        show_group(st, m, *nums)
    else:
        raise StepperError("usage: show group [MAP] T G (show group [MAP] 0 for a small "
                           "map's group)")


def _table_at(st: Any, m: Any, n: int) -> Any:
    if not 0 <= n < m.dirLen:
        entries = f"{m.dirLen} directory entr{'y' if m.dirLen == 1 else 'ies'}"
        raise StepperError(f"{st.who(m)} has {entries}; no {n}"
                           + (" (a small map: show group 0)" if m.dirLen == 0 else ""))
    return m.directory[n]


def show_table(st: Any, m: Any, n: int) -> None:
    t = _table_at(st, m, n)
    arr = t.groups_obj
    table = slots_table(
        f"table {t.index} of {st.who(m)} ({t.label}, directory entries {t.index}-"
        f"{t.index + (1 << (m.globalDepth - t.localDepth)) - 1}): localDepth "
        f"{t.localDepth}, capacity {t.capacity}, used {t.used}, growthLeft {t.growthLeft}, "
        f"tombstones {t.tombstones()}; {arr.label}, {st.colour(arr)}", "group", "ctrl")
    empty = sum(not slot_rows(st, table, m, group_name(g), g, full=False)
                for g in arr.groups)
    st.out.print(table)
    if empty:
        st.say(f"  {plural(empty, 'group')} with nothing in them not listed", "dim")


def show_group(st: Any, m: Any, *nums: int) -> None:
    if m.dirLen == 0:
        if m.dirPtr is None or nums[0] != 0:
            raise StepperError(f"{st.who(m)} is a small map"
                               + (" with no group yet" if m.dirPtr is None else
                                  ": its only group is 0"))
        arr, j = m.dirPtr, 0
    else:
        arr, j = _table_at(st, m, nums[0]).groups_obj, nums[1]
        if not 0 <= j < len(arr.groups):
            raise StepperError(f"table {nums[0]} has {plural(len(arr.groups), 'group')}; no {j}")
    g = arr.groups[j]
    name = group_name(g)
    table = slots_table(f"{name} of {st.who(m)} ({arr.label}, {st.colour(arr)})",
                        "group", "ctrl")
    slot_rows(st, table, m, name, g, full=True)
    st.out.print(table)


def _swiss_parts(heap: Any, m: Any) -> list[HeapObject]:
    parts: list[HeapObject] = [] if m.dirPtr is None else [m.dirPtr]
    for o in heap.objects.values():
        if type(o) is GroupsArray and o.hmap is m:
            parts.append(o)
            if o.table is not None:
                parts.append(o.table)
    return parts


def _swiss_holders(st: Any, m: Any) -> Iterator[Any]:
    for _, arr in swiss_storage(st, m):
        if arr.current():
            yield from arr.groups


def _swiss_describe(st: Any, obj: Any) -> bool:
    if isinstance(obj, GroupsArray):
        what = "the small group" if obj.table is None else f"the groups of {obj.table.label}"
        old = "" if obj.current() else " (replaced: old storage)"
        n = len(obj.groups)
        st.say(f"  {what} of {st.who(obj.hmap)}{old}: {n} group{'s' * (n != 1)}")
    elif isinstance(obj, SwissTable):
        st.say(f"  index {obj.index}, localDepth {obj.localDepth}, capacity "
               f"{obj.capacity}, used {obj.used}, growthLeft {obj.growthLeft}, "
               f"tombstones {obj.tombstones()}")
    elif isinstance(obj, Directory):
        n = len(obj.tables)
        st.say(f"  {n} entr{'y' if n == 1 else 'ies'}: "
               + " ".join(t.label for t in obj.tables[:16])
               + (" ..." if len(obj.tables) > 16 else ""))
    else:
        return False
    return True


_SWISS_USAGE = "show table [MAP] N, show group [MAP] [T] G"

register("swiss", KindViews(
    units=("table", "group"), usage=_SWISS_USAGE,
    is_a=f"a Swiss map (tables and groups, no buckets): {_SWISS_USAGE}",
    ctrl_name="ctrl", ctrl=lambda g: g.ctrl, byte=lambda t: f"{t:02x}",
    show_map=_swiss_map, show=_swiss_show, parts=_swiss_parts,
    holders=_swiss_holders, describe=_swiss_describe))
