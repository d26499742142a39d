"""The facade: `gcemu.Heap` as users hold it, binding the layers below it.

The heap of `gcemu.core.heap` knows nothing of maps, the marker, reports, traces or
pictures. This module is where they meet, as SimPy's ``Environment`` binds the event
classes that live below it: ``make_map`` asks the map kind of the heap's model
(`gcemu.maps.kind_for`), ``gc`` and ``collect`` start a `Cycle` whose sweep builds the
`Report`, a `gcemu.trace.Trace` records the mutator, and Jupyter shows a heap or a
cycle as its picture (`gcemu.render`, imported when a notebook first asks, so that
``import gcemu`` does not import graphviz).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from gcemu.core import heap as core
from gcemu.core.pystack import PythonStack
from gcemu.errors import GcemuError
from gcemu.gc import marker
from gcemu.gc.graph import traced_graph
from gcemu.gotypes import GoType
from gcemu.maps import kind_for
from gcemu.report import Report
from gcemu.sched import Session
from gcemu.sched import explore as explorer
from gcemu.sync import Chan, HashTrieMap, Mutex, RWMutex, SyncMap, WaitGroup
from gcemu.trace import Replayer, Trace


class Cycle(marker.Cycle):
    """A GC cycle whose sweep builds its `Report` (see `gcemu.gc.marker.Cycle`)."""

    def before_sweep(self) -> None:
        self.report = Report(self)

    def run(self, until: int | None = None) -> Report | None:
        """Step until the cycle is over (or until ``steps == until``), through the
        step loop (`gcemu.sched.Session`). Returns the `Report` once the cycle has
        finished, else None."""
        Session(self.heap, self).run(until)
        return self.report

    def _repr_svg_(self) -> str | None:
        """Jupyter shows a cycle as its picture at the current step (gcemu.render)."""
        from gcemu.render import repr_svg

        return repr_svg(self)


class Heap(core.Heap):
    """The emulated Go heap: types, objects, roots, maps and GC cycles.

    Parameters
    ----------
    model : str
        ``"scanmap"`` (the design card's model, default), ``"go"`` (Go 1.21-1.23), or
        ``"go-swiss"`` / ``"go-swiss-1.27"`` (the Swiss tables of Go 1.24+).
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
    gogc : int or None
        GOGC (default 100): cycles start by themselves when the heap reaches its goal
        (`gcemu.mem.pacer`), as in a running Go program; None is GOGC=off.
    alloc : object, optional
        The allocator to use instead of the model's release's
        `gcemu.mem.allocator.Allocator` (see `gcemu.core.heap.Heap`).

    Examples
    --------
    >>> import gcemu
    >>> h = gcemu.Heap(model="go")
    >>> _ = h.declare("type T struct { id int; next *T }")
    >>> m = h.make_map("map[string]*T", name="m")
    >>> m["a"] = h.new("T", name="v1")
    >>> len(m), m.B
    (1, 0)
    >>> h.collect().retained(m["a"])
    True
    >>> s = h.memstats()
    >>> s.NumGC, s.HeapAlloc - h.alloc.release.baseline.heap_alloc  # + "b"'s 16 B block
    (1, 288)
    """

    def __init__(self, model: str = "scanmap", seed: int = 0, rand: Any = None,
                 trace: bool = True, gogc: int | None = 100, alloc: Any = None):
        super().__init__(model, seed, rand, gogc, alloc)
        self.trace: Trace | None = Trace() if trace else None
        self.maps: list[Any] = []
        self._kind = kind_for(self.model.map)
        self.sync_types: dict[tuple, dict[str, str]] = {}  # gcemu.sync.boxed

    def make_map(
        self,
        type: str | GoType,
        hint: int = 0,
        name: str | None = None,
        hash: Callable[[Any, int], int] | None = None,
    ) -> Any:
        """``make(map[K]V, hint)``; ``name=`` also declares a global holding the map.
        Go allocates all the storage at once; gcemu builds a bucket or group on first
        use (`gcemu.maps.sparse`), so a big hint costs little.

        ``hash(key, seed) -> int`` overrides the 64-bit hash of a key.
        """
        t = self.type(type)
        if t.kind != "map":
            raise GcemuError(f"make_map needs a map type, got {t.name}")
        m = self._kind.make(self, t, hint, name, hash)
        self.maps.append(m)
        if name is not None:
            self.names.setdefault(name, m)
        if self.trace is not None:
            self.trace.make(m, hint, name, hash is not None)
        if name is not None:
            self.set_global(name, m)
        return m

    def gc(self, record: bool = True) -> Cycle:
        """Start a GC cycle (runtime.gcStart): the phase becomes mark.

        Step it with ``cycle.step()``, finish it with ``cycle.run()``; with ``record``
        every event is kept in ``cycle.history``.
        """
        self.finish_background_gc()
        if self.cycle is not None:
            raise GcemuError("a GC cycle is already running; finish it with cycle.run()")
        if self.trace is not None:
            self.trace.gc_start()
        return Cycle(self, record=record)

    def collect(self) -> Report:
        """One full stop-the-world cycle (runtime.GC): mark, mark termination, sweep.

        An automatic cycle still running ends first, as ``runtime.GC`` waits for it.
        """
        self.finish_background_gc()
        if self.cycle is not None:
            raise GcemuError("a GC cycle is already running; finish it with cycle.run()")
        if self.trace is not None:
            self.trace.gc()
        return Cycle(self, record=False).run()

    def free_os_memory(self) -> int:
        """``debug.FreeOSMemory()``: a full cycle, then every free page returned to the
        OS (``HeapReleased`` becomes ``HeapIdle``). Returns the bytes released."""
        self.collect()
        return self.alloc.scavenge_all()

    def start_background_gc(self) -> marker.Cycle:
        """``gcStart`` from ``mallocgc``: an automatic cycle, not recorded in the trace
        (a replay's allocator starts it again at the same allocation) and with no
        report."""
        return marker.Cycle(self, record=False, forced=False, stacks=(PythonStack(self),))

    # -- goroutines and sync (gcemu.sched, gcemu.sync; go-concurrency.md) ----------
    def go(self, fn: Callable[..., Any], *args: Any) -> None:
        """``go fn(args...)``: a new goroutine; only inside ``gcemu.explore`` or
        ``gcemu.replay``, which run the scenario's goroutines."""
        if self.sched is None:
            raise GcemuError("h.go: goroutines run only under gcemu.explore or gcemu.replay "
                             "(or `gcemu explore SCENARIO`)")
        self.sched.go(fn, args)

    def go_gc(self, wait: bool = True) -> Cycle:
        """A GC cycle whose mark worker is one more goroutine of the schedule
        (`gcemu.sched.markworker`): the explorer interleaves its units of work with the
        mutators' steps, the write barrier on. ``wait`` is ``runtime.GC()``: the caller
        parks until the cycle has swept; ``wait=False`` is a cycle the pacer starts, the
        caller goes on. Outside an exploration nothing else runs: the cycle runs to its
        end (``wait=False`` is refused there). Returns the cycle (``.report``)."""
        if self.sched is None:
            if not wait:
                raise GcemuError("h.go_gc(wait=False): a background cycle needs the "
                                 "scheduler (gcemu.explore, gcemu.replay)")
            cycle = self.gc()
            cycle.run()
            return cycle
        return self.sched.start_gc(self.gc, wait)

    def gosched(self) -> None:
        """``runtime.Gosched()``: let another goroutine run."""
        if self.sched is not None:
            self.sched.gosched()

    def make_chan(self, type: str = "chan int", size: int = 0) -> Chan:
        """``make(chan T, size)``: send, recv, recv2, close."""
        text = type.strip() if isinstance(type, str) else ""
        if not text.startswith("chan ") or not isinstance(size, int) or size < 0:
            raise GcemuError(f"make_chan({type!r}, {size!r}): expected 'chan T' and a size "
                             f">= 0")
        return Chan(self, self.type(text[5:]), size)

    def waitgroup(self) -> WaitGroup:
        """A ``sync.WaitGroup``: Add, Done, Wait."""
        return WaitGroup(self)

    def mutex(self) -> Mutex:
        """A ``sync.Mutex``: Lock, Unlock, TryLock."""
        return Mutex(self)

    def rwmutex(self) -> RWMutex:
        """A ``sync.RWMutex``: Lock, Unlock, RLock, RUnlock, TryLock, TryRLock."""
        return RWMutex(self)

    def sync_map(self, key: str = "int", value: str = "int",
                 name: str | None = None) -> SyncMap | HashTrieMap:
        """A ``sync.Map`` with keys of Go type ``key`` and values of type ``value``
        (gcemu has no interfaces), built as the model's release builds it: Go 1.23's
        read/dirty maps (`gcemu.sync.syncmap`) under ``go`` and ``scanmap``, the
        HashTrieMap of Go 1.24+ (`gcemu.sync.hashtriemap`) under the Swiss models.
        Load, Store, LoadOrStore, LoadAndDelete, Delete, Swap, Range, Clear;
        ``name=`` also declares a global holding it."""
        cls = HashTrieMap if self.model.map == "swiss" else SyncMap
        return cls(self, key, value, name)

    def to_networkx(self):
        """The traced object graph as a networkx.MultiDiGraph (see gcemu.gc.graph)."""
        return traced_graph(self)

    def _repr_svg_(self) -> str | None:
        """Jupyter shows a heap as its picture (gcemu.render)."""
        from gcemu.render import repr_svg

        return repr_svg(self)


def replay_trace(records: Trace | Iterable[dict], model: str = "go", seed: int = 0,
                 **heap_kw: Any) -> Heap:
    """Run a trace (or its records) on a fresh heap; returns the heap.

    With the same model and seed as the recording heap, the replay makes the same
    random draws and ends in the same state.
    """
    if isinstance(records, Trace):
        records = records.records()
    heap = Heap(model=model, seed=seed, **heap_kw)
    return Replayer(heap).run(records)


def explore(scenario: Callable[[Heap], Any], model: str = "go", strategy: str = "dfs",
            max_preemptions: int = 2, gomaxprocs: int = 2, runs: int = 1000, seed: int = 0,
            max_steps: int = 10_000, max_runs: int = 100_000) -> explorer.Exploration:
    """Run ``scenario(h)`` under many schedules of its goroutines and count the
    outcomes (Go's last words): see `gcemu.sched.explore`.

    Examples
    --------
    >>> import gcemu
    >>> def two_writers(h):
    ...     m = h.make_map("map[int]int", name="m")
    ...     wg = h.waitgroup(); wg.Add(2)
    ...     def writer(base):
    ...         m[base] = 1
    ...         wg.Done()
    ...     h.go(writer, 0); h.go(writer, 100)
    ...     wg.Wait()
    >>> ex = gcemu.explore(two_writers, model="go", max_preemptions=1)
    >>> sorted(ex.outcomes)
    ['fatal error: concurrent map writes', 'ok']
    >>> gcemu.replay(two_writers, ex.schedules["fatal error: concurrent map writes"]).outcome
    'fatal error: concurrent map writes'
    """
    return explorer.explore(scenario, Heap, model=model, strategy=strategy,
                            max_preemptions=max_preemptions, gomaxprocs=gomaxprocs,
                            runs=runs, seed=seed, max_steps=max_steps, max_runs=max_runs)


def replay(scenario: Callable[[Heap], Any], schedule: Any, model: str = "go",
           gomaxprocs: int = 2, seed: int = 0, max_steps: int = 10_000) -> explorer.RunResult:
    """Run ``scenario`` once along ``schedule`` (a Schedule or its text, ``"1x4 2x6"``);
    ``.outcome``, ``.schedule``, ``.races``, ``.heap``."""
    return explorer.replay(scenario, schedule, Heap, model=model, gomaxprocs=gomaxprocs,
                           seed=seed, max_steps=max_steps)


__all__ = ["Cycle", "Heap", "explore", "replay", "replay_trace"]
