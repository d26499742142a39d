"""``gcemu step``'s interpreter: the `Stepper` runs one command line at a time.

The stepper is one more front end of the step loop, `gcemu.sched.Session`: it runs the
session of a `gcemu.render.Recording` (the recording observes it and snapshots the heap
when the mutator ran, so the stepping player can be written at the end; `Breakpoints`
observes it during ``continue``), and shows what each step did from the
events it returns and from ``cycle.history``. It never looks inside the marker: colours
come from ``cycle.color``, reasons and paths from the report (or, while marking, from
`gcemu.gc.analysis.Reachability` over the heap as it is now).

Between steps the mutator may run: ``delete``, ``assign``, ``set``, ``drop`` and
``new`` are map and heap operations, with the write barrier on while the GC marks.
Arguments are parsed, never evaluated: keys and plain values are Python literals read
with `ast.literal_eval` (``delete m "b"``, ``assign n 7 700``), object values are names.

The command language is in `gcemu.ui.stepper.commands`, what ``show`` prints in
`gcemu.ui.stepper.views`, the loops that read the lines in `gcemu.ui.stepper.loop`.

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

import difflib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from rich.table import Table
from rich.text import Text

from gcemu.api import Heap
from gcemu.base.events import EVENT_KINDS, Event
from gcemu.core.heap import HeapObject
from gcemu.gc.analysis import Reachability
from gcemu.gc.scan import describe_edge
from gcemu.maps.front import MapFront
from gcemu.render import Recording, render, write_player
from gcemu.sched import Run, Session
from gcemu.sched.session import INTERRUPTED
from gcemu.ui.scenario import names_of
from gcemu.ui.stepper import views
from gcemu.ui.stepper.commands import (
    ALIASES,
    COMMANDS,
    EVENT_STYLES,
    MAX_EVENT_LINES,
    StepperError,
    literal,
    visible,
)
from gcemu.ui.tables import cell, object_rows, print_rows, print_stale


class Breakpoints:
    """A step-loop observer (`gcemu.sched.Session`) that stops the loop after a step
    whose events touch a breakpoint: an object, a map's allocations, a global."""

    def __init__(self, labels: dict[str, str]):
        self.labels = labels  # event label -> breakpoint name

    def after_step(self, session: Session, events: list[Event]) -> str | None:
        for e in events:
            for attr in ("obj", "array", "root"):
                v = getattr(e, attr, None)
                if v is not None and v in self.labels:
                    return self.labels[v]
        return None


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
        self.heap = heap
        self.out = out
        self.source = source
        self.breakpoints: dict[str, HeapObject | str] = {}
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
        close = difflib.get_close_matches(name, list(names), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise StepperError(f"no object, map or global named {name!r}{hint}")

    def resolve_map(self, name: str | None):
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

    def _run(self, until: Any = None) -> Run:
        """Step through the session (the one step loop, with the recording and any
        breakpoints observing it); say so if Ctrl-C stopped it."""
        run = self.rec.session.run(until)
        if self.cycle.done:
            self._reported = False
        if run.stop == INTERRUPTED:
            self.say(f"interrupted at step {self.cycle.steps}", "bold")
        return run

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
        self.show_events(self._run(self.cycle.steps + n).events)
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
        run = self._run(lambda events: any(e.kind == kind and text in str(e) for e in events))
        if run.stop == "until":
            skipped = run.steps - 1
            if skipped:
                self.say(f"  ({skipped} step{'s' if skipped > 1 else ''} before this one)", "dim")
            self.show_events(run.last)
        elif run.stop is None:
            self.say(f"no {kind} event{f' with {text!r}' if text else ''} before the end "
                     f"of the cycle ({run.steps} steps)", "bold")
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
            for part in views.map_parts(self.heap, obj):
                out[part.label] = name
            if name in self.heap.globals:
                out[f"global {name}"] = name
        return out

    def do_continue(self, rest: str) -> None:
        if rest:
            raise StepperError("continue takes no arguments")
        if self._over():
            return
        breakpoints = Breakpoints(self._break_labels())
        session = self.rec.session
        session.observers.append(breakpoints)
        try:
            run = self._run()
        finally:
            session.observers.remove(breakpoints)
        if run.stop == INTERRUPTED:
            return
        if run.stop is not None:
            self.say(f"breakpoint {run.stop} at step {self.cycle.steps} "
                     f"({run.steps} step{'s' if run.steps != 1 else ''})", "bold red")
            self.show_events(run.events)  # all since the prompt
        else:
            self.say(f"ran {run.steps} steps to the end of the cycle", "dim")
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
            removed = ", ".join(self.breakpoints)
            self.breakpoints.clear()
            self.say(f"removed the breakpoints on {removed}" if removed else
                     "no breakpoints to remove")
            return
        if rest not in self.breakpoints:
            raise StepperError(f"no breakpoint on {rest!r}")
        del self.breakpoints[rest]
        self.say(f"removed the breakpoint on {rest}")

    def do_history(self, rest: str) -> None:
        try:
            n = int(rest) if rest else 20
        except ValueError:
            raise StepperError(f"history takes a number of events, got {rest!r}") from None
        self.show_events(self.cycle.history[-n:] if n > 0 else [], limit=max(n, 1))

    # inspection (gcemu.ui.stepper.views) -------------------------------------------------
    def do_show(self, rest: str) -> None:
        views.show(self, rest)

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
                what = views.KIND_VIEWS[self.heap.model.map].ctrl_name
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
        rep = self.cycle.report
        if rep is None:
            raise StepperError("the cycle is not over yet: `continue` finishes it")
        print_rows(self.out, object_rows(rep, names=self.names()))
        print_stale(self.out, rep, f"gcemu step {self.source or 'SCENARIO'}")
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
        self.rec = Recording(self.heap)
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
                return views.map_keys(self, self.names().get(words[1]))
            if cmd == "assign" and index == 3:
                return [*names, "nil"]
        if cmd == "help" and index == 1:
            return list(COMMANDS)
        if cmd == "new" and index == 1:
            return [t for t in self._type_names()]
        return []

    def _type_names(self) -> list[str]:
        declared = getattr(self.heap.types, "named", None) or getattr(self.heap.types,
                                                                      "types", None)
        return sorted(n for n in (declared or {}) if isinstance(n, str))


__all__ = ["Stepper"]
