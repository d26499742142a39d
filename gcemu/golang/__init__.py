"""gcemu against real Go: run a trace on a Go 1.23 toolchain and compare.

- `gcemu.golang.toolchain`: find a Go 1.23 toolchain, build, run;
- `gcemu.golang.gen`: one Go program for a set of traces (unsafe mirrors of hmap,
  bmap, hiter and abi.MapType; finalizers on every object and map), and its runner;
- `gcemu.golang.compare`: replay a trace in gcemu with Go's hash values and random
  draws, and compare the map layout after every operation and the collected set at
  every GC point;
- `gcemu.golang.memory`: ``make(map, hint)`` bytes per B against ``runtime.MemStats``;
- `gcemu.golang.verify`: the ``gcemu verify`` command;
- `gcemu.golang.curated`, `gcemu.golang.randomtrace`: the conformance suite's traces;
- `gcemu.golang.compiled`: a trace as straight-line Go, to time real Go on it.

See docs/conformance.md.
"""
