"""The Go types a ``sync.Map`` declares for one key type K and value type V.

Go's sync.Map holds ``any`` keys and values; gotypes has no interfaces, so a gcemu
sync.Map is typed: ``h.sync_map("string", "*T")`` declares, for that pair, the structs
each implementation needs (``entry``, ``readOnly``, ``Map`` of sync/map.go, or
``entry``, ``indirect``, ``HashTrieMap`` of internal/sync/hashtriemap.go) under the
names ``sync_<goname>`` (``sync_<goname>_2`` … for the next pair), and ``sync_any``:
the cell Go allocates when a value is converted to ``any`` and its address taken
(``&value``): a type word and the data, the value inline (Go boxes a non-pointer value
in one more object; gcemu does not).
"""

from __future__ import annotations

from typing import Any

from gcemu.errors import GcemuError

ANY = "type {any} struct {{ _type uintptr; data {V} }}"


def declare_types(heap: Any, impl: str, key: str, value: str,
                  texts: dict[str, str]) -> dict[str, str]:
    """Declare (once per heap, implementation and (K, V)) the structs of ``texts``
    (goname -> Go struct body using ``{K}``, ``{V}`` and ``{<goname>}``) and the
    ``any`` cell; returns goname -> declared type name."""
    try:
        k, v = heap.type(key).name, heap.type(value).name
    except GcemuError as e:
        raise GcemuError(f"sync_map({key!r}, {value!r}): {e}") from None
    if heap.type(k).kind == "map":
        raise GcemuError(f"sync_map({key!r}, {value!r}): invalid map key type {k}")
    families = heap.sync_types
    found = families.get((impl, k, v))
    if found is not None:
        return found
    suffix = "" if not families else f"_{len(families) + 1}"
    names = {g: f"sync_{g}{suffix}" for g in ("any", *texts)}
    heap.declare("\n".join([ANY.format(V=v, **names)] + [
        f"type {names[g]} " + body.format(K=k, V=v, **names) for g, body in texts.items()]))
    families[(impl, k, v)] = names
    return names


__all__ = ["declare_types"]
