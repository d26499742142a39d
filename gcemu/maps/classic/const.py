"""runtime/map.go's const block and the small functions that read it (Go 1.21-1.23).

A bucket's ``tophash[i]`` is either a state (``emptyRest`` 0, ``emptyOne`` 1,
``evacuatedX`` 2, ``evacuatedY`` 3, ``evacuatedEmpty`` 4) or, for a full slot, the top
byte of the key's hash moved past the states (`tophash`: at least ``minTopHash``, 5).
``hmap.flags`` holds ``iterator``, ``oldIterator``, ``hashWriting`` and
``sameSizeGrow``. A map grows when its load factor would pass 6.5 entries per bucket
(`over_load_factor`) or it has as many overflow buckets as main ones
(`too_many_overflow_buckets`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gcemu.maps.classic.objects import Bucket

BUCKET_CNT = 8
EMPTY_REST = 0
EMPTY_ONE = 1
EVACUATED_X = 2
EVACUATED_Y = 3
EVACUATED_EMPTY = 4
MIN_TOP_HASH = 5
ITERATOR = 1
OLD_ITERATOR = 2
HASH_WRITING = 4
SAME_SIZE_GROW = 8
LOAD_FACTOR_NUM = 13
LOAD_FACTOR_DEN = 2
NO_CHECK = (1 << 64) - 1
HMAP_SIZE = 48
MAPEXTRA_SIZE = 24
HITER_SIZE = 96

FLAG_NAMES = ((ITERATOR, "iterator"), (OLD_ITERATOR, "oldIterator"),
              (HASH_WRITING, "hashWriting"), (SAME_SIZE_GROW, "sameSizeGrow"))
TOPHASH_NAMES = {EMPTY_REST: "emptyRest", EMPTY_ONE: "emptyOne", EVACUATED_X: "evacuatedX",
                 EVACUATED_Y: "evacuatedY", EVACUATED_EMPTY: "evacuatedEmpty"}


def tophash_state(top: int) -> str:
    """The name of a tophash value: ``emptyOne`` ... or ``full``."""
    return TOPHASH_NAMES.get(top, "full")


def flags_text(flags: int) -> str:
    return "|".join(n for bit, n in FLAG_NAMES if flags & bit) or "0"


def tophash(hash: int) -> int:
    """runtime.tophash: the top byte of the hash, moved past the reserved states."""
    top = hash >> 56
    return top + MIN_TOP_HASH if top < MIN_TOP_HASH else top


def over_load_factor(count: int, B: int) -> bool:
    """runtime.overLoadFactor: would ``count`` items in ``2^B`` buckets exceed 6.5 each?"""
    return count > BUCKET_CNT and count > LOAD_FACTOR_NUM * ((1 << B) // LOAD_FACTOR_DEN)


def too_many_overflow_buckets(noverflow: int, B: int) -> bool:
    """runtime.tooManyOverflowBuckets: noverflow >= 2^min(B, 15)."""
    return noverflow >= (1 << min(B, 15))


def evacuated(b: Bucket) -> bool:
    """runtime.evacuated: reads tophash[0] of the main bucket only."""
    return EVACUATED_X <= b.tophash[0] <= EVACUATED_EMPTY
