""""100 Go Mistakes" #28, maps and memory leaks: 1,000,000 entries, delete them all, GC.

The book's program (teivah/100-go-mistakes, site/28-maps-memory-leaks) makes a map,
prints ``m.Alloc/(1024*1024)`` MB (its ``printAlloc``), adds 1e6 elements, prints,
deletes them all, calls ``runtime.GC()``, prints, and keeps the map alive. Its table:

    map[int][128]byte     0 MB -> 461 MB -> 293 MB
    map[int]*[128]byte    0 MB -> 182 MB ->  38 MB

Real go1.23.9 prints exactly these in 5 runs of 5 (go-memstats.md §4.3); go1.25.5 (Go 1.24+'s
Swiss tables) prints 0 / 294..377 / 287 and 0 / 170..176 / 36: the figure after adding depends
on when the automatic GC cycles ran, the one after delete + GC does not.

gcemu runs the same program on its heap, whose allocator (gcemu.mem) places every hmap,
bucket array, overflow bucket, Swiss table, group array, directory and *[128]byte value in
spans and pages as Go's does, and starts GC cycles by GOGC pacing as the map grows. The
map keeps its B=18 bucket array (or its 2040-odd tables) after the deletes; the GC frees
only what the map pointed to (the 128-byte values) and the garbage of earlier growths.

Expected (printAlloc, value then pointer variant; 1M inserts each, ~25-50 s):

- go: 0 -> 460 -> 293 MB and 0 -> 182 -> 38 MB. The 293 and 38 are exact (the B=18
  array, hmap, mapextra); 460 is Go's 461 less ~1 MiB of dead overflow buckets and
  overflow-list arrays that Go's seed and GC timing left (docs/claims.md).
- scanmap: the same (the same classic map and allocator).
- go-swiss: 0 -> 343 -> 287 MB and 0 -> 176 -> 36 MB, inside Go 1.25's 294..377 / 287
  and 170..176 / 36.

The pointer variant runs first on a heap of its own (freed before the value variant), so
the two never hold their ~1 GB of Python objects at once.

    gcemu run examples/book_28.py --model go
    gcemu compare examples/book_28.py --models go,go-swiss
"""

from gcemu import Heap
from gcemu.ui.scenario import memstats

N = 1_000_000
MODEL = "go"


def book(heap, elem):
    """The book's program on ``heap`` with ``map[int]<elem>``; its printAlloc lines."""
    pointer = elem.startswith("*")
    m = heap.make_map(f"map[int]{elem}", name="m")
    phases = {"after make": memstats(heap)}
    if pointer:
        for i in range(N):
            m[i] = heap.new("[128]byte")
    else:
        zero = bytes(128)
        for i in range(N):
            m[i] = zero
    phases["after adding 1M"] = memstats(heap)
    for i in range(N):
        del m[i]
    heap.collect()                                      # runtime.GC()
    phases["after delete + GC"] = memstats(heap)
    print(f"map[int]{elem}: " + " -> ".join(
        f"{s['HeapAlloc'] >> 20} MB" for s in phases.values()))
    return phases


def scenario(heap):
    pointer = book(Heap(model=heap.model.name, seed=heap.seed, trace=False), "*[128]byte")
    value = book(heap, "[128]byte")
    return {**{f"value: {k}": v for k, v in value.items()},
            **{f"pointer: {k}": v for k, v in pointer.items()}}
