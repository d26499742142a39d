"""Channels (runtime/chan.go): unbuffered and buffered, send, receive, close.

Invariant
---------
A buffered channel holds at most ``cap`` values in FIFO order; a sender blocks while
it is full, a receiver while it is empty. An unbuffered channel (``cap == 0``) hands a
value from a sender to a receiver directly, so whoever comes first waits. A receive
from a closed, drained channel returns the zero value and ``ok = False``; a send on a
closed channel, and closing it twice, panic with Go's messages (chan.go:206, :357).
Each value carries its sender's vector clock, which the receiver acquires: the send
happens before the receive completes (the Go memory model). The reverse edge of an
unbuffered channel (a receive happens before the send completes) is not modelled.

Steps: ``send``/``recv``/``close`` each start with a step point (chansend, chanrecv,
closechan); a blocked one parks on ``sendq``/``recvq`` until its partner wakes it.
Values in a channel buffer are not roots of the modelled heap.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from gcemu.errors import GoPanic
from gcemu.sched.race import join
from gcemu.sync.park import park, point, wake

CLOSED = object()


class Chan:
    """``make(chan T, size)`` with ``send``, ``recv``, ``recv2`` and ``close``."""

    def __init__(self, heap: Any, elem: Any, size: int = 0):
        self.heap = heap
        self.elem = elem
        self.cap = size
        self.buf: deque = deque()     # (value, clock)
        self.recvq: deque = deque()   # goroutines
        self.sendq: deque = deque()   # (goroutine, (value, clock))
        self.closed = False

    def _clock(self) -> dict[int, int]:
        s = self.heap.sched
        if s is None or s.race is None:
            return {}
        g = s.current
        c = dict(g.clock)
        g.clock[g.goid] += 1
        return c

    def _took(self, clock: dict[int, int]) -> None:
        s = self.heap.sched
        if s is not None and s.race is not None:
            join(s.current.clock, clock)

    def _zero(self) -> Any:
        return self.elem.to_python(self.elem.zero())

    def send(self, value: Any) -> None:
        """``ch <- value``."""
        point(self.heap, "chan send")
        if self.closed:
            raise GoPanic("send on closed channel")
        msg = (value, self._clock())
        if self.recvq:
            wake(self.recvq.popleft(), msg)
        elif len(self.buf) < self.cap:
            self.buf.append(msg)
        elif park(self.heap, self.sendq, "chan send", item=msg) is CLOSED:
            raise GoPanic("send on closed channel")

    def recv2(self) -> tuple[Any, bool]:
        """``v, ok := <-ch``."""
        point(self.heap, "chan receive")
        if self.buf:
            value, clock = self.buf.popleft()
            if self.sendq:
                g, msg = self.sendq.popleft()
                self.buf.append(msg)
                wake(g)
        elif self.sendq:
            g, (value, clock) = self.sendq.popleft()
            wake(g)
        elif self.closed:
            return self._zero(), False
        else:
            got = park(self.heap, self.recvq, "chan receive")
            if got is CLOSED:
                return self._zero(), False
            value, clock = got
        self._took(clock)
        return value, True

    def recv(self) -> Any:
        """``v := <-ch``."""
        return self.recv2()[0]

    def close(self) -> None:
        """``close(ch)``: wakes every receiver (zero, false) and panics every sender."""
        point(self.heap, "chan close")
        if self.closed:
            raise GoPanic("close of closed channel")
        self.closed = True
        for q in (self.recvq, self.sendq):
            while q:
                e = q.popleft()
                wake(e[0] if isinstance(e, tuple) else e, CLOSED)

    def __len__(self) -> int:
        return len(self.buf)


__all__ = ["Chan"]
