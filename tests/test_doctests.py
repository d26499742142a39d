"""The numpydoc examples in gcemu's docstrings run, and show what they claim."""

import doctest
import importlib
import pkgutil

import pytest

import gcemu

MODULES = sorted(
    m.name for m in pkgutil.walk_packages(gcemu.__path__, "gcemu.")
    if m.name not in ("gcemu.__main__", "gcemu.pytest_plugin")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
