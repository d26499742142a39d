// The article's chapter-1 table as a Go program (go-memstats.md §4.2, the spec's
// programs/memstats/ch1 without its helper packages): map[string]*T with a 64-byte T,
// 1000 keys "key0000".."key0999" (7 bytes each, one tiny allocation), then delete all
// 1000, runtime.GC(), debug.FreeOSMemory(), m = nil and runtime.GC(), FreeOSMemory.
// MemStats are read into preallocated arrays and printed at the end, so printing
// allocates nothing between two readings.
//
// The article: after the deletes "Mallocs unchanged, HeapInuse no obvious drop, len
// decremented". Real go1.23.9: the deletes move no counter at all; the next GC frees the
// values and keys (HeapAlloc -135 KB with the growth garbage) but the B=8 bucket array
// stays until m is dropped (-57,416 B).
//
//	gcemu run examples/ch1_memstats.go --model go
package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

type T struct {
	id   int
	next *T
	buf  [48]byte
}

var m map[string]*T

const steps = 7

var (
	heapAlloc, heapInuse, heapIdle, heapReleased, heapSys [steps]uint64
	heapObjects, mallocs, frees                           [steps]uint64
	numGC                                                 [steps]uint32
	lens                                                  [steps]int
)

func key(i int) string {
	b := [7]byte{'k', 'e', 'y', byte('0' + i/1000%10), byte('0' + i/100%10), byte('0' + i/10%10), byte('0' + i%10)}
	return string(b[:])
}

func snap(i int) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	heapAlloc[i], heapInuse[i], heapIdle[i] = ms.HeapAlloc, ms.HeapInuse, ms.HeapIdle
	heapReleased[i], heapSys[i], heapObjects[i] = ms.HeapReleased, ms.HeapSys, ms.HeapObjects
	mallocs[i], frees[i], numGC[i] = ms.Mallocs, ms.Frees, ms.NumGC
	lens[i] = len(m)
}

func main() {
	runtime.GC()
	runtime.GC()
	snap(0)
	m = make(map[string]*T)
	for i := 0; i < 1000; i++ {
		m[key(i)] = &T{id: i}
	}
	snap(1)
	for i := 0; i < 1000; i++ {
		delete(m, key(i))
	}
	snap(2)
	runtime.GC()
	snap(3)
	debug.FreeOSMemory()
	snap(4)
	m = nil
	runtime.GC()
	snap(5)
	debug.FreeOSMemory()
	snap(6)
	names := [steps]string{"start", "inserts", "deletes", "GC", "FreeOSMemory", "m=nil+GC", "FreeOSMemory"}
	fmt.Println("step HeapAlloc HeapInuse HeapIdle HeapReleased HeapSys HeapObjects Mallocs Frees NumGC len")
	for i := 0; i < steps; i++ {
		fmt.Println(names[i], heapAlloc[i], heapInuse[i], heapIdle[i], heapReleased[i], heapSys[i],
			heapObjects[i], mallocs[i], frees[i], numGC[i], lens[i])
	}
}
