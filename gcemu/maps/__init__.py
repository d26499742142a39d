"""Go's maps: the classic bucket map (runtime/map.go) and the Swiss table
(internal/runtime/maps), each a map kind registered in `gcemu.maps.kind`.

Importing this package registers both kinds, so everything above reaches them through
`kind_for` / `kind_of` and the registry's dispatch tables.
"""

from gcemu.maps.classic.kind import KIND as CLASSIC
from gcemu.maps.kind import MapKind, is_map, kind_for, kind_of, register
from gcemu.maps.swiss.kind import KIND as SWISS

__all__ = ["CLASSIC", "SWISS", "MapKind", "is_map", "kind_for", "kind_of", "register"]
