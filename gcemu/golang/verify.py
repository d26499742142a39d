"""``gcemu verify SCENARIO``: run a scenario on real Go and compare with a model.

The scenario runs on a gcemu heap (recording its trace), then one stop-the-world cycle
as ``gcemu run`` does; the trace runs on the Go toolchain whose runtime the model
follows (`runtime_for`): Go 1.23's classic map for ``go`` and ``scanmap``
(`gcemu.golang.gen`, `gcemu.golang.compare`), Go 1.25 for ``go-swiss`` and Go 1.27 for
``go-swiss-1.27`` (`gcemu.golang.swisscompare`). It is replayed in gcemu with Go's
hash values and random draws. The command prints, per named object, the model's
outcome at the final GC beside the runtime's (finalized or kept), then the layout
differences, if any.

Under a model of Go as built (``go``, ``go-swiss``, ``go-swiss-1.27``) any difference
is a divergence of the model from Go (exit status 1). Under ``--model scanmap``
differences are the expected consequence of that model (delete clears nothing, the
marker stops at emptyRest) and are listed as such. Without the Go toolchain the model
needs, the command says how to get one (exit status 2). Objects on or behind a garbage
pointer cycle are "not verifiable" (Go never finalizes a cycle: `gcemu.golang.cycles`).

A Go program (``.go``, package main) is compared by what it prints instead
(`verify_go`): gcemu runs it (gcemu.gofront), the toolchain of the model's Go release
builds and runs it, and verify diffs their stdout, exit status and panic line; it notes
what makes a program print differently from run to run (range over a map, math/rand).
"""

from __future__ import annotations

import json
from typing import Any

from gcemu.errors import GcemuError

MAX_OPS = 400_000  # trace operations verify accepts (memory: see docs/conformance.md)
EXACT = frozenset({"go", "go-swiss", "go-swiss-1.27"})  # models of Go as built
EXPECTED_SCANMAP = ("expected under scanmap: delete and evacuate clear nothing there, and "
                    "the marker traces emptyOne slots and stops at emptyRest, where Go "
                    "zeroes deleted slots and scans every pointer word")


def add_parser(subparsers) -> Any:
    """Add the ``verify`` subcommand to ``gcemu``'s subparsers."""
    from gcemu.core.models import MODELS

    s = subparsers.add_parser("verify", help="run the scenario on a real Go toolchain "
                              "and compare with the model")
    s.add_argument("scenario", help="a Python file defining scenario(heap), or a Go "
                   "program (package main): then what it prints is compared")
    s.add_argument("--model", choices=sorted(MODELS), default="go",
                   help="the model to compare with Go (default %(default)s)")
    s.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    s.add_argument("--json", action="store_true", help="print the comparison as JSON")
    s.add_argument("--all", action="store_true", help="list unnamed objects too")
    s.set_defaults(func=cmd_verify)
    return s


def runtime_for(model: str) -> tuple[str, str]:
    """(Go series, runner flavour) of the runtime ``model`` is checked against:
    ``("1.23", "classic")`` for ``go`` and ``scanmap``, ``("1.25", "swiss")`` for
    ``go-swiss``, ``("1.27", "swiss")`` for ``go-swiss-1.27``."""
    from gcemu import toolchain
    from gcemu.core.models import get_model
    from gcemu.golang import swisscompare

    if get_model(model).map == "swiss":
        return swisscompare.series_of(model), "swiss"
    return toolchain.DEFAULT, "classic"


