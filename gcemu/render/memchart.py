"""The memory-over-time chart: HeapAlloc, HeapInuse, HeapIdle, HeapReleased across phases.

A scenario marks its phases by returning ``{"after inserts": memstats(heap), ...}``
(`gcemu.ui.memstats`); this module draws them as a Go user would plot
``runtime.MemStats`` snapshots: one line per field, one point per phase, in the order
the scenario returned them, the y axis in MB (``bytes / 1024 / 1024``, as the book's
``m.Alloc/1024/1024``). The SVG is written here, with no plotting library and no
Graphviz: a plot area, a y axis with round ticks (1, 2 or 5 times a power of ten MB),
the phase names under their points, and a legend. Every user string (the title, the
phase names) is made visible (`gcemu.render.text.visible`) and XML-escaped.

The drawing is static: the points are the snapshots the scenario took, nothing is
interpolated between them, and a phase the scenario did not take does not exist.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

from gcemu.errors import GcemuError
from gcemu.render.text import html_str, visible

__all__ = ["SERIES", "memory_chart_svg", "write_memory_chart"]

#: The fields drawn, and their colours.
SERIES = (("HeapAlloc", "#1f77b4"), ("HeapInuse", "#d62728"),
          ("HeapIdle", "#2ca02c"), ("HeapReleased", "#9467bd"))
MB = 1024 * 1024

# layout, in SVG user units
_LEFT, _RIGHT, _TOP, _BOTTOM = 70, 170, 40, 70   # margins around the plot area
_STEP = 110                                      # x distance between two phases, at least
_PLOT_H = 260
_MIN_PLOT_W = 300                                # so the title fits over a few phases
_LABEL = 18                                      # characters of a phase name shown


def nice_step(top_mb: float, ticks: int = 5) -> float:
    """A round tick step (1, 2 or 5 x 10^k MB) giving at most ``ticks`` steps to ``top_mb``.

    Examples
    --------
    >>> nice_step(461), nice_step(0.3), nice_step(4)
    (100.0, 0.1, 1.0)
    """
    if top_mb <= 0:
        return 1.0
    raw = top_mb / ticks
    power = 10.0 ** math.floor(math.log10(raw))
    return float(next((m * power for m in (1, 2, 5) if m * power >= raw), 10 * power))


def _fmt(mb: float, step: float) -> str:
    decimals = max(0, -math.floor(math.log10(step)))
    return f"{mb:.{decimals}f}"


def memory_chart_svg(phases: Mapping[str, Mapping[str, int]], title: str) -> str:
    """The chart of ``phases`` (phase name -> its MemStats dict, in order) as SVG text."""
    if not phases:
        raise GcemuError("memory chart: no MemStats phases to draw")
    names = list(phases)
    for name, stats in phases.items():
        missing = [f for f, _ in SERIES if not isinstance(stats.get(f), int)]
        if missing:
            raise GcemuError(f"memory chart: phase {visible(name)!r} has no "
                             f"{', '.join(missing)}")
    top = max(phases[n][f] for n in names for f, _ in SERIES) / MB
    step = nice_step(top)
    ymax = step * max(1, math.ceil(top / step - 1e-9))
    plot_w = max(_STEP * (len(names) - 1), _MIN_PLOT_W)
    width = _LEFT + plot_w + _RIGHT
    height = _TOP + _PLOT_H + _BOTTOM
    x0, y0 = _LEFT, _TOP + _PLOT_H

    def x(i: int) -> float:
        return round(x0 + (plot_w / 2 if len(names) == 1 else i * plot_w / (len(names) - 1)), 2)

    def y(nbytes: int) -> float:
        return round(y0 - nbytes / MB / ymax * _PLOT_H, 2)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
           f'<title>{html_str(visible(title, 120))}</title>',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text class="title" x="{x0}" y="{_TOP - 16}" font-size="14">'
           f'{html_str(visible(title, 120))}</text>']
    # y axis: ticks and grid lines in MB
    out.append(f'<g class="y-axis"><line x1="{x0}" y1="{_TOP}" x2="{x0}" y2="{y0}" '
               f'stroke="black"/>')
    n_ticks = round(ymax / step)
    for k in range(n_ticks + 1):
        mb = k * step
        ty = round(y0 - k / n_ticks * _PLOT_H, 2)
        out.append(f'<line x1="{x0}" y1="{ty}" x2="{x0 + plot_w}" y2="{ty}" '
                   f'stroke="#ddd"/><text class="tick" x="{x0 - 6}" y="{ty + 4}" '
                   f'text-anchor="end">{_fmt(mb, step)}</text>')
    out.append(f'<text class="unit" x="{x0 - 6}" y="{_TOP - 4}" text-anchor="end">MB'
               f'</text></g>')
    # x axis: one label per phase
    out.append(f'<g class="x-axis"><line x1="{x0}" y1="{y0}" x2="{x0 + plot_w}" '
               f'y2="{y0}" stroke="black"/>')
    for i, name in enumerate(names):
        out.append(f'<text class="phase" x="{x(i)}" y="{y0 + 18}" text-anchor="middle">'
                   f'{html_str(visible(name, _LABEL))}</text>')
    out.append('</g>')
    # the series, then the legend
    for j, (field, colour) in enumerate(SERIES):
        values = [phases[n][field] for n in names]
        points = " ".join(f"{x(i)},{y(v)}" for i, v in enumerate(values))
        out.append(f'<g class="series" data-field="{field}">'
                   f'<polyline points="{points}" fill="none" stroke="{colour}" '
                   f'stroke-width="2"/>')
        for i, v in enumerate(values):
            out.append(f'<circle cx="{x(i)}" cy="{y(v)}" r="3" fill="{colour}" '
                       f'data-bytes="{v}"><title>{field} '
                       f'{html_str(visible(names[i], 60))}: {v:,} B</title></circle>')
        ly = _TOP + 10 + 20 * j
        lx = x0 + plot_w + 20
        out.append(f'<line x1="{lx}" y1="{ly}" x2="{lx + 20}" y2="{ly}" stroke="{colour}" '
                   f'stroke-width="2"/><text class="legend" x="{lx + 26}" y="{ly + 4}">'
                   f'{field}</text></g>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write_memory_chart(phases: Mapping[str, Mapping[str, int]], path: str | Path,
                       title: str) -> Path:
    """Write `memory_chart_svg` to ``path`` (an ``.svg`` file); return the path."""
    p = Path(path)
    if p.suffix.lower() != ".svg":
        raise GcemuError(f"{p}: the memory chart is SVG: give -o FILE.svg")
    svg = memory_chart_svg(phases, title)
    try:
        p.write_text(svg, encoding="utf-8")
    except OSError as e:
        raise GcemuError(f"{p}: cannot write: {e.strerror or e}") from None
    return p
