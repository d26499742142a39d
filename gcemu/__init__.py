"""gcemu: how Go's garbage collector treats a map after ``delete``.

The public names of api.md: `Heap` (types, objects, maps, roots, GC cycles; the
facade of `gcemu.api`), `to_dot` (pictures), the models and the version.
"""

from gcemu.api import Heap, explore, replay
from gcemu.core.models import MODELS
from gcemu.errors import GcemuError, GoPanic
from gcemu.gotypes import GoTypeError

__version__ = "0.1.0"


def to_dot(heap_or_cycle, *args, **kwargs):
    """A picture of a heap or a GC cycle as a ``graphviz.Digraph``: see
    `gcemu.render.dot.to_dot` (imported on first use, so ``import gcemu`` does not
    import graphviz).

    Examples
    --------
    >>> import gcemu
    >>> h = gcemu.Heap()
    >>> _ = h.declare("type T struct { id int }")
    >>> gcemu.to_dot(h).source.startswith("digraph")
    True
    """
    from gcemu.render.dot import to_dot as _to_dot

    return _to_dot(heap_or_cycle, *args, **kwargs)


__all__ = ["MODELS", "GcemuError", "GoPanic", "GoTypeError", "Heap", "__version__", "explore",
           "replay", "to_dot"]
