"""Pictures: Graphviz drawings of a heap or a cycle, and the HTML stepping player.

- `to_dot` (gcemu.render.dot): a ``graphviz.Digraph`` of a heap or a cycle.
- `write_player` / `player_html` / `Recording` (gcemu.render.html): one self-contained
  page that steps through a recorded GC cycle.
- `render(obj, path)`: picks the format from the suffix (.dot .svg .png .html).

Both map kinds are drawn: the classic map's buckets (gcemu.render.classic) and the Swiss
map's directory, tables and groups (gcemu.render.swiss), copied into a `Snapshot`
(gcemu.render.snapshot), chosen by a `Scene` (gcemu.render.scene: elision, focus),
escaped by gcemu.render.text.

Jupyter shows a `Heap` or a `Cycle` inline through their ``_repr_svg_``, which call
`repr_svg` here; ``%load_ext gcemu.render`` registers the same formatter explicitly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gcemu.core.heap import Heap
from gcemu.errors import GcemuError
from gcemu.gc.marker import Cycle
from gcemu.render import classic, swiss  # noqa: F401  (each registers its drawer)
from gcemu.render.dot import INSTALL_HINT, pipe, to_dot, to_svg
from gcemu.render.html import Recording, player_html, write_player

FORMATS = (".dot", ".gv", ".svg", ".png", ".html")


def render(obj: Any, path: str | Path, **kw: Any) -> Path:
    """Write a picture of ``obj`` (a Heap, a Cycle or a `Recording`) to ``path``.

    The suffix picks the format: ``.dot``/``.gv`` (DOT text, needs no Graphviz),
    ``.svg`` and ``.png`` (through Graphviz's ``dot``), ``.html`` (the stepping player:
    for a Heap with no cycle running this runs one full GC cycle, recording it).
    Keyword arguments go to `to_dot` or `write_player`. Returns the path written.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in FORMATS:
        raise GcemuError(f"{p}: unknown picture format {suffix or '(none)'!r}; "
                         f"use one of {', '.join(FORMATS)}")
    if suffix == ".html":
        return write_player(obj, p, **kw)
    g = to_dot(obj, **kw)
    if suffix in (".dot", ".gv"):
        data = g.source.encode("utf-8", "surrogatepass")
    else:
        data = pipe(g, suffix[1:])
    try:
        p.write_bytes(data)
    except OSError as e:
        raise GcemuError(f"{p}: cannot write: {e.strerror or e}") from None
    return p


def repr_svg(obj: Any) -> str | None:
    """SVG for Jupyter (None when Graphviz's ``dot`` is missing: Jupyter falls back
    to the text repr)."""
    try:
        return to_svg(obj)
    except GcemuError:
        return None


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext gcemu.render``: show heaps and cycles as pictures."""
    fmt = ipython.display_formatter.formatters["image/svg+xml"]
    for cls in (Heap, Cycle):
        fmt.for_type(cls, repr_svg)


__all__ = ["INSTALL_HINT", "Recording", "load_ipython_extension", "player_html", "render",
           "repr_svg", "to_dot", "to_svg", "write_player"]
