"""The pytest plugin that installing gcemu registers (entry point ``pytest11``).

It gives a ``heap`` fixture (a fresh `gcemu.Heap` per test) whose model comes from
``@pytest.mark.gcemu(model=...)``, else the ``--gcemu-model`` option, else
``scanmap``; a ``go_program`` fixture that runs a Go program (package main) on that heap
and returns what it printed; and it tells `gcemu.testing` where a failing assertion may write its
pictures (the test's temporary folder). Loading it imports nothing heavy: gcemu's
heap and map only, never graphviz.
"""

from __future__ import annotations

import pytest

from gcemu import testing
from gcemu.core.models import MODELS


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("gcemu", "gcemu: Go map GC emulation")
    group.addoption(
        "--gcemu-model",
        choices=sorted(MODELS),
        default=None,
        help="model of the heap fixture when a test has no "
        "@pytest.mark.gcemu(model=...): scanmap (default), go, go-swiss or go-swiss-1.27",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "gcemu(model='scanmap'|'go'|'go-swiss'|'go-swiss-1.27', seed=0): the model and "
        "seed of the heap fixture",
    )


def _model_and_seed(request: pytest.FixtureRequest) -> tuple[str, int]:
    marker = request.node.get_closest_marker("gcemu")
    kwargs = dict(marker.kwargs) if marker else {}
    if marker and marker.args:
        kwargs.setdefault("model", marker.args[0])
    model = kwargs.get("model") or request.config.getoption("--gcemu-model") or "scanmap"
    return model, int(kwargs.get("seed", 0))


@pytest.fixture
def heap(request: pytest.FixtureRequest):
    """A fresh gcemu Heap; model from @pytest.mark.gcemu(model=...) or --gcemu-model."""
    from gcemu.api import Heap

    model, seed = _model_and_seed(request)
    return Heap(model=model, seed=seed)


@pytest.fixture(autouse=True)
def _gcemu_artifacts(request: pytest.FixtureRequest, tmp_path_factory):
    """Failing gcemu assertions write their DOT/SVG into this test's own folder."""
    name = request.node.name[:40]
    token = testing.artifact_dir.set(lambda: tmp_path_factory.mktemp(f"gcemu-{name}"))
    yield
    testing.artifact_dir.reset(token)


@pytest.fixture
def go_program(heap):
    """``go_program(path)``: run the Go program at ``path`` (package main, read by
    gcemu.gofront) on this test's ``heap``; returns what it printed. Its live
    variables were the roots at each runtime.GC; afterwards its package-level ones."""
    import io

    from gcemu.gofront.scenario import go_scenario

    def run(path) -> str:
        out = io.StringIO()
        scenario, _ = go_scenario(path, out=out)
        scenario(heap)
        return out.getvalue()
    return run
