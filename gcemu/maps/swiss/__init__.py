"""The Swiss-table Go map of Go 1.24+ (internal/runtime/maps), split as Go's package
is: `group` (control bytes, H1/H2, the probe, groups), `table` (a table and its own
operations), `map` (the header: NewMap, the small map, the directory) and `iter`
(Iter.Init / Iter.Next)."""

from gcemu.maps.swiss.group import (
    CTRL_DELETED,
    CTRL_EMPTY,
    SLOTS,
    Group,
    GroupsArray,
    ctrl_state,
    group_size,
    h1,
    h2,
    probe,
)
from gcemu.maps.swiss.iter import SwissIter
from gcemu.maps.swiss.map import ClassicFieldError, Directory, SwissMap
from gcemu.maps.swiss.table import MAX_TABLE_CAP, Table, max_growth_left

__all__ = ["CTRL_DELETED", "CTRL_EMPTY", "MAX_TABLE_CAP", "SLOTS", "ClassicFieldError",
           "Directory", "Group", "GroupsArray", "SwissIter", "SwissMap", "Table", "ctrl_state",
           "group_size", "h1", "h2", "max_growth_left", "probe"]
