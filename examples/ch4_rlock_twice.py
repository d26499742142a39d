"""§4 (chapter 4): the article says a read lock "can be re-entered". It cannot.

Real Go (go-concurrency.md §5.2, measured): main holds RLock, a writer becomes
pending, main calls RLock again -> `fatal error: all goroutines are asleep -
deadlock!` (writer preference: once a writer waits, new readers block).

Here: main RLocks, starts a writer goroutine that calls Lock, yields, and RLocks again.

Expected (every model): some schedules end "ok" (main's second RLock ran before the
writer's Lock), others in "fatal error: all goroutines are asleep - deadlock!".

    gcemu explore examples/ch4_rlock_twice.py
"""


def scenario(h):
    mu = h.rwmutex()
    mu.RLock()

    def writer():
        mu.Lock()
        mu.Unlock()

    h.go(writer)
    h.gosched()
    mu.RLock()
    mu.RUnlock()
    mu.RUnlock()
