"""Cost of the allocator per call, against a CPython dict insert in the same process.

Workload (the shape of bench_map's values): N ``malloc(64, noscan=False)`` (a 64 B
pointerful T), then one full sweep freeing them all (``mark_termination``, N ``free``,
``end_sweep``); and N tiny ``malloc(7, noscan=True)`` (7-byte key strings). Baseline:
N ``d[i] = i`` into a dict. Prints ns per call and the ratio to the dict insert, so the
lead can judge the allocator's share of bench_map's per-operation cost.

    python benchmarks/bench_alloc.py [--n N]
"""

from __future__ import annotations

import argparse
import time

import _bench  # noqa: F401  (puts the working tree first on sys.path)

from gcemu.mem.allocator import Allocator


def _per_call(fn, n: int) -> float:
    """Best of 3 runs of ``fn(n)``, in ns per call."""
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        fn(n)
        best = min(best, time.perf_counter() - t)
    return best / n * 1e9


def dict_insert(n: int) -> None:
    d = {}
    for i in range(n):
        d[i] = i


def malloc_small(n: int) -> None:
    a = Allocator()
    for _ in range(n):
        a.malloc(64, False)


def malloc_tiny(n: int) -> None:
    a = Allocator()
    for _ in range(n):
        a.malloc(7, True)


def free_small(n: int) -> None:
    a = Allocator()
    addrs = [a.malloc(64, False) for _ in range(n)]
    a.mark_termination()
    t = time.perf_counter()
    for x in addrs:
        a.free(x)
    free_small.seconds = time.perf_counter() - t


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=200_000)
    n = p.parse_args().n
    base = _per_call(dict_insert, n)
    rows = [("dict insert", base)]
    rows.append(("malloc(64, scan)", _per_call(malloc_small, n)))
    rows.append(("malloc(7, tiny)", _per_call(malloc_tiny, n)))
    best = float("inf")
    for _ in range(3):
        free_small(n)
        best = min(best, free_small.seconds)
    rows.append(("free (sweep, 64 B)", best / n * 1e9))
    print(f"N = {n:,}")
    for name, ns in rows:
        print(f"{name:22} {ns:8.1f} ns/call   {ns / base:5.1f}x dict insert")


if __name__ == "__main__":
    main()
