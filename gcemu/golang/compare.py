"""Replay a trace in gcemu with Go's hash values and random draws; compare with Go.

Go's output for a trace (`gcemu.golang.gen`) gives, after every map operation, the
map's header (count, B, flags, noverflow, hash0, nevacuate, whether oldbuckets is set,
nextOverflow's index, the overflow lists' lengths), every chain's tophash bytes and
slot contents (only the chains that changed since the previous dump), the hash of the
operation's key under the seed in effect, and for iterators the start bucket and
offset mapiterinit drew and the entry produced; at every GC point, the ids Go
finalized.

`compare` replays the trace (`gcemu.golang.replay`) on a fresh gcemu heap whose random
source returns Go's draws (hash0 at make, the reseed at a delete that empties the map
and at clear, each iterator's ``r = startBucket | offset << B``) and whose maps hash
with Go's values:

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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from gcemu.golang.replay import (
    NO_TAG,
    Comparer,
    Divergence,
    Draw,
    ReplayRandom,
    Result,
    deref,
    has_nan_json,
    same,
)
from gcemu.maps.classic import BUCKET_CNT, SAME_SIZE_GROW, Map, flags_text
from gcemu.maps.common import has_nan

FIELDS = (("count", "count"), ("B", "B"), ("flags", "flags"), ("nov", "noverflow"),
          ("h0", "hash0"), ("nev", "nevacuate"))


@dataclass
class _GoMap:
    """Go's state of one map as of its last dump (chains patched in by deltas)."""

    header: dict = field(default_factory=dict)
    bk: list = field(default_factory=list)
    ob: list = field(default_factory=list)
    h0: int | None = None
    stale: bool = False  # a light dump sent no chains: compare every chain next


