"""The errors gcemu raises for bad input: each carries one line a person can act on."""


class GcemuError(Exception):
    """Bad input (a type, a key, a name, a scenario): the message names what and where."""


class GoPanic(GcemuError):
    """What would be a Go run-time panic, e.g. assignment to entry in nil map."""


class GcemuWarning(UserWarning):
    """Work gcemu will do but that is slow or big (e.g. a huge make hint): one line
    naming the size and the expected cost."""
