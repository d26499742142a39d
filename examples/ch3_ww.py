"""§3 (chapter 3): two goroutines write one map, the article's program.

The article: concurrent `m[k] = v` "immediately triggers a panic".

Real Go (go-concurrency.md §4.2): it is `fatal error: concurrent map writes`, not a
panic (no recover, exit 2), and it is not immediate: with GOMAXPROCS=2 it killed
50-95 % of runs, the rest exited 0; with GOMAXPROCS=1, 0 of 4,800 runs died, because
the runtime never preempts a goroutine inside a map operation.

Here: two goroutines each write 3 keys (the article writes 1000), joined by a
WaitGroup.

Expected (every model): with gomaxprocs=2 the explored outcomes are exactly
{"ok", "fatal error: concurrent map writes"}, the fatal one only through switches
inside a map call; with gomaxprocs=1 only "ok", and every "ok" run raced (Go's race
detector reports it in 320 of 320 runs).

    gcemu explore examples/ch3_ww.py --max-preemptions 2
"""

N = 3


def scenario(h):
    m = h.make_map("map[int]int", name="m")
    wg = h.waitgroup()
    wg.Add(2)

    def writer(gid):
        for j in range(N):
            m[j] = gid
        wg.Done()

    h.go(writer, 0)
    h.go(writer, 1)
    wg.Wait()
