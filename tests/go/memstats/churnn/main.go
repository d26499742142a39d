// churnn: the spec's churn (programs/memstats/churn, go-memstats.md §4.4) with the
// operation count and the snapshot period as flags, so CI can run a shorter loop:
// 10,000 live keys in map[int64]*T (T = 64 bytes, pointerful); each operation inserts
// key 10000+i with a new *T and deletes key i. runtime.GC() before every periodic
// snapshot (the spec's -gcsample: live-heap figures), and once more at the end.
package main

import (
	"flag"
	"runtime"

	"memstats/snap"
)

type T struct {
	id   int
	next *T
	buf  [48]byte
}

const live = 10_000

var m map[int64]*T

func main() {
	ops := flag.Int("ops", 1_000_000, "insert/delete operations")
	every := flag.Int("every", 50_000, "operations between snapshots")
	flag.Parse()
	snap.Init()
	runtime.GC()
	runtime.GC()
	snap.Take("start (after 2x GC)")
	m = make(map[int64]*T)
	for i := 0; i < live; i++ {
		m[int64(i)] = &T{id: i}
	}
	snap.Take("ops=0")
	for i := 0; i < *ops; i++ {
		k := int64(live + i)
		m[k] = &T{id: int(k)}
		delete(m, int64(i))
		if (i+1)%*every == 0 {
			runtime.GC()
			snap.Take("ops (after GC)")
		}
	}
	runtime.GC()
	snap.Take("end + runtime.GC()")
	snap.Header("churnn")
	snap.Print()
}
