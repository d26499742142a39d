"""Memory conformance: the bytes ``make(map, hint)`` allocates, in gcemu and in Go.

For each map type and each B from 0 to 12, a Go program measures the
``runtime.MemStats`` deltas of ``make(map[K]V, hint)`` with the smallest hint that
gives that B (for B = 0: ``make`` and one insert, which allocates the lazy bucket),
with the GC off: ``HeapAlloc`` counts the size-class slots of every allocation
(hmap, mapextra, the bucket array with its preallocated overflow buckets), so it is
exactly the sum of gcemu's allocation sizes (go-classic-map.md §12, §13c); for
arrays too big for a size class (> 32 KiB) ``HeapInuse`` grows by exactly the
array's pages, which the array's gcemu size must equal too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import gcemu
from gcemu import toolchain
from gcemu.golang.gen import Namespace

DECL = "type T struct { id int; next *T; buf [48]byte }"
MAP_TYPES = ("map[string]*T", "map[int64]int64", "map[[200]byte]int",
             "map[string]string", "map[int16]struct{}")
MAX_B = 12
LARGE = 32760  # maxSmallSize - mallocHeaderSize: larger objects get whole pages
_FMT = '{"t":%d,"B":%d,"gotB":%d,"hint":%d,"alloc":%d,"inuse":%d}\n'



def hint_for(B: int) -> int:
    """The smallest hint that makes ``make`` choose ``B``."""
    if B == 0:
        return 0
    if B == 1:
        return 9
    return 13 * (1 << (B - 2)) + 1


def go_source(types: tuple[str, ...] = MAP_TYPES, max_b: int = MAX_B) -> str:
    ns = Namespace(0, (DECL,))
    lines = ['package main', '', 'import (', '\t"fmt"', '\t"runtime"',
             '\t"runtime/debug"', '\t"unsafe"', ')', '', *ns.declarations(), '',
             'type hmap struct {', '\tcount int', '\tflags, B uint8', '\tnoverflow uint16',
             '\thash0 uint32', '\tbuckets, oldbuckets unsafe.Pointer',
             '\tnevacuate uintptr', '\textra unsafe.Pointer', '}', '',
             'var sink []any', '',
             'func stats() (uint64, uint64) {', '\tvar s runtime.MemStats',
             '\truntime.ReadMemStats(&s)', '\treturn s.HeapAlloc, s.HeapInuse', '}', '']
    for i, t in enumerate(types):
        go = ns.render(ns.parse(t))
        k = ns.render(ns.parse(t).key)
        v = ns.render(ns.parse(t).elem)
        lines += [f'//go:noinline\nfunc mk{i}(hint int, insert bool) (any, uint8) {{',
                  f'\tm := make({go}, hint)',
                  f'\tif insert {{\n\t\tvar k {k}\n\t\tvar v {v}\n\t\tm[k] = v\n\t}}',
                  '\treturn m, (*(**hmap)(unsafe.Pointer(&m))).B', '}', '']
    lines += ['func main() {', '\tdebug.SetGCPercent(-1)', '\truntime.GC()',
              f'\tfor B := 0; B <= {max_b}; B++ {{']
    lines.append('\t\thint := 0\n\t\tif B == 1 {\n\t\t\thint = 9\n\t\t} else if B > 1 {\n'
                 '\t\t\thint = 13*(1<<(B-2)) + 1\n\t\t}')
    for i in range(len(types)):
        lines.append(f'''\t\t{{
\t\t\tbest, bestIn := ^uint64(0), ^uint64(0)
\t\t\tvar gotB uint8
\t\t\tfor rep := 0; rep < 3; rep++ {{
\t\t\t\ta0, i0 := stats()
\t\t\t\tm, b := mk{i}(hint, B == 0)
\t\t\t\ta1, i1 := stats()
\t\t\t\tsink = append(sink, m)
\t\t\t\tgotB = b
\t\t\t\tbest = min(best, a1-a0)
\t\t\t\tbestIn = min(bestIn, i1-i0)
\t\t\t}}
\t\t\tfmt.Printf({json.dumps(_FMT)}, {i}, B, gotB, hint, best, bestIn)
\t\t}}''')
    lines += ['\t}', '}', '']
    return "\n".join(lines)


@dataclass
class Row:
    type: str
    B: int
    hint: int
    go_alloc: int  # HeapAlloc delta of make (+ the first insert for B = 0)
    go_inuse: int  # HeapInuse delta
    gcemu: int  # bytes gcemu allocated for the same
    gcemu_array: int  # of which the bucket array
    nbuckets: int  # main + preallocated overflow buckets
    go_B: int

    @property
    def ok(self) -> bool:
        if self.go_alloc != self.gcemu or self.go_B != self.B:
            return False
        return self.gcemu_array <= LARGE or self.go_inuse == self.gcemu_array

    def __str__(self) -> str:
        return (f"{self.type} B={self.B} (hint {self.hint}): Go HeapAlloc +{self.go_alloc}, "
                f"gcemu {self.gcemu} (array {self.gcemu_array} B, {self.nbuckets} buckets); "
                f"HeapInuse +{self.go_inuse}")


def gcemu_bytes(t: str, B: int) -> tuple[int, int, int]:
    """(bytes of every allocation, bytes of the bucket array, nbuckets) in gcemu."""
    h = gcemu.Heap(model="go", trace=False)
    h.declare(DECL)
    before = h.bytes_in_use()
    m = h.make_map(t, hint=hint_for(B))
    if B == 0:
        lay = m.layout
        m[lay.key.to_python(lay.key.zero())] = lay.elem.to_python(lay.elem.zero())
    arr = m.buckets_obj
    return h.bytes_in_use() - before, arr.size, len(arr.buckets)


def measure(types: tuple[str, ...] = MAP_TYPES, max_b: int = MAX_B,
            tc: toolchain.Toolchain | None = None) -> list[Row]:
    """Build and run the Go program; a `Row` per (type, B)."""
    exe = toolchain.build(go_source(types, max_b), tc)
    out = toolchain.run(exe, "")
    rows = []
    for line in out.split("\n"):
        if not line:
            continue
        d = json.loads(line)
        t = types[d["t"]]
        total, array, nb = gcemu_bytes(t, d["B"])
        rows.append(Row(t, d["B"], d["hint"], d["alloc"], d["inuse"], total, array, nb,
                        d["gotB"]))
    return rows


__all__ = ["MAP_TYPES", "Row", "go_source", "hint_for", "measure"]
