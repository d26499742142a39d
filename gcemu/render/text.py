"""Text in pictures: user strings made visible and quoted for where they land.

Every user string (names, keys, type names) goes through `visible` (control, bidi
and line-break characters become escapes, long text is cut) and then the quoting of
where it lands: `dot_str` for quoted DOT strings (``&``, ``\\``, ``"``), `record_str`
for record fields (also ``{}|<>``), `html_str` for HTML-like labels. The DOT text is
written by gcemu.render, not by the graphviz package's quoting, so a name that happens
to look like ``<...>`` never becomes an HTML label. `short_value` is what a key or elem
cell shows.
"""

from __future__ import annotations

import html
import re
from typing import Any

from gcemu.core.heap import HeapObject
from gcemu.maps.common import ClearedString

CELL = 14  # characters a key or elem cell shows at most

_INVISIBLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f"
    "\ufeff\ufff9-\ufffb\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def visible(text: Any, limit: int | None = 40) -> str:
    """One line of text a person can read: line breaks, control and bidi characters
    and lone surrogates become escapes (``\\n``, ``\\u202e``); cut at ``limit``."""
    s = str(text)
    cut = limit is not None and len(s) > limit
    if cut:
        s = s[:limit - 1]
    s = _INVISIBLE.sub(lambda m: _NAMED.get(m.group(), f"\\u{ord(m.group()):04x}"), s)
    return s + "…" if cut else s


def dot_str(text: str) -> str:
    """The inside of a double-quoted DOT string showing ``text`` literally (graphviz
    reads entities and backslash escapes in labels)."""
    return text.replace("&", "&amp;").replace("\\", "\\\\").replace('"', '\\"')


def record_str(text: str) -> str:
    """A record field showing ``text`` literally."""
    out = []
    for ch in text.replace("&", "&amp;"):
        out.append("\\" + ch if ch in '\\{}|<>"' else ch)
    return "".join(out)


def html_str(text: str) -> str:
    """Text inside an HTML-like label."""
    return html.escape(text, quote=True)


def q(text: str) -> str:
    """A quoted DOT string of user text (one line)."""
    return f'"{dot_str(visible(text, None))}"'


def lines(*parts: str) -> str:
    """A quoted multi-line DOT label; each part is user text."""
    return '"' + "\\n".join(dot_str(visible(p, 80)) for p in parts if p) + '"'


def short_value(v: Any, limit: int = CELL) -> str:
    """A key or elem as a cell shows it (raw slot representation, see gcemu.maps.classic)."""
    if v is None:
        return ""
    if isinstance(v, HeapObject):
        return v.label
    if isinstance(v, ClearedString):
        return f"nil(len={v.length})"
    if isinstance(v, str):
        return '"' + visible(v, max(limit - 2, 3)) + '"'
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return visible(repr(v), limit)
    if isinstance(v, (tuple, list, bytes)):  # an array or struct; bytes is a [N]byte
        inner = " ".join(short_value(x, limit) for x in v[:6])
        return visible("{" + inner + ("…" if len(v) > 6 else "") + "}", limit)
    return visible(repr(v), limit)


__all__ = ["CELL", "dot_str", "html_str", "lines", "q", "record_str", "short_value",
           "visible"]
