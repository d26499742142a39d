"""The heap: allocations, their handles, the roots, and the one store path.

Invariant
---------
Every allocation the emulated program makes is a `HeapObject` registered in
`Heap.objects` until sweep frees it. A handle is the object itself: it compares by
identity and stays valid (with ``freed`` set) after the object is freed, so a test can
ask a report about a collected object.

Roots are the globals (``var`` declarations: `Heap.set_global`, or ``make_map(...,
name=)``) and the goroutine stacks (`gcemu.core.roots`). The only stack frames gcemu
models are the live map iterators, which sit on the main goroutine's stack from
``mapiterinit`` until their Python iterator is exhausted or dropped, as leaving a
``range`` loop does.

Layering
--------
This heap knows nothing of maps, the marker, reports, traces or pictures: a running
GC cycle reaches it through the `gcemu.core.collector.Collector` protocol, a trace
recorder through ``heap.trace`` (None here), and the facade `gcemu.api.Heap` adds
``make_map``, ``gc``, ``collect``, ``to_networkx`` and the Jupyter picture on top.

Pointer stores
--------------
Every heap or global pointer store goes through `Heap.write_barrier` while a cycle is
marking (``heap.marking``), mirroring Go 1.23's hybrid barrier as built
(runtime/mbarrier.go, runtime/mwbbuf.go): the old value and the new value are both
shaded, with no stack-colour check. Bulk clears and copies (``memclrHasPointers``,
``typedmemmove``) shade every pointer of the old and new values. Objects allocated
while marking are allocated black (runtime/malloc.go: ``gcmarknewobject``).

Memory
------
The heap owns an allocator (``heap.alloc``, by default a `gcemu.mem.allocator.Allocator`
of the Go release the model follows; anything with the same five methods can be
injected, as PyPy's incminimark takes its ``ArenaCollection``): every allocation gets
an address from ``alloc.malloc`` (``HeapObject.addr``), sweep frees it there, and
``heap.memstats()`` reads ``runtime.MemStats`` from it. When ``malloc`` reports the GC
trigger reached (``alloc.gc_due``, GOGC pacing) and no cycle runs, the heap starts an
automatic cycle, as ``mallocgc`` calls ``gcStart``: the object just allocated is on
the allocating goroutine's stack, so it is allocated black, as is everything allocated
until the cycle ends. An automatic cycle runs to its end at the start of the next
mutator operation (`Heap.mutator_op`); the facade's automatic cycles also scan the
scenario's Python variables as a goroutine stack (`gcemu.core.pystack`), so a handle it
holds in a variable survives, as a Go local would (``Heap(gogc=None)``: no automatic
cycles).

Strings
-------
A Python ``str`` stored into the emulated heap (a map key or elem, a field, a ``new``
value) is a string built at run time: `Heap.store_converter` gives the converter that
allocates its bytes (``rawstring``: ``mallocgc(n, nil, false)``, so the tiny allocator
below 16 bytes, a noscan object above) as a `StringData` and stores a `GoString`
pointing to it; a `GoString` read back out of the heap and stored again is a copied
header and shares its data. The marker reaches the data through the string's pointer
word (``GoString.data``), so a slot holding the string keeps its bytes alive and a
slot a delete cleared does not. String data is not in ``heap.objects`` (reports,
pictures and ids are about the program's objects): ``heap.strings`` holds it, and
`Heap.sweep_strings` is sweep's share for it. Lookups convert without allocating, as a
key that does not escape lives on Go's stack.

Colours
-------
One state field per object, as in PyPy's incminimark: ``color``. A cycle with epoch
``e`` calls an object white if ``color < 2*e``, grey if ``color == 2*e`` and black if
``color == 2*e + 1``, so starting a cycle never touches every object.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from gcemu.base.opcodes import NEW0
from gcemu.core.models import get_model
from gcemu.core.roots import Stack
from gcemu.errors import GcemuError
from gcemu.gotypes import GoString, GoType, GoTypeError, TypeUniverse
from gcemu.gotypes.values import is_byte_array
from gcemu.mem.allocator import Allocator
from gcemu.mem.memstats import MemStats
from gcemu.mem.sizeclasses import MAX_TINY_SIZE, slot_request, slot_size

if TYPE_CHECKING:
    from gcemu.core.collector import Collector

M32 = (1 << 32) - 1
M64 = (1 << 64) - 1


class HeapObject:
    """One allocation. ``owner`` is the allocation a pointer to this thing marks:
    itself here; a bucket inside a bucket array has the array as its owner."""

    __slots__ = ("__weakref__", "addr", "color", "freed", "id", "name", "noscan", "owner",
                 "size", "type")
    kind = "object"
    #: False for what the object-level views leave out (events, reports, graphs,
    #: pictures): string data (`StringData`), which shows in MemStats only
    shown = True

    def __init__(self, type: GoType | None, size: int, name: str | None = None,
                 noscan: bool = False):
        self.type = type
        self.size = size
        self.name = name
        self.id = 0
        self.addr = 0  # where the allocator placed it (Heap.allocate)
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


class StringData(HeapObject):
    """The bytes of a string built at run time, pointer-free: ``size`` is its slot
    (its length when under 16 bytes: a sub-object of a tiny block)."""

    __slots__ = ()
    kind = "string"
    shown = False

    def __init__(self, size: int):
        HeapObject.__init__(self, None, size, noscan=True)


#: the string data an operation allocated last: what it still holds in registers
#: until its store completes (roots of automatic cycles, `gcemu.core.pystack`)
FRESH_STRINGS = 8


class NewAlloc:
    """What ``new(T)`` works out once per type instead of once per call: the type, its
    zero value, its slot size (``span.elemsize``), noscan, the converter of a given
    value, the name its errors use, and for ``[N]byte`` its N (`Heap.new` keeps one per
    type argument)."""

    __slots__ = ("conv", "nbytes", "noscan", "size", "type", "what", "zero")

    def __init__(self, t: GoType, conv: Callable[[Any, str], Any]):
        self.type = t
        self.zero = t.zero()
        self.noscan = not t.has_pointers
        self.size = slot_size(t.size, self.noscan)
        self.conv = conv
        self.what = f"value of new({t.name})"
        # a [N]byte value given as a ``bytes`` of N is in its stored form already (the
        # converter returns it as is): `Heap.new` skips the call; -1: not a byte array
        self.nbytes = t.length if is_byte_array(t) else -1


class Object(HeapObject):
    """An object made by ``h.new(type)``: a value of a declared Go type.

    Fields of a struct are read and written with ``obj["field"]``; a store of a pointer
    field goes through the write barrier like any compiled Go store.
    """

    __slots__ = ("heap", "linked", "value")

    def __init__(self, heap: Heap, alloc: NewAlloc, value: Any, name: str | None):
        # HeapObject.__init__'s fields set here, not by a chained call: this is the
        # allocation hot path, and ``alloc`` already holds the slot size and noscan
        self.type = alloc.type
        self.size = alloc.size
        self.name = name
        self.id = 0
        self.addr = 0
        self.color = 0
        self.freed = 0
        self.owner = self
        self.noscan = alloc.noscan
        self.heap = heap
        self.value = value
        self.linked = False  # ever stored into a map, a field or a global (pystack)

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


class Heap:
    """The emulated Go heap below the facade: types, objects, roots, the store path.

    Users hold `gcemu.Heap` (`gcemu.api.Heap`), which adds maps, GC cycles, reports,
    traces and pictures on top of this class.

    Parameters
    ----------
    model : str
        A name of `gcemu.core.models.MODELS`: ``"scanmap"`` (default), ``"go"``,
        ``"go-swiss"``, ``"go-swiss-1.27"``.
    seed : int
        Seeds every random choice (hash seeds, iterator start, noverflow sampling),
        so a run is reproducible.
    rand : object, optional
        The source of every random draw instead of ``random.Random(seed)``: anything
        with ``getrandbits(n)``. A replay (`gcemu.trace`) passes one that returns the
        draws a real Go run made.
    gogc : int or None
        GOGC (default 100): automatic cycles when the heap reaches its goal; None is
        GOGC=off, only the cycles asked for.
    alloc : object, optional
        The allocator instead of ``Allocator(release of the model, gogc)``: anything
        with ``malloc(size, noscan) -> addr``, ``free(addr)``,
        ``mark_termination(forced)``, ``end_sweep()``, ``read_memstats()``,
        ``scavenge_all()`` and a ``gc_due`` flag.

    Examples
    --------
    >>> from gcemu.core.heap import Heap
    >>> h = Heap(model="go")
    >>> _ = h.declare("type T struct { id int; next *T }")
    >>> a = h.new("T", name="a")
    >>> h.set_global("a", a)
    >>> h.roots()
    [('global a', <T#1 'a'>)]
    """

    def __init__(self, model: str = "scanmap", seed: int = 0, rand: Any = None,
                 gogc: int | None = 100, alloc: Any = None):
        self.model = get_model(model)
        go = self.model.go
        self.alloc = Allocator(f"{go[0]}.{go[1]}", gogc=gogc) if alloc is None else alloc
        self.seed = seed
        self.rand = random.Random(seed) if rand is None else rand
        self.trace: Any = None  # a recorder (gcemu.trace.Trace) the facade attaches
        self.types = TypeUniverse()
        self.objects: dict[int, HeapObject] = {}
        self.globals: dict[str, Any] = {}
        self.stacks: list[Stack] = [Stack("main")]
        self.stack = self.stacks[0]  # the running goroutine's stack
        self.sched: Any = None  # the scheduler while goroutines run (gcemu.sched)
        self._next_id = 1
        self.names: dict[str, HeapObject] = {}  # name= -> its handle, freed or not
        self.epoch = 0
        self.cycle: Collector | None = None
        self.auto_cycle: Collector | None = None  # the running cycle, if started by malloc
        # more roots for automatic cycles: callables yielding (name, object), such as a
        # Go program's live locals (gcemu.gofront); see gcemu.core.pystack
        self.root_providers: list[Callable[[], Iterable[tuple[str, Any]]]] = []
        self.strings: list[StringData] = []  # live string data (see "Strings")
        self._string_ids = 0
        self.fresh_strings: deque[StringData] = deque(maxlen=FRESH_STRINGS)
        self._store_convs: dict[GoType, Callable[[Any, str], Any]] = {}
        self._new_allocs: dict[str | GoType, NewAlloc] = {}  # per type argument of new
        self.cycles = 0
        self.marking = False
        self.op: str = ""
        self.mutations = 0  # mutator operations run while marking
        # readers of the heap as it is now that run when first asked, e.g. the report
        # of the last cycle; `settle` runs them before anything changes the heap
        self.readers: list[Callable[[], Any]] = []

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
    def allocate(self, obj: HeapObject, size: int | None = None) -> HeapObject:
        """Register a new allocation (mallocgc): place it in the allocator, allocate it
        black while marking, start an automatic cycle when the trigger is reached.

        The program's objects get the next id in ``heap.objects``; string data (not
        ``shown``) is listed in ``heap.strings`` with its own ids (see "Strings").
        ``size`` is the requested size (the type's); by default the largest request
        that lands in a slot of ``obj.size`` bytes, which places every object but a
        tiny one exactly as its request would.
        """
        if obj.shown:
            obj.id = i = self._next_id
            self._next_id = i + 1
            self.objects[i] = obj
        else:
            self._string_ids += 1
            obj.id = self._string_ids
            self.strings.append(obj)
            self.fresh_strings.append(obj)
        alloc = self.alloc
        noscan = obj.noscan
        obj.addr = alloc.malloc(slot_request(obj.size, noscan) if size is None else size,
                                noscan)
        if self.marking:
            self.cycle.allocate_black(obj)
        elif alloc.gc_due and self.cycle is None:
            cycle = self.start_background_gc()
            if cycle is not None:
                self.auto_cycle = cycle
                cycle.allocate_black(obj)
        return obj

    def new_string(self, text: str) -> str:
        """``string(b)``: ``text`` as a string built at run time, its bytes allocated
        (the empty string allocates nothing and stays a plain ``str``)."""
        n = len(text.encode("utf-8", "surrogatepass"))
        if not n:
            return text
        d = StringData(n if n < MAX_TINY_SIZE else slot_size(n, True))
        self.allocate(d, n)
        g = GoString(text)
        g.data = d
        return g

    def _stored_string(self, v: str) -> str:
        """A string being stored: a header copy if it already is the heap's, else new."""
        if type(v) is GoString and not v.data.freed:
            return v
        return self.new_string(v)

    def store_converter(self, t: GoType) -> Callable[[Any, str], Any]:
        """The converter of a value of ``t`` being stored into the heap: ``t``'s own
        (`GoType.converter`) when ``t`` holds no string, else one that also allocates
        every fresh string in the value (see "Strings")."""
        conv = self._store_convs.get(t)
        if conv is None:
            base = t.converter()
            fresh = self._string_builder(t)
            if fresh is None:
                conv = base
            else:
                def conv(value: Any, what: str) -> Any:
                    return fresh(base(value, what))
            self._store_convs[t] = conv
        return conv

    def _string_builder(self, t: GoType) -> Callable[[Any], Any] | None:
        """value -> the value with its strings allocated; None if ``t`` has none."""
        if t.kind == "string":
            return self._stored_string
        if t.kind == "array":
            sub = self._string_builder(t.elem)
            return None if sub is None else (lambda v: tuple(map(sub, v)))
        if t.kind != "struct":
            return None
        subs = [self._string_builder(f.type) for f in t.fields]
        if not any(subs):
            return None
        return lambda v: tuple(x if f is None else f(x) for f, x in zip(subs, v, strict=True))

    def sweep_strings(self, marked: int, cycle: int) -> None:
        """Sweep's share for string data: free every one not marked (colour below
        ``marked``) as freed by ``cycle``."""
        free = self.alloc.free
        live = []
        for d in self.strings:
            if d.color < marked:
                d.freed = cycle
                free(d.addr)
            else:
                live.append(d)
        self.strings = live

    def start_background_gc(self) -> Collector | None:
        """``gcStart`` from ``mallocgc``: begin an automatic (not forced) cycle and
        return it. This heap has no collector (the facade, `gcemu.api.Heap`, has)."""
        return None

    def new(self, type: str | GoType, name: str | None = None, value: Any = None) -> Object:
        """``new(T)``: allocate a zeroed (or given) value of a Go type.

        ``name`` only labels the object for reports and pictures; it is not a root.
        A struct value is given as a dict of its fields; missing fields are zero.
        """
        if self.readers:
            self.settle()
        try:
            a = self._new_allocs.get(type)
        except TypeError:  # unhashable: not a type; parse names the problem
            a = None
        if a is None:
            a = self._new_alloc(type)
        t = a.type
        if value is None:
            v = a.zero
        elif value.__class__ is bytes and len(value) == a.nbytes:
            v = value
        else:
            v = a.conv(value, a.what)
        if self.marking:
            self.mutator_op(f"new({t.name})" + (f" {name}" if name else ""))
        obj = Object(self, a, v, name)
        self.allocate(obj, t.size)
        if name is not None:
            self.names.setdefault(name, obj)
        if value is not None and self.marking:
            self.shade_value(t, v)
        t = self.trace
        if t is not None:  # gcemu.trace: NEW (obj) or NEWV (obj, name, value)
            if name is None and value is None:
                t.codes.append(NEW0)
                t.args.append(obj)
            else:
                t.new(obj, name, None if value is None else v)
        return obj

    def _new_alloc(self, type: str | GoType) -> NewAlloc:
        """The `NewAlloc` of a type argument of `new`, made on its first use."""
        t = self.types.parse(type)
        a = self._new_allocs[type] = NewAlloc(t, self.store_converter(t))
        return a

    # -- roots ----------------------------------------------------------------------
    def set_global(self, name: str, value: Any) -> None:
        """Bind (or, with None, unbind) a global pointer variable: a root."""
        if not isinstance(name, str) or not name:
            raise GcemuError(f"a global needs a non-empty string name, got {name!r}")
        if value is not None and not isinstance(value, HeapObject):
            raise GcemuError(f"global {name}: {value!r} is not a heap object handle")
        if value is not None and value.freed:
            raise GcemuError(f"global {name}: {value.label} was freed by an earlier cycle")
        if self.readers:
            self.settle()
        old = self.globals.get(name)
        if self.marking:
            if self.auto_cycle is not None:  # value is on the stack: keep it
                self.write_barrier(None, value)
            self.mutator_op(f"set_global({name!r}, {value!r})")
            self.write_barrier(old, value)
        if value is None:
            self.globals.pop(name, None)
        else:
            self.globals[name] = value
            if type(value) is Object:
                value.linked = True
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
        if self.readers:
            self.settle()
        i = obj._field(field)
        ft = obj.type.fields[i].type
        v = self.store_converter(ft)(value, f"{obj.type.name}.{field}")
        vals = list(obj.value)
        if self.marking and ft.has_pointers:
            if self.auto_cycle is not None:  # v is on the stack: keep it
                self.shade_value(ft, v)
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
        if cycle is None:  # an automatic cycle ended at this operation's start
            return
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
        cycle = self.cycle
        if cycle is None:  # an automatic cycle ended at this operation's start
            return
        shade = cycle.barrier_shade
        for p in pointers:
            shade(p, self.op)

    def settle(self) -> None:
        """Run the deferred readers (see ``readers``) on the heap as it is now: every
        mutator path calls this before it changes the heap."""
        readers, self.readers = self.readers, []
        for read in readers:
            read()

    # -- GC -----------------------------------------------------------------------
    def mutator_op(self, text: str) -> None:
        """Name the mutator operation running now (only called while marking).

        An automatic cycle ends here instead (see "Memory" above): what the operation
        does next happens after it, with the barrier off.
        """
        if self.auto_cycle is not None:
            self.finish_background_gc()
            return
        self.op = text
        self.mutations += 1
        self.cycle.note_mutation(text)

    def roots(self) -> list[tuple[str, Any]]:
        """Every root as (label, pointer value): globals, then each stack frame."""
        out: list[tuple[str, Any]] = [(f"global {k}", v) for k, v in self.globals.items()]
        for st in self.stacks:
            out.extend((f"stack {st.name}: {fr.label}", fr) for fr in st.frames)
        return out

    def finish_background_gc(self) -> None:
        """Run the automatic cycle, if one is running, to its end."""
        cycle = self.auto_cycle
        if cycle is not None:
            self.auto_cycle = None
            cycle.finish()

    def bytes_in_use(self) -> int:
        return sum(o.size for o in self.objects.values())

    # -- runtime.MemStats ------------------------------------------------------------
    def memstats(self) -> MemStats:
        """``runtime.ReadMemStats``: Go's own field names (``HeapAlloc``, ``HeapInuse``,
        ``HeapIdle``, ``HeapReleased``, ``HeapSys``, ``HeapObjects``, ``Mallocs``,
        ``Frees``, ``NextGC``, ``NumGC`` ...) and ``as_dict()``."""
        return self.alloc.read_memstats()


__all__ = ["FRESH_STRINGS", "GoTypeError", "Heap", "HeapObject", "NewAlloc", "Object", "StringData"]
