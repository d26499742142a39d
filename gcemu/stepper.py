"""``gcemu step``: step through a GC cycle in the terminal.

The stepper is one more front end of the marker's step loop: it calls ``step()`` (through
a `gcemu.render.Recording`, which also snapshots the heap when the mutator ran, so the
stepping player can be written at the end), and shows what each step did from the
events it returns and from ``cycle.history``. It never looks inside the marker: colours
come from ``cycle.color``, reasons and paths from the report (or, while marking, from
`gcemu.gc.analysis.Reachability` over the heap as it is now).

Between steps the mutator may run: ``delete``, ``assign``, ``set``, ``drop`` and
``new`` are map and heap operations, with the write barrier on while the GC marks.
Arguments are parsed, never evaluated: keys and plain values are Python literals read
with `ast.literal_eval` (``delete m "b"``, ``assign n 7 700``), object values are names.

On a terminal the prompt is prompt_toolkit's (history, completion of commands, names,
keys and event kinds); from a pipe it reads one command per line, echoes it after the
prompt, and exits with status 2 if any command failed (each failure is one line on
stderr naming the input line).

Examples
--------
>>> import io
>>> from rich.console import Console
>>> import gcemu
>>> h = gcemu.Heap()
>>> _ = h.declare("type T struct { id int }")
>>> m = h.make_map("map[string]*T", name="m")
>>> m["a"], m["b"] = h.new("T", name="a"), h.new("T", name="b")
>>> buf = io.StringIO()
>>> s = Stepper(h, Console(file=buf, width=100))
>>> s.execute("step 2")
True
>>> "scan root global m" in buf.getvalue()
True
>>> s.execute('delete m "b"')
True
>>> s.execute("quit")
False
"""

from __future__ import annotations

import ast
import contextlib
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gcemu.api import Heap
from gcemu.base.events import EVENT_KINDS, Event
from gcemu.core.heap import HeapObject, Object
from gcemu.errors import GcemuError

MAX_EVENT_LINES = 60  # events one command prints at most (`history` shows the rest)


class StepperError(GcemuError):
    """A command the stepper cannot run: the message says why and what to type."""


@dataclass(frozen=True)
class Command:
    name: str
    usage: str
    help: str
    mutator: bool = False


COMMANDS = {c.name: c for c in (
    Command("step", "step [N]", "do N units of mark work (default 1) and show their events"),
    Command("next", "next KIND [TEXT]",
            "step until an event of KIND (" + ", ".join(EVENT_KINDS) + ") whose text "
            "contains TEXT, e.g. `next slot emptyOne`, `next free`"),
    Command("continue", "continue", "step until a breakpoint or the end of the cycle"),
    Command("break", "break [NAME]",
            "stop `continue` when an event touches NAME (an object, a map and its buckets, "
            "or its directory, tables and groups, or a global); without NAME, list the "
            "breakpoints"),
    Command("unbreak", "unbreak NAME|all", "remove a breakpoint"),
    Command("show", "show [WHAT]",
            "the cycle's state; `show map [MAP]`: a map's buckets or groups (tophash or "
            "control bytes, keys, elems and their colours); `show bucket [MAP] N`, `show "
            "oldbucket [MAP] N`: one bucket chain; Swiss maps: `show table [MAP] N` (the "
            "table at directory entry N), `show group [MAP] [T] G` (group G of table T); "
            "`show object NAME`"),
    Command("why", "why NAME",
            "why NAME is (or was) kept: its colour and the event that shaded it; the path "
            "from a root; after the cycle, the report's reason and path"),
    Command("history", "history [N]", "the last N events of the cycle (default 20)"),
    Command("delete", "delete MAP KEY", 'mutator: delete(MAP, KEY); KEY is a Python literal: '
            '"b", 42', mutator=True),
    Command("assign", "assign MAP KEY VALUE",
            "mutator: MAP[KEY] = VALUE; VALUE is a name, nil, or a literal without spaces",
            mutator=True),
    Command("set", "set GLOBAL NAME|nil", "mutator: point the global GLOBAL at an object",
            mutator=True),
    Command("drop", "drop GLOBAL", "mutator: GLOBAL = nil (drop a global root)", mutator=True),
    Command("new", "new TYPE NAME",
            "mutator: allocate a TYPE called NAME (black while the GC marks); then `assign` "
            "or `set` it", mutator=True),
    Command("render", "render FILE [NAME...]",
            "write a picture of the heap as of this step (.dot .svg .png; NAMEs: always "
            "draw their paths) or, once the cycle is over, the stepping player (.html)"),
    Command("report", "report", "the report of the cycle (once it is over)"),
    Command("gc", "gc", "start the next GC cycle (once this one is over)"),
    Command("help", "help [COMMAND]", "this list, or one command"),
    Command("quit", "quit", "leave (Ctrl-D too)"),
)}
ALIASES = {"s": "step", "n": "next", "c": "continue", "cont": "continue", "b": "break",
           "q": "quit", "exit": "quit", "h": "help", "?": "help", "del": "delete",
           "w": "why", "p": "show", "bt": "why"}
EVENT_STYLES = {"phase": "bold cyan", "root": "cyan", "shade": "", "scan": "dim",
                "slot": "yellow", "barrier": "magenta", "alloc-black": "magenta",
                "mutation": "bold magenta", "free": "green"}


def visible(text: str) -> str:
    """``text`` safe for a terminal: control and format characters shown as escapes."""
    out = []
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs"):
            out.append(ch.encode("unicode_escape").decode("ascii"))
        else:
            out.append(ch)
    return "".join(out)


