"""Go's concurrent-map-misuse checks, as step points of the map operations.

Invariant
---------
A Go map detects misuse with one unsynchronized flag on its header: bit
``hashWriting`` (4) of ``hmap.flags`` in Go 1.23 (runtime/map.go:96), the byte
``Map.writing`` in Go 1.24+ (internal/runtime/maps/map.go). Writers check it at entry,
set it with XOR after hashing, re-check it after their work and clear it: Go 1.23
clears with ``&^=`` (forced), Go 1.24+ with a second XOR (a toggle). Readers and
iterators only check it at entry. Between these statements another goroutine may
run; nothing else in a map operation is observable from outside, so the body of each
operation runs as one step. The points and checks below are go-concurrency.md §9,
statement granularity (each flag statement atomic); the ``[opt]`` instruction-level
split of the toggles into a load and a store is not modelled.

Steps (the map front calls these only while ``heap.sched`` is set, i.e. inside an
exploration; a plain run pays one attribute test per operation)
--------------------------------------------------------------------------------
* write (`map_write`, then the body, then `map_written`): point -> RACE-WRITE(map) ->
  (delete, clear: an empty map returns here, unchecked) -> CHECK entry -> point (hash)
  -> SET -> point -> body -> point -> CHECK-END -> point -> CLEAR -> for an assign, point
  and RACE-WRITE of the slot (the compiled value store after ``mapassign`` returns).
  Go 1.23: mapassign map.go:631/638/722/725, mapdelete 760/768/851/854, mapclear
  1086/1090/1133/1136. Go 1.25: runtime_mapassign runtime_swiss.go:204/212/346/349,
  Map.Delete map.go:651/659/677/680, Map.Clear 736/739/763/766.
* read (`map_read`, then the probe): point -> RACE-READ(map) -> empty map returns,
  unchecked -> CHECK entry (``concurrent map read and map write``; 1.23 mapaccess1
  map.go:428, 1.25 runtime_mapaccess1 runtime_swiss.go:61) -> point -> hash and probe ->
  RACE-READ of the slot (the copy-out).
* range (`map_range` wraps the map's own iterator): point -> RACE-READ(map) -> empty
  returns; then per step RACE-READ(map) -> CHECK (``concurrent map iteration and map
  write``; 1.23 mapiternext map.go:943, 1.25 Iter.Next table.go:791) -> advance. Swiss
  only: a point inside Next, and if the map's tables changed since the iterator began,
  ``Iter.grownKeyElem`` -> ``Map.getWithKey`` checks again (``concurrent map read and
  map write``, map.go:408) — the 1-in-200 message measured in §4.2.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from gcemu.sched.goroutine import GoFatal

HASH_WRITING = 4  # runtime/map.go:96
WRITES = "concurrent map writes"
READ_WRITE = "concurrent map read and map write"
ITER_WRITE = "concurrent map iteration and map write"


def _swiss(m: Any) -> bool:
    return m.heap.model.map == "swiss"


def writing(m: Any) -> bool:
    """Whether the map's flag is set (hmap.flags&hashWriting, Map.writing)."""
    return bool(m.writing) if _swiss(m) else bool(m.flags & HASH_WRITING)


def _toggle(m: Any) -> None:  # SET (both), and CLEAR of Go 1.24+
    if _swiss(m):
        m.writing ^= 1
    else:
        m.flags ^= HASH_WRITING


def _clear(m: Any) -> None:  # CLEAR: Go 1.23 forces, Go 1.24+ toggles
    if _swiss(m):
        m.writing ^= 1
    else:
        m.flags &= ~HASH_WRITING


def _name(m: Any) -> str:
    return m.name or m.label


def _slot(m: Any, key: Any) -> Any:
    try:
        hash(key)
    except TypeError:
        key = repr(key)
    return (id(m), key)


def map_write(s: Any, m: Any, op: str, early: bool = False) -> bool:
    """Steps of a write up to its body; False when it returned early (``early``: a
    delete or clear of an empty map), which skips the checks."""
    name = _name(m)
    s.point(f"{op} {name}")
    if s.race is not None:
        s.race.write(s.current, m, f"map {name}", op)
    if early:
        return False
    if writing(m):
        raise GoFatal(WRITES)
    s.point(f"{op} {name}: hash", inside=True)
    _toggle(m)
    s.point(f"{op} {name}: body", inside=True)
    return True


def map_written(s: Any, m: Any, op: str, key: Any = None, store: bool = False) -> None:
    """Steps of a write after its body; ``store``: then the compiled value store."""
    name = _name(m)
    s.point(f"{op} {name}: end check", inside=True)
    if not writing(m):
        raise GoFatal(WRITES)
    s.point(f"{op} {name}: clear flag", inside=True)
    _clear(m)
    if store:
        s.point(f"{name}[{key!r}] = (value store)", inside=True)
        if s.race is not None:
            s.race.write(s.current, _slot(m, key), f"{name}[{key!r}]", "value store")


def map_read(s: Any, m: Any, key: Any, op: str = "mapaccess") -> None:
    """Steps of a lookup before its probe (the probe itself follows at once)."""
    name = _name(m)
    s.point(f"{op} {name}")
    race = s.race
    if race is not None:
        race.read(s.current, m, f"map {name}", op)
    if m.count == 0:
        return
    if writing(m):
        raise GoFatal(READ_WRITE)
    s.point(f"{op} {name}: probe", inside=True)
    if race is not None:
        race.read(s.current, _slot(m, key), f"{name}[{key!r}]", "value load")


def _shape(m: Any) -> Any:
    """What Iter.Next compares to see that the map grew (Swiss: the directory and its
    tables)."""
    d = m.dirPtr
    return (m.dirLen, m.globalDepth, None if d is None or not m.dirLen
            else tuple(map(id, d.tables)))


def map_range(s: Any, m: Any, inner: Iterator[Any]) -> Iterator[Any]:
    """``for k, v := range m`` around the map's own iterator ``inner``."""
    name = _name(m)
    race = s.race
    swiss = _swiss(m)
    try:
        s.point(f"range {name}")
        if race is not None:
            race.read(s.current, m, f"map {name}", "mapiterinit")
        if m.count == 0:
            return
        shape = _shape(m) if swiss else None
        while True:
            if race is not None:
                race.read(s.current, m, f"map {name}", "mapiternext")
            if writing(m):
                raise GoFatal(ITER_WRITE)
            if swiss:
                s.point(f"range {name}: next", inside=True)
                if _shape(m) != shape and writing(m):
                    raise GoFatal(READ_WRITE)
            try:
                kv = next(inner)
            except StopIteration:
                return
            if race is not None:
                race.read(s.current, _slot(m, kv[0]), f"{name}[{kv[0]!r}]", "range copy")
            yield kv
            s.point(f"range {name}: mapiternext")
    finally:
        inner.close()


__all__ = ["HASH_WRITING", "ITER_WRITE", "READ_WRITE", "WRITES", "map_range", "map_read",
           "map_write", "map_written", "writing"]
