// syncmap: sync.Map's methods in one goroutine, keys string, values *Entry.
package main

import (
	"fmt"
	"sync"
)

type Entry struct {
	id   int
	name string
}

type Cache struct {
	hits  int
	items sync.Map
}

var m sync.Map

func main() {
	for i := 0; i < 5; i++ {
		m.Store(fmt.Sprintf("k%d", i), &Entry{id: i, name: "e"})
	}
	v, ok := m.Load("k3")
	fmt.Println(ok, v.(*Entry).id, v.(*Entry).name)
	_, ok = m.Load("nope")
	fmt.Println(ok)
	actual, loaded := m.LoadOrStore("k1", &Entry{id: 100})
	fmt.Println(actual.(*Entry).id, loaded)
	actual, loaded = m.LoadOrStore("k9", &Entry{id: 9})
	fmt.Println(actual.(*Entry).id, loaded)
	prev, loaded := m.Swap("k2", &Entry{id: 20})
	fmt.Println(prev.(*Entry).id, loaded)
	prev, loaded = m.Swap("k7", &Entry{id: 7})
	fmt.Println(prev == nil, loaded)
	old, loaded := m.LoadAndDelete("k0")
	fmt.Println(old.(*Entry).id, loaded)
	_, loaded = m.LoadAndDelete("k0")
	fmt.Println(loaded)
	m.Delete("k4")
	sum, n := 0, 0
	m.Range(func(k, v any) bool {
		sum += v.(*Entry).id
		n++
		return true
	})
	fmt.Println(n, sum)
	stopped := 0
	m.Range(func(k, v any) bool {
		stopped++
		return false
	})
	fmt.Println(stopped)
	m.Clear()
	_, ok = m.Load("k3")
	fmt.Println(ok)

	p := &sync.Map{}
	p.Store("x", &Entry{id: 42})
	if e, ok := p.Load("x"); ok {
		fmt.Println(e.(*Entry).id)
	}
	var c, d Cache
	c.items.Store("y", &Entry{id: 43})
	e, _ := c.items.Load("y")
	_, ok = d.items.Load("y")
	fmt.Println(e.(*Entry).id, ok, e)
	fmt.Println(v.(*Entry).id, v.(*Entry))
}
