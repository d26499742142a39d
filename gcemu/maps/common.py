"""What both map kinds share: the hash, NaN keys, slot pointers, out-of-line slots.

gcemu emulates two Go maps, the classic buckets of Go 1.21-1.23 (`gcemu.maps.classic`,
runtime/map.go) and the Swiss tables of Go 1.24+ (`gcemu.maps.swiss`,
internal/runtime/maps). Both hash keys the same way (runtime/alg.go's role:
`default_hasher`), compare keys the same way (a key holding a NaN never equals itself:
`has_nan`), store keys and elems over 128 bytes out of line (`Indirect`), leave a
``nil(len=n)`` behind when ``mapdelete_faststr`` clears a string key (`ClearedString`),
find the pointers of a slot the same way (`slot_pointers`, `slot_words`), and are
reached through the same compiled paths (`mapfast`).

Representation: a key or elem slot holds the Python value of the Go value (see
gcemu.gotypes), or an `Indirect` object when the key or elem is over 128 bytes;
``None`` in a slot means zeroed memory. A *slot holder* (a classic bucket, a Swiss
group) is anything with ``keys`` and ``elems`` lists of 8.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from gcemu.core.heap import HeapObject
from gcemu.errors import GcemuError
from gcemu.gotypes import GoType
from gcemu.mem.sizeclasses import slot_size

if TYPE_CHECKING:
    from gcemu.core.heap import Heap
    from gcemu.maps.front import MapFront

M64 = (1 << 64) - 1
# the most slots a make(map, hint) may ask gcemu for: 16M (Python needs ~100 B per slot)
MAX_HINT_SLOTS = 1 << 24


def check_hint_slots(t: GoType, hint: int, slots: int) -> None:
    """Refuse a ``make(map, hint)`` whose storage gcemu cannot emulate in memory (Go
    might allocate it; a Python list per group of it would not fit)."""
    if slots > MAX_HINT_SLOTS:
        raise GcemuError(f"make({t.name}, {hint}): {slots:,} slots is more than gcemu "
                         f"emulates (at most {MAX_HINT_SLOTS:,}); use a smaller hint")


def has_nan(key: Any) -> bool:
    """Whether a key holds a NaN, so that Go's ``k == k`` is false for it.

    Python's ``==`` on tuples treats the very same NaN object as equal to itself;
    Go never does, so a key with a NaN in any float field or element is never found
    again (go-classic-map.md §4, §8.3).
    """
    if isinstance(key, float):
        return key != key
    if isinstance(key, tuple):
        return any(has_nan(x) for x in key)
    return False


# -- hashing ----------------------------------------------------------------------
def _mix64(v: int, seed: int) -> int:
    """Hash an integer ``v`` with ``seed``: a multiply, then splitmix64's finalizer
    (the emulator's stand-in for memhash64)."""
    x = (v * 0x9E3779B97F4A7C15 + seed) & M64
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9 & M64
    x = (x ^ (x >> 27)) * 0x94D049BB133111EB & M64
    return x ^ (x >> 31)


def default_hasher(key_type: GoType, heap: Heap) -> Callable[[Any, int], int]:
    """A deterministic seeded 64-bit hash per key type (runtime/alg.go's role).

    Integers, bools and pointers mix their value with the seed; floats hash +0 and -0
    alike and give NaN a fresh random hash on every call, as ``f64hash`` does; other
    keys hash their canonical bytes with BLAKE2b keyed by the seed.
    """
    kind = key_type.kind
    if kind in ("ptr", "map"):
        return lambda k, seed: _mix64(0 if k is None else k.id, seed)
    if kind == "bool" or kind.startswith(("int", "uint")):
        return _mix64
    if kind in ("float32", "float64"):
        def fhash(k: float, seed: int) -> int:
            if k != k:
                return heap.rand64()
            bits = struct.unpack("<Q", struct.pack("<d", k + 0.0))[0]
            return _mix64(bits, seed)
        return fhash
    if kind == "string":
        return lambda k, seed: int.from_bytes(hashlib.blake2b(
            k.encode("utf-8", "surrogatepass"), digest_size=8,
            key=seed.to_bytes(8, "little")).digest(), "little")
    to_bytes = key_type.hash_bytes

    def bhash(k: Any, seed: int) -> int:
        return int.from_bytes(hashlib.blake2b(
            to_bytes(k), digest_size=8, key=seed.to_bytes(8, "little")).digest(), "little")
    if key_type.reflexive:
        return bhash
    # a NaN field or element makes the whole hash random, as f64hash does
    return lambda k, seed: heap.rand64() if has_nan(k) else bhash(k, seed)


# -- the compiler's choice of runtime path --------------------------------------------
def _plain_memory(t: GoType) -> bool:
    """AMEM: compared and hashed as raw memory (no floats, strings, or padding)."""
    if t.kind in ("float32", "float64", "string"):
        return False
    if t.kind == "array":
        return _plain_memory(t.elem)
    if t.kind == "struct":
        return (sum(f.type.size for f in t.fields) == t.size
                and all(_plain_memory(f.type) for f in t.fields))
    return True


def mapfast(layout: Any) -> str:
    """cmd/compile/internal/walk/walk.go: mapfast, the same from Go 1.21 to 1.27: the
    runtime path a map type's assignments compile to: ``fast32`` / ``fast64`` for 4- and
    8-byte keys hashed as raw memory (``fast32ptr`` / ``fast64ptr`` when they hold a
    pointer), ``faststr`` for strings, else ``generic`` (also for elems over 128 bytes).
    On amd64 / arm64 no type is kept off a fast path by its alignment."""
    if layout.elem.size > 128:
        return "generic"
    key = layout.key
    if key.kind == "string":
        return "faststr"
    if key.size in (4, 8) and _plain_memory(key):
        return f"fast{key.size * 8}" + ("ptr" if key.has_pointers else "")
    return "generic"


# -- slots ----------------------------------------------------------------------------
class ClearedString:
    """A string key slot after ``mapdelete_faststr``: only the data pointer was nil'ed,
    the length word stays (go-classic-map.md §6, §13a: ``nil(len=2)``)."""

    __slots__ = ("length",)

    def __init__(self, length: int):
        self.length = length

    def __repr__(self) -> str:
        return f"nil(len={self.length})"


class Indirect(HeapObject):
    """A key or elem over 128 bytes, stored out of line (``newobject(t.Key)``)."""

    __slots__ = ("role", "value")

    def __init__(self, t: GoType, value: Any, role: str):
        super().__init__(t, slot_size(t.size, not t.has_pointers), noscan=not t.has_pointers)
        self.value = value
        self.role = role

    def kind_label(self) -> str:
        return f"{self.role}({self.type.name})"

    def pointers(self):
        return self.type.pointers(self.value)


def slot_pointers(t: GoType, indirect: bool) -> Callable[[Any], Any]:
    """The pointers held by one key or elem slot of a bucket or group (None = zeroed
    memory). An indirect slot is a pointer to its `Indirect` object.
    """
    if indirect:
        return lambda v: () if v is None else (v,)
    if not t.has_pointers:
        return lambda v: ()
    if t.kind in ("ptr", "map"):
        return lambda v: () if v is None else (v,)
    pointers = t.pointers
    return lambda v: () if v is None or isinstance(v, ClearedString) else pointers(v)


def slot_words(h: MapFront, holders: Any) -> list:
    """Every key and elem pointer held by the slots of ``holders`` (buckets or groups
    of map ``h``), whatever their tophash or control bytes: what a scan of their
    allocation by the type's pointer bitmap finds."""
    kp, ep = h.key_pointers, h.elem_pointers
    out: list = []
    for b in holders:
        for k, e in zip(b.keys, b.elems, strict=True):
            out.extend(kp(k))
            out.extend(ep(e))
    return out


__all__ = ["M64", "MAX_HINT_SLOTS", "ClearedString", "Indirect", "check_hint_slots",
           "default_hasher", "has_nan", "mapfast", "slot_pointers", "slot_words"]
