// Churn on a map of pointers: fill it, delete every entry in a range loop, run the GC,
// refill half; the constructs the public programs about map memory use most (make with
// a hint, m[k] = &T{...}, range over a map with delete, runtime.GC, KeepAlive, clear,
// consts, conversions, arrays, closures, range over int, Printf).
package main

import (
	"fmt"
	"runtime"
	"strconv"
)

const entries = 200

type Client struct {
	id   int
	name string
	buf  [16]byte
	next *Client
}

func fill(m map[int]*Client, from, to int) {
	for i := from; i < to; i++ {
		c := &Client{id: i, name: "client-" + strconv.Itoa(i)}
		c.buf[0] = byte(i)
		m[i] = c
	}
}

func main() {
	m := make(map[int]*Client, entries)
	fill(m, 0, entries)
	total := 0
	for _, c := range m {
		total += c.id
	}
	fmt.Printf("filled %d, sum of ids %d\n", len(m), total)
	for k := range m {
		if k%3 != 0 {
			delete(m, k)
		}
	}
	runtime.GC()
	fmt.Println("after delete:", len(m), m[3].name, m[4] == nil)
	count := func() (n int) {
		for range m {
			n++
		}
		return
	}
	fill(m, entries, entries+entries/2)
	fmt.Println("refilled:", count())
	small := map[string]float64{"b": 2.5, "a": 1, "c": float64(entries) / 8}
	fmt.Println(small, len(small))
	var hist [4]int
	for i := range 10 {
		hist[i%4]++
	}
	fmt.Println(hist, hist[1:3])
	clear(m)
	runtime.GC()
	fmt.Printf("cleared: %d %v\n", len(m), m)
	runtime.KeepAlive(m)
}
