"""gofront, construct by construct: each supported construct prints what Go 1.23 prints
(the expected text is checked against real Go too), each unsupported one is one clear
error naming itself and its position; every front end takes a .go file."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

import gcemu
from gcemu.errors import GcemuError
from gcemu.gofront.helper import cache_root
from gcemu.gofront.scenario import go_scenario
from gcemu.toolchain import find_toolchain, have_toolchain

pytest_plugins = ("pytester",)
pytestmark = pytest.mark.skipif(not have_toolchain(), reason="no Go 1.23 toolchain")

# name -> (declarations and a main body, what Go prints)
CONSTRUCTS = {
    "counted_loop_and_op_assign": (
        "func main() {\n\ts := 0\n\tfor i := 0; i < 10; i++ {\n\t\tif i == 7 {\n"
        "\t\t\tbreak\n\t\t}\n\t\tif i%2 == 0 {\n\t\t\tcontinue\n\t\t}\n\t\ts += i\n\t}\n"
        "\tfmt.Println(s)\n}\n", "9\n"),
    "labelled_continue": (
        "func main() {\n\tn := 0\nouter:\n\tfor i := 0; i < 3; i++ {\n"
        "\t\tfor j := 0; j < 3; j++ {\n\t\t\tif j == 1 {\n\t\t\t\tcontinue outer\n\t\t\t}\n"
        "\t\t\tn++\n\t\t}\n\t}\n\tfmt.Println(n)\n}\n", "3\n"),
    "map_ops_and_comma_ok": (
        "func main() {\n\tm := make(map[string]int, 4)\n\tm[\"a\"] = 1\n\tm[\"b\"] += 2\n"
        "\tdelete(m, \"a\")\n\tv, ok := m[\"a\"]\n\tfmt.Println(m, len(m), v, ok)\n}\n",
        "map[b:2] 1 0 false\n"),
    "switch_fallthrough_default": (
        "func main() {\n\tfor _, n := range []int{1, 2, 5} {\n\t\tswitch {\n"
        "\t\tcase n == 1:\n\t\t\tfmt.Print(\"a\")\n\t\t\tfallthrough\n\t\tcase n == 2:\n"
        "\t\t\tfmt.Print(\"b\")\n\t\tdefault:\n\t\t\tfmt.Print(\"c\")\n\t\t}\n\t}\n"
        "\tfmt.Println()\n}\n", "abbc\n"),
    "type_switch_and_assertion": (
        "func f(x any) string {\n\tswitch v := x.(type) {\n\tcase nil:\n\t\treturn \"nil\"\n"
        "\tcase int:\n\t\treturn fmt.Sprint(v + 1)\n\tcase string, bool:\n"
        "\t\treturn fmt.Sprint(\"sb \", v)\n\tdefault:\n\t\treturn fmt.Sprintf(\"%T\", v)\n"
        "\t}\n}\n\nfunc main() {\n\tvar x any = \"s\"\n\ts, ok := x.(string)\n"
        "\t_, bad := x.(int)\n\tfmt.Println(f(nil), f(1), f(true), f(2.5), s, ok, bad)\n}\n",
        "nil 2 sb true float64 s true false\n"),
    "interface_method_and_stringer": (
        "type C int\n\nfunc (c C) String() string { return fmt.Sprint(\"C\", int(c)) }\n\n"
        "type A interface{ Area() int }\n\ntype Sq struct{ s int }\n\n"
        "func (q *Sq) Area() int { return q.s * q.s }\n\n"
        "func main() {\n\tvar a A = &Sq{s: 3}\n\tfmt.Println(a.Area(), C(4))\n"
        "\tfmt.Printf(\"%v %s %d\\n\", C(1), C(2), C(3))\n}\n", "9 C4\nC1 C2 3\n"),
    "error_method_and_errors": (
        "type E struct{ k string }\n\nfunc (e *E) Error() string { return \"no \" + e.k }\n\n"
        "func get(k string) error {\n\tif k == \"\" {\n\t\treturn errors.New(\"empty\")\n\t}\n"
        "\treturn &E{k: k}\n}\n\nfunc main() {\n\te := get(\"x\")\n\t_, mine := e.(*E)\n"
        "\tfmt.Println(e, get(\"\"), mine, e.Error())\n}\n", "no x empty true no x\n"),
    "address_of_struct_variable": (
        "type T struct{ n int }\n\nfunc (t *T) Inc() { t.n++ }\n\n"
        "func main() {\n\tvar t T\n\tt.Inc()\n\tp := &t\n\tp.n += 5\n\tt.Inc()\n"
        "\tfmt.Println(t.n, p.n, *p)\n}\n", "7 7 {7}\n"),
    "variadic_and_spread": (
        "func sum(b int, xs ...int) int {\n\tfor _, x := range xs {\n\t\tb += x\n\t}\n"
        "\treturn b\n}\n\nfunc main() {\n\txs := []int{4, 5}\n\tys := append([]int{1}, xs...)\n"
        "\tfmt.Println(sum(1), sum(1, 2, 3), sum(0, xs...), ys)\n}\n", "1 6 9 [1 4 5]\n"),
    "closures_per_iteration": (
        "func main() {\n\tvar fs []func() int\n\tfor i := 0; i < 3; i++ {\n"
        "\t\tfs = append(fs, func() int { return i * 10 })\n\t}\n"
        "\tfor _, f := range fs {\n\t\tfmt.Print(f(), \" \")\n\t}\n\tfmt.Println()\n}\n",
        "0 10 20 \n"),
    "defer_recover_named_result": (
        "func div(a, b int) (q int, err error) {\n\tdefer func() {\n"
        "\t\tif r := recover(); r != nil {\n\t\t\terr = fmt.Errorf(\"caught: %v\", r)\n"
        "\t\t}\n\t}()\n\treturn a / b, nil\n}\n\nfunc main() {\n\tfmt.Println(div(7, 2))\n"
        "\tfmt.Println(div(1, 0))\n}\n",
        "3 <nil>\n0 caught: runtime error: integer divide by zero\n"),
    "range_int_string_array": (
        "func main() {\n\tvar a [3]int\n\tfor i := range 3 {\n\t\ta[i] = i * i\n\t}\n"
        "\tfor i, r := range \"hé\" {\n\t\tfmt.Print(i, r, \" \")\n\t}\n"
        "\tfmt.Println(a, len(a))\n}\n", "0 104 1 233 [0 1 4] 3\n"),
    "struct_pointers_and_new": (
        "type N struct {\n\tv    int\n\tnext *N\n}\n\nfunc main() {\n\tp := new(N)\n"
        "\tp.next = &N{v: 2}\n\tm := map[int]*N{1: p, 2: {v: 9}}\n"
        "\tfmt.Println(p.next.v, m[2].v, m[3] == nil, *p.next)\n}\n", "2 9 true {2 <nil>}\n"),
}

# name -> (program, the start of the error gcemu gives)
UNSUPPORTED = {
    "select": ("func main() {\n\tselect {}\n}\n", "prog.go:5:2: a select statement"),
    "goto": ("func main() {\n\tgoto end\nend:\n}\n", "prog.go:5:2: goto"),
    "address_of_int": ("func main() {\n\tx := 1\n\tp := &x\n\t*p = 2\n}\n",
                       "prog.go:6:7: taking the address of a variable of type int"),
    "read_mem_stats_pointer": ("func main() {\n\tms := new(runtime.MemStats)\n"
                               "\truntime.ReadMemStats(ms)\n}\n",
                               "prog.go:7:2: runtime.ReadMemStats of anything but &variable"),
    "promoted_field": ("type B struct{ x int }\n\ntype D struct{ B }\n\n"
                       "func main() {\n\tvar d D\n\td.x = 1\n}\n",
                       "prog.go:10:2: a promoted field of an embedded struct"),
    "nested_stringer": ("type C int\n\nfunc (c C) String() string { return \"c\" }\n\n"
                        "func main() {\n\tfmt.Println([]C{1})\n}\n",
                        "prog.go:10:14: printing a []C holding C values"),
    "method_value": ("type T struct{}\n\nfunc (T) M() {}\n\nfunc main() {\n\tf := T{}.M\n"
                     "\tf()\n}\n", "prog.go:9:7: a method value"),
    "generics": ("func id[X any](x X) X { return x }\n\nfunc main() {\n\t_ = id(1)\n}\n",
                 "prog.go:4:1: a generic function"),
}

def program(tmp_path: Path, body: str, name: str = "prog.go") -> Path:
    """``body`` as a whole program, importing the packages it names."""
    imports = [pkg for pkg in ("errors", "fmt", "runtime") if pkg + "." in body]
    head = "".join(f'import "{pkg}"\n' for pkg in imports) or "\n"
    p = tmp_path / name
    p.write_text("package main\n\n" + head + ("\n" if imports else "") + body)
    return p


def gcemu_prints(path: Path) -> str:
    out = io.StringIO()
    scenario, _ = go_scenario(path, out=out)
    scenario(gcemu.Heap(model="go"))
    return out.getvalue()


@pytest.mark.parametrize("name", CONSTRUCTS)
def test_construct_prints_what_go_prints(tmp_path, name):
    body, expected = CONSTRUCTS[name]
    assert gcemu_prints(program(tmp_path, body)) == expected


def test_expected_outputs_are_gos(tmp_path):
    """The expected texts above are what real Go 1.23.9 prints (one build for all)."""
    tc = find_toolchain()
    mod = tmp_path / "all"
    mod.mkdir()
    (mod / "go.mod").write_text(f"module all\n\ngo {tc.series}\n")
    for name, (body, _) in CONSTRUCTS.items():
        program(mod / name if (mod / name).mkdir() is None else mod, body, "main.go")
    r = subprocess.run([tc.go, "build", "-o", str(tmp_path / "bin") + "/", "./..."],
                       cwd=mod, env=tc.env(), capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    for name, (_, expected) in CONSTRUCTS.items():
        out = subprocess.run([str(tmp_path / "bin" / name)], capture_output=True, text=True,
                             timeout=60).stdout
        assert out == expected, name


@pytest.mark.parametrize("name", UNSUPPORTED)
def test_unsupported_construct_is_one_clear_error(tmp_path, name):
    body, message = UNSUPPORTED[name]
    p = program(tmp_path, body)
    with pytest.raises(GcemuError) as e:
        scenario, _ = go_scenario(p)
        scenario(gcemu.Heap(model="go"))
    text = str(e.value)
    assert "\n" not in text
    assert text.startswith(str(tmp_path / message)), text
    assert "not supported" in text or "cannot" in text or "generic" in text


# -- every front end takes .go ---------------------------------------------------------------
PANICS = ("func set(m map[string]int) {\n\tm[\"a\"] = 1\n}\n\n"
          "func main() {\n\tfmt.Println(\"before\")\n\tvar m map[string]int\n\tset(m)\n}\n")
CACHE = cache_root()  # the helper's cache as of import (before pytester moves HOME)
CHURN = Path(__file__).parent.parent / "examples" / "map_churn.go"


def cli(*args, input=None):
    return subprocess.run([sys.executable, "-m", "gcemu", *map(str, args)],
                          capture_output=True, text=True, timeout=300, input=input)


def test_run_prints_and_panics_as_go(tmp_path):
    p = program(tmp_path, PANICS)
    r = cli("run", p)
    assert r.returncode == 2
    assert r.stdout == "before\n"
    assert r.stderr.splitlines() == ["panic: assignment to entry in nil map", "",
                                     "goroutine 1 [running]:", "main.set()", f"\t{p}:6"]


def test_run_json_and_explain_use_the_programs_names():
    r = cli("run", CHURN, "--json", "--model", "go")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["scenario"] == str(CHURN)
    assert "refilled: 167" in r.stderr  # the program's prints go to stderr with --json
    r = cli("explain", CHURN, "m", "--model", "go")
    assert r.returncode == 0, r.stderr
    # explain MAP (a map's storage and why it stays) under the program's own name
    assert "map m (map[int]*Client, classic map) under model go" in r.stdout.splitlines()


def test_compare_render_and_step_take_go(tmp_path):
    r = cli("compare", CHURN)
    assert r.returncode == 0, r.stderr
    assert "scanmap" in r.stdout and "go" in r.stdout
    out = tmp_path / "m.dot"
    r = cli("render", CHURN, "-o", out, "--model", "go")
    assert r.returncode == 0, r.stderr
    assert out.read_text().startswith("digraph") and "hmap#1 m" in out.read_text()
    r = cli("step", CHURN, "--model", "go", input="step 3\ncontinue\nquit\n")
    assert r.returncode == 0, r.stderr
    assert "mark step 0> step 3" in r.stdout


def test_verify_compares_printed_output_with_go(tmp_path):
    r = cli("verify", CHURN, "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["differences"] == [] and out["go"] == "go1.23.9" and out["exit"] == 0
    assert any("ranges over a map" in n for n in out["notes"])
    p = program(tmp_path, PANICS)
    r = cli("verify", p)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "exit status 2" in r.stdout and "print the same" in r.stdout
    wrong = program(tmp_path, "func main() {\n\tfmt.Println(1.0 / 3)\n}\n")
    wrong.write_text(wrong.read_text())
    r = cli("verify", wrong)
    assert r.returncode == 0, r.stdout


def test_pytest_plugin_runs_a_go_program(pytester, monkeypatch):
    monkeypatch.setenv("GCEMU_GOFRONT_CACHE", str(CACHE))  # pytester moves HOME
    pytester.makefile(".go", prog="package main\n\nimport \"fmt\"\n\n"
                      "var keep = map[int]*int{}\n\nfunc main() {\n"
                      "\tkeep[1] = new(int)\n\tfmt.Println(len(keep))\n}\n")
    pytester.makepyfile(test_it="""
import pytest

@pytest.mark.gcemu(model="go")
def test_prog(heap, go_program):
    assert go_program("prog.go") == "1\\n"
    assert len(heap.get_global("keep")) == 1
""")
    r = pytester.runpytest_subprocess("-q")  # the plugin comes by its entry point
    r.assert_outcomes(passed=1)
