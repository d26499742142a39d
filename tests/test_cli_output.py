"""What a new user hit (issue 17, items 2, 4-7, 10-13, 19), each through the command:
pipes, --json, hostile names, narrow terminals, bad scenarios, the stepper's edges."""

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from gcemu.cli import main
from gcemu.ui.scenario import load, prepare
from gcemu.ui.stepper.loop import run_line
from gcemu.ui.stepper.stepper import Stepper

EXAMPLES = Path(__file__).parent.parent / "examples"


def inproc(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path, source, name="s.py"):
    p = tmp_path / name
    p.write_text(source)
    return p


# item 2 ----------------------------------------------------------------------------------------
def test_run_into_head_exits_0():
    p = subprocess.run(f"set -o pipefail; {sys.executable} -m gcemu run "
                       f"{EXAMPLES / 'delete_middle.py'} | head -1", shell=True,
                       executable="/bin/bash", capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stderr == "" and "model scanmap" in p.stdout


# item 6 ----------------------------------------------------------------------------------------
PRINTS = """
def scenario(heap):
    heap.declare("type T struct { id int }")
    m = heap.make_map("map[string]*T", name="m")
    m["a"] = heap.new("T", name="a")
    print("hello from the scenario")
    return {"n": 1}
"""


@pytest.mark.parametrize("command", [["run"], ["compare", "--models", "go,go-swiss"]])
def test_json_output_stays_json_when_the_scenario_prints(tmp_path, capsys, command):
    code, out, err = inproc(capsys, command[0], write(tmp_path, PRINTS), *command[1:],
                            "--json")
    assert code == 0, err
    json.loads(out)
    assert "hello from the scenario" in err
    code, out, err = inproc(capsys, "run", write(tmp_path, PRINTS))   # not --json: stdout
    assert "hello from the scenario" in out


# item 12 ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("source, needle", [
    ("class Stop(BaseException):\n    pass\n\ndef scenario(heap):\n    raise Stop('out')\n",
     r"s\.py:5: Stop: out$"),
    ("class Stop(BaseException):\n    pass\n\nraise Stop('at load')\n\ndef scenario(h):\n"
     "    pass\n", r"s\.py:4: Stop: at load$"),
    ("def scenario(heap):\n    return {'ok': 1, 3: 'x'}\n",
     r"s\.py: the measurements scenario\(heap\) returned have the key 3 \(int\); their keys "
     r"must be strings$"),
])
def test_bad_scenarios_are_one_line_exit_2(tmp_path, capsys, source, needle):
    code, out, err = inproc(capsys, "run", write(tmp_path, source))
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and re.search(needle, err.strip()), err


# item 10 ---------------------------------------------------------------------------------------
HOSTILE = """
def scenario(heap):
    heap.declare("type T struct { id int }")
    m = heap.make_map("map[string]*T", name="m")
    m["k"] = heap.new("T", name="evil\\x1b[31mred\\x00nul\\u202ertl\\nline")
    m["l"] = heap.new("T", name="x" * 10000)
"""


