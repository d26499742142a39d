"""§3 (chapter 3): one goroutine reads a map while another writes it.

Real Go (go-concurrency.md §4.2): `fatal error: concurrent map read and map write`
in some GOMAXPROCS=2 runs, never with GOMAXPROCS=1. A write that starts after the
reader's entry check is never detected (§2.5: 21 of 84 interleavings overlap silently).

Here: m holds keys 0..2; G0 inserts 3..5 while G1 reads 0..2.

Expected (every model): gomaxprocs=2 reaches {"ok", "fatal error: concurrent map read
and map write"}; gomaxprocs=1 only "ok" (racy).

    gcemu explore examples/ch3_rw.py
"""

N = 3


def scenario(h):
    m = h.make_map("map[int]int", name="m")
    for j in range(N):
        m[j] = -1
    wg = h.waitgroup()
    wg.Add(2)

    def insert_new():
        for j in range(N):
            m[N + j] = 0
        wg.Done()

    def reader():
        s = 0
        for j in range(N):
            s += m[j]
        wg.Done()

    h.go(insert_new)
    h.go(reader)
    wg.Wait()
