"""The scene: what one picture (or one player layout) draws, chosen from snapshots.

Big maps
--------
At most ``max_buckets`` buckets or groups are drawn, always including those on a path
from a root to a ``focus`` object (and those pointing at one), then those holding
stale data or tombstones or changed between snapshots, then non-empty ones, then the
rest; rows of unreachable arrays come last. The others collapse into one summary note
per run ("buckets 7–207: 201 buckets · …", "table 0 groups 3–127: …"). Arrays with
nothing drawn collapse into one note per map and kind: separately allocated overflow
buckets, unreachable arrays left by growth, and the Swiss tables not drawn (a table
is drawn when its groups array is; the directory's rows for the others fold into
one). At most ``max_objects`` objects are drawn (map headers, their directories and
drawn tables, and focus paths always); the rest are counted in one note.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from gcemu.core.heap import HeapObject
from gcemu.errors import GcemuError
from gcemu.render.nodes import (
    HEADER_KINDS,
    RECORD_KINDS,
    STRUCT_KINDS,
    SNode,
    node_lines,
    obj_nid,
)
from gcemu.render.snapshot import Snapshot

DEFAULT_MAX_BUCKETS = 8
DEFAULT_MAX_OBJECTS = 40
FOLDED = "dx"  # the port of a directory's row for the tables not drawn


@dataclass
class Summary:
    nid: str
    arr: str
    buckets: list[str]
    text: list[str]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


class Scene:
    """The nodes and edges one picture (or one player layout) draws, chosen from one
    or more snapshots (their union: a node seen in any of them is placed)."""

    def __init__(self, snaps: list[Snapshot], focus: Iterable[Any] = (),
                 max_buckets: int = DEFAULT_MAX_BUCKETS,
                 max_objects: int = DEFAULT_MAX_OBJECTS):
        if max_buckets < 0 or max_objects < 0:
            raise GcemuError("max_buckets and max_objects must be >= 0")
        self.snaps = snaps
        last = snaps[-1]
        self.model = last.model
        self.style = last.style
        nodes: dict[str, SNode] = {}
        buckets: dict = {}
        order: list[str] = []
        roots: list[str] = []
        for s in snaps:
            for nid in s.order:
                if nid not in nodes:
                    order.append(nid)
            for r in s.roots:
                if r not in roots:
                    roots.append(r)
            nodes.update(s.nodes)
            buckets.update(s.buckets)
        self.nodes, self.buckets, self.order, self.roots = nodes, buckets, order, roots
        self.focus = self._resolve_focus(focus)
        self.reached: set[str] = set()
        for snap in snaps:
            self.reached.update(snap.reach()[0])
        chosen = self._choose_rows(max_buckets)
        self._summarise_arrays()
        self._choose_objects(chosen, max_objects)
        self.drawn_set = set(self.drawn_objects) | set(self.roots)
        self._sum_ids = {x.nid for sums in self.summaries.values() for x in sums}
        self._sum_ids |= {x.nid for x in self.overflow_summaries}
        self._summary_arr = {x.nid: x.arr for sums in self.summaries.values() for x in sums}

    # which objects the user asked to see
    def _resolve_focus(self, focus: Iterable[Any]) -> list[str]:
        if focus is None:
            return []
        if isinstance(focus, (str, HeapObject)) or not hasattr(focus, "__iter__"):
            focus = [focus]
        out = []
        for f in focus:
            if isinstance(f, HeapObject):
                nid = obj_nid(f.owner)
            elif not isinstance(f, str):
                raise GcemuError(f"focus: {f!r} is not an object handle, label or name")
            else:
                nid = next((n.nid for n in self.nodes.values() if n.kind != "root" and
                            (n.label == f or n.name == f)), None)
                if nid is None:
                    raise GcemuError(f"focus: no object labelled or named {f!r}")
            if nid in self.nodes:
                out.append(nid)
        return out

    def _focus_paths(self) -> Iterable[str]:
        """Every node on the path from a root to a focus object, in each snapshot."""
        for snap in self.snaps if self.focus else ():
            _, parent = snap.reach()
            for f in self.focus:
                x = f
                yield x
                while x in parent:
                    x = parent[x]
                    yield x

    # -- buckets and groups ---------------------------------------------------------
    def _choose_rows(self, max_buckets: int) -> list[str]:
        """The buckets or groups to draw (`drawn_buckets`), in the order chosen."""
        buckets, reached = self.buckets, self.reached
        self.arrays = [self.nodes[n] for n in self.order if self.nodes[n].kind == "array"]
        prev: dict[str, str] = {}
        for b in buckets.values():
            if b.overflow is not None and b.overflow_style == "overflow":
                prev[b.overflow] = b.nid
        # 0: on a path to a focus object, or pointing at one
        must = [x for x in self._focus_paths() if x in buckets]
        fset = set(self.focus)
        for b in buckets.values():  # reachable rows holding a pointer to a focus
            if b.arr in reached and any(t in fset for _, t, _ in b.edges):
                must.append(b.nid)
        chained = []
        for bid in must:
            x = bid
            while x in prev and x not in chained:
                x = prev[x]
                chained.append(x)
        must = list(dict.fromkeys(must + chained))
        # then: stale data, changes between snapshots, any data, the rest
        changed = set()
        if len(self.snaps) > 1:
            first: dict[str, tuple] = {}
            for s in self.snaps:
                for bid, b in s.buckets.items():
                    sig = (b.ctrl, b.raw_keys, b.raw_elems)
                    if first.setdefault(bid, sig) != sig:
                        changed.add(bid)

        def rank(bid: str) -> int:
            b = buckets[bid]
            if bid in changed or b.has_stale() or any(st != "live" for _, _, st in b.edges):
                r = 1
            else:
                r = 3 if b.is_empty() else 2
            return r if b.arr in reached else 4 + r  # garbage after everything reachable

        ordered = [bid for a in self.arrays for bid in a.buckets]
        pos = {bid: i for i, bid in enumerate(ordered)}
        skip = set(must)
        rest = sorted((bid for bid in ordered if bid not in skip),
                      key=lambda bid: (rank(bid), pos[bid]))
        chosen = list(must) + rest[:max(0, max_buckets - len(must))]
        self.drawn_buckets = set(chosen)
        self.bucket_total = len(ordered)
        return chosen

    def _summarise_arrays(self) -> None:
        """Clusters to draw (`drawn_arrays`), with a summary note per run of rows not
        drawn; arrays with nothing drawn folded into notes (`overflow_summaries`)."""
        buckets, drawn = self.buckets, self.drawn_buckets
        self.summaries: dict[str, list[Summary]] = {}
        self.rep: dict[str, str] = {}
        loose: dict[tuple[str, str], list[SNode]] = {}
        self.drawn_arrays: list[SNode] = []
        for a in self.arrays:
            if not any(bid in drawn for bid in a.buckets):
                fold = None
                if a.role == "overflow":
                    fold = "overflow"
                elif a.which in ("unlinked", "old") and a.nid not in self.reached:
                    fold = "unlinked"
                elif a.which == "table":
                    fold = "tables"
                if fold is not None:
                    loose.setdefault((fold, a.map), []).append(a)
                    continue
            self.drawn_arrays.append(a)
            if a.role == "overflow":
                continue
            runs: list[list[str]] = []
            cur: list[str] = []
            for bid in a.buckets:
                split = buckets[bid].index == a.nbase
                if bid in drawn or split:
                    if cur:
                        runs.append(cur)
                    cur = []
                if bid not in drawn:
                    cur.append(bid)
            if cur:
                runs.append(cur)
            if len(runs) > 6:
                runs = [[bid for r in runs for bid in r]]
            sums = []
            for k, r in enumerate(runs):
                s = Summary(f"{a.nid}s{k}", a.nid, r, [self._run_head(a, r),
                                                       *self._slot_counts(r)])
                sums.append(s)
                for bid in r:
                    self.rep[bid] = s.nid
            self.summaries[a.nid] = sums
        self.overflow_summaries: list[Summary] = []
        self.array_rep: dict[str, str] = {}
        for k, ((fold, mname), arrs) in enumerate(loose.items()):
            bids = [bid for a in arrs for bid in a.buckets]
            s = Summary(f"loose{k}", "", bids,
                        [*self._fold_head(fold, mname, arrs, bids), *self._slot_counts(bids)])
            self.overflow_summaries.append(s)
            for a in arrs:
                self.array_rep[a.nid] = s.nid
            for bid in bids:
                self.rep[bid] = s.nid
        for bid in drawn:
            self.rep[bid] = bid

    def _run_head(self, a: SNode, bids: list[str]) -> str:
        idx = [self.buckets[b].index for b in bids]
        lo, hi, n = min(idx), max(idx), len(bids)
        span = f"{lo}" if lo == hi else f"{lo}–{hi}"
        some = "" if hi - lo + 1 == n else " (some)"
        return f"{a.prefix} {span}{some}: {_plural(n, self.style.unit)}"

    def _fold_head(self, fold: str, mname: str, arrs: list[SNode],
                   bids: list[str]) -> list[str]:
        n, size = len(arrs), sum(a.size for a in arrs)
        units = _plural(len(bids), self.style.unit)
        if fold == "overflow":
            return [f"{_plural(n, 'overflow bucket')} of {mname} · {size} B"]
        if fold == "tables":
            return [f"{_plural(n, 'table')} of {mname} not drawn", f"{units} · {size} B"]
        return [f"{_plural(n, 'unreachable ' + arrs[0].type)} of {mname}",
                f"(left by growth) · {units} · {size} B"]

    def _slot_counts(self, bids: list[str]) -> list[str]:
        """The lines of a summary under its head: slots by state, pointers."""
        counts = dict.fromkeys(self.style.colors, 0)
        ptrs = 0
        for bid in bids:
            b = self.buckets[bid]
            for i in range(len(b.ctrl)):
                counts[b.state(i)] += 1
            ptrs += len(b.edges)
        used = [(k, v) for k, v in counts.items() if v]
        if len(used) == 1:
            out = [f"all {used[0][0]}"]
        else:
            out = [", ".join(f"{v} {k}" for k, v in used) + " slots"]
        if ptrs:
            out.append(f"{ptrs} pointers")
        return out

    # -- objects ------------------------------------------------------------------
    def _choose_objects(self, chosen: list[str], budget: int) -> None:
        """The objects and map structures to draw (`drawn_objects`) and how many are
        not (`hidden`)."""
        nodes = self.nodes
        arrays = {a.nid for a in self.drawn_arrays}

        def free(n: SNode) -> bool:
            """Drawn whatever the budget: map headers, directories reachable in some
            snapshot, and the tables whose groups are drawn."""
            if n.kind == "table":
                return any(t in arrays for _, t, _, _ in n.edges)
            if n.kind == "directory":
                return n.nid in self.reached
            return n.kind in HEADER_KINDS

        plain = [n for n in self.order if nodes[n].kind != "array"]
        picked: dict[str, None] = dict.fromkeys(n for n in plain if free(nodes[n]))
        fset = set(self.focus)
        wanted = [x for x in self._focus_paths()
                  if x in nodes and nodes[x].kind not in ("root", "array")]
        for r in self.roots:
            wanted.extend(t for _, t, _, _ in nodes[r].edges)
        for bid in chosen:
            wanted.extend(t for _, t, _ in self.buckets[bid].edges)
        queue = deque(wanted + list(picked))
        count = 0
        while queue:
            nid = queue.popleft()
            n = nodes.get(nid)
            if n is None or n.kind in ("array", "root"):
                continue
            if nid not in picked:
                if n.kind in STRUCT_KINDS or (count >= budget and nid not in fset):
                    continue
                picked[nid] = None
                count += 1
            for _, t, _, _ in n.edges:
                if t not in picked and t in nodes:
                    queue.append(t)
        for nid in plain:  # then objects nothing drawn points to (garbage, elided)
            if count >= budget:
                break
            if nid not in picked and nodes[nid].kind not in STRUCT_KINDS:
                picked[nid] = None
                count += 1
        self.drawn_objects = [n for n in plain if n in picked]
        hidden = [n for n in plain if n not in picked]
        self.hidden = (len(hidden), sum(nodes[n].size for n in hidden))

    # -- what a node shows ----------------------------------------------------------
    def record_rows(self, n: SNode) -> list[tuple[str, str]]:
        """The fields a record shows: a directory's rows of tables not drawn fold into
        one."""
        if n.kind != "directory":
            return list(n.rows)
        out = [n.rows[0]]
        folded = set()
        for row, (_, t, _, _) in zip(n.rows[1:], n.edges, strict=True):
            if t in self.drawn_set:
                out.append(row)
            else:
                folded.add(t)
        if folded:
            out.append((FOLDED, f"{_plural(len(folded), 'more table')} not drawn"))
        return out

    def node_texts(self, n: SNode) -> list[str]:
        """The lines of text a node's label shows (what the player updates)."""
        if n.kind in RECORD_KINDS:
            return [t for _, t in self.record_rows(n)]
        return node_lines(n)

    # -- edges -----------------------------------------------------------------------
    def target(self, t: str) -> tuple[str, str | None] | None:
        """(node to draw the edge to, cluster for lhead) or None when not drawn."""
        if t in self.buckets:
            r = self.rep.get(t)
            return None if r is None else (r, None)
        n = self.nodes.get(t)
        if n is None:
            return None
        if n.kind == "array":
            if t in self.array_rep:
                return (self.array_rep[t], None)
            first = self.first_in(n)
            return None if first is None else (first, f"cluster_{t}")
        if t in self.drawn_set:
            return (t, None)
        if n.kind == "table":  # a table not drawn: the note its groups fold into
            rep = next((self.array_rep[a] for _, a, _, _ in n.edges if a in self.array_rep),
                       None)
            return None if rep is None else (rep, None)
        return None

    def cluster_of(self, nid: str) -> str | None:
        """The slot array a drawn bucket, group or summary note is drawn in."""
        b = self.buckets.get(nid)
        if b is not None:
            return b.arr
        return self._summary_arr.get(nid)

    def first_in(self, a: SNode) -> str | None:
        for bid in a.buckets:
            r = self.rep.get(bid)
            if r is not None:
                return r
        return None

    def edges_of(self, snap: Snapshot) -> dict[tuple, tuple[str, str, str]]:
        """The drawn edges of one snapshot: key -> (style, label, lhead)."""
        out: dict[tuple, tuple[str, str, str]] = {}
        counts: dict[tuple, int] = {}

        def add(src: str, port: str | None, t: str, style: str, label: str) -> None:
            tgt = self.target(t)
            if tgt is None:
                return
            dst, lhead = tgt
            key = (src, port, dst) if port is not None or src not in self._sum_ids \
                else (src, None, dst, style)
            if key[0] == dst and port is None:
                return
            counts[key] = counts.get(key, 0) + 1
            if key not in out or style != "live":
                out[key] = (style, label, lhead or "")

        for nid, n in snap.nodes.items():
            if nid not in self.drawn_set:
                continue
            for port, t, style, label in n.edges:
                if n.kind == "directory" and t not in self.drawn_set:
                    port = FOLDED
                add(nid, port, t, style, label)
        for bid, b in snap.buckets.items():
            src = self.rep.get(bid)
            if src is None:
                continue
            drawn = src == bid
            for port, t, style in b.edges:
                if drawn:
                    add(src, port, t, style, "")
                elif t in self.drawn_set:  # from the note: the object's way in
                    add(src, None, t, style, "")
            if b.overflow is not None:
                add(src, "ov" if drawn else None, b.overflow, b.overflow_style, "")
        for key, n in counts.items():
            if n > 1 and key[0] in self._sum_ids:
                style, _, lhead = out[key]
                out[key] = (style, f"×{n}", lhead)
        return out


__all__ = ["DEFAULT_MAX_BUCKETS", "DEFAULT_MAX_OBJECTS", "Scene", "Summary"]
