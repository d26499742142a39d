"""Replay a trace in gcemu with Go's hash values and random draws; compare with Go.

Go's output for a trace (`gcemu.golang.gen`) gives, after every map operation, the
map's header (count, B, flags, noverflow, hash0, nevacuate, whether oldbuckets is set,
nextOverflow's index, the overflow lists' lengths), every chain's tophash bytes and
slot contents (only the chains that changed since the previous dump), the hash of the
operation's key under the seed in effect, and for iterators the start bucket and
offset mapiterinit drew and the entry produced; at every GC point, the ids Go
finalized.

`compare` replays the trace on a fresh gcemu heap whose random source returns Go's
draws (hash0 at make, the reseed at a delete that empties the map and at clear, each
iterator's ``r = startBucket | offset << B``) and whose maps hash with Go's values:

- a key's hash comes from Go's output for the operation that used the key, under the
  seed of that moment (keys are hashed again only under the same seed: by evacuation
  and by iterators, until a reseed empties the map);
- a NaN key gets a fresh random hash at every call in Go, which no output shows; its
  value is inferred from where Go put the entry (the bucket index and tophash the
  hash produced), identified by its elem. A NaN deleted while growing is not
  supported (the bucket its growWork evacuated would have to be inferred too).

After every operation the map it touched is compared field by field, chain by chain
and slot by slot; at every GC point the set of objects (and maps) gcemu collected is
compared with the set Go finalized. The first difference is reported as
``op 17 (delete(m, 5)): bucket 3 slot 2 tophash: gcemu 1, go 0``.

noverflow is sampled at random for B >= 16 (incrnoverflow): the replay feeds gcemu's
draws so that it increments as often as Go did (from Go's noverflow after each
operation), and the values must then be equal; where a full dump is compared they
need only lie within their bound, the number of overflow buckets linked.

Big maps run with "light" dumps (`gen.run_traces(light=True)`): the header and the
key's hash after every operation, the chains only at operations marked ``"chk": 1``.
"""

from __future__ import annotations

import operator
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from gcemu.gomap import (
    BUCKET_CNT,
    ClearedString,
    Indirect,
    Map,
    flags_text,
    has_nan,
)
from gcemu.heap import Heap
from gcemu.trace import Replayer, encode, op_text

FIELDS = (("count", "count"), ("B", "B"), ("flags", "flags"), ("nov", "noverflow"),
          ("h0", "hash0"), ("nev", "nevacuate"))


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
            s += f": gcemu {_show(self.ours)}, go {_show(self.theirs)}"
        if self.note:
            s += f" ({self.note})"
        return s


def _show(v: Any) -> str:
    if isinstance(v, str):
        return v
    import json

    return json.dumps(v, separators=(",", ":"))


_NO_TAG = object()


def _deref(x: Any) -> Any:
    """An indirect slot's object and value (an overwrite updates it in place)."""
    return x.value if isinstance(x, Indirect) else x


def _same(a: Sequence, b: Sequence) -> bool:
    """The same objects (not only equal ones: -0.0 == 0.0)."""
    return len(a) == len(b) and all(map(operator.is_, a, b))


class _Draw(Exception):
    """A random draw gcemu made where Go made none (raised inside gcemu code)."""


class ReplayRandom:
    """A heap's random source that returns Go's draws, queued per operation."""

    def __init__(self) -> None:
        self.q32: list[int] = []
        self.q64: list[int] = []
        self.default32: int | None = None  # B >= 16: incrnoverflow draws beyond the queue
        self.what = ""

    def getrandbits(self, k: int) -> int:
        q = self.q32 if k == 32 else self.q64
        if q:
            return q.pop(0)
        if k == 32 and self.default32 is not None:
            return self.default32
        raise _Draw(f"gcemu drew a {k}-bit random number ({self.what}) where Go drew none")


