"""The step loop every front end drives (`Session`); beside it the scheduler of
goroutines, the schedule explorer, and the GC's mark worker as a goroutine."""

from gcemu.sched.session import Observer, Run, Session

__all__ = ["Observer", "Run", "Session"]
