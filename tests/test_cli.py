"""End-to-end tests of the gcemu command, run as a user runs it (a subprocess)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parent.parent / "examples"


def gcemu(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "gcemu", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=120)


def test_demo_writes_reports_and_shows_both_models(tmp_path):
    out = tmp_path / "demo"
    r = gcemu("demo", "--out", out)
    assert r.returncode == 0, r.stderr
    assert "stale-slot" in r.stdout and "emptyOne" in r.stdout
    assert "map[string]*T" in r.stdout
    scan = json.loads((out / "delete-middle-scanmap.json").read_text())
    go = json.loads((out / "delete-middle-go.json").read_text())
    state = {m: {o["name"]: o["state"] for o in d["objects"]} for m, d in
             (("scanmap", scan), ("go", go))}
    assert state["scanmap"]["vb"] == "retained"
    assert state["go"]["vb"] == "collected"


@pytest.mark.parametrize("model, expected", [("scanmap", "stale-slot"), ("go", None)])
def test_run_json(model, expected):
    r = gcemu("run", EXAMPLES / "delete_middle.py", "--model", model, "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["model"] == model
    b = next(o for o in report["objects"] if o["name"] == "b")
    assert b["reason"] == expected
    assert b["state"] == ("retained" if expected else "collected")
    if expected:
        assert b["path"][0] == "global m"
        assert any("emptyOne" in p for p in b["path"])
    assert report["maps"][0]["bytes"]["buckets"] == 208


def test_explain_and_compare():
    r = gcemu("explain", EXAMPLES / "delete_middle.py", "b")
    assert r.returncode == 0, r.stderr
    assert "stale-slot" in r.stdout and "bucket 0 slot 1 (emptyOne, stale elem)" in r.stdout
    r = gcemu("compare", EXAMPLES / "delete_middle.py")
    assert r.returncode == 0, r.stderr
    line = next(ln for ln in r.stdout.splitlines() if " b " in ln)
    assert "stale-slot" in line and "collected" in line


@pytest.mark.parametrize("source, needle", [
    ("def scenario(heap):\n    heap.declare('type T struct { x Nope }')\n",
     "bad.py:2: unknown type"),
    ("def scenario(heap):\n    x = 1\n    raise RuntimeError('boom')\n",
     "bad.py:3: RuntimeError: boom"),
    ("def scenario(heap):\n  if True\n", "bad.py:2: syntax error"),
    ("x = 1\n", "defines no function scenario(heap)"),
    ("def scenario(heap):\n    heap.make_map('map[int64]int64', name='m')['a'] = 1\n",
     "bad.py:2: key of map[int64]int64"),
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


def test_missing_file_unknown_name_and_usage(tmp_path):
    r = gcemu("run", tmp_path / "nope.py")
    assert r.returncode == 2 and "no such scenario file" in r.stderr
    r = gcemu("explain", EXAMPLES / "delete_middle.py", "zzz")
    assert r.returncode == 2 and "no object or global named 'zzz'" in r.stderr
    r = gcemu("run", EXAMPLES / "delete_middle.py", "--model", "rust")
    assert r.returncode == 2 and "invalid choice" in r.stderr
    r = gcemu("--debug", "run", tmp_path / "nope.py")
    assert r.returncode == 2 and "Traceback" in r.stderr