def _number(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise StepperError(f"{what} number {text!r} is not an integer") from None


def bucket_name_of(g: Any) -> str:
    """``table 2 group 5``, ``small group``, ``old table#7 group 3``: a group as the
    events name it."""
    from gcemu.gc.scan import bucket_name

    return bucket_name(g.owner, g.index, 0)


def literal(text: str, what: str = "key") -> Any:
    """A Python literal (``"b"``, ``42``, ``1.5``, ``(1, 2)``), never evaluated code."""
    text = text.strip()
    if not text:
        raise StepperError(f"missing {what}")
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        hint = f' (quote strings: "{text}")' if text.isidentifier() else ""
        raise StepperError(f"{what} {text!r} is not a Python literal{hint}") from None


class Stepper:
    """The command interpreter: `execute` one line at a time.

    Parameters
    ----------
    heap : Heap
        A heap with or without a cycle running; without one, a cycle starts.
    out : rich.console.Console
        Where everything is printed.
    """

    def __init__(self, heap: Heap, out: Any, source: str = ""):
        from gcemu.render import Recording

        self.heap = heap
        self.out = out
        self.source = source
        self.breakpoints: dict[str, HeapObject | str] = {}
        self._Recording = Recording
        self.rec = Recording(heap)
        self._reported = False

    # -- state ------------------------------------------------------------------------
    @property
    def cycle(self):
        return self.rec.cycle

    def prompt(self) -> str:
        c = self.cycle
        where = f"cycle {c.number} over" if c.done else f"{c.phase} step {c.steps}"
        return f"gcemu {self.heap.model.name} {where}> "

    def names(self) -> dict[str, Any]:
        from gcemu.scenario import names_of

        return names_of(self.heap)

    def resolve(self, name: str) -> Any:
        """An object by name, global or label (``T#3``), freed ones included."""
        names = self.names()
        if name in names:
            return names[name]
        for o in self.heap.objects.values():
            if o.label == name:
                return o
        for o in self.cycle.freed:
            if o.label == name:
                return o
        import difflib

        close = difflib.get_close_matches(name, list(names), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise StepperError(f"no object, map or global named {name!r}{hint}")

    def resolve_map(self, name: str | None):
        from gcemu.mapfront import MapFront

        if name is None:
            maps = [m for m in self.heap.maps if not m.freed]
            if len(maps) != 1:
                names = ", ".join(m.name or m.label for m in maps) or "none"
                raise StepperError(f"which map? (maps: {names})")
            return maps[0]
        obj = self.resolve(name)
        if not isinstance(obj, MapFront):
            raise StepperError(f"{name} is {obj.label}, not a map")
        return obj

    # -- output -----------------------------------------------------------------------
    def say(self, text: str = "", style: str = "") -> None:
        from rich.text import Text

        self.out.print(Text(visible(text), style=style))

    def show_events(self, events: Iterable[Event], limit: int = MAX_EVENT_LINES) -> None:
        events = list(events)
        shown = events[-limit:] if len(events) > limit else events
        if len(events) > limit:
            self.say(f"  ... {len(events) - limit} earlier events (see `history`)", "dim")
        for e in shown:
            self.say(f"  {e.step:>5}  {e}", EVENT_STYLES.get(e.kind, ""))

    def who(self, obj: Any) -> str:
        return f"{obj.label} ({obj.name})" if getattr(obj, "name", None) else obj.label

    def colour(self, obj: HeapObject) -> str:
        c = self.cycle
        if obj.freed and obj.freed <= c.number:
            return "freed"
        if c.done:
            return "kept" if c.report.retained(obj) else "white"
        return c.color(obj)

    # -- the interpreter ------------------------------------------------------------------
    def execute(self, line: str) -> bool:
        """Run one command line; False when it asks to quit. Raises `StepperError`
        (or `GcemuError`) for a bad command."""
        line = line.strip()
        if not line or line.startswith("#"):
            return True
        word, *tail = line.split(None, 1)
        rest = tail[0] if tail else ""
        name = ALIASES.get(word, word)
        if name not in COMMANDS:
            import difflib

            close = difflib.get_close_matches(word, list(COMMANDS), n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise StepperError(f"unknown command {word!r}{hint} (type help)")
        if name == "quit":
            return False
        method: Callable[[str], None] = getattr(self, f"do_{name.replace('-', '_')}")
        method(rest.strip())
        return True

    # stepping ---------------------------------------------------------------------------
    def _over(self) -> bool:
        if self.cycle.done:
            self.say(f"cycle {self.cycle.number} is over: `report`, `why NAME`, `render "
                     f"FILE.html`, `gc` for the next cycle, `quit`", "dim")
            return True
        return False

    def _step(self) -> list[Event]:
        events = self.rec.step()
        if self.cycle.done:
            self._reported = False
        return events

    def _after(self) -> None:
        """What to say once a command has stepped: the report when the cycle ended."""
        if self.cycle.done and not self._reported:
            self._reported = True
            self.say()
            self.print_report()

    def do_step(self, rest: str) -> None:
        n = 1
        if rest:
            try:
                n = int(rest)
            except ValueError:
                raise StepperError(f"step takes a number of steps, got {rest!r}") from None
            if n < 1:
                raise StepperError("step takes a positive number of steps")
        if self._over():
            return
        events: list[Event] = []
        try:
            for _ in range(n):
                if self.cycle.done:
                    break
                events += self._step()
        except KeyboardInterrupt:
            self.say(f"interrupted at step {self.cycle.steps}", "bold")
        self.show_events(events)
        self._after()

    def do_next(self, rest: str) -> None:
        kind, _, text = rest.partition(" ")
        if not kind:
            raise StepperError("next needs an event kind: " + ", ".join(EVENT_KINDS))
        if kind not in EVENT_KINDS:
            raise StepperError(f"unknown event kind {kind!r}; kinds: {', '.join(EVENT_KINDS)}")
        text = text.strip()
        if self._over():
            return
        skipped = 0
        try:
            while not self.cycle.done:
                events = self._step()
                if any(e.kind == kind and text in str(e) for e in events):
                    if skipped:
                        self.say(f"  ({skipped} step{'s' if skipped > 1 else ''} before "
                                 f"this one)", "dim")
                    self.show_events(events)
                    break
                skipped += 1
            else:
                self.say(f"no {kind} event{f' with {text!r}' if text else ''} before the end "
                         f"of the cycle ({skipped} steps)", "bold")
        except KeyboardInterrupt:
            self.say(f"interrupted at step {self.cycle.steps}", "bold")
        self._after()

    def _break_labels(self) -> dict[str, str]:
        """event label -> breakpoint name, as of now (a map: its hmap and bucket arrays;
        a Swiss map: its header, directory, tables and groups arrays, old ones an
        iterator holds included)."""
        out: dict[str, str] = {}
        for name, obj in self.breakpoints.items():
            if isinstance(obj, str):  # a global with no object (yet)
                out[f"global {obj}"] = name
                continue
            out[obj.label] = name
            for part in self._map_parts(obj):
                out[part.label] = name
            if name in self.heap.globals:
                out[f"global {name}"] = name
        return out

    def _map_parts(self, obj: Any) -> list[HeapObject]:
        """The allocations of a map besides its header ([] for anything else)."""
        from gcemu.gomap import Map
        from gcemu.swissmap import GroupsArray, SwissMap

        if type(obj) is Map:
            return [a for a in (obj.buckets_obj, obj.oldbuckets_obj) if a is not None]
        if type(obj) is not SwissMap:
            return []
        parts: list[HeapObject] = [] if obj.dirPtr is None else [obj.dirPtr]
        for o in self.heap.objects.values():
            if type(o) is GroupsArray and o.hmap is obj:
                parts.append(o)
                if o.table is not None:
                    parts.append(o.table)
        return parts

    @staticmethod
    def _touches(e: Event, labels: dict[str, str]) -> str | None:
        for attr in ("obj", "array", "root"):
            v = getattr(e, attr, None)
            if v is not None and v in labels:
                return labels[v]
        return None

    def do_continue(self, rest: str) -> None:
        if rest:
            raise StepperError("continue takes no arguments")
        if self._over():
            return
        labels = self._break_labels()
        steps0, hit = self.cycle.steps, None
        try:
            while not self.cycle.done:
                events = self._step()
                for e in events:
                    hit = self._touches(e, labels)
                    if hit:
                        break
                if hit:
                    ran = self.cycle.steps - steps0
                    self.say(f"breakpoint {hit} at step {self.cycle.steps} "
                             f"({ran} step{'s' if ran != 1 else ''})", "bold red")
                    self.show_events(events)
                    self._after()
                    return
        except KeyboardInterrupt:
            self.say(f"interrupted at step {self.cycle.steps}", "bold")
            return
        self.say(f"ran {self.cycle.steps - steps0} steps to the end of the cycle", "dim")
        self._after()

    def do_break(self, rest: str) -> None:
        if not rest:
            if not self.breakpoints:
                self.say("no breakpoints (break NAME)")
            for name, obj in self.breakpoints.items():
                self.say(f"  {name}: {obj if isinstance(obj, str) else self.who(obj)}")
            return
        for name in rest.split():
            try:
                self.breakpoints[name] = self.resolve(name)
            except StepperError:
                if name not in self.heap.globals:
                    raise
                self.breakpoints[name] = name
            self.say(f"breakpoint on {name}")

    def do_unbreak(self, rest: str) -> None:
        if rest == "all":
            self.breakpoints.clear()
            return
        if rest not in self.breakpoints:
            raise StepperError(f"no breakpoint on {rest!r}")
        del self.breakpoints[rest]

    def do_history(self, rest: str) -> None:
        try:
            n = int(rest) if rest else 20
        except ValueError:
            raise StepperError(f"history takes a number of events, got {rest!r}") from None
        self.show_events(self.cycle.history[-n:] if n > 0 else [], limit=max(n, 1))

    # inspection ----------------------------------------------------------------------------
    def do_show(self, rest: str) -> None:
        words = rest.split()
        what = words[0] if words else ""
        if what == "":
            self.show_status()
        elif what == "map":
            self.show_map(self.resolve_map(words[1] if len(words) > 1 else None))
        elif what in ("bucket", "oldbucket"):
            if len(words) == 2:
                m, n = self.resolve_map(None), words[1]
            elif len(words) == 3:
                m, n = self.resolve_map(words[1]), words[2]
            else:
                raise StepperError(f"usage: show {what} [MAP] N")
            self.show_bucket(m, _number(n, "bucket"), old=what == "oldbucket")
        elif what in ("table", "group"):
            self._show_swiss(what, words[1:])
        elif what == "object":
            if len(words) != 2:
                raise StepperError("usage: show object NAME")
            self.show_object(self.resolve(words[1]))
        else:
            raise StepperError("show what? show, show map [MAP], show bucket [MAP] N, "
                               "show oldbucket [MAP] N, show table [MAP] N, "
                               "show group [MAP] [T] G, show object NAME")

    def show_status(self) -> None:
        c, h = self.cycle, self.heap
        self.say(f"model {h.model.name}: {h.model.summary}")
        self.say(f"cycle {c.number}: phase {c.phase}, {c.steps} steps, "
                 f"{len(c.history)} events")
        for m in h.maps:
            if not m.freed:
                self.say(f"  {self.who(m)} {m.type.name}: {m.describe()}")
        named = [(n, o) for n, o in self.names().items() if isinstance(o, HeapObject)]
        if named:
            self.say("  " + ", ".join(f"{n}={self.colour(o)}" for n, o in named[:24])
                     + (" ..." if len(named) > 24 else ""))
        if self.breakpoints:
            self.say("  breakpoints: " + ", ".join(self.breakpoints))

    def _slot_text(self, m, v: Any, role: str) -> tuple[str, str]:
        """(text, style) of a key or elem slot value."""
        from gcemu.gomap import ClearedString, Indirect

        if v is None:
            return "nil" if role == "elem" else "-", "dim"
        if isinstance(v, ClearedString):
            return repr(v), "dim"
        if isinstance(v, Indirect):
            inner = v.value
            return f"{v.label} -> {inner!r}", ""
        if isinstance(v, HeapObject):
            col = self.colour(v)
            return f"{self.who(v)} {col}", {"grey": "bold", "black": "bold", "freed": "dim",
                                             "white": ""}.get(col, "")
        t = m.layout.key if role == "key" else m.layout.elem
        with contextlib.suppress(Exception):  # a display fallback: the raw value
            v = t.to_python(v)
        return repr(v), ""

    def _slot_rows(self, table, m, name: str, holder, full: bool) -> int:
        """The rows of one bucket or group: its slots (``full``: all 8; else those
        holding something or not empty). Returns how many."""
        from gcemu.cli import cell
        from gcemu.gc.scan import slot_state
        from gcemu.gomap import ClearedString
        from gcemu.swissmap import Group

        group = type(holder) is Group
        ctrl = holder.ctrl if group else holder.tophash
        rows = 0
        for i in range(8):
            t = ctrl[i]
            k, e = holder.keys[i], holder.elems[i]
            state = slot_state(holder.owner, t)
            # an empty slot holding no pointer is of no interest to the GC
            if not full and state in ("emptyRest", "empty") and e is None and \
                    (k is None or isinstance(k, ClearedString)):
                continue
            kt, ks = self._slot_text(m, k, "key")
            et, es = self._slot_text(m, e, "elem")
            stale = state != "full" and any((*m.key_pointers(k), *m.elem_pointers(e)))
            style = "red" if stale else ""
            byte = f"{t:02x}" if group else str(t)
            table.add_row(cell(name), cell(i), cell(f"{byte} {state}"), cell(visible(kt), ks),
                          cell(visible(et), es), style=style)
            rows += 1
        return rows

    def _chain_rows(self, table, m, label: str, b, full: bool) -> int:
        rows = 0
        for pos, c in enumerate(b.chain()):
            rows += self._slot_rows(table, m, label + (f" overflow {pos}" if pos else ""), c,
                                    full)
        return rows

    def _slots_table(self, title: str, unit: str, ctrl: str):
        from rich.table import Table

        table = Table(title=title, title_justify="left")
        for col in (unit, "slot", ctrl, "key", "elem"):
            table.add_column(col)
        return table

    def show_map(self, m) -> None:
        from gcemu.swissmap import SwissMap

        self.say(f"{self.who(m)} {m.type.name} ({self.colour(m)}): {m.describe()}", "bold")
        if type(m) is SwissMap:
            self._show_swiss_map(m)
            return
        arrays = [("bucket", m.buckets_obj, 1 << m.B)]
        if m.oldbuckets_obj is not None:
            arrays.append(("oldbucket", m.oldbuckets_obj, m.noldbuckets()))
        shown = 0
        for prefix, arr, n in arrays:
            if arr is None:
                self.say("  no bucket array yet (B=0, nothing inserted)")
                continue
            table = self._slots_table(f"{prefix}s: {arr.label}, {n} buckets, {arr.size:,} B, "
                                      f"{self.colour(arr)}", "bucket", "tophash")
            empty = 0
            for j in range(n):
                if shown >= 16:
                    break
                rows = self._chain_rows(table, m, f"{prefix} {j}", arr.buckets[j], full=False)
                if rows:
                    shown += 1
                else:
                    empty += 1
            self.out.print(table)
            rest = n - shown - empty
            if empty:
                self.say(f"  {empty} bucket(s) with nothing in them not listed", "dim")
            if rest > 0:
                where = f"{m.name} N" if m.name else "N"
                self.say(f"  {rest} more bucket(s) not listed: show {prefix} {where}", "dim")

    def _swiss_storage(self, m) -> list[tuple[str, Any]]:
        """(title, groups array) of a Swiss map: its small group or each table, then
        the old storage its live iterators still hold."""
        from gcemu.swissmap import SwissIter

        if m.dirPtr is None:
            return []
        if m.dirLen == 0:
            out = [("small group", m.dirPtr)]
        else:
            out = [(f"table {t.index}: {t.label}, localDepth {t.localDepth}, capacity "
                    f"{t.capacity}, used {t.used}, growthLeft {t.growthLeft}, tombstones "
                    f"{t.tombstones()}", t.groups_obj) for t in m.tables]
        held = [f.group.owner for st in self.heap.stacks for f in st.frames
                if isinstance(f, SwissIter) and f.m is m and f.group is not None]
        for arr in dict.fromkeys(held):
            if not arr.current():
                what = f"old {arr.table.label}" if arr.table else "old small group"
                out.append((f"{what} (replaced; an iterator holds it)", arr))
        return out

    def _show_swiss_map(self, m) -> None:
        """At most 4 tables (and the old storage iterators hold), 16 groups each."""
        storage = self._swiss_storage(m)
        if not storage:
            self.say("  no group yet (nothing inserted)")
        where = f"{m.name} " if m.name else ""
        listed = 0
        for title, arr in storage:
            if arr.current():
                listed += 1
                if listed > 4:
                    continue
            n = len(arr.groups)
            table = self._slots_table(f"{title}; {arr.label}, {n} group{'s' * (n != 1)}, "
                                      f"{arr.size:,} B, {self.colour(arr)}", "group", "ctrl")
            shown = empty = 0
            for g in arr.groups:
                if shown == 16:
                    break
                if self._slot_rows(table, m, bucket_name_of(g), g, full=False):
                    shown += 1
                else:
                    empty += 1
            self.out.print(table)
            if empty:
                self.say(f"  {empty} group(s) with nothing in them not listed", "dim")
            if shown + empty < n:
                how = f": show table {where}N" if arr.current() and arr.table else ""
                self.say(f"  {n - shown - empty} more group(s) not listed{how}", "dim")
        if listed > 4:
            self.say(f"  {listed - 4} more table(s) not listed: show table {where}N", "dim")

    def _show_swiss(self, what: str, args: list[str]) -> None:
        """``show table [MAP] N`` and ``show group [MAP] [T] G``."""
        from gcemu.swissmap import SwissMap

        if args and not args[0].lstrip("-").isdigit():
            m, args = self.resolve_map(args[0]), args[1:]
        else:
            m = self.resolve_map(None)
        if type(m) is not SwissMap:
            raise StepperError(f"{self.who(m)} is a classic map (buckets, not tables): show "
                               f"bucket [MAP] N, show oldbucket [MAP] N")
        nums = [_number(a, what) for a in args]
        if what == "table":
            if len(nums) != 1:
                raise StepperError("usage: show table [MAP] N")
            self.show_table(m, nums[0])
        elif (len(nums) == 1 and m.dirLen == 0) or (len(nums) == 2 and m.dirLen > 0):
            self.show_group(m, *nums)
        else:
            raise StepperError("usage: show group [MAP] T G (show group [MAP] 0 for a small "
                               "map's group)")

    def _table_at(self, m, n: int):
        if not 0 <= n < m.dirLen:
            entries = f"{m.dirLen} directory entr{'y' if m.dirLen == 1 else 'ies'}"
            raise StepperError(f"{self.who(m)} has {entries}; no {n}"
                               + (" (a small map: show group 0)" if m.dirLen == 0 else ""))
        return m.directory[n]

    def show_table(self, m, n: int) -> None:
        t = self._table_at(m, n)
        arr = t.groups_obj
        table = self._slots_table(
            f"table {t.index} of {self.who(m)} ({t.label}, directory entries {t.index}-"
            f"{t.index + (1 << (m.globalDepth - t.localDepth)) - 1}): localDepth "
            f"{t.localDepth}, capacity {t.capacity}, used {t.used}, growthLeft {t.growthLeft}, "
            f"tombstones {t.tombstones()}; {arr.label}, {self.colour(arr)}", "group", "ctrl")
        empty = sum(not self._slot_rows(table, m, bucket_name_of(g), g, full=False)
                    for g in arr.groups)
        self.out.print(table)
        if empty:
            self.say(f"  {empty} group(s) with nothing in them not listed", "dim")

    def show_group(self, m, *nums: int) -> None:
        if m.dirLen == 0:
            if m.dirPtr is None or nums[0] != 0:
                raise StepperError(f"{self.who(m)} is a small map"
                                   + (" with no group yet" if m.dirPtr is None else
                                      ": its only group is 0"))
            arr, j = m.dirPtr, 0
        else:
            arr, j = self._table_at(m, nums[0]).groups_obj, nums[1]
            if not 0 <= j < len(arr.groups):
                raise StepperError(f"table {nums[0]} has {len(arr.groups)} groups; no {j}")
        g = arr.groups[j]
        name = bucket_name_of(g)
        table = self._slots_table(f"{name} of {self.who(m)} ({arr.label}, "
                                  f"{self.colour(arr)})", "group", "ctrl")
        self._slot_rows(table, m, name, g, full=True)
        self.out.print(table)

    def show_bucket(self, m, j: int, old: bool = False) -> None:
        from gcemu.swissmap import SwissMap

        if type(m) is SwissMap:
            raise StepperError(f"{self.who(m)} is a Swiss map (tables and groups, no "
                               f"buckets): show table [MAP] N, show group [MAP] [T] G")
        arr = m.oldbuckets_obj if old else m.buckets_obj
        n = (m.noldbuckets() if m.growing() else 0) if old else (1 << m.B if arr else 0)
        if arr is None or not 0 <= j < n:
            what = "old buckets" if old else "buckets"
            raise StepperError(f"{self.who(m)} has {n} {what}; no {j}")
        prefix = "oldbucket" if old else "bucket"
        table = self._slots_table(f"{prefix} {j} of {self.who(m)} ({arr.label}, "
                                  f"{self.colour(arr)})", "bucket", "tophash")
        self._chain_rows(table, m, f"{prefix} {j}", arr.buckets[j], full=True)
        self.out.print(table)

    def show_object(self, obj: Any) -> None:
        from gcemu.gomap import BucketArray
        from gcemu.mapfront import MapFront
        from gcemu.swissmap import Directory, GroupsArray, Table

        self.say(f"{self.who(obj)}: {obj.size} B, {self.colour(obj)}"
                 + (f", freed by cycle {obj.freed}" if obj.freed else ""), "bold")
        if isinstance(obj, MapFront):
            self.say(f"  {obj.type.name}: {obj.describe()}")
        elif isinstance(obj, BucketArray):
            self.say(f"  {obj.role} of {self.who(obj.hmap)}: {len(obj.buckets)} buckets")
        elif isinstance(obj, GroupsArray):
            what = "the small group" if obj.table is None else f"the groups of {obj.table.label}"
            old = "" if obj.current() else " (replaced: old storage)"
            n = len(obj.groups)
            self.say(f"  {what} of {self.who(obj.hmap)}{old}: {n} group{'s' * (n != 1)}")
        elif isinstance(obj, Table):
            self.say(f"  index {obj.index}, localDepth {obj.localDepth}, capacity "
                     f"{obj.capacity}, used {obj.used}, growthLeft {obj.growthLeft}, "
                     f"tombstones {obj.tombstones()}")
        elif isinstance(obj, Directory):
            n = len(obj.tables)
            self.say(f"  {n} entr{'y' if n == 1 else 'ies'}: "
                     + " ".join(t.label for t in obj.tables[:16])
                     + (" ..." if len(obj.tables) > 16 else ""))
        elif isinstance(obj, Object):
            self.say(f"  type {obj.type.name}")
            fields = obj.type.fields if obj.type.kind == "struct" else None
            for f in fields or ():
                v = obj[f.name]
                text = self.who(v) if isinstance(v, HeapObject) else repr(v)
                if isinstance(v, (bytes, bytearray, list, tuple)) and len(v) > 8:
                    text = f"[{len(v)} elements]"
                self.say(f"  .{f.name} = {text}")
        refs = [e for e in self.cycle.history if getattr(e, "obj", None) == obj.label]
        for e in refs[-6:]:
            self.say(f"  {e.step:>5}  {e}", EVENT_STYLES.get(e.kind, ""))

    def do_why(self, rest: str) -> None:
        if not rest or len(rest.split()) != 1:
            raise StepperError("usage: why NAME")
        obj = self.resolve(rest)
        c = self.cycle
        if c.done:
            rep = c.report
            reason = rep.reason(obj)
            self.say(f"{self.who(obj)}: " + (f"kept by cycle {c.number}, reason {reason}"
                                             if reason else f"collected (cycle {obj.freed})"),
                     "bold")
            path = rep.why(obj)
            for line in str(path).splitlines():
                self.say(f"  {line}")
            if path.hops:
                what = "ctrl" if self.heap.model.map == "swiss" else "tophash"
                for name, row in rep.path_buckets(obj):
                    self.say(f"  {name} {what}: {row}", "dim")
            return
        if obj.freed:
            self.say(f"{self.who(obj)} was freed by cycle {obj.freed}", "bold")
            return
        col = c.color(obj)
        self.say(f"{self.who(obj)} is {col} (cycle {c.number}, {c.phase}, step {c.steps})",
                 "bold")
        first = next((e for e in c.history if getattr(e, "obj", None) == obj.owner.label
                      and e.kind in ("shade", "barrier", "alloc-black")), None)
        if first is not None:
            self.say(f"  since step {first.step}: {first}")
        elif col == "white":
            self.say("  the marker has not reached it yet")
        self._why_now(obj)

    def _why_now(self, obj: HeapObject) -> None:
        """The path from a root as the heap is now (what the next mark termination
        would find if the mutator stopped)."""
        from gcemu.gc.analysis import Reachability
        from gcemu.gc.scan import describe_edge

        reach = Reachability(self.heap)
        path = reach.path(obj)
        if not path:
            if self.cycle.marked(obj):
                self.say("  no root reaches it now, but it is marked: this cycle keeps it "
                         "(floating garbage), the next one frees it")
            else:
                self.say("  no root reaches it now: unless a write barrier shades it, this "
                         "cycle frees it")
            return
        self.say(f"  reachable now ({reach.reason.get(obj.owner)}):")
        for src, edge, dst in path:
            text = describe_edge(edge)
            if src is None:
                self.say(f"    {text} -> {self.who(dst)}")
            else:
                self.say(f"    {self.who(src)} -> {text} -> {self.who(dst)}")

    def print_report(self) -> None:
        from gcemu.cli import objects_table, stale_table

        rep = self.cycle.report
        if rep is None:
            raise StepperError("the cycle is not over yet: `continue` finishes it")
        for t in (objects_table(rep, names=self.names()), stale_table(rep)):
            if t is not None:
                self.out.print(t)
        b = rep.bytes
        self.say(f"cycle {rep.cycle} over: freed {len(self.cycle.freed)} allocations "
                 f"({b['freed']:,} B)")

    def do_report(self, rest: str) -> None:
        self.print_report()

    # mutator ---------------------------------------------------------------------------------
    def _mutate(self, what: str, op: Callable[[], None]) -> None:
        before = len(self.cycle.history)
        op()
        new = self.cycle.history[before:]
        note = "" if self.heap.marking else " (no GC cycle running: no write barrier)"
        self.say(f"{what}{note}", "bold magenta")
        self.show_events(e for e in new if e.kind != "mutation")

    def _value(self, text: str) -> Any:
        if text in ("nil", "None"):
            return None
        names = self.names()
        if text in names:
            return names[text]
        if text.isidentifier():
            raise StepperError(f"no object named {text!r} (a value is a name, nil, or a "
                               f"literal)")
        return literal(text, "value")

    def do_delete(self, rest: str) -> None:
        mname, *tail = rest.split(None, 1) or [""]
        key_text = tail[0] if tail else ""
        if not mname or not key_text.strip():
            raise StepperError(f"usage: {COMMANDS['delete'].usage}")
        m = self.resolve_map(mname)
        key = literal(key_text)
        present = key in m
        self._mutate(f"delete({mname}, {key!r})" + ("" if present else ": no such key (a "
                                                     "no-op, as in Go)"),
                     lambda: m.__delitem__(key))

    def do_assign(self, rest: str) -> None:
        mname, *tail = rest.split(None, 1) or [""]
        parts = (tail[0] if tail else "").strip().rsplit(None, 1)
        if not mname or len(parts) != 2:
            raise StepperError(f"usage: {COMMANDS['assign'].usage}")
        m = self.resolve_map(mname)
        key = literal(parts[0])
        value = self._value(parts[1])

        def op() -> None:
            m[key] = value

        self._mutate(f"{mname}[{key!r}] = {parts[1]}", op)

    def do_set(self, rest: str) -> None:
        words = rest.split()
        if len(words) != 2:
            raise StepperError(f"usage: {COMMANDS['set'].usage}")
        value = self._value(words[1])
        self._mutate(f"{words[0]} = {words[1]}", lambda: self.heap.set_global(words[0], value))

    def do_drop(self, rest: str) -> None:
        if not rest or len(rest.split()) != 1:
            raise StepperError(f"usage: {COMMANDS['drop'].usage}")
        if rest not in self.heap.globals:
            known = ", ".join(self.heap.globals) or "none"
            raise StepperError(f"no global {rest!r} (globals: {known})")
        self._mutate(f"{rest} = nil", lambda: self.heap.set_global(rest, None))

    def do_new(self, rest: str) -> None:
        words = rest.split()
        if len(words) != 2:
            raise StepperError(f"usage: {COMMANDS['new'].usage}")
        tname, name = words
        made: list[Any] = []
        self._mutate(f"{name} = new({tname})",
                     lambda: made.append(self.heap.new(tname, name=name)))
        self.say(f"  {self.who(made[0])}: unreachable until you `assign` or `set` it", "dim")

    # the rest ----------------------------------------------------------------------------------
    def do_render(self, rest: str) -> None:
        from gcemu.render import render, write_player

        words = rest.split()
        if not words:
            raise StepperError(f"usage: {COMMANDS['render'].usage}")
        path = Path(words[0])
        focus = [self.resolve(n) for n in words[1:]]
        if path.suffix.lower() == ".html":
            if not self.cycle.done:
                raise StepperError("the stepping player shows a whole cycle: `continue` to "
                                   "its end first (or render .svg/.png/.dot of this step)")
            written = write_player(self.rec, path, focus=focus)
        else:
            written = render(self.cycle, path, focus=focus)
        self.say(f"wrote {written}")

    def do_gc(self, rest: str) -> None:
        if not self.cycle.done:
            raise StepperError(f"cycle {self.cycle.number} is still running: `continue` "
                               f"finishes it")
        self.rec = self._Recording(self.heap)
        self._reported = False
        self.say(f"cycle {self.cycle.number} started (phase mark)")

    def do_help(self, rest: str) -> None:
        if rest:
            name = ALIASES.get(rest, rest)
            cmd = COMMANDS.get(name)
            if cmd is None:
                raise StepperError(f"no command {rest!r}")
            self.say(cmd.usage, "bold")
            self.say(f"  {cmd.help}")
            aliases = [a for a, n in ALIASES.items() if n == name]
            if aliases:
                self.say(f"  also: {', '.join(aliases)}")
            return
        from rich.table import Table

        from gcemu.cli import cell

        groups = (("Stepping (a step is one root, one object or one bucket slot)", "step"),
                  ("Mutator operations between steps (write barrier on while marking)",
                   "delete"),
                  ("Other", "render"))
        starts = {first: title for title, first in groups}
        table = None
        for c in COMMANDS.values():
            if c.name in starts:
                if table is not None:
                    self.out.print(table)
                table = Table.grid(padding=(0, 2))
                table.add_column(no_wrap=True, style="bold")
                table.add_column()
                self.say(starts[c.name] + ":", "underline")
            table.add_row(cell(c.usage), cell(c.help))
        self.out.print(table)
        self.say("Short forms: " + ", ".join(f"{a}={n}" for a, n in ALIASES.items()), "dim")

    # completion ------------------------------------------------------------------------------
    def candidates(self, words: list[str], index: int) -> list[str]:
        """Completion words for word ``index`` of a command line split into ``words``."""
        if index == 0:
            return list(COMMANDS)
        cmd = ALIASES.get(words[0], words[0])
        names = [n for n in self.names() if n.isprintable() and " " not in n]
        maps = [m.name for m in self.heap.maps if m.name and not m.freed]
        if cmd == "next" and index == 1:
            return list(EVENT_KINDS)
        if cmd == "show":
            if index == 1:
                return ["map", "bucket", "oldbucket", "table", "group", "object"]
            if index == 2:
                return maps if words[1] in ("map", "bucket", "oldbucket", "table",
                                            "group") else names
        if cmd in ("break", "why"):
            return names
        if cmd == "unbreak":
            return [*self.breakpoints, "all"]
        if cmd in ("drop", "set") and index == 1:
            return list(self.heap.globals)
        if cmd == "set" and index == 2:
            return [*names, "nil"]
        if cmd in ("delete", "assign"):
            if index == 1:
                return maps
            if index == 2 and len(words) > 1:
                return self._keys(words[1])
            if cmd == "assign" and index == 3:
                return [*names, "nil"]
        if cmd == "help" and index == 1:
            return list(COMMANDS)
        if cmd == "new" and index == 1:
            return [t for t in self._type_names()]
        return []

    def _keys(self, mname: str, limit: int = 200) -> list[str]:
        """The keys of a map as literals, read from its buckets or groups (not by
        ranging over it, which would set iterator flags and be a mutator operation)."""
        from gcemu.gc.scan import slot_state
        from gcemu.gomap import Indirect

        m = self.names().get(mname)
        out: list[str] = []
        for holder in self._holders(m):
            ctrl = getattr(holder, "ctrl", None) or holder.tophash
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

    def _holders(self, m: Any) -> Iterator[Any]:
        """The buckets (main, overflow and old) or groups of the storage a map uses."""
        from gcemu.gomap import Map
        from gcemu.swissmap import SwissMap

        if type(m) is SwissMap:
            for _, arr in self._swiss_storage(m):
                if arr.current():
                    yield from arr.groups
        elif type(m) is Map and m.buckets_obj is not None:
            arrays = [(m.buckets_obj, 1 << m.B)]
            if m.oldbuckets_obj is not None:
                arrays.append((m.oldbuckets_obj, m.noldbuckets()))
            for arr, n in arrays:
                for j in range(n):
                    yield from arr.buckets[j].chain()

    def _type_names(self) -> list[str]:
        declared = getattr(self.heap.types, "named", None) or getattr(self.heap.types,
                                                                      "types", None)
        return sorted(n for n in (declared or {}) if isinstance(n, str))


# -- the loops -------------------------------------------------------------------------------------
def _banner(stepper: Stepper, source: str) -> None:
    c = stepper.cycle
    stepper.say(f"gcemu step {source}: model {stepper.heap.model.name}, cycle {c.number} "
                f"(phase {c.phase}, step {c.steps}). Type help for the commands.", "bold")


def _completer(stepper: Stepper):
    from prompt_toolkit.completion import Completer, WordCompleter
    from prompt_toolkit.document import Document

    class StepperCompleter(Completer):
        """Commands first; then names, map keys, event kinds as the command wants."""

        def get_completions(self, document: Document, complete_event):
            text = document.text_before_cursor
            words = text.split()
            index = len(words) if (not words or text.endswith(" ")) else len(words) - 1
            words_for = WordCompleter(stepper.candidates(words, index), WORD=True,
                                      sentence=False)
            yield from words_for.get_completions(document, complete_event)

    return StepperCompleter()


def interactive_loop(stepper: Stepper, history_file: str | None = None) -> int:
    """The terminal loop: prompt_toolkit's PromptSession with history and completion."""
    try:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import FileHistory, InMemoryHistory
    except ImportError:  # pragma: no cover - prompt_toolkit is a dependency
        return line_loop(stepper, sys.stdin, echo=False, interactive=True)
    history = FileHistory(history_file) if history_file else InMemoryHistory()
    session = PromptSession(history=history, completer=_completer(stepper),
                            complete_while_typing=False)
    while True:
        try:
            line = session.prompt(stepper.prompt())
        except KeyboardInterrupt:
            continue
        except EOFError:
            return 0
        try:
            if not stepper.execute(line):
                return 0
        except GcemuError as e:
            stepper.say(f"error: {e}", "bold red")


def line_loop(stepper: Stepper, stream: Any, echo: bool = True, interactive: bool = False,
              source: str = "<stdin>", prompt_to: Any = None) -> int:
    """Commands one per line (a pipe, a file, a list of lines): each is echoed after
    the prompt; a failing command is one line on stderr naming its line, and the
    status is 2 if any failed. ``prompt_to``: a stream to write the prompt to before
    each line is read (a terminal whose output goes elsewhere)."""
    failed = 0
    lines = iter(stream) if not hasattr(stream, "readline") else None
    n = 0
    while True:
        if prompt_to is not None:
            prompt_to.write(stepper.prompt())
            prompt_to.flush()
        try:
            raw = next(lines) if lines is not None else stream.readline()
        except StopIteration:
            break
        except KeyboardInterrupt:
            return 130
        if not raw:
            break
        n += 1
        line = raw.rstrip("\r\n")
        if echo:
            stepper.say(stepper.prompt() + line, "dim")
        try:
            if not stepper.execute(line):
                break
        except GcemuError as e:
            failed += 1
            msg = " ".join(str(e).split())
            if interactive:
                stepper.say(f"error: {msg}", "bold red")
            else:
                sys.stdout.flush()
                print(f"gcemu: error: {source}:{n}: {msg}", file=sys.stderr, flush=True)
    return 2 if failed else 0


def run_stepper(scn, model: str, seed: int = 0, history_file: str | None = None) -> int:
    """``gcemu step``: the scenario's heap, then a cycle stepped from the terminal
    (prompt_toolkit) or from the lines of a pipe. With a terminal for input but not
    for output (``gcemu step x.py | tee log``), lines are read plainly and the prompt
    goes to stderr."""
    from rich.console import Console

    from gcemu.scenario import prepare

    heap = prepare(scn, model, seed)
    out = Console(highlight=False)
    stepper = Stepper(heap, out, source=str(scn.path))
    _banner(stepper, str(scn.path))
    if sys.stdin.isatty() and sys.stdout.isatty():
        return interactive_loop(stepper, history_file)
    prompt_to = sys.stderr if sys.stdin.isatty() and sys.stderr.isatty() else None
    return line_loop(stepper, sys.stdin, prompt_to=prompt_to)


__all__ = ["ALIASES", "COMMANDS", "Stepper", "StepperError", "interactive_loop", "line_loop",
           "literal", "run_stepper"]
