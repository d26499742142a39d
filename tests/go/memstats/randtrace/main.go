// randtrace: replays a trace given as os.Args[1] (written by
// tests/test_memstats_go_more.py from a seed): objects of ten sizes, 8 B (tiny) to
// 70,000 B (large), one map[int]*X per size, made with hint 8 before the first snapshot,
// keys 0..7. Ops, space-separated: "a T K" m_T[K] = new(X_T); "d T K" delete(m_T, K);
// "g" runtime.GC(); "f" debug.FreeOSMemory(); "s" a snapshot. The trace is parsed into
// a fixed array before the start snapshot, so replaying it allocates only the objects
// and the maps' storage.
package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"

	"memstats/snap"
)

type T struct {
	id   int
	next *T
	buf  [48]byte
}

var (
	m0 = make(map[int]*[8]byte, 8)
	m1 = make(map[int]*[24]byte, 8)
	m2 = make(map[int]*[64]byte, 8)
	m3 = make(map[int]*T, 8)
	m4 = make(map[int]*[300]byte, 8)
	m5 = make(map[int]*[1024]byte, 8)
	m6 = make(map[int]*[4000]byte, 8)
	m7 = make(map[int]*[20000]byte, 8)
	m8 = make(map[int]*[40000]byte, 8)
	m9 = make(map[int]*[70000]byte, 8)

	ops [4096][3]int32
	n   int
)

func put(t, k int) {
	switch t {
	case 0:
		m0[k] = new([8]byte)
	case 1:
		m1[k] = new([24]byte)
	case 2:
		m2[k] = new([64]byte)
	case 3:
		m3[k] = new(T)
	case 4:
		m4[k] = new([300]byte)
	case 5:
		m5[k] = new([1024]byte)
	case 6:
		m6[k] = new([4000]byte)
	case 7:
		m7[k] = new([20000]byte)
	case 8:
		m8[k] = new([40000]byte)
	case 9:
		m9[k] = new([70000]byte)
	}
}

func del(t, k int) {
	switch t {
	case 0:
		delete(m0, k)
	case 1:
		delete(m1, k)
	case 2:
		delete(m2, k)
	case 3:
		delete(m3, k)
	case 4:
		delete(m4, k)
	case 5:
		delete(m5, k)
	case 6:
		delete(m6, k)
	case 7:
		delete(m7, k)
	case 8:
		delete(m8, k)
	case 9:
		delete(m9, k)
	}
}

func main() {
	f := strings.Fields(os.Args[1])
	for i := 0; i < len(f); i++ {
		op := int32(f[i][0])
		var t, k int
		if op == 'a' || op == 'd' {
			t, _ = strconv.Atoi(f[i+1])
			k, _ = strconv.Atoi(f[i+2])
			i += 2
		}
		ops[n] = [3]int32{op, int32(t), int32(k)}
		n++
	}
	snap.Init()
	runtime.GC()
	runtime.GC()
	snap.Take("start (after 2x GC)")
	for _, o := range ops[:n] {
		switch o[0] {
		case 'a':
			put(int(o[1]), int(o[2]))
		case 'd':
			del(int(o[1]), int(o[2]))
		case 'g':
			runtime.GC()
		case 'f':
			debug.FreeOSMemory()
		case 's':
			snap.Take("step")
		}
	}
	snap.Header("randtrace")
	snap.Print()
}
