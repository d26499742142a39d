"""Which local variables a GC at a call sees as roots (the compiler's stack maps).

Invariant: at each call that may run a GC (runtime.GC, the program's own functions),
the frame notes the slots live after the call, as Go's liveness analysis does: a
variable is live if the function reads it later in the source, or the call is inside a
loop that reads it and the variable was declared outside that loop. Variables that
closures capture (cells) and parameters of the frame count as live while the frame
runs (a conservative choice: Go may find them dead earlier).

Steps (`live_slots`): collect the reads of each variable (assignment targets of ``=``
are not reads) and the loops of the function body; for each call site of the function,
keep the variables with a read after it or in an enclosing loop.
"""

from __future__ import annotations

from typing import Any

from gcemu.gofront.scope import Frame, pos_key, walk


def live_slots(c: Any, node: dict, frame: Frame) -> None:
    """Fill in the live-slot tuple of every call site compiled in ``frame``."""
    reads: dict[int, list[tuple[int, int]]] = {}
    defs: dict[int, tuple[int, int]] = {}
    loops: list[tuple[tuple[int, int], tuple[int, int]]] = []
    writes: set[int] = set()
    for n in walk(node["Body"]):
        k = n["k"]
        if k == "AssignStmt" and n["Tok"] == "=":
            writes.update(id(x) for x in n["Lhs"] if x["k"] == "Ident")
        elif k in ("ForStmt", "RangeStmt"):
            loops.append((pos_key(n["pos"]), pos_key(n["Body"]["end"])))
        elif k == "Ident":
            if "def" in n:
                defs[n["def"]] = pos_key(n["pos"])
            elif "use" in n and id(n) not in writes:
                reads.setdefault(n["use"], []).append(pos_key(n["pos"]))
    always = {s for oid, s in frame.slots.items() if oid in c.captured or oid not in defs}
    for marker, pos, fr in c.call_sites:
        if fr is not frame:
            continue
        p = pos_key(pos)
        around = [(a, b) for a, b in loops if a <= p <= b]
        live = []
        for oid, slot in frame.slots.items():
            if slot in always:
                live.append(slot)
                continue
            rs = reads.get(oid, ())
            d = defs.get(oid, (0, 0))
            if d > p:
                continue
            if any(r > p for r in rs) or any(
                    d < a and any(a <= r <= b for r in rs) for a, b in around):
                live.append(slot)
        marker[0] = tuple(sorted(live))


__all__ = ["live_slots"]
