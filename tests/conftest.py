"""Shared fixtures for the gcemu tests (keep this file small)."""

import pytest

import gcemu

T_DECL = "type T struct { id int; next *T; buf [48]byte }"


@pytest.fixture
def new_heap():
    """``new_heap(model="go", seed=0)``: a Heap with the spec's ``T`` declared."""

    def make(model: str = "go", seed: int = 0) -> gcemu.Heap:
        h = gcemu.Heap(model=model, seed=seed)
        h.declare(T_DECL)
        return h

    return make
