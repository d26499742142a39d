"""§4 (chapter 4): the fix with sync.RWMutex: the writer takes Lock, the ranging
reader holds RLock for the whole loop.

Real Go (go-concurrency.md §4.6): iw-rwmutex and rw-rwmutex clean in 200 of 200 runs,
0 race reports. The article's "read locks are reentrant" is wrong (§5.2): see
`ch4_rlock_twice.py`.

Expected (every model, gomaxprocs 1 and 2): only "ok", and no run races.

    gcemu explore examples/ch4_rwmutex.py
"""

N = 3


def scenario(h):
    m = h.make_map("map[int]int", name="m")
    for j in range(N):
        m[j] = -1
    mu = h.rwmutex()
    wg = h.waitgroup()
    wg.Add(2)

    def insert_new():
        for j in range(N):
            mu.Lock()
            m[N + j] = 0
            mu.Unlock()
        wg.Done()

    def ranger():
        mu.RLock()
        s = 0
        for k, v in m.items():
            s += k + v
        mu.RUnlock()
        wg.Done()

    h.go(insert_new)
    h.go(ranger)
    wg.Wait()