def verify(path: str, model: str = "go", seed: int = 0) -> dict:
    """Run scenario ``path`` under ``model`` and on the Go release it follows; the
    comparison as a dict."""
    from gcemu import toolchain
    from gcemu.golang import compare, gen, swisscompare
    from gcemu.ui.scenario import ScenarioError, load, prepare

    series, flavour = runtime_for(model)
    tc = toolchain.find_toolchain(series) if flavour == "swiss" else toolchain.find_toolchain()
    scn = load(path)
    heap = prepare(scn, model, seed)
    if heap.trace is None:
        raise GcemuError(f"{path}: the scenario's heap records no trace")
    records = heap.trace.records()
    if any(r["op"] == "gc_start" for r in records):
        raise ScenarioError(f"{path}: the scenario steps a GC cycle (heap.gc()); Go's "
                            "concurrent mark cannot be replayed step by step. Use "
                            "heap.collect() for GC points to verify")
    if len(records) > MAX_OPS:
        raise GcemuError(f"{path}: {len(records):,} operations; gcemu verify handles at "
                         f"most {MAX_OPS:,} (its memory grows with the trace: about 2.5 GB "
                         "for 300,000 operations)")
    records.append({"op": "gc"})  # as `gcemu run`: one cycle at the end
    go = gen.run_traces([("scenario", records)], tc=tc, flavour=flavour)["scenario"]
    replay = swisscompare.compare if flavour == "swiss" else compare.compare
    res = replay("scenario", records, go, model=model, stop=False)
    names: dict[int, str] = {}
    for r in records:
        if r["op"] in ("new", "make") and r.get("name"):
            names[r["id"]] = r["name"]
    final = res.retention[-1] if res.retention else None
    report = getattr(res, "report", None)
    objects = []
    unverifiable: list[str] = []
    for r in records:
        if r["op"] not in ("new", "make"):
            continue
        rid = r["id"]
        handle = res.handles.get(rid) if hasattr(res, "handles") else None
        entry = {"id": rid, "name": names.get(rid), "type": r.get("type"),
                 "label": handle.label if handle is not None else f"#{rid}"}
        if final is not None and rid in final["unverifiable"]:
            entry["model"] = "collected"
            entry["go"] = "not verifiable"
            unverifiable.append(entry["label"] + (f" ({entry['name']})" if entry["name"]
                                                  else ""))
        elif final is not None:
            entry["model"] = "collected" if rid in final["gcemu"] else "retained"
            entry["go"] = "finalized" if rid in final["go"] else "kept"
            if report is not None and handle is not None and entry["model"] == "retained":
                entry["reason"] = report.reason(handle)
        objects.append(entry)
    notes = []
    if any(r.get("custom_hash") for r in records if r["op"] == "make"):
        notes.append("the scenario pins hashes with hash=; Go hashes with its own "
                     "function, so this run placed keys as Go does (gcemu replayed "
                     "with Go's hashes)")
    if unverifiable:
        notes.append(f"not verifiable this way: {', '.join(unverifiable[:6])}"
                     + (f" (+{len(unverifiable) - 6})" if len(unverifiable) > 6 else "")
                     + " lie on or behind a pointer cycle; Go never runs the finalizers "
                     "of a cycle (runtime.SetFinalizer), which is how verify sees what "
                     "Go collects, so only gcemu's outcome is shown")
    return {
        "notes": notes,
        "scenario": str(path),
        "model": model,
        "go": tc.version,
        "ops": len(records),
        "map_states": res.map_ops,
        "gc_points": res.gc_points,
        "objects": objects,
        "differences": [str(d) for d in res.divergences],
        "go_error": res.go_error,
        "expected": model not in EXACT,
    }


def _go_nondeterminism(path: str) -> list[str]:
    """What makes a Go program print differently from run to run (read from its
    typed AST): ranging over a map (Go randomizes the order), math/rand."""
    from gcemu.gofront.helper import typed_ast
    from gcemu.gofront.scope import walk

    data = typed_ast(path)
    types = data["types"]
    notes = []
    if any(n["k"] == "RangeStmt" and types[n["X"]["type"]]["k"] in ("map", "named") and
           _under(types, n["X"]["type"])["k"] == "map" for n in walk(data["ast"])):
        notes.append("the program ranges over a map: Go visits the keys in a random order "
                     "(gcemu in its own), so printed output that follows that order may "
                     "differ without the model being wrong")
    if any(o.get("k") == "pkgname" and o.get("path") == "math/rand" for o in data["objects"]):
        notes.append("the program uses math/rand: gcemu draws other numbers than Go")
    return notes


def _under(types: list[dict], i: int) -> dict:
    t = types[i]
    while t["k"] == "named":
        t = types[t["under"]]
    return t


def _gcemu_prints(path: str, model: str, seed: int) -> tuple[str, int, str, list]:
    """(stdout, exit status, first stderr line, events: gcemu.gofront.program's
    Runtime.events) of the Go program run by gcemu."""
    import io

    from gcemu.api import Heap
    from gcemu.errors import GoPanic
    from gcemu.gofront.scenario import go_scenario

    out, events = io.StringIO(), []
    scenario, _ = go_scenario(path, out=out, events=events)
    try:
        scenario(Heap(model=model, seed=seed))
    except GoPanic as e:
        return out.getvalue(), 2, e.go_report.splitlines()[0], events
    return out.getvalue(), 0, "", events


