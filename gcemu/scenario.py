"""Scenarios: Python files that define ``scenario(heap)``.

`load` reads one, `run_scenario` calls it with a fresh heap of the chosen model and
then runs one stop-the-world cycle. Anything that goes wrong in the user's file (a
syntax error, an exception, an unknown type or name) becomes one `ScenarioError` whose
message names the file and line and says what is wrong.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gcemu.errors import GcemuError
from gcemu.heap import Heap
from gcemu.report import Report


class ScenarioError(GcemuError):
    """A scenario file could not be loaded or raised while running."""


@dataclass
class Scenario:
    path: Path
    func: Callable[[Heap], object]
    doc: str


def _where(exc: BaseException, path: Path) -> str:
    """``file:line`` of the innermost frame of the user's file in the traceback."""
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if Path(frame.filename).resolve() == path.resolve():
            line = frame.lineno
    return f"{path}:{line}" if line else str(path)


def load(path: str | Path) -> Scenario:
    """Read a scenario file; it must define ``scenario(heap)``."""
    p = Path(path)
    if not p.is_file():
        raise ScenarioError(f"{p}: no such scenario file")
    try:
        source = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ScenarioError(f"{p}: cannot read: {e}") from None
    namespace: dict = {"__file__": str(p), "__name__": f"gcemu_scenario_{p.stem}"}
    try:
        code = compile(source, str(p), "exec")
    except SyntaxError as e:
        raise ScenarioError(f"{p}:{e.lineno}: syntax error: {e.msg}") from None
    try:
        exec(code, namespace)
    except Exception as e:
        raise ScenarioError(f"{_where(e, p)}: {type(e).__name__}: {e}") from e
    func = namespace.get("scenario")
    if not callable(func):
        raise ScenarioError(f"{p}: defines no function scenario(heap)")
    doc = (func.__doc__ or namespace.get("__doc__") or "").strip()
    return Scenario(p, func, doc)


def prepare(scn: Scenario, model: str, seed: int = 0) -> Heap:
    """A fresh heap of ``model`` with the scenario run on it (no GC yet)."""
    heap = Heap(model=model, seed=seed)
    try:
        scn.func(heap)
    except GcemuError as e:
        raise ScenarioError(f"{_where(e, scn.path)}: {e}") from e
    except Exception as e:
        raise ScenarioError(f"{_where(e, scn.path)}: {type(e).__name__}: {e}") from e
    return heap


def run_scenario(scn: Scenario, model: str, seed: int = 0) -> tuple[Heap, Report]:
    """Run the scenario, then one full stop-the-world cycle."""
    heap = prepare(scn, model, seed)
    if heap.cycle is not None:
        heap.cycle.run()
    return heap, heap.collect()
