"""Traces with goroutines whose schedule is forced: GOMAXPROCS=1 and explicit yields.

Invariant
---------
With one P and no preemption inside a short program, goroutines interleave only at
``runtime.Gosched()``, at a park (``wg.Wait()``) and at a return, and the run queue
decides who runs next (`gcemu.sched.runq`). Such a run is one global sequence of
map operations: run on one goroutine in that order, Go's maps go through exactly the
states they go through with the goroutines. So a forced run is checked against Go
in two parts, each on real Go:

1. **The order.** `order_program` writes a Go program with the scenario's goroutine
   structure: each goroutine's operations (as markers ``rec(goroutine, op)``, and
   ``runtime.GC()`` at a GC point, which may let others run), ``runtime.Gosched()``
   where the scenario yielded, ``go`` where it spawned (``wg.Add(1)`` before it,
   ``wg.Done()`` deferred in the goroutine) and ``wg.Wait()`` where it parked,
   ``runtime.GOMAXPROCS(1)``. Go prints the (goroutine, op) pairs in the order they
   ran; `check_order` compares them with gcemu's.
2. **The states.** The recorded trace (in execution order) runs through the
   conformance runner (`gcemu.golang.gen`) and the replay (`gcemu.golang.compare`):
   every map's state after every operation and the collected set at every GC point.

Steps of `run_forced`: run the scenario under a `Recorder` (a `Scheduler` with
GOMAXPROCS=1 and Go's run queue as its strategy, on a heap that records its trace),
which notes per goroutine its actions in its own order: the trace operations it ran,
``go``, ``Gosched``, ``wg.Wait``. A park on anything but a WaitGroup (channels,
mutexes) is refused: the order program does not express it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gcemu import toolchain
from gcemu.api import Heap
from gcemu.errors import GcemuError
from gcemu.golang import compare, gen
from gcemu.golang.replay import Result
from gcemu.sched.goroutine import Goroutine
from gcemu.sched.runq import GoRunQueue
from gcemu.sched.schedule import Schedule
from gcemu.sched.scheduler import OK, Scheduler

WAIT = "sync.WaitGroup.Wait"  # the park reason of gcemu.sync.WaitGroup.Wait


class Recorder(Scheduler):
    """A scheduler that notes each goroutine's actions (see the module essay);
    ``strategy`` is Go's run queue unless another is given (to show that the order
    check catches a wrong one)."""

    def __init__(self, heap: Any, max_steps: int = 10_000, strategy: Any = None):
        super().__init__(heap, strategy or GoRunQueue(), gomaxprocs=1,
                         max_steps=max_steps, race=False)
        self.actions: dict[int, list[tuple]] = {1: []}
        self.order: list[tuple[int, int]] = []  # (goroutine, op index) in trace order
        self._mark = 0

    def flush(self) -> None:
        """Give the operations recorded since the last flush to the running
        goroutine."""
        n = len(self.heap.trace)
        g = self.current.goid
        acts = self.actions[g]
        for i in range(self._mark, n):
            acts.append(("op", i))
            self.order.append((g, i))
        self._mark = n

    def _ending(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def body(*args: Any) -> Any:
            fn(*args)
            self.flush()
        return body

    def run(self, scenario: Callable[[Any], Any]) -> str:
        return super().run(self._ending(scenario))

    def go(self, fn: Callable[..., Any], args: tuple) -> Goroutine:
        self.flush()
        g = super().go(self._ending(fn), args)
        self.actions[self.current.goid].append(("go", g.goid))
        self.actions[g.goid] = []
        return g

    def gosched(self) -> None:
        self.flush()
        self.actions[self.current.goid].append(("gosched",))
        super().gosched()

    def park(self, reason: str) -> Any:
        self.flush()
        if reason != WAIT:
            raise GcemuError(f"goroutine {self.current.goid} parks on {reason}: a forced "
                             f"schedule on Go is checked with Gosched and WaitGroup.Wait "
                             f"only")
        self.actions[self.current.goid].append(("wait",))
        return super().park(reason)


@dataclass
class ForcedRun:
    """A scenario run under GOMAXPROCS=1's rule, as `run_forced` returns it."""

    outcome: str
    records: list[dict]
    order: list[tuple[int, int]]
    actions: dict[int, list[tuple]]
    schedule: Schedule
    heap: Any = field(repr=False)


