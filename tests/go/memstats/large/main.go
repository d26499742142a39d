// large: objects above 32 KiB (go-memstats.md §1.6) get spans of their own, so
// HeapInuse moves by whole pages and a swept one returns its pages (HeapIdle rises).
// Twelve objects: 4 x [40000]byte (5 pages), 4 x [100000]byte (13), 2 x [1<<20]byte
// (128) and 2 x [5000]*T (pointerful, 40,000 B, 5 pages, no malloc header), held in
// globals; every other one dropped + GC, FreeOSMemory, the rest dropped + GC,
// FreeOSMemory.
package main

import (
	"runtime"
	"runtime/debug"

	"memstats/snap"
)

type T struct {
	id   int
	next *T
	buf  [48]byte
}

var (
	small [4]*[40000]byte
	mid   [4]*[100000]byte
	big   [2]*[1 << 20]byte
	ptrs  [2]*[5000]*T
)

func main() {
	snap.Init()
	runtime.GC()
	runtime.GC()
	snap.Take("start (after 2x GC)")
	for i := 0; i < 4; i++ {
		small[i] = new([40000]byte)
		mid[i] = new([100000]byte)
		if i < 2 {
			big[i] = new([1 << 20]byte)
			ptrs[i] = new([5000]*T)
		}
	}
	snap.Take("12 large allocs")
	runtime.GC()
	snap.Take("GC (all live)")
	for i := 1; i < 4; i += 2 {
		small[i], mid[i] = nil, nil
	}
	big[1], ptrs[1] = nil, nil
	runtime.GC()
	snap.Take("every other dropped + GC")
	debug.FreeOSMemory()
	snap.Take("FreeOSMemory")
	small, mid, big, ptrs = [4]*[40000]byte{}, [4]*[100000]byte{}, [2]*[1 << 20]byte{}, [2]*[5000]*T{}
	runtime.GC()
	snap.Take("rest dropped + GC")
	debug.FreeOSMemory()
	snap.Take("FreeOSMemory")
	snap.Header("large")
	snap.Print()
}
