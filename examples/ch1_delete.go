// The article's chapter-1 delete (go-map-delete-gc.zh.md), made a whole program. The
// article guards the delete with a sync.RWMutex (mu.Lock(); delete(myMap, "key");
// mu.Unlock()); with one goroutine the lock changes nothing, so it is left out here.
package main

import (
	"fmt"
	"runtime"
)

type Item struct {
	id  int
	buf [64]byte
}

var myMap = make(map[string]*Item)

func main() {
	for i := 0; i < 10; i++ {
		myMap[fmt.Sprintf("key%d", i)] = &Item{id: i}
	}
	delete(myMap, "key")
	delete(myMap, "key3")
	runtime.GC()
	fmt.Println(len(myMap), myMap["key4"].id)
	_, ok := myMap["key3"]
	fmt.Printf("key3 present: %v\n", ok)
}
