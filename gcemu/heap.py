"""The heap: allocations, their handles, the roots, and the one store path.

Invariant
---------
Every allocation the emulated program makes is a `HeapObject` registered in
`Heap.objects` until sweep frees it. A handle is the object itself: it compares by
identity and stays valid (with ``freed`` set) after the object is freed, so a test can
ask a report about a collected object.

Roots are the globals (``var`` declarations: `Heap.set_global`, or ``make_map(...,
name=)``) and the goroutine stacks. The only stack frames gcemu models are the live map
iterators (`gcemu.gomap.Hiter`), which sit on the main goroutine's stack from
``mapiterinit`` until their Python iterator is exhausted or dropped, as leaving a
``range`` loop does.

Pointer stores
--------------
Every heap or global pointer store goes through `Heap.write_barrier` while a cycle is
marking (``heap.marking``), mirroring Go 1.23's hybrid barrier as built
(runtime/mbarrier.go, runtime/mwbbuf.go): the old value and the new value are both
shaded, with no stack-colour check. Bulk clears and copies (``memclrHasPointers``,
``typedmemmove``) shade every pointer of the old and new values. Objects allocated
while marking are allocated black (runtime/malloc.go: ``gcmarknewobject``).

Colours
-------
One state field per object, as in PyPy's incminimark: ``color``. A cycle with epoch
``e`` calls an object white if ``color < 2*e``, grey if ``color == 2*e`` and black if
``color == 2*e + 1``, so starting a cycle never touches every object.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from gcemu.errors import GcemuError
from gcemu.gotypes import GoType, GoTypeError, TypeUniverse
from gcemu.sizeclasses import slot_size

if TYPE_CHECKING:
    from gcemu.gomap import Hiter, Map
    from gcemu.marker import Cycle
    from gcemu.report import Report

M32 = (1 << 32) - 1
M64 = (1 << 64) - 1


class HeapObject:
    """One allocation. ``owner`` is the allocation a pointer to this thing marks:
    itself here; a bucket inside a bucket array has the array as its owner."""

    __slots__ = ("__weakref__", "color", "freed", "id", "name", "noscan", "owner", "size",
                 "type")
    kind = "object"

    def __init__(self, type: GoType | None, size: int, name: str | None = None,
                 noscan: bool = False):
        self.type = type
        self.size = size
        self.name = name
        self.id = 0
        self.color = 0
        self.freed = 0  # the cycle that freed it; 0 while it lives
        self.owner = self
        self.noscan = noscan  # holds no pointers: shading blackens it (greyobject)

    @property
    def label(self) -> str:
        """The id reports use, e.g. ``T#3`` or ``hmap#1``."""
        return f"{self.kind_label()}#{self.id}"

    def kind_label(self) -> str:
        return self.kind

    def pointers(self) -> Iterable[Any]:
        """The pointer values this object holds (what a bitmap scan would find)."""
        return ()

    def __repr__(self) -> str:
        extra = f" {self.name!r}" if self.name else ""
        gone = " freed" if self.freed else ""
        return f"<{self.label}{extra}{gone}>"


class Object(HeapObject):
    """An object made by ``h.new(type)``: a value of a declared Go type.

    Fields of a struct are read and written with ``obj["field"]``; a store of a pointer
    field goes through the write barrier like any compiled Go store.
    """

    __slots__ = ("heap", "value")

    def __init__(self, heap: Heap, type: GoType, value: Any, name: str | None):
        noscan = not type.has_pointers
        HeapObject.__init__(self, type, slot_size(type.size, noscan), name, noscan)
        self.heap = heap
        self.value = value

    def kind_label(self) -> str:
        return self.type.name

    def pointers(self):
        return self.type.pointers(self.value)

    def _field(self, field: str) -> int:
        fields = self.type.fields if self.type.kind == "struct" else None
        if fields:
            for i, f in enumerate(fields):
                if f.name == field:
                    return i
        raise GcemuError(f"type {self.type.name} has no field {field!r}")

    def __getitem__(self, field: str):
        i = self._field(field)
        return self.type.fields[i].type.to_python(self.value[i])

    def __setitem__(self, field: str, value) -> None:
        self.heap.store(self, field, value)


class Stack:
    """A goroutine stack: the frames gcemu models (live map iterators)."""

    __slots__ = ("frames", "name")

    def __init__(self, name: str):
        self.name = name
        self.frames: list[Hiter] = []


