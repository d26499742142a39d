"""The ``gcemu`` command.

Every subcommand reads a scenario (a Python file defining ``scenario(heap)``), runs it
on a fresh heap of the chosen model, runs a GC cycle and shows the report. Bad input of
any kind ends in one line on stderr that names the file and line, and exit status 2;
``--debug`` shows the traceback as well.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from pathlib import Path

from gcemu.errors import GcemuError
from gcemu.models import MODELS

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2 (argparse's own status too)
        self.exit(EXIT_BAD_INPUT, f"gcemu: error: {message} (see gcemu --help)\n")


def _console():
    from rich.console import Console

    return Console()


def _objects_table(report, heap, only_named: bool = False):
    from rich.table import Table

    table = Table(title=f"cycle {report.cycle}, model {report.model}")
    for col in ("object", "name", "state", "reason", "path (last edge)"):
        table.add_column(col)
    for o in report.to_json()["objects"]:
        if only_named and not o["name"]:
            continue
        last = o["path"][-2] if len(o["path"]) >= 2 else ""
        table.add_row(o["id"], o["name"] or "", o["state"], o["reason"] or "-", last)
    return table


def cmd_demo(args) -> int:
    from gcemu.demo import run_demo

    run_demo(Path(args.out), _console())
    return 0


def cmd_run(args) -> int:
    from gcemu.scenario import load, run_scenario

    scn = load(args.scenario)
    heap, report = run_scenario(scn, args.model, args.seed)
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
        return 0
    console = _console()
    if scn.doc:
        console.print(scn.doc)
    console.print(_objects_table(report, heap, only_named=not args.all))
    for e in report.stale_entries:
        console.print(f"stale: {e}")
    console.print("bytes: " + ", ".join(f"{k} {v:,}" for k, v in report.bytes.items()))
    return 0


def cmd_explain(args) -> int:
    from gcemu.scenario import load, run_scenario

    scn = load(args.scenario)
    heap, report = run_scenario(scn, args.model, args.seed)
    try:
        obj = heap.named(args.name)
    except GcemuError as e:
        raise GcemuError(f"{args.scenario}: {e}") from None
    state = report.reason(obj) or "collected"
    print(f"{obj.label} ({args.name}) under model {args.model}: {state}")
    print(report.why(obj))
    return 0


def cmd_compare(args) -> int:
    from rich.table import Table

    from gcemu.scenario import load, run_scenario

    scn = load(args.scenario)
    results = {name: run_scenario(scn, name, args.seed) for name in MODELS}
    rows: dict[str, dict[str, str]] = {}
    for name, (_heap, report) in results.items():
        for o in report.to_json()["objects"]:
            if o["name"]:
                rows.setdefault(o["name"], {})[name] = (
                    f"{o['state']}" + (f" ({o['reason']})" if o["reason"] else ""))
    table = Table(title=f"{args.scenario}: both models")
    table.add_column("name")
    for name in MODELS:
        table.add_column(name)
    order = sorted(rows, key=lambda n: len(set(rows[n].values())) == 1)  # differences first
    for n in order:
        table.add_row(n, *(rows[n].get(m, "-") for m in MODELS))
    _console().print(table)
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="gcemu", description="Emulate how Go's GC treats a map after delete.")
    p.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    d = sub.add_parser("demo", help="the seed article's scenario under both models")
    d.add_argument("--out", default="gcemu-demo",
                   help="folder for the outputs (default %(default)s)")
    d.set_defaults(func=cmd_demo)

    def scenario_cmd(name: str, help: str, func, model: bool = True):
        s = sub.add_parser(name, help=help)
        s.add_argument("scenario", help="a Python file defining scenario(heap)")
        if model:
            s.add_argument("--model", choices=sorted(MODELS), default="scanmap",
                           help="scan model (default %(default)s)")
        s.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
        s.set_defaults(func=func)
        return s

    r = scenario_cmd("run", "run a scenario, then one GC cycle, and report", cmd_run)
    r.add_argument("--json", action="store_true", help="print the JSON report of api.md")
    r.add_argument("--all", action="store_true", help="list unnamed objects too")
    e = scenario_cmd("explain", "why is NAME retained (or collected)", cmd_explain)
    e.add_argument("name", help="a name given with name= in the scenario")
    scenario_cmd("compare", "both models side by side, differences first", cmd_compare,
                 model=False)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except GcemuError as e:
        if args.debug:
            traceback.print_exc()
        print(f"gcemu: error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
