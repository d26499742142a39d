"""``gcemu step``: the commands (`commands`), the interpreter (`stepper`), what ``show``
prints (`views`, with each map kind's own views in `kinds`) and the loops that read the
lines (`loop`).

Importing the package registers every map kind's views."""

from gcemu.ui.stepper import kinds  # noqa: F401  (each kind registers its views)
