package main

import (
	"fmt"
	"runtime"
	"time"
)

type T struct {
	id   int
	name string
	next *T
}

var keep *T

func main() {
	a := &T{id: 1, name: "a"}
	runtime.SetFinalizer(a, func(t *T) { fmt.Println("finalized", t.id, t.name) })
	b := &T{id: 2, name: "b"}
	runtime.SetFinalizer(b, func(t *T) { fmt.Println("finalized", t.id) })
	c := &T{id: 3, name: "c"}
	runtime.SetFinalizer(c, func(t *T) { fmt.Println("never", t.id) })
	runtime.SetFinalizer(c, nil)
	fmt.Println("before", a.id, b.id, c.id)
	runtime.GC()
	time.Sleep(10 * time.Millisecond)
	fmt.Println("gc 1 done")
	a = nil
	runtime.GC()
	time.Sleep(10 * time.Millisecond)
	fmt.Println("gc 2 done", b.id)
	runtime.GC()
	time.Sleep(10 * time.Millisecond)
	fmt.Println("gc 3 done")
	// a cycle with finalizers: Go never runs them
	x := &T{id: 4}
	y := &T{id: 5, next: x}
	x.next = y
	runtime.SetFinalizer(x, func(t *T) { fmt.Println("cycle", t.id) })
	x, y = nil, nil
	// resurrection: the finalizer stores the object
	r := &T{id: 6}
	runtime.SetFinalizer(r, func(t *T) { keep = t; fmt.Println("resurrected", t.id) })
	r = nil
	runtime.GC()
	time.Sleep(10 * time.Millisecond)
	fmt.Println("gc 4 done", keep.id)
	keep = nil
	runtime.GC()
	time.Sleep(10 * time.Millisecond)
	fmt.Println("end")
}
