// The article's chapter-3 program: two goroutines write one map, joined by a
// WaitGroup. The article says concurrent m[k] = v "immediately triggers a panic".
// Real Go (go-concurrency.md §4.2): it is "fatal error: concurrent map writes", not a
// panic, and not immediate: with GOMAXPROCS=2 it killed 50-95 % of 1000-key runs,
// with GOMAXPROCS=1 none (the runtime never preempts a goroutine inside a map call).
// Here each goroutine writes n keys (the article writes 1000), so the explorer can try
// every schedule.
//
//	gcemu explore examples/ch3_writers.go --model go --max-preemptions 2
//	    -> {ok, fatal error: concurrent map writes [needs GOMAXPROCS>=2]}
package main

import (
	"fmt"
	"sync"
)

const n = 3

func main() {
	m := make(map[int]int)
	var wg sync.WaitGroup
	for id := 0; id < 2; id++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < n; j++ {
				m[j] = id
			}
		}()
	}
	wg.Wait()
	fmt.Println("len", len(m))
}
