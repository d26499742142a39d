"""CPython's own garbage collector, paused while gcemu walks a big heap.

A mark, a reachability pass or a report over a million emulated objects allocates
many small tuples; each allocation burst lets CPython's cyclic collector traverse every
live Python object again, which tripled the cost of those passes in measurements
(benchmarks/bench_mark.py). `paused` turns it off for the duration of one pass and
restores the caller's setting after, as ``timeit`` does.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """Disable CPython's cyclic GC inside the block; re-enable it if it was on."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
