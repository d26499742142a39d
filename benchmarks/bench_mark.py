"""A full mark of a big map[int64]*T, against a bare BFS of the same graph.

Workload: a heap holding one global ``map[int64]*T`` with 1,000,000 entries (``--quick``:
100,000), each elem a new ``T`` (``type T struct { id int; next *T; buf [48]byte }``).

* mark: ``cycle = h.gc(record=False)`` then ``cycle.drain()``, the no-event mark loop
  (the hot path of ``cycle.run()`` / ``h.collect()``).
* the rest of ``run()``, step by step after the drain: ``step()`` to mark termination,
  ``step()`` = ``check_consistency``, ``step()`` = sweep, which builds the `Report`
  (reachability analysis; timed by wrapping ``gcemu.report.Report``) then frees;
  and ``run()`` as a whole on a fresh cycle.
* baseline: the traced graph (``gcemu.gc.analysis.traced_edges``: root -> hmap -> bucket
  array -> each T, plus overflow buckets) as a dict ``node id -> [node ids]``, walked by
  a bare BFS (deque, visited set) from the root, in the same process.
* stepping: on a 20,000-entry map (``--quick``: 5,000), ``cycle = h.gc()`` (events
  recorded) and ``cycle.step()`` to the end: steps/s and events/s.

Goal (issue 16): a whole cycle (what collect() runs) at most 1.5x the BFS.

    python benchmarks/bench_mark.py [--quick] [--repeat N] [--models scanmap,go]
                                    [--entries N] [--step-entries N] [--keep-gc]
                                    [--profile]
"""

from __future__ import annotations

import gc
import resource
import time
from collections import deque

import _bench
from _bench import clock, met, rate, ratio, say, secs, table

import gcemu
import gcemu.api
import gcemu.report
from gcemu.gc.graph import traced_edges
from gcemu.maps.kind import kind_of

DECL = "type T struct { id int; next *T; buf [48]byte }"
MAP_TYPE = "map[int64]*T"
GOAL_RATIO = 1.5  # issue 16: a whole cycle (collect()) at most 1.5x the bare BFS
ROOT_ID = 0  # object ids start at 1
FIRST_QUESTION = "report's first question (lazy analysis)"


def build(model: str, n: int):
    h = gcemu.Heap(model=model)
    h.declare(DECL)
    m = h.make_map(MAP_TYPE, name="m")
    for i in range(n):
        m[i] = h.new("T")
    return h, m


def adjacency(h) -> tuple[dict[int, list[int]], int]:
    """The traced graph as node id -> successor ids (every traced pointer, duplicates
    kept, as the marker visits them); the roots hang off node ROOT_ID."""
    adj: dict[int, list[int]] = {ROOT_ID: []}
    edges = 0
    for src, dst, _edge in traced_edges(h):
        s = ROOT_ID if isinstance(src, str) else src.id
        adj.setdefault(s, []).append(dst.id)
        adj.setdefault(dst.id, [])
        edges += 1
    return adj, edges


def bfs(adj: dict[int, list[int]], root: int) -> int:
    """A bare breadth-first search; returns the number of nodes reached."""
    seen = {root}
    queue = deque((root,))
    pop, push, add = queue.popleft, queue.append, seen.add
    while queue:
        for nxt in adj[pop()]:
            if nxt not in seen:
                add(nxt)
                push(nxt)
    return len(seen)


class _ReportTimer:
    """Wraps gcemu.report.Report so the sweep step's report building is timed."""

    def __init__(self):
        self.seconds: float | None = None
        self._orig = gcemu.report.Report

    def __enter__(self):
        orig, timer = self._orig, self

        class TimedReport(orig):
            def __init__(self, *args, **kwargs):
                t0 = time.process_time()
                super().__init__(*args, **kwargs)
                timer.seconds = time.process_time() - t0

        gcemu.report.Report = gcemu.api.Report = TimedReport  # api binds the name
        return self

    def __exit__(self, *exc):
        gcemu.report.Report = gcemu.api.Report = self._orig


def cycle_parts(h, keep_gc: bool) -> dict[str, float | None]:
    """One cycle: mark (drain), then each later step timed on its own."""
    cycle = h.gc(record=False)
    out: dict[str, float | None] = {}
    out["mark"], _ = clock(cycle.drain, keep_gc=keep_gc)
    t_term, _ = clock(cycle.step, keep_gc=keep_gc)
    if cycle.phase != "mark termination":
        say(f"warning: after drain(), step() left phase {cycle.phase!r}; "
            "the run() breakdown is not available")
        cycle.run()
        return out
    out["to mark termination"] = t_term
    out["check_consistency"], _ = clock(cycle.step, keep_gc=keep_gc)
    with _ReportTimer() as rt:
        t_sweep, _ = clock(cycle.step, keep_gc=keep_gc)
    if not cycle.done:
        cycle.run()
    # the report analyses its cycle when first asked (reasons, paths, bytes): after run()
    out[FIRST_QUESTION], _ = clock(lambda: cycle.report.bytes, keep_gc=keep_gc)
    out["report"] = rt.seconds
    out["sweep"] = None if rt.seconds is None else t_sweep - rt.seconds
    out["sweep + report"] = t_sweep
    return out


def step_events(h, keep_gc: bool) -> tuple[float, int, int]:
    """(seconds, steps, events) of one recorded cycle stepped to its end."""
    def loop():
        cycle = h.gc()
        steps = events = 0
        step = cycle.step
        while not cycle.done:
            events += len(step())
            steps += 1
        return steps, events

    t, (steps, events) = clock(loop, keep_gc=keep_gc)
    return t, steps, events


