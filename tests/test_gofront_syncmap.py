"""sync.Map in Go programs (gcemu.gofront.gosyncmap): typed by the call sites, compared
with real Go 1.23.9's printed output; mixed or interface-typed arguments refused."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest

import gcemu
from gcemu.errors import GcemuError
from gcemu.gofront.scenario import go_scenario
from gcemu.toolchain import find_toolchain, have_toolchain

EXAMPLE = Path(__file__).parent.parent / "examples" / "syncmap.go"


def gcemu_prints(path: Path, model: str = "go") -> str:
    out = io.StringIO()
    scenario, _ = go_scenario(path, out=out)
    scenario(gcemu.Heap(model=model))
    return out.getvalue()


def program(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "main.go"
    fmt = '\t"fmt"' if "fmt." in body else ""  # the same line numbers either way
    p.write_text(f'package main\n\nimport (\n{fmt}\n\t"sync"\n)\n\n'
                 "type T struct{ id int }\n\nvar m sync.Map\n\n" + body)
    return p


@pytest.mark.skipif(not have_toolchain("1.23"), reason="no Go 1.23 toolchain")
def test_example_prints_what_go_1_23_prints():
    """Go 1.23's read/dirty sync.Map ("go") and Go 1.24's HashTrieMap ("go-swiss") both
    print what real Go prints (the program does not depend on Range's order)."""
    tc = find_toolchain("1.23")
    r = subprocess.run([tc.go, "run", EXAMPLE.name], cwd=EXAMPLE.parent, env=tc.env(),
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "5 40\n" in r.stdout  # the Range sum after LoadOrStore/Swap/Delete
    assert gcemu_prints(EXAMPLE, "go") == r.stdout
    assert gcemu_prints(EXAMPLE, "go-swiss") == r.stdout


def test_types_come_from_the_call_sites(tmp_path):
    """Untyped constants take their default type; the value type is the struct."""
    p = program(tmp_path, "func main() {\n\tm.Store(1, T{7})\n\tm.Store(2, T{8})\n"
                          "\tv, ok := m.Load(2)\n\tfmt.Println(v, ok, v.(T).id)\n"
                          "\tm.Range(func(k, v any) bool { fmt.Println(k.(int) > 0); "
                          "return false })\n}\n")
    assert gcemu_prints(p) == "{8} true 8\ntrue\n"


def test_mixed_value_types_are_refused_with_both_positions(tmp_path):
    p = program(tmp_path, 'func main() {\n\tm.Store("a", &T{})\n\tm.Store("b", 1)\n}\n')
    with pytest.raises(GcemuError, match=r"main\.go:14:15: a sync.Map value of type int, "
                                         r"but .*main\.go:13:15 gives one of type \*T"):
        go_scenario(p)[0](gcemu.Heap(model="go"))


def test_interface_argument_is_refused(tmp_path):
    p = program(tmp_path, 'func main() {\n\tvar k any = "a"\n\tm.Store(k, 1)\n}\n')
    with pytest.raises(GcemuError, match=r"main\.go:14:10: a sync.Map key of interface "
                                         r"type any \(gcemu.s sync.Map is typed"):
        go_scenario(p)[0](gcemu.Heap(model="go"))


def test_failed_assertion_panics_as_go_does(tmp_path):
    """The value's dynamic type is the inferred one: asserting another type panics."""
    p = program(tmp_path, 'func main() {\n\tm.Store("a", 1)\n\tv, _ := m.Load("a")\n'
                          "\t_, ok := v.(string)\n\tfmt.Println(ok)\n}\n")
    assert gcemu_prints(p) == "false\n"

