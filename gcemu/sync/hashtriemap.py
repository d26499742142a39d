"""sync.Map as Go 1.24+ builds it: a HashTrieMap (internal/sync/hashtriemap.go,
the only implementation in Go 1.27; go-concurrency.md §6.2).

Invariant
---------
A 16-way trie over the key's 64-bit hash, four bits per level from the top: an
``indirect`` node has 16 child slots, each nil, another ``indirect`` or an ``entry``
(key, value and an ``overflow`` chain for keys whose whole hash is equal). A key lives
in exactly one entry, reached from ``root`` by its hash; no other structure refers to
it. ``Store`` replaces the entry node with a new one, so the old value is garbage at
once; ``Delete`` unlinks the entry and prunes the indirect nodes it leaves empty
(marking them ``dead``), so key and value are garbage at once (§6.3). Nothing here
decides what the collector keeps: the nodes are gcemu heap objects.

Go's slots are ``atomic.Pointer[node]`` that hold either kind; gotypes has no unsafe
cast, so an ``indirect`` here has two arrays, ``children [16]*indirect`` and
``leaves [16]*entry``, at most one of them set at each index (16 more words per node
than Go). ``Map`` is the HashTrieMap itself (sync.Map embeds it by value).

Steps (go1.25.5 internal/sync/hashtriemap.go)
--------------------------------------------
* ``Load`` (74): walk down by 4 hash bits a level until a nil slot or an entry, then
  the overflow chain.
* ``Swap``/``Store`` (185): find the slot; an entry holding the key is replaced by a
  new entry (``entry.swap``, 603); else the new entry goes in the empty slot, or
  ``expand`` (161) builds indirect nodes down to the first level where the two hashes
  differ (a full-hash collision chains the new entry in front of the old).
* ``LoadOrStore`` (101), ``LoadAndDelete``/``Delete`` (309/355): as Go.
* ``Range`` (481): a recursive walk, no snapshot. ``Clear`` (522): a new empty root.

Each method is one step point and then runs to its end: the per-node mutexes and the
retry loops of Go (which only matter while another goroutine is inside the trie) are
not modelled.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gcemu.maps.common import default_hasher
from gcemu.sync.boxed import declare_types
from gcemu.sync.park import point

BITS, CHILDREN, MASK = 4, 16, 15  # nChildrenLog2, nChildren, nChildrenMask
TYPES = {
    "indirect": "struct {{ isEntry bool; dead bool; mu int64; parent *{indirect}; "
                "children [16]*{indirect}; leaves [16]*{entry} }}",
    "entry": "struct {{ isEntry bool; overflow *{entry}; key {K}; value {V} }}",
    "Map": "struct {{ inited uint32; initMu int64; root *{indirect}; keyHash uintptr; "
           "valEqual uintptr; seed uintptr }}",
}


class HashTrieMap:
    """``sync.Map`` of Go 1.24+ with K and V fixed: Load, Store, LoadOrStore,
    LoadAndDelete, Delete, Swap, Range, Clear (Go's names and results)."""

    def __init__(self, heap: Any, key: str, value: str, name: str | None = None):
        self.heap = heap
        self.types = declare_types(heap, "trie", key, value, TYPES)
        self.hash = default_hasher(heap.type(key), heap)
        self.obj = heap.new(self.types["Map"], name=name)
        if name is not None:
            heap.set_global(name, self.obj)

    # -- nodes -------------------------------------------------------------------------
    def _root(self) -> Any:
        """init (hashtriemap.go:44): the root and the seed, on first use."""
        root = self.obj["root"]
        if root is None:
            self.obj["seed"] = self.heap.rand64()
            self.obj["inited"] = 1
            root = self._new_indirect(None)
            self.obj["root"] = root
        return root

    def _new_indirect(self, parent: Any) -> Any:
        return self.heap.new(self.types["indirect"], value={"parent": parent})

    def _new_entry(self, key: Any, value: Any, overflow: Any = None) -> Any:
        return self.heap.new(self.types["entry"], value={
            "isEntry": True, "key": key, "value": value, "overflow": overflow})

    @staticmethod
    def _child(i: Any, idx: int) -> Any:
        return i["leaves"][idx] or i["children"][idx]

    def _set_child(self, i: Any, idx: int, node: Any) -> None:
        """``i.children[idx].Store(node)``."""
        entry = node is not None and node["isEntry"]
        for field, new in (("leaves", node if entry else None),
                           ("children", None if entry else node)):
            arr = list(i[field])
            if arr[idx] is not new:
                arr[idx] = new
                i[field] = arr

    def _find(self, key: Any) -> tuple[int, Any, int, int, Any]:
        """The walk of Load and Swap: (hash, the indirect, the slot's index, the hash
        shift, the slot's node: None or an entry)."""
        i = self._root()
        h = self.hash(key, self.obj["seed"])
        shift = 64
        while shift:
            shift -= BITS
            idx = (h >> shift) & MASK
            n = self._child(i, idx)
            if n is None or n["isEntry"]:
                return h, i, idx, shift, n
            i = n
        raise AssertionError("internal/sync.HashTrieMap: ran out of hash bits while iterating")

    @staticmethod
    def _chain(head: Any):
        e = head
        while e is not None:
            yield e
            e = e["overflow"]

    def _expand(self, old: Any, new: Any, h: int, shift: int, parent: Any) -> Any:
        """expand (hashtriemap.go:161)."""
        old_hash = self.hash(old["key"], self.obj["seed"])
        if old_hash == h:
            new["overflow"] = old
            return new
        top = n = self._new_indirect(parent)
        while True:
            shift -= BITS
            oi, ni = (old_hash >> shift) & MASK, (h >> shift) & MASK
            if oi != ni:
                self._set_child(n, oi, old)
                self._set_child(n, ni, new)
                return top
            nxt = self._new_indirect(n)
            self._set_child(n, oi, nxt)
            n = nxt

    def _insert(self, key: Any, value: Any, h: int, i: Any, idx: int, shift: int,
                head: Any) -> None:
        new = self._new_entry(key, value)
        self._set_child(i, idx, new if head is None else self._expand(head, new, h, shift, i))

    # -- the methods ---------------------------------------------------------------------
    def Load(self, key: Any) -> tuple[Any, bool]:
        """``value, ok := m.Load(key)``."""
        point(self.heap, "sync.Map.Load")
        *_, head = self._find(key)
        for e in self._chain(head):
            if e["key"] == key:
                return e["value"], True
        return None, False

    def Store(self, key: Any, value: Any) -> None:
        """``m.Store(key, value)`` (= Swap)."""
        self.Swap(key, value)

    def Swap(self, key: Any, value: Any) -> tuple[Any, bool]:
        """``previous, loaded := m.Swap(key, value)``: a new entry node replaces the
        old (entry.swap, hashtriemap.go:603)."""
        point(self.heap, "sync.Map.Swap")
        h, i, idx, shift, head = self._find(key)
        prev = None
        for e in self._chain(head):
            if e["key"] == key:
                new = self._new_entry(key, value, e["overflow"])
                if prev is None:
                    self._set_child(i, idx, new)
                else:
                    prev["overflow"] = new
                return e["value"], True
            prev = e
        self._insert(key, value, h, i, idx, shift, head)
        return None, False

    def LoadOrStore(self, key: Any, value: Any) -> tuple[Any, bool]:
        """``actual, loaded := m.LoadOrStore(key, value)``."""
        point(self.heap, "sync.Map.LoadOrStore")
        h, i, idx, shift, head = self._find(key)
        for e in self._chain(head):
            if e["key"] == key:
                return e["value"], True
        self._insert(key, value, h, i, idx, shift, head)
        return value, False

    def LoadAndDelete(self, key: Any) -> tuple[Any, bool]:
        """``value, loaded := m.LoadAndDelete(key)``: unlink, then prune empty nodes."""
        point(self.heap, "sync.Map.LoadAndDelete")
        h, i, idx, shift, head = self._find(key)
        prev = None
        for e in self._chain(head):
            if e["key"] == key:
                break
            prev = e
        else:
            return None, False
        if prev is None:  # entry.loadAndDelete (hashtriemap.go:630): the new head
            self._set_child(i, idx, e["overflow"])
        else:
            prev["overflow"] = e["overflow"]
        while i["parent"] is not None and not any(i["leaves"]) and not any(i["children"]):
            shift += BITS
            parent = i["parent"]
            i["dead"] = True
            self._set_child(parent, (h >> shift) & MASK, None)
            i = parent
        return e["value"], True

    def Delete(self, key: Any) -> None:
        """``m.Delete(key)``."""
        self.LoadAndDelete(key)

    def Range(self, f: Callable[[Any, Any], Any]) -> None:
        """``m.Range(f)``: ``f(k, v)`` returning False stops."""
        point(self.heap, "sync.Map.Range")
        root = self.obj["root"]
        if root is not None:
            self._walk(root, f)

    def _walk(self, i: Any, f: Callable[[Any, Any], Any]) -> bool:
        for idx in range(CHILDREN):
            n = self._child(i, idx)
            if n is None:
                continue
            if not n["isEntry"]:
                if not self._walk(n, f):
                    return False
                continue
            for e in self._chain(n):
                if f(e["key"], e["value"]) is False:
                    return False
        return True

    def Clear(self) -> None:
        """``m.Clear()``: a new empty root."""
        point(self.heap, "sync.Map.Clear")
        if self.obj["root"] is not None:
            self.obj["root"] = self._new_indirect(None)


__all__ = ["HashTrieMap"]
