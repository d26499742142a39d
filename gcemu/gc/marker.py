"""The tri-color marker: one GC cycle, stepable (mirrors mgc.go, mgcmark.go, mbarrier.go).

Invariant
---------
At the end of mark termination no black object points to a white one, counting only
the pointers the model traces (`gcemu.gc.scan`). `Cycle.check_consistency` tests it and
fails loudly on "black -> white"; sweep then frees every white object.

Colours live in one field per object (see gcemu.core.heap): white, grey (marked and on the
explicit grey stack), black (marked and scanned). Pointer-free objects are blackened
when shaded, as greyobject does for noscan spans.

Steps
-----
``Heap.gc()`` starts a cycle: the phase becomes *mark*, the write barrier turns on and
new objects are allocated black. Each `Cycle.step` then does one unit of work and
returns its events:

1. a root: one global, or one goroutine stack (each stack is scanned once; there is no
   rescan at mark termination, as in Go 1.23);
2. else one slot of the bucket array being scanned (so emptyOne / emptyRest decisions
   are visible one by one);
3. else one object from the grey stack (a bucket array starts its slot-by-slot scan);
4. when no work is left: mark termination (the consistency check; an unrecorded,
   stop-the-world cycle leaves it to `Cycle.analysis`, which its report runs when first
   read), then sweep, then the phase is *off* and the `Report` is ready. If the
   mutator ran after mark work ran out and its barrier shaded objects, the next step
   goes back to mark first (as gcMarkDone does when flushing the barrier buffers finds
   work), so sweep never keeps an object it has not scanned.

Sweep frees into the heap's allocator (``heap.alloc``): mark termination
(``gcMarkTermination``: NumGC, the mcache flushed), one ``free`` per white object
(``(*sweepLocked).sweep``: a span left empty returns its pages), then the pacer's
commit (``end_sweep``), which sets the next goal from the live heap.

The mutator may run between any two steps: every map operation and pointer store goes
through the barrier (gcemu.core.heap). The step loop that every front end drives is
`gcemu.sched.Session` (``cycle.run()`` on the facade's cycle is a session's
``run(until=)``, as SimPy's), and ``collect()`` is one stop-the-world cycle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from gcemu.base.events import (
    AllocBlack,
    BarrierShade,
    Event,
    Free,
    History,
    Mutation,
    PhaseChange,
    RootScan,
    Scan,
    Shade,
    SlotDecision,
)
from gcemu.base.pygc import paused
from gcemu.core.heap import Object
from gcemu.errors import GcemuError
from gcemu.gc.analysis import ConsistencyError, Reachability
from gcemu.gc.scan import (
    SLOT_ARRAYS,
    bucket_name,
    describe_edge,
    plain_edges,
    root_edges,
    scan_array,
    slot_state,
)

if TYPE_CHECKING:
    from gcemu.core.heap import Heap, HeapObject
    from gcemu.gotypes import GoType

MARK = "mark"
MARK_TERMINATION = "mark termination"
SWEEP = "sweep"
OFF = "off"


class Cycle:
    """One GC cycle of a heap.

    Parameters
    ----------
    heap : Heap
    record : bool
        Keep every event in ``history`` (stepping front ends want this; a plain
        ``collect()`` does not, so its hot paths create no event objects).
    forced : bool
        Asked for (``runtime.GC()``, counted in ``NumForcedGC``); False for a cycle
        the allocator's trigger started.
    stacks : sequence
        More stacks to scan besides the heap's (anything with ``name`` and
        ``frames``): an automatic cycle scans the scenario's Python variables
        (`gcemu.core.pystack`).

    Examples
    --------
    >>> import gcemu
    >>> h = gcemu.Heap()
    >>> _ = h.declare("type T struct { id int }")
    >>> m = h.make_map("map[string]*T", name="m")
    >>> m["a"] = h.new("T")
    >>> cycle = h.gc()
    >>> cycle.phase
    'mark'
    >>> [str(e) for e in cycle.step()]
    ['scan root global m', 'shade hmap#1 (grey) via global m']
    >>> cycle.run().retained(m)
    True
    """

    def __init__(self, heap: Heap, record: bool = True, forced: bool = True,
                 stacks: Sequence[Any] = ()):
        heap.epoch += 1
        self.forced = forced
        heap.cycles += 1
        self.heap = heap
        self.model = heap.model
        self.number = heap.cycles
        self.grey_color = 2 * heap.epoch
        self.black_color = self.grey_color + 1
        self.grey: list[HeapObject] = []
        # heap objects (``shown``: not string data, which may be a literal's, never
        # allocated) turned from white to grey or black this cycle
        self.nmarked = 0
        self.record = record
        self.history = History()
        self.steps = 0
        self.phase = MARK
        self.shaded_by: dict[HeapObject, str] = {}  # barrier / alloc-black: why
        self.freed_bytes = 0
        self.freed: list[HeapObject] = []
        self.report: Any = None  # what before_sweep builds (the facade: a Report)
        self.reachability: Reachability | None = None
        self._checked_at = -1
        # gcMarkRootPrepare: the globals and the stacks as of mark start
        self._roots: list[tuple[str, Any]] = [
            (f"global {name}", name) for name in heap.globals]
        self._roots += [(f"stack {st.name}", st) for st in (*heap.stacks, *stacks)]
        self._root_i = 0
        self._scanning: Iterator | None = None
        self._scanning_obj: Any = None  # the bucket or groups array being scanned
        self._events: list[Event] = []
        heap.settle()  # the last cycle's report reads the heap as that cycle left it
        heap.cycle = self
        heap.marking = True
        self._emit(PhaseChange(0, MARK))

    # -- colours ---------------------------------------------------------------------
    def color(self, obj: HeapObject) -> str:
        """``white``, ``grey`` or ``black`` as of now."""
        c = obj.owner.color
        if c == self.black_color:
            return "black"
        return "grey" if c == self.grey_color else "white"

    def marked(self, obj: HeapObject) -> bool:
        return obj.owner.color >= self.grey_color

    def _emit(self, event: Event) -> None:
        if self.record:
            self._events.append(event)
            self.history.append(event)

    def shade(self, p: Any, edge: tuple | None = None) -> bool:
        """runtime.shade / greyobject: mark ``p``'s allocation; True if it was white."""
        o = p.owner
        if o.color >= self.grey_color:
            return False
        if o.shown:
            self.nmarked += 1
        if o.noscan:
            o.color = self.black_color
        else:
            o.color = self.grey_color
            self.grey.append(o)
        if self.record and edge is not None and o.shown:
            self._emit(Shade(self.steps, o.label, describe_edge(edge), o.noscan))
        return True

    def barrier_shade(self, p: Any, op: str) -> None:
        """A write-barrier shade (wbBufFlush1), remembering the operation."""
        if self.shade(p) and p.owner.shown:
            o = p.owner
            self.shaded_by[o] = f"the write barrier of {op}"
            self._emit(BarrierShade(self.steps, o.label, op))

    def allocate_black(self, obj: HeapObject) -> None:
        """gcmarknewobject: objects allocated while marking are born black."""
        obj.color = self.black_color
        if obj.shown:
            self.nmarked += 1
            self.shaded_by[obj] = f"allocation during marking ({self.heap.op or 'mutator'})"
            self._emit(AllocBlack(self.steps, obj.label, self.heap.op))

    def note_mutation(self, op: str) -> None:
        self._emit(Mutation(self.steps, op))

    # -- stepping --------------------------------------------------------------------
    @property
    def done(self) -> bool:
        return self.phase == OFF

    def step(self) -> list[Event]:
        """Do one unit of work; return its events ([] once the cycle is over)."""
        if self.phase == OFF:
            return []
        self.steps += 1
        self._events = []
        if self.grey and self.phase in (MARK_TERMINATION, SWEEP):
            # The mutator ran after mark work ran out and its write barrier shaded
            # more: as gcMarkDone does when a flush finds work, go back to mark (sweep
            # must not keep a grey object whose referents it frees).
            self.phase = MARK
            self._emit(PhaseChange(self.steps, MARK))
        if self.phase == MARK:
            if not self._mark_unit():
                self.phase = MARK_TERMINATION
                self._emit(PhaseChange(self.steps, MARK_TERMINATION))
        elif self.phase == MARK_TERMINATION:
            self.check_consistency()
            self.phase = SWEEP
            self._emit(PhaseChange(self.steps, SWEEP))
        elif self.phase == SWEEP:
            self._sweep()
        return self._events

    def _mark_unit(self) -> bool:
        """One unit of mark work; False when there is none left."""
        if self._root_i < len(self._roots):
            label, root = self._roots[self._root_i]
            self._root_i += 1
            self._emit(RootScan(self.steps, label))
            self._scan_root(label, root)
            return True
        while True:
            if self._scanning is not None:
                unit = next(self._scanning, None)
                if unit is not None:
                    if self.record:
                        arr = self._scanning_obj
                        j, pos, i, t, action = unit
                        self._emit(SlotDecision(self.steps, arr.label, bucket_name(arr, j, pos),
                                                i, t, slot_state(arr, t), action))
                    return True
                self._scanning_obj.color = self.black_color
                self._scanning = self._scanning_obj = None
            if not self.grey:
                return False
            obj = self.grey.pop()
            self._emit(Scan(self.steps, obj.label))
            if type(obj) in SLOT_ARRAYS:
                self._scanning_obj = obj
                self._scanning = scan_array(obj, self.model.scan, self.shade)
                continue  # its first slot is this step's unit
            obj.color = self.black_color
            plain_edges(obj, self.shade)
            return True

    def _scan_root(self, label: str, root: Any) -> None:
        if isinstance(root, str):  # a global, read when its root job runs
            root_edges(label, self.heap.globals.get(root), self.shade)
        else:  # a stack: every frame
            for frame in root.frames:
                root_edges(f"stack {root.name}: {frame.label}", frame, self.shade)

    def drain(self) -> None:
        """The mark phase to its end with no events: the hot path of collect() (the
        step loop, `gcemu.sched.Session.run`, calls it when nobody watches)."""
        for label, root in self._roots[self._root_i:]:
            self._scan_root(label, root)
        self._root_i = len(self._roots)
        if self._scanning is not None:
            for _ in self._scanning:
                pass
            self._scanning_obj.color = self.black_color
            self._scanning = self._scanning_obj = None
        grey, black, policy = self.grey, self.black_color, self.model.scan
        grey_color, push = self.grey_color, grey.append
        # nmarked: the greys shaded before are counted; the batches count every grey
        # this loop scans (all shown: string data is noscan), noscan the shown ones
        # blackened at once
        scanned, noscan = -len(grey), 0

        def shade(p: Any, edge: tuple | None = None) -> None:
            """`Cycle.shade` for a cycle that records nothing (drain's only caller,
            `gcemu.sched.Session.run`, drains unrecorded cycles), its state in locals."""
            o = p.owner
            if o.color < grey_color:
                if o.noscan:
                    if o.shown:
                        nonlocal noscan
                        noscan += 1
                    o.color = black
                else:
                    o.color = grey_color
                    push(o)

        finders: dict[GoType, Callable[[Any], Any]] = {}  # Object's type -> its pointers
        while grey:
            batch = grey.copy()
            grey.clear()
            scanned += len(batch)
            for obj in batch:
                if type(obj) is Object:  # most of a heap: plain_edges' first case, inlined
                    find = finders.get(obj.type)
                    if find is None:
                        find = finders[obj.type] = obj.type.pointer_finder()
                    for p in find(obj.value):
                        shade(p)
                else:
                    kind = SLOT_ARRAYS.get(type(obj))
                    if kind is None:
                        plain_edges(obj, shade)
                    elif kind.shade_array is not None:
                        kind.shade_array(obj, policy, shade)
                    else:
                        for _ in scan_array(obj, policy, shade, step=False):
                            pass
                obj.color = black
        self.nmarked += scanned + noscan

    def finish(self) -> None:
        """Run the cycle to its end with no events (an automatic cycle ending)."""
        self.drain()
        while self.phase != OFF:
            self.step()

    # -- the end of the cycle ------------------------------------------------------------
    def check_consistency(self) -> None:
        """Mark termination's check: no root and no black object points to a white
        object through a traced pointer. Raises `ConsistencyError`.

        The same pass computes every retained object's reason and path
        (`gcemu.gc.analysis.Reachability`), which the report reads. A recorded cycle
        (stepping front ends) runs it here; an unrecorded one (``collect()``, stop
        the world: no mutator ran between mark and sweep) leaves it to `analysis`,
        when its report is first read, so a collect() nobody questions costs no more
        than its mark and sweep.
        """
        if self.grey or self._scanning is not None:
            raise ConsistencyError("mark termination with grey objects left")
        self.reachability = None
        if self.record:
            self.analysis()
        self._checked_at = self.heap.mutations

    def analysis(self) -> Reachability:
        """The check and the reasons and paths of `check_consistency`, computed once.

        After sweep it reads the heap as the cycle left it (the report asks before
        any mutator runs: `gcemu.core.heap.Heap.settle`); a white object is then a
        freed one, and a pointer to it from a kept object still fails the check.
        """
        if self.reachability is None:
            with paused():
                self.reachability = Reachability(self.heap, marked=self.grey_color)
        return self.reachability

    def before_sweep(self) -> None:
        """Called once mark termination is checked, before sweep frees anything: the
        facade (`gcemu.api.Cycle`) builds its report here, from the reachability."""

    def _sweep(self) -> None:
        """Free every white object (mgcsweep.go), after `before_sweep`."""
        heap = self.heap
        if self._checked_at != heap.mutations:  # the mutator ran since the check
            self.check_consistency()
        with paused():
            self.before_sweep()
        base = self.grey_color
        objects = heap.objects
        # each heap object is marked at most once: when the marks add up to them all,
        # none is white and no pass looks for one; a recorded cycle (it emits a Free
        # per object anyway) still looks, and so checks the count
        record = self.record
        everything_marked = self.nmarked == len(objects)
        dead = [] if everything_marked and not record else [
            o for o in objects.values() if o.color < base]
        if dead and everything_marked:
            raise GcemuError(f"internal error: cycle {self.number} counted every one of "
                             f"{len(objects)} objects marked, but {dead[0].label} is white")
        number = self.number
        alloc = heap.alloc
        alloc.mark_termination(forced=self.forced)
        free = alloc.free
        for o in dead:
            del objects[o.id]
            o.freed = number
            free(o.addr)
            if record:
                self._emit(Free(self.steps, o.label, o.size))
        heap.sweep_strings(base, number)
        alloc.end_sweep()
        self.freed_bytes = sum(o.size for o in dead)
        self.freed = dead
        heap.marking = False
        heap.cycle = None
        if heap.auto_cycle is self:
            heap.auto_cycle = None
        self.phase = OFF
        self._emit(PhaseChange(self.steps, OFF))

    def __repr__(self) -> str:
        return (f"<Cycle {self.number} model={self.model.name} phase={self.phase} "
                f"steps={self.steps} grey={len(self.grey)}>")

