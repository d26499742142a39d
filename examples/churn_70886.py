"""Go 1.24+: insert/delete churn grows some Swiss maps without bound (golang/go#70886).

The article's §2.4 asks what high-frequency delete does to a map. With Swiss tables a
delete from a full group leaves a tombstone, which keeps using the table's growth
budget. Only the assignment paths of int32/int64/string keys (fast32, fast64,
faststr) prune tombstones before growing; the generic path (struct keys, floats,
interfaces, arrays) and, up to Go 1.26, the pointer-key path (fast64ptr) never do, so
under steady churn their tables keep doubling and splitting (go-swiss-map.md §3.5,
§11.6: with 5,000 live keys, ``struct{a, b int}`` and ``*int`` keys reached 32,768
slots after 1M operations while int keys stayed near 8,192-10,240).

Here: ``W`` live keys (default 5,000); each operation inserts a new key and deletes
the oldest; capacity in slots is sampled every ``OPS / 4`` operations. The number of
operations comes from ``$GCEMU_CHURN_OPS`` (default 1,000,000; about a minute).

Expected (go-swiss): the int map stays at 8,192-10,240 slots; the struct-key and
pointer-key maps grow to 2-4 times that. go-swiss-1.27: the pointer-key map prunes
too and stays with the int map. (The capacity reached is a random walk: the exact
figures depend on the hash seed; tests/test_churn_go.py runs the same operations on
real Go.) Under the classic models this scenario is not defined.

    GCEMU_CHURN_OPS=200000 gcemu run examples/churn_70886.py --model go-swiss
"""

import os

MODEL = "go-swiss"  # the default model: this scenario reads the Swiss layout

W = 5000


def churn(m, key, ops):
    caps = []
    for i in range(W):
        m[key(i)] = i
    for i in range(W, W + ops):
        m[key(i)] = i
        del m[key(i - W)]
        if (i - W + 1) % (ops // 4) == 0:
            caps.append(m.capacity)
    return caps


def scenario(heap):
    ops = int(os.environ.get("GCEMU_CHURN_OPS", 1_000_000))
    heap.declare("type P struct { a, b int }")
    heap.declare("type T struct { id int }")
    objs = [heap.new("T", value={"id": i}) for i in range(W + ops)]
    out = {"ops": ops, "live": W}
    out["int"] = churn(heap.make_map("map[int]int", name="ints"), int, ops)
    out["struct{a, b int}"] = churn(heap.make_map("map[P]int", name="pairs"),
                                    lambda i: {"a": i, "b": -i}, ops)
    ptrs = heap.make_map("map[*T]int", name="ptrs")
    out["*T"] = churn(ptrs, objs.__getitem__, ops)
    out["paths"] = {"int": "fast64", "struct{a, b int}": "generic", "*T": ptrs.variant}
    return out
