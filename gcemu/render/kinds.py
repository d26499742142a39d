"""The pictures' own registry of map kinds: how each kind's structures are drawn.

`gcemu.maps.kind` tells which kind owns an object; this registry, keyed by the kind's
name, tells how to draw it: the style of its slot rows and legend, a node per header
structure, and a node per slot array. Each kind's drawing module
(`gcemu.render.classic`, `gcemu.render.swiss`) registers one `Drawer` when imported;
`gcemu.render` imports both. A new map kind adds a module beside them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gcemu.errors import GcemuError
from gcemu.render.nodes import MapStyle, SNode


@dataclass(frozen=True)
class Drawer:
    """How one map kind is drawn.

    ``structures``: type -> ``node(obj, gone) -> SNode`` for headers (hmap, directory);
    ``array_node(arr, rows, traced, note) -> SNode`` draws a slot array and puts its
    buckets or groups into ``rows``.
    """

    style: MapStyle
    structures: dict[type, Callable[[Any, bool], SNode]]
    array_node: Callable[..., SNode]


DRAWERS: dict[str, Drawer] = {}


def register(name: str, drawer: Drawer) -> Drawer:
    DRAWERS[name] = drawer
    return drawer


def drawer_for(name: str) -> Drawer:
    d = DRAWERS.get(name)
    if d is None:
        raise GcemuError(f"no picture drawer for map kind {name!r}")
    return d


__all__ = ["DRAWERS", "Drawer", "drawer_for", "register"]
