"""What a big ``make(map[K]V, hint)`` costs gcemu, said before it is paid.

Go's makemap allocates a map's whole storage at once: the classic map's ``2^B``
buckets (B the smallest with ``hint <= 6.5 * 2^B``) and their preallocated overflow
buckets, the Swiss map's tables for ``hint * 8 / 7`` slots. gcemu builds a Python
object for each bucket or group of it, touched or not: 8 control bytes, a list of 8
keys and a list of 8 elems, about 425 B of Python memory a bucket. Either way a hint
``h`` means at least ``h`` slots, so `warn_big_hint` can tell from the hint alone, before
the build, that the work will be long.

Measured (this repository's dev machine, CPU time, ``make_map("map[int]*int",
hint=10**7)``: 2,228,224 classic buckets or 2,228,224 Swiss groups, 17.8M slots):
build 9.6 s (go) and 9.7 s (go-swiss), each GC cycle over the empty map 2.6-2.8 s,
peak RSS 1,010 MB (go) and 896 MB (go-swiss); 0.54 us, 0.15 us and 50-57 B a slot.
The figures below round those up; they are an estimate for a warning, not a model.
"""

from __future__ import annotations

import warnings

from gcemu.errors import GcemuWarning

WARN_SLOTS = 1 << 20  # a hint asking for more slots than this is warned about
SECONDS_PER_SLOT = 0.7e-6  # building the storage and one GC cycle over it
BYTES_PER_SLOT = 57  # Python memory, the classic map's (the Swiss map's is lower)


def big_hint_message(type_name: str, hint: int, most: int) -> str | None:
    """The warning's line for ``make(type_name, hint)``, or None when the hint is small
    or over ``most``, the slots gcemu emulates at all (make refuses it in one line)."""
    if isinstance(hint, bool) or not isinstance(hint, int) or not WARN_SLOTS < hint <= most:
        return None
    return (f"make({type_name}, {hint}): Go allocates at least {hint:,} slots at once and "
            f"gcemu builds every bucket of them: expect over {hint * SECONDS_PER_SLOT:.0f} s "
            f"and {hint * BYTES_PER_SLOT / 1e9:.1f} GB (a smaller hint is faster)")


def warn_big_hint(type_name: str, hint: int, most: int, stacklevel: int = 3) -> None:
    """Warn (`GcemuWarning`) when ``make(type_name, hint)`` builds over `WARN_SLOTS`
    slots (see `big_hint_message`); ``stacklevel`` 3 names the line that called
    ``Heap.make_map``."""
    message = big_hint_message(type_name, hint, most)
    if message is not None:
        warnings.warn(message, GcemuWarning, stacklevel=stacklevel)
