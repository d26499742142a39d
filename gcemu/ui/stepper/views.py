"""The stepper's ``show`` views: the cycle, a map's buckets or groups, one object.

Every view reads the heap as it is now and prints through the stepper it is given
(``st.say``, ``st.out``, ``st.who``, ``st.colour``); none of them steps or mutates. What
depends on the kind of map is in `KIND_VIEWS`, one `KindViews` per kind name, which
each kind's module registers (`gcemu.ui.stepper.kinds.classic`: buckets, tophash, old
buckets while growing; `gcemu.ui.stepper.kinds.swiss`: the small group, the
directory's tables, their groups and control bytes), so a new map kind adds a module
there and the stepper does not change. A slot is listed when it holds
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
from gcemu.gc.scan import slot_state
from gcemu.maps import kind_of
from gcemu.maps.common import ClearedString, Indirect
from gcemu.maps.front import MapFront
from gcemu.ui.stepper.commands import EVENT_STYLES, StepperError, number, visible
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


def require(st: Any, m: MapFront, what: str) -> None:
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


def map_and_numbers(st: Any, what: str, args: list[str]) -> tuple[Any, list[int]]:
    """``[MAP] N...``: a map (the only one if not named) and the numbers after it."""
    if args and not args[0].lstrip("-").isdigit():
        m, args = st.resolve_map(args[0]), args[1:]
    else:
        m = st.resolve_map(None)
    require(st, m, what)
    return m, [number(a, what) for a in args]


KIND_VIEWS: dict[str, KindViews] = {}


def register(name: str, views: KindViews) -> KindViews:
    """Make ``views`` what the stepper shows of the map kind ``name``."""
    KIND_VIEWS[name] = views
    return views
