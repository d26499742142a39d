"""gcemu: how Go's garbage collector treats a map after ``delete``.

The public names of api.md: `Heap` (types, objects, maps, roots, GC cycles),
`to_dot` (pictures, when the pictures module lands) and the version.
"""

from gcemu.errors import GcemuError, GoPanic
from gcemu.gotypes import GoTypeError
from gcemu.heap import Heap
from gcemu.models import MODELS

__version__ = "0.1.0"


def to_dot(heap_or_cycle, *args, **kwargs):
    """A picture of a heap or a GC cycle as a ``graphviz.Digraph``: see
    `gcemu.render.dot.to_dot` (imported on first use, so ``import gcemu`` does not
    import graphviz)."""
    from gcemu.render.dot import to_dot as _to_dot

    return _to_dot(heap_or_cycle, *args, **kwargs)


__all__ = ["MODELS", "GcemuError", "GoPanic", "GoTypeError", "Heap", "__version__", "to_dot"]
