"""runtime.SetFinalizer in Go programs: the finalizers gcemu runs, after which
runtime.GC, against real go1.23.9 (through `gcemu verify`, which compares printed
output, MemStats deltas and finalizer outcomes), and Go's throws for what cannot be
honoured."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import gcemu
from gcemu.gofront.scenario import go_scenario
from gcemu.golang.verify import verify_go
from gcemu.toolchain import have_toolchain

pytestmark = pytest.mark.skipif(not have_toolchain(), reason="no Go 1.23 toolchain")
FIN = Path(__file__).parent / "go" / "finalizers" / "fin.go"
# what go1.23.9 printed, 4 runs alike
GO_PRINTS = ("before 1 2 3\nfinalized 1 a\ngc 1 done\ngc 2 done 2\nfinalized 2\n"
             "gc 3 done\nresurrected 6\ngc 4 done 6\nend\n")

HEAD = ("package main\n\nimport (\n\t\"fmt\"\n\t\"runtime\"\n)\n\n"
        "type T struct {\n\tid   int\n\tname string\n}\n\ntype U struct{ x *int }\n\n")
THROWS = {
    "nil": "\tvar p *T\n\tfmt.Println(\"a\")\n\truntime.SetFinalizer(p, func(t *T) {})\n",
    "map": "\tm := map[int]int{}\n\tfmt.Println(\"a\")\n\truntime.SetFinalizer(m, func(t *T) {})\n",
    "type": "\tp := &T{}\n\tfmt.Println(\"a\")\n\truntime.SetFinalizer(p, func(t *U) {})\n",
    "twice": "\tp := &T{}\n\truntime.SetFinalizer(p, func(t *T) {})\n\tfmt.Println(\"a\")\n"
             "\truntime.SetFinalizer(p, func(t *T) {})\n",
    # the finalizers signal on a channel: Go runs them on a goroutine of their own, so
    # main waits for both before it prints (no race on who prints first)
    "clear_any_order": "\tdone := make(chan bool, 2)\n\tp := &T{id: 7}\n"
                       "\truntime.SetFinalizer(p, func(t any) "
                       "{ fmt.Println(\"any\", t.(*T).id); done <- true })\n\tq := &T{id: 8}\n"
                       "\truntime.SetFinalizer(q, func(t *T) { fmt.Println(\"q\") })\n"
                       "\truntime.SetFinalizer(q, nil)\n\truntime.SetFinalizer(q, func(t *T) "
                       "{ fmt.Println(\"q again\", t.id); done <- true })\n\truntime.GC()\n"
                       "\t<-done\n\t<-done\n\tfmt.Println(\"end\")\n",
}


def test_finalizers_run_once_after_the_gc_that_found_them():
    out = io.StringIO()
    scenario, _ = go_scenario(FIN, out=out)
    scenario(gcemu.Heap(model="go"))
    assert out.getvalue() == GO_PRINTS


def test_verify_finds_go_runs_the_same_finalizers_after_the_same_gcs():
    got = verify_go(str(FIN), "go")
    assert got["differences"] == [], got["differences"]
    assert got["finalizers"] == [["19:2", 1], ["21:2", 3], ["44:2", 4]]
    assert any("finalizers" in c for c in got["compared"])


@pytest.mark.parametrize("name", THROWS)
def test_what_cannot_be_honoured_throws_as_go_does(tmp_path, name):
    p = tmp_path / "prog.go"
    p.write_text(HEAD + "func main() {\n" + THROWS[name] + "}\n")
    got = verify_go(str(p), "go")
    assert got["differences"] == [], got["differences"]
    assert got["exit"] == (0 if name == "clear_any_order" else 2)
