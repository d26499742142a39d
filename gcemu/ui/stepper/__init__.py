"""``gcemu step``: the commands (`commands`), the interpreter (`stepper`), what ``show``
prints (`views`) and the loops that read the lines (`loop`)."""
