"""The interactive stepper (gcemu step): its commands in-process, its line loop, and the
real thing in a pseudo-terminal (prompt_toolkit: completion, history, Ctrl-C, Ctrl-D)."""

import io
import os
import shutil
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console

import gcemu
from gcemu.maps.classic import flags_text
from gcemu.ui.scenario import load, prepare
from gcemu.ui.stepper.commands import COMMANDS, StepperError, literal
from gcemu.ui.stepper.loop import line_loop
from gcemu.ui.stepper.stepper import Stepper

EXAMPLES = Path(__file__).parent.parent / "examples"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="no Graphviz dot")


def make(example="delete_middle", model="scanmap"):
    heap = prepare(load(EXAMPLES / f"{example}.py"), model)
    buf = io.StringIO()
    s = Stepper(heap, Console(file=buf, width=160, color_system=None))
    return s, buf


def run(s, buf, *lines):
    """Run command lines; return what they printed."""
    start = len(buf.getvalue())
    for line in lines:
        assert s.execute(line) is True
    return buf.getvalue()[start:]


# -- stepping ----------------------------------------------------------------------------------
def test_step_shows_the_events_of_each_step():
    s, buf = make()
    out = run(s, buf, "step")
    assert "1  scan root global m" in out and "shade hmap#1 (grey) via global m" in out
    out = run(s, buf, "step 2")
    assert "scan root stack main" in out and "scan hmap#1" in out
    assert s.prompt() == "gcemu scanmap mark step 3> "
    for bad, msg in (("step 0", "positive"), ("step x", "number of steps")):
        with pytest.raises(StepperError, match=msg):
            s.execute(bad)


@pytest.mark.parametrize("model, action", [("scanmap", "trace stale"), ("go", "skip")])
def test_next_slot_stops_at_the_deleted_slot(model, action):
    s, buf = make(model=model)
    out = run(s, buf, "next slot emptyOne")
    assert f"bucket 0 slot 1 [emptyOne 1]: {action}" in out
    assert "steps before this one" in out
    with pytest.raises(StepperError, match="unknown event kind 'slots'"):
        s.execute("next slots")


def test_break_and_continue_then_the_report():
    s, buf = make()
    out = run(s, buf, "break b", "continue")
    assert "breakpoint b at step 5" in out
    assert "shade T#4 (grey) via bucket 0 slot 1 (emptyOne, stale elem)" in out
    out = run(s, buf, "unbreak b", "continue")
    assert "to the end of the cycle" in out
    assert "stale-slot" in out and "cycle 1 over" in out
    assert s.cycle.done and s.prompt() == "gcemu scanmap cycle 1 over> "
    out = run(s, buf, "why b")
    assert "kept by cycle 1, reason stale-slot" in out
    assert "bucket 0 tophash: [" in out
    out = run(s, buf, "step")
    assert "cycle 1 is over" in out


@pytest.mark.parametrize("model, array", [("scanmap", "buckets#3"), ("go-swiss", "group#3")])
def test_break_on_a_map_stops_at_its_buckets(model, array):
    s, buf = make(model=model)
    out = run(s, buf, "step 2", "break m", "continue")
    assert "breakpoint m at step 3" in out and f"shade {array}" in out
    out = run(s, buf, "continue")               # the array itself is the map's too
    assert "breakpoint m at step 4" in out and f"scan {array}" in out


def test_why_while_marking_reads_the_history_and_the_heap():
    s, buf = make()
    out = run(s, buf, "why b")
    assert "T#4 (b) is white" in out and "has not reached it yet" in out
    assert "reachable now (stale-slot)" in out
    out = run(s, buf, "next slot emptyOne", "why b")
    assert "T#4 (b) is grey" in out
    assert "since step 5: shade T#4 (grey) via bucket 0 slot 1 (emptyOne, stale elem)" in out


# -- the mutator between steps -----------------------------------------------------------------
@pytest.mark.parametrize("model", ["scanmap", "go", "go-swiss"])
def test_delete_during_marking_leaves_floating_garbage(model):
    s, buf = make(model=model)
    out = run(s, buf, "step 4", 'delete m "c"')
    assert "delete(m, 'c')" in out
    assert "write barrier shades T#5 during delete(m, 'c')" in out
    out = run(s, buf, "continue", "why c")
    assert "kept by cycle 1, reason floating" in out
    assert "floating garbage" in out
    out = run(s, buf, "gc", "continue", "why c")
    assert "collected (cycle 2)" in out


