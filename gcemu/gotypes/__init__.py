"""Go types on a 64-bit platform: text in, sizes, pointer words and values out.

A scenario names Go types by their source text: ``map[string]*T``, or a
declaration such as ``type T struct { id int; next *T; buf [48]byte }``.
This package turns that text into `GoType` objects carrying what the runtime
knows about a type on amd64: its size and alignment, its GC pointer bitmap as
8-byte word indexes, and the flags the map code needs.  Slices, interfaces,
channels, functions and complex numbers are rejected with a clear `GoTypeError`.

Its modules, each importing only the ones above it in this list:

- ``kinds``: the predeclared kinds (sizes, integer ranges, aliases) and `GoTypeError`;
- ``values``: how Go values are Python values, and the per-type compiled converters,
  pointer finders and hash encoders;
- ``types``: `GoType`, `Field`, and gc's layout rules for pointers, maps, arrays and
  structs;
- ``layout``: `MapLayout` / `map_layout`, the compiler's bucket type of a map type;
- ``parse``: the tokenizer, the parser and the all-or-nothing builder;
- ``universe``: `TypeUniverse`, one per heap: declare, parse, lookup.
"""

from gcemu.gotypes.kinds import PTR_SIZE, GoTypeError
from gcemu.gotypes.layout import BUCKET_COUNT, MAX_ELEM_BYTES, MAX_KEY_BYTES, MapLayout, map_layout
from gcemu.gotypes.types import Field, GoType
from gcemu.gotypes.universe import TypeUniverse
from gcemu.gotypes.values import GoString, NilMap

__all__ = [
    "BUCKET_COUNT",
    "MAX_ELEM_BYTES",
    "MAX_KEY_BYTES",
    "PTR_SIZE",
    "Field",
    "GoString",
    "GoType",
    "GoTypeError",
    "MapLayout",
    "NilMap",
    "TypeUniverse",
    "map_layout",
]
