"""The package's shape (docs/architecture.md): every import points down, with no cycle
among gcemu's modules (imports inside functions included), and only the map kinds'
own plug-ins name a map kind's classes."""

import ast
import subprocess
import sys
from pathlib import Path

import grimp
import networkx as nx
import pytest

import gcemu

ROOT = Path(gcemu.__file__).parent
# the plug-ins of a map kind outside gcemu/maps: its drawer, its stepper views, and the
# conformance runners, which speak to one Go map implementation each
KIND_PLUGINS = ("render/classic.py", "render/swiss.py", "ui/stepper/kinds/", "golang/")


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("gcemu", exclude_type_checking_imports=True)


def test_no_import_cycle_among_modules(graph):
    g = nx.DiGraph()
    for m in graph.modules:
        g.add_node(m)
        for i in graph.find_modules_directly_imported_by(m):
            g.add_edge(m, i)
    cycles = sorted(nx.simple_cycles(g), key=len)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles[:5])


def test_the_layers_contract_is_kept():
    """pyproject's import-linter contract (also run by ./dev test as lint-imports)."""
    tool = Path(sys.executable).parent / "lint-imports"
    out = subprocess.run([str(tool), "--config", str(ROOT.parent / "pyproject.toml")],
                         capture_output=True, text=True, cwd=ROOT.parent)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]


def test_the_heap_knows_nothing_of_what_sits_on_it(graph):
    above = ("gcemu.maps", "gcemu.gc", "gcemu.report", "gcemu.trace", "gcemu.render",
             "gcemu.sched", "gcemu.api")
    for m in graph.find_children("gcemu.core"):
        bad = [i for i in graph.find_modules_directly_imported_by(m) if i.startswith(above)]
        assert not bad, f"{m} imports {bad}"


def test_only_kind_plugins_name_a_map_kinds_modules():
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("maps/") or rel.startswith(KIND_PLUGINS):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                mod = node.module
                names = [a.name for a in node.names]
                assert not mod.startswith(("gcemu.maps.classic", "gcemu.maps.swiss")), \
                    f"{rel} imports {mod}"
                assert not (mod == "gcemu.maps" and {"classic", "swiss"} & set(names)), \
                    f"{rel} imports a map kind from gcemu.maps"
