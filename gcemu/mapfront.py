"""Old import path of the maps' shared front, kept for one release: see
`gcemu.maps.front`."""

from gcemu.maps.front import MapFront

__all__ = ["MapFront"]