def run_forced(scenario: Callable[[Any], Any], model: str = "go", seed: int = 0,
               max_steps: int = 10_000, strategy: Any = None) -> ForcedRun:
    """Run ``scenario(h)`` with its goroutines switched as Go switches them with
    GOMAXPROCS=1 (see the module essay); the trace in execution order."""
    heap = Heap(model=model, seed=seed)
    s = Recorder(heap, max_steps, strategy)
    outcome = s.run(scenario)
    if outcome != OK:
        raise GcemuError(f"the forced run ended with {outcome!r}; only a run that ends "
                         "'ok' can be compared with Go")
    records = heap.trace.records()
    if any(r["op"] == "gc_start" for r in records):
        raise GcemuError("the scenario steps a GC cycle (heap.gc() / h.go_gc()); Go's "
                         "concurrent mark cannot be replayed: use heap.collect()")
    return ForcedRun(outcome, records, s.order, s.actions, s.schedule(), heap)


def order_program(run: ForcedRun) -> str:
    """The Go program with the run's goroutine structure that prints the order in
    which its operations ran (see the module essay)."""
    gc_ops = {i for i, r in enumerate(run.records) if r["op"] == "gc"}

    def body(g: int) -> list[str]:
        out = [] if g == 1 else ["\tdefer wg.Done()"]
        for a in run.actions[g]:
            if a[0] == "op":
                out.append(f"\trec({g}, {a[1]})")
                if a[1] in gc_ops:
                    out.append("\truntime.GC()")
            elif a[0] == "go":
                out += ["\twg.Add(1)", f"\tgo g{a[1]}()"]
            elif a[0] == "gosched":
                out.append("\truntime.Gosched()")
            else:
                out.append("\twg.Wait()")
        return out

    src = ["// Code generated by gcemu (gcemu/golang/forced.py): a forced schedule's order.",
           "package main", "", 'import (\n\t"fmt"\n\t"runtime"\n\t"runtime/debug"\n'
           '\t"strings"\n\t"sync"\n)', "", "var wg sync.WaitGroup", "var order []string",
           "", "func rec(g, i int) { order = append(order, fmt.Sprintf(\"[%d,%d]\", g, i)) }",
           ""]
    for g in sorted(run.actions):
        if g == 1:
            continue
        src += [f"func g{g}() {{", *body(g), "}", ""]
    src += ["func main() {", "\truntime.GOMAXPROCS(1)", "\tdebug.SetGCPercent(-1)",
            *body(1), '\tfmt.Println("[" + strings.Join(order, ",") + "]")', "}", ""]
    return "\n".join(src)


def go_order(run: ForcedRun, tc: toolchain.Toolchain | None = None) -> list[tuple[int, int]]:
    """The (goroutine, op) pairs in the order real Go ran them."""
    exe = toolchain.build(order_program(run), tc)
    return [tuple(p) for p in json.loads(toolchain.run(exe, ""))]


def first_difference(ours: list[tuple[int, int]], theirs: list[tuple[int, int]]) -> str | None:
    """Where two orders first differ, in words (None when equal)."""
    for n, (a, b) in enumerate(zip(ours, theirs, strict=False)):
        if a != b:
            return (f"step {n}: gcemu ran op {a[1]} on goroutine {a[0]}, Go ran op {b[1]} "
                    f"on goroutine {b[0]}")
    if len(ours) != len(theirs):
        return f"gcemu ran {len(ours)} operations, Go {len(theirs)}"
    return None


def check_states(name: str, run: ForcedRun, tc: toolchain.Toolchain | None = None) -> Result:
    """The run's trace on Go (one goroutine, the recorded order) compared state by
    state with gcemu's replay (`gcemu.golang.compare`)."""
    go = gen.run_traces([(name, run.records)], tc=tc)[name]
    return compare.compare(name, run.records, go, model=run.heap.model.name)


__all__ = ["WAIT", "ForcedRun", "Recorder", "check_states", "first_difference", "go_order",
           "order_program", "run_forced"]
