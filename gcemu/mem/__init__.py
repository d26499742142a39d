"""Go's heap allocator and ``runtime.MemStats`` (go-memstats.md): spans, pages, the tiny
allocator, the pacer. :class:`gcemu.mem.allocator.Allocator` is the entry point; the heap
owns one. Modules, bottom up: sizeclasses, release, span, tiny, pageheap, central, pacer,
memstats, allocator.
"""
