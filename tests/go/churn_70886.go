// The churn of golang/go#70886, run by tests/test_churn_go.py: W live keys (read from
// stdin with the number of operations), each operation inserts a new key and deletes
// the oldest; the map's capacity in slots (the sum over its distinct tables, read
// through a mirror of internal/runtime/maps.Map and table) at each quarter.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"unsafe"
)

type swissMap struct {
	used              uint64
	seed              uintptr
	dirPtr            unsafe.Pointer
	dirLen            int
	globalDepth       uint8
	globalShift       uint8
	writing           uint8
	tombstonePossible bool
	clearSeq          uint64
}

type table struct {
	used       uint16
	capacity   uint16
	growthLeft uint16
	localDepth uint8
	index      int
}

func capacity[M any](m M) int {
	h := *(**swissMap)(unsafe.Pointer(&m))
	if h.dirLen == 0 {
		if h.dirPtr == nil {
			return 0
		}
		return 8
	}
	dir := unsafe.Slice((**table)(h.dirPtr), h.dirLen)
	total := 0
	var last *table
	for _, t := range dir {
		if t != last {
			total += int(t.capacity)
			last = t
		}
	}
	return total
}

type P struct{ a, b int }

func churn[K comparable](key func(int) K, w, ops int) []int {
	m := map[K]int{}
	var caps []int
	for i := 0; i < w; i++ {
		m[key(i)] = i
	}
	for i := w; i < w+ops; i++ {
		m[key(i)] = i
		delete(m, key(i-w))
		if (i-w+1)%(ops/4) == 0 {
			caps = append(caps, capacity(m))
		}
	}
	return caps
}

func main() {
	var w, ops int
	fmt.Fscan(os.Stdin, &w, &ops)
	ptrs := make([]*int, w+ops)
	for i := range ptrs {
		ptrs[i] = new(int)
	}
	out := map[string][]int{
		"int":              churn(func(i int) int { return i }, w, ops),
		"struct{a, b int}": churn(func(i int) P { return P{i, -i} }, w, ops),
		"*T":               churn(func(i int) *int { return ptrs[i] }, w, ops),
	}
	json.NewEncoder(os.Stdout).Encode(out)
}
