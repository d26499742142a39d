"""sync.Map as Go 1.23 builds it (sync/map.go; Go 1.24/1.25 with
GOEXPERIMENT=nosynchashtriemap): a read-only map read without a lock and a dirty map
written under the mutex, sharing their ``*entry`` objects (go-concurrency.md §6.1).

Invariant
---------
``read`` points to a ``readOnly{m, amended}`` that is never mutated after it is
published, only replaced. ``dirty``, when not nil, holds every key of ``read.m`` whose
entry is not ``expunged``, plus the new keys (``amended`` says there are some), and
both maps point to the same entries. An entry's ``p`` is a ``*any`` cell holding the
value, nil (deleted) or the package's ``expunged`` cell (deleted and absent from
``dirty``). A deleted key therefore stays in ``read.m`` (and in ``dirty``) until a new
key rebuilds ``dirty`` without it (``dirtyLocked`` expunges it) and that ``dirty`` is
promoted (``missLocked``: misses >= len(dirty); or any ``Range``). Nothing here says
what the collector keeps: the maps, entries and cells are heap objects of gcemu's own
maps and structs, and the marker decides (§6.3).

Steps (each method mirrors its Go function, line numbers of go1.23.9 sync/map.go)
-------------------------------------------------------------------------------
* ``Load`` (123): look in ``read.m``; if absent and amended: lock, look again, then in
  ``dirty``, ``missLocked``, unlock; ``entry.load`` treats nil and expunged as absent.
* ``Swap``/``Store`` (354/157): in ``read.m`` and not expunged: CAS the cell. Else
  lock: unexpunge into ``dirty``, or swap in ``dirty``, or a new key: ``dirtyLocked``
  and publish ``amended``, then ``dirty[k] = newEntry(v)``.
* ``LoadOrStore`` (196), ``LoadAndDelete``/``Delete`` (296/320): as Go; a key only in
  ``dirty`` is deleted from it and counts a miss.
* ``Range`` (473): if amended, promote ``dirty`` under the lock; iterate the snapshot.
* ``Clear`` (162): publish an empty ``readOnly``, ``clear(dirty)``, misses = 0.

Each method starts with a step point; the internal maps add their own (they are
gcemu maps), ``mu`` is a `gcemu.sync.Mutex`, and the atomic ``read`` pointer is a
release (store) / acquire (load) edge for the race detector, as TSan sees atomics.
Compare-and-swap loops run once: between a load and its CAS there is no step point.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gcemu.gotypes.values import NilMap
from gcemu.sync.boxed import declare_types
from gcemu.sync.mutex import Mutex
from gcemu.sync.park import acquire, point, release

TYPES = {
    "entry": "struct {{ p *{any} }}",
    "readOnly": "struct {{ m map[{K}]*{entry}; amended bool }}",
    "Map": "struct {{ mu int64; read *{readOnly}; dirty map[{K}]*{entry}; misses int }}",
}
EXPUNGED = "sync.expunged"  # sync/map.go:106 var expunged = new(any): a global


class SyncMap:
    """``sync.Map`` of Go 1.23 with K and V fixed: Load, Store, LoadOrStore,
    LoadAndDelete, Delete, Swap, Range, Clear (Go's names and results)."""

    def __init__(self, heap: Any, key: str, value: str, name: str | None = None):
        self.heap = heap
        self.types = declare_types(heap, "map", key, value, TYPES)
        self.key_type = heap.type(key)
        self.obj = heap.new(self.types["Map"], name=name)  # the zero Map: read nil
        self.mu = Mutex(heap)
        self.clock: dict[int, int] = {}  # the atomic read pointer's, for the race detector
        exp = heap.get_global(EXPUNGED)
        if exp is None:
            exp = heap.new(self.types["any"], name="expunged")
            heap.set_global(EXPUNGED, exp)
        self.expunged = exp
        if name is not None:
            heap.set_global(name, self.obj)

    # -- the fields ----------------------------------------------------------------
    def _read(self) -> tuple[Any, bool]:
        """loadReadOnly (map.go:113): (read.m or None, amended); an atomic load."""
        acquire(self.heap, self)
        r = self.obj["read"]
        if r is None:
            return None, False
        m = r["m"]
        return (None if isinstance(m, NilMap) else m), r["amended"]

    def _publish(self, m: Any, amended: bool = False) -> None:
        """``m.read.Store(&readOnly{m: m, amended: amended})``."""
        ro = self.heap.new(self.types["readOnly"])
        if m is not None:
            ro["m"] = m
        ro["amended"] = amended
        release(self.heap, self)
        self.obj["read"] = ro

    def _dirty(self) -> Any:
        d = self.obj["dirty"]
        return None if isinstance(d, NilMap) else d

    def _cell(self, value: Any) -> Any:
        """``&value`` of an ``any``: a new heap cell."""
        return self.heap.new(self.types["any"], value={"data": value})

    def _value(self, p: Any) -> tuple[Any, bool]:
        """entry.load (map.go:145)."""
        if p is None or p is self.expunged:
            return None, False
        return p["data"], True

    def _new_entry(self, value: Any) -> Any:
        e = self.heap.new(self.types["entry"])
        e["p"] = self._cell(value)
        return e

    # -- misses and the dirty map -------------------------------------------------------
    def _miss_locked(self) -> None:
        """missLocked (map.go:507): promote dirty once misses >= len(dirty)."""
        misses = self.obj["misses"] + 1
        dirty = self._dirty()
        if misses < (0 if dirty is None else len(dirty)):
            self.obj["misses"] = misses
            return
        self._promote(dirty)

    def _promote(self, dirty: Any) -> None:
        self._publish(dirty)
        self.obj["dirty"] = None
        self.obj["misses"] = 0

    def _dirty_locked(self) -> None:
        """dirtyLocked (map.go:517): copy read.m without the deleted entries, which
        become expunged (tryExpungeLocked)."""
        if self._dirty() is not None:
            return
        m, _ = self._read()
        dirty = self.heap.make_map(f"map[{self.key_type.name}]*{self.types['entry']}",
                                   0 if m is None else len(m))
        self.obj["dirty"] = dirty
        for k, e in ([] if m is None else m.items()):
            p = e["p"]
            if p is None:
                e["p"] = p = self.expunged
            if p is not self.expunged:
                dirty[k] = e

    def _store_new_locked(self, key: Any, value: Any, amended: bool) -> None:
        if not amended:
            self._dirty_locked()
            self._publish(self._read()[0], amended=True)
        self._dirty()[key] = self._new_entry(value)

    def _unexpunge_locked(self, key: Any, e: Any) -> None:
        """unexpungeLocked (map.go:236): back into dirty as a nil entry."""
        if e["p"] is self.expunged:
            e["p"] = None
            self._dirty()[key] = e

    def _locked_lookup(self, key: Any) -> tuple[Any, bool]:
        """Under the lock, the slow path of Load and LoadAndDelete: read.m again, then
        dirty (counted as a miss). Returns (entry or None, whether it came from dirty)."""
        m, amended = self._read()
        e = None if m is None else m.get(key)
        if e is not None or not amended:
            return e, False
        return self._dirty().get(key), True

    # -- the methods ---------------------------------------------------------------------
    def Load(self, key: Any) -> tuple[Any, bool]:
        """``value, ok := m.Load(key)``; a deleted entry is never returned."""
        point(self.heap, "sync.Map.Load")
        m, amended = self._read()
        e = None if m is None else m.get(key)
        if e is None and amended:
            self.mu.Lock()
            e, slow = self._locked_lookup(key)
            if slow:
                self._miss_locked()
            self.mu.Unlock()
        return (None, False) if e is None else self._value(e["p"])

    def Store(self, key: Any, value: Any) -> None:
        """``m.Store(key, value)`` (= Swap)."""
        self.Swap(key, value)

    def Swap(self, key: Any, value: Any) -> tuple[Any, bool]:
        """``previous, loaded := m.Swap(key, value)``."""
        point(self.heap, "sync.Map.Swap")
        cell = self._cell(value)  # &value escapes: one allocation per call
        m, amended = self._read()
        e = None if m is None else m.get(key)
        if e is not None and e["p"] is not self.expunged:  # trySwap
            old = e["p"]
            e["p"] = cell
            return self._value(old)
        self.mu.Lock()
        m, amended = self._read()
        e = None if m is None else m.get(key)
        if e is None:
            dirty = self._dirty()
            e = None if dirty is None else dirty.get(key)
        elif e["p"] is self.expunged:
            self._unexpunge_locked(key, e)
        if e is None:
            self._store_new_locked(key, value, amended)
            old = None
        else:
            old = e["p"]
            e["p"] = cell
        self.mu.Unlock()
        return self._value(old)

    def LoadOrStore(self, key: Any, value: Any) -> tuple[Any, bool]:
        """``actual, loaded := m.LoadOrStore(key, value)``."""
        point(self.heap, "sync.Map.LoadOrStore")
        m, amended = self._read()
        e = None if m is None else m.get(key)
        if e is not None and e["p"] is not self.expunged:
            return self._try_load_or_store(e, value)
        self.mu.Lock()
        m, amended = self._read()
        e = None if m is None else m.get(key)
        if e is not None:
            self._unexpunge_locked(key, e)
            result = self._try_load_or_store(e, value)
        else:
            dirty = self._dirty()
            e = None if dirty is None else dirty.get(key)
            if e is not None:
                result = self._try_load_or_store(e, value)
                self._miss_locked()
            else:
                self._store_new_locked(key, value, amended)
                result = (value, False)
        self.mu.Unlock()
        return result

    def _try_load_or_store(self, e: Any, value: Any) -> tuple[Any, bool]:
        """tryLoadOrStore (map.go:249) on an entry that is not expunged."""
        p = e["p"]
        if p is not None:
            return p["data"], True
        e["p"] = self._cell(value)
        return value, False

    def LoadAndDelete(self, key: Any) -> tuple[Any, bool]:
        """``value, loaded := m.LoadAndDelete(key)``: the key stays in read.m."""
        point(self.heap, "sync.Map.LoadAndDelete")
        m, amended = self._read()
        e = None if m is None else m.get(key)
        if e is None and amended:
            self.mu.Lock()
            e, slow = self._locked_lookup(key)
            if slow:
                self._dirty().delete(key)
                self._miss_locked()
            self.mu.Unlock()
        if e is None:
            return None, False
        old = e["p"]  # entry.delete (map.go:331): CAS p -> nil
        if old is None or old is self.expunged:
            return None, False
        e["p"] = None
        return old["data"], True

    def Delete(self, key: Any) -> None:
        """``m.Delete(key)``."""
        self.LoadAndDelete(key)

    def Range(self, f: Callable[[Any, Any], Any]) -> None:
        """``m.Range(f)``: promotes dirty first; ``f(k, v)`` returning False stops."""
        point(self.heap, "sync.Map.Range")
        m, amended = self._read()
        if amended:
            self.mu.Lock()
            m, amended = self._read()
            if amended:
                m = self._dirty()
                self._promote(m)
            self.mu.Unlock()
        for k, e in ([] if m is None else m.items()):
            v, ok = self._value(e["p"])
            if ok and f(k, v) is False:
                break

    def Clear(self) -> None:
        """``m.Clear()``: everything released."""
        point(self.heap, "sync.Map.Clear")
        m, amended = self._read()
        if (m is None or len(m) == 0) and not amended:
            return
        self.mu.Lock()
        m, amended = self._read()
        if (m is not None and len(m) > 0) or amended:
            self._publish(None)
        dirty = self._dirty()
        if dirty is not None:
            dirty.clear()
        self.obj["misses"] = 0
        self.mu.Unlock()


__all__ = ["EXPUNGED", "SyncMap"]
