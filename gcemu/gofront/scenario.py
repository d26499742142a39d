"""A Go file as a gcemu scenario: ``go_scenario(path) -> (scenario(heap), doc)``.

The file is parsed and type-checked once (gcemu.gofront.helper: errors are Go's, at
Go's positions). Each call ``scenario(heap)`` compiles the typed AST against that heap
(gcemu.gofront.program), runs the package-level variable initialisers and ``main``,
writes what the program prints to stdout, and finally unbinds the local roots (main has
returned), so the GC cycle gcemu runs after a scenario sees the package-level variables
only. An unrecovered panic propagates as gcemu.errors.GoPanic, whose message is Go's
``panic: ...`` (the CLI exits 2, as Go does).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gcemu.gofront.helper import typed_ast
from gcemu.gofront.program import Compiler, Runtime


def doc_of(data: dict) -> str:
    """The program's doc comment is not in the AST; its first line is the title."""
    return ""


def go_scenario(path: str | Path, out: Any = None) -> tuple[Callable[[Any], None], str]:
    """The scenario callable of the Go program at ``path`` (and its docstring)."""
    p = Path(path)
    data = typed_ast(p)

    def scenario(heap: Any) -> None:
        rt = Runtime(heap, out or sys.stdout)
        # the program's live variables are roots of automatic cycles too (GOGC pacing)
        heap.root_providers.append(lambda: rt.roots().items())
        inits, main = Compiler(data, str(p), rt).compile(data)
        try:
            for init in inits:
                init([("package", ["", ""]), ()])
            main()
        finally:
            rt.out.flush()
            rt.sync_roots()

    return scenario, f"{p.name}: a Go program"


__all__ = ["go_scenario"]
