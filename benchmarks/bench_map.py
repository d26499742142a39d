"""Emulated map operations per second, against a CPython dict in the same process.

Workload (issue 16): 200,000 inserts ``m[k] = h.new("T")`` then 100,000 deletes
``del m[k]`` on a ``map[int64]*T``, where ``type T struct { id int; next *T; buf [48]byte }``,
the keys 0..199,999 in a random order (one shuffle, seeded, the same for every run;
the deletes take the first 100,000 keys of that order). The baseline does the same on
a dict: ``d[k] = T()`` (a trivial Python class with ``__slots__``) then ``del d[k]``.

Memory: tracemalloc around building the map, twice per model: once with the values
allocated inside the traced region ("with values"), once with the ``h.new`` objects
allocated before tracing starts ("map structures only": hmap, bucket arrays, buckets
and their lists, key ints, the heap's registry entries for them). Each is divided by
the slot capacity = 8 * (main + overflow buckets, preallocated included) of the current
and the old bucket arrays. Both run with the heap's operation trace off; the trace
(gcemu.trace, on by default) grows per operation, not per slot, so it is measured apart
and printed in bytes per operation.

Goals (issue 16): the combined time at most 6x the dict's under the classic map (``go``,
``scanmap``), 9x under the Swiss models; at most 100 bytes of map structures per slot of
capacity, both map kinds.

Beside the map: three parts of the workload that the model asks for whatever the map
code does, timed in the same rounds: the inserts' ``h.new("T")`` alone on a heap with
GOGC=off (mallocgc's placement and the heap's registry, no automatic cycle); the map's
key hash alone, once per insert and delete (evacuate's rehash of every moved key not
counted); and the automatic GC cycles, as the workload's time at GOGC=100 (the default)
less its time at GOGC=off. Their sum, as a ratio to the dict, is what the combined ratio
would be if the map's own code took no time at all: no work on the map alone can bring
the combined ratio below it.

    python benchmarks/bench_map.py [--quick] [--repeat N] [--models scanmap,go,go-swiss]
                                   [--inserts N] [--deletes N] [--keep-gc] [--profile]
"""

from __future__ import annotations

import gc
import random
import tracemalloc

import _bench
from _bench import clock, met, rate, ratio, secs, table

import gcemu

DECL = "type T struct { id int; next *T; buf [48]byte }"
MAP_TYPE = "map[int64]*T"
GOAL_RATIO = {"classic": 6.0, "swiss": 9.0}  # by map kind (Model.map)
GOAL_BYTES_PER_SLOT = 100.0
BASE_RUNS = 3
KEY_SEED = 16  # the shuffle of the keys


def key_order(n: int) -> list[int]:
    """The keys 0..n-1 in the workload's random order."""
    keys = list(range(n))
    random.Random(KEY_SEED).shuffle(keys)
    return keys


class T:
    """The baseline's value: a trivial object."""

    __slots__ = ("buf", "id", "next")

    def __init__(self):
        self.id = 0
        self.next = None
        self.buf = None


# -- the workloads -------------------------------------------------------------------
def new_map(model: str, trace: bool = True, gogc: int | None = 100):
    h = gcemu.Heap(model=model, trace=trace, gogc=gogc)
    h.declare(DECL)
    return h, h.make_map(MAP_TYPE, name="m")


def emu_insert(h, m, keys: list[int]) -> None:
    new = h.new
    for k in keys:
        m[k] = new("T")


def emu_delete(m, keys: list[int]) -> None:
    for k in keys:
        del m[k]


def emu_new(h, keys: list[int]) -> None:
    new = h.new
    for _ in keys:
        new("T")


def emu_hash(m, keys: list[int]) -> None:
    hashf, seed = m._hash, 0x9E3779B9  # the map's hasher (runtime/alg.go's role)
    for k in keys:
        hashf(k, seed)


def emu_assign(m, keys: list[int], values: list) -> None:
    for k, v in zip(keys, values, strict=True):
        m[k] = v


def dict_insert(d: dict, keys: list[int]) -> None:
    for k in keys:
        d[k] = T()


def dict_delete(d: dict, keys: list[int]) -> None:
    for k in keys:
        del d[k]


def dict_assign(d: dict, keys: list[int], values: list) -> None:
    for k, v in zip(keys, values, strict=True):
        d[k] = v


# -- measurements ----------------------------------------------------------------------
def one_run(make, insert, delete, ins: list[int], dels: list[int], keep_gc: bool):
    """(insert time, delete time) of one run on a fresh map."""
    state = make()
    ti, _ = clock(insert, state, ins, keep_gc=keep_gc)
    td, _ = clock(delete, state, dels, keep_gc=keep_gc)
    return ti, td


def emu_run(model: str, gogc: int | None, ins: list[int], dels: list[int], keep_gc: bool):
    """`one_run` of the workload on a fresh map of ``model`` at ``gogc``."""
    return one_run(lambda: new_map(model, gogc=gogc),
                   lambda hm, n: emu_insert(hm[0], hm[1], n),
                   lambda hm, n: emu_delete(hm[1], n), ins, dels, keep_gc)


