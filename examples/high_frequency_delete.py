"""§2.4: high-frequency delete.

The article: frequent deletes (ten thousand a second) fragment the heap: `sys` memory
grows while `inuse` falls, pprof shows the gap, and the scavenger is slow to return
pages.

Real Go 1.23: that part is about the allocator (spans, pages, the scavenger), which
neither gcemu nor the map code models; the figures quoted are not from a program
anyone can rerun. What the map itself does under churn is exact (go-classic-map.md
§5.4, §8.5, §13e e3): with the number of entries fixed (insert a new key, delete the
oldest), B never changes; overflow buckets pile up as new keys land in full chains
until noverflow is "too many" for B, and then an insert starts a *same-size* growth
that moves the live entries into a fresh array of the same size; the old array and
its overflow buckets are freed by a later GC. So the map's memory stays bounded.

Here: 40 entries, then 4000 rounds of "insert key i, delete key i-40", with a GC
after every 500 rounds.

Expected:

- both models: B stays 3 throughout; at least one same-size growth happens; the
  bytes alive after each GC stay bounded (the last reading is no more than twice the
  first);
- scanmap: some deleted values stay retained (stale-slot) after each GC: the emptyOne
  slots that churn leaves in the middle of chains still hold them;
- go: no deleted value is ever retained: stale-retained bytes are 0.

Measured (returned): "rounds" (one dict per GC: B, noverflow, heap_alloc,
stale_bytes, same_size_grows so far), "B_values" (the set of B seen, as a list).

    gcemu compare examples/high_frequency_delete.py
"""

from gcemu.maps.classic import SAME_SIZE_GROW
from gcemu.ui.scenario import memstats

LIVE = 40
ROUNDS = 4000
GC_EVERY = 500


def scenario(heap):
    heap.declare("type T struct { id int; next *T; buf [48]byte }")
    m = heap.make_map("map[string]*T", name="m")
    for i in range(LIVE):
        m[f"k{i}"] = heap.new("T", value={"id": i})
    grows, growing_same = 0, False
    rounds, seen_B = [], set()
    for i in range(LIVE, LIVE + ROUNDS):
        m[f"k{i}"] = heap.new("T", value={"id": i})
        del m[f"k{i - LIVE}"]
        same = bool(m.flags & SAME_SIZE_GROW)
        grows += same and not growing_same
        growing_same = same
        seen_B.add(m.B)
        if (i - LIVE + 1) % GC_EVERY == 0:
            report = heap.collect()
            rounds.append({"B": m.B, "noverflow": m.noverflow,
                           "heap_alloc": memstats(heap)["heap_alloc"],
                           "stale_bytes": report.bytes["stale-retained referents"],
                           "same_size_grows": grows})
    return {"rounds": rounds, "B_values": sorted(seen_B)}
