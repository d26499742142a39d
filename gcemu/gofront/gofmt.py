"""Go's fmt formatting of the values these programs print (fmt/print.go, format.go).

Print adds a space between operands when neither is a string; Println always, and a
newline. %v prints a value by its type: ``true``, ``42``, ``3.5`` / ``1e+06`` (the
shortest 'g' form of strconv.FormatFloat(f, 'g', -1, 64)), ``{1 <nil>}``, ``&{1 2}``
for a pointer to a struct at top level,
``map[a:1 b:2]`` with keys sorted as fmt's internal/fmtsort sorts them, ``[1 2 3]``,
``<nil>``. Verbs: v +v d s q x X o b c t f e g T and %%, with flags - + 0 space, width
and precision. A verb the value's kind does not take prints ``%!d(string=hi)``, a
missing operand ``%!d(MISSING)``, extra operands ``%!(EXTRA int=1)``, as fmt does.

An operand whose type has an Error or String method arrives as a `Stringered` (the
method's result; gcemu.gofront.dispatch) and prints as that string for %v %s %q %x %X.
Not done (an error instead): Go-syntax %#v, the Formatter interface, String()/Error()
methods of values nested in a printed slice, map or struct, %p.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from gcemu.gofront.typetable import INTS, GoT
from gcemu.gofront.values import GoErr, Iface, Slice, Stringered

STRING = GoT({"s": "string", "k": "basic", "name": "string"})


def fmt_float(x: float, verb: str = "g", prec: int = -1) -> str:
    """strconv.FormatFloat(x, verb, prec, 64) for verbs g, e, f."""
    if x != x:
        return "NaN"
    if x in (float("inf"), float("-inf")):
        return "+Inf" if x > 0 else "-Inf"
    if verb == "f":
        return f"{x:.{6 if prec < 0 else prec}f}" if prec >= 0 else _shortest_f(x)
    if verb == "e":
        return _fix_exp(f"{x:.{prec}e}") if prec >= 0 else _shortest_e(x)
    if prec >= 0:  # %.3g
        return _fix_exp(f"{x:.{max(prec, 1)}g}")
    _, digits, exp = Decimal(repr(x)).normalize().as_tuple()
    if x == 0:
        return "-0" if repr(x).startswith("-") else "0"
    e10 = len(digits) + exp - 1
    if e10 < -4 or e10 >= 6:  # strconv: shortest 'g' decides with precision 6
        return _shortest_e(x)
    return _shortest_f(x)


def _shortest_f(x: float) -> str:
    d = Decimal(repr(x))
    s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def _shortest_e(x: float) -> str:
    sign, digits, exp = Decimal(repr(x)).normalize().as_tuple()
    ds = "".join(map(str, digits))
    e10 = len(digits) + exp - 1
    mant = ds[0] + ("." + ds[1:] if len(ds) > 1 else "")
    return ("-" if sign else "") + mant + _exp(e10)


def _exp(e: int) -> str:
    return f"e{'-' if e < 0 else '+'}{abs(e):02d}"


def _fix_exp(s: str) -> str:
    m = re.match(r"(.*)e([+-])(\d+)$", s)
    return f"{m.group(1)}e{m.group(2)}{int(m.group(3)):02d}" if m else s


def quote(s: str) -> str:
    """strconv.Quote for the strings these programs print."""
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif o < 0x20 or o == 0x7F:
            out.append(f"\\x{o:02x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _sort_key(t: GoT):
    kind = t.kind
    if kind in INTS or t.is_float or kind == "string" or kind == "bool":
        return lambda kv: kv[0]
    if kind == "pointer":
        return lambda kv: (kv[0] is not None, getattr(kv[0], "id", 0))
    return lambda kv: repr(kv[0])


def value(v: Any, t: GoT, plus: bool = False, top: bool = True) -> str:
    """%v (or %+v) of ``v``, a value of static type ``t``."""
    if isinstance(v, Iface):
        return value(v.v, v.t, plus, top)
    if isinstance(v, GoErr):
        return v.msg
    if isinstance(v, Stringered):
        return v.text
    kind = t.kind
    if kind == "bool" or kind == "untyped bool":
        return "true" if v else "false"
    if kind in INTS:
        return str(v)
    if t.is_float:
        return fmt_float(v)
    if kind in ("string", "untyped string"):
        return v
    if kind == "struct":
        fs = t.u.fields
        if plus:
            return "{" + " ".join(f"{n}:{value(v[n], ft, plus, False)}" for n, ft in fs) + "}"
        return "{" + " ".join(value(v[n], ft, plus, False) for n, ft in fs) + "}"
    if kind == "array":
        return "[" + " ".join(value(x, t.u.elem, plus, False) for x in v) + "]"
    if kind == "slice":
        xs = v.items() if isinstance(v, Slice) else []
        return "[" + " ".join(value(x, t.u.elem, plus, False) for x in xs) + "]"
    if kind == "map":
        if v is None:
            return "map[]"
        kt, et = t.u.key, t.u.elem
        pairs = sorted(v.items(), key=_sort_key(kt))
        fk, fe = kt.from_heap(), et.from_heap()
        return "map[" + " ".join(
            f"{value(fk(k) if fk else k, kt, plus, False)}:"
            f"{value(fe(e) if fe else e, et, plus, False)}" for k, e in pairs) + "]"
    if v is None:
        return "<nil>"
    if kind == "pointer" and top and t.u.elem.kind in ("struct", "array"):
        et = t.u.elem
        conv = et.from_heap()
        held = {n: v[n] for n, _ in et.u.fields} if et.kind == "struct" else v.value
        return "&" + value(conv(held) if conv else held, et, plus, False)
    if kind in ("pointer", "map", "func", "chan"):
        return f"0xc{0x10000 + getattr(v, 'id', 0) * 16:09x}"
    return str(v)


_VERB = re.compile(r"%([-+# 0]*)(\*|\d+)?(?:\.(\*|\d+)?)?([a-zA-Z%])")


def type_name(t: GoT) -> str:
    """%T: the type's name as Go prints it (main.T, *main.T, map[string]int)."""
    s = t.s
    return re.sub(r"(?<![\w.])([A-Z_a-z]\w*)", lambda m: _qualify(m.group(1), t), s)


