"""Go type text to `GoType`: tokenizer, recursive-descent parser, staged builder.

The grammar is the type part of the Go spec: ``TypeName | "*" Type | "[" N "]" Type |
"map" "[" Type "]" Type | "struct" "{" fields "}" | "(" Type ")"``, and ``type``
declarations, single or grouped.  The tokenizer inserts semicolons at new lines as
Go's does (``go/scanner``), so declarations may span lines.  The parser turns text
into a syntax tree of plain tuples; a `Build` then makes the types.

The invariant of a build: it is all-or-nothing.  Every type it makes is staged in the
build and published to the universe only by `Build.finish`, after every declared name
is laid out and every lazy pointer/map element is resolved; an error anywhere leaves
the universe untouched.  The steps of a declaration: create every declared name first,
so names may refer to each other; complete each one in order, laying out the types its
layout needs (a name met again while being completed is an invalid recursive type; a
pointer or map breaks the recursion because its element is resolved lazily); then
resolve the lazy elements and check map keys.
Types are interned by canonical text (``byte`` is ``uint8``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from gcemu.gotypes.kinds import ALIASES, GoTypeError
from gcemu.gotypes.types import (
    MAX_WIDTH,
    PREDECLARED,
    GoType,
    new_array,
    new_map,
    new_pointer,
    new_struct,
)

if TYPE_CHECKING:
    from gcemu.gotypes.universe import TypeUniverse

_GO_KEYWORDS = frozenset((
    "break", "case", "chan", "const", "continue", "default", "defer", "else", "fallthrough",
    "for", "func", "go", "goto", "if", "import", "interface", "map", "package", "range",
    "return", "select", "struct", "switch", "type", "var",
))
_UNSUPPORTED = {
    "complex64": "complex numbers are not modelled",
    "complex128": "complex numbers are not modelled",
    "any": "interfaces are not modelled",
    "error": "interfaces are not modelled",
    "interface": "interfaces are not modelled",
    "chan": "channels are not modelled",
    "func": "functions are not modelled",
}

_TOKEN_RE = re.compile(
    r"""(?P<nl>\n)|(?P<ws>[ \t\r\f\v]+)|(?P<lc>//[^\n]*)|(?P<bc>/\*.*?\*/)
    |(?P<ident>[^\W\d]\w*)|(?P<num>\d\w*)|(?P<punct>[*\[\]{}();,.=])""",
    re.VERBOSE | re.DOTALL,
)
_SEMI_AFTER = frozenset(("ident", "num", ")", "]", "}"))

Token = tuple[str, str, int]  # (kind, text, offset); kind is "ident", "num", a punct, "eof"


def _where(text: str, off: int, offset: bool = True) -> str:
    """Locate ``off`` in ``text`` for a message: ``at offset 7 in "..."``."""
    if "\n" not in text and len(text) <= 120:
        return f'at offset {off} in "{text}"' if offset else f'in "{text}"'
    start = text.rfind("\n", 0, off) + 1
    end = text.find("\n", off)
    line = text[start:len(text) if end < 0 else end]
    lead = len(line) - len(line.lstrip())
    col = off - start - lead
    snippet = line.strip()
    if len(snippet) > 120:
        lo = max(0, col - 50)
        snippet, col = snippet[lo:lo + 100], col - lo
    lineno = text.count("\n", 0, off) + 1
    where = f"line {lineno}"
    if offset:
        where += f", offset {col}"
    return f'at {where} in "{snippet}"'


def _tokenize(text: str) -> list[Token]:
    """Go tokens, with Go's automatic semicolon insertion at newlines."""
    toks: list[Token] = []
    pos, n = 0, len(text)
    while pos < n:
        m = _TOKEN_RE.match(text, pos)
        if m is None:
            ch = text[pos]
            hint = " (struct tags and literals are not supported)" if ch in "\"`'" else ""
            raise GoTypeError(f'unexpected "{ch}"{hint} {_where(text, pos)}')
        kind, tok = m.lastgroup, m.group()
        if kind == "nl" or (kind == "bc" and "\n" in tok):
            if toks and toks[-1][0] in _SEMI_AFTER:
                toks.append((";", "\n", m.start()))
        elif kind == "punct":
            toks.append((tok, tok, m.start()))
        elif kind in ("ident", "num"):
            toks.append((kind, tok, m.start()))
        pos = m.end()
    if toks and toks[-1][0] in _SEMI_AFTER:
        toks.append((";", "", n))
    toks.append(("eof", "", n))
    return toks


# Syntax tree nodes (plain tuples, offset second):
#   ("name", off, ident)          ("ptr", off, sub)        ("array", off, n, sub)
#   ("map", off, key, value)      ("struct", off, ((field_name, sub, off), ...))
Node = tuple


def _parse_int(s: str) -> int:
    """A Go integer literal (decimal, 0x, 0o, 0b, legacy 0-octal, underscores)."""
    if re.fullmatch(r"0[0-7_]+", s):
        return int(s, 8)
    return int(s, 0)


class Parser:
    """Recursive-descent parser for Go type expressions and type declarations."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokenize(text)
        self.i = 0

    # -- token helpers -----------------------------------------------------

    def peek(self, k: int = 0) -> Token:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def next(self) -> Token:
        tok = self.toks[self.i]
        if tok[0] != "eof":
            self.i += 1
        return tok

    def error(self, msg: str, tok: Token) -> GoTypeError:
        return GoTypeError(f"{msg} {_where(self.text, tok[2])}")

    def expect(self, kind: str) -> Token:
        tok = self.peek()
        if tok[0] != kind:
            raise self.error(f'expected "{kind}"', tok)
        return self.next()

    def ident(self, what: str) -> Token:
        tok = self.peek()
        if tok[0] != "ident":
            raise self.error(f"expected {what}", tok)
        if tok[1] in _GO_KEYWORDS:
            raise self.error(f'expected {what}, found keyword "{tok[1]}"', tok)
        return self.next()

    # -- entry points --------------------------------------------------------

    def type_expr(self) -> Node:
        """A whole text that is one type expression."""
        node = self.type()
        while self.peek()[0] == ";":
            self.next()
        tok = self.peek()
        if tok[0] != "eof":
            raise self.error(f'unexpected "{tok[1]}" after the type', tok)
        return node

    def declarations(self) -> list[tuple[str, int, Node]]:
        """``type`` declarations, single or grouped: ``(name, offset, node)``."""
        specs: list[tuple[str, int, Node]] = []
        while self.peek()[0] != "eof":
            if self.peek()[0] == ";":
                self.next()
                continue
            tok = self.peek()
            if tok[:2] != ("ident", "type"):
                raise self.error('expected "type"', tok)
            self.next()
            if self.peek()[0] == "(":
                self.group(specs)
            else:
                specs.append(self.spec())
            if self.peek()[0] not in (";", "eof"):
                raise self.error('expected ";" or a new line', self.peek())
        return specs

    def group(self, specs: list[tuple[str, int, Node]]) -> None:
        """``type ( A int; B *A )``."""
        self.expect("(")
        while self.peek()[0] != ")":
            if self.peek()[0] == ";":
                self.next()
                continue
            specs.append(self.spec())
            if self.peek()[0] not in (";", ")"):
                raise self.error('expected ";" or ")"', self.peek())
        self.expect(")")

    def spec(self) -> tuple[str, int, Node]:
        """``Name Type``."""
        name = self.ident("a type name")
        if self.peek()[0] == "=":
            raise self.error(f'type alias "{name[1]}" is not supported', name)
        return name[1], name[2], self.type()

    # -- types -----------------------------------------------------------------

    def type(self) -> Node:
        tok = self.peek()
        kind, text, off = tok
        if kind == "*":
            self.next()
            return ("ptr", off, self.type())
        if kind == "[":
            return self.array()
        if kind == "(":
            self.next()
            node = self.type()
            self.expect(")")
            return node
        if kind != "ident":
            raise self.error("expected a type", tok)
        if text == "struct":
            return self.struct()
        if text == "map":
            self.next()
            self.expect("[")
            key = self.type()
            self.expect("]")
            return ("map", off, key, self.type())
        if text in _UNSUPPORTED:
            raise self.error(f'unsupported type "{text}" ({_UNSUPPORTED[text]})', tok)
        if text in _GO_KEYWORDS:
            raise self.error(f'expected a type, found keyword "{text}"', tok)
        self.next()
        if self.peek()[0] == ".":
            raise self.error(f'qualified type "{text}.{self.peek(1)[1]}" is not supported', tok)
        return ("name", off, text)

    def array(self) -> Node:
        """``[N]X`` (``[]X`` is a slice: not modelled)."""
        start = self.next()
        tok = self.peek()
        if tok[0] == "]":
            raise self.error("unsupported slice type (slices are not modelled)", start)
        if tok[0] != "num":
            raise self.error("expected an array length", tok)
        self.next()
        try:
            n = _parse_int(tok[1])
        except ValueError:
            raise self.error(f'invalid array length "{tok[1]}"', tok) from None
        self.expect("]")
        return ("array", start[2], n, self.type())

    def struct(self) -> Node:
        """``struct { a, b int; c *T }``; embedded fields and tags are rejected."""
        start = self.next()
        self.expect("{")
        fields: list[tuple[str, Node, int]] = []
        seen: set[str] = set()
        while self.peek()[0] != "}":
            for name, sub, off in self.field_decl():
                if name != "_" and name in seen:
                    raise GoTypeError(f'duplicate field "{name}" {_where(self.text, off)}')
                seen.add(name)
                fields.append((name, sub, off))
            if self.peek()[0] == ";":
                self.next()
            elif self.peek()[0] != "}":
                raise self.error('expected ";" or "}"', self.peek())
        self.expect("}")
        return ("struct", start[2], tuple(fields))

    def field_decl(self) -> list[tuple[str, Node, int]]:
        """One line of a struct: ``a, b int``."""
        tok = self.peek()
        if tok[0] == "*" or (tok[0] == "ident" and self.peek(1)[0] in (";", "}", ".")):
            shown = tok[1] + (self.peek(1)[1] if tok[0] == "*" else "")
            raise self.error(f'embedded field "{shown}" is not supported (name the field)', tok)
        names = [self.ident("a field name")]
        while self.peek()[0] == ",":
            self.next()
            names.append(self.ident("a field name"))
        sub = self.type()
        return [(name, sub, off) for _, name, off in names]


# ---------------------------------------------------------------------------
# Building types from syntax
# ---------------------------------------------------------------------------


class Build:
    """One parse or declaration: staged types, committed only if all is well."""

    def __init__(self, universe: TypeUniverse, text: str) -> None:
        self.u = universe
        self.text = text
        self.types: dict[str, GoType] = {}     # staged interned types, by canonical text
        self.decls: dict[str, tuple[GoType, Node, int]] = {}
        self.state: dict[str, int] = {}        # 1 = being completed, 2 = done
        self.stack: list[str] = []
        self.lazy: list[GoType] = []

    def error(self, msg: str, off: int, offset: bool = True) -> GoTypeError:
        return GoTypeError(f"{msg} {_where(self.text, off, offset)}")

    # -- names ---------------------------------------------------------------

    def named(self, node: Node) -> GoType:
        """The type a name denotes; a name declared in this batch is completed."""
        name = ALIASES.get(node[2], node[2])
        t = PREDECLARED.get(name) or self.u._named.get(name)
        if t is not None:
            return t
        if name in self.decls:
            self.complete(name)
            return self.decls[name][0]
        raise self.unknown(node)

    def unknown(self, node: Node) -> GoTypeError:
        return self.error(f'unknown type "{node[2]}"', node[1], offset=False)

    def canon(self, node: Node) -> str:
        """The canonical text of a type expression (names are checked)."""
        kind = node[0]
        if kind == "name":
            name = ALIASES.get(node[2], node[2])
            if name in PREDECLARED or name in self.u._named or name in self.decls:
                return name
            raise self.unknown(node)
        if kind == "ptr":
            return "*" + self.canon(node[2])
        if kind == "array":
            return f"[{node[2]}]{self.canon(node[3])}"
        if kind == "map":
            return f"map[{self.canon(node[2])}]{self.canon(node[3])}"
        if not node[2]:
            return "struct {}"
        return "struct { " + "; ".join(f"{n} {self.canon(s)}" for n, s, _ in node[2]) + " }"

    # -- building --------------------------------------------------------------

    def build(self, node: Node) -> GoType:
        """The (interned) type of a syntax node."""
        if node[0] == "name":
            return self.named(node)
        name = self.canon(node)
        t = self.u._types.get(name) or self.types.get(name)
        if t is None:
            t = self.types[name] = self.construct(node, name)
        return t

    def construct(self, node: Node, name: str) -> GoType:
        kind = node[0]
        if kind == "ptr":
            t = new_pointer(name)
            t._lazy = lambda: self.resolve_pointer(t, node[2])
            self.lazy.append(t)
            return t
        if kind == "map":
            t = new_map(name)
            t._lazy = lambda: self.resolve_map(t, node[2], node[3])
            self.lazy.append(t)
            return t
        if kind == "array":
            return self.construct_array(node, name)
        members = [(fname, self.build(sub)) for fname, sub, _ in node[2]]
        t = self.sized(lambda: new_struct(name, members), node[1])
        return t

    def construct_array(self, node: Node, name: str) -> GoType:
        n = node[2]
        if n >= 1 << 63:
            raise self.error(f"array length {n} overflows int", node[1])
        elem = self.build(node[3])
        return self.sized(lambda: new_array(name, n, elem), node[1])

    def sized(self, make: Callable[[], GoType], off: int) -> GoType:
        """Make a type, then enforce gc's size limit; errors point at ``off``."""
        try:
            t = make()
        except GoTypeError as e:
            raise self.error(str(e), off) from None
        if t.size > MAX_WIDTH:
            raise self.error(f"type {t.name} too large", off)
        return t

    def resolve_pointer(self, t: GoType, sub: Node) -> None:
        t._lazy = None
        t._elem = self.build(sub)

    def resolve_map(self, t: GoType, knode: Node, vnode: Node) -> None:
        t._lazy = None
        key, t._elem = self.build(knode), self.build(vnode)
        t._key = key
        if not key.comparable:
            raise self.error(f"invalid map key type {key.name}", knode[1])

    # -- declarations ----------------------------------------------------------

    def declare(self, specs: list[tuple[str, int, Node]]) -> list[GoType]:
        """Create every declared name first, then complete them in order."""
        for name, off, node in specs:
            if name in PREDECLARED or name in ALIASES:
                raise self.error(f'cannot redeclare predeclared type "{name}"', off)
            if name in self.u._named or name in self.decls:
                raise self.error(f'type "{name}" redeclared', off)
            self.decls[name] = (GoType(name, None, named=True), node, off)
        for name, _, _ in specs:
            self.complete(name)
        return [self.decls[name][0] for name, _, _ in specs]

    def complete(self, name: str) -> None:
        """Lay out a declared type, completing the types its layout needs."""
        state = self.state.get(name)
        if state == 2:
            return
        t, node, off = self.decls[name]
        if state == 1:
            cycle = " refers to ".join([*self.stack[self.stack.index(name):], name])
            raise self.error(f'invalid recursive type "{name}" ({cycle})', off)
        self.state[name] = 1
        self.stack.append(name)
        t._become(self.build(node)._u)
        self.stack.pop()
        self.state[name] = 2

    def finish(self) -> None:
        """Resolve every lazy pointer/map element, then publish the types."""
        i = 0
        while i < len(self.lazy):  # resolving may stage more lazy types
            t = self.lazy[i]
            if t._lazy is not None:
                t._lazy()
            i += 1
        self.u._types.update(self.types)
        self.u._named.update((name, decl[0]) for name, decl in self.decls.items())
