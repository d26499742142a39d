"""Goroutines, channels and sync values of a Go program, on the heap's goroutine runtime.

Invariant: a ``sync.Mutex``, ``sync.RWMutex`` or ``sync.WaitGroup`` variable holds the
heap's own object (``h.mutex()``, ``h.rwmutex()``, ``h.waitgroup()``; gcemu.sync) from
its zero value on, and a channel value is ``h.make_chan``'s `Chan` (nil: None). Their
methods are Go's names, so a call ``mu.Lock()`` is ``getattr(obj, "Lock")()``; a sync
value is never copied (go vet rejects copies) and never moved to the heap
(gcemu.gofront.scope.escaped skips its pointer methods). ``go f(x)`` evaluates ``f`` and
``x`` in the running goroutine, then hands the call to ``h.go`` (runtime.newproc), whose
scheduler (gcemu.sched) switches goroutines only at Go's step points.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gcemu.gofront import gosyncmap
from gcemu.gofront.values import runtime_error

Fn = Callable[[list], Any]

SYNC_TYPES = {"sync.Mutex": "mutex", "sync.RWMutex": "rwmutex", "sync.WaitGroup": "waitgroup"}


def provide_sync_types(types: Any, heap: Any, kv: tuple[Any, Any] | None) -> None:
    """The zero value of each sync type the program names is a fresh heap object;
    ``kv``: the key and value types of its sync.Maps (gcemu.gofront.gosyncmap.infer)."""
    key, value = (kv[0].s, kv[1].s) if kv else ("", "")
    for t in types.t:
        maker = SYNC_TYPES.get(t.s) if t.named else None
        if maker:
            t.provide(getattr(heap, maker))
        elif t.named and t.s == "sync.Map" and kv is not None:
            t.provide(lambda: heap.sync_map(key, value))


def is_sync_type(t: Any) -> bool:
    """A sync value: a runtime object, shared and never copied (GoT.provide)."""
    return t.named and (t.s in SYNC_TYPES or t.s == "sync.Map")


def is_sync_method(c: Any, fun: dict) -> bool:
    if fun["k"] != "SelectorExpr" or fun.get("sel", {}).get("kind") != "method":
        return False
    return c.objects[fun["sel"]["obj"]].get("full", "").startswith("(*sync.")


def sync_method(c: Any, fun: dict) -> tuple[Fn, str]:
    """(the receiver's object, the method name) of ``mu.Lock`` / ``wg.Add`` ..."""
    full = c.objects[fun["sel"]["obj"]]["full"]
    recv = full[2:full.index(")")]
    if recv not in SYNC_TYPES:
        raise c.unsupported(fun, f"the method {full}")
    return c.expr(fun["X"]), fun["Sel"]["Name"]


def sync_call(c: Any, n: dict) -> Fn:
    """``mu.Lock()``, ``wg.Add(1)``, ``mu.TryLock()``, ``m.Store(k, v)``..."""
    if gosyncmap.method_of(c, n["Fun"]):
        return gosyncmap.call(c, n, c.syncmap_kv)
    recv, name = sync_method(c, n["Fun"])
    args = [c.expr(a) for a in n["Args"]]

    def call(f):
        return getattr(recv(f), name)(*[a(f) for a in args])
    return call


def later(c: Any, call: dict) -> Fn:
    """The call of a ``go`` or ``defer`` statement with its function value and
    arguments evaluated now (Go's rule): returns a closure giving ``(fn, args)``."""
    fun = call["Fun"]
    if is_sync_method(c, fun):
        recv, name = sync_method(c, fun)
        args = [c.expr(a) for a in call["Args"]]
        return lambda f: (getattr(recv(f), name), [a(f) for a in args])
    if fun.get("mode") == "builtin" or (fun["k"] == "SelectorExpr" and "sel" not in fun):
        raise c.unsupported(call, "go or defer of a builtin or library call")
    callee = c.expr(fun)
    args = [c.expr(a) for a in call["Args"]]
    return lambda f: (callee(f), [a(f) for a in args])


def go_stmt(c: Any, n: dict) -> Fn:
    """``go f(x)``: a new goroutine running the call (runtime.newproc)."""
    what = later(c, n["Call"])
    rt = c.rt

    def go(f):
        fn, args = what(f)
        rt.go(fn, args)
    return go


def make_chan(c: Any, t: Any, size: Fn) -> Fn:
    """``make(chan T, size)``."""
    heap, text = c.rt.heap, f"chan {t.u.elem.s}"
    return lambda f: heap.make_chan(text, size(f))


def _chan(ch: Any, what: str) -> Any:
    if ch is None:  # Go blocks forever on a nil channel; gcemu refuses it
        raise runtime_error(f"gcemu: {what} on a nil channel (Go would block forever)")
    return ch


def send(c: Any, n: dict) -> Fn:
    """``ch <- v``."""
    ch, v = c.expr(n["Chan"]), c.coerce(c.t(n["Chan"]).u.elem, n["Value"])
    return lambda f: _chan(ch(f), "send").send(v(f))


def recv(c: Any, n: dict, comma_ok: bool = False) -> Fn:
    """``<-ch`` (``v, ok := <-ch`` with ``comma_ok``)."""
    ch = c.expr(n["X"])
    if comma_ok:
        return lambda f: _chan(ch(f), "receive").recv2()
    return lambda f: _chan(ch(f), "receive").recv()


def close(c: Any, n: dict) -> Fn:
    ch = c.expr(n["Args"][0])
    return lambda f: _chan(ch(f), "close").close()


def range_chan(x: Fn, vs: Callable | None, once: Fn, brk: Any) -> Fn:
    """``for v := range ch``: receive until the channel is closed and drained."""
    def rchan(f):
        ch = _chan(x(f), "range")
        while True:
            v, ok = ch.recv2()
            if not ok:
                return None
            if vs:
                vs(f, v)
            r = once(f)
            if r is not None:
                return None if r is brk else r
    return rchan


__all__ = ["SYNC_TYPES", "close", "go_stmt", "is_sync_method", "is_sync_type", "later", "make_chan",
           "provide_sync_types", "range_chan", "recv", "send", "sync_call"]
