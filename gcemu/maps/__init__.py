"""The Go maps gcemu emulates: `classic` (Go 1.21-1.23, runtime/map.go) and `swiss`
(Go 1.24+, internal/runtime/maps), over what both share (`common`: hashing, NaN keys,
slot pointers; `front`: the Python face of a map). Neither kind imports the other.

Each kind registers a `MapKind` (`gcemu.maps.kind`) when imported; importing this
package imports both, so everything above reaches them through `kind_for` / `kind_of`
and the registry's dispatch tables, never through their classes.
"""

from gcemu.maps.classic.kind import KIND as CLASSIC
from gcemu.maps.kind import MapKind, is_map, kind_for, kind_of, register
from gcemu.maps.swiss.kind import KIND as SWISS

__all__ = ["CLASSIC", "SWISS", "MapKind", "is_map", "kind_for", "kind_of", "register"]
