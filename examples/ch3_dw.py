"""§3 (chapter 3): one goroutine deletes from a map while another writes it.

The article: `delete()` "itself is atomic". Real Go (go-concurrency.md §4.2, §8):
delete is a writer like assign; the pair dies with `fatal error: concurrent map
writes` in some GOMAXPROCS=2 runs, never with GOMAXPROCS=1.

Here: m holds keys 0..2; G0 inserts 3..5 while G1 deletes 0..2.

Expected (every model): gomaxprocs=2 reaches {"ok", "fatal error: concurrent map
writes"}; gomaxprocs=1 only "ok".

    gcemu explore examples/ch3_dw.py
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

    def deleter():
        for j in range(N):
            del m[j]
        wg.Done()

    h.go(insert_new)
    h.go(deleter)
    wg.Wait()
