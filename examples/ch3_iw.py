"""§3 (chapter 3): one goroutine ranges over a map while another writes it.

Real Go (go-concurrency.md §4.2): `fatal error: concurrent map iteration and map
write` in some GOMAXPROCS=2 runs (mapiternext checks the flag at every step); in Go
1.24+ also, rarely, `concurrent map read and map write` from an iterator that follows
a grown table (1 in 200 runs). Never with GOMAXPROCS=1.

Here: m holds keys 0..2; G0 inserts 3..5 while G1 ranges over m once.

Expected: gomaxprocs=2 reaches "ok" and "fatal error: concurrent map iteration and
map write" (go); gomaxprocs=1 only "ok".

    gcemu explore examples/ch3_iw.py
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

    def ranger():
        s = 0
        for k, v in m.items():
            s += k + v
        wg.Done()

    h.go(insert_new)
    h.go(ranger)
    wg.Wait()