class _Comparer(Comparer):
    """The classic map's state and randomness (see the module essay)."""

    def __init__(self, *args: Any):
        super().__init__(*args)
        self._enc_cache: dict = {}
        self.pre: tuple | None = None  # gcemu's map before an assign or delete

    def go_map(self) -> _GoMap:
        return _GoMap()

    def chain(self, m: Map, arr, j: int) -> list:
        """Chain ``j`` of bucket array ``arr`` as Go writes it (encodings cached per
        bucket while its contents stay the same objects)."""
        lay = m.layout
        ik, ie = lay.indirect_key, lay.indirect_elem
        first = arr.buckets[0]
        chain = []
        b = arr.buckets[j]
        depth = 0
        cache = self._enc_cache
        while b is not None:
            fp = (bytes(b.tophash),
                  [deref(x) for x in b.keys] if ik else tuple(b.keys),
                  [deref(x) for x in b.elems] if ie else tuple(b.elems))
            hit = cache.get(id(b))
            if (hit is not None and hit[0] is b and hit[1][0] == fp[0]
                    and same(hit[1][1], fp[1]) and same(hit[1][2], fp[2])):
                chain.append(hit[2])
            else:
                enc = [fp[0].hex(), self.slots(m, b.keys, b.elems)]
                cache[id(b)] = (b, fp, enc)
                chain.append(enc)
            b = b.overflow
            depth += 1
            if b is first or depth > 100000:
                break
        return chain

    # -- Go's randomness and hashes ---------------------------------------------------------
    def nan_hash(self, mid: int, key: Any, seed: int) -> int:
        """The hash Go's random NaN hash must have had, from where Go put the entry."""
        d = self.go.get(self.i, {})
        tag = self.nan_tag(mid, key)
        if tag is NO_TAG:
            raise Draw("a NaN key hashed outside an assign (deleting a NaN while the map "
                       "grows is not supported by the replay)")
        # find the entry in Go's state after this operation (current buckets)
        hits = []
        for j, chain in enumerate(self.go_after_bk(mid, d)):
            for b in chain:
                th = bytes.fromhex(b[0])
                for i, s in enumerate(b[1]):
                    if s is not None and th[i] >= 5 and has_nan_json(s[0]) \
                            and s[1] == tag:
                        hits.append((j, th[i]))
        if len(hits) != 1:
            raise Draw(f"cannot tell which NaN entry is which ({len(hits)} entries with "
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
    def draws(self, r: dict, d: dict) -> None:
        """hash0 at make and at a reseed, mapiterinit's ``r``, incrnoverflow's samples."""
        rand = self.rand
        op = r["op"]
        if op == "make":
            rand.q32.append(d["h0"])
            rand.what = "the hash seed of make"
            return
        if op == "iter" and not d.get("empty"):
            rand.q64.append(d["sb"] | (d["off"] << d["itB"]))
            rand.what = "mapiterinit's start"
        if op not in ("assign", "delete", "clear"):
            return
        gm = self.maps[r["map"]]
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

    def before(self, i: int, r: dict) -> None:
        super().before(i, r)
        self.pre = None
        if r["op"] in ("assign", "delete"):
            m = self.rp.objs[r["map"]]
            k = self.key_of(r["map"], r["key"])
            self.pre = (m.buckets_obj, m.oldbuckets_obj, m.nevacuate,
                        bool(m.flags & SAME_SIZE_GROW), k is None or has_nan(k))

    def touched(self, m: Map, d: dict) -> tuple[set, set] | None:
        """The chains (current, old) this operation may have written in gcemu, as the
        Go runner's ``touched`` (runner_classic.go.tmpl) computes them for Go; None:
        every chain (clear, a new array, a NaN key, a light dump before)."""
        if self.maps[d["m"]].stale or self.records[self.i]["op"] == "clear":
            return None
        if self.pre is None:  # make, iter, next: no chain written
            return set(), set()
        arr, old, nev, same_size, nan = self.pre
        if nan or "hash" not in d or arr is not m.buckets_obj:
            return None
        h = d["hash"]
        bk, ob = {h & ((1 << m.B) - 1)}, set()
        if old is None or (m.oldbuckets_obj is not None and m.oldbuckets_obj is not old):
            return bk, ob
        newbit = (1 << m.B) >> (0 if same_size else 1)
        end = newbit if m.oldbuckets_obj is None else min(m.nevacuate, newbit)
        for j in {h & (newbit - 1), *range(nev, end)}:
            ob.add(j)
            bk.add(j)
            if not same_size:
                bk.add(j + newbit)
        return bk, ob

    def compare_map(self, d: dict, r: dict, res: Any) -> None:
        mid = d["m"]
        gm = self.maps[mid]
        gm.header = d
        m: Map = self.rp.objs[mid]
        if d.get("nochains"):  # a light dump: the header only
            gm.stale = True
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
        if d.get("full"):
            gm.bk = [None] * d.get("nb", 0)
        for j, chain in d.get("bk", ()):
            gm.bk[j] = chain
        if d.get("ofull"):
            gm.ob = [None] * d.get("nob", 0)
        for j, chain in d.get("ob", ()):
            gm.ob[j] = chain
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
        touched = self.touched(m, d)
        gm.stale = False
        nob = m.noldbuckets() if m.growing() else 0
        if touched is None:  # every chain
            bk, ob = range(nb), range(nob)
        else:  # what either side may have written
            bk = touched[0] | {j for j, _ in d.get("bk", ())}
            ob = touched[1] | {j for j, _ in d.get("ob", ())}
        self.compare_chains("bucket", m, m.buckets_obj, bk, gm.bk)
        if nob == len(gm.ob):
            self.compare_chains("old bucket", m, m.oldbuckets_obj, ob, gm.ob)
        if big:
            self.check_nov_bound(m, d)
        if r["op"] in ("iter", "next"):
            self.compare_iter(m, d, res)

    def compare_gc(self, d: dict) -> None:
        """At a GC point also every chain of every map alive on both sides (the dumps
        after each operation compare only the chains it may have written), and the
        chains Go's runner found changed without having sent them."""
        super().compare_gc(d)
        for mid, n in d.get("missed", ()):
            self.diverge(f"map #{mid}: {n} chains changed in Go without being dumped (the "
                         "runner's touched chains missed a write)")
        fin = set(d.get("fin", ()))
        for mid, gm in self.maps.items():
            m = self.rp.objs[mid]
            if mid in fin or m.freed or gm.stale or not gm.header or m.buckets_obj is None \
                    or len(gm.bk) != 1 << m.B:
                continue
            self.compare_chains("bucket", m, m.buckets_obj, range(len(gm.bk)), gm.bk)
            nob = m.noldbuckets() if m.growing() else 0
            if nob == len(gm.ob):
                self.compare_chains("old bucket", m, m.oldbuckets_obj, range(nob), gm.ob)

    def compare_chains(self, what: str, m: Map, arr, idx: Iterable[int],
                       theirs: list) -> None:
        """Chains ``idx`` of gcemu's array ``arr`` against Go's (``theirs``); the first
        difference."""
        for j in sorted(idx):
            if j >= len(theirs):
                continue
            a, b = self.chain(m, arr, j), theirs[j]
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
                if self.memory and sa != sb:
                    self.diverge_slots(name, sa, sb)
                    return
            if not self.memory:
                continue
            return

    def check_nov_bound(self, m: Map, d: dict) -> None:
        linked = 0
        for arr in (m.buckets_obj,):
            if arr is None:
                continue
            for b in arr.buckets.take(0, 1 << m.B):
                c = b.overflow
                while c is not None:
                    linked += 1
                    c = c.overflow
        for who, v in (("gcemu", m.noverflow), ("go", d["nov"])):
            if v > linked:
                self.diverge(f"noverflow ({who}) above its bound, the {linked} overflow "
                             "buckets linked", m.noverflow, d["nov"])
                return


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
