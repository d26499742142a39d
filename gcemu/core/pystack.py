"""The scenario's Python variables as a goroutine stack, for automatic GC cycles.

Invariant
---------
Go's GC scans every goroutine stack, so a pointer held in a local variable keeps its
object alive. A Python scenario's "stack" is its own Python frames: an object it holds
in a variable (``objs = [h.new("T") for _ in range(n)]``) and has not yet stored into
the heap must survive a cycle that the allocator started on its own (GOGC pacing), or
the scenario would find its handles freed under it. Explicit cycles (``h.collect()``,
``h.gc()``) keep gcemu's documented rule instead: only globals and map iterators are
roots, which is how a test asserts that an object it holds was collected.

Python does not show everything a frame holds: the list a comprehension is building
lives on the interpreter's value stack, out of reach. For an object the scenario made
with ``h.new`` and never stored into the emulated heap (a map, a field, a global:
``Object.linked`` is still False), nothing in the emulated heap can point to it, so
CPython's reference count tells whether Python still holds it: more references than
gcemu's own (`_INTERNAL`, the trace's record of its ``new``, its name) mean held.

Steps (`PythonStack.frames`, run when the cycle scans its stacks)
----------------------------------------------------------------
1. Every object made by ``h.new``, never stored, and still referenced from Python is a
   root, and so is
   every object a root provider names (``heap.root_providers``: a Go program's live
   locals, which `gcemu.gofront` keeps in its own frames, out of this walk's sight),
   and the string data the running operation allocated last and may not have stored
   yet (``heap.fresh_strings``: a key's bytes while its elem is being allocated).
2. Walk the Python call stack from the caller outwards, skipping gcemu's own frames
   (the emulated runtime is not the program).
3. In each remaining frame, read its local variables and its module's globals, and
   look into the containers they hold (lists, tuples, sets, dict values) up to
   `DEPTH` levels, as a conservative stack scan would read words: each heap object
   found, not freed, is a root, and so is the data of each string the heap stored
   (`gcemu.gotypes.GoString`), as a Go local string keeps its bytes.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from gcemu.core.heap import Heap, HeapObject, Object
from gcemu.gotypes import GoString

GCEMU = str(Path(__file__).resolve().parent.parent)
DEPTH = 3  # containers inside containers inside a variable
_CONTAINERS = (list, tuple, set, frozenset)
_SCALARS = frozenset((int, float, str, bytes, bool, type(None)))
# references to a never-stored object that are gcemu's own while this scan looks at it:
# its ``owner`` (itself), ``heap.objects``, the scan's loop variable, getrefcount's argument
_INTERNAL = 4


def _objects(value: Any, depth: int, seen: set[int]) -> Iterator[HeapObject]:
    """The live heap objects in ``value`` and, ``depth`` containers deep, in what it
    holds; a container of scalars only is passed over after one C-speed pass over
    its elements' types, a mixed one costs one type test per scalar."""
    if isinstance(value, HeapObject):
        if not value.freed:
            yield value
        return
    if type(value) is GoString:
        if not value.data.freed:
            yield value.data
        return
    todo = [(value, depth)]
    while todo:
        v, d = todo.pop()
        if d == 0 or id(v) in seen:
            continue
        if isinstance(v, dict):
            items = v.values()
        elif isinstance(v, _CONTAINERS):
            items = v
        else:
            continue
        seen.add(id(v))
        if _SCALARS.issuperset(map(type, items)):  # at C speed: e.g. a list of keys
            continue
        for x in items:
            t = type(x)
            if t in _SCALARS:
                continue
            if isinstance(x, HeapObject):
                if not x.freed:
                    yield x
            elif t is GoString:
                if not x.data.freed:
                    yield x.data
            elif d > 1 and (t is dict or isinstance(x, _CONTAINERS)):
                todo.append((x, d - 1))


class _Variables:
    """One pseudo-frame: every heap object the scenario's Python frames hold."""

    label = "the scenario's Python variables"

    def __init__(self, heap: Heap):
        self.heap = heap

    def pointers(self) -> Iterator[tuple[str, HeapObject]]:
        heap = self.heap
        names, traced = heap.names, heap.trace is not None
        for o in heap.objects.values():  # the marker only shades: nothing is added
            if type(o) is Object and not o.linked and sys.getrefcount(o) > (
                    _INTERNAL + traced + (names.get(o.name) is o)):
                yield "(held, never stored)", o
        for d in heap.fresh_strings:
            if not d.freed:
                yield "(string being stored)", d
        for provider in self.heap.root_providers:
            for name, o in provider():
                if isinstance(o, HeapObject) and not o.freed:
                    yield name, o
        seen: set[int] = set()
        f = sys._getframe(1)
        while f is not None:
            if not f.f_code.co_filename.startswith(GCEMU):
                for scope in (f.f_locals, f.f_globals):
                    if id(scope) in seen:
                        continue
                    seen.add(id(scope))
                    for name, v in list(scope.items()):
                        for o in _objects(v, DEPTH, seen):
                            yield name, o
            f = f.f_back


class PythonStack:
    """A `gcemu.core.roots.Stack`-like root: its one frame is read when scanned."""

    name = "python"

    def __init__(self, heap: Heap):
        self.frames = (_Variables(heap),)


__all__ = ["DEPTH", "PythonStack"]
