"""sync.Mutex, RWMutex, WaitGroup and channels against go-concurrency.md §5 (the
measured misuse cases of errs/) and the Go memory model."""

import contextlib

import pytest

import gcemu
from gcemu.sched.goroutine import GoFatal

DEADLOCK = "fatal error: all goroutines are asleep - deadlock!"


def outcomes(scn, **kw):
    return set(gcemu.explore(scn, max_preemptions=2, **kw).outcomes)


def test_unlock_of_unlocked_mutex_is_fatal_even_under_recover():
    def scn(h):
        mu = h.mutex()
        with contextlib.suppress(Exception):  # recover() cannot stop a fatal
            mu.Unlock()
    assert outcomes(scn) == {"fatal error: sync: unlock of unlocked mutex"}


def test_mutex_has_no_owner_and_is_not_reentrant():
    def unlock_elsewhere(h):
        mu = h.mutex()
        mu.Lock()
        wg = h.waitgroup()
        wg.Add(1)

        def other():
            mu.Unlock()
            wg.Done()
        h.go(other)
        wg.Wait()
        assert mu.TryLock()
    assert outcomes(unlock_elsewhere) == {"ok"}

    def twice(h):
        mu = h.mutex()
        mu.Lock()
        mu.Lock()
    assert outcomes(twice) == {DEADLOCK}


def test_single_goroutine_deadlock_outside_an_exploration():
    h = gcemu.Heap()
    mu = h.mutex()
    mu.Lock()
    with pytest.raises(GoFatal, match="all goroutines are asleep"):
        mu.Lock()


def test_rwmutex_misuse_messages():
    def unlock_read_locked(h):
        mu = h.rwmutex()
        mu.RLock()
        mu.Unlock()

    def runlock_unlocked(h):
        h.rwmutex().RUnlock()
    assert outcomes(unlock_read_locked) == {"fatal error: sync: Unlock of unlocked RWMutex"}
    assert outcomes(runlock_unlocked) == {"fatal error: sync: RUnlock of unlocked RWMutex"}


def test_writer_preference_blocks_new_readers():
    """§5.2, measured: R1 holds RLock, W waits in Lock: TryRLock fails, and once R1
    releases, W gets the lock before the new reader R2."""
    order = []

    def scn(h):
        mu = h.rwmutex()
        mu.RLock()
        wg = h.waitgroup()
        wg.Add(2)

        def writer():
            mu.Lock()
            order.append("W")
            mu.Unlock()
            wg.Done()

        def reader():
            mu.RLock()
            order.append("R2")
            mu.RUnlock()
            wg.Done()
        h.go(writer)
        h.gosched()  # the writer runs until it blocks in Lock
        assert not mu.TryRLock()
        h.go(reader)
        h.gosched()
        mu.RUnlock()
        wg.Wait()
    run = gcemu.replay(scn, "", gomaxprocs=1)
    assert run.outcome == "ok" and order == ["W", "R2"]


def test_waitgroup_negative_counter_is_a_panic():
    def scn(h):
        h.waitgroup().Done()
    assert outcomes(scn) == {"panic: sync: negative WaitGroup counter"}


def test_waitgroup_wait_never_returns_before_the_last_done():
    seen = []

    def scn(h):
        wg = h.waitgroup()
        wg.Add(2)
        done = []

        def w(i):
            done.append(i)
            h.gosched()
            wg.Done()
        h.go(w, 1)
        h.go(w, 2)
        wg.Wait()
        seen.append(len(done))
    assert outcomes(scn) == {"ok"} and set(seen) == {2}


def test_unbuffered_channel_hands_over_and_orders_the_map_accesses():
    def scn(h):
        m = h.make_map("map[int]int", name="m")
        ch = h.make_chan("chan int")

        def producer():
            m[1] = 10
            ch.send(1)
        h.go(producer)
        k = ch.recv()
        assert m[k] == 10
    ex = gcemu.explore(scn, max_preemptions=3)
    assert set(ex.outcomes) == {"ok"} and not ex.races


def test_buffered_channel_close_and_panics():
    def scn(h):
        ch = h.make_chan("chan int", size=2)
        ch.send(1)
        ch.send(2)
        ch.close()
        assert [ch.recv2(), ch.recv2(), ch.recv2()] == [(1, True), (2, True), (0, False)]
        ch.send(3)
    assert outcomes(scn) == {"panic: send on closed channel"}

    def close_twice(h):
        ch = h.make_chan("chan int", size=1)
        ch.close()
        ch.close()
    assert outcomes(close_twice) == {"panic: close of closed channel"}

    def recv_forever(h):
        h.make_chan("chan int").recv()
    assert outcomes(recv_forever) == {DEADLOCK}


def test_bad_channel_type():
    with pytest.raises(gcemu.GcemuError, match="expected 'chan T'"):
        gcemu.Heap().make_chan("int")
