"""The ``gcemu`` command.

Every subcommand but ``demo`` reads a scenario (a Python file defining
``scenario(heap)``, see `gcemu.ui.scenario`), runs it on a fresh heap of the chosen model
and shows what a GC cycle does with it:

- ``run``: one cycle, a readable report (rich tables) or, with ``--json``, the JSON
  report of api.md;
- ``explain NAME``: why NAME was retained (the path from a root) or that it was
  collected; when NAME is a map, how much the map still holds and why
  (`gcemu.ui.explain_map`);
- ``compare``: models side by side (the classic map's two by default, ``--models`` for
  others, e.g. ``go,go-swiss``), differences first; ``--explain MAP`` puts one map's
  explanation side by side instead;
- ``render -o FILE``: a picture (.dot .svg .png) or the HTML stepping player (.html);
  ``--memory -o FILE.svg``: the MemStats phases the scenario returns as a line chart;
- ``step``: the interactive stepper (`gcemu.ui.stepper`), also scriptable through a pipe;
- ``demo``: the seed article's central scenario under the classic models, then what
  changed with Go 1.24's Swiss tables (`gcemu.ui.demo`).

Bad input of any kind ends in one line on stderr that names the file and line, and
exit status 2; ``--debug`` shows the traceback as well. Long work shows a progress
bar on stderr, only when stderr is a terminal (never in ``--json`` output).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import textwrap
import traceback
import warnings
from pathlib import Path
from typing import Any

from gcemu.api import Heap, explore, replay
from gcemu.core.models import CLASSIC, MODELS, get_model
from gcemu.errors import GcemuError, GcemuWarning
from gcemu.maps import is_map, kind_for
from gcemu.render import Recording, render, to_dot, write_player
from gcemu.render.lanes import lanes_html
from gcemu.render.memchart import write_memory_chart
from gcemu.render.text import visible
from gcemu.sched.explore import STRATEGIES, ExploreError
from gcemu.ui.demo import run_demo
from gcemu.ui.explain_map import explain_map, print_explanation
from gcemu.ui.explain_map import print_comparison as print_map_comparison
from gcemu.ui.memstats import split_phases
from gcemu.ui.scenario import call, execute, load, model_for, prepare
from gcemu.ui.stepper.loop import run_stepper
from gcemu.ui.tables import (
    StepTicks,
    console,
    heading,
    print_comparison,
    print_report,
    progress,
    stale_note,
    who,
)

EXIT_BAD_INPUT = 2
PICTURE_SUFFIXES = (".dot", ".gv", ".svg", ".png", ".html")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2 (argparse's own status too)
        self.exit(EXIT_BAD_INPUT, f"gcemu: error: {message} (see gcemu --help)\n")


# -- the commands ---------------------------------------------------------------------------
def _load(args):
    """The scenario; ``args.model`` becomes the model it runs under (`model_for`)."""
    scn = load(args.scenario)
    if "model" in args:
        args.model = model_for(scn, args.model)
    return scn


def _scenario_stdout(args):
    """Where the scenario's own print() goes: stderr when stdout carries JSON."""
    if getattr(args, "json", False):
        return contextlib.redirect_stdout(sys.stderr)
    return contextlib.nullcontext()


def _execute(scn, args):
    with progress(f"{scn.path.name}: scenario and one GC cycle ({args.model})"), \
            _scenario_stdout(args):
        return execute(scn, args.model, args.seed)


def cmd_demo(args) -> int:
    run_demo(Path(args.out), console(), pictures=not args.no_pictures)
    return 0


def cmd_run(args) -> int:
    if args.limit is not None and args.limit < 1:
        raise GcemuError(f"--limit {args.limit}: give a number of rows >= 1")
    scn = _load(args)
    out = _execute(scn, args)
    if args.json:
        data = out.report.to_json()
        data["scenario"] = str(scn.path)
        if out.measured:
            data["measured"] = out.measured
        print(json.dumps(data, indent=2))
        return 0
    c = console()
    heading(c, f"{scn.path} · model {args.model}")
    print_report(c, out.report, out.measured, args.all, scn.doc if args.doc else scn.title,
                 names=out.names, command=f"gcemu run {scn.path}", limit=args.limit)
    return 0


