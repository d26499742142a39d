"""Scenarios: Python files that define ``scenario(heap)``.

The contract
------------
A scenario file defines ``def scenario(heap):``. gcemu calls it with a fresh
`gcemu.Heap` of the chosen model; the names given with ``name=`` are the names that
reports, ``gcemu explain`` and pictures use. What it does next is up to gcemu's caller:

- `execute` (``gcemu run``, ``explain``, ``compare``): then one GC cycle. If the
  scenario left a cycle running (it called ``heap.gc()`` and stepped it, to delete
  while marking), that cycle is finished and reported; otherwise one full
  stop-the-world cycle runs.
- `prepare` (``gcemu step``, ``render``): no GC; the heap as the scenario left it.

A scenario that only makes sense under some models (it reads a Swiss map's tables, say)
names its default with a module-level ``MODEL = "go-swiss"``: the commands use it when
``--model`` is not given (`Scenario.model`).

A scenario may *measure* things along the way (bytes before and after a delete, a
tophash row, how many allocations a loop made) and return them as a dict with string
keys and JSON values; `execute` hands them back as `Outcome.measured`, ``gcemu run``
prints them and ``gcemu run --json`` adds them under ``"measured"``. `memstats` gives
the figures gcemu has that resemble Go's ``runtime.MemStats``.

Errors
------
Anything that goes wrong in the user's file (a syntax error, an exception, any
`BaseException` but Ctrl-C, an unknown type or name, a bad return value) becomes one
`ScenarioError` whose message names the file and line and says what is wrong; reading a
Swiss map's field on a classic map says which models have it.

Examples
--------
>>> import pathlib, tempfile
>>> from gcemu.ui.scenario import execute, load
>>> src = '''
... def scenario(heap):
...     heap.declare("type T struct { id int; next *T }")
...     m = heap.make_map("map[string]*T", name="m")
...     m["a"], m["b"] = heap.new("T", name="a"), heap.new("T", name="b")
...     del m["b"]
...     return {"len": len(m)}
... '''
>>> path = pathlib.Path(tempfile.mkdtemp()) / "two.py"
>>> _ = path.write_text(src)
>>> out = execute(load(path), "go")
>>> out.measured, out.report.reason(out.named("b"))
({'len': 1}, None)
"""

from __future__ import annotations

import difflib
import json
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gcemu.api import Heap
from gcemu.core.models import MODELS
from gcemu.errors import GcemuError
from gcemu.gofront.scenario import go_scenario
from gcemu.maps import is_map, kind_of
from gcemu.maps.kind import KINDS
from gcemu.report import Report


class ScenarioError(GcemuError):
    """A scenario file could not be loaded or raised while running."""


@dataclass
class Scenario:
    """A loaded scenario file: its path, its ``scenario`` function and its docstring
    (the function's, else the module's)."""

    path: Path
    func: Callable[[Heap], object]
    doc: str
    model: str | None = None  # the file's ``MODEL = "..."``: its default model

    @property
    def title(self) -> str:
        """The first line of the docstring (or the file name)."""
        return self.doc.splitlines()[0] if self.doc else self.path.name


@dataclass
class Outcome:
    """One run of a scenario under one model (`execute`).

    Attributes
    ----------
    scenario : Scenario
    heap : Heap
        The heap after the scenario and the GC cycle.
    report : Report
        The report of that cycle.
    measured : dict
        What ``scenario(heap)`` returned (empty when it returned None).
    names : dict
        Every name the scenario gave (``name=`` and globals) -> its handle, as of the
        end of the scenario, so a name still finds an object the cycle then freed.
    """

    scenario: Scenario
    heap: Heap
    report: Report
    measured: dict[str, Any] = field(default_factory=dict)
    names: dict[str, Any] = field(default_factory=dict)

    @property
    def model(self) -> str:
        return self.heap.model.name

    def named(self, name: str) -> Any:
        """The object (or map) the scenario called ``name``, even if it was freed."""
        obj = self.names.get(name)
        if obj is None:
            raise ScenarioError(f"{self.scenario.path}: no object or global named {name!r}"
                                + _suggest(name, self.names))
        return obj


