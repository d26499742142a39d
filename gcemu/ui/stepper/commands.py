"""The stepper's command language: the commands, their short forms, and how their
arguments are read.

Arguments are parsed, never evaluated: keys and plain values are Python literals read
with `ast.literal_eval` (``delete m "b"``, ``assign n 7 700``), numbers with `int`, and
everything the stepper prints of user data goes through `visible` first, so a name or a
key cannot write escape sequences to the terminal.
"""

from __future__ import annotations

import ast
import unicodedata
from dataclasses import dataclass
from typing import Any

from gcemu.base.events import EVENT_KINDS
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


def plural(n: int, word: str, count: bool = True) -> str:
    """``1 bucket``, ``2 buckets`` (``count=False``: the word alone)."""
    w = word if n == 1 else word + "s"
    return f"{n} {w}" if count else w


def number(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise StepperError(f"{what} number {text!r} is not an integer") from None


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