@dataclass
class _GoMap:
    """Go's state of one map as of its last dump (chains patched in by deltas)."""

    header: dict = field(default_factory=dict)
    bk: list = field(default_factory=list)
    ob: list = field(default_factory=list)
    h0: int | None = None
    table: dict = field(default_factory=dict)  # (key, seed) -> hash
    nan_tags: dict = field(default_factory=dict)  # id(NaN key object) -> elem JSON


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


class _Comparer:
    def __init__(self, name: str, records: Sequence[dict], go: dict, model: str,
                 memory: bool, stop: bool):
        self.name = name
        self.records = list(records)
        self.go = go["lines"]
        self.rand = ReplayRandom()
        self.heap = Heap(model=model, rand=self.rand)
        self.rp = Replayer(self.heap)
        self.maps: dict[int, _GoMap] = {}
        self.memory = memory
        self.stop = stop
        self.result = Result(name, go_ns=go.get("ns"))
        self.names: dict[int, str] = {}
        self.iter_map: dict[int, int] = {}
        self.i = 0
        self.cur_op = ""
        self._enc_cache: dict = {}
        self._seen_where: set[str] = set()
        for r in self.records:
            if r.get("op") in ("make", "new") and r.get("name"):
                self.names[r["id"]] = r["name"]
            if r.get("op") == "iter":
                self.iter_map[r["it"]] = r["map"]

    # -- helpers ---------------------------------------------------------------------
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
        if t._refs:  # pragma: no cover - every kind with handles is handled above
            raise AssertionError(kind)
        return encode(t, v)

    def enc_slot(self, t, indirect: bool, zero: Any, v: Any) -> Any:
        if v is None:
            return None if indirect else zero
        if isinstance(v, ClearedString):  # nil data pointer; length 0 is all zero
            return {"clr": v.length} if v.length else zero
        if isinstance(v, Indirect):
            v = v.value
        return self.enc(t, v)

    def chains(self, m: Map, arr, n: int) -> list:
        lay = m.layout
        kt, et = lay.key, lay.elem
        ik, ie = lay.indirect_key, lay.indirect_elem
        zk = self.enc_slot(kt, ik, None, kt.zero()) if not ik else None
        ze = self.enc_slot(et, ie, None, et.zero()) if not ie else None
        out = []
        if arr is None:
            return out
        first = arr.buckets[0]
        for j in range(n):
            chain = []
            b = arr.buckets[j]
            depth = 0
            cache = self._enc_cache
            while b is not None:
                fp = (bytes(b.tophash),
                      [_deref(x) for x in b.keys] if ik else tuple(b.keys),
                      [_deref(x) for x in b.elems] if ie else tuple(b.elems))
                hit = cache.get(id(b))
                if (hit is not None and hit[0] is b and hit[1][0] == fp[0]
                        and _same(hit[1][1], fp[1]) and _same(hit[1][2], fp[2])):
                    chain.append(hit[2])
                else:
                    slots = []
                    for i in range(BUCKET_CNT):
                        k = self.enc_slot(kt, ik, zk, b.keys[i])
                        e = self.enc_slot(et, ie, ze, b.elems[i])
                        slots.append(None if (k == zk and e == ze) else [k, e])
                    enc = [fp[0].hex(), slots]
                    cache[id(b)] = (b, fp, enc)
                    chain.append(enc)
                b = b.overflow
                depth += 1
                if b is first or depth > 100000:
                    break
            out.append(chain)
        return out

    # -- Go's randomness and hashes ---------------------------------------------------------
    def make_hash(self, mid: int):
        gm = self.maps[mid]
        table = gm.table

        def h(key: Any, seed: int) -> int:
            if has_nan(key):
                return self.nan_hash(mid, key, seed)
            try:
                return table[key, seed]
            except KeyError:
                raise _Draw(f"gcemu hashed key {key!r} under seed {seed}, which Go never "
                            "hashed (the seeds or the keys differ)") from None
        return h

    def nan_hash(self, mid: int, key: Any, seed: int) -> int:
        """The hash Go's random NaN hash must have had, from where Go put the entry."""
        gm = self.maps[mid]
        d = self.go.get(self.i, {})
        tag = gm.nan_tags.get(id(key), (None, _NO_TAG))[1]
        if tag is _NO_TAG:  # the operation's own key: an assign (or a no-op delete)
            r = self.records[self.i]
            if r["op"] != "assign":
                raise _Draw("a NaN key hashed outside an assign (deleting a NaN while "
                            "the map grows is not supported by the replay)")
            tag = r["value"]
            gm.nan_tags[id(key)] = (key, tag)  # the key too: its id stays unique
        # find the entry in Go's state after this operation (current buckets)
        hits = []
        for j, chain in enumerate(self.go_after_bk(mid, d)):
            for b in chain:
                th = bytes.fromhex(b[0])
                for i, s in enumerate(b[1]):
                    if s is not None and th[i] >= 5 and _has_nan_json(s[0]) \
                            and s[1] == tag:
                        hits.append((j, th[i]))
        if len(hits) != 1:
            raise _Draw(f"cannot tell which NaN entry is which ({len(hits)} entries with "
                        f"elem {tag}); give NaN keys distinct elems")
        j, top = hits[0]
        return (top << 56) | j

    def go_after_bk(self, mid: int, d: dict) -> list:
        """Go's current chains after this op (the mirror patched with this line)."""
        gm = self.maps[mid]
        bk = list(gm.bk) if not d.get("full") else [None] * d.get("nb", 0)
        for j, chain in d.get("bk", ()):
            bk[j] = chain
        return bk

    # -- per operation ---------------------------------------------------------------------
    def before(self, i: int, r: dict) -> None:
        self.i = i
        self.cur_op = op_text(r, self.names)
        d = self.go.get(i, {})
        if "error" in d or "panic" in d:
            raise _GoStopped(d.get("error") or f"Go panicked: {d['panic']}")
        rand = self.rand
        rand.q32.clear()
        rand.q64.clear()
        rand.default32 = None
        rand.what = r["op"]
        op = r["op"]
        if op == "make":
            self.maps[r["id"]] = _GoMap()
            rand.q32.append(d["h0"])
            rand.what = "the hash seed of make"
            return
        if op == "iter" and not d.get("empty"):
            rand.q64.append(d["sb"] | (d["off"] << d["itB"]))
            rand.what = "mapiterinit's start"
        if op in ("iter", "next") and "hk" in d:
            self.stale_hashes(self.iter_map[r["it"]], d)
        if op in ("iter", "next"):
            return
        if op not in ("assign", "delete", "clear"):
            return
        gm = self.maps[r["map"]]
        if op in ("assign", "delete") and "hash" in d:
            m = self.rp.objs[r["map"]]
            from gcemu.trace import decode

            try:
                k = m._key(decode(m.layout.key, r["key"], self.rp.objs))
            except Exception:
                k = None
            if k is not None and not has_nan(k):
                gm.table[k, d["hseed"]] = d["hash"]
        if d.get("h0") is not None and gm.h0 is not None and d["h0"] != gm.h0:
            rand.q32.append(d["h0"])
            rand.what = "a new hash seed"
        if d.get("B", 0) >= 16:
            # incrnoverflow draws: as many increments as Go made, then none
            prev = gm.header
            grew = (d["nob"] and not prev.get("nob")) or d["B"] != prev.get("B")
            incs = d["nov"] - (0 if grew else prev.get("nov", 0))
            rand.q32 += [0] * max(incs, 0)
            rand.default32 = 1
            rand.what = "incrnoverflow"

    def stale_hashes(self, mid: int, d: dict) -> None:
        """Hashes Go wrote for keys an iterator on an older array looks up again."""
        from gcemu.trace import decode

        m = self.rp.objs[mid]
        table = self.maps[mid].table
        for kenc, hv in d["hk"]:
            try:
                k = m._key(decode(m.layout.key, kenc, self.rp.objs))
            except Exception:
                continue
            if not has_nan(k):
                table[k, d["hkseed"]] = hv

    def after(self, i: int, r: dict, res: Any) -> None:
        op = r["op"]
        d = self.go.get(i, {})
        if op == "gc":
            self.result.report = res
        if op == "make":
            m = self.rp.objs[r["id"]]
            m._hash = self.make_hash(r["id"])
        if "m" in d:
            self.result.map_ops += 1
            self.compare_map(d, r, res)
        elif op == "gc":
            self.compare_gc(d)

    def compare_map(self, d: dict, r: dict, res: Any) -> None:
        mid = d["m"]
        gm = self.maps[mid]
        gm.header = d
        m: Map = self.rp.objs[mid]
        if d.get("nochains"):  # a light dump: the header only
            for key, attr in FIELDS:
                if getattr(m, attr) != d[key]:
                    self.diverge(attr, getattr(m, attr), d[key],
                                 "incrnoverflow samples for B >= 16: gcemu drew fewer "
                                 "times than Go incremented" if key == "nov" and d["B"] >= 16
                                 else "")
            if m.growing() != bool(d["nob"]):
                self.diverge("oldbuckets set", m.growing(), bool(d["nob"]))
            gm.h0 = d["h0"]
            return
        gm.bk = self.go_after_bk(mid, d)
        ob = list(gm.ob) if not d.get("ofull") else [None] * d.get("nob", 0)
        for j, chain in d.get("ob", ()):
            ob[j] = chain
        gm.ob = ob
        gm.h0 = d["h0"]
        big = d["B"] >= 16 or m.B >= 16
        for key, attr in FIELDS:
            ours, theirs = getattr(m, attr), d[key]
            if key == "nov" and big:
                continue  # checked against its bound below
            if ours != theirs:
                note = f"gcemu {flags_text(ours)}, go {flags_text(theirs)}" \
                    if key == "flags" else ""
                self.diverge(attr, ours, theirs, note)
        if m.growing() != bool(d["nob"]):
            self.diverge("oldbuckets set", m.growing(), bool(d["nob"]))
        extra = m.extra
        nxo = -1 if extra is None or extra.next_overflow is None else extra.next_overflow.index
        ovl = -1 if extra is None or extra.overflow is None else len(extra.overflow.items)
        oovl = -1 if extra is None or extra.oldoverflow is None \
            else len(extra.oldoverflow.items)
        for where, ours, theirs in (("extra.nextOverflow (index in the array)", nxo, d["nxo"]),
                                    ("len(*extra.overflow)", ovl, d["ovl"]),
                                    ("len(*extra.oldoverflow)", oovl, d["oovl"])):
            if ours != theirs:
                self.diverge(where, ours, theirs)
        nb = 0 if m.buckets_obj is None else 1 << m.B
        if nb != d["nb"]:
            self.diverge("number of buckets", nb, d["nb"])
            return
        self.compare_chains("bucket", self.chains(m, m.buckets_obj, nb), gm.bk)
        nob = m.noldbuckets() if m.growing() else 0
        if nob == len(gm.ob):
            self.compare_chains("old bucket", self.chains(m, m.oldbuckets_obj, nob), gm.ob)
        if big:
            self.check_nov_bound(m, d)
        if r["op"] in ("iter", "next"):
            self.compare_iter(m, d, res)

    def compare_chains(self, what: str, ours: list, theirs: list) -> None:
        if ours == theirs:
            return
        for j, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            if a == b:
                continue
            if b is None:
                self.diverge(f"{what} {j}: Go sent no state", None, None)
                return
            for depth in range(max(len(a), len(b))):
                name = f"{what} {j}" + (f" overflow {depth}" if depth else "")
                if depth >= len(a) or depth >= len(b):
                    self.diverge(f"{what} {j}: overflow chain length", len(a), len(b))
                    return
                (ta, sa), (tb, sb) = a[depth], b[depth]
                tha, thb = bytes.fromhex(ta), bytes.fromhex(tb)
                for i in range(BUCKET_CNT):
                    if tha[i] != thb[i]:
                        self.diverge(f"{name} slot {i} tophash", tha[i], thb[i],
                                     f"tophash gcemu {list(tha)}, go {list(thb)}")
                        return
                if not self.memory:
                    continue
                for i in range(BUCKET_CNT):
                    if sa[i] != sb[i]:
                        for part, n in (("key", 0), ("elem", 1)):
                            pa = None if sa[i] is None else sa[i][n]
                            pb = None if sb[i] is None else sb[i][n]
                            if pa != pb or sa[i] is None or sb[i] is None:
                                self.diverge(f"{name} slot {i} {part}", sa[i] and pa,
                                             sb[i] and pb,
                                             "null: zeroed memory" if None in (sa[i], sb[i])
                                             else "")
                                return
            if not self.memory:
                continue
            return

    def check_nov_bound(self, m: Map, d: dict) -> None:
        linked = 0
        for arr in (m.buckets_obj,):
            if arr is None:
                continue
            for b in arr.buckets[:1 << m.B]:
                c = b.overflow
                while c is not None:
                    linked += 1
                    c = c.overflow
        for who, v in (("gcemu", m.noverflow), ("go", d["nov"])):
            if v > linked:
                self.diverge(f"noverflow ({who}) above its bound, the {linked} overflow "
                             "buckets linked", m.noverflow, d["nov"])
                return

    def compare_iter(self, m: Map, d: dict, res: Any) -> None:
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

    def compare_gc(self, d: dict) -> None:
        self.result.gc_points += 1
        theirs = set(d.get("fin", ()))
        ours = {rid for rid, h in self.rp.objs.items() if h.freed}
        self.result.retention.append({"i": self.i, "gcemu": ours, "go": theirs})
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
        kind = "map" if isinstance(h, Map) else (h.type.name if h is not None else "?")
        nm = self.names.get(rid)
        return f"{kind}#{rid}" + (f" ({nm})" if nm else "")

    def run(self) -> Result:
        t0 = time.perf_counter()
        res = self.result
        try:
            for i, r in enumerate(self.records):
                self.before(i, r)
                try:
                    out = self.rp.step(r)
                except _Draw as e:
                    raise Divergence(i, self.cur_op, str(e)) from None
                self.after(i, r, out)
                res.ops += 1
                q = self.rand
                if q.q32 or q.q64:
                    self.diverge(f"random draws: Go drew {q.what}, gcemu did not")
                    q.q32.clear()
                    q.q64.clear()
        except Divergence as e:
            res.divergence = e
        except _GoStopped as e:
            res.go_error = f"op {self.i} ({self.cur_op}): {e}"
        if res.divergence is None and res.divergences:
            res.divergence = res.divergences[0]
        res.handles = dict(self.rp.objs)
        res.gcemu_seconds = time.perf_counter() - t0
        return res


def _has_nan_json(j: Any) -> bool:
    if isinstance(j, dict):
        return j == {"float": "nan"} or any(_has_nan_json(v) for v in j.values())
    if isinstance(j, list):
        return any(_has_nan_json(v) for v in j)
    return False


class _GoStopped(Exception):
    pass


def compare(name: str, records: Sequence[dict], go: dict, model: str = "go",
            memory: bool = True, stop: bool = True) -> Result:
    """Replay ``records`` in gcemu with Go's output ``go`` (`gen.parse_output`'s entry
    for the trace) and compare after every operation.

    ``memory=False`` compares tophash and chain shapes but not slot contents (what a
    model that does not clear deleted slots must differ in); ``stop=False`` goes on
    after a difference and collects them all in ``Result.divergences``.
    """
    return _Comparer(name, records, go, model, memory, stop).run()


__all__ = ["Divergence", "ReplayRandom", "Result", "compare"]
