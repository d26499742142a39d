"""gcemu against real Go: run a trace on a Go toolchain and compare.

- `gcemu.toolchain`: find a Go toolchain of a release series (1.23 for the
  classic map, 1.25 and 1.27 for the Swiss tables), build, run;
- `gcemu.golang.gen`: one Go program for a set of traces (a shared runner, a map
  flavour's unsafe mirrors and dumps, generated drivers; finalizers on every object
  and map), and its runner;
- `gcemu.golang.replay`: the replay with Go's hash values and random draws, the
  iteration and GC-point comparisons every flavour shares;
- `gcemu.golang.compare`: the classic map (hmap, buckets) after every operation;
- `gcemu.golang.swisscompare`: the Swiss-table map (directory, tables, groups) after
  every operation, under the ``go-swiss`` / ``go-swiss-1.27`` models;
- `gcemu.golang.memory`, `gcemu.golang.swissmemory`: the bytes maps allocate against
  ``runtime.MemStats``;
- `gcemu.golang.verify`: the ``gcemu verify`` command;
- `gcemu.golang.curated`, `gcemu.golang.swisscurated`, `gcemu.golang.randomtrace`: the
  conformance suites' traces;
- `gcemu.golang.compiled`: a trace as straight-line Go, to time real Go on it;
- `gcemu.golang.forced`: scenarios with goroutines under a forced schedule (Go 1.23's
  run queue with GOMAXPROCS=1: `gcemu.sched.runq`): their
  order checked on Go, their trace replayed state by state.

See docs/conformance.md.
"""
