"""What every gotypes module stands on: Go's predeclared kinds on amd64, and the error.

The integer kinds with their sizes and value ranges, the float kinds with their sizes,
the two predeclared aliases (``byte`` is ``uint8``, ``rune`` is ``int32``), the pointer
size, and `GoTypeError` with the two helpers its messages use.  Nothing here knows a
`GoType`: the types (types.py), the value helpers (values.py) and the parser (parse.py)
all read these tables.
"""

from __future__ import annotations

from typing import Any

from gcemu.errors import GcemuError

PTR_SIZE = 8
M64 = (1 << 64) - 1

INT_RANGES: dict[str, tuple[int, int, int]] = {  # kind -> (size, lo, hi)
    "int8": (1, -(1 << 7), (1 << 7) - 1),
    "int16": (2, -(1 << 15), (1 << 15) - 1),
    "int32": (4, -(1 << 31), (1 << 31) - 1),
    "int64": (8, -(1 << 63), (1 << 63) - 1),
    "int": (8, -(1 << 63), (1 << 63) - 1),
    "uint8": (1, 0, (1 << 8) - 1),
    "uint16": (2, 0, (1 << 16) - 1),
    "uint32": (4, 0, (1 << 32) - 1),
    "uint64": (8, 0, M64),
    "uint": (8, 0, M64),
    "uintptr": (8, 0, M64),
}
FLOAT_SIZES = {"float32": 4, "float64": 8}
ALIASES = {"byte": "uint8", "rune": "int32"}


class GoTypeError(GcemuError, ValueError):
    """Bad type text or a value that does not fit a type; the message says where."""


def article(name: str) -> str:
    """``name`` with "a" or "an" in front, e.g. "an int64", "a uint8"."""
    return ("an " if name[:1] in "aeioAEIO" else "a ") + name


def show(value: Any) -> str:
    """A short repr of a user value for error messages."""
    r = repr(value)
    return r if len(r) <= 60 else r[:57] + "..."
