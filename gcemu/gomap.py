"""Old import path of the classic map, kept for one release: see `gcemu.maps.classic`
(and `gcemu.maps.common` for what both maps share)."""

from gcemu.maps.classic import (
    BUCKET_CNT,
    EMPTY_ONE,
    EMPTY_REST,
    EVACUATED_EMPTY,
    ITERATOR,
    MIN_TOP_HASH,
    OLD_ITERATOR,
    SAME_SIZE_GROW,
    BucketArray,
    Hiter,
    Map,
    MapExtra,
    OverflowList,
    flags_text,
    tophash_state,
)
from gcemu.maps.common import ClearedString, Indirect, has_nan

__all__ = ["BUCKET_CNT", "EMPTY_ONE", "EMPTY_REST", "EVACUATED_EMPTY", "ITERATOR",
           "MIN_TOP_HASH", "OLD_ITERATOR", "SAME_SIZE_GROW", "BucketArray", "ClearedString",
           "Hiter", "Indirect", "Map", "MapExtra", "OverflowList", "flags_text", "has_nan",
           "tophash_state"]
