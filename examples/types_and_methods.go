// Methods, interfaces and the other constructs of phase 2 (docs/gofront.md): String and
// Error methods printed by fmt, calls through interfaces, type switches and assertions,
// &x of a struct variable, variadic functions, fallthrough, recover of a runtime panic.
package main

import (
	"errors"
	"fmt"
)

type Kind int

const (
	Small Kind = iota
	Large
)

func (k Kind) String() string { return [...]string{"small", "large"}[k] }

type Entry struct {
	key  string
	size int
	kind Kind
}

func (e *Entry) Grow(by int) { e.size += by }
func (e Entry) Area() int    { return e.size * e.size }

type Sized interface{ Area() int }

type NotFound struct{ key string }

func (e *NotFound) Error() string { return "not found: " + e.key }

func lookup(m map[string]*Entry, keys ...string) (*Entry, error) {
	for _, k := range keys {
		if e, ok := m[k]; ok {
			return e, nil
		}
	}
	if len(keys) == 0 {
		return nil, errors.New("no keys")
	}
	return nil, &NotFound{key: keys[len(keys)-1]}
}

func classify(x any) string {
	switch v := x.(type) {
	case nil:
		return "nil"
	case int, int64:
		return fmt.Sprint("integer ", v)
	case fmt.Stringer:
		return "stringer " + v.String()
	case error:
		return "error " + v.Error()
	default:
		return fmt.Sprintf("%T", v)
	}
}

func safeIndex(xs []int, i int) (v int, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("recovered: %v", r)
		}
	}()
	return xs[i], nil
}

func main() {
	var e Entry
	e.key = "a"
	e.Grow(3)
	p := &e
	p.Grow(1)
	fmt.Println(e.size, p.Area(), e.kind, Large)
	m := map[string]*Entry{"a": p, "b": {key: "b", size: 2, kind: Large}}
	var s Sized = m["b"]
	fmt.Println(s.Area(), *m["b"])
	for _, keys := range [][]string{{"x", "b"}, {"y", "z"}, {}} {
		found, err := lookup(m, keys...)
		if err != nil {
			var nf *NotFound
			nf, isNF := err.(*NotFound)
			fmt.Println("error:", err, isNF, nf != nil)
			continue
		}
		fmt.Printf("found %s size %d kind %v\n", found.key, found.size, found.kind)
	}
	fmt.Println(classify(nil), classify(7), classify(Large), classify(&NotFound{"k"}),
		classify(2.5))
	for _, n := range []int{1, 2, 3} {
		switch n {
		case 1:
			fmt.Print("one ")
			fallthrough
		case 2:
			fmt.Print("one-or-two ")
		default:
			fmt.Print("other ")
		}
	}
	fmt.Println()
	fmt.Println(safeIndex([]int{1, 2}, 1))
	fmt.Println(safeIndex([]int{1, 2}, 5))
}