class Heap:
    """The emulated Go heap: types, objects, roots, maps and GC cycles.

    Parameters
    ----------
    model : str
        ``"scanmap"`` (the design card's model, default), ``"go"`` (Go 1.21-1.23), or
        ``"go-swiss"`` / ``"go-swiss-1.27"`` (the Swiss tables of Go 1.24+, gcemu.swissmap).
    seed : int
        Seeds every random choice (hash seeds, iterator start, noverflow sampling),
        so a run is reproducible.
    rand : object, optional
        The source of every random draw instead of ``random.Random(seed)``: anything
        with ``getrandbits(n)``. A replay (`gcemu.trace`) passes one that returns the
        draws a real Go run made.
    trace : bool
        Record the mutator operations in ``heap.trace`` (a `gcemu.trace.Trace`, on by
        default), so the run can be saved as JSON lines, replayed, or run on Go.

    Examples
    --------
    >>> import gcemu
    >>> h = gcemu.Heap(model="go")
    >>> _ = h.declare("type T struct { id int; next *T }")
    >>> m = h.make_map("map[string]*T", name="m")
    >>> m["a"] = h.new("T", name="v1")
    >>> len(m), m.B
    (1, 0)
    """

    def __init__(self, model: str = "scanmap", seed: int = 0, rand: Any = None,
                 trace: bool = True):
        from gcemu.models import get_model
        from gcemu.trace import Trace

        self.model = get_model(model)
        self.seed = seed
        self.rand = random.Random(seed) if rand is None else rand
        self.trace: Trace | None = Trace() if trace else None
        self.types = TypeUniverse()
        self.objects: dict[int, HeapObject] = {}
        self.globals: dict[str, Any] = {}
        self.stacks: list[Stack] = [Stack("main")]
        self.maps: list[Map] = []
        self._next_id = 1
        self.names: dict[str, HeapObject] = {}  # name= -> its handle, freed or not
        self.epoch = 0
        self.cycle: Cycle | None = None
        self.cycles = 0
        self.marking = False
        self.op: str = ""
        self.mutations = 0  # mutator operations run while marking

    # -- randomness (runtime.rand) ------------------------------------------------
    def rand32(self) -> int:
        return self.rand.getrandbits(32)

    def rand64(self) -> int:
        return self.rand.getrandbits(64)

    # -- types --------------------------------------------------------------------
    def declare(self, text: str) -> list[GoType]:
        """Declare Go types: ``h.declare("type T struct { id int; next *T }")``."""
        declared = self.types.declare(text)
        if self.trace is not None:
            self.trace.declare(text)
        return declared

    def type(self, text: str | GoType) -> GoType:
        """Parse a Go type expression (or pass a GoType through)."""
        return self.types.parse(text)

    # -- allocation ---------------------------------------------------------------
    def allocate(self, obj: HeapObject) -> HeapObject:
        """Register a new allocation; allocate-black while marking (mallocgc)."""
        obj.id = self._next_id
        self._next_id += 1
        self.objects[obj.id] = obj
        if self.marking:
            self.cycle.allocate_black(obj)
        return obj

    def new(self, type: str | GoType, name: str | None = None, value: Any = None) -> Object:
        """``new(T)``: allocate a zeroed (or given) value of a Go type.

        ``name`` only labels the object for reports and pictures; it is not a root.
        A struct value is given as a dict of its fields; missing fields are zero.
        """
        t = self.types.parse(type)
        v = t.zero() if value is None else t.convert(value, what=f"value of new({t.name})")
        if self.marking:
            self.mutator_op(f"new({t.name})" + (f" {name}" if name else ""))
        obj = Object(self, t, v, name)
        self.allocate(obj)
        if name is not None:
            self.names.setdefault(name, obj)
        if value is not None and self.marking:
            self.shade_value(t, v)
        t = self.trace
        if t is not None:  # gcemu.trace: NEW (obj) or NEWV (obj, name, value)
            if name is None and value is None:
                t.codes.append(15)
                t.args.append(obj)
            else:
                t.new(obj, name, None if value is None else v)
        return obj

    def make_map(
        self,
        type: str | GoType,
        hint: int = 0,
        name: str | None = None,
        hash: Callable[[Any, int], int] | None = None,
    ) -> Map:
        """``make(map[K]V, hint)``; ``name=`` also declares a global holding the map.

        ``hash(key, seed) -> int`` overrides the 64-bit hash of a key.
        """
        if self.model.map == "swiss":
            from gcemu.swissmap import SwissMap as Map
        else:
            from gcemu.gomap import Map

        t = self.type(type)
        if t.kind != "map":
            raise GcemuError(f"make_map needs a map type, got {t.name}")
        m = Map.make(self, t, hint, name, hash)
        self.maps.append(m)
        if name is not None:
            self.names.setdefault(name, m)
        if self.trace is not None:
            self.trace.make(m, hint, name, hash is not None)
        if name is not None:
            self.set_global(name, m)
        return m

    # -- roots ----------------------------------------------------------------------
    def set_global(self, name: str, value: Any) -> None:
        """Bind (or, with None, unbind) a global pointer variable: a root."""
        if not isinstance(name, str) or not name:
            raise GcemuError(f"a global needs a non-empty string name, got {name!r}")
        if value is not None and not isinstance(value, HeapObject):
            raise GcemuError(f"global {name}: {value!r} is not a heap object handle")
        if value is not None and value.freed:
            raise GcemuError(f"global {name}: {value.label} was freed by an earlier cycle")
        old = self.globals.get(name)
        if self.marking:
            self.mutator_op(f"set_global({name!r}, {value!r})")
            self.write_barrier(old, value)
        if value is None:
            self.globals.pop(name, None)
        else:
            self.globals[name] = value
        if self.trace is not None:
            self.trace.set_global(name, value)

    def get_global(self, name: str) -> Any:
        return self.globals.get(name)

    def named(self, name: str) -> HeapObject:
        """What the global ``name`` holds, else the first object given ``name=``
        (also after a cycle freed it: handles outlive their objects)."""
        obj = self.globals.get(name) or self.names.get(name)
        if obj is None:
            raise GcemuError(f"no object or global named {name!r}")
        return obj

    @property
    def allocations(self) -> int:
        """Allocations made so far, freed or not (like MemStats.Mallocs)."""
        return self._next_id - 1

    # -- stores -------------------------------------------------------------------
    def store(self, obj: Object, field: str, value: Any) -> None:
        """``obj.field = value``: a compiled store, with the write barrier."""
        if obj.freed:
            raise GcemuError(f"store into {obj.label}, which was freed")
        i = obj._field(field)
        ft = obj.type.fields[i].type
        v = ft.convert(value, what=f"{obj.type.name}.{field}")
        vals = list(obj.value)
        if self.marking and ft.has_pointers:
            self.mutator_op(f"{obj.label}.{field} = {value!r}")
            self.shade_value(ft, vals[i])
            self.shade_value(ft, v)
        vals[i] = v
        obj.value = tuple(vals)
        if self.trace is not None:
            self.trace.store(obj, field, v)

    def write_barrier(self, old: Any, new: Any) -> None:
        """One pointer store while marking: shade the old and the new value."""
        cycle = self.cycle
        if old is not None:
            cycle.barrier_shade(old, self.op)
        if new is not None:
            cycle.barrier_shade(new, self.op)

    def shade_value(self, t: GoType, value: Any) -> None:
        """The bulk barrier over one value of type ``t`` (typedmemmove / memclr)."""
        if value is not None:
            self.shade_pointers(t.pointers(value))

    def shade_pointers(self, pointers: Iterable[Any]) -> None:
        """Shade each pointer, as the barrier buffer's flush does (wbBufFlush1)."""
        shade = self.cycle.barrier_shade
        for p in pointers:
            shade(p, self.op)

    # -- GC -----------------------------------------------------------------------
    def gc(self, record: bool = True) -> Cycle:
        """Start a GC cycle (runtime.gcStart): the phase becomes mark.

        Step it with ``cycle.step()``, finish it with ``cycle.run()``; with ``record``
        every event is kept in ``cycle.history``.
        """
        from gcemu.marker import Cycle

        if self.cycle is not None:
            raise GcemuError("a GC cycle is already running; finish it with cycle.run()")
        if self.trace is not None:
            self.trace.gc_start()
        return Cycle(self, record=record)

    def collect(self) -> Report:
        """One full stop-the-world cycle (runtime.GC): mark, mark termination, sweep."""
        if self.cycle is not None:
            raise GcemuError("a GC cycle is already running; finish it with cycle.run()")
        if self.trace is not None:
            self.trace.gc()
        from gcemu.marker import Cycle

        return Cycle(self, record=False).run()

    def mutator_op(self, text: str) -> None:
        """Name the mutator operation running now (only called while marking)."""
        self.op = text
        self.mutations += 1
        self.cycle.note_mutation(text)

    def to_networkx(self):
        """The traced object graph as a networkx.MultiDiGraph (see gcemu.analysis)."""
        from gcemu.analysis import traced_graph

        return traced_graph(self)

    def _repr_svg_(self) -> str | None:
        """Jupyter shows a heap as its picture (gcemu.render)."""
        from gcemu.render import repr_svg

        return repr_svg(self)

    def roots(self) -> list[tuple[str, Any]]:
        """Every root as (label, pointer value): globals, then each stack frame."""
        out: list[tuple[str, Any]] = [(f"global {k}", v) for k, v in self.globals.items()]
        for st in self.stacks:
            out.extend((f"stack {st.name}: {fr.label}", fr) for fr in st.frames)
        return out

    def bytes_in_use(self) -> int:
        return sum(o.size for o in self.objects.values())


__all__ = ["GoTypeError", "Heap", "HeapObject", "Object", "Stack"]
