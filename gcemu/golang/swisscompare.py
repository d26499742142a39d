"""The Swiss-table map (Go 1.24+) against real Go: run traces, replay, compare.

Go's side is runner_swiss.go (`gcemu.golang.gen`, flavour ``swiss``), built with a
Go 1.25 or 1.27 toolchain (`SERIES`). After every map operation it writes the header
(used, seed, dirLen, globalDepth, globalShift, tombstonePossible, clearSeq), the small
map's group, or the directory as table indexes and, per distinct table, its index,
localDepth, capacity, used and growthLeft and the control bytes and slot contents of
each group that changed since the last dump (groups arrays are numbered per map, so a
table's index may change with a directory doubling while its array stays the same);
the map type's group layout at ``make``; the hash of the operation's key under the
current seed (the type's Hasher); for an iteration step the entry produced and the
iterator's offsets; at every GC point the ids Go finalized.

`compare` replays the trace (`gcemu.golang.replay`) under model ``go-swiss`` (Go 1.25)
or ``go-swiss-1.27`` (`MODEL_OF`), with Go's draws through ``heap.rand64``: the seed at
make (maps.NewMap / NewEmptyMap), at a delete that empties the map and at an effective
clear; Iter.Init's entryOffset then dirOffset. Go's dirOffset is read after the first
Next, which rounds it down to the first directory entry of the table it starts in;
that value walks the directory exactly as the drawn one, and is what gcemu gets.

A key holding a NaN hashes to a fresh random value at every call in Go. Its value is
inferred from where Go's state after the operation holds the entry (told apart by its
elem): the table's first directory index in the top bits, the group in H1, the control
byte as H2. A probe from that group finds what Go's did, except for a NaN inserted by
an assign that rehashes a table whose probe from that group meets a tombstone before
an empty slot (Go's random hash happened to miss it): then the replay reports the
difference it causes. A lookup of a NaN (an iterator after a grow, a delete) finds
nothing whatever its hash.

After every operation every field, directory entry, table counter, control byte and
slot is compared; the first difference reads
``op 12 (delete(m, 7)): table 0 group 3 slot 5 ctrl: gcemu 0xfe, go 0x80``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from gcemu import toolchain
from gcemu.golang import gen
from gcemu.golang.replay import NO_TAG, Comparer, Result, deref, has_nan_json, same

SERIES = ("1.25", "1.27")
MODEL_OF = {"1.25": "go-swiss", "1.27": "go-swiss-1.27"}
SERIES_OF = {m: s for s, m in MODEL_OF.items()}

# Go's header field -> SwissMap attribute
FIELDS = (("used", "used"), ("seed", "seed"), ("dirLen", "dirLen"), ("gd", "globalDepth"),
          ("gs", "globalShift"), ("tp", "tombstonePossible"), ("cs", "clearSeq"))
FLAG_INDIRECT_KEY, FLAG_INDIRECT_ELEM = 4, 8  # abi.SwissMapIndirectKey, ...IndirectElem


def series_of(model: str) -> str:
    """The Go series whose runtime ``model`` follows (``go-swiss`` -> ``1.25``)."""
    try:
        return SERIES_OF[model]
    except KeyError:
        raise gen.GenerateError(f"model {model!r} is not a Swiss-table model (known: "
                                f"{', '.join(SERIES_OF)})") from None


def run_traces(traces: Sequence[tuple[str, Sequence[dict]]], series: str,
               **kw: Any) -> dict[str, dict]:
    """`gen.run_traces` with the Swiss runner, on the toolchain of ``series``."""
    return gen.run_traces(traces, tc=toolchain.find_toolchain(series), flavour="swiss", **kw)


@dataclass
class GoState:
    """Go's state of one map, brought up to an operation by `advance` (its dumps carry
    only the groups that changed)."""

    seed: int | None = None
    small: list | None = None  # [ctrl hex, slots] of the small map's group
    arrays: dict = field(default_factory=dict)  # groups array number -> [group, ...]
    dump: dict = field(default_factory=dict)  # the last dump

    def advance(self, d: dict) -> None:
        """Apply the dump ``d`` of the map (a light dump keeps the groups as they were)."""
        self.dump = d
        small = d.get("small")
        self.small = small if isinstance(small, list) else self.small if small else None
        arrays = {}
        for t in d.get("tabs", ()):
            groups = None if t.get("full") else self.arrays.get(t["a"])
            if "g" in t:
                groups = list(groups) if groups is not None else [None] * (t["cap"] // 8)
                for gi, enc in t["g"]:
                    groups[gi] = enc
            arrays[t["a"]] = groups
        self.arrays = arrays

    def groups(self) -> list[tuple[dict, int, list]]:
        """(table as dumped, group index, group) of every table's groups."""
        return [(t, gi, g) for t in self.dump.get("tabs", ())
                for gi, g in enumerate(self.arrays.get(t["a"]) or ()) if g is not None]


