"""Assertions about retention, for tests written against gcemu.

Each helper raises ``AssertionError`` with a message a person can act on: the model,
the cycle, the object's state and reason, the path from a root with each slot's
tophash state, and the tophash row of each bucket on that path. It also writes the
path as a Graphviz DOT file (and an SVG when Graphviz's ``dot`` is installed) into the
test's temporary folder when run under pytest (the gcemu plugin sets it), else into a
fresh temporary folder, and names the file in the message. A failing
`assert_retained_bytes` on a map breaks the bytes down by the map's parts (hmap,
buckets, overflow, old storage; for a Swiss map its header, directory, tables and
groups), its shape (count, B or capacity) and the referents only it keeps. The
helpers hide their own frames from pytest's traceback (``__tracebackhide__``), so a
failure shows the test's line, not gcemu's.

Examples
--------
>>> import gcemu
>>> from gcemu.testing import assert_collected, assert_retained
>>> h = gcemu.Heap(model="go")
>>> _ = h.declare("type T struct { id int; next *T }")
>>> m = h.make_map("map[string]*T", name="m")
>>> m["a"], m["b"] = h.new("T", name="a"), h.new("T", name="b")
>>> b = m["b"]
>>> del m["b"]
>>> report = h.collect()
>>> assert_collected(report, b)
>>> assert_retained(report, m["a"], reason="live")
"""

from __future__ import annotations

import contextvars
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path as FsPath
from typing import Any

from gcemu.maps import is_map, kind_of

# Set by the pytest plugin to a callable returning the current test's folder.
artifact_dir: contextvars.ContextVar[Callable[[], FsPath] | None] = contextvars.ContextVar(
    "gcemu_artifact_dir", default=None)

STALE_REASONS = ("stale-slot", "oldbuckets")


def _who(obj: Any) -> str:
    return f"{obj.label} ({obj.name})" if getattr(obj, "name", None) else obj.label


def _state(report, obj) -> str:
    if report.collected(obj):
        return "collected"
    return f"retained (reason: {report.reason(obj)})"


def _picture(report, obj) -> str:
    """Write the retaining path as DOT (and SVG if ``dot`` exists); say where.

    The SVG comes through ``pipe`` (``dot`` reads the source on stdin), so no
    Graphviz source file (``.gv``) is left beside the ``.dot``."""
    __tracebackhide__ = True
    try:
        import graphviz
    except ImportError:  # pragma: no cover - graphviz is a dependency
        return "picture: not written (the graphviz package is missing)"
    path = report.why(obj)
    g = graphviz.Digraph("retention", graph_attr={"rankdir": "LR"},
                         node_attr={"shape": "box", "fontname": "monospace"})
    for n, (a, e, b) in enumerate(path.hops):
        g.node(f"n{n}", graphviz.escape(a))
        g.node(f"n{n + 1}", graphviz.escape(b))
        stale = "stale" in e or "evacuated" in e
        g.edge(f"n{n}", f"n{n + 1}", label=graphviz.escape(e),
               color="red" if stale else "black", style="dashed" if stale else "solid")
    if not path.hops:
        g.node("n0", graphviz.escape(str(path) or _who(obj)))
    factory = artifact_dir.get()
    folder = factory() if factory else FsPath(tempfile.mkdtemp(prefix="gcemu-"))
    stem = folder / ("path-" + re.sub(r"[^A-Za-z0-9_.-]", "_", obj.label))
    dot_file = stem.with_suffix(".dot")
    dot_file.write_text(g.source, encoding="utf-8")
    written = [str(dot_file)]
    if shutil.which("dot"):
        svg = stem.with_suffix(".svg")
        try:
            svg.write_bytes(g.pipe(format="svg"))
            written.append(str(svg))
        except (graphviz.ExecutableNotFound, graphviz.CalledProcessError) as e:
            written.append(f"(svg failed: {e})")
    return "picture: " + ", ".join(written)


def _explain(report, obj, expected: str) -> str:
    __tracebackhide__ = True
    lines = [f"gcemu: expected {_who(obj)} to be {expected}, but it was "
             f"{_state(report, obj)}; model {report.model}, cycle {report.cycle}."]
    path = report.why(obj)
    if path.hops:
        lines.append("path from a root:")
        lines += [f"  {ln}" for ln in str(path).splitlines()]
        for name, row in report.path_buckets(obj):
            lines.append(f"  {name} tophash: {row}")
    elif str(path):
        lines.append(str(path))
    lines.append(_picture(report, obj))
    return "\n".join(lines)


def assert_retained(report, obj, reason: str | None = None) -> None:
    """Fail unless ``obj`` survived the cycle (with ``reason``, if given)."""
    __tracebackhide__ = True
    if not report.retained(obj):
        raise AssertionError(_explain(report, obj, "retained"))
    if reason is not None and report.reason(obj) != reason:
        raise AssertionError(_explain(report, obj, f"retained with reason {reason!r}"))


def assert_collected(report, obj) -> None:
    """Fail unless the cycle (or an earlier one) freed ``obj``."""
    __tracebackhide__ = True
    if not report.collected(obj):
        raise AssertionError(_explain(report, obj, "collected"))


def assert_stale(report, obj) -> None:
    """Fail unless ``obj`` is retained only through a deleted-but-unreclaimed slot
    (reason ``stale-slot`` or ``oldbuckets``)."""
    __tracebackhide__ = True
    if report.reason(obj) not in STALE_REASONS:
        raise AssertionError(_explain(report, obj, "retained through a stale slot"))


def _breakdown(obj, got: int) -> list[str]:
    """For a map: its shape, its bytes by part and the referents only it keeps, read
    through the map-kind registry (so a Swiss map is broken down as its kind measures
    it)."""
    if not is_map(obj):
        return []
    kind = kind_of(obj)
    shape = " ".join(f"{k}={v}" for k, v in kind.summary(obj).items())
    parts = kind.measure(obj)[0]
    own = sum(parts.values())
    terms = " + ".join(f"{k} {v:,}" for k, v in parts.items())
    return [f"  {kind.title or kind.name} map: {shape}",
            f"  {terms} = {own:,} B of map",
            f"  referents only it keeps: {got - own:,} B"]


def assert_retained_bytes(report, map_or_obj, at_most: int) -> None:
    """Fail if more than ``at_most`` bytes stay alive only because of ``map_or_obj``.

    The bytes are its dominator subtree in the traced graph of the heap as it is now
    (`gcemu.gc.analysis.retained_bytes`): for a map, its hmap, buckets, overflow buckets,
    old buckets and the values only it holds.
    """
    __tracebackhide__ = True
    from gcemu.gc.graph import retained_bytes  # networkx: only when asked

    heap = getattr(map_or_obj, "heap", None) or report.heap
    got = retained_bytes(heap, map_or_obj)
    if got > at_most:
        raise AssertionError("\n".join([
            f"gcemu: {_who(map_or_obj)} keeps {got:,} bytes alive, more than "
            f"at_most={at_most:,}; model {report.model}, cycle {report.cycle}.",
            *_breakdown(map_or_obj, got), _picture(report, map_or_obj)]))


__all__ = ["assert_collected", "assert_retained", "assert_retained_bytes", "assert_stale"]