_PREDECLARED = {"bool", "string", "int", "int8", "int16", "int32", "int64", "uint", "uint8",
                "uint16", "uint32", "uint64", "uintptr", "float32", "float64", "byte",
                "rune", "error", "any", "map", "struct", "func", "chan", "interface"}


def _qualify(name: str, t: GoT) -> str:
    return name if name in _PREDECLARED else "main." + name


def _pad(s: str, flags: str, width: int | None) -> str:
    if width is None or len(s) >= width:
        return s
    if "-" in flags:
        return s + " " * (width - len(s))
    return " " * (width - len(s)) + s


def _bad(verb: str, v: Any, t: GoT) -> str:
    return f"%!{verb}({type_name(t)}={value(v, t)})"


def one(verb: str, flags: str, width: int | None, prec: int | None, v: Any, t: GoT) -> str:
    """One operand formatted by one verb."""
    if isinstance(v, Iface):
        v, t = v.v, v.t
    if isinstance(v, Stringered):
        v, t = (v.text, STRING) if verb in "vsqxX" else (v.v, v.t)
    if verb == "T":
        return _pad(type_name(t), flags, width)
    kind = t.kind
    if isinstance(v, GoErr) and verb in "vsq":
        s = quote(v.msg) if verb == "q" else v.msg
        return _pad(s, flags, width)
    if verb == "v":
        s = value(v, t, "+" in flags)
    elif kind in INTS:
        if verb == "d":
            s = str(abs(v))
        elif verb in "xXob":
            s = format(abs(v), verb)
        elif verb == "c":
            s = chr(v)
        elif verb == "q":
            s = "'" + chr(v) + "'"
        else:
            return _bad(verb, v, t)
        if verb in "dxXob":
            if prec is not None:
                s = s.rjust(prec, "0")
            sign = "-" if v < 0 else ("+" if "+" in flags else (" " if " " in flags else ""))
            if "0" in flags and "-" not in flags and width and prec is None:
                s = s.rjust(width - len(sign), "0")
            s = sign + s
    elif t.is_float:
        if verb in "fF":
            s = fmt_float(v, "f", 6 if prec is None else prec)
        elif verb in "eE":
            s = fmt_float(v, "e", 6 if prec is None else prec)
        elif verb in "gG":
            s = fmt_float(v, "g", -1 if prec is None else prec)
        else:
            return _bad(verb, v, t)
        if "+" in flags and not s.startswith("-"):
            s = "+" + s
        if "0" in flags and "-" not in flags and width:
            neg = s[0] in "+-"
            s = (s[0] + s[1:].rjust(width - 1, "0")) if neg else s.rjust(width, "0")
    elif kind in ("string", "untyped string"):
        if verb == "s":
            s = v if prec is None else v[:prec]
        elif verb == "q":
            s = quote(v)
        elif verb in "xX":
            s = v.encode().hex()
            s = s.upper() if verb == "X" else s
        else:
            return _bad(verb, v, t)
    elif kind in ("bool", "untyped bool") and verb == "t":
        s = "true" if v else "false"
    elif verb == "s" or verb == "d":
        s = value(v, t)  # fmt applies the verb element-wise to maps, slices, structs
    else:
        return _bad(verb, v, t)
    return _pad(s, flags, width)


