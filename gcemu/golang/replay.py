"""What every comparison with Go shares: the replay with Go's randomness and hashes.

A trace ran on Go (`gcemu.golang.gen`); its output gives, per operation, the map's
state after it and the hash of the operation's key under the seed of that moment.
`Comparer` replays the same trace on a fresh gcemu heap and compares after every
operation; a map flavour (`gcemu.golang.compare` for Go 1.23's buckets,
`gcemu.golang.swisscompare` for the Swiss tables of Go 1.24+) says what Go's
randomness was at each operation (`Comparer.draws`) and how to compare its map state
(`Comparer.compare_map`). Shared here:

- the heap's random source, `ReplayRandom`, which returns Go's draws queued for the
  operation and fails (`Draw`) when gcemu draws where Go did not; draws Go made that
  gcemu did not are reported after the operation;
- the maps' hash function, which answers with Go's value of a key under a seed,
  from the operation that used the key (``"hash"`` under ``"hseed"``) or from the hashes
  an iterator step needed (``"hk"`` under ``"hkseed"``); a key Go never hashed under a
  seed is a divergence. A key with a NaN hashes randomly in Go: the flavour infers its
  value (`Comparer.nan_hash`);
- the entry an iteration step produced, and at every GC point the set of objects (and
  maps) gcemu collected against the set Go finalized, but for those on or behind a
  pointer cycle, which Go never finalizes (`gcemu.golang.cycles`): not verifiable so;
- `Divergence`, `Result`: the first difference, as
  ``op 17 (delete(m, 5)): bucket 3 slot 2 tophash: gcemu 1, go 0``.
"""

from __future__ import annotations

import json
import operator
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from gcemu.api import Heap
from gcemu.golang.cycles import unfinalizable
from gcemu.maps.common import ClearedString, Indirect, has_nan
from gcemu.maps.front import MapFront
from gcemu.trace import Replayer, decode, encode, op_text


class Divergence(Exception):
    """gcemu and Go differ after operation ``i``."""

    def __init__(self, i: int, op: str, where: str, ours: Any = None, theirs: Any = None,
                 note: str = ""):
        self.i, self.op, self.where, self.ours, self.theirs, self.note = (
            i, op, where, ours, theirs, note)
        super().__init__(str(self))

    def __str__(self) -> str:
        s = f"op {self.i} ({self.op}): {self.where}"
        if self.ours is not None or self.theirs is not None:
            s += f": gcemu {show(self.ours)}, go {show(self.theirs)}"
        if self.note:
            s += f" ({self.note})"
        return s


def show(v: Any) -> str:
    """A value as a divergence message prints it: strings as they are, else JSON."""
    if isinstance(v, str):
        return v
    return json.dumps(v, separators=(",", ":"))


NO_TAG = object()


class Draw(Exception):
    """A random draw or a hash gcemu asked for where Go had none (raised inside gcemu
    code)."""


class GoStopped(Exception):
    """Go stopped the trace (an error or a panic at this operation)."""


class ReplayRandom:
    """A heap's random source that returns Go's draws, queued per operation."""

    def __init__(self) -> None:
        self.q32: list[int] = []
        self.q64: list[int] = []
        self.default32: int | None = None  # classic B >= 16: incrnoverflow beyond the queue
        self.what = ""

    def getrandbits(self, k: int) -> int:
        q = self.q32 if k == 32 else self.q64
        if q:
            return q.pop(0)
        if k == 32 and self.default32 is not None:
            return self.default32
        raise Draw(f"gcemu drew a {k}-bit random number ({self.what}) where Go drew none")


@dataclass
class Result:
    """The outcome of comparing one trace."""

    name: str
    ops: int = 0
    map_ops: int = 0
    gc_points: int = 0
    divergence: Divergence | None = None
    go_error: str | None = None
    retention: list[dict] = field(default_factory=list)  # per gc point: both sets
    divergences: list[Divergence] = field(default_factory=list)  # all, when not stopping
    gcemu_seconds: float = 0.0
    go_ns: int | None = None
    report: Any = None  # gcemu's Report of the last GC point
    handles: dict = field(default_factory=dict)  # recorded id -> the replay's handle
    memory: list[dict] = field(default_factory=list)  # per operation marked "mem"

    @property
    def ok(self) -> bool:
        return self.divergence is None and self.go_error is None

    def __str__(self) -> str:
        if self.go_error:
            return f"{self.name}: Go could not run it: {self.go_error}"
        if self.divergence:
            return f"{self.name}: {self.divergence}"
        return (f"{self.name}: {self.ops} ops, {self.map_ops} map states and "
                f"{self.gc_points} gc points equal")


