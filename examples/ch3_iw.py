"""§3 (chapter 3): one goroutine ranges over a map while another writes it.

Real Go (go-concurrency.md §4.2): `fatal error: concurrent map iteration and map
write` in some GOMAXPROCS=2 runs (mapiternext checks the flag at every step); in Go
1.24+ also, rarely, `concurrent map read and map write` from an iterator that follows
a grown table (1 in 200 runs). Never with GOMAXPROCS=1.

Here: m holds keys 0..7 (a full Swiss small group); G0 inserts 8 and 9 (the Swiss
map grows to a table under the iterator) while G1 ranges over m once.

Expected: gomaxprocs=2 reaches "ok" and "fatal error: concurrent map iteration and
map write" (go), plus "fatal error: concurrent map read and map write" (go-swiss,
go-swiss-1.27: the iterator follows the grown table through getWithKey);
gomaxprocs=1 only "ok".

    gcemu explore examples/ch3_iw.py
"""

N = 8


def scenario(h):
    m = h.make_map("map[int]int", name="m")
    for j in range(N):
        m[j] = -1
    wg = h.waitgroup()
    wg.Add(2)

    def insert_new():
        for j in range(2):
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
