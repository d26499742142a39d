"""gofront: Go programs run on gcemu print what real Go 1.23 prints; errors are Go's."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest

import gcemu
from gcemu.errors import GcemuError
from gcemu.gofront.scenario import go_scenario
from gcemu.toolchain import find_toolchain, have_toolchain

# the MemStats and goroutine examples have tests of their own (tests/test_gofront_memstats.py,
# tests/test_gofront_goroutines.py): their output is compared within tolerances or sets
OWN_TESTS = {"ch1_memstats.go", "book_28.go", "ch3_writers.go", "ch4_rwmutex.go"}
EXAMPLES = sorted(p for p in (Path(__file__).parent.parent / "examples").glob("*.go")
                  if p.name not in OWN_TESTS)
pytestmark = pytest.mark.skipif(not have_toolchain(), reason="no Go 1.23 toolchain")


def run_gcemu(path: Path) -> str:
    out = io.StringIO()
    scenario, _ = go_scenario(path, out=out)
    scenario(gcemu.Heap(model="go"))
    return out.getvalue()


def run_go(path: Path) -> str:
    tc = find_toolchain()
    r = subprocess.run([tc.go, "run", str(path)], capture_output=True, text=True,
                       env=tc.env(), timeout=300)
    assert r.returncode == 0, r.stderr
    return r.stdout


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_prints_what_go_prints(path):
    assert run_gcemu(path) == run_go(path)


def write(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "prog.go"
    p.write_text(body)
    return p


def test_type_error_is_gos_at_its_position(tmp_path):
    p = write(tmp_path, 'package main\n\nfunc main() {\n\tm := map[string]int{}\n'
                        '\tdelete(m, 1)\n}\n')
    with pytest.raises(GcemuError, match=r"prog.go:5:12: cannot use 1 \(untyped int "
                                         r"constant\) as string value in argument to delete"):
        go_scenario(p)


def test_unsupported_construct_names_itself_and_position(tmp_path):
    p = write(tmp_path, 'package main\n\nfunc main() {\n\tselect {}\n}\n')
    scenario, _ = go_scenario(p)
    with pytest.raises(GcemuError, match=r"prog.go:4:2: a select statement .* not supported"):
        scenario(gcemu.Heap(model="go"))


def test_gc_sees_only_live_locals(tmp_path):
    p = write(tmp_path, """package main

import "runtime"

type T struct{ id int }

func main() {
	keep := &T{id: 1}
	drop := &T{id: 2}
	_ = drop
	runtime.GC()
	runtime.KeepAlive(keep)
}
""")
    scenario, _ = go_scenario(p)
    h = gcemu.Heap(model="go")
    seen = {}
    orig = h.collect

    def collect():
        seen.update(h.globals)
        return orig()
    h.collect = collect
    scenario(h)
    assert set(seen) == {"keep"}
