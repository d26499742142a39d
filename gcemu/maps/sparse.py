"""A slot array whose buckets (or groups) are built on first use.

Invariant
---------
runtime.makeBucketArray and maps.newGroups hand out zeroed memory: until a bucket
(group) is touched, its every byte is the zero state (tophash emptyRest, control bytes
EMPTY, no keys, no elems, a nil overflow pointer but for the sentinel). A
`SparseArray` of ``n`` holders keeps only the holders that have been touched; an
untouched one is built, zeroed, the first time it is indexed, so its identity (owner,
index) is the one it would have had. What Go finds in an untouched holder is zero
words only, so a bitmap scan (runtime.scanobject) that visits only the built holders
(`built`) traces the same pointers, and a stepper that wants every slot reads an
untouched one through `peek` as the shared read-only zero holder (``empty``) without
building it. Bytes and MemStats come from the allocation's size, never from how many
holders were built.

Steps
-----
- ``arr[i]`` (``0 <= i < n``, or ``-n <= i < 0``): the built holder, else
  ``make(owner, i)`` (one shared function for every array, its allocation passed
  along, instead of a `functools.partial` per array, which costs ~290 B), kept
  (``__missing__``; a built holder is a plain dict hit).
- ``arr.take(a, b)``: those holders, built, as a list (a list's ``arr[a:b]``);
- ``len(arr)`` is ``n``; ``iter(arr)`` builds and yields every holder, in order.
- `built` yields ``(i, holder)`` for the built holders in index order (`any_order`: in
  the order they were built, without a sort or a Python step per holder, for a reader
  whose order nobody sees: the marker's drain); `peek(i)` the
  built holder or ``empty``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any


class SparseArray(dict):
    """``n`` holders of one allocation, built on first index (see the module)."""

    __slots__ = ("empty", "make", "n", "owner")

    def __init__(self, n: int, make: Callable[[Any, int], Any], empty: Any, owner: Any):
        super().__init__()
        self.n = n
        self.make = make
        self.empty = empty
        self.owner = owner

    def __missing__(self, i: int) -> Any:
        n = self.n
        if 0 <= i < n:
            b = self[i] = self.make(self.owner, i)
            return b
        if -n <= i < 0:
            return self[i + n]
        raise IndexError(f"holder {i} of an array of {n}")

    def __len__(self) -> int:
        return self.n

    def __iter__(self) -> Iterator[Any]:
        for i in range(self.n):
            yield self[i]

    def __bool__(self) -> bool:
        return self.n > 0

    def take(self, start: int = 0, stop: int | None = None) -> list[Any]:
        """Holders ``start`` to ``stop`` as a list (a list's slice), built. Indexing
        stays dict's own lookup, so a holder already built costs no Python call."""
        return [self[j] for j in range(*slice(start, stop).indices(self.n))]

    def built(self) -> Iterator[tuple[int, Any]]:
        """(index, holder) of every built holder, in index order."""
        if dict.__len__(self) == self.n:
            return ((i, self[i]) for i in range(self.n))
        return iter(sorted(self.items()))

    def any_order(self) -> Any:
        """(index, holder) of every built holder, in the order they were built."""
        return dict.items(self)

    def peek(self, i: int) -> Any:
        """Holder ``i`` if built, else the shared zero holder (never build it)."""
        return dict.get(self, i, self.empty)


__all__ = ["SparseArray"]
