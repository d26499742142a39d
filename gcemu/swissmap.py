"""Old import path of the Swiss map, kept for one release: see `gcemu.maps.swiss`."""

from gcemu.maps.swiss import (
    CTRL_DELETED,
    CTRL_EMPTY,
    SLOTS,
    Directory,
    Group,
    GroupsArray,
    SwissIter,
    SwissMap,
    Table,
    ctrl_state,
)

__all__ = ["CTRL_DELETED", "CTRL_EMPTY", "SLOTS", "Directory", "Group", "GroupsArray",
           "SwissIter", "SwissMap", "Table", "ctrl_state"]
