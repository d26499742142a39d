"""The Go interpreter's overhead (gcemu.gofront): Go loops vs the same ops as a Python scenario.

Workloads (each a whole Go program, generated with the loop count N; the Python
scenario does the same operations through the public facade on a heap of the same
model):

* ``int``: ``m := make(map[int]int); for i := 0; i < N; i++ { m[i] = i }``;
* ``ptr``: ``type T struct{ id int; next *T }``, ``m := make(map[int]*T)``,
  ``for i := 0; i < N; i++ { m[i] = &T{id: i} }``
  (Python: ``m[i] = h.new("T", value={"id": i})``);
* ``loop``: ``s := 0; for i := 0; i < N; i++ { s += i }`` (no map: the interpreter
  alone; Python: the same loop on a local).

Timed: ``scenario(heap)`` of the Go program (compiling the typed AST to closures,
then running main; the helper's parse and type check run once, before timing, and
are reported apart) against the Python scenario's function, best of ``--repeat``,
rounds interleaving the two. Printed: both times, the ratio, and the interpreter's
overhead per loop iteration ((Go time - Python time) / N).

    python benchmarks/bench_gofront.py [--quick] [--repeat N] [--models go]
                                       [--iterations N] [--profile]
"""

from __future__ import annotations

import io
import tempfile
import time
from pathlib import Path

import _bench
from _bench import clock, rate, ratio, secs, table

import gcemu
from gcemu.gofront.scenario import go_scenario

PROGRAMS = {
    "int": """package main

func main() {
	m := make(map[int]int)
	for i := 0; i < N; i++ {
		m[i] = i
	}
}
""",
    "ptr": """package main

type T struct {
	id   int
	next *T
}

func main() {
	m := make(map[int]*T)
	for i := 0; i < N; i++ {
		m[i] = &T{id: i}
	}
}
""",
    "loop": """package main

func main() {
	s := 0
	for i := 0; i < N; i++ {
		s += i
	}
	_ = s
}
""",
}


def py_int(h, n: int) -> None:
    m = h.make_map("map[int]int", name="m")
    for i in range(n):
        m[i] = i


def py_ptr(h, n: int) -> None:
    h.declare("type T struct { id int; next *T }")
    m = h.make_map("map[int]*T", name="m")
    new = h.new
    for i in range(n):
        m[i] = new("T", value={"id": i})


def py_loop(h, n: int) -> None:
    s = 0
    for i in range(n):
        s += i


PYTHON = {"int": py_int, "ptr": py_ptr, "loop": py_loop}


def go_program(folder: Path, name: str, n: int):
    """(scenario callable, helper seconds) of workload ``name`` with N = ``n``."""
    path = folder / f"{name}.go"
    path.write_text(PROGRAMS[name].replace("< N", f"< {n}"))
    t0 = time.perf_counter()
    scenario, _ = go_scenario(path, out=io.StringIO())
    return scenario, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    p = _bench.parser(__doc__.splitlines()[0], repeat=2)
    p.set_defaults(models="go")
    p.add_argument("--iterations", type=int, default=None,
                   help="loop iterations N; default 1000000 (quick 100000)")
    args = p.parse_args(argv)
    n = args.iterations or (100_000 if args.quick else 1_000_000)
    names = _bench.models(args)
    _bench.header(f"bench_gofront: Go loops of {n:,} iterations interpreted by gcemu vs the "
                  f"same operations as a Python scenario", args)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-gofront-") as tmp:
        for work in PROGRAMS:
            scenario, helper_s = go_program(Path(tmp), work, n)
            for model in names:
                go_t: list[float] = []
                py_t: list[float] = []
                for _ in range(args.repeat):
                    go_t.append(clock(scenario, gcemu.Heap(model=model),
                                      keep_gc=args.keep_gc)[0])
                    py_t.append(clock(PYTHON[work], gcemu.Heap(model=model), n,
                                      keep_gc=args.keep_gc)[0])
                g, q = min(go_t), min(py_t)
                rows.append((f"{work} ({model})", f"{n:,}", secs(helper_s), secs(g),
                             rate(n, g), secs(q), ratio(g, q),
                             f"{(g - q) / n * 1e9:,.0f} ns"))
            if args.profile:
                _bench.profile(f"{work}: the Go program ({names[0]})",
                               lambda s=scenario: s(gcemu.Heap(model=names[0])))
    table("Go program (gcemu.gofront) vs Python scenario: best time; ratio = Go / Python; "
          "overhead = (Go - Python) / iterations",
          ("workload (model)", "iterations", "helper (once)", "Go program", "iter/s",
           "Python scenario", "ratio", "overhead/iter"), rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
