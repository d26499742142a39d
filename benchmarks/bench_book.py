"""The "100 Go Mistakes" #28 scenario (maps and memory leaks), against a dict in the same process.

Workload (Teiva Harsanyi, *100 Go Mistakes and How to Avoid Them*, mistake #28): make a
map, insert 1,000,000 entries whose values are ``[128]byte``, delete them all, run the
GC. Two variants, as in the book:

* ``map[int][128]byte``: ``m[i] = v`` (the value is stored in the bucket or group);
* ``map[int]*[128]byte``: ``m[i] = h.new("[128]byte", value=v)`` (a pointer per entry).

The values come from a pool of 256 distinct 128-byte ``bytes`` built before timing
(``v = pool[i % 256]``), standing for the book's ``randBytes()``. The baseline does the
same on a dict: ``d[i] = v`` for the value variant; ``d[i] = Box(v)`` (a trivial Python
object with one slot) for the pointer variant; then ``del d[i]`` for every key.

The ratio (the issue's goal: at most 15x) is the inserts plus the deletes, emulated time
over dict time, best of ``--repeat`` runs, rounds interleaving the dict and the models.
Beside the map, timed in the same rounds: the map's key hash alone, once per insert and
delete (evacuate's rehash not counted), and for the pointer variant the ``h.new`` calls
alone on a heap with GOGC=off; their sum over the dict's time is the ratio a map whose
own code took no time could reach.
The GC cycle after the deletes (``h.collect()``, with its report) is timed once per
model and printed apart, as is the number of live bucket/group bytes it leaves (the
book's point: a map does not shrink).

    python benchmarks/bench_book.py [--quick] [--repeat N] [--models go,go-swiss]
                                    [--entries N] [--keep-gc] [--profile]
"""

from __future__ import annotations

import _bench
from _bench import clock, met, rate, ratio, secs, table
from bench_map import emu_hash

import gcemu

VALUE = "[128]byte"
VARIANTS = ("map[int][128]byte", "map[int]*[128]byte")
GOAL_RATIO = 15.0
POOL = 256
BASE_RUNS = 3


class Box:
    """The dict baseline's pointer: a trivial object holding the 128 bytes."""

    __slots__ = ("v",)

    def __init__(self, v: bytes):
        self.v = v


def value_pool() -> list[bytes]:
    """256 distinct 128-byte values (deterministic)."""
    return [bytes((i * 131 + j * 7) & 0xFF for j in range(128)) for i in range(POOL)]


# -- the workloads -------------------------------------------------------------------
def emu_insert(h, m, pool: list[bytes], n: int) -> None:
    for i in range(n):
        m[i] = pool[i & (POOL - 1)]


def emu_insert_ptr(h, m, pool: list[bytes], n: int) -> None:
    new = h.new
    for i in range(n):
        m[i] = new(VALUE, value=pool[i & (POOL - 1)])


def emu_new(h, pool: list[bytes], n: int) -> None:
    new = h.new
    for i in range(n):
        new(VALUE, value=pool[i & (POOL - 1)])


def emu_delete(m, n: int) -> None:
    for i in range(n):
        del m[i]


def dict_insert(d: dict, pool: list[bytes], n: int) -> None:
    for i in range(n):
        d[i] = pool[i & (POOL - 1)]


def dict_insert_ptr(d: dict, pool: list[bytes], n: int) -> None:
    for i in range(n):
        d[i] = Box(pool[i & (POOL - 1)])


def dict_delete(d: dict, n: int) -> None:
    for i in range(n):
        del d[i]


def new_map(model: str, map_type: str):
    h = gcemu.Heap(model=model, trace=False)
    m = h.make_map(map_type, name="m")
    h.set_global("m", m)  # runtime.KeepAlive(m): the map outlives the GC cycle
    return h, m


# -- measurements ----------------------------------------------------------------------
def dict_run(pointer: bool, pool: list[bytes], n: int, keep_gc: bool) -> float:
    d: dict = {}
    ti, _ = clock(dict_insert_ptr if pointer else dict_insert, d, pool, n, keep_gc=keep_gc)
    td, _ = clock(dict_delete, d, n, keep_gc=keep_gc)
    return ti + td


