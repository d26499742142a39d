"""Where each variable of the program lives, and which ones closures capture.

Invariant: a package-level variable is a slot of the globals list; a local variable
is a slot of its function's frame (a Python list: slot 0 names the function's slots,
slot 1 holds the variables live at the call the frame is making, for the GC roots),
and holds a `Cell` instead of its value when a func literal captures it.
`captured` finds those: the variables a func literal uses but does not declare.
A variable whose address is taken (`escaped`) holds a heap object instead (the
variable moved to the heap); closures share that object as they would share a cell.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def walk(node: Any) -> Iterator[dict]:
    """Every AST node under ``node`` (depth first, in source order)."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, dict):
            if "k" in n:
                yield n
            stack.extend(reversed([v for k, v in n.items() if isinstance(v, dict | list)
                                   and k != "sel"]))
        elif isinstance(n, list):
            stack.extend(reversed(n))


def captured(root: dict, objects: list[dict]) -> set[int]:
    """Object ids of local variables that some func literal uses but does not define."""
    out: set[int] = set()
    for lit in walk(root):
        if lit["k"] != "FuncLit":
            continue
        defined, used = set(), set()
        for n in walk(lit):
            if n["k"] == "Ident":
                if "def" in n:
                    defined.add(n["def"])
                elif "use" in n:
                    o = objects[n["use"]]
                    if o.get("k") == "var" and not o.get("global") and o.get("pkg") == "main":
                        used.add(n["use"])
        out |= used - defined
    return out


def escaped(root: dict, objects: list[dict], types: list[dict]) -> dict[int, dict]:
    """Variables of package main whose address the program takes (``&x``, or a
    pointer-receiver method called on ``x``): object id -> the first node doing so.
    Go's escape analysis moves such a variable to the heap when the pointer outlives
    the call; gcemu moves every one (the pointer is a heap handle), except the
    argument of ``runtime.ReadMemStats(&ms)`` (Go's escape analysis keeps ``ms`` on
    the stack: the runtime only writes it) and sync values (their pointer methods act
    on gcemu's Mutex, RWMutex and WaitGroup objects)."""
    out: dict[int, dict] = {}
    stays: set[int] = set()  # id() of the &x nodes that do not move x
    for n in walk(root):
        x = None
        if n["k"] == "CallExpr" and _callee(n, objects) == "runtime.ReadMemStats":
            stays.update(id(a) for a in n["Args"])  # Go keeps the MemStats on the stack
        if n["k"] == "UnaryExpr" and n["Op"] == "&" and id(n) not in stays:
            x = n["X"]
        elif n["k"] == "SelectorExpr" and n.get("sel", {}).get("kind") == "method":
            full = objects[n["sel"]["obj"]].get("full", "")
            if full.startswith("(*sync."):
                continue  # a sync value is a runtime handle already (gcemu.gofront.gosync)
            if full.startswith("(*") and types[n["X"].get("type", 0)]["k"] != "pointer":
                x = n["X"]
        while x is not None and x["k"] == "ParenExpr":
            x = x["X"]
        if x is not None and x["k"] == "Ident" and "use" in x:
            o = objects[x["use"]]
            if o.get("k") == "var" and o.get("pkg") == "main":
                out.setdefault(x["use"], n)
    return out


def _callee(call: dict, objects: list[dict]) -> str:
    """The full name of a called package function (``runtime.GC``), else ''."""
    fun = call["Fun"]
    if fun["k"] == "SelectorExpr" and "sel" not in fun and "use" in fun["Sel"]:
        return objects[fun["Sel"]["use"]].get("full", "")
    return ""


def pos_key(pos: str) -> tuple[int, int]:
    line, _, col = pos.partition(":")
    return int(line), int(col or 0)


class Frame:
    """The slots of one function (FuncDecl or FuncLit) being compiled."""

    def __init__(self, name: str, parent: Frame | None = None):
        self.name = name
        self.parent = parent
        self.slots: dict[int, int] = {}  # object id -> slot
        self.names: list[str] = ["", ""]
        self.free: list[int] = []  # object ids captured from enclosing frames, in order

    def add(self, obj_id: int, name: str) -> int:
        slot = len(self.names)
        self.slots[obj_id] = slot
        self.names.append(name)
        return slot

    def lookup(self, obj_id: int, name: str) -> int:
        """The slot of ``obj_id``; a variable of an enclosing function becomes a free
        variable of this one (its cell is copied in when the closure is made)."""
        slot = self.slots.get(obj_id)
        if slot is None:
            if self.parent is None:
                raise KeyError(obj_id)
            self.parent.lookup(obj_id, name)
            slot = self.add(obj_id, name)
            self.free.append(obj_id)
        return slot


__all__ = ["Frame", "captured", "escaped", "pos_key", "walk"]