def sprintf(fmt: str, args: list[tuple[Any, GoT]]) -> str:
    """fmt.Sprintf(fmt, args...) with args as (value, static type) pairs."""
    out: list[str] = []
    pos = 0
    used = 0
    for m in _VERB.finditer(fmt):
        out.append(fmt[pos:m.start()])
        pos = m.end()
        flags, width, prec, verb = m.groups()
        if verb == "%":
            out.append("%")
            continue
        nums = []
        for part in (width, prec):
            if part == "*":
                if used < len(args):
                    nums.append(int(args[used][0].v if isinstance(args[used][0], Iface)
                                    else args[used][0]))
                    used += 1
                else:
                    nums.append(None)
            else:
                nums.append(int(part) if part else None)
        if prec is not None and nums[1] is None and m.group(0).find(".") >= 0:
            nums[1] = 0
        if used >= len(args):
            out.append(f"%!{verb}(MISSING)")
            continue
        v, t = args[used]
        used += 1
        out.append(one(verb, flags, nums[0], nums[1], v, t))
    out.append(fmt[pos:])
    if used < len(args):
        extra = ", ".join(f"{type_name(a[0].t if isinstance(a[0], Iface) else a[1])}="
                          f"{value(*a)}" for a in args[used:])
        out.append(f"%!(EXTRA {extra})")
    return "".join(out)


def _is_string(v: Any, t: GoT) -> bool:
    if isinstance(v, Iface | Stringered):
        return v.t.kind == "string"
    return t.kind in ("string", "untyped string")


def sprint(args: list[tuple[Any, GoT]]) -> str:
    """fmt.Sprint: a space between operands when neither is a string."""
    out: list[str] = []
    for i, (v, t) in enumerate(args):
        if i and not _is_string(v, t) and not _is_string(*args[i - 1]):
            out.append(" ")
        out.append(value(v, t))
    return "".join(out)


def sprintln(args: list[tuple[Any, GoT]]) -> str:
    """fmt.Sprintln: operands separated by spaces, then a newline."""
    return " ".join(value(v, t) for v, t in args) + "\n"


__all__ = ["fmt_float", "one", "quote", "sprint", "sprintf", "sprintln", "type_name",
           "value"]
