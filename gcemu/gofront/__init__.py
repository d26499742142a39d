"""Go programs as scenarios: a Go file (package main) read by Go's own parser and type
checker (`gcemu.gofront.helper`), compiled to Python closures and run on the emulated
heap through the public facade (`gcemu.gofront.scenario`). See docs/gofront.md."""
