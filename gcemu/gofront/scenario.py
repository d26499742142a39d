"""A Go file as a gcemu scenario: ``go_scenario(path) -> (scenario(heap), doc)``.

The file is parsed and type-checked once (gcemu.gofront.helper: errors are Go's, at
Go's positions). Each call ``scenario(heap)`` compiles the typed AST against that heap
(gcemu.gofront.program), runs the package-level variable initialisers and ``main``,
writes what the program prints to stdout, and finally unbinds the local roots (main has
returned), so the GC cycle gcemu runs after a scenario sees the package-level variables
only. An unrecovered panic propagates as gcemu.errors.GoPanic, whose message is Go's
``panic: ...`` (the CLI exits 2, as Go does).

A program with ``go`` statements or channel operations runs on a goroutine scheduler (gcemu.sched):
- under ``gcemu.explore`` / ``gcemu.replay`` (``gcemu explore prog.go``) on theirs, one
  run per schedule; what the program prints is dropped (thousands of runs), only the
  outcome counts;
- otherwise (``gcemu run prog.go``) on one of its own, along ONE schedule: no
  preemption, GOMAXPROCS=1: each goroutine runs until it blocks (channel, mutex,
  WaitGroup), yields (runtime.Gosched, time.Sleep) or returns, then the one Go 1.23's
  run queue picks (`gcemu.sched.runq`: the newest goroutine first, runnext). A
  ``fatal error: ...`` ends the run as Go's does (exit 2).
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gcemu.gofront.helper import typed_ast
from gcemu.gofront.program import Compiler, Runtime
from gcemu.gofront.scope import walk
from gcemu.gofront.values import Fatal, Panic
from gcemu.sched.runq import GoRunQueue
from gcemu.sched.scheduler import OK, Scheduler


def go_scenario(path: str | Path, out: Any = None, events: list | None = None
                ) -> tuple[Callable[[Any], None], str]:
    """The scenario callable of the Go program at ``path`` (and its docstring); with
    ``events``, each run appends what `gcemu verify` compares (Runtime.events)."""
    p = Path(path)
    data = typed_ast(p)
    goroutines = any(n["k"] in ("GoStmt", "SendStmt") or n.get("Op") == "<-"
                     for n in walk(data["ast"]))

    def scenario(heap: Any) -> None:
        explored = heap.sched is not None
        rt = Runtime(heap, out or (io.StringIO() if explored else sys.stdout))
        if events is not None:
            rt.events = events
        # the program's live variables are roots of automatic cycles too (GOGC pacing)
        heap.root_providers.append(lambda: rt.roots().items())
        inits, main = Compiler(data, str(p), rt).compile(data)

        def program(_heap: Any) -> None:
            try:
                for init in inits:
                    init([("package", ["", ""]), ()])
                main()
            except Panic as e:
                rt.panic = rt.panic or e
                raise

        try:
            if goroutines and not explored:
                outcome = Scheduler(heap, GoRunQueue(), gomaxprocs=1).run(program)
                if outcome != OK:
                    if rt.panic is not None and outcome.startswith("panic:"):
                        raise rt.panic
                    raise Fatal(outcome)
            else:
                program(heap)
        finally:
            rt.out.flush()
            rt.sync_roots()

    return scenario, f"{p.name}: a Go program"


__all__ = ["go_scenario"]
