"""§4 (chapter 4): the fix with sync.Mutex: both writers lock around the write.

Real Go (go-concurrency.md §4.6): 200 of 200 clean runs on go1.23.9 and go1.25.5,
0 race reports under -race.

Expected (every model, gomaxprocs 1 and 2): the only outcome is "ok", and no run
races (the Unlock -> Lock edges order every map access).

    gcemu explore examples/ch4_mutex.py
"""

N = 3


def scenario(h):
    m = h.make_map("map[int]int", name="m")
    mu = h.mutex()
    wg = h.waitgroup()
    wg.Add(2)

    def writer(gid):
        for j in range(N):
            mu.Lock()
            m[j] = gid
            mu.Unlock()
        wg.Done()

    h.go(writer, 0)
    h.go(writer, 1)
    wg.Wait()
