"""The step loop every front end drives (`Session`); the scheduler of goroutines
will live beside it."""

from gcemu.sched.session import Observer, Run, Session

__all__ = ["Observer", "Run", "Session"]
