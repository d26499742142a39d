"""What every Go map offers Python, whatever its layout: the shared front.

gcemu emulates two map implementations, the classic buckets of Go 1.21-1.23
(`gcemu.gomap`) and the Swiss tables of Go 1.24+ (`gcemu.swissmap`). Both convert keys
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

from gcemu.core.heap import HeapObject
from gcemu.errors import GcemuError
from gcemu.gotypes import GoType, map_layout

if TYPE_CHECKING:
    from gcemu.core.heap import Heap
    from gcemu.gomap import Indirect

M64 = (1 << 64) - 1
# the most slots a make(map, hint) may ask gcemu for: 16M (Python needs ~100 B per slot)
MAX_HINT_SLOTS = 1 << 24


def check_hint_slots(t: GoType, hint: int, slots: int) -> None:
    """Refuse a ``make(map, hint)`` whose storage gcemu cannot emulate in memory (Go
    might allocate it; a Python list per group of it would not fit)."""
    if slots > MAX_HINT_SLOTS:
        raise GcemuError(f"make({t.name}, {hint}): {slots:,} slots is more than gcemu "
                         f"emulates (at most {MAX_HINT_SLOTS:,}); use a smaller hint")


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


class MapFront(HeapObject):
    """The Python face of a Go map (see the module essay); not made directly."""

    __slots__ = (
        "_delete_clears",
        "_econv",
        "_hash",
        "_kconv",
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
        from gcemu.gomap import default_hasher, slot_pointers

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
        if s is not None:
            s.map_read(self, k)
        found = self._find(k)
        et = self.layout.elem
        if found is None:
            return et.to_python(et.zero())
        return et.to_python(self._elem_value(*found))

    def get(self, key: Any, default: Any = None) -> Any:
        """``v, ok := m[key]`` as Python's ``dict.get``."""
        k = self._key(key)
        s = self.heap.sched
        if s is not None:
            s.map_read(self, k)
        found = self._find(k)
        return default if found is None else self.layout.elem.to_python(self._elem_value(*found))

    def __contains__(self, key: Any) -> bool:
        k = self._key(key)
        s = self.heap.sched
        if s is not None:
            s.map_read(self, k)
        return self._find(k) is not None

    def __len__(self) -> int:
        return self.count

    # -- mapassign ------------------------------------------------------------------
    def __setitem__(self, key: Any, value: Any) -> None:
        """``m[key] = value``: runtime.mapassign, then the compiled elem store."""
        k = self._kconv(key, self._what_key)
        v = self._econv(value, self._what_value)
        if self.heap.marking:
            self._op(f"m[{key!r}] = {value!r}")
        s = self.heap.sched
        if s is None:
            self._assign(k, v)
        else:  # goroutines: Go's flag checks around mapassign (gcemu.sched.mapsteps)
            s.map_write(self, "mapassign")
            self._assign(k, v)
            s.map_written(self, "mapassign", k, store=True)
        t = self._trace
        if t is not None:  # gcemu.trace: one byte and two references
            if t.cur is not self:
                t.select(self)
            self._trace_code(3)  # ASSIGN
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
        k = self._key(key)
        if self.heap.marking:
            self._op(f"delete(m, {key!r})")
        s = self.heap.sched
        checked = s is not None and s.map_write(self, "mapdelete", self.count == 0)
        found = self._delete(k)
        if checked:
            s.map_written(self, "mapdelete")
        t = self._trace
        if t is not None:  # gcemu.trace; the stored key object when found
            if t.cur is not self:
                t.select(self)
            self._trace_code(4)  # DELETE
            self._trace_args.append(k if found is None else found)

    def delete(self, key: Any) -> None:
        """``delete(m, key)``, spelled as in Go."""
        del self[key]

    # -- iteration ----------------------------------------------------------------------------
    def items(self) -> Iterator[tuple[Any, Any]]:
        """``for k, v := range m``: runtime.mapiterinit / mapiternext.

        The iterator is a root on the main goroutine's stack until it is exhausted or
        dropped. Assigning and deleting inside the loop behave as in Go: an entry
        deleted before the iterator reaches it is not produced; one inserted may or
        may not be.
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
        t = self._trace
        s = self.heap.sched
        if t is None:
            yield from self._iterate1() if s is None else s.map_range(self, self._iterate1())
            return
        n = t.iter_start(self)
        inner = self._iterate1() if s is None else s.map_range(self, self._iterate1())
        try:
            for kv in inner:
                yield kv
                t.iter_next(n)
        finally:
            inner.close()  # its frame leaves the stack now, as with `yield from`
            t.iter_end(n)


__all__ = ["MAX_HINT_SLOTS", "MapFront", "check_hint_slots", "mapfast", "slot_words"]
