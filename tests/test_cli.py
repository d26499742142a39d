"""End-to-end tests of the gcemu command: as a user runs it (a subprocess), and, where
only the output matters, in-process through `gcemu.cli.main` (faster)."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gcemu.cli import main

EXAMPLES = Path(__file__).parent.parent / "examples"
HAVE_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAVE_DOT, reason="Graphviz's dot is not installed")


def gcemu(*args, cwd=None, input=None, columns=None):
    env = dict(os.environ, COLUMNS=str(columns)) if columns else None
    return subprocess.run([sys.executable, "-m", "gcemu", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=120, input=input,
                          env=env)


def inproc(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


# -- demo ------------------------------------------------------------------------------------
def test_demo_writes_reports_and_shows_both_models(tmp_path):
    out = tmp_path / "demo"
    r = gcemu("demo", "--out", out, columns=200)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""  # no progress bar off a terminal
    assert "stale-slot" in r.stdout and "emptyOne" in r.stdout
    assert "map[string]*T" in r.stdout
    scan = json.loads((out / "delete-middle-scanmap.json").read_text())
    go = json.loads((out / "delete-middle-go.json").read_text())
    state = {m: {o["name"]: o["state"] for o in d["objects"]} for m, d in
             (("scanmap", scan), ("go", go))}
    assert state["scanmap"]["vb"] == "retained"
    assert state["go"]["vb"] == "collected"
    # the folder it names, with the stepping pages, the SVGs and an index linking them
    assert str(out) in r.stdout and "index.html" in r.stdout
    index = (out / "index.html").read_text()
    for model in ("scanmap", "go", "go-swiss"):
        for suffix in ("-before-gc", "-after-gc"):
            ext = ".svg" if HAVE_DOT else ".dot"
            assert (out / f"delete-middle-{model}{suffix}{ext}").stat().st_size > 500
            assert f"delete-middle-{model}{suffix}{ext}" in index
        if HAVE_DOT:
            page = (out / f"delete-middle-{model}.html").read_text()
            assert page.lower().startswith("<!doctype html>") and "<svg" in page
            assert f"delete-middle-{model}.html" in index
    # chapter 1's table and the fix
    assert "57,344" in r.stdout and "1000 of 1000" in r.stdout
    assert "old map collected: True" in r.stdout
    # part 3: Swiss tables: delete writes EMPTY in the small group, b's value goes;
    # delete-all keeps the tables and leaves tombstones, clear erases them
    part3 = r.stdout[r.stdout.index("Part 3"):]
    assert "small group ctrl" in part3
    rows = [ln for ln in part3.splitlines() if ln.startswith("│ go-swiss")]
    assert rows[1].split("│")[3].split()[1] == "80"        # slot 1 of "delete b; GC"
    assert "collected" in rows[1].split("│")[4]
    swiss = json.loads((out / "delete-middle-go-swiss.json").read_text())
    assert {o["name"]: o["state"] for o in swiss["objects"]}["vb"] == "collected"
    flat = " ".join(part3.replace("│", " ").split())
    assert "delete all 1000; GC len=0 tables=2 capacity=2048 tombstones=" in flat
    assert "tombstones=0 groups=36,864 B" in flat and "map collected: True" in flat
    kept = re.search(r"delete all 1000; GC len=0 tables=2 capacity=2048 tombstones=(\d+)", flat)
    assert int(kept.group(1)) > 0


def test_demo_without_pictures(tmp_path, capsys):
    code, _, err = inproc(capsys, "demo", "--out", tmp_path / "d", "--no-pictures")
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == [
        "delete-middle-go-swiss.json", "delete-middle-go.json", "delete-middle-scanmap.json"]


def test_demo_into_an_unwritable_place_is_one_line(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = inproc(capsys, "demo", "--out", blocker / "sub")
    assert code == 2
    assert err.startswith("gcemu: error: ") and len(err.strip().splitlines()) == 1


# -- run, explain, compare --------------------------------------------------------------------
@pytest.mark.parametrize("model, expected", [("scanmap", "stale-slot"), ("go", None)])
def test_run_json(model, expected):
    r = gcemu("run", EXAMPLES / "delete_middle.py", "--model", model, "--json")
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    report = json.loads(r.stdout)
    assert report["model"] == model
    b = next(o for o in report["objects"] if o["name"] == "b")
    assert b["reason"] == expected
    assert b["state"] == ("retained" if expected else "collected")
    if expected:
        assert b["path"][0] == "global m"
        assert any("emptyOne" in p for p in b["path"])
    assert report["maps"][0]["bytes"]["buckets"] == 208
    assert "measured" not in report


def test_run_json_carries_what_the_scenario_measured(capsys):
    code, out, err = inproc(capsys, "run", EXAMPLES / "ch1_memstats.py", "--model", "go",
                            "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["scenario"].endswith("ch1_memstats.py")
    assert data["measured"]["collected"]["bucket_array"] == 57_344
    assert data["measured"]["deleted"]["len"] == 0


def test_run_readable_report(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # rich: no wrapping inside the path column
    code, out, err = inproc(capsys, "run", EXAMPLES / "overflow_chain.py")
    assert code == 0, err
    assert "§2.2" in out  # the scenario's title
    assert "stale-slot" in out and "bucket 0 slot 3 (emptyOne, stale elem)" in out
    assert "deleted entries still holding their referents" in out
    assert "map[string]*T" in out  # not eaten as rich markup
    assert "tophash_overflow" in out  # what the scenario measured
    assert "overflow 208" in out


def test_run_lists_objects_freed_by_an_earlier_cycle(capsys):
    code, out, _ = inproc(capsys, "run", EXAMPLES / "delete_middle_then_last.py",
                          "--model", "go")
    assert code == 0
    line = next(ln for ln in out.splitlines() if " b " in ln)
    assert "collected" in line and "freed by cycle 1" in line


def test_explain_and_compare():
    r = gcemu("explain", EXAMPLES / "delete_middle.py", "b")
    assert r.returncode == 0, r.stderr
    assert "stale-slot" in r.stdout and "bucket 0 slot 1 (emptyOne, stale elem)" in r.stdout
    assert "bucket 0 tophash: [" in r.stdout
    r = gcemu("compare", EXAMPLES / "delete_middle.py")
    assert r.returncode == 0, r.stderr
    line = next(ln for ln in r.stdout.splitlines() if " b " in ln)
    assert "stale-slot" in line and "collected" in line


def test_explain_a_collected_object(capsys):
    # the name still finds the object after the cycle freed it
    code, out, err = inproc(capsys, "explain", EXAMPLES / "delete_middle.py", "b",
                            "--model", "go")
    assert code == 0, err
    assert out.splitlines()[0] == "T#4 (b) under model go, cycle 1: collected"


def test_compare_puts_differences_first(capsys):
    code, out, err = inproc(capsys, "compare", EXAMPLES / "overflow_chain.py")
    assert code == 0, err
    rows = [ln for ln in out.splitlines() if ln.startswith("│ v")]
    assert rows[0].split()[1] == "v3"  # the only name whose outcome differs
    assert "1 differ" in out


def test_compare_json(capsys):
    code, out, _ = inproc(capsys, "compare", EXAMPLES / "growth_old_copy.py", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"scanmap", "go"}
    v48 = {m: next(o for o in d["objects"] if o["name"] == "v48") for m, d in data.items()}
    assert v48["scanmap"]["reason"] == "stale-slot" and v48["go"]["state"] == "collected"
    assert data["go"]["measured"]["growing"] is True


SWISS_SCENARIO = """\"\"\"1000 keys, then delete all but two.\"\"\"


