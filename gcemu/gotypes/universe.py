"""`TypeUniverse`: the Go types of one heap, declared by name or parsed from text.

A universe holds the declared names and every type parsed so far, interned by
canonical text, so ``parse("map[string]*T") is parse("map[string]*T")``.  It parses
with parse.py and publishes only what a whole declaration or parse built (see
`gcemu.gotypes.parse.Build`): on error it is left untouched.
"""

from __future__ import annotations

from gcemu.gotypes.kinds import ALIASES, GoTypeError, show
from gcemu.gotypes.parse import Build, Parser
from gcemu.gotypes.types import PREDECLARED, GoType


class TypeUniverse:
    """The Go types of one heap: declared names and every type parsed so far.

    Examples
    --------
    >>> u = TypeUniverse()
    >>> [t.name for t in u.declare("type T struct { id int; next *T; buf [48]byte }")]
    ['T']
    >>> u.lookup("T").size, u.parse("map[string]*T") is u.parse("map[string]*T")
    (64, True)
    """

    def __init__(self) -> None:
        self._named: dict[str, GoType] = {}
        self._types: dict[str, GoType] = dict(PREDECLARED)
        self._texts: dict[str, GoType] = {}

    def declare(self, text: str) -> list[GoType]:
        """Declare Go types; all-or-nothing.

        Parameters
        ----------
        text : str
            One or more ``type`` declarations, single or grouped
            (``type ( A int; B *A )``), separated by ``;`` or new lines.

        Returns
        -------
        list of GoType
            The declared types, in order.

        Raises
        ------
        GoTypeError
            On a syntax error, an unknown or redeclared name, an invalid
            recursive type or an invalid map key type.

        Examples
        --------
        >>> u = TypeUniverse()
        >>> a, b = u.declare("type (\\n A struct { b *B }\\n B struct { a *A; n int }\\n)")
        >>> b.size, a.fields[0].type.elem is b
        (16, True)
        """
        if not isinstance(text, str):
            raise GoTypeError(f"declare needs Go source text, got {show(text)}")
        build = Build(self, text)
        declared = build.declare(Parser(text).declarations())
        build.finish()
        return declared

    def parse(self, text: str | GoType) -> GoType:
        """The type a Go type expression denotes (interned: same text, same object).

        Examples
        --------
        >>> u = TypeUniverse()
        >>> u.parse("[4]byte").name, u.parse("map[rune]string").name
        ('[4]uint8', 'map[int32]string')
        """
        if isinstance(text, GoType):
            return text
        if not isinstance(text, str):  # before the lookup: a list is not hashable
            raise GoTypeError(f"a type must be Go type text, got {show(text)}")
        t = self._texts.get(text)
        if t is not None:
            return t
        build = Build(self, text)
        t = build.build(Parser(text).type_expr())
        build.finish()
        self._texts[text] = t
        return t

    def lookup(self, name: str) -> GoType:
        """The type a bare name denotes (declared or predeclared).

        Examples
        --------
        >>> TypeUniverse().lookup("byte").name
        'uint8'
        """
        t = PREDECLARED.get(ALIASES.get(name, name)) or self._named.get(name)
        if t is None:
            raise GoTypeError(f'unknown type "{name}"')
        return t

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (name in self._named or name in PREDECLARED
                                          or name in ALIASES)
