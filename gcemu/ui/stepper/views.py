"""The stepper's ``show`` views: the cycle, a map's buckets or groups, one object.

Every view reads the heap as it is now and prints through the stepper it is given
(``st.say``, ``st.out``, ``st.who``, ``st.colour``); none of them steps or mutates. What
depends on the kind of map is in `KIND_VIEWS`, one `KindViews` per kind name
(``"classic"``: buckets, tophash, old buckets while growing; ``"swiss"``: the small
group, the directory's tables, their groups and control bytes), so a new map kind adds
its entry here and the stepper does not change. A slot is listed when it holds
something or is not empty (an empty slot holding no pointer is of no interest to the
GC); a slot that is not full but still holds a pointer is red: a stale slot.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from rich.table import Table

from gcemu.core.heap import HeapObject, Object
from gcemu.gc.scan import bucket_name, slot_state
from gcemu.maps import kind_of
from gcemu.maps.classic import BucketArray
from gcemu.maps.common import ClearedString, Indirect
from gcemu.maps.front import MapFront
from gcemu.maps.swiss import Directory, GroupsArray, SwissIter
from gcemu.maps.swiss import Table as SwissTable
from gcemu.ui.stepper.commands import EVENT_STYLES, StepperError, number, plural, visible
from gcemu.ui.tables import cell


@dataclass(frozen=True)
class KindViews:
    """What the stepper shows of one kind of map.

    ``units``: the ``show`` words this kind answers (``bucket``, ``table``...) and
    ``usage`` how to type them; ``is_a``: what the map is, for a command of another
    kind; ``ctrl_name``: the name of the per-slot byte; ``ctrl(holder)``: a bucket's or
    group's bytes, ``byte(b)`` one of them as text; ``show_map(st, m)``: the storage;
    ``show(st, what, args)``: the unit commands; ``parts(heap, m)``: the map's
    allocations besides its header (breakpoints); ``holders(st, m)``: its buckets or
    groups in use (key completion); ``describe(st, obj)``: one line of one of its
    allocations, or False if ``obj`` is not one.
    """

    units: tuple[str, ...]
    usage: str
    is_a: str
    ctrl_name: str
    ctrl: Callable[[Any], Any]
    byte: Callable[[int], str]
    show_map: Callable[[Any, Any], None]
    show: Callable[[Any, str, list[str]], None]
    parts: Callable[[Any, Any], list[HeapObject]]
    holders: Callable[[Any, Any], Iterator[Any]]
    describe: Callable[[Any, Any], bool]


def views_of(m: MapFront) -> KindViews:
    """The views of ``m``'s map kind (by the registry's name for it)."""
    return KIND_VIEWS[kind_of(m).name]


def _require(st: Any, m: MapFront, what: str) -> None:
    """A unit command (``show bucket``, ``show table``...) on a map of another kind."""
    if what not in views_of(m).units:
        raise StepperError(f"{st.who(m)} is {views_of(m).is_a}")


# -- what every kind shares -----------------------------------------------------------
def slot_text(st: Any, m: Any, v: Any, role: str) -> tuple[str, str]:
    """(text, style) of a key or elem slot value."""
    if v is None:
        return "nil" if role == "elem" else "-", "dim"
    if isinstance(v, ClearedString):
        return repr(v), "dim"
    if isinstance(v, Indirect):
        return f"{v.label} -> {v.value!r}", ""
    if isinstance(v, HeapObject):
        col = st.colour(v)
        return f"{st.who(v)} {col}", {"grey": "bold", "black": "bold", "freed": "dim",
                                       "white": ""}.get(col, "")
    t = m.layout.key if role == "key" else m.layout.elem
    with contextlib.suppress(Exception):  # a display fallback: the raw value
        v = t.to_python(v)
    return repr(v), ""


def slot_rows(st: Any, table: Table, m: Any, name: str, holder: Any, full: bool) -> int:
    """The rows of one bucket or group: its slots (``full``: all 8; else those
    holding something or not empty). Returns how many."""
    kind = views_of(m)
    ctrl = kind.ctrl(holder)
    rows = 0
    for i in range(8):
        t = ctrl[i]
        k, e = holder.keys[i], holder.elems[i]
        state = slot_state(holder.owner, t)
        if not full and state in ("emptyRest", "empty") and e is None and \
                (k is None or isinstance(k, ClearedString)):
            continue
        kt, ks = slot_text(st, m, k, "key")
        et, es = slot_text(st, m, e, "elem")
        stale = state != "full" and any((*m.key_pointers(k), *m.elem_pointers(e)))
        table.add_row(cell(name), cell(i), cell(f"{kind.byte(t)} {state}"),
                      cell(visible(kt), ks), cell(visible(et), es),
                      style="red" if stale else "")
        rows += 1
    return rows


def slots_table(title: str, unit: str, ctrl: str) -> Table:
    table = Table(title=title, title_justify="left")
    for col in (unit, "slot", ctrl, "key", "elem"):
        table.add_column(col)
    return table


def show(st: Any, rest: str) -> None:
    """``show [WHAT]``."""
    words = rest.split()
    what = words[0] if words else ""
    owner = next((k for k in KIND_VIEWS.values() if what in k.units), None)
    if what == "":
        show_status(st)
    elif what == "map":
        show_map(st, st.resolve_map(words[1] if len(words) > 1 else None))
    elif owner is not None:
        owner.show(st, what, words[1:])
    elif what == "object":
        if len(words) != 2:
            raise StepperError("usage: show object NAME")
        show_object(st, st.resolve(words[1]))
    else:
        units = ", ".join(k.usage for k in KIND_VIEWS.values())
        raise StepperError(f"show what? show, show map [MAP], {units}, show object NAME")


def show_status(st: Any) -> None:
    c, h = st.cycle, st.heap
    st.say(f"model {h.model.name}: {h.model.summary}")
    st.say(f"cycle {c.number}: phase {c.phase}, {c.steps} steps, {len(c.history)} events")
    for m in h.maps:
        if not m.freed:
            st.say(f"  {st.who(m)} {m.type.name}: {m.describe()}")
    named = [(n, o) for n, o in st.names().items() if isinstance(o, HeapObject)]
    if named:
        st.say("  " + ", ".join(f"{n}={st.colour(o)}" for n, o in named[:24])
               + (" ..." if len(named) > 24 else ""))
    if st.breakpoints:
        st.say("  breakpoints: " + ", ".join(st.breakpoints))


def show_map(st: Any, m: Any) -> None:
    st.say(f"{st.who(m)} {m.type.name} ({st.colour(m)}): {m.describe()}", "bold")
    views_of(m).show_map(st, m)


def show_object(st: Any, obj: Any) -> None:
    st.say(f"{st.who(obj)}: {obj.size} B, {st.colour(obj)}"
           + (f", freed by cycle {obj.freed}" if obj.freed else ""), "bold")
    if isinstance(obj, MapFront):
        st.say(f"  {obj.type.name}: {obj.describe()}")
    elif any(k.describe(st, obj) for k in KIND_VIEWS.values()):
        pass
    elif isinstance(obj, Object):
        st.say(f"  type {obj.type.name}")
        fields = obj.type.fields if obj.type.kind == "struct" else None
        for f in fields or ():
            v = obj[f.name]
            text = st.who(v) if isinstance(v, HeapObject) else repr(v)
            if isinstance(v, (bytes, bytearray, list, tuple)) and len(v) > 8:
                text = f"[{len(v)} elements]"
            st.say(f"  .{f.name} = {text}")
    refs = [e for e in st.cycle.history if getattr(e, "obj", None) == obj.label]
    for e in refs[-6:]:
        st.say(f"  {e.step:>5}  {e}", EVENT_STYLES.get(e.kind, ""))


def map_parts(heap: Any, obj: Any) -> list[HeapObject]:
    """The allocations of a map besides its header ([] for anything else)."""
    return views_of(obj).parts(heap, obj) if isinstance(obj, MapFront) else []


def map_keys(st: Any, m: Any, limit: int = 200) -> list[str]:
    """The keys of a map as literals, read from its buckets or groups (not by ranging
    over it, which would set iterator flags and be a mutator operation)."""
    if not isinstance(m, MapFront):
        return []
    kind = views_of(m)
    out: list[str] = []
    for holder in kind.holders(st, m):
        ctrl = kind.ctrl(holder)
        for i in range(8):
            if slot_state(holder.owner, ctrl[i]) == "full":
                k = holder.keys[i]
                k = k.value if isinstance(k, Indirect) else k
                try:
                    out.append(repr(m.layout.key.to_python(k)))
                except Exception:  # pragma: no cover - display only
                    continue
                if len(out) >= limit:
                    return out
    return out


def _map_and_numbers(st: Any, what: str, args: list[str]) -> tuple[Any, list[int]]:
    """``[MAP] N...``: a map (the only one if not named) and the numbers after it."""
    if args and not args[0].lstrip("-").isdigit():
        m, args = st.resolve_map(args[0]), args[1:]
    else:
        m = st.resolve_map(None)
    _require(st, m, what)
    return m, [number(a, what) for a in args]


# -- the classic map: buckets, tophash, old buckets ---------------------------------------
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
    _require(st, m, what)
    show_bucket(st, m, number(n, "bucket"), old=what == "oldbucket")


def show_bucket(st: Any, m: Any, j: int, old: bool = False) -> None:
    arr = m.oldbuckets_obj if old else m.buckets_obj
    n = (m.noldbuckets() if m.growing() else 0) if old else (1 << m.B if arr else 0)
    if arr is None or not 0 <= j < n:
        what = "old buckets" if old else "buckets"
        raise StepperError(f"{st.who(m)} has {n} {what}; no {j}")
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


# -- the Swiss map: small group, directory, tables, groups --------------------------------
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
    m, nums = _map_and_numbers(st, what, args)
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
            raise StepperError(f"table {nums[0]} has {len(arr.groups)} groups; no {j}")
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


_CLASSIC_USAGE = "show bucket [MAP] N, show oldbucket [MAP] N"
_SWISS_USAGE = "show table [MAP] N, show group [MAP] [T] G"

KIND_VIEWS: dict[str, KindViews] = {
    "classic": KindViews(
        units=("bucket", "oldbucket"), usage=_CLASSIC_USAGE,
        is_a=f"a classic map (buckets, not tables): {_CLASSIC_USAGE}",
        ctrl_name="tophash", ctrl=lambda b: b.tophash, byte=str,
        show_map=_classic_map, show=_classic_show, parts=_classic_parts,
        holders=_classic_holders, describe=_classic_describe),
    "swiss": KindViews(
        units=("table", "group"), usage=_SWISS_USAGE,
        is_a=f"a Swiss map (tables and groups, no buckets): {_SWISS_USAGE}",
        ctrl_name="ctrl", ctrl=lambda g: g.ctrl, byte=lambda t: f"{t:02x}",
        show_map=_swiss_map, show=_swiss_show, parts=_swiss_parts,
        holders=_swiss_holders, describe=_swiss_describe),
}
