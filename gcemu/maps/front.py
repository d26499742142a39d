"""What every Go map offers Python, whatever its layout: the shared front.

gcemu emulates two map implementations, the classic buckets of Go 1.21-1.23
(`gcemu.maps.classic`) and the Swiss tables of Go 1.24+ (`gcemu.maps.swiss`). Both convert keys
and values the same way, answer the mapping protocol the same way, store into slots
through the same write barrier, and record the same trace (`gcemu.trace`), so that code
lives here once. A map kind supplies the runtime functions: ``_find`` (mapaccess: the
(slot holder, index) of a key), ``_assign`` (mapassign), ``_delete`` (mapdelete: the
stored key it removed) and ``_iterate1`` (mapiterinit / mapiternext as a generator), and
the ``count`` of live entries. A *slot holder* is a bucket or a group: anything with
``keys`` and ``elems`` lists of 8.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from gcemu.base.opcodes import ASSIGN, DELETE
from gcemu.core.heap import HeapObject
from gcemu.gotypes import GoType, map_layout
from gcemu.maps.common import M64, default_hasher, slot_pointers

if TYPE_CHECKING:
    from gcemu.core.heap import Heap
    from gcemu.maps.common import Indirect


class MapFront(HeapObject):
    """The Python face of a Go map (see the module essay); not made directly."""

    __slots__ = (
        "_delete_clears",
        "_econv",
        "_estore",
        "_hash",
        "_kconv",
        "_kstore",
        "_trace",
        "_trace_args",
        "_trace_code",
        "_what_key",
        "_what_value",
        "elem_pointers",
        "heap",
        "key_pointers",
        "layout",
        "variant",
    )

    def __init__(self, heap: Heap, t: GoType, size: int, name: str | None,
                 hash: Callable[[Any, int], int] | None, variant: Callable[[Any], str]):
        super().__init__(t, size, name)
        self.heap = heap
        self.layout = layout = map_layout(t)
        if hash is None:
            self._hash = default_hasher(layout.key, heap)
        else:
            self._hash = lambda k, seed: hash(layout.key.to_python(k), seed) & M64
        self.variant = variant(layout)
        self._kconv = layout.key.converter()
        self._econv = layout.elem.converter()
        # stores allocate the strings they hold (the converters above when none)
        self._kstore = heap.store_converter(layout.key)
        self._estore = heap.store_converter(layout.elem)
        self._what_key = f"key of {t.name}"
        self._what_value = f"value of {t.name}"
        self.key_pointers = slot_pointers(layout.key, layout.indirect_key)
        self.elem_pointers = slot_pointers(layout.elem, layout.indirect_elem)
        self._delete_clears = heap.model.delete_clears
        self._trace = tr = heap.trace
        if tr is not None:
            self._trace_code = tr.codes.append
            self._trace_args = tr.args

    # -- helpers -------------------------------------------------------------------
    def _key(self, key: Any) -> Any:
        return self._kconv(key, self._what_key)

    def _op(self, text: str) -> None:
        self.heap.mutator_op(text.replace("m[", f"{self.name or self.label}[", 1)
                             .replace("(m", f"({self.name or self.label}", 1))

    def _wb(self, old: Any, new: Any) -> None:
        """A pointer store into map memory (a header field, an overflow word, a
        directory entry)."""
        if self.heap.marking:
            self.heap.write_barrier(old, new)

    def _set_key(self, b: Any, i: int, key: Any) -> None:
        """A store into a key slot (typedmemmove, memclr or a pointer store):
        the barrier shades the old and the new pointers."""
        if self.heap.marking:
            shade = self.heap.shade_pointers
            shade(self.key_pointers(b.keys[i]))
            shade(self.key_pointers(key))
        b.keys[i] = key

    def _set_elem(self, b: Any, i: int, elem: Any) -> None:
        """A store into an elem slot, as `_set_key`."""
        if self.heap.marking:
            shade = self.heap.shade_pointers
            shade(self.elem_pointers(b.elems[i]))
            shade(self.elem_pointers(elem))
        b.elems[i] = elem

    def _elem_value(self, b: Any, i: int) -> Any:
        e = b.elems[i]
        if self.layout.indirect_elem:
            e = e.value
        return e

    def __getitem__(self, key: Any) -> Any:
        """``m[key]``: the elem, or the zero value when the key is missing."""
        k = self._key(key)
        s = self.heap.sched
        if s is not None:  # goroutines: mapaccess1's entry check, map.go:428 (1.23) /
            s.map_read(self, k)  # runtime_mapaccess1, runtime_swiss.go:61 (1.25)
        found = self._find(k)
        et = self.layout.elem
        if found is None:
            return et.to_python(et.zero())
        return et.to_python(self._elem_value(*found))

    def get(self, key: Any, default: Any = None) -> Any:
        """``v, ok := m[key]`` as Python's ``dict.get``."""
        k = self._key(key)
        s = self.heap.sched
        if s is not None:  # mapaccess2: map.go:498 (1.23), runtime_swiss.go:135 (1.25)
            s.map_read(self, k)
        found = self._find(k)
        return default if found is None else self.layout.elem.to_python(self._elem_value(*found))

    def __contains__(self, key: Any) -> bool:
        k = self._key(key)
        s = self.heap.sched
        if s is not None:  # mapaccess2, as get
            s.map_read(self, k)
        return self._find(k) is not None

    def __len__(self) -> int:
        return self.count

    # -- mapassign ------------------------------------------------------------------
    def __setitem__(self, key: Any, value: Any) -> None:
        """``m[key] = value``: runtime.mapassign, then the compiled elem store."""
        k = self._kstore(key, self._what_key)
        v = self._estore(value, self._what_value)
        heap = self.heap
        if heap.readers:  # a report still reading the heap as its cycle left it
            heap.settle()
        if heap.marking:
            self._op(f"m[{key!r}] = {value!r}")
        s = heap.sched
        if s is None:
            self._assign(k, v)
        else:  # goroutines: Go's flag checks around mapassign (gcemu.sched.mapsteps):
            # entry check and SET map.go:631/638 (1.23), runtime_swiss.go:204/212 (1.25);
            # end check and CLEAR map.go:722/725, runtime_swiss.go:346/349
            s.map_write(self, "mapassign")
            self._assign(k, v)
            s.map_written(self, "mapassign", k, store=True)
        t = self._trace
        if t is not None:  # gcemu.trace: one byte and two references
            if t.cur is not self:
                t.select(self)
            self._trace_code(ASSIGN)
            a = self._trace_args
            a.append(k)
            a.append(v)

    def _update(self, b: Any, i: int, key: Any, value: Any) -> None:
        """mapassign found the key: NeedKeyUpdate replaces the stored key."""
        layout = self.layout
        if layout.need_key_update:
            if layout.indirect_key:
                self._set_indirect(b.keys[i], key)
            else:
                self._set_key(b, i, key)
        self._store_elem(b, i, value)

    def _set_indirect(self, ind: Indirect, value: Any) -> None:
        """A typed store into an indirect key or elem object."""
        if self.heap.marking:
            self.heap.shade_value(ind.type, ind.value)
            self.heap.shade_value(ind.type, value)
        ind.value = value

    def _store_elem(self, b: Any, i: int, value: Any) -> None:
        """The compiled ``*mapassign(...) = v``: old and new value shaded."""
        if self.layout.indirect_elem:
            self._set_indirect(b.elems[i], value)
        elif self.heap.marking:
            self._set_elem(b, i, value)
        else:
            b.elems[i] = value

    # -- mapdelete ---------------------------------------------------------------------------
    def __delitem__(self, key: Any) -> None:
        """``delete(m, key)``: runtime.mapdelete; a missing key is a no-op, as in Go."""
        k = self._kconv(key, self._what_key)  # _key, one call less
        heap = self.heap
        if heap.readers:
            heap.settle()
        if heap.marking:
            self._op(f"delete(m, {key!r})")
        s = heap.sched  # mapdelete map.go:760/768 + 851/854 (1.23); Map.Delete
        # maps/map.go:651/659 + 677/680 (1.25); an empty map returns unchecked
        checked = s is not None and s.map_write(self, "mapdelete", self.count == 0)
        found = self._delete(k)
        if checked:
            s.map_written(self, "mapdelete")
        t = self._trace
        if t is not None:  # gcemu.trace; the stored key object when found
            if t.cur is not self:
                t.select(self)
            self._trace_code(DELETE)
            self._trace_args.append(k if found is None else found)

    def delete(self, key: Any) -> None:
        """``delete(m, key)``, spelled as in Go."""
        del self[key]

    # -- mapclear ------------------------------------------------------------------------------
    def clear(self) -> None:
        """``clear(m)``: runtime.mapclear (Go 1.23) / maps.(*Map).Clear (Go 1.24+)."""
        s = self.heap.sched
        if s is None:
            self._clear()
            return
        # Go's checks (gcemu.sched.mapsteps): an empty map returns unchecked (1.23
        # map.go:1082; 1.25 maps/map.go:732 also needs no tombstone), then map.go:1086/
        # 1090 (maps/map.go:736/739) before the body, 1133/1136 (763/766) after it
        early = self.count == 0 and not getattr(self, "tombstonePossible", False)
        checked = s.map_write(self, "mapclear", early)
        self._clear()
        if checked:
            s.map_written(self, "mapclear")

    # -- iteration ----------------------------------------------------------------------------
    def items(self) -> Iterator[tuple[Any, Any]]:
        """``for k, v := range m``: runtime.mapiterinit / mapiternext.

        The iterator is a root on the stack of the goroutine that ranges until it is
        exhausted or dropped; under goroutines every step checks Go's flag
        (mapiternext map.go:943, Iter.Next table.go:791: gcemu.sched.mapsteps).
        Assigning and deleting inside the loop behave as in Go: an entry deleted
        before the iterator reaches it is not produced; one inserted may or may not be.
        """
        kt, et = self.layout.key, self.layout.elem
        for k, e in self._iterate():
            yield kt.to_python(k), et.to_python(e)

    def __iter__(self) -> Iterator[Any]:
        """``for k := range m``."""
        kt = self.layout.key
        for k, _ in self._iterate():
            yield kt.to_python(k)

    def keys(self) -> Iterator[Any]:
        return iter(self)

    def values(self) -> Iterator[Any]:
        et = self.layout.elem
        for _, e in self._iterate():
            yield et.to_python(e)

    def _iterate(self) -> Iterator[tuple[Any, Any]]:
        heap = self.heap
        t = self._trace
        s = heap.sched
        n = None if t is None else t.iter_start(self)
        inner = self._iterate1() if s is None else s.map_range(self, self._iterate1())
        try:
            while True:
                if heap.readers:  # mapiternext moves the iterator's root pointers
                    heap.settle()
                kv = next(inner, None)
                if kv is None:
                    break
                yield kv
                if t is not None:
                    t.iter_next(n)
        finally:
            if heap.readers:  # the frame leaves the stack: the roots change
                heap.settle()
            inner.close()  # its frame leaves the stack now
            if t is not None:
                t.iter_end(n)


__all__ = ["MapFront"]