def names_of(heap: Heap) -> dict[str, Any]:
    """Every name in ``heap`` -> its handle: objects given ``name=`` (the first one
    wins, freed ones included, as `Heap.named` does), then globals (which win over
    object names)."""
    return {**heap.names, **heap.globals}


def _suggest(name: str, names: Any) -> str:
    close = difflib.get_close_matches(name, list(names), n=3)
    if close:
        return f"; did you mean {', '.join(close)}?"
    known = sorted(names)
    if not known:
        return " (the scenario names nothing: give objects name=...)"
    shown = ", ".join(known[:8]) + (", ..." if len(known) > 8 else "")
    return f" (names: {shown})"


def _where(exc: BaseException, path: Path) -> str:
    """``file:line`` of the innermost frame of the user's file in the traceback."""
    line = None
    target = path.resolve()
    for frame in traceback.extract_tb(exc.__traceback__):
        if Path(frame.filename).resolve() == target:
            line = frame.lineno
    return f"{path}:{line}" if line else str(path)


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in str(text).splitlines() if part.strip())


def load(path: str | Path) -> Scenario:
    """Read a scenario file; it must define ``scenario(heap)``."""
    p = Path(path)
    if not p.exists():
        raise ScenarioError(f"{p}: no such scenario file")
    if not p.is_file():
        raise ScenarioError(f"{p}: not a file (a scenario is a Python file)")
    if p.suffix == ".go":  # a Go program as a scenario (gcemu.gofront)
        try:
            func, doc = go_scenario(p)
        except GcemuError as e:
            raise ScenarioError(_one_line(e)) from None
        return Scenario(p, func, doc)
    try:
        source = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ScenarioError(f"{p}: cannot read: {e}") from None
    namespace: dict = {"__file__": str(p), "__name__": f"gcemu_scenario_{p.stem}"}
    folder = str(p.resolve().parent)  # as for a script: its folder's modules import
    if folder not in sys.path:
        sys.path.insert(0, folder)
    try:
        code = compile(source, str(p), "exec")
    except SyntaxError as e:
        raise ScenarioError(f"{p}:{e.lineno}: syntax error: {e.msg}") from None
    except ValueError as e:  # e.g. source code string cannot contain null bytes
        raise ScenarioError(f"{p}: cannot compile: {e}") from None
    try:
        exec(code, namespace)
    except SystemExit as e:
        raise ScenarioError(f"{_where(e, p)}: the file called exit({e.code!r})") from e
    except KeyboardInterrupt:
        raise
    except BaseException as e:  # the user's code: any raise but Ctrl-C is one line
        raise ScenarioError(f"{_where(e, p)}: {type(e).__name__}: {_one_line(e)}") from e
    func = namespace.get("scenario")
    if not callable(func):
        raise ScenarioError(f"{p}: defines no function scenario(heap)")
    doc = (func.__doc__ or namespace.get("__doc__") or "").strip()
    model = namespace.get("MODEL")
    if model is not None and model not in MODELS:
        raise ScenarioError(f"{p}: MODEL = {model!r} is not a model (models: "
                            f"{', '.join(MODELS)})")
    return Scenario(p, func, doc, model)


def model_for(scn: Scenario, given: str | None) -> str:
    """The model to run ``scn`` under: ``--model`` if given, else the file's
    ``MODEL``, else scanmap (the design card's model)."""
    return given or scn.model or "scanmap"


