"""The shape of gcemu.maps: each map kind a package of its own, imports pointing down."""

import ast
from pathlib import Path

import pytest

import gcemu
from gcemu.maps.classic import Map
from gcemu.maps.swiss import SwissMap

MAPS = Path(gcemu.__file__).parent / "maps"


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(module imported, whether the import runs) for every import of a file; one under
    ``if TYPE_CHECKING:`` does not run."""
    out = []

    def visit(node: ast.AST, runs: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and getattr(child.test, "id", "") == "TYPE_CHECKING":
                for c in child.body:
                    visit(ast.Module(body=[c], type_ignores=[]), False)
                continue
            if isinstance(child, ast.ImportFrom) and child.module:
                out.append((child.module, runs))
            elif isinstance(child, ast.Import):
                out.extend((a.name, runs) for a in child.names)
            visit(child, runs)
    visit(ast.parse(path.read_text()), True)
    return out


@pytest.mark.parametrize("kind,other", [("classic", "swiss"), ("swiss", "classic")])
def test_a_map_kind_never_imports_the_other(kind, other):
    for path in (MAPS / kind).glob("*.py"):
        bad = [m for m, _ in _imports(path) if m.startswith(f"gcemu.maps.{other}")]
        assert not bad, f"{path.name} imports {bad}"


def test_no_import_inside_a_function():
    for path in MAPS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                inner = [n for n in ast.walk(node) if isinstance(n, ast.Import | ast.ImportFrom)]
                assert not inner, f"{path.relative_to(MAPS)}: import inside {node.name}()"


def test_shared_modules_import_no_map_kind_and_nothing_above_them():
    """common and front sit under both kinds; at run time they import only modules
    below gcemu.maps (the heap, the types, the size classes, the errors)."""
    below = ("gcemu.errors", "gcemu.gotypes", "gcemu.heap", "gcemu.sizeclasses")
    for name in ("common.py", "front.py"):
        for m, runs in _imports(MAPS / name):
            if m.startswith("gcemu") and runs:
                assert m.startswith(below) or m == "gcemu.maps.common", f"{name} imports {m}"


@pytest.mark.parametrize("model,cls,kind", [("go", Map, "classic"), ("scanmap", Map, "classic"),
                                            ("go-swiss", SwissMap, "swiss")])
def test_each_map_class_names_its_kind(model, cls, kind):
    m = gcemu.Heap(model=model).make_map("map[int]int")
    assert type(m) is cls and cls.map_kind == kind