def best(runs: list[tuple[float, float]]) -> tuple[float, float, float]:
    """Best insert, best delete and best insert+delete time of some runs."""
    return (min(r[0] for r in runs), min(r[1] for r in runs), min(r[0] + r[1] for r in runs))


def slot_capacity(m) -> tuple[int, int]:
    """(buckets, slots): main + overflow buckets, preallocated included, of the current
    and the old bucket arrays (overflow buckets found through the main chains); for a
    Swiss map (go-swiss models), (groups, slots) of its live tables."""
    if m.heap.model.map == "swiss":
        return m.capacity // 8, m.capacity
    buckets = 0
    for arr in (m.buckets_obj, m.oldbuckets_obj):
        if arr is None:
            continue
        seen: set[int] = set()  # chain buckets past the main ones
        extra = 0  # those allocated on their own (newobject), not in arr
        for b in arr.buckets.take(0, arr.nbase):
            c = b.overflow
            while c is not None and id(c) not in seen:
                seen.add(id(c))
                extra += c.owner is not arr
                c = c.overflow
        buckets += len(arr.buckets) + extra
    return buckets, 8 * buckets


STAGES = ("after inserts", "after deletes", "after GC cycle")


def emu_memory(model: str, ins: list[int], dels: list[int]) -> dict:
    """Net traced bytes at each of STAGES (the GC cycle, ``h.collect()``, also frees
    the bucket arrays earlier growths left behind), for the map structures alone
    ("struct") and with the values ("values"), both with the heap's operation trace
    off (it grows per operation, not per slot); the same structures with the trace on
    ("traced"); and the (buckets, slots) capacity at each stage ("capacity")."""
    out: dict = {"capacity": []}
    for with_values, trace in ((False, False), (True, False), (False, True)):
        h, m = new_map(model, trace=trace)
        values = None if with_values else [h.new("T") for _ in ins]
        points: list[int] = []

        def measure(base: int, m=m, points=points, with_values=with_values, trace=trace):
            gc.collect()
            points.append(tracemalloc.get_traced_memory()[0] - base)
            if not with_values and not trace:
                out["capacity"].append(slot_capacity(m))

        gc.collect()
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            if values is None:
                emu_insert(h, m, ins)
            else:
                emu_assign(m, ins, values)
            measure(base)
            emu_delete(m, dels)
            measure(base)
            h.collect()  # the report it returns is dropped
            measure(base)
        finally:
            tracemalloc.stop()
        out["values" if with_values else "traced" if trace else "struct"] = points
        del h, m, values
        gc.collect()
    return out


def dict_memory(ins: list[int], dels: list[int]) -> list:
    """Bytes of the baseline dict, with and without values, after inserts/deletes."""
    out = []
    for with_values in (False, True):
        values = None if with_values else [T() for _ in ins]
        d: dict = {}
        points = []
        gc.collect()
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            if values is None:
                dict_insert(d, ins)
            else:
                dict_assign(d, ins, values)
            points.append(tracemalloc.get_traced_memory()[0] - base)
            dict_delete(d, dels)
            points.append(tracemalloc.get_traced_memory()[0] - base)
        finally:
            tracemalloc.stop()
        out.append(points)
        del d, values
    return out


