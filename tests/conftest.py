"""Shared fixtures for the gcemu tests (keep this file small)."""

import os
from pathlib import Path

import pytest

import gcemu

# the project's spec: shared/spec beside the checkout (as CI lays it out), or $GCEMU_SPEC
SPEC = Path(os.environ.get("GCEMU_SPEC")
            or Path(__file__).resolve().parents[2] / "shared" / "spec")
T_DECL = "type T struct { id int; next *T; buf [48]byte }"


@pytest.fixture
def new_heap():
    """``new_heap(model="go", seed=0)``: a Heap with the spec's ``T`` declared."""

    def make(model: str = "go", seed: int = 0) -> gcemu.Heap:
        h = gcemu.Heap(model=model, seed=seed)
        h.declare(T_DECL)
        return h

    return make