def cmd_explore(args) -> int:
    """Every schedule of the scenario's goroutines up to the bound (or a sample):
    outcomes by count, each with its shortest schedule (gcemu.sched.explore)."""
    scn = _load(args)
    try:
        with progress(f"{scn.path.name}: exploring schedules ({args.strategy})"):
            ex = explore(scn.func, model=args.model, strategy=args.strategy,
                         max_preemptions=args.max_preemptions, gomaxprocs=args.gomaxprocs,
                         runs=args.runs, seed=args.seed, max_steps=args.max_steps,
                         max_runs=args.max_runs)
    except ExploreError as e:  # keep what was explored, then the one error line
        print("\n".join(e.exploration.lines()))
        raise
    print("\n".join(ex.lines()))
    return 0


def cmd_explain(args) -> int:
    scn = _load(args)
    out = _execute(scn, args)
    obj = out.named(args.name)
    report = out.report
    if is_map(obj):
        ex = explain_map(out.heap, report, obj, args.name)
        if args.json:
            print(json.dumps(ex.to_json(), indent=2))
        else:
            print_explanation(console(), ex)
        return 0
    reason = report.reason(obj)
    state = f"retained ({reason})" if reason else "collected"
    print(f"{visible(who(obj), None)} under model {args.model}, cycle {report.cycle}: {state}")
    path = report.why(obj)
    print(path)
    if path.hops:
        what = kind_for(out.heap.model.map).state_word
        for name, row in report.path_buckets(obj):
            print(f"{name} {what}: {row}")
    note = stale_note(report, f"gcemu explain {scn.path} {args.name}")
    if note and reason == "stale-slot":
        print(note)
    return 0