def main(argv: list[str] | None = None) -> int:
    p = _bench.parser(__doc__.splitlines()[0])
    p.add_argument("--inserts", type=int, default=None, help="default 200000 (quick 20000)")
    p.add_argument("--deletes", type=int, default=None, help="default 100000 (quick 10000)")
    p.add_argument("--no-memory", action="store_true", help="skip the tracemalloc part")
    args = p.parse_args(argv)
    n_ins = args.inserts or (20_000 if args.quick else 200_000)
    n_del = args.deletes if args.deletes is not None else n_ins // 2
    if n_del > n_ins:
        p.error("--deletes must not exceed --inserts")
    names = _bench.models(args)
    ins = key_order(n_ins)
    dels = ins[:n_del]
    _bench.header(f"bench_map: {n_ins:,} inserts then {n_del:,} deletes in random key order "
                  f"on {MAP_TYPE} "
                  f"(values new T); baseline: dict with __slots__ objects", args)

    # -- speed: rounds interleave the dict and the models, so a change in machine load
    # hits both sides of a ratio; the dict runs BASE_RUNS times a round (it is cheap)
    runs: dict[str, list] = {"dict": [], **{m: [] for m in names}}
    beside: dict[str, list] = {m: [] for m in names}  # h.new, hashes, GOGC=off run
    for _ in range(args.repeat):
        for _ in range(BASE_RUNS):
            runs["dict"].append(one_run(dict, dict_insert, dict_delete, ins, dels,
                                        args.keep_gc))
        for model in names:
            runs[model].append(emu_run(model, 100, ins, dels, args.keep_gc))
            off = emu_run(model, None, ins, dels, args.keep_gc)
            beside[model].append((
                clock(emu_new, new_map(model, gogc=None)[0], ins, keep_gc=args.keep_gc)[0],
                clock(emu_hash, new_map(model)[1], ins + dels, keep_gc=args.keep_gc)[0],
                off[0] + off[1]))
    base = best(runs["dict"])
    results = {m: best(runs[m]) for m in names}
    rows = []
    for label, n in (("insert", n_ins), ("delete", n_del), ("combined", n_ins + n_del)):
        i = ("insert", "delete", "combined").index(label)
        rows.append((f"dict: {label}", f"{n:,}", secs(base[i]), rate(n, base[i]), "1.00x"))
        for model in names:
            t = results[model][i]
            rows.append((f"{model}: {label}", f"{n:,}", secs(t), rate(n, t),
                         ratio(t, base[i])))
    table("Map operations (best time; ratio = emulated time / dict time)",
          ("run", "ops", "time", "ops/s", "vs dict"), rows)
    rows = []
    for model in names:
        t_new, t_hash, t_off = (min(r[i] for r in beside[model]) for i in range(3))
        t_cycles = max(results[model][2] - t_off, 0.0)
        goal = GOAL_RATIO[gcemu.MODELS[model].map]
        rows.append((model, secs(t_new), ratio(t_new, base[2]), secs(t_hash),
                     ratio(t_hash, base[2]), secs(t_cycles), ratio(t_cycles, base[2]),
                     ratio(t_new + t_hash + t_cycles, base[2]), f"{goal:.0f}x",
                     ratio(results[model][2], base[2])))
    table(f"Beside the map: {n_ins:,} h.new('T') alone (GOGC=off), {n_ins + n_del:,} key "
          "hashes alone, the automatic GC cycles (combined time at GOGC=100 less at "
          "GOGC=off), each against the dict's combined time; their sum is the combined "
          "ratio the map's own code could at best reach",
          ("model", "h.new", "vs dict", "hashes", "vs dict", "cycles", "vs dict",
           "sum", "goal", "measured"), rows)

    # -- memory ------------------------------------------------------------------------
    per_slot: dict[tuple[str, int], float] = {}
    if not args.no_memory:
        rows = []
        for model in names:
            mem = emu_memory(model, ins, dels)
            for k, stage in enumerate(STAGES):
                _, slots = mem["capacity"][k]
                st, va = mem["struct"][k], mem["values"][k]
                per_slot[model, k] = st / slots
                rows.append((f"{model}: {stage}", f"{slots:,}", f"{st / 1e6:.2f} MB",
                             f"{st / slots:.1f}", f"{va / 1e6:.2f} MB", f"{va / slots:.1f}",
                             f"{(va - st) / n_ins:.1f}"))
            ops = n_ins + n_del
            tr = mem["traced"][1] - mem["struct"][1]
            rows.append((f"{model}: its operation trace ({ops:,} ops)", "", f"{tr / 1e6:.2f} MB",
                         f"{tr / ops:.1f} B/op", "", "", ""))
        d_struct, d_values = dict_memory(ins, dels)
        for k, stage in enumerate(STAGES[:2]):
            rows.append((f"dict: {stage}", "(per entry)", f"{d_struct[k] / 1e6:.2f} MB",
                         f"{d_struct[k] / n_ins:.1f}", f"{d_values[k] / 1e6:.2f} MB",
                         f"{d_values[k] / n_ins:.1f}",
                         f"{(d_values[k] - d_struct[k]) / n_ins:.1f}"))
        table("Python memory (tracemalloc, net bytes held; B/slot = per slot of capacity, "
              "the dict's per inserted entry; values/entry = (with values - structures) "
              "/ inserts)",
              ("map", "slots", "structures", "B/slot", "with values", "B/slot",
               "values/entry"), rows)

    # -- goals -------------------------------------------------------------------------
    rows = []
    for model in names:
        r = results[model][2] / base[2]
        goal = GOAL_RATIO[gcemu.MODELS[model].map]
        rows.append((f"{model}: combined time vs dict", f"<= {goal:.0f}x",
                     f"{r:.1f}x", met(r <= goal)))
        for k, when in ((1, "after deletes, dead arrays of earlier growths included"),
                        (2, "after a GC cycle, live arrays only")):
            if (model, k) in per_slot:
                b = per_slot[model, k]
                rows.append((f"{model}: map structures per slot ({when})",
                             f"<= {GOAL_BYTES_PER_SLOT:.0f} B", f"{b:.1f} B",
                             met(b <= GOAL_BYTES_PER_SLOT)))
    table("Goals", ("goal", "target", "measured", "status"), rows)

    if args.profile:
        for model in names:
            h, m = new_map(model)
            _bench.profile(f"{model}: {n_ins:,} inserts m[k] = h.new('T')",
                           lambda h=h, m=m: emu_insert(h, m, ins))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
