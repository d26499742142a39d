"""Schedules explored per second on the article's two-writer program (issue 14).

Workload: examples/ch3_ww.py with N map writes per goroutine (the article writes 1000;
3 here by default, 2 with --quick), explored with ``dfs`` at preemption bounds 0, 1,
2 (and 3 unless --quick), GOMAXPROCS=2, and with ``random`` and ``pct`` for as many
runs as dfs needed at bound 2. Each row: schedules, seconds, schedules per second,
and the outcome counts. Baseline: one run of the same program with a single
goroutine doing both writers' work (no scheduler attached), so a row's cost per
schedule reads as a multiple of a plain run.

Goal (the issue): dfs over two goroutines with 3 map writes each at bound 2
"finishes in seconds".

    python benchmarks/bench_explore.py [--quick] [--repeat N] [--models go,go-swiss]
"""

from __future__ import annotations

import _bench
from _bench import clock, met, rate, ratio, secs, table

import gcemu

GOAL_SECONDS = 10.0


def two_writers(n: int):
    def scenario(h):
        m = h.make_map("map[int]int", name="m")
        wg = h.waitgroup()
        wg.Add(2)

        def writer(gid):
            for j in range(n):
                m[j] = gid
            wg.Done()

        h.go(writer, 0)
        h.go(writer, 1)
        wg.Wait()
    return scenario


def plain(n: int, model: str) -> None:
    h = gcemu.Heap(model=model, trace=False)
    m = h.make_map("map[int]int", name="m")
    for gid in (0, 1):
        for j in range(n):
            m[j] = gid


def main() -> None:
    p = _bench.parser(__doc__.splitlines()[0])
    p.set_defaults(models="go,go-swiss")
    args = p.parse_args()
    n = 2 if args.quick else 3
    bounds = (0, 1, 2) if args.quick else (0, 1, 2, 3)
    _bench.header(f"bench_explore: two goroutines x {n} map writes (examples/ch3_ww.py)",
                  args)
    goals = []
    for model in _bench.models(args):
        base = min(clock(plain, n, model, keep_gc=args.keep_gc)[0] for _ in range(args.repeat))
        rows = []
        for strategy, bound in [("dfs", b) for b in bounds] + [("random", 2), ("pct", 2)]:
            runs = rows[2][1] if strategy != "dfs" else 1000

            def go(strategy=strategy, bound=bound, runs=runs, model=model):
                return gcemu.explore(two_writers(n), model=model, strategy=strategy,
                                     max_preemptions=bound, runs=runs)
            best = min((clock(go, keep_gc=args.keep_gc) for _ in range(args.repeat)),
                       key=lambda x: x[0])
            t, ex = best
            label = f"dfs, bound {bound}" if strategy == "dfs" else strategy
            rows.append([label, ex.runs, secs(t), rate(ex.runs, t),
                         ratio(t / ex.runs, base),
                         ", ".join(f"{k}: {v}" for k, v in ex.outcomes.most_common())])
            if strategy == "dfs" and bound == 2:
                goals.append([f"{model}: dfs bound 2 finishes in seconds",
                              f"<= {GOAL_SECONDS:.0f} s", secs(t), met(t <= GOAL_SECONDS)])
        table(f"{model} (plain run of the same writes: {secs(base)})",
              ["strategy", "schedules", "time", "schedules/s", "per schedule vs plain",
               "outcomes"], rows)
    table("Goals", ["goal", "target", "measured", "status"], goals)


if __name__ == "__main__":
    main()