def parse_models(text: str) -> list[str]:
    """``--models``: comma-separated model names (at least two), or ``all``."""
    if text.strip() == "all":
        return list(MODELS)
    names = list(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    for n in names:
        try:
            get_model(n)
        except GcemuError:
            raise GcemuError(f"--models: unknown model {n!r} (known models: "
                             f"{', '.join(MODELS)}, or all)") from None
    if len(names) < 2:
        raise GcemuError(f"--models needs at least two models to compare, got {text!r} "
                         f"(e.g. --models go,go-swiss)")
    return names


def cmd_compare(args) -> int:
    models = parse_models(args.models)
    scn = _load(args)
    results = {}
    with progress(f"{scn.path.name}: {len(models)} models", total=len(models)) as advance:
        for name in models:
            with _scenario_stdout(args):
                results[name] = execute(scn, name, args.seed)
            advance()
    if args.explain is not None:
        return _compare_map(args, scn, results)
    if args.json:
        print(json.dumps({name: dict(o.report.to_json(), measured=o.measured)
                          for name, o in results.items()}, indent=2))
        return 0
    c = console()
    heading(c, f"{scn.path} · models {', '.join(models)}")
    c.print(scn.title, markup=False)
    print_comparison(c, results)
    return 0


def _compare_map(args, scn, results: dict) -> int:
    """``compare --explain MAP``: the map's explanation under each model."""
    exes = {}
    for model, out in results.items():
        m = out.named(args.explain)
        if not is_map(m):
            raise GcemuError(f"{scn.path}: --explain {args.explain}: not a map "
                             f"(explain it with gcemu explain {scn.path} {args.explain})")
        exes[model] = explain_map(out.heap, out.report, m, args.explain)
    if args.json:
        print(json.dumps({model: ex.to_json() for model, ex in exes.items()}, indent=2))
        return 0
    c = console()
    heading(c, f"{scn.path} · map {args.explain} · models {', '.join(exes)}")
    print_map_comparison(c, exes)
    return 0


STDOUT_NAMES = ("-", "/dev/stdout")  # render -o: DOT text on stdout
MAX_FRAMES = 100  # render --frames: pictures at most, unless --max-frames says more


def cmd_render(args) -> int:
    dest = Path(args.output)
    to_stdout = args.output in STDOUT_NAMES
    suffix = ".dot" if to_stdout else dest.suffix.lower()
    if suffix not in PICTURE_SUFFIXES:
        raise GcemuError(f"{dest}: unknown picture format {suffix or '(none)'!r}; use one "
                         f"of {', '.join(PICTURE_SUFFIXES)}")
    if to_stdout and args.frames:
        raise GcemuError("--frames writes one file per step: give -o FILE.svg (or .dot, .png)")
    if args.frames and suffix == ".html":
        raise GcemuError("--frames writes one picture per step: use .dot, .svg or .png "
                         "(the .html player already steps)")
    if args.max_frames < 1:
        raise GcemuError(f"--max-frames {args.max_frames}: give a number of frames >= 1")
    if args.memory:
        return _render_memory(args, dest)
    scn = _load(args)
    if args.schedule is not None:
        return _render_lanes(scn, args, dest, suffix)
    if args.frames:
        _check_frames(scn, args)
    with progress(f"{scn.path.name}: running the scenario ({args.model})"):
        heap = Heap(model=args.model, seed=args.seed)
        phases, _ = split_phases(call(scn, heap))
    kw: dict[str, Any] = {"focus": args.focus or ()}
    if args.max_buckets is not None:
        kw["max_buckets"] = args.max_buckets
    if args.max_objects is not None:
        kw["max_objects"] = args.max_objects
    written: list[Path] = []
    if suffix == ".html":
        written.append(_render_player(heap, dest, {**kw, "phases": phases}))
    elif args.frames:
        written += _render_frames(heap, dest, kw)
    else:
        source: Any = heap
        if args.after_gc:
            rec = Recording(heap)
            _run_recording(rec, "GC cycle")
            source = rec.cycle
        if to_stdout:
            sys.stdout.write(to_dot(source, **kw).source)
            return 0
        with progress(f"writing {dest.name}"):
            written.append(render(source, dest, **kw))
    for p in written if len(written) <= 3 else [written[0], written[-1]]:
        print(p)
    if len(written) > 3:
        print(f"({len(written)} frames)")
    return 0


def _render_memory(args, dest: Path) -> int:
    """``render --memory -o FILE.svg``: the MemStats phases the scenario returns as a
    line chart (`gcemu.render.memchart`)."""
    other = [o for o, on in (("--frames", args.frames), ("--after-gc", args.after_gc),
                             ("--schedule", args.schedule is not None)) if on]
    if other:
        raise GcemuError(f"--memory draws the scenario's MemStats phases; it does not take "
                         f"{', '.join(other)}")
    if args.output in STDOUT_NAMES or dest.suffix.lower() != ".svg":
        raise GcemuError(f"{args.output}: the memory chart is SVG: give -o FILE.svg")
    scn = _load(args)
    with progress(f"{scn.path.name}: running the scenario ({args.model})"):
        phases, _ = split_phases(call(scn, Heap(model=args.model, seed=args.seed)))
    if not phases:
        raise GcemuError(f"{scn.path}: --memory: the scenario returns no MemStats phase "
                         f"(return {{\"phase name\": memstats(heap), ...}}; see "
                         f"gcemu.ui.scenario.memstats)")
    title = f"{scn.path.name}: runtime.MemStats at each phase (model {args.model})"
    print(write_memory_chart(phases, dest, title))
    return 0


def _run_recording(rec, what: str) -> None:
    with progress(f"{what}: stepping", count=True) as advance:
        rec.session.observers.append(StepTicks(advance))
        rec.session.run()


def _render_player(heap, dest: Path, kw: dict) -> Path:
    rec = Recording(heap)
    _run_recording(rec, "recording the GC cycle")
    with progress(f"laying out {dest.name}"):
        return write_player(rec, dest, **kw)


def _check_frames(scn, args) -> None:
    """Refuse --frames up front when the cycle has more steps than --max-frames
    allows (the scenario runs once more, to count them, writing nothing)."""
    with progress(f"{scn.path.name}: counting the GC cycle's steps"):
        probe = prepare(scn, args.model, args.seed)
        cycle = probe.cycle if probe.cycle is not None else probe.gc()
        cycle.run()
    frames = cycle.steps + 1
    if frames > args.max_frames:
        raise GcemuError(
            f"--frames: the GC cycle has {cycle.steps} steps, {frames} pictures, over the "
            f"limit of {args.max_frames}; raise it with --max-frames {frames}, or write the "
            f"stepping player (-o FILE.html: every step in one file)")


def _render_frames(heap, dest: Path, kw: dict) -> list[Path]:
    """One picture per step of the cycle: FILE-0000.svg (the start), -0001, ..."""
    rec = Recording(heap)
    out = []
    with progress(f"frames of {dest.name}", count=True) as advance:
        i = 0
        while True:
            p = dest.with_name(f"{dest.stem}-{i:04d}{dest.suffix}")
            out.append(render(rec.cycle, p, **kw))
            advance()
            if rec.done:
                break
            rec.step()
            i += 1
    return out


def _render_lanes(scn, args, dest: Path, suffix: str) -> int:
    """``render --schedule S -o FILE.html``: the lanes player of one replayed schedule
    (`gcemu.render.lanes`)."""
    if suffix != ".html":
        raise GcemuError(f"--schedule draws a schedule's lanes: give -o FILE.html, not "
                         f"{suffix!r}")
    with progress(f"{scn.path.name}: replaying schedule {args.schedule} ({args.model})"):
        run = replay(scn.func, args.schedule, model=args.model, seed=args.seed,
                     gomaxprocs=args.gomaxprocs)
    title = f"{scn.path.name} --schedule {args.schedule}"
    dest.write_text(lanes_html(run, title, f"model {args.model}, GOMAXPROCS="
                               f"{args.gomaxprocs}, {len(run.schedule)} step points"),
                    encoding="utf-8")
    print(dest)
    return 0


def cmd_step(args) -> int:
    scn = _load(args)
    return run_stepper(scn, args.model, args.seed, history_file=args.history,
                       schedule=args.schedule, gomaxprocs=args.gomaxprocs)


# -- the parser -----------------------------------------------------------------------------
def _add_verify(sub) -> None:
    """``gcemu verify`` comes from gcemu.golang.verify (``add_parser(subparsers)``,
    ``cmd_verify(args)``), imported only while the parser is built. Without that
    module there is no such command; if it fails to import or to add its parser, the
    other commands still work and ``gcemu verify`` says why in one line."""
    import importlib.util

    try:
        if importlib.util.find_spec("gcemu.golang.verify") is None:
            return
        from gcemu.golang import verify

        parser = verify.add_parser(sub)
    except Exception as e:  # present but broken
        reason = _one_line(f"{type(e).__name__}: {e}")

        def unavailable(args) -> int:
            raise GcemuError(f"gcemu verify is unavailable: {reason}")

        if "verify" not in sub.choices:
            v = sub.add_parser("verify", help="run a scenario on a real Go toolchain "
                                              "(unavailable: see gcemu verify)")
            v.add_argument("rest", nargs=argparse.REMAINDER)
        sub.choices["verify"].set_defaults(func=unavailable)
        return
    if isinstance(parser, argparse.ArgumentParser):
        if parser.get_default("func") is None:
            parser.set_defaults(func=verify.cmd_verify)
        if parser.epilog is None and "--model" in parser._option_string_actions:
            parser.epilog = models_epilog()
            parser.formatter_class = argparse.RawDescriptionHelpFormatter


def models_epilog() -> str:
    """The models, one per paragraph with its summary, for a command's help."""
    width = max(len(n) for n in MODELS) + 4
    out = ["models:"]
    for name, m in MODELS.items():
        out.append(textwrap.fill(m.summary, 79, initial_indent=f"  {name:<{width - 2}}",
                                 subsequent_indent=" " * width))
    return "\n".join(out)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show the traceback of an error")
    p = _Parser(prog="gcemu",
                description="Emulate how Go's GC treats a map after delete: run scenarios "
                            "(Python files defining scenario(heap)) under a model: scanmap, "
                            "go (the classic map of Go 1.21-1.23), go-swiss or "
                            "go-swiss-1.27 (the Swiss tables of Go 1.24+).",
                epilog="Docs: docs/quickstart.md, docs/cli.md. Exit status 2: bad input "
                       "(one line on stderr names the file and line).")
    p.add_argument("--debug", action="store_true", help="show the traceback of an error")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser,
                           metavar="COMMAND")

    d = sub.add_parser("demo", parents=[common],
                       help="the seed article's central scenario under the classic models, "
                            "then what changed with Swiss tables (Go 1.24)")
    d.add_argument("--out", default="gcemu-demo",
                   help="folder for the stepping pages, SVGs and JSON (default %(default)s)")
    d.add_argument("--no-pictures", action="store_true",
                   help="write only the JSON reports (no Graphviz needed)")
    d.set_defaults(func=cmd_demo)

    def scenario_cmd(name: str, help: str, func, model: bool = True):
        s = sub.add_parser(name, help=help, description=help, parents=[common],
                           epilog=models_epilog(),
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        s.add_argument("scenario", help="a Python file defining scenario(heap)")
        if model:
            s.add_argument("--model", choices=sorted(MODELS), default=None,
                           help="the model (default: the scenario's MODEL = \"...\" if it "
                                "sets one, else scanmap; see models below)")
        s.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
        s.set_defaults(func=func)
        return s

    r = scenario_cmd("run", "run a scenario, then one GC cycle, and report", cmd_run)
    r.add_argument("--json", action="store_true", help="print the JSON report of api.md")
    r.add_argument("--all", action="store_true", help="list unnamed objects too")
    r.add_argument("--limit", type=int, metavar="N",
                   help="show at most N rows of the objects and stale-slot tables "
                        "(default: every row; past 200 rows they print as plain lines)")
    r.add_argument("--doc", action="store_true", help="print the scenario's whole docstring")
    e = scenario_cmd("explain", "why is NAME retained (or collected); for a map: what it "
                     "still holds, why, and what a rebuild would free", cmd_explain)
    e.add_argument("name", help="a name given with name= in the scenario, or a global")
    e.add_argument("--json", action="store_true",
                   help="a map's explanation as JSON")
    c = scenario_cmd("compare", "models side by side (by default the classic map's two), "
                     "differences first", cmd_compare, model=False)
    c.add_argument("--models", default=",".join(CLASSIC), metavar="M,M...",
                   help="the models to compare, comma-separated, or all (default "
                        "%(default)s; e.g. go,go-swiss: the classic and the Swiss map)")
    c.add_argument("--json", action="store_true",
                   help="print the JSON reports: {model: report}")
    c.add_argument("--explain", metavar="MAP",
                   help="explain map MAP under each model, side by side (as gcemu explain "
                        "SCENARIO MAP)")
    g = scenario_cmd("render", "draw the heap (.dot .svg .png) or write the HTML stepping "
                     "player (.html)", cmd_render)
    g.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="the file to write; its suffix picks the format (- or /dev/stdout: "
                        "DOT text on stdout)")
    g.add_argument("--focus", action="append", metavar="NAME",
                   help="always draw the path to NAME (repeatable)")
    g.add_argument("--max-buckets", "--max-groups", type=int, metavar="N", dest="max_buckets",
                   help="buckets (of a Swiss map: groups) drawn at most")
    g.add_argument("--max-objects", type=int, metavar="N", help="objects drawn at most")
    g.add_argument("--after-gc", action="store_true",
                   help="draw the heap after one GC cycle (black: kept, dashed: freed) "
                        "instead of as the scenario left it")
    g.add_argument("--frames", action="store_true",
                   help="one picture per step of a GC cycle: FILE-0000.svg, -0001, ...")
    g.add_argument("--max-frames", type=int, default=MAX_FRAMES, metavar="N",
                   help="refuse --frames when the cycle needs more than N pictures "
                        "(default %(default)s)")
    g.add_argument("--schedule", metavar="S",
                   help="-o FILE.html: the lanes player of this schedule of the scenario's "
                        "goroutines (one lane per goroutine, as `gcemu step --schedule`)")
    g.add_argument("--gomaxprocs", type=int, default=2, metavar="N",
                   help="with --schedule: GOMAXPROCS of the replay (default %(default)s)")
    g.add_argument("--memory", action="store_true",
                   help="-o FILE.svg: a line chart of HeapAlloc, HeapInuse, HeapIdle and "
                        "HeapReleased (MB) across the MemStats phases the scenario returns")
    x = scenario_cmd("explore", "run the scenario's goroutines under many schedules and "
                     "count Go's last words (fatal errors, panics, deadlock, ok)", cmd_explore)
    x.add_argument("--strategy", choices=STRATEGIES, default="dfs",
                   help="dfs: every schedule up to --max-preemptions; random, pct: --runs "
                        "seeded runs (default %(default)s)")
    x.add_argument("--max-preemptions", type=int, default=2, metavar="N",
                   help="dfs's preemption bound (default %(default)s)")
    x.add_argument("--runs", type=int, default=1000, metavar="N",
                   help="runs of random and pct (default %(default)s)")
    x.add_argument("--gomaxprocs", type=int, default=2, metavar="N",
                   help="1: switches only between map operations, Go's rule (default "
                        "%(default)s)")
    x.add_argument("--max-steps", type=int, default=10_000, metavar="N",
                   help="step budget of one run (default %(default)s)")
    x.add_argument("--max-runs", type=int, default=100_000, metavar="N",
                   help="dfs gives up (exit 2, partial result printed) after N schedules "
                        "(default %(default)s)")
    s = scenario_cmd("step", "step through a GC cycle interactively (or from a pipe)",
                     cmd_step)
    s.add_argument("--history", metavar="FILE",
                   help="keep the command history in FILE (default: this session only)")
    s.add_argument("--schedule", metavar="S",
                   help="replay this schedule of the scenario's goroutines (as `gcemu "
                        "explore` prints it, e.g. '1x4 2x6' or 1x4,2x6) one step point at a time")
    s.add_argument("--gomaxprocs", type=int, default=2, metavar="N",
                   help="with --schedule: GOMAXPROCS of the replay (default %(default)s)")
    _add_verify(sub)
    return p


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in str(text).splitlines() if part.strip())


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """gcemu's own warnings (`GcemuWarning`) as one line on stderr, naming where."""
    if issubclass(category, GcemuWarning):
        print(f"gcemu: warning: {filename}:{lineno}: {_one_line(message)}", file=sys.stderr)
    else:
        print(warnings.formatwarning(message, category, filename, lineno, line),
              file=sys.stderr, end="")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    debug = getattr(args, "debug", False)
    func = getattr(args, "func", None)
    if func is None and args.command == "verify":
        from gcemu.golang.verify import cmd_verify as func
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            return func(args)
    except GcemuError as e:
        if debug:
            traceback.print_exc()
        panic = getattr(e, "go_report", None) or getattr(e.__cause__, "go_report", None)
        print(panic or f"gcemu: error: {_one_line(e)}", file=sys.stderr)  # a Go panic as Go
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # gcemu run x.py | head: the reader left; not an error
        with contextlib.suppress(OSError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return 0
    except OSError as e:  # an output file or folder we could not write
        if debug:
            traceback.print_exc()
        where = f"{e.filename}: " if getattr(e, "filename", None) else ""
        print(f"gcemu: error: {where}{e.strerror or e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("gcemu: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