def _measurements(scn: Scenario, value: Any) -> dict[str, Any]:
    """Check what ``scenario(heap)`` returned: None or a dict of JSON values."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ScenarioError(
            f"{scn.path}: scenario(heap) returned a {type(value).__name__}; return None "
            f"or a dict of measurements with string keys")
    bad = [k for k in value if not isinstance(k, str)]
    if bad:
        raise ScenarioError(
            f"{scn.path}: the measurements scenario(heap) returned have the key "
            f"{bad[0]!r} ({type(bad[0]).__name__}); their keys must be strings")
    try:
        json.dumps(value)
    except (TypeError, ValueError) as e:
        raise ScenarioError(f"{scn.path}: the measurements scenario(heap) returned are "
                            f"not JSON values: {e}") from None
    return dict(value)


def call(scn: Scenario, heap: Heap) -> dict[str, Any]:
    """Run ``scenario(heap)`` on ``heap``; returns its measurements ({} if none)."""
    try:
        value = scn.func(heap)
    except GcemuError as e:
        raise ScenarioError(f"{_where(e, scn.path)}: {_one_line(e)}") from e
    except SystemExit as e:  # exit() in a scenario ends the scenario, not gcemu
        raise ScenarioError(f"{_where(e, scn.path)}: the scenario called exit({e.code!r})"
                            ) from e
    except KeyboardInterrupt:
        raise
    except AttributeError as e:
        raise ScenarioError(f"{_where(e, scn.path)}: {_attribute_error(e, heap)}") from e
    except BaseException as e:  # the user's code: any raise but Ctrl-C is one line
        raise ScenarioError(
            f"{_where(e, scn.path)}: {type(e).__name__}: {_one_line(e)}") from e
    return _measurements(scn, value)


def _attribute_error(e: AttributeError, heap: Heap) -> str:
    """The message of an AttributeError: a field of another kind of map (a Swiss
    map's ``used`` read on a classic map) says which models have it."""
    name, obj = getattr(e, "name", None), getattr(e, "obj", None)
    mine = kind_of(obj) if name and is_map(obj) else None
    for other in KINDS.values() if mine is not None else ():
        if other is not mine and other.has_field(name):
            models = [n for n, m in MODELS.items() if m.map == other.name]
            return (f"{name} belongs to the {other.title} map (models {', '.join(models)}); "
                    f"a {mine.title} map (model {heap.model.name}) has "
                    f"{', '.join(mine.fields)}: run it with --model {models[0]}, or put "
                    f"MODEL = \"{models[0]}\" in the scenario")
    return f"{type(e).__name__}: {_one_line(e)}"


def prepare(scn: Scenario, model: str, seed: int = 0) -> Heap:
    """A fresh heap of ``model`` with the scenario run on it (no GC yet; a cycle the
    scenario started is left running)."""
    heap = Heap(model=model, seed=seed)
    call(scn, heap)
    return heap


def finish(scn: Scenario, heap: Heap) -> Report:
    """The GC cycle after a scenario: finish the one it left running, else run one
    full stop-the-world cycle."""
    try:
        if heap.cycle is not None:
            return heap.cycle.run()
        return heap.collect()
    except GcemuError as e:
        raise ScenarioError(f"{scn.path}: after the scenario: {_one_line(e)}") from e


def execute(scn: Scenario, model: str, seed: int = 0) -> Outcome:
    """Run the scenario on a fresh heap of ``model``, then one GC cycle (`finish`)."""
    heap = Heap(model=model, seed=seed)
    measured = call(scn, heap)
    names = names_of(heap)
    return Outcome(scn, heap, finish(scn, heap), measured, names)


def run_scenario(scn: Scenario, model: str, seed: int = 0) -> tuple[Heap, Report]:
    """``execute`` as a pair: (heap, report)."""
    out = execute(scn, model, seed)
    return out.heap, out.report


def memstats(heap: Heap) -> dict[str, int]:
    """The figures gcemu has that resemble Go's ``runtime.MemStats``, as of now.

    ``mallocs``
        allocations made so far (objects, hmaps, bucket arrays, overflow buckets,
        mapextra, overflow lists, indirect keys and elems): like ``Mallocs``.
    ``frees``
        allocations a sweep freed so far: like ``Frees``.
    ``heap_objects``
        allocations alive now (not yet swept): like ``HeapObjects``.
    ``heap_alloc``
        their bytes, each rounded up to its Go 1.23 size class: like ``HeapAlloc``.

    Not modelled: string data and the tiny allocator, spans and pages (so no
    ``HeapInuse``, which counts whole 8 KiB spans), stacks, the runtime's own
    allocations. Those make Go's numbers larger and noisier; the differences between
    two moments are what these figures are for.
    """
    mallocs = heap.allocations
    alive = len(heap.objects)
    return {"mallocs": mallocs, "frees": mallocs - alive, "heap_objects": alive,
            "heap_alloc": heap.bytes_in_use()}


__all__ = ["Outcome", "Scenario", "ScenarioError", "call", "execute", "finish",
           "load", "memstats", "names_of", "prepare", "run_scenario"]