def emu_run(model: str, map_type: str, pool: list[bytes], n: int, keep_gc: bool):
    """(inserts+deletes time, heap, map) of one run on a fresh map."""
    h, m = new_map(model, map_type)
    insert = emu_insert_ptr if map_type.startswith("map[int]*") else emu_insert
    ti, _ = clock(insert, h, m, pool, n, keep_gc=keep_gc)
    td, _ = clock(emu_delete, m, n, keep_gc=keep_gc)
    return ti + td, h, m


def main(argv: list[str] | None = None) -> int:
    p = _bench.parser(__doc__.splitlines()[0], repeat=2)
    p.add_argument("--entries", type=int, default=None,
                   help="inserts (then as many deletes); default 1000000 (quick 100000)")
    args = p.parse_args(argv)
    n = args.entries or (100_000 if args.quick else 1_000_000)
    names = _bench.models(args)
    pool = value_pool()
    _bench.header(f"bench_book: {n:,} inserts of {VALUE} values then {n:,} deletes, "
                  f"then a GC cycle; baseline: dict", args)

    rows, goals, beside_rows = [], [], []
    keys = list(range(n)) * 2  # every key hashed once by its insert, once by its delete
    for map_type in VARIANTS:
        pointer = "*" in map_type
        base: list[float] = []
        emu: dict[str, list[float]] = {m: [] for m in names}
        beside: dict[str, list[tuple[float, float]]] = {m: [] for m in names}
        last: dict[str, tuple] = {}
        for _ in range(args.repeat):
            base += [dict_run(pointer, pool, n, args.keep_gc) for _ in range(BASE_RUNS)]
            for model in names:
                t, h, m = emu_run(model, map_type, pool, n, args.keep_gc)
                emu[model].append(t)
                last[model] = (h, m)
                t_hash = clock(emu_hash, m, keys, keep_gc=args.keep_gc)[0]
                t_new = 0.0
                if pointer:
                    t_new = clock(emu_new, gcemu.Heap(model=model, trace=False, gogc=None),
                                  pool, n, keep_gc=args.keep_gc)[0]
                beside[model].append((t_hash, t_new))
        b = min(base)
        rows.append((f"dict: {map_type}", f"{2 * n:,}", secs(b), rate(2 * n, b), "1.00x", "", ""))
        for model in names:
            t = min(emu[model])
            h, m = last.pop(model)
            tg, report = clock(h.collect, keep_gc=args.keep_gc)
            live = report.map_bytes(m)
            rows.append((f"{model}: {map_type}", f"{2 * n:,}", secs(t), rate(2 * n, t),
                         ratio(t, b), secs(tg), f"{sum(live.values()) / 1e6:.1f} MB"))
            t_hash, t_new = (min(r[i] for r in beside[model]) for i in range(2))
            beside_rows.append((f"{model}: {map_type}", secs(t_hash), ratio(t_hash, b),
                                secs(t_new) if pointer else "", ratio(t_new, b) if pointer
                                else "", ratio(t_hash + t_new, b), f"{GOAL_RATIO:.0f}x",
                                ratio(t, b)))
            goals.append((f"{model}: {map_type} inserts+deletes vs dict",
                          f"<= {GOAL_RATIO:.0f}x", f"{t / b:.1f}x", met(t / b <= GOAL_RATIO)))
            del h, m, report
    table("Inserts + deletes (best time; ratio = emulated time / dict time); the GC cycle "
          "after them, once; the map's bytes it leaves live",
          ("run", "ops", "time", "ops/s", "vs dict", "GC cycle", "map bytes after GC"), rows)
    table(f"Beside the map: {2 * n:,} key hashes alone and (pointer variant) {n:,} h.new "
          "alone (GOGC=off), against the dict's time; their sum is the ratio the map's own "
          "code could at best reach",
          ("run", "hashes", "vs dict", "h.new", "vs dict", "sum", "goal", "measured"),
          beside_rows)
    table("Goals", ("goal", "target", "measured", "status"), goals)

    if args.profile:
        for model in names:
            for map_type in VARIANTS:
                h, m = new_map(model, map_type)
                insert = emu_insert_ptr if "*" in map_type else emu_insert
                _bench.profile(f"{model}: {n:,} inserts into {map_type}",
                               lambda h=h, m=m, insert=insert: insert(h, m, pool, n))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