def _ctrl(c: int) -> str:
    return f"{c:#04x}"


class _Comparer(Comparer):
    """The Swiss map's state and randomness (see the module essay)."""

    def __init__(self, *args: Any):
        super().__init__(*args)
        self._groups: dict[int, tuple] = {}  # id(group) -> its last equal comparison

    def go_map(self) -> GoState:
        return GoState()

    # -- Go's state, randomness and NaN hashes ---------------------------------------------
    def draws(self, r: dict, d: dict) -> None:
        rand = self.rand
        op = r["op"]
        if "m" in d:
            gm = self.maps[d["m"]]
            gm.advance(d)  # before gcemu runs the operation: for nan_hash
            if d["seed"] != gm.seed:
                rand.q64.append(d["seed"])
                rand.what = "the seed of make" if op == "make" else "a new seed"
            gm.seed = d["seed"]
        if op == "iter" and not d.get("empty"):
            rand.q64 += [d["eo"], d["do"]]
            rand.what = "Iter.Init's entryOffset and dirOffset"

    def nan_hash(self, mid: int, key: Any, seed: int) -> int:
        """A hash that puts the NaN entry where Go's state after this operation has it
        (see the module essay); 0 for a key no entry has (or where a light dump gives
        no groups to look in)."""
        tag = self.nan_tag(mid, key)
        if tag is NO_TAG:
            return 0
        gm = self.maps[mid]
        d = gm.dump
        hits = []
        if gm.small is not None:
            hits += [(0, 0, c) for c in _nan_ctrls(gm.small, tag)]
        for t, gi, g in gm.groups():
            top = t["i"] << d["gs"] if d["dirLen"] > 1 else 0
            hits += [(top, gi, c) for c in _nan_ctrls(g, tag)]
        if len(hits) != 1:
            return 0  # gone (or ambiguous): the replay then shows where the entry differs
        top, gi, c = hits[0]
        return top | gi << 7 | c

    # -- comparison ------------------------------------------------------------------------
    def compare_map(self, d: dict, r: dict, res: Any) -> None:
        gm = self.maps[d["m"]]
        m = self.rp.objs[d["m"]]
        if "gsz" in d:
            self.compare_type(m, d)
        for key, attr in FIELDS:
            ours = getattr(m, attr)
            if int(ours) != d[key]:
                self.diverge(attr, int(ours), d[key])
        small = m.small
        if ("small" in d) != (small is not None):
            self.diverge("small map group allocated", small is not None, "small" in d)
            return
        if small is not None and isinstance(d["small"], list):  # not a light dump
            self.compare_group("small map group", m, small.groups[0], gm.small)
        dir_ours = [t.index for t in m.directory]
        if dir_ours != d.get("dir", []):
            self.diverge("directory (table index per entry)", dir_ours, d.get("dir", []))
            return
        tables = m.tables
        for t, gt in zip(tables, d.get("tabs", ()), strict=True):
            self.compare_table(m, t, gt, gm.arrays[gt["a"]] if "g" in gt else None)
        if r["op"] in ("iter", "next"):
            self.compare_iter(m, d, res)

    def compare_type(self, m: Any, d: dict) -> None:
        """The group layout Go's map type descriptor has (GroupSize, pointer bytes,
        indirect key / elem) against gcemu's."""
        lay = m.layout
        for where, ours, theirs in (
                ("GroupSize", m.group_size, d["gsz"]),
                ("group type has pointers", not lay.noscan, d["gptr"] > 0),
                ("indirect key", lay.indirect_key, bool(d["flags"] & FLAG_INDIRECT_KEY)),
                ("indirect elem", lay.indirect_elem, bool(d["flags"] & FLAG_INDIRECT_ELEM))):
            if ours != theirs:
                self.diverge(f"map type: {where}", ours, theirs)

    def compare_table(self, m: Any, t: Any, gt: dict, groups: list | None) -> None:
        name = f"table {gt['i']}"
        for where, ours, theirs in (("index", t.index, gt["i"]),
                                    ("localDepth", t.localDepth, gt["ld"]),
                                    ("capacity", t.capacity, gt["cap"]),
                                    ("used", t.used, gt["used"]),
                                    ("growthLeft", t.growthLeft, gt["gl"])):
            if ours != theirs:
                self.diverge(f"{name} {where}", ours, theirs)
                return
        if groups is None:  # a light dump: counters only
            return
        for gi, (g, enc) in enumerate(zip(t.groups, groups, strict=True)):
            self.compare_group(f"{name} group {gi}", m, g, enc)

    def compare_group(self, name: str, m: Any, g: Any, enc: list) -> None:
        """Control bytes, then slots; a group equal at its last comparison, unchanged in
        gcemu and with the same text from Go, is not compared again."""
        lay = m.layout
        ctrl = bytes(g.ctrl)
        ks = [deref(x) for x in g.keys] if lay.indirect_key else tuple(g.keys)
        es = [deref(x) for x in g.elems] if lay.indirect_elem else tuple(g.elems)
        hit = self._groups.get(id(g))
        if (hit is not None and hit[0] is g and hit[4] is enc and hit[1] == ctrl
                and same(hit[2], ks) and same(hit[3], es)):
            return
        theirs = bytes.fromhex(enc[0])
        if ctrl != theirs:
            i = next(i for i in range(8) if ctrl[i] != theirs[i])
            self.diverge(f"{name} slot {i} ctrl", _ctrl(ctrl[i]), _ctrl(theirs[i]),
                         f"ctrl gcemu {ctrl.hex()}, go {enc[0]}")
            return
        if self.memory:
            ours = self.slots(m, g.keys, g.elems)
            if ours != enc[1]:
                self.diverge_slots(name, ours, enc[1])
                return
        self._groups[id(g)] = (g, ctrl, ks, es, enc)


def _nan_ctrls(group: list, tag: Any) -> list[int]:
    """The control bytes of the full slots of a group (as Go wrote it) whose key holds
    a NaN and whose elem is ``tag``."""
    ctrl = bytes.fromhex(group[0])
    return [ctrl[i] for i, s in enumerate(group[1])
            if s is not None and not ctrl[i] & 0x80 and has_nan_json(s[0]) and s[1] == tag]


def compare(name: str, records: Sequence[dict], go: dict, model: str = "go-swiss",
            memory: bool = True, stop: bool = True) -> Result:
    """Replay ``records`` under ``model`` with Go's output ``go`` (`gen.parse_output`'s
    entry for the trace, from the toolchain of ``series_of(model)``) and compare after
    every operation.

    ``memory=False`` compares control bytes and counters but not slot contents;
    ``stop=False`` goes on after a difference and collects them all in
    ``Result.divergences``.
    """
    series_of(model)
    return _Comparer(name, records, go, model, memory, stop).run()


__all__ = ["FIELDS", "MODEL_OF", "SERIES", "GoState", "compare", "run_traces", "series_of"]