def test_new_assign_set_drop():
    s, buf = make(model="go")
    out = run(s, buf, "step 3", "new T x", 'assign m "x" x')
    assert "allocate black" in out and "x = new(T)" in out
    assert "m['x'] = x" in out
    out = run(s, buf, "set g a", "drop g", "drop m")
    assert "g = a" in out and "m = nil" in out
    run(s, buf, "continue")
    rep = s.cycle.report
    assert rep.reason(s.resolve("x")) == "floating"  # allocated black, then m dropped
    assert s.heap.globals == {}
    with pytest.raises(StepperError, match="no global 'm'"):
        s.execute("drop m")


def test_mutator_arguments_are_literals_never_code(capsys):
    s, buf = make()
    for line in ('delete m __import__("os").system("echo pwned")',
                 'assign m "k" (lambda: 1)', "delete m b", "assign m", "delete"):
        with pytest.raises(StepperError):
            s.execute(line)
    assert "pwned" not in capsys.readouterr().out
    with pytest.raises(StepperError, match=r'quote strings: "b"'):
        s.execute("delete m b")
    out = run(s, buf, 'delete m "zz"', "delete m 'a'")
    assert "no such key (a no-op, as in Go)" in out
    assert "a" not in s.heap.named("m")
    assert literal("(1, 'x')") == (1, "x")
    with pytest.raises(StepperError, match="not a map"):
        s.execute('delete a "x"')


# -- inspection --------------------------------------------------------------------------------
def test_show():
    s, buf = make()
    out = run(s, buf, "step 3", "show")
    assert "cycle 1: phase mark, 3 steps" in out and "m=black" in out and "b=white" in out
    out = run(s, buf, "show map")
    assert "1 emptyOne" in out and "'b'" in out and "T#4 (b) white" in out
    out = run(s, buf, "show bucket m 0")
    assert out.count("emptyRest") == 5
    out = run(s, buf, "show object b")
    assert "T#4 (b): 64 B, white" in out and ".id = 1" in out
    with pytest.raises(StepperError, match="has 1 bucket; no 7"):
        s.execute("show bucket 7")
    with pytest.raises(StepperError, match="show what"):
        s.execute("show everything")


def test_show_oldbuckets_during_growth():
    s, buf = make("growth_old_copy")
    out = run(s, buf, "show oldbucket m 0")
    assert "2 evacuatedX" in out and "T#54 (v48)" in out
    out = run(s, buf, "show map m")
    assert "oldbuckets" in out and "growing=true" in out


def test_history_help_and_unknown_commands():
    s, buf = make()
    out = run(s, buf, "step 5", "history 3")
    assert len([ln for ln in out.splitlines() if ln.startswith("      5")]) >= 1
    out = run(s, buf, "help")
    for name in COMMANDS:
        assert name in out
    assert "next KIND [TEXT]" in run(s, buf, "help n")
    with pytest.raises(StepperError, match="did you mean continue"):
        s.execute("contnue")
    assert s.execute("# a comment") and s.execute("")
    assert s.execute("quit") is False and s.execute("q") is False


@needs_dot
def test_render_from_the_stepper(tmp_path):
    s, buf = make()
    out = run(s, buf, "step 5", f"render {tmp_path / 'now.svg'} b")
    assert (tmp_path / "now.svg").read_text().count("<svg") == 1
    assert "wrote" in out
    with pytest.raises(StepperError, match="whole cycle"):
        s.execute(f"render {tmp_path / 'p.html'}")
    run(s, buf, 'delete m "c"', "continue", f"render {tmp_path / 'p.html'}")
    page = (tmp_path / "p.html").read_text()
    assert "<svg" in page and "mutator: delete(m, 'c')" in page  # the event log's text


def test_completion_candidates_do_not_touch_the_map():
    s, _ = make()
    m = s.heap.named("m")
    flags, history = m.flags, len(s.cycle.history)
    assert "step" in s.candidates([], 0)
    assert s.candidates(["delete"], 1) == ["m"]
    assert s.candidates(["delete", "m"], 2) == ["'a'", "'c'"]  # b was deleted
    assert {"a", "b", "c", "m"} <= set(s.candidates(["why"], 1))
    assert "slot" in s.candidates(["next"], 1)
    assert s.candidates(["show"], 1) == ["map", "bucket", "oldbucket", "table", "group",
                                        "object"]
    assert (m.flags, len(s.cycle.history)) == (flags, history)  # no range, no mutation
    assert flags_text(m.flags) == "0"