def deref(x: Any) -> Any:
    """An indirect slot's value (an overwrite updates the object in place)."""
    return x.value if isinstance(x, Indirect) else x


def same(a: Sequence, b: Sequence) -> bool:
    """The same objects (not only equal ones: -0.0 == 0.0)."""
    return len(a) == len(b) and all(map(operator.is_, a, b))


def has_nan_json(j: Any) -> bool:
    """Whether a value as Go wrote it holds a NaN."""
    if isinstance(j, dict):
        return j == {"float": "nan"} or any(has_nan_json(v) for v in j.values())
    if isinstance(j, list):
        return any(has_nan_json(v) for v in j)
    return False


class Comparer:
    """Replays one trace with Go's output and compares (see the module essay).

    A flavour overrides `draws` (queue Go's random draws for an operation),
    `compare_map` (after an operation that dumped a map) and `nan_hash`, and may keep
    per-map state of Go's in ``self.maps`` (made by `go_map` at ``make``).
    """

    def __init__(self, name: str, records: Sequence[dict], go: dict, model: str,
                 memory: bool, stop: bool):
        self.name = name
        self.records = list(records)
        self.go = go["lines"]
        self.rand = ReplayRandom()
        self.heap = Heap(model=model, rand=self.rand)
        self.rp = Replayer(self.heap)
        self.maps: dict[int, Any] = {}
        self.hashes: dict[int, dict] = {}  # map id -> {(key, seed): Go's hash}
        self.nan_tags: dict[int, dict] = {}  # map id -> {id(NaN key): (key, elem JSON)}
        self._zeros: dict[int, tuple] = {}  # map id -> a zeroed key's and elem's JSON
        self.memory = memory
        self.stop = stop
        self.result = Result(name, go_ns=go.get("ns"))
        self.names: dict[int, str] = {}
        self.iter_map: dict[int, int] = {}
        self.i = 0
        self.cur_op = ""
        self._seen_where: set[str] = set()
        self._freed_before: set[int] = set()  # ids gcemu had freed at the last GC point
        self.unverifiable: set[int] = set()  # ids on or behind a garbage pointer cycle
        for r in self.records:
            if r.get("op") in ("make", "new") and r.get("name"):
                self.names[r["id"]] = r["name"]
            if r.get("op") == "iter":
                self.iter_map[r["it"]] = r["map"]

    # -- for the flavours ------------------------------------------------------------------
    def go_map(self) -> Any:
        """Go's state of a new map, as the flavour keeps it."""
        raise NotImplementedError

    def draws(self, r: dict, d: dict) -> None:
        """Queue Go's random draws of operation ``r`` (Go's output ``d``)."""
        raise NotImplementedError

    def compare_map(self, d: dict, r: dict, res: Any) -> None:
        """Compare the map Go dumped in ``d`` after operation ``r``."""
        raise NotImplementedError

    def nan_hash(self, mid: int, key: Any, seed: int) -> int:
        """The hash of a key holding a NaN (random in Go), inferred from Go's state."""
        raise NotImplementedError

    # -- helpers ---------------------------------------------------------------------------
    def diverge(self, where: str, ours: Any = None, theirs: Any = None, note: str = ""):
        d = Divergence(self.i, self.cur_op, where, ours, theirs, note)
        if self.stop:
            raise d
        if where not in self._seen_where:  # the first operation it shows at
            self._seen_where.add(where)
            self.result.divergences.append(d)

    def rid(self, obj: Any) -> int | None:
        return self.rp.ids.get(obj.id)

    def enc(self, t, v: Any) -> Any:
        """gcemu value -> the JSON Go writes (handles by recorded id)."""
        kind = t.kind
        if kind in ("ptr", "map"):
            if v is None:
                return None
            rid = self.rid(v)
            return {"obj": rid} if rid is not None else {"ptr": "unknown"}
        if kind == "array":
            return [self.enc(t.elem, x) for x in v]
        if kind == "struct":
            return {f.name: self.enc(f.type, x) for f, x in zip(t.fields, v, strict=True)
                    if f.name != "_"}
        return encode(t, v)

    def enc_slot(self, t, indirect: bool, zero: Any, v: Any) -> Any:
        """A key or elem slot as Go reads its memory: ``zero`` when zeroed (None for an
        indirect slot's nil pointer), ``{"clr": len}`` for a string whose data pointer
        was cleared, the pointed-to value for an indirect slot."""
        if v is None:
            return None if indirect else zero
        if isinstance(v, ClearedString):  # nil data pointer; length 0 is all zero
            return {"clr": v.length} if v.length else zero
        if isinstance(v, Indirect):
            v = v.value
        return self.enc(t, v)

    def slots(self, m: Any, keys: Sequence, elems: Sequence) -> list:
        """A bucket's or group's slots of map ``m`` as Go writes them: null when key
        and elem memory are zeroed, else [key, elem]."""
        lay = m.layout
        kt, et = lay.key, lay.elem
        ik, ie = lay.indirect_key, lay.indirect_elem
        zeros = self._zeros.get(m.id)
        if zeros is None:
            zk = None if ik else self.enc_slot(kt, False, None, kt.zero())
            ze = None if ie else self.enc_slot(et, False, None, et.zero())
            zeros = self._zeros[m.id] = (zk, ze)
        zk, ze = zeros
        out = []
        for k, e in zip(keys, elems, strict=True):
            k = self.enc_slot(kt, ik, zk, k)
            e = self.enc_slot(et, ie, ze, e)
            out.append(None if (k == zk and e == ze) else [k, e])
        return out

    def diverge_slots(self, name: str, ours: list, theirs: list) -> None:
        """The first slot, and part of it, where two lists of slots (`slots`) differ."""
        for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            if a == b:
                continue
            for part, n in (("key", 0), ("elem", 1)):
                pa = None if a is None else a[n]
                pb = None if b is None else b[n]
                if pa != pb or a is None or b is None:
                    self.diverge(f"{name} slot {i} {part}", a and pa, b and pb,
                                 "null: zeroed memory" if None in (a, b) else "")
                    return

    def key_of(self, mid: int, kenc: Any) -> Any:
        """The map's stored form of a key Go wrote (None if it cannot be decoded)."""
        m = self.rp.objs[mid]
        try:
            return m._key(decode(m.layout.key, kenc, self.rp.objs))
        except Exception:
            return None

    # -- Go's hashes -----------------------------------------------------------------------
    def make_hash(self, mid: int):
        table = self.hashes.setdefault(mid, {})

        def h(key: Any, seed: int) -> int:
            if has_nan(key):
                return self.nan_hash(mid, key, seed)
            try:
                return table[key, seed]
            except KeyError:
                raise Draw(f"gcemu hashed key {key!r} under seed {seed}, which Go never "
                           "hashed (the seeds or the keys differ)") from None
        return h

    def nan_tag(self, mid: int, key: Any) -> Any:
        """What tells a NaN key's entry apart in Go's output: the elem it was assigned
        (give NaN keys distinct elems). The operation's own key gets it at an assign;
        `NO_TAG` for a key no entry has (a lookup or a delete, which find nothing)."""
        tags = self.nan_tags.setdefault(mid, {})
        hit = tags.get(id(key))
        if hit is not None:
            return hit[1]
        r = self.records[self.i]
        if r["op"] != "assign" or r["map"] != mid:
            return NO_TAG
        tags[id(key)] = (key, r["value"])  # the key too: its id stays unique
        return r["value"]

    def learn_hashes(self, r: dict, d: dict) -> None:
        """Go's hash of the operation's key, and those an iterator step needs."""
        op = r["op"]
        if op in ("iter", "next") and "hk" in d:
            mid = self.iter_map[r["it"]]
            table = self.hashes[mid]
            for kenc, hv in d["hk"]:
                k = self.key_of(mid, kenc)
                if k is not None and not has_nan(k):
                    table[k, d["hkseed"]] = hv
        if op in ("assign", "delete") and "hash" in d:
            k = self.key_of(r["map"], r["key"])
            if k is not None and not has_nan(k):
                self.hashes[r["map"]][k, d["hseed"]] = d["hash"]

    # -- per operation ---------------------------------------------------------------------
    def before(self, i: int, r: dict) -> None:
        self.i = i
        self.cur_op = op_text(r, self.names)
        d = self.go.get(i, {})
        if "error" in d or "panic" in d:
            raise GoStopped(d.get("error") or f"Go panicked: {d['panic']}")
        rand = self.rand
        rand.q32.clear()
        rand.q64.clear()
        rand.default32 = None
        rand.what = r["op"]
        if r["op"] == "make":
            self.maps[r["id"]] = self.go_map()
        self.learn_hashes(r, d)
        self.draws(r, d)

    def after(self, i: int, r: dict, res: Any) -> None:
        op = r["op"]
        d = self.go.get(i, {})
        if op == "gc":
            self.result.report = res
        if op == "make":
            self.rp.objs[r["id"]]._hash = self.make_hash(r["id"])
        if "m" in d:
            self.result.map_ops += 1
            self.compare_map(d, r, res)
        elif op == "gc":
            self.compare_gc(d)

    def compare_iter(self, m: Any, d: dict, res: Any) -> None:
        """The entry an iteration step produced (or that it produced none)."""
        done = bool(d.get("done"))
        if res is None:
            if not done:
                self.diverge("iteration", "done", {"k": d.get("k"), "e": d.get("e")})
            return
        lay = m.layout
        k, v = res
        ours = {"k": self.enc(lay.key, lay.key.convert(k)),
                "e": self.enc(lay.elem, lay.elem.convert(v))}
        if done:
            self.diverge("iteration", ours, "done")
            return
        theirs = {"k": d.get("k"), "e": d.get("e")}
        if ours != theirs:
            self.diverge("iteration produced", ours, theirs)

    def compare_memory(self, ours: int) -> None:
        """The bytes an operation marked ``"mem"`` allocated: gcemu's sum of allocation
        sizes against Go's HeapAlloc delta (HeapInuse, whole spans, is kept beside)."""
        d = self.go.get(self.i, {})
        self.result.memory.append({"i": self.i, "op": self.cur_op, "gcemu": ours,
                                   "alloc": d.get("alloc"), "inuse": d.get("inuse")})
        if ours != d.get("alloc"):
            self.diverge("bytes allocated (HeapAlloc delta)", ours, d.get("alloc"))

    def compare_gc(self, d: dict) -> None:
        """The objects and maps gcemu collected against those Go finalized, but for
        those on or behind a pointer cycle (`gcemu.golang.cycles`): Go never
        finalizes them, so they are set aside as not verifiable this way."""
        self.result.gc_points += 1
        theirs = set(d.get("fin", ()))
        ours = {rid for rid, h in self.rp.objs.items() if h.freed}
        now = [self.rp.objs[rid] for rid in ours - self._freed_before]
        self._freed_before = ours
        kept = unfinalizable(now, self.heap.model.scan)
        self.unverifiable |= {rid for rid in ours if id(self.rp.objs[rid]) in kept}
        ours -= self.unverifiable
        theirs -= self.unverifiable
        self.result.retention.append({"i": self.i, "gcemu": ours, "go": theirs,
                                      "unverifiable": set(self.unverifiable)})
        if ours != theirs:
            only_ours = sorted(ours - theirs)
            only_theirs = sorted(theirs - ours)

            def who(ids):
                return ", ".join(self.label(x) for x in ids[:6]) + (
                    f" (+{len(ids) - 6})" if len(ids) > 6 else "")
            if only_ours:
                self.diverge(f"retention: gcemu collected {who(only_ours)}, which Go kept")
            if only_theirs:
                self.diverge(f"retention: Go finalized {who(only_theirs)}, which gcemu kept")

    def label(self, rid: int) -> str:
        h = self.rp.objs.get(rid)
        kind = "map" if isinstance(h, MapFront) else (h.type.name if h is not None else "?")
        nm = self.names.get(rid)
        return f"{kind}#{rid}" + (f" ({nm})" if nm else "")

    def run(self) -> Result:
        t0 = time.perf_counter()
        res = self.result
        try:
            for i, r in enumerate(self.records):
                self.before(i, r)
                mem = self.heap.bytes_in_use() if r.get("mem") else None
                try:
                    out = self.rp.step(r)
                except Draw as e:
                    raise Divergence(i, self.cur_op, str(e)) from None
                if mem is not None:
                    self.compare_memory(self.heap.bytes_in_use() - mem)
                self.after(i, r, out)
                res.ops += 1
                q = self.rand
                if q.q32 or q.q64:
                    self.diverge(f"random draws: Go drew {q.what}, gcemu did not")
                    q.q32.clear()
                    q.q64.clear()
        except Divergence as e:
            res.divergence = e
        except GoStopped as e:
            res.go_error = f"op {self.i} ({self.cur_op}): {e}"
        if res.divergence is None and res.divergences:
            res.divergence = res.divergences[0]
        res.handles = dict(self.rp.objs)
        res.gcemu_seconds = time.perf_counter() - t0
        return res


__all__ = ["NO_TAG", "Comparer", "Divergence", "Draw", "GoStopped", "ReplayRandom", "Result",
           "deref", "has_nan_json", "same", "show"]
