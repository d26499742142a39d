"""The GC pacer: GOGC, the heap goal, and the heap size at which a cycle starts.

The invariant
-------------
After every cycle the goal is ``heapMarked + (heapMarked + stacks + globals) * GOGC/100``,
never below ``heapMinimum = 4 MiB * GOGC/100``; ``MemStats.NextGC`` reports it. A new
cycle starts when ``heapLive`` (bytes marked plus bytes handed to the mcache since: each
refilled span counts whole, the unused part of a span is given back when it leaves the
cache) reaches the trigger, which lies between the marked heap and the goal.

The steps (``runtime/mgcpacer.go: (*gcControllerState).commit``, ``heapGoalInternal``,
``trigger``; ``runtime/mgc.go: gcTrigger.test``)
--------------------------------------------------------------------------------
1. ``commit`` (at the end of every cycle): the goal above. gcemu sweeps a cycle to the
   end before the program runs again (as ``runtime.GC()`` does), so the sweep-distance
   term (``sweepDistMinTrigger``) is 0 and ``minRunway`` (which applies only while a
   cycle runs) never raises the goal.
2. ``trigger``: Go computes ``goal - runway``, where the runway comes from the
   cons/mark ratio it measures in CPU time, then clamps the result to
   ``[marked + (goal-marked)*45/64, max(marked + (goal-marked)*61/64, goal - 4 MiB)]``.
   gcemu has no CPU time to measure, so it takes a **zero runway**: the trigger is Go's
   upper clamp. That is what Go does when the scan work is small; with much pointerful
   live heap Go starts earlier (measured: 0.85..0.95 of the way, go-memstats.md §2.5).
3. ``test``: ``heapLive >= trigger``, checked only when an allocation took a new span or
   was large (``shouldhelpgc``); the allocator does that (``Allocator.gc_due``).

``gogc=None`` is ``GOGC=off``: the goal is ``^uint64(0)`` and no cycle starts by itself.
"""

from __future__ import annotations

from gcemu.errors import GcemuError

__all__ = ["DEFAULT_HEAP_MINIMUM", "GOAL_OFF", "GCController"]

#: ``defaultHeapMinimum``: 4 MiB, the goal floor at GOGC=100.
DEFAULT_HEAP_MINIMUM = 4 << 20
#: ``triggerRatioDen``, ``minTriggerRatioNum``, ``maxTriggerRatioNum``.
TRIGGER_RATIO_DEN, MIN_TRIGGER_RATIO_NUM, MAX_TRIGGER_RATIO_NUM = 64, 45, 61
#: The goal under GOGC=off, as Go reports it in NextGC.
GOAL_OFF = (1 << 64) - 1


class GCController:
    """``gcControllerState``, the part that decides goal and trigger.

    Parameters
    ----------
    gogc : int or None
        GOGC; None for off.
    stacks, globals_ : int
        ``lastStackScan`` and ``globalsScan`` in bytes: the program's scannable stacks and
        globals (the binary's data+bss), which enter the goal. gcemu's heap has neither by
        default; a comparison with a given Go program passes its figure (gctrace prints it
        as "N MB globals").
    """

    def __init__(self, gogc: int | None = 100, stacks: int = 0, globals_: int = 0) -> None:
        if gogc is not None and (not isinstance(gogc, int) or gogc < 0):
            raise GcemuError(f"GOGC must be a non-negative int or None (off), got {gogc!r}")
        self.gogc = gogc
        self.stacks = stacks
        self.globals = globals_
        self.heap_minimum = DEFAULT_HEAP_MINIMUM * (gogc if gogc is not None else 100) // 100
        self.heap_marked = 0
        self.heap_live = 0
        self.goal = 0
        self.trigger = 0
        self.commit(0)

    def commit(self, heap_marked: int) -> None:
        """End of a cycle: ``heapMarked`` is known; reset heapLive, recompute goal and trigger.

        Examples
        --------
        >>> c = GCController(100, globals_=1 << 20)
        >>> c.commit(20 << 20); c.goal >> 20, round(c.trigger / (1 << 20), 2)
        (41, 40.02)
        >>> c.commit(100 << 20); c.goal >> 20, c.trigger >> 20
        (201, 197)
        """
        self.heap_marked = heap_marked
        self.heap_live = heap_marked
        if self.gogc is None:
            self.goal = self.trigger = GOAL_OFF
            return
        goal = heap_marked + (heap_marked + self.stacks + self.globals) * self.gogc // 100
        self.goal = goal = max(goal, self.heap_minimum)
        if heap_marked >= goal:
            self.trigger = goal
            return
        step = (goal - heap_marked) // TRIGGER_RATIO_DEN
        lower = heap_marked + step * MIN_TRIGGER_RATIO_NUM
        upper = heap_marked + step * MAX_TRIGGER_RATIO_NUM
        if goal > DEFAULT_HEAP_MINIMUM and goal - DEFAULT_HEAP_MINIMUM > upper:
            upper = goal - DEFAULT_HEAP_MINIMUM
        # runway 0: trigger = goal, clamped to [lower, upper]
        self.trigger = max(lower, min(goal, upper))
