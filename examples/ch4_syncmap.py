"""§4 (chapter 4): the fix with sync.Map (the spec's fixes program, mode dw-syncmap,
scaled down): a writer Stores new keys while a deleter Deletes the prefilled ones.

Real Go (go-concurrency.md §4.6): 200 of 200 clean runs on go1.23.9 and go1.25.5
(ww-, iw- and dw-syncmap), 0 race reports under -race.

gcemu builds the sync.Map as the model's release does (`h.sync_map`): Go 1.23's
read/dirty maps under ``go``, whose internal map accesses are step points of their
own (the dirty map only under the mutex, read.m never written after publication),
and the HashTrieMap of Go 1.24+ under the Swiss models.

Expected (every model, gomaxprocs 1 and 2): the only outcome is "ok", and no run
races.

    gcemu explore examples/ch4_syncmap.py
"""

N = 2


def scenario(h):
    sm = h.sync_map("string", "int", name="sm")
    for j in range(N):
        sm.Store(f"key{j}", 0)
    wg = h.waitgroup()
    wg.Add(2)

    def writer():
        for j in range(N):
            sm.Store(f"key{N + j}", 0)
        wg.Done()

    def deleter():
        for j in range(N):
            sm.Delete(f"key{j}")
        wg.Done()

    h.go(writer)
    h.go(deleter)
    wg.Wait()
    left = []
    sm.Range(lambda k, v: left.append(k))
    assert len(left) == N  # fixes/main.go prints "clean len=1000" for 1000 of each
