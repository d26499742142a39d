"""Moved to :mod:`gcemu.mem.sizeclasses`; this name re-exports it for existing imports."""

from gcemu.mem.sizeclasses import *  # noqa: F403