def bench_model(model: str, n: int, args) -> dict:
    say(f"{model}: building {n:,} entries ...")
    t_build, (h, m) = clock(build, model, n, keep_gc=True)
    t_adj, (adj, edges) = clock(adjacency, h, keep_gc=True)
    say(f"{model}: built in {secs(t_build)} ({kind_of(m).name} map, {len(h.objects):,} objects); "
        f"adjacency list {len(adj):,} nodes, {edges:,} edges in {secs(t_adj)}")

    # check once that the BFS and the marker reach the same objects
    reached = bfs(adj, ROOT_ID) - 1  # minus the root node
    cycle = h.gc(record=False)
    cycle.drain()
    marked = sum(1 for o in h.objects.values() if o.color >= cycle.grey_color)
    cycle.run()
    if reached != marked:
        say(f"warning: {model}: the BFS reaches {reached:,} objects, the marker marked "
            f"{marked:,}")

    parts: dict[str, list[float]] = {}
    bfs_times, run_times = [], []
    for _ in range(args.repeat):  # rounds interleave baseline and marker
        t, _ = clock(bfs, adj, ROOT_ID, keep_gc=args.keep_gc)
        bfs_times.append(t)
        for k, v in cycle_parts(h, args.keep_gc).items():
            if v is not None:
                parts.setdefault(k, []).append(v)
        cycle = h.gc(record=False)
        t, _ = clock(cycle.run, keep_gc=args.keep_gc)
        run_times.append(t)
    del adj
    if args.profile:
        cycle = h.gc(record=False)
        _bench.profile(f"{model}: cycle.drain() of {n:,} entries", cycle.drain)
        cycle.run()
    del h, m, cycle
    gc.collect()
    return {"bfs": min(bfs_times), "run": min(run_times),
            "parts": {k: min(v) for k, v in parts.items()},
            "nodes": reached + 1, "edges": edges, "marked": marked}


def bench_steps(model: str, n: int, args) -> tuple[float, int, int]:
    h, _m = build(model, n)
    return min((step_events(h, args.keep_gc) for _ in range(args.repeat)),
               key=lambda r: r[0])


def main(argv: list[str] | None = None) -> int:
    p = _bench.parser(__doc__.splitlines()[0])
    p.add_argument("--entries", type=int, default=None,
                   help="map entries for the mark (default 1000000, quick 100000)")
    p.add_argument("--step-entries", type=int, default=None,
                   help="map entries for stepping (default 20000, quick 5000)")
    args = p.parse_args(argv)
    n = args.entries or (100_000 if args.quick else 1_000_000)
    n_step = args.step_entries or (5_000 if args.quick else 20_000)
    names = _bench.models(args)
    _bench.header(f"bench_mark: full mark of a {n:,}-entry {MAP_TYPE} vs a bare BFS of "
                  f"the same traced graph; stepping on {n_step:,} entries", args)

    res = {model: bench_model(model, n, args) for model in names}

    rows = []
    for model in names:
        r = res[model]
        rows.append((f"{model}: BFS (baseline)", f"{r['nodes']:,}", f"{r['edges']:,}",
                     secs(r["bfs"]), rate(r["nodes"], r["bfs"]), "1.00x"))
        mark = r["parts"]["mark"]
        rows.append((f"{model}: mark (drain)", f"{r['marked']:,}", f"{r['edges']:,}",
                     secs(mark), rate(r["marked"], mark), ratio(mark, r["bfs"])))
        rows.append((f"{model}: run() total", f"{r['marked']:,}", "",
                     secs(r["run"]), rate(r["marked"], r["run"]),
                     ratio(r["run"], r["bfs"])))
    table("Mark vs BFS (best time; objects/s; ratio = time / BFS time)",
          ("run", "objects", "edges", "time", "objects/s", "vs BFS"), rows)

    rows = []
    for model in names:
        r = res[model]
        total = sum(v for k, v in r["parts"].items()
                    if k not in ("sweep + report", FIRST_QUESTION))
        for k in ("mark", "to mark termination", "check_consistency", "report", "sweep"):
            if k in r["parts"]:
                v = r["parts"][k]
                rows.append((f"{model}: {k}", secs(v), f"{100 * v / total:.1f}%",
                             ratio(v, r["bfs"])))
        rows.append((f"{model}: sum of parts", secs(total), "100.0%", ratio(total, r["bfs"])))
        rows.append((f"{model}: run() measured", secs(r["run"]), "",
                     ratio(r["run"], r["bfs"])))
        if FIRST_QUESTION in r["parts"]:
            v = r["parts"][FIRST_QUESTION]
            rows.append((f"{model}: after run(), the {FIRST_QUESTION}", secs(v), "",
                         ratio(v, r["bfs"])))
    table("run() by part (best of each; sweep = the sweep step minus its Report)",
          ("part", "time", "share", "vs BFS"), rows)

    rows = []
    for model in names:
        t, steps, events = bench_steps(model, n_step, args)
        rows.append((f"{model}: {n_step:,} entries", f"{steps:,}", f"{events:,}", secs(t),
                     rate(steps, t), rate(events, t)))
    table("Stepping a recorded cycle (h.gc(); cycle.step() to the end; best time)",
          ("run", "steps", "events", "time", "steps/s", "events/s"), rows)

    rows = []
    for model in names:
        r = res[model]["run"] / res[model]["bfs"]
        rows.append((f"{model}: whole cycle (run(), as collect()) vs BFS",
                     f"<= {GOAL_RATIO:.1f}x", f"{r:.2f}x", met(r <= GOAL_RATIO)))
        r = res[model]["parts"]["mark"] / res[model]["bfs"]
        rows.append((f"{model}: mark vs BFS", "", f"{r:.2f}x", ""))
    table("Goals", ("goal", "target", "measured", "status"), rows)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    say(f"peak RSS of this process: {peak / 1024**2:.2f} GiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