# -- the line loop (a pipe) --------------------------------------------------------------------
def test_line_loop_echoes_and_reports_failures_by_line(capsys):
    s, buf = make(model="go")
    code = line_loop(s, ["step 2\n", "bogus\n", "why b\n", "quit\n", "step\n"])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["gcemu: error: <stdin>:2: unknown command 'bogus' (type help)"]
    out = buf.getvalue()
    assert "gcemu go mark step 0> step 2" in out and "gcemu go mark step 2> why b" in out
    assert s.cycle.steps == 2  # quit stopped it: the last line did not run
    s, buf = make()
    assert line_loop(s, ["step\n", "continue\n"]) == 0


# -- a real pseudo-terminal --------------------------------------------------------------------
def test_stepper_in_a_pseudo_terminal():
    pexpect = pytest.importorskip("pexpect")
    env = dict(os.environ, TERM="xterm", PROMPT_TOOLKIT_NO_CPR="1", COLUMNS="120",
               LINES="50")
    env.pop("NO_COLOR", None)
    child = pexpect.spawn(sys.executable, ["-m", "gcemu", "step",
                                           str(EXAMPLES / "delete_middle.py")],
                          env=env, encoding="utf-8", timeout=30, dimensions=(50, 120))
    try:
        child.expect("Type help")
        child.expect(r"scanmap mark step 0>")
        child.send("ste\t")  # completion of a command name
        child.expect("step")
        child.send(" 3\r")
        child.expect("shade buckets#3")
        child.expect(r"mark step 3>")
        child.send("why \t")  # completion offers the scenario's names
        child.expect(r"\bb\b")
        child.send("b\r")
        child.expect("T#4 \\(b\\) is white")
        child.expect(r"mark step 3>")
        child.send("\x1b[A")  # history: the previous command comes back
        time.sleep(0.2)
        child.send("\r")
        child.expect("T#4 \\(b\\) is white")
        child.expect(r"mark step 3>")
        child.send("delete m \t")  # completion of the map's keys
        child.expect("'a'")
        child.send("\x03")  # Ctrl-C drops the line, not the session
        child.expect(r"mark step 3>")
        child.send("continue\r")
        child.expect("cycle 1 over")
        child.expect(r"cycle 1 over>")
        child.sendeof()  # Ctrl-D leaves
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0


# -- Swiss maps (go-swiss) -----------------------------------------------------------------------
def test_swiss_small_map_slots_and_control_bytes():
    s, buf = make(model="go-swiss")
    out = run(s, buf, "next slot empty")
    assert "small group slot 1 [empty 0x80]: skip" in out
    out = run(s, buf, "show map")
    assert "map#1 (m) map[string]*T" in out and "small=yes" in out
    assert "small group; group#3, 1 group, 208 B" in out
    rows = [ln for ln in out.splitlines() if ln.startswith("│ small group")]
    assert len(rows) == 2                       # the two full slots; empty ones not listed
    assert " full " in rows[0] and "'a'" in rows[0] and "T#2 (a) grey" in rows[0]
    out = run(s, buf, "show group 0")
    assert out.count("80 empty") == 6 and "small group of map#1 (m)" in out
    assert run(s, buf, "show group m 0").count("80 empty") == 6
    for bad, msg in (("show bucket 0", "is a Swiss map"), ("show oldbucket m 0", "Swiss map"),
                     ("show table 0", r"has 0 directory entries; no 0 \(a small map"),
                     ("show group 1", "its only group is 0"),
                     ("show group 0 1", "usage: show group"), ("show group x", "no object")):
        with pytest.raises(StepperError, match=msg):
            s.execute(bad)
    assert s.candidates(["delete", "m"], 2) == ["'a'", "'c'"]
    assert "group" in s.candidates(["show"], 1)
    out = run(s, buf, "continue", "why a")
    assert "kept by cycle 1, reason live" in out
    assert "small group ctrl: [" in out and "full empty full empty" in out
    assert "tophash" not in out