def test_run_escapes_and_cuts_names(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    code, out, err = inproc(capsys, "run", write(tmp_path, HOSTILE))
    assert code == 0, err
    assert not re.search(r"[\x00\x1b\u202e]", out)
    assert "evil\\u001b[31mred\\u0000nul\\u202ertl\\nline" in out
    long_row = next(ln for ln in out.splitlines() if "xxxxxxxx" in ln)
    assert "x" * 39 + "…" in long_row and "x" * 41 not in long_row
    cells = [c.strip() for c in long_row.split("│")[1:-1]]
    assert cells[2:4] == ["retained", "live"]           # the other columns keep their text


# item 11 ---------------------------------------------------------------------------------------
def test_narrow_terminal_never_cuts_a_figure(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, err = inproc(capsys, "run", EXAMPLES / "swiss_delete_all.py")
    assert code == 0, err
    assert "…" not in out and "{" not in out                 # no cut, no JSON text
    assert re.search(r"│ deleted\.tombstones +│ 96 +│", out)
    code, out, err = inproc(capsys, "run", EXAMPLES / "high_frequency_delete.py",
                            "--model", "go")
    assert "…" not in out and "{" not in out
    assert re.search(r"│ rounds\[0\]\.noverflow +│ \d+ +│", out)
    assert re.search(r"^m bytes: hmap 48, buckets [\d,]+, overflow [\d,]+$", out, re.M)
    kept = re.search(r"^bytes kept ([\d,]+) ", out, re.M)
    assert kept and int(kept.group(1).replace(",", "")) > 0


def test_a_wide_swiss_maps_table_becomes_lines_on_80_columns(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, err = inproc(capsys, "run", EXAMPLES / "swiss_delete_rule.py")
    assert code == 0, err
    assert "┃ map" not in out and "…" not in out             # the table would not fit
    flat = " ".join(out.split())
    assert ("maps (model go-swiss) m map[string]*T: len 2, small map (one group of 8 slots), "
            "stale slots 0, bytes 256") in flat
    assert re.search(r"^t bytes: map 48, directory 8, tables 32, groups 288$", out, re.M)


# item 5 ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("where, needle", [("/nonexistent/dir/h", "no such folder"),
                                           (".", "is a folder")])
def test_step_history_in_a_bad_place_is_one_line(capsys, where, needle):
    code, _, err = inproc(capsys, "step", EXAMPLES / "delete_middle.py", "--history", where)
    assert code == 2 and len(err.splitlines()) == 1
    assert err.startswith("gcemu: error: --history ") and needle in err


# item 4 ----------------------------------------------------------------------------------------
def test_ctrl_c_while_the_report_is_built_returns_to_the_prompt(monkeypatch):
    heap = prepare(load(EXAMPLES / "delete_middle.py"), "go")
    buf = io.StringIO()
    st = Stepper(heap, Console(file=buf, width=100))

    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(st, "print_report", interrupted)
    assert run_line(st, "continue") is True                  # back at the prompt
    assert st.cycle.done and "interrupted at step" in buf.getvalue()
    monkeypatch.undo()
    assert run_line(st, "report") and "cycle 1 over" in buf.getvalue()


# item 19 ---------------------------------------------------------------------------------------
def test_breakpoint_shows_every_event_since_the_prompt_and_unbreak_all_says_so():
    r = subprocess.run([sys.executable, "-m", "gcemu", "step", EXAMPLES / "delete_middle.py",
                        "--model", "go"], input="break c\ncontinue\nunbreak all\nunbreak all\n",
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    hit = re.search(r"breakpoint c at step (\d+) \((\d+) steps?\)", out)
    assert hit
    after = out[hit.end():out.index("unbreak all")]
    steps = {int(n) for n in re.findall(r"^ +(\d+)  ", after, re.M)}
    assert len(steps) == int(hit.group(2)) > 1               # every step's events, not the last
    assert "removed the breakpoints on c" in out and "no breakpoints to remove" in out


def test_render_to_stdout_and_singular_bucket(capsys):
    code, out, err = inproc(capsys, "render", EXAMPLES / "delete_middle.py", "-o", "/dev/stdout")
    assert code == 0, err
    assert out.startswith("digraph gcemu {")
    r = subprocess.run([sys.executable, "-m", "gcemu", "step", EXAMPLES / "delete_middle.py"],
                       input="show map m\n", capture_output=True, text=True, timeout=60)
    assert ", 1 bucket," in r.stdout and "1 buckets" not in r.stdout


# item 7 ----------------------------------------------------------------------------------------
def test_every_header_names_the_model_and_scanmap_stale_slots_say_what_go_does(capsys):
    scn = EXAMPLES / "delete_middle.py"
    code, out, err = inproc(capsys, "run", scn)
    assert code == 0, err
    assert "model scanmap" in out.splitlines()[0]
    flat = " ".join(out.split())
    assert "stale slots, model scanmap" in flat and "maps (model scanmap" in flat
    assert "objects after cycle 1, model scanmap" in flat
    assert re.search(r"Stale slots are model scanmap's alone: real Go clears a deleted slot "
                     r".*; see gcemu run \S*delete_middle\.py --model go", flat)
    code, out, err = inproc(capsys, "run", scn, "--model", "go")
    assert "Stale slots are" not in out
    code, out, err = inproc(capsys, "explain", scn, "b")
    assert "under model scanmap" in out.splitlines()[0] and "--model go" in out


# item 13 ---------------------------------------------------------------------------------------
def test_a_scenario_picks_its_model_and_a_swiss_field_on_a_classic_map_is_explained(capsys):
    code, out, err = inproc(capsys, "run", EXAMPLES / "swiss_delete_all.py")
    assert code == 0, err
    assert "model go-swiss" in out.splitlines()[0]
    code, out, err = inproc(capsys, "run", EXAMPLES / "swiss_delete_all.py", "--model", "go")
    assert code == 2 and len(err.splitlines()) == 1
    assert "used belongs to the Swiss map (models go-swiss, go-swiss-1.27)" in err
    assert "swiss_delete_all.py:" in err and "--model go-swiss" in err


def test_a_bad_model_line_is_one_line(tmp_path, capsys):
    p = write(tmp_path, "MODEL = 'go2'\n\ndef scenario(heap):\n    pass\n")
    code, _, err = inproc(capsys, "run", p)
    assert code == 2 and "MODEL = 'go2' is not a model" in err
