// "100 Go Mistakes" #28, maps and memory leaks (teivah/100-go-mistakes,
// site/28-maps-memory-leaks): the book's program. A map[int][128]byte gets 1,000,000
// elements, loses them all to delete, and a runtime.GC() later it still holds ~293 MB:
// a map never shrinks its bucket array.
//
// The book prints 0 MB, 461 MB, 293 MB; real go1.23.9 prints the same in 5 runs of 5
// (go-memstats.md §4.3). The 293 MB are exact (the B=18 bucket array, hmap, mapextra);
// the 461 depends on when GOGC's automatic cycles ran during the adds.
//
//	gcemu run examples/book_28.go --model go     (1M inserts: about a minute)
package main

import (
	"fmt"
	"runtime"
)

const n = 1_000_000

func main() {
	m := make(map[int][128]byte)
	printAlloc()

	for i := 0; i < n; i++ {
		m[i] = [128]byte{}
	}
	printAlloc()

	for i := 0; i < n; i++ {
		delete(m, i)
	}

	runtime.GC()
	printAlloc()
	runtime.KeepAlive(m)
}

func printAlloc() {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	fmt.Printf("%d MB\n", m.Alloc/(1024*1024))
}
