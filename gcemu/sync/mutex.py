"""sync.Mutex and sync.RWMutex as Go 1.23 builds them (sync/mutex.go, rwmutex.go).

Invariant
---------
A Mutex has no owner and is not reentrant: any goroutine may unlock it, and locking it
twice blocks the second locker (a deadlock when nobody else can run). An RWMutex
prefers writers: once a writer waits, new readers block (rwmutex.go:65, 142), so a
recursive ``RLock`` deadlocks when a writer is pending (go-concurrency.md §5.2).

Steps
-----
* `Mutex.Lock`: a step point; while locked, park (a woken waiter that finds the lock
  taken again by a newcomer parks at the front: normal mode's barging, a schedule
  choice). `Mutex.Unlock`: unlocked -> ``fatal("sync: unlock of unlocked mutex")``
  (mutex.go:229); else unlock and wake the first waiter. Starvation mode (a waiter
  older than 1 ms) is a matter of time, which the explorer does not model.
* `RWMutex`: Go's counters, step for step: ``readerCount`` (minus ``1<<30`` while a
  writer is pending), ``readerWait`` and the two semaphores; the fatal messages of
  rwmutex.go:130 and :210.
* Race edges (§3.4): ``Unlock`` releases (replaces), ``Lock``/``TryLock`` acquire;
  ``RUnlock`` release-merges into the writer semaphore; ``Lock`` of an RWMutex acquires
  both semaphores; its ``Unlock`` releases the reader semaphore.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from gcemu.sched.goroutine import GoFatal
from gcemu.sync.park import Sema, acquire, park, point, release, wake

MAX_READERS = 1 << 30  # rwmutexMaxReaders


class Mutex:
    """sync.Mutex with Go's method names."""

    def __init__(self, heap: Any):
        self.heap = heap
        self.locked = False
        self.waitq: deque = deque()
        self.clock: dict[int, int] = {}

    def Lock(self) -> None:
        point(self.heap, "Mutex.Lock")
        again = False
        while self.locked:
            park(self.heap, self.waitq, "sync.Mutex.Lock", front=again)
            again = True
        self.locked = True
        acquire(self.heap, self)

    def TryLock(self) -> bool:
        point(self.heap, "Mutex.TryLock")
        if self.locked:
            return False
        self.locked = True
        acquire(self.heap, self)
        return True

    def Unlock(self) -> None:
        point(self.heap, "Mutex.Unlock")
        if not self.locked:
            raise GoFatal("sync: unlock of unlocked mutex")
        release(self.heap, self)
        self.locked = False
        if self.waitq:
            wake(self.waitq.popleft())


class RWMutex:
    """sync.RWMutex with Go's method names."""

    def __init__(self, heap: Any):
        self.heap = heap
        self.w = Mutex(heap)
        self.readerCount = 0
        self.readerWait = 0
        self.readerSem = Sema(heap)
        self.writerSem = Sema(heap)

    def RLock(self) -> None:
        point(self.heap, "RWMutex.RLock")
        self.readerCount += 1
        if self.readerCount < 0:  # a writer is pending: wait for it
            self.readerSem.acquire("sync.RWMutex.RLock")
        acquire(self.heap, self.readerSem)

    def TryRLock(self) -> bool:
        point(self.heap, "RWMutex.TryRLock")
        if self.readerCount < 0:
            return False
        self.readerCount += 1
        acquire(self.heap, self.readerSem)
        return True

    def RUnlock(self) -> None:
        point(self.heap, "RWMutex.RUnlock")
        release(self.heap, self.writerSem, merge=True)
        self.readerCount -= 1
        r = self.readerCount
        if r < 0:  # rUnlockSlow
            if r + 1 == 0 or r + 1 == -MAX_READERS:
                raise GoFatal("sync: RUnlock of unlocked RWMutex")
            self.readerWait -= 1
            if self.readerWait == 0:  # the last reader wakes the writer
                self.writerSem.release()

    def Lock(self) -> None:
        self.w.Lock()
        self.readerCount -= MAX_READERS
        r = self.readerCount + MAX_READERS
        if r != 0:
            self.readerWait += r
            if self.readerWait != 0:
                self.writerSem.acquire("sync.RWMutex.Lock")
        acquire(self.heap, self.readerSem)
        acquire(self.heap, self.writerSem)

    def TryLock(self) -> bool:
        if not self.w.TryLock():
            return False
        if self.readerCount != 0:
            self.w.Unlock()
            return False
        self.readerCount = -MAX_READERS
        acquire(self.heap, self.readerSem)
        acquire(self.heap, self.writerSem)
        return True

    def Unlock(self) -> None:
        point(self.heap, "RWMutex.Unlock")
        release(self.heap, self.readerSem)
        self.readerCount += MAX_READERS
        r = self.readerCount
        if r >= MAX_READERS:
            raise GoFatal("sync: Unlock of unlocked RWMutex")
        for _ in range(r):  # wake the readers that blocked during the write
            self.readerSem.release()
        self.w.Unlock()


__all__ = ["MAX_READERS", "Mutex", "RWMutex"]
