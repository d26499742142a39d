"""What the stepper shows of each map kind: each module registers its `KindViews`
(`gcemu.ui.stepper.views.register`) when imported."""

from gcemu.ui.stepper.kinds import classic, swiss

__all__ = ["classic", "swiss"]
