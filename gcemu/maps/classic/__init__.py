"""The classic Go map of Go 1.21-1.23 (runtime/map.go), split as Go's file reads:
`const` (the const block, tophash), `objects` (bmap, mapextra, hiter), `hmap` (the
header: makemap, mapaccess, mapassign, mapdelete, mapclear), `grow` (hashGrow,
growWork, evacuate) and `iter` (mapiterinit, mapiternext)."""

from gcemu.maps.classic.const import (
    BUCKET_CNT,
    EMPTY_ONE,
    EMPTY_REST,
    EVACUATED_EMPTY,
    EVACUATED_X,
    EVACUATED_Y,
    HASH_WRITING,
    ITERATOR,
    LOAD_FACTOR_DEN,
    LOAD_FACTOR_NUM,
    MIN_TOP_HASH,
    OLD_ITERATOR,
    SAME_SIZE_GROW,
    evacuated,
    flags_text,
    over_load_factor,
    too_many_overflow_buckets,
    tophash,
    tophash_state,
)
from gcemu.maps.classic.hmap import Map
from gcemu.maps.classic.objects import Bucket, BucketArray, Hiter, MapExtra, OverflowList

__all__ = ["BUCKET_CNT", "EMPTY_ONE", "EMPTY_REST", "EVACUATED_EMPTY", "EVACUATED_X",
           "EVACUATED_Y", "HASH_WRITING", "ITERATOR", "LOAD_FACTOR_DEN", "LOAD_FACTOR_NUM",
           "MIN_TOP_HASH", "OLD_ITERATOR", "SAME_SIZE_GROW", "Bucket", "BucketArray", "Hiter",
           "Map", "MapExtra", "OverflowList", "evacuated", "flags_text", "over_load_factor",
           "too_many_overflow_buckets", "tophash", "tophash_state"]
