"""Go's sync package and channels for the goroutines of `gcemu.sched`: `Mutex`,
`RWMutex`, `WaitGroup`, `Chan` (go-concurrency.md §5), and sync.Map as each release
builds it: `SyncMap` (Go 1.23's read/dirty maps), `HashTrieMap` (Go 1.24+) (§6)."""

from gcemu.sync.chan import Chan
from gcemu.sync.hashtriemap import HashTrieMap
from gcemu.sync.mutex import Mutex, RWMutex
from gcemu.sync.syncmap import SyncMap
from gcemu.sync.waitgroup import WaitGroup

__all__ = ["Chan", "HashTrieMap", "Mutex", "RWMutex", "SyncMap", "WaitGroup"]