def scenario(heap):
    heap.declare("type T struct { id int; next *T; buf [48]byte }")
    m = heap.make_map("map[int]*T", name="m")
    for i in range(1000):
        m[i] = heap.new("T", name=f"v{i}" if i < 3 else None)
    for i in range(1, 1000):
        if i != 2:
            del m[i]
"""


@pytest.fixture
def many(tmp_path, monkeypatch):
    """SWISS_SCENARIO as a file; tables wide enough not to wrap."""
    monkeypatch.setenv("COLUMNS", "200")
    scn = tmp_path / "many.py"
    scn.write_text(SWISS_SCENARIO)
    return scn


def test_compare_a_classic_and_a_swiss_map(many, capsys):
    scn = many
    code, out, err = inproc(capsys, "compare", scn, "--models", "go,go-swiss")
    assert code == 0, err
    assert "many.py · models go, go-swiss" in out
    header = next(ln for ln in out.splitlines() if ln.startswith("┃ name"))
    assert [c.strip() for c in header.split("┃")[2:4]] == ["go", "go-swiss"]
    v1 = next(ln for ln in out.splitlines() if ln.startswith("│ v1 "))
    assert v1.count("collected") == 2
    v0 = next(ln for ln in out.splitlines() if ln.startswith("│ v0 "))
    assert v0.count("retained (live)") == 2
    assert re.search(r"^go: bytes kept [\d,]+ ", out, re.M)
    assert re.search(r"^go-swiss: bytes kept [\d,]+ ", out, re.M)
    assert re.search(r"^go: map m map\[int\]\*T: len 2, B=8 \(256 buckets\), noverflow \d+$",
                     out, re.M)
    assert re.search(r"^go-swiss: map m map\[int\]\*T: len 2, 2 tables, dirLen 2, capacity "
                     r"2048, tombstones \d+$", out, re.M)
    code, out, err = inproc(capsys, "compare", scn, "--models", "all", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert list(data) == ["scanmap", "go", "go-swiss", "go-swiss-1.27"]
    assert data["go-swiss"]["maps"][0]["capacity"] == 2048
    code, out, _ = inproc(capsys, "compare", scn)     # the default: the classic two
    assert code == 0 and "many.py · models scanmap, go" in out and "go-swiss" not in out


@pytest.mark.parametrize("models, message", [
    ("go,rust", "--models: unknown model 'rust' (known models: scanmap, go, go-swiss, "
                "go-swiss-1.27, or all)"),
    ("go", "--models needs at least two models to compare, got 'go'"),
    (",", "--models needs at least two models"),
])
def test_compare_bad_models_is_one_line(capsys, models, message):
    code, out, err = inproc(capsys, "compare", EXAMPLES / "delete_middle.py", "--models",
                            models)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert err.startswith(f"gcemu: error: {message}")


@pytest.mark.parametrize("command", ["run", "explain", "render", "step"])
def test_model_help_lists_every_model_with_its_summary(capsys, command):
    from gcemu.core.models import MODELS

    with pytest.raises(SystemExit) as e:
        main([command, "--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert "{go,go-swiss,go-swiss-1.27,scanmap}" in out
    flat = " ".join(out.split())
    for name, m in MODELS.items():
        assert f"{name} {m.summary}" in flat, name


def test_run_and_explain_a_swiss_map(many, capsys, tmp_path):
    scn = many
    code, out, err = inproc(capsys, "run", scn, "--model", "go-swiss")
    assert code == 0, err
    table = out[out.index("maps"):]
    head = next(ln for ln in table.splitlines() if ln.startswith("┃ map"))
    assert [c.strip() for c in head.split("┃")[1:-1]] == [
        "map", "type", "len", "tables", "dirLen", "globalDepth", "capacity", "tombstones",
        "stale slots", "bytes"]
    row = next(ln for ln in table.splitlines() if ln.startswith("│ m "))
    assert [c.strip() for c in row.split("│")[3:8]] == ["2", "2", "2", "1", "2048"]
    assert row.split("│")[-2].strip() == "36,992"            # bytes kept: their sum
    assert re.search(r"^m bytes: .*groups 36,864", out, re.M)
    code, out, err = inproc(capsys, "explain", scn, "v0", "--model", "go-swiss")
    assert code == 0, err
    assert "retained (live)" in out.splitlines()[0]
    assert re.search(r"^table \d group \d+ ctrl: \[[0-9a-f ]+\] = ", out, re.M)
    code, out, err = inproc(capsys, "render", scn, "--model", "go-swiss", "--max-groups", "2",
                            "-o", tmp_path / "m.dot")
    assert code == 0, err
    dot = (tmp_path / "m.dot").read_text()
    assert len(re.findall(r"\n\t  (o\d+b\d+) \[shape=plain", dot)) == 2
    assert "tables of map#1 m not drawn" in dot or "more table" in dot


# -- render ------------------------------------------------------------------------------------
def test_render_dot_needs_no_graphviz(tmp_path, capsys):
    out = tmp_path / "m.dot"
    code, stdout, err = inproc(capsys, "render", EXAMPLES / "delete_middle.py", "-o", out)
    assert code == 0, err
    assert stdout.strip() == str(out)
    text = out.read_text()
    assert text.startswith("digraph") and "emptyOne" in text


@needs_dot
@pytest.mark.parametrize("suffix, magic", [(".svg", b"<?xml"), (".png", b"\x89PNG")])
def test_render_pictures(tmp_path, capsys, suffix, magic):
    out = tmp_path / f"m{suffix}"
    code, _, err = inproc(capsys, "render", EXAMPLES / "delete_middle.py", "-o", out,
                          "--model", "go", "--after-gc", "--focus", "b")
    assert code == 0, err
    assert out.read_bytes().startswith(magic)


@needs_dot
def test_render_player_and_frames(tmp_path, capsys):
    page = tmp_path / "cycle.html"
    code, _, err = inproc(capsys, "render", EXAMPLES / "delete_during_mark.py", "-o", page)
    assert code == 0, err
    text = page.read_text()
    assert "<svg" in text and "write barrier" in text
    code, out, err = inproc(capsys, "render", EXAMPLES / "delete_middle.py", "-o",
                            tmp_path / "f.dot", "--frames")
    assert code == 0, err
    frames = sorted(tmp_path.glob("f-*.dot"))
    assert len(frames) == 14  # the start, then one per step of the 13-step cycle
    assert "(14 frames)" in out
    assert "step 13" in frames[-1].read_text()


def test_render_bad_format_is_one_line(tmp_path):
    r = gcemu("render", EXAMPLES / "delete_middle.py", "-o", tmp_path / "m.jpg")
    assert r.returncode == 2
    assert r.stderr.strip() == (f"gcemu: error: {tmp_path / 'm.jpg'}: unknown picture format "
                                "'.jpg'; use one of .dot, .gv, .svg, .png, .html")


# -- step ----------------------------------------------------------------------------------------
def test_step_reads_commands_from_a_pipe():
    script = "step 3\nnext slot emptyOne\nwhy b\ncontinue\nwhy b\nquit\n"
    r = gcemu("step", EXAMPLES / "delete_middle.py", input=script)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    out = r.stdout
    assert "gcemu scanmap mark step 0> step 3" in out  # commands are echoed
    assert "bucket 0 slot 1 [emptyOne 1]: trace stale" in out
    assert "T#4 (b) is grey" in out
    assert "kept by cycle 1, reason stale-slot" in out


def test_step_a_swiss_map_from_a_pipe():
    script = "next slot empty\nshow map\nwhy b\ncontinue\nwhy a\n"
    r = gcemu("step", EXAMPLES / "delete_middle.py", "--model", "go-swiss", input=script)
    assert r.returncode == 0, r.stderr
    assert "gcemu go-swiss mark step 0> next slot empty" in r.stdout
    assert "small group slot 1 [empty 0x80]: skip" in r.stdout
    assert "80 empty" not in r.stdout.split("show map")[1].split("why b")[0]  # not listed
    assert "T#4 (b) is white" in r.stdout and "collected" in r.stdout
    assert "small group ctrl: [" in r.stdout


def test_step_script_errors_name_the_line_and_exit_2():
    r = gcemu("step", EXAMPLES / "delete_middle.py", "--model", "go",
              input="step\nstpe 2\ndelete m __import__('os')\nstep\n")
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert lines[0] == ("gcemu: error: <stdin>:2: unknown command 'stpe'; did you mean step? "
                        "(type help)")
    assert lines[1].startswith("gcemu: error: <stdin>:3: key \"__import__('os')\" is not a "
                               "Python literal")
    assert "Traceback" not in r.stderr
    assert "gcemu go mark step 1> step" in r.stdout  # it went on after the errors


# -- errors ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("source, needle", [
    ("def scenario(heap):\n    heap.declare('type T struct { x Nope }')\n",
     "bad.py:2: unknown type"),
    ("def scenario(heap):\n    x = 1\n    raise RuntimeError('boom')\n",
     "bad.py:3: RuntimeError: boom"),
    ("def scenario(heap):\n  if True\n", "bad.py:2: syntax error"),
    ("x = 1\n", "defines no function scenario(heap)"),
    ("def scenario(heap):\n    heap.make_map('map[int64]int64', name='m')['a'] = 1\n",
     "bad.py:2: key of map[int64]int64"),
    ("import nosuchmodule\n", "bad.py:1: ModuleNotFoundError: No module named"),
    ("def scenario(heap):\n    raise ValueError('two\\nlines')\n",
     "bad.py:2: ValueError: two lines"),
    ("def scenario(heap):\n    heap.new('Nope')\n", "bad.py:2: "),
    ("def scenario(heap):\n    return [1]\n", "bad.py: scenario(heap) returned a list"),
    ("def scenario(heap):\n    return {'x': object()}\n", "are not JSON values"),
    ("import sys\ndef scenario(heap):\n    sys.exit(3)\n",
     "bad.py:3: the scenario called exit(3)"),
])
def test_bad_scenarios_get_one_line_and_status_2(tmp_path, source, needle):
    bad = tmp_path / "bad.py"
    bad.write_text(source)
    r = gcemu("run", bad)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert needle in lines[0]
    assert lines[0].startswith("gcemu: error: ")


@pytest.mark.parametrize("command", ["run", "explain", "compare", "render", "step"])
def test_every_scenario_command_reports_a_bad_scenario_in_one_line(tmp_path, capsys,
                                                                   command):
    bad = tmp_path / "bad.py"
    bad.write_text("def scenario(heap):\n    heap.nope()\n")
    extra = {"explain": ["x"], "render": ["-o", tmp_path / "x.dot"]}.get(command, [])
    code, _, err = inproc(capsys, command, bad, *extra)
    assert code == 2
    assert err.strip().splitlines() == [
        f"gcemu: error: {bad}:2: AttributeError: 'Heap' object has no attribute "
        f"'nope'"]


def test_missing_file_unknown_name_and_usage(tmp_path):
    r = gcemu("run", tmp_path / "nope.py")
    assert r.returncode == 2 and "no such scenario file" in r.stderr
    r = gcemu("explain", EXAMPLES / "delete_middle.py", "zzz")
    assert r.returncode == 2 and "no object or global named 'zzz'" in r.stderr
    r = gcemu("run", EXAMPLES / "delete_middle.py", "--model", "rust")
    assert r.returncode == 2 and "invalid choice" in r.stderr
    r = gcemu("--debug", "run", tmp_path / "nope.py")
    assert r.returncode == 2 and "Traceback" in r.stderr
    r = gcemu("run", tmp_path / "nope.py", "--debug")  # after the command too
    assert r.returncode == 2 and "Traceback" in r.stderr
    r = gcemu("run", tmp_path)
    assert r.returncode == 2 and "not a file" in r.stderr
    r = gcemu("explain", EXAMPLES / "delete_middle.py", "c2")
    assert "did you mean c?" in r.stderr


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    for cmd in ("demo", "run", "explain", "compare", "render", "step"):
        assert cmd in out


def test_a_closed_pipe_is_not_an_error():
    p = subprocess.run(f"{sys.executable} -m gcemu run {EXAMPLES / 'ch1_memstats.py'} --all "
                       "| head -1", shell=True, capture_output=True, text=True, timeout=60)
    assert "Traceback" not in p.stderr and "BrokenPipe" not in p.stderr


# -- gcemu verify (from gcemu.golang.verify, when it is installed) -----------------------------
def _fake_verify(monkeypatch, module):
    import importlib.machinery
    import types

    import gcemu.cli

    if "gcemu.golang" not in sys.modules:
        try:
            import gcemu.golang
        except ImportError:
            pkg = types.ModuleType("gcemu.golang")
            pkg.__path__ = []
            pkg.__spec__ = importlib.machinery.ModuleSpec("gcemu.golang", None,
                                                          is_package=True)
            monkeypatch.setitem(sys.modules, "gcemu.golang", pkg)
    module.__spec__ = importlib.machinery.ModuleSpec("gcemu.golang.verify", None)
    monkeypatch.setitem(sys.modules, "gcemu.golang.verify", module)
    monkeypatch.setattr(sys.modules["gcemu.golang"], "verify", module, raising=False)
    return gcemu.cli


def test_verify_is_wired_when_its_module_exists(monkeypatch, capsys):
    import types

    fake = types.ModuleType("gcemu.golang.verify")

    def add_parser(sub):
        p = sub.add_parser("verify", help="run on Go")
        p.add_argument("scenario")
        return p

    def cmd_verify(args):
        print(f"verified {args.scenario}")
        return 0

    fake.add_parser, fake.cmd_verify = add_parser, cmd_verify
    cli = _fake_verify(monkeypatch, fake)
    assert cli.main(["verify", "x.py"]) == 0
    assert capsys.readouterr().out == "verified x.py\n"


def test_a_broken_verify_module_is_one_line(monkeypatch, capsys):
    import types

    fake = types.ModuleType("gcemu.golang.verify")

    def add_parser(sub):
        raise RuntimeError("no toolchain")

    fake.add_parser = add_parser
    cli = _fake_verify(monkeypatch, fake)
    code = cli.main(["explain", str(EXAMPLES / "delete_middle.py"), "a"])
    assert code == 0  # the other commands still work
    capsys.readouterr()
    assert cli.main(["verify", "x.py"]) == 2
    assert capsys.readouterr().err == ("gcemu: error: gcemu verify is unavailable: "
                                       "RuntimeError: no toolchain\n")


def test_progress_shows_on_a_terminal_only(tmp_path):
    pexpect = pytest.importorskip("pexpect")
    env = dict(os.environ, TERM="xterm", COLUMNS="100")
    env.pop("GCEMU_NO_PROGRESS", None)
    out = pexpect.run(f"{sys.executable} -m gcemu render {EXAMPLES / 'delete_middle.py'} "
                      f"-o {tmp_path / 'f.dot'} --frames", env=env, encoding="utf-8",
                      timeout=60)
    assert "frames of f.dot" in out  # the bar, on the terminal's stderr
    assert "(14 frames)" in out
