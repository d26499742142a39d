"""Shared helpers of the benchmark scripts: clock, table output, options, profiles.

Importing this module puts the repository root first on ``sys.path``, so
``python benchmarks/bench_*.py`` measures the working tree's gcemu whether or not
the package is installed.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import platform
import pstats
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # before the first gcemu import: measure this tree
    sys.path.insert(0, str(ROOT))

from gcemu.core.models import CLASSIC  # noqa: E402
from gcemu.core.models import MODELS as ALL_MODELS  # noqa: E402

try:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text
except ImportError:  # plain text tables
    Console = None

MODELS = CLASSIC  # the default; any of ALL_MODELS may be asked for
# piped output gets wide tables instead of rich's 80-column default
_console = (Console(highlight=False, width=None if sys.stdout.isatty() else 160)
            if Console is not None else None)


def parser(description: str, repeat: int = 3) -> argparse.ArgumentParser:
    """The options both scripts share."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true", help="a smaller run (smoke test)")
    p.add_argument("--repeat", type=int, default=repeat, metavar="N",
                   help=f"repeats per measurement; the best is kept (default {repeat})")
    p.add_argument("--models", default=",".join(MODELS),
                   help="comma-separated models to run (default: scanmap,go; also "
                        "go-swiss, go-swiss-1.27)")
    p.add_argument("--keep-gc", action="store_true",
                   help="leave CPython's cyclic GC on inside timed sections "
                        "(default: off there, as timeit does)")
    p.add_argument("--profile", action="store_true",
                   help="also print a cProfile of the hot loop (top 15 by tottime)")
    return p


def models(args: argparse.Namespace) -> list[str]:
    out = [m.strip() for m in args.models.split(",") if m.strip()]
    bad = [m for m in out if m not in ALL_MODELS]
    if bad or not out:
        print(f"{Path(sys.argv[0]).name}: --models: unknown model(s) {', '.join(bad) or '(none)'}"
              f"; known: {', '.join(ALL_MODELS)}", file=sys.stderr)
        raise SystemExit(2)  # bad input, as argparse's own errors
    return out


def clock(fn: Callable[..., Any], *args: Any, keep_gc: bool = False) -> tuple[float, Any]:
    """Run ``fn(*args)`` once: (CPU seconds of this process, time.process_time, result).

    The cyclic GC is collected before and disabled during the call unless ``keep_gc``.
    """
    gc.collect()
    was_enabled = gc.isenabled()
    if not keep_gc:
        gc.disable()
    try:
        t0 = time.process_time()
        result = fn(*args)
        elapsed = time.process_time() - t0
    finally:
        if was_enabled:
            gc.enable()
    return elapsed, result


def header(title: str, args: argparse.Namespace, extra: str = "") -> None:
    import gcemu

    say(title)
    say(f"python {platform.python_version()} ({platform.python_implementation()}), "
        f"gcemu {gcemu.__version__} from {Path(gcemu.__file__).parent}")
    say(f"best of {args.repeat} repeat(s); cyclic GC "
        f"{'on' if args.keep_gc else 'off'} in timed sections"
        + (f"; {extra}" if extra else ""))


def say(text: str = "") -> None:
    if _console is not None:
        _console.print(text, markup=False, soft_wrap=True)
    else:
        print(text)


def table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print a table (rich if available). Columns after the first are right-aligned."""
    cells = [[str(c) for c in row] for row in rows]
    if _console is not None:
        t = Table(title=Text(title), title_justify="left")
        for i, h in enumerate(headers):
            t.add_column(Text(h), justify="left" if i == 0 else "right")
        for row in cells:
            t.add_row(*(Text(c) for c in row))
        _console.print(t)
        return
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h)
              for i, h in enumerate(headers)]

    def line(row: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                         for i, (c, w) in enumerate(zip(row, widths, strict=True)))

    print(title)
    print(line(headers))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print(line(row))
    print()


def secs(t: float) -> str:
    if t >= 1:
        return f"{t:.3f} s"
    if t >= 1e-3:
        return f"{t * 1e3:.2f} ms"
    return f"{t * 1e6:.1f} µs"


def rate(n: float, t: float) -> str:
    """``n`` per second, e.g. ``1.23 M/s``."""
    if t <= 0:
        return "inf"
    r = n / t
    for div, unit in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if r >= div:
            return f"{r / div:.3g} {unit}/s"
    return f"{r:.3g} /s"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b > 0 else "n/a"


def met(ok: bool) -> str:
    return "MET" if ok else "NOT MET"


def profile(title: str, fn: Callable[[], Any], top: int = 15) -> Any:
    """Run ``fn`` under cProfile and print its ``top`` functions by tottime."""
    prof = cProfile.Profile()
    gc.collect()
    prof.enable()
    try:
        result = fn()
    finally:
        prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.strip_dirs().sort_stats("tottime").print_stats(top)
    say(f"cProfile: {title} (top {top} by tottime)")
    print(out.getvalue().rstrip())
    print()
    return result
