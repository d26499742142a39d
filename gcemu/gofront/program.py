"""One run of a compiled Go program on an emulated heap: globals, the call stack, the
GC roots, output, defers and recover.

Invariant: before every GC the program asks for (runtime.GC), the heap's global roots
are exactly what Go's would be: the package-level variables and the live local
variables of every active call (gcemu.gofront.liveness), each bound with
``h.set_global`` under the program's own variable name (``m``, ``p.next``, ``s[2]``;
``f.x`` for a variable of function f when two share a name). After main returns only
package-level variables are roots, as for the GC cycle gcemu runs after a scenario.
"""

from __future__ import annotations

import random
import sys
from typing import Any

from gcemu.gofront import gosyncmap
from gcemu.gofront.compile_stmt import StmtCompiler
from gcemu.gofront.finalizers import Finalizers
from gcemu.gofront.gosync import provide_sync_types
from gcemu.gofront.scope import Frame, captured, escaped
from gcemu.gofront.values import Panic, handles


class Runtime:
    """The state of one run: the heap, package-level variables, the call stack."""

    def __init__(self, heap: Any, out: Any = None):
        self.heap = heap
        self.G: list = []
        self.gnames: list[str] = []
        self.stack = PerGoroutine(heap)     # each goroutine's frames
        self.rand = random.Random(heap.seed)
        self.out = out or sys.stdout
        self.bound: set[str] = set()
        self.panicking = PerGoroutine(heap)  # each goroutine's panics in flight
        self.panic: Panic | None = None      # the one that ended the program
        self.finalizers = Finalizers(heap)    # runtime.SetFinalizer's
        self.gcs = 0                          # runtime.GC / FreeOSMemory calls so far
        # what `gcemu verify` compares with Go: ("memstats", site, {field: value}),
        # ("finalizer", SetFinalizer's site, runtime.GC calls before it ran)
        self.events: list = []

    def go(self, fn: Any, args: list) -> None:
        """``go fn(args...)`` on the heap's scheduler; a panic that kills the program
        is kept for its Go report."""
        def body():
            try:
                fn(*args)
            except Panic as p:
                self.panic = self.panic or p
                raise
        self.heap.go(body)

    def write(self, text: str) -> None:
        self.out.write(text)

    # -- roots ------------------------------------------------------------------------
    def roots(self) -> dict[str, Any]:
        """The program's roots, then what finalizers keep (gcemu.gofront.finalizers)."""
        found = self.program_roots()
        for name, v in self.finalizers.roots():
            handles(name, v, found)
        return found

    def program_roots(self) -> dict[str, Any]:
        """Package-level variables and the live locals of every active call."""
        found: dict[str, Any] = {}
        for name, v in zip(self.gnames, self.G, strict=True):
            handles(name, v, found)
        for f in self.stack.frames():
            fname, names = f[0]
            for slot in f[1]:
                name = names[slot]
                key = name if name not in found else f"{fname}.{name}"
                handles(key, f[slot], found)
        return found

    def sync_roots(self) -> None:
        """Bind the live roots as heap globals, unbind the ones no longer live."""
        heap = self.heap
        found = self.roots()
        for name in list(self.bound) + [n for n in heap.globals if n not in found]:
            if name not in found and heap.get_global(name) is not None:
                heap.set_global(name, None)
        for name, obj in found.items():
            if heap.get_global(name) is not obj:
                heap.set_global(name, obj)
        self.bound = set(found)

    def gc(self) -> None:
        """runtime.GC(): roots as of now, then one full cycle, then the finalizers it
        queued."""
        self.cycle(self.heap.collect)

    def free_os_memory(self) -> None:
        """debug.FreeOSMemory(): roots as of now, a cycle, every free page released."""
        self.cycle(self.heap.free_os_memory)

    def cycle(self, collect: Any) -> None:
        self.gcs += 1
        self.finalizers.queue(self.program_roots().values())
        self.sync_roots()
        collect()
        ran = self.finalizers.run()
        if ran:
            self.events.extend(("finalizer", site, self.gcs) for site in ran)
            self.sync_roots()  # the queued objects are roots no more

    # -- panics -----------------------------------------------------------------------
    def run_with_defers(self, f: list, body: Any) -> None:
        """A function body with defers: they run LIFO on return and on panic; one that
        calls recover() stops the panic (the function then returns its results)."""
        try:
            body(f)
        except Panic as p:
            panicking = self.panicking.mine()
            panicking.append(p)
            try:
                self._defers(f)
            finally:
                panicking.pop()
            if not p.recovered:
                raise
            return
        self._defers(f)

    def _defers(self, f: list) -> None:
        defers = f[-1]
        while defers:
            defers.pop()()

    def recover(self) -> Any:
        panicking = self.panicking.mine()
        if not panicking or panicking[-1].recovered:
            return None
        p = panicking[-1]
        p.recovered = True
        return p.value


class PerGoroutine:
    """A list per goroutine (goroutine 1 when no scheduler runs); ``mine()`` is the
    running goroutine's (``heap.sched.current``), taken once per call so that a frame
    unwound while another goroutine is current (the scheduler's shutdown) pops its own."""

    def __init__(self, heap: Any):
        self.heap = heap
        self.lists: dict[int, list] = {1: []}

    def mine(self) -> list:
        s = self.heap.sched
        goid = s.current.goid if s is not None else 1
        got = self.lists.get(goid)
        if got is None:
            got = self.lists[goid] = []
        return got

    def frames(self) -> list:
        """Every goroutine's items, goroutine 1 first."""
        return [x for goid in sorted(self.lists) for x in self.lists[goid]]


class Compiler(StmtCompiler):
    """The whole program: package-level declarations, then main."""

    def compile(self, data: dict) -> Any:
        ast = data["ast"]
        self.escaped = escaped(ast, self.objects, data["types"])
        self.captured = captured(ast, self.objects) - set(self.escaped)
        self.syncmap_kv = gosyncmap.infer(self, ast)
        provide_sync_types(self.types, self.rt.heap, self.syncmap_kv)
        decls = self.types.declarations()
        if decls:
            self.rt.heap.declare(decls)
        inits = []
        main = None
        for d in ast["Decls"]:
            if d["k"] == "GenDecl":
                if d["Tok"] == "import":
                    continue
                if d["Tok"] == "var":
                    for spec in d["Specs"]:
                        for ident in spec["Names"]:
                            if ident["Name"] == "_":
                                continue
                            oid = ident["def"]
                            self.global_slots[oid] = len(self.rt.G)
                            self.rt.G.append(None)
                            self.rt.gnames.append(ident["Name"])
                            self.var_define(oid, self.objects[oid])(
                                None, self.types[self.objects[oid]["type"]].zero())
                continue
        for d in ast["Decls"]:
            if d["k"] == "FuncDecl":
                o = self.objects[d["Name"]["def"]]
                recv = (d.get("Recv") or {}).get("List")
                fn = self.function(d, o["name"], recv[0] if recv else None)
                if recv:
                    self.methods[o["full"]] = fn
                else:
                    self.funcs[d["Name"]["def"]] = fn
                if o["name"] == "main" and not recv:
                    main = fn
                if o["name"] == "init" and not recv:
                    raise self.unsupported(d, "func init")
                if d["Type"].get("TypeParams"):
                    raise self.unsupported(d, "a generic function")
        self.frame = Frame("package")
        for d in ast["Decls"]:
            if d["k"] == "GenDecl" and d["Tok"] == "var":
                for spec in d["Specs"]:
                    if spec.get("Values"):
                        inits.append(self.var_spec(spec))
        self.frame = None
        return inits, main