def _go_events(stderr: str) -> list:
    """The instrumented program's reports (gcemu.gofront.instrument), as gcemu's."""
    from gcemu.gofront.instrument import FIELDS

    ev = []
    for ln in stderr.splitlines():
        w = ln.split()
        if w[:1] == ["gcemu-memstats"]:
            ev.append(("memstats", w[1], dict(zip(FIELDS, map(int, w[2:]), strict=True))))
        elif w[:1] == ["gcemu-finalizer"]:
            ev.append(("finalizer", w[1], int(w[2])))
    return ev


def _memstats_differences(mine: list, runs: list[list]) -> list[str]:
    """Each delta between consecutive ReadMemStats calls held to go-memstats.md §5.4's
    tolerances against Go's range over ``runs`` (as tests/test_memstats_go.py):
    HeapAlloc 192 B + 5,400 B per new runtime thread k, HeapObjects/Mallocs/Frees 2 + 5k,
    NumGC exact."""
    snaps = [[e for e in ev if e[0] == "memstats"] for ev in [mine, *runs]]
    if len({len(x) for x in snaps}) != 1:
        return [f"ReadMemStats calls: Go {len(snaps[1])}, gcemu {len(snaps[0])}"]
    diffs = []
    for i in range(1, len(snaps[0])):
        site = f"{snaps[0][i - 1][1]} -> {snaps[0][i][1]}"
        d = [{f: x[i][2][f] - x[i - 1][2][f] for f in COMPARED} for x in snaps]
        emu, go = d[0], d[1:]
        k = -(-max(0, max(g["HeapObjects"] for g in go) - emu["HeapObjects"] - 2) // 5)
        tol = {"HeapAlloc": 192 + 5_400 * k, "HeapObjects": 2 + 5 * k,
               "Mallocs": 2 + 5 * k, "Frees": 2 + 5 * k, "NumGC": 0}
        for f, t in tol.items():
            lo, hi = min(g[f] for g in go), max(g[f] for g in go)
            if not lo - t <= emu[f] <= hi + t:
                diffs.append(f"MemStats {site}: {f} delta gcemu {emu[f]:+,}, Go "
                             f"{lo:+,}..{hi:+,} (tolerance {t:,})")
    return diffs


COMPARED = ("HeapAlloc", "HeapObjects", "Mallocs", "Frees", "NumGC")
GO_RUNS = 3  # runs of the program on Go for the MemStats range


def verify_go(path: str, model: str = "go", seed: int = 0) -> dict:
    """Run the Go program ``path`` on gcemu (model ``model``) and, built by the
    toolchain of the Go release that model follows, on real Go; compare what each
    prints on stdout, the exit status, a panic's first line, the MemStats deltas
    between ReadMemStats calls and which finalizers ran after which runtime.GC
    (the build is instrumented: gcemu.gofront.instrument)."""
    import difflib
    import os
    import subprocess
    import tempfile

    from gcemu import toolchain
    from gcemu.gofront.helper import typed_ast
    from gcemu.gofront.instrument import instrument

    series, _ = runtime_for(model)
    tc = toolchain.find_toolchain(series)
    mine, my_status, my_panic, my_events = _gcemu_prints(path, model, seed)
    with open(path, encoding="utf-8") as fh:
        source = instrument(fh.read(), typed_ast(path))
    with tempfile.TemporaryDirectory(prefix="gcemu-verify-") as tmp:
        exe, src = f"{tmp}/prog", f"{tmp}/{os.path.basename(path)}"
        with open(src, "w", encoding="utf-8") as fh:
            fh.write(source)
        b = subprocess.run([tc.go, "build", "-o", exe, src], env=tc.env(),
                           capture_output=True, text=True, timeout=600, cwd=tmp)
        if b.returncode != 0:
            raise GcemuError(f"{path}: go build ({tc.version}) failed: "
                             f"{' '.join(b.stderr.split())}")
        runs = [subprocess.run([exe], capture_output=True, text=True, timeout=600,
                               cwd=tmp) for _ in range(GO_RUNS)]
        fin = subprocess.run([exe], capture_output=True, text=True, timeout=600, cwd=tmp,
                             env={**os.environ, "GCEMU_FINALIZERS": "1"})
    r = runs[0]
    go_panic = next((ln for ln in r.stderr.splitlines()
                     if ln.startswith(("panic: ", "fatal error: "))), "")
    diff = list(difflib.unified_diff(r.stdout.splitlines(), mine.splitlines(),
                                     "Go", "gcemu", lineterm="", n=1))
    if r.returncode != my_status:
        diff.append(f"exit status: Go {r.returncode}, gcemu {my_status}")
    if go_panic != my_panic:
        diff.append(f"panic: Go {go_panic!r}, gcemu {my_panic!r}")
    notes = _go_nondeterminism(path)
    if notes:  # printed output may differ; MemStats and finalizers are not compared
        compared = []
    else:
        diff += _memstats_differences(my_events, [_go_events(x.stderr) for x in runs])
        go_fin = [e for e in _go_events(fin.stderr) if e[0] == "finalizer"]
        my_fin = [e for e in my_events if e[0] == "finalizer"]
        if go_fin != my_fin:
            diff.append(f"finalizers (SetFinalizer's line:col, after GC #): Go "
                        f"{[e[1:] for e in go_fin]}, gcemu {[e[1:] for e in my_fin]}")
        compared = ["stdout", "exit status", "panic line",
                    f"MemStats deltas ({', '.join(COMPARED)}; Go run {GO_RUNS} times)",
                    "finalizers run after each runtime.GC"]
    return {"scenario": str(path), "model": model, "go": tc.version,
            "lines": len(r.stdout.splitlines()), "exit": r.returncode,
            "differences": diff, "notes": notes,
            "compared": compared or ["stdout", "exit status", "panic line"],
            "memstats_reads": sum(e[0] == "memstats" for e in my_events),
            "finalizers": [list(e[1:]) for e in my_events if e[0] == "finalizer"]}


def _print_go(out: dict) -> None:
    print(f"{out['scenario']}: gcemu (model {out['model']}) vs {out['go']}: "
          f"{out['lines']} lines printed by Go, exit status {out['exit']}")
    print(f"compared: {'; '.join(out['compared'])}")
    for n in out["notes"]:
        print(f"note: {n}")
    if out["differences"]:
        print("gcemu prints differently from Go:")
        for d in out["differences"][:40]:
            print(f"  {d}")
    else:
        print("gcemu and Go print the same output and exit the same way.")


def cmd_verify(args) -> int:
    """The ``verify`` subcommand: 0 when the model agrees with Go (or, under scanmap,
    whatever it finds); 1 when a model of Go as built diverges; 2 on bad input or no
    toolchain. A ``.go`` program is compared by what it prints (`verify_go`)."""
    from gcemu import toolchain

    if str(args.scenario).endswith(".go"):
        try:
            out = verify_go(args.scenario, args.model, args.seed)
        except toolchain.ToolchainError as e:
            raise GcemuError(f"verify needs a Go toolchain: {e}") from None
        if args.json:
            print(json.dumps(out, indent=2))
        else:
            _print_go(out)
        return 1 if out["differences"] else 0
    try:
        out = verify(args.scenario, args.model, args.seed)
    except toolchain.ProgramError as e:
        raise GcemuError(f"{args.scenario}: verify could not run it on Go: {e}") from None
    except toolchain.ToolchainError as e:
        raise GcemuError(f"verify needs a Go toolchain: {e}") from None
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        _print(out, args)
    diverged = bool(out["differences"] or out["go_error"])
    return 1 if diverged and not out["expected"] else 0


def _print(out: dict, args) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"{out['scenario']}: model {out['model']} vs {out['go']} "
                  f"({out['ops']} ops, {out['map_states']} map states, "
                  f"{out['gc_points']} GC points)")
    for col in ("object", "name", f"model {out['model']}", "Go runtime", ""):
        table.add_column(col)
    for o in out["objects"]:
        if not o["name"] and not getattr(args, "all", False):
            continue
        if "model" not in o:
            continue
        model = o["model"] + (f" ({o['reason']})" if o.get("reason") else "")
        same = (o["model"] == "collected") == (o["go"] == "finalized")
        mark = "" if same else ("expected" if out["expected"] else "DIFFERS")
        table.add_row(o["label"], o["name"] or "", model, o["go"],
                      "cycle" if o["go"] == "not verifiable" else mark)
    console.print(table)
    for n in out["notes"]:
        console.print(f"note: {n}")
    if out["go_error"]:
        console.print(f"Go stopped: {out['go_error']}", markup=False)
    if out["differences"]:
        head = ("differences (" + EXPECTED_SCANMAP + ")") if out["expected"] \
            else f"the {out['model']} model DIVERGES from Go:"
        console.print(head)
        for d in out["differences"][:20]:
            console.print(f"  {d}", markup=False)  # m["k"] is not markup
        if len(out["differences"]) > 20:
            console.print(f"  ... and {len(out['differences']) - 20} more")
    if not out["differences"] and not out["go_error"]:
        console.print(f"model {out['model']} and Go agree: every map state after every "
                      "operation, and every GC point.")


__all__ = ["EXACT", "MAX_OPS", "add_parser", "cmd_verify", "runtime_for", "verify",
           "verify_go"]
