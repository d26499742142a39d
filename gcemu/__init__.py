"""gcemu: how Go's garbage collector treats a map after ``delete``.

The public names of api.md: `Heap` (types, objects, maps, roots, GC cycles),
`to_dot` (pictures, when the pictures module lands) and the version.
"""

from gcemu.errors import GcemuError, GoPanic
from gcemu.gotypes import GoTypeError
from gcemu.heap import Heap
from gcemu.models import MODELS

__version__ = "0.1.0"

__all__ = ["MODELS", "GcemuError", "GoPanic", "GoTypeError", "Heap", "__version__"]