def test_show_table_and_group_are_not_for_classic_maps():
    s, _ = make()
    with pytest.raises(StepperError, match="is a classic map"):
        s.execute("show table 0")
    with pytest.raises(StepperError, match="is a classic map"):
        s.execute("show group m 0 0")


def swiss_heap():
    """A go-swiss map split into two 1024-slot tables while a range loop holds its
    first 16-slot table (v0..v13); a third of the keys deleted (tombstones in the
    full groups)."""
    h = gcemu.Heap(model="go-swiss")
    h.declare("type T struct { id int; next *T; buf [48]byte }")
    m = h.make_map("map[int]*T", name="m")
    for i in range(1000):
        m[i] = h.new("T", name=f"v{i}" if i < 14 else None)
        if i == 13:                             # a full 16-slot table: start the loop
            it = iter(m.items())
            next(it)
            first = m.tables[0]
    for k in range(0, 1000, 3):
        del m[k]
    return h, m, first, it


def test_swiss_tables_groups_and_an_old_table_an_iterator_holds():
    h, m, old, it = swiss_heap()
    buf = io.StringIO()
    s = Stepper(h, Console(file=buf, width=160, color_system=None))
    t0, t1 = m.tables
    assert m.dirLen == 2 and t0.tombstones() > 0 and old.index == -1
    out = run(s, buf, "show map")
    flat = " ".join(out.split())                # table titles wrap
    for t in (t0, t1):
        assert (f"table {t.index}: {t.label}, localDepth 1, capacity 1024, used {t.used}, "
                f"growthLeft {t.growthLeft}, tombstones {t.tombstones()}; "
                f"{t.groups_obj.label}, 128 groups" in flat)
    assert f"{old.label} (replaced; an iterator holds it); {old.groups_obj.label}" in flat
    assert f"old {old.label} group 0" in out
    assert "more groups not listed: show table m N" in out
    out = run(s, buf, "show table m 1")
    assert f"table 1 of map#1 (m) ({t1.label}, directory entries 1-1)" in " ".join(out.split())
    assert out.count("fe deleted") == t1.tombstones()
    g = next(g for g in t0.groups if 0xFE in g.ctrl)
    out = run(s, buf, f"show group 0 {g.index}")
    assert f"table 0 group {g.index} of map#1 (m)" in out
    assert out.count("fe deleted") == g.ctrl.count(0xFE)
    assert len([ln for ln in out.splitlines() if ln.startswith("│ table 0 group")]) == 8
    with pytest.raises(StepperError, match="table 0 has 128 groups; no 128"):
        s.execute("show group 0 128")
    with pytest.raises(StepperError, match="has 2 directory entries; no 2"):
        s.execute("show table 2")
    out = run(s, buf, f"show object {t0.label}", f"show object {old.groups_obj.label}",
              f"show object {m.dirPtr.label}")
    assert f"index 0, localDepth 1, capacity 1024, used {t0.used}" in out
    assert f"the groups of {old.label} of map#1 (m) (replaced: old storage): 2 groups" in out
    assert f"2 entries: {t0.label} {t1.label}" in out
    # a breakpoint on the map stops where the iterator's root reaches its old table
    out = run(s, buf, "break m", "continue", "continue")
    assert "breakpoint m at step 2" in out
    assert f"shade {old.label} (grey) via stack main: Iter(m).tab" in out
    out = run(s, buf, "why v3")
    assert f"groups#{old.groups_obj.id} -> old {old.label} group 0 slot 1 (full, stale elem)" \
        in out
    out = run(s, buf, "unbreak m", "continue", "why v3")
    assert "kept by cycle 1, reason oldbuckets" in out
    assert f"old {old.label} group 0 ctrl: [" in out
    keys = s.candidates(["delete", "m"], 2)
    assert len(keys) == 200 and {int(k) % 3 for k in keys} == {1, 2}
    del it


def test_swiss_render_from_the_stepper(tmp_path):
    s, buf = make(model="go-swiss")
    out = run(s, buf, "step 5", f"render {tmp_path / 'now.svg'} b", 'delete m "c"', "continue",
              f"render {tmp_path / 'p.html'}")
    assert "wrote" in out and "<svg" in (tmp_path / "now.svg").read_text()
    page = (tmp_path / "p.html").read_text()
    assert "small group slot 2" in page and "mutator: delete(m, 'c')" in page
