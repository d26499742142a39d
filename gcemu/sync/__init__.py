"""Go's sync package and channels for the goroutines of `gcemu.sched`: `Mutex`,
`RWMutex`, `WaitGroup`, `Chan` (go-concurrency.md §5)."""

from gcemu.sync.chan import Chan
from gcemu.sync.mutex import Mutex, RWMutex
from gcemu.sync.waitgroup import WaitGroup

__all__ = ["Chan", "Mutex", "RWMutex", "WaitGroup"]
