"""Go type text -> sizes, pointer words, flags, bucket layouts and values."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gcemu.errors import GcemuError
from gcemu.gotypes import Field, GoString, GoType, GoTypeError, TypeUniverse, map_layout

T_DECL = "type T struct { id int; next *T; buf [48]byte }"


class Handle:
    """A stand-in for a heap object handle: ``type``, integer ``id``, ``label``."""

    def __init__(self, t, oid):
        self.type = t
        self.id = oid

    @property
    def label(self):
        return f"{self.type.name}#{self.id}"


@pytest.fixture
def u():
    uni = TypeUniverse()
    uni.declare(T_DECL)
    return uni


# -- bucket layouts (§2.3) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key_size", "elem_size", "bucket_size", "has_pointers"),
    [
        ("map[string]*T", 16, 8, 208, True),
        ("map[int64]int64", 8, 8, 144, False),
        ("map[string]string", 16, 16, 272, True),
        ("map[string]bool", 16, 1, 152, True),
        ("map[int]struct{}", 8, 0, 80, False),
        ("map[[200]byte]int", 8, 8, 144, True),   # indirect key: the slot is a pointer
    ],
)
def test_bucket_sizes(u, text, key_size, elem_size, bucket_size, has_pointers):
    lay = map_layout(u.parse(text))
    assert (lay.key_size, lay.elem_size, lay.bucket_size) == (key_size, elem_size, bucket_size)
    assert lay.has_pointers is has_pointers
    assert lay.noscan is not has_pointers
    assert lay.bucket_size == 8 + 8 * lay.key_size + 8 * lay.elem_size + 8


def test_bucket_size_independent_of_T(u):
    u.declare("type Small struct { x int8 }")
    assert map_layout(u.parse("map[string]*Small")).bucket_size == 208


def test_bucket_pointer_words_map_string_ptr(u):
    lay = map_layout(u.parse("map[string]*T"))
    expected = (*range(1, 16, 2), *range(17, 25), 25)
    assert lay.bucket_ptr_words == expected
    assert lay.overflow_offset == 200 and lay.key_offset(1) == 24 and lay.elem_offset(0) == 136


def test_bucket_pointer_words_other_maps(u):
    assert map_layout(u.parse("map[int64]int64")).bucket_ptr_words == ()
    assert map_layout(u.parse("map[int]struct{}")).bucket_ptr_words == ()
    # indirect key slots are words 1..8; int elems are scalars; overflow word 17
    assert map_layout(u.parse("map[[200]byte]int")).bucket_ptr_words == (*range(1, 9), 17)
    lay = map_layout(u.parse("map[string]string"))
    assert lay.bucket_ptr_words == (*range(1, 16, 2), *range(17, 32, 2), 33)
    # a pointer-free elem still makes the overflow word a pointer
    assert map_layout(u.parse("map[string]bool")).bucket_ptr_words == (*range(1, 16, 2), 18)


def test_indirect_slots_and_flags(u):
    lay = map_layout(u.parse("map[[200]byte][129]int8"))
    assert lay.indirect_key and lay.indirect_elem
    assert (lay.key_size, lay.elem_size, lay.bucket_size) == (8, 8, 144)
    assert lay.key_slot_type.name == "*[200]uint8" and lay.key_slot_type.elem is lay.key
    assert lay.flags == 1 | 2 | 4
    small = map_layout(u.parse("map[[128]byte][128]byte"))
    assert not small.indirect_key and not small.indirect_elem and small.bucket_size == 2064
    assert map_layout(u.parse("map[string]*T")).flags == 4 | 8


@pytest.mark.parametrize(
    ("key", "reflexive", "need_update"),
    [
        ("int", True, False), ("bool", True, False), ("uintptr", True, False),
        ("*T", True, False), ("string", True, True), ("float64", False, True),
        ("float32", False, True), ("[2]float32", False, True), ("[0]float64", False, True),
        ("struct { a int; s string }", True, True), ("struct { a int; f float64 }", False, True),
        ("[3]int16", True, False), ("T", True, False),
    ],
)
def test_maptype_flags(u, key, reflexive, need_update):
    lay = map_layout(u.parse(f"map[{key}]int"))
    assert lay.reflexive_key is reflexive
    assert lay.need_key_update is need_update
    assert lay.key is u.parse(key)


def test_map_layout_cached_and_checked(u):
    t = u.parse("map[string]*T")
    assert map_layout(t) is map_layout(t)
    with pytest.raises(GoTypeError, match="map type"):
        map_layout(u.parse("*T"))


def test_slot_pointer_finders_accept_zeroed_slots(u):
    lay = map_layout(u.parse("map[string]*T"))
    h = Handle(u.lookup("T"), 1)
    assert list(lay.key_pointers("k")) == [] and list(lay.key_pointers(None)) == []
    assert lay.elem_pointers(h) == [h] and list(lay.elem_pointers(None)) == []
    lay2 = map_layout(u.parse("map[int]struct { a *T; b int }"))
    assert list(lay2.elem_pointers(None)) == [] and lay2.elem_pointers((h, 1)) == [h]


# -- sizes and pointer words ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "size", "align", "ptr_words"),
    [
        ("bool", 1, 1, ()), ("int8", 1, 1, ()), ("uint8", 1, 1, ()), ("byte", 1, 1, ()),
        ("int16", 2, 2, ()), ("uint16", 2, 2, ()), ("int32", 4, 4, ()), ("rune", 4, 4, ()),
        ("uint32", 4, 4, ()), ("float32", 4, 4, ()), ("int64", 8, 8, ()), ("uint64", 8, 8, ()),
        ("int", 8, 8, ()), ("uint", 8, 8, ()), ("uintptr", 8, 8, ()), ("float64", 8, 8, ()),
        ("string", 16, 8, (0,)), ("*T", 8, 8, (0,)), ("map[int]int", 8, 8, (0,)),
        ("T", 64, 8, (1,)), ("[48]byte", 48, 1, ()), ("[3]string", 48, 8, (0, 2, 4)),
        ("[2]*T", 16, 8, (0, 1)), ("[0]int", 0, 8, ()), ("[0]*T", 0, 8, ()),
        ("struct{}", 0, 1, ()), ("[5]struct{}", 0, 1, ()),
        ("struct { a int8; b int64; c int8 }", 24, 8, ()),
        ("struct { a int8; b int16; c int8 }", 6, 2, ()),
        ("struct { a int64; b struct{} }", 16, 8, ()),   # zero-size final field: +1 byte
        ("struct { a int8; b [0]int64 }", 16, 8, ()),
        ("struct { a int8; b struct{} }", 2, 1, ()),
        ("struct { b struct{}; a int8 }", 1, 1, ()),
        ("struct { s string; p *T; n int32 }", 32, 8, (0, 2)),
        ("[2]struct { n int32; s string }", 48, 8, (1, 4)),
    ],
)
def test_sizes_and_pointer_words(u, text, size, align, ptr_words):
    t = u.parse(text)
    assert (t.size, t.align, t.ptr_words) == (size, align, ptr_words)
    assert t.has_pointers is bool(ptr_words)


def test_struct_fields_and_offsets(u):
    t = u.lookup("T")
    assert t.kind == "struct" and t.named and t.name == "T"
    assert t.fields == (Field("id", u.parse("int"), 0), Field("next", u.parse("*T"), 8),
                        Field("buf", u.parse("[48]uint8"), 16))
    assert t.fields[1].type.elem is t
    arr = u.parse("[48]byte")
    assert (arr.kind, arr.length, arr.elem) == ("array", 48, u.parse("uint8"))


def test_kinds_and_structure(u):
    m = u.parse("map[string]*T")
    assert (m.kind, m.key, m.elem, m.elem.elem) == ("map", u.parse("string"), u.parse("*T"),
                                                   u.lookup("T"))
    assert not m.comparable and m.elem.comparable
    assert u.parse("int").elem is None and u.parse("int").fields is None
    assert not u.parse("struct { m map[int]int }").comparable
    assert not u.parse("[0]map[int]int").comparable


# -- parsing and canonical text -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("[48]byte", "[48]uint8"), ("map[rune]  *T", "map[int32]*T"),
        ("struct{a int;b *T}", "struct { a int; b *T }"),
        ("struct {\n  a, b int\n  c *T // comment\n}", "struct { a int; b int; c *T }"),
        ("struct { }", "struct {}"), ("[0x10]int", "[16]int"), ("[1_000]bool", "[1000]bool"),
        ("(*T)", "*T"), ("map[string]map[int]*[2]T", "map[string]map[int]*[2]T"),
        ("struct { _ int32; _ int32 }", "struct { _ int32; _ int32 }"),
    ],
)
def test_canonical_names(u, text, canonical):
    assert u.parse(text).name == canonical
    assert u.parse(text) is u.parse(canonical)


def test_interning(u):
    assert u.parse("map[string]*T") is u.parse("map[string]*T")
    assert u.parse("map[string]*T") is u.parse("map[ string ] * T")
    assert u.parse("byte") is u.parse("uint8") is u.lookup("byte")
    assert u.parse("*T").elem is u.lookup("T")
    assert u.parse(u.lookup("T")) is u.lookup("T")


def test_declare_forms():
    uni = TypeUniverse()
    declared = uni.declare("""
        // a comment
        type ID int64
        type (
            P *Node
            Node struct {
                id, parent ID
                kids [4]*Node; label string
            }
        )
        type Pair struct { a, b P }; type M map[ID]P
    """)
    assert [t.name for t in declared] == ["ID", "P", "Node", "Pair", "M"]
    node = uni.lookup("Node")
    assert [f.name for f in node.fields] == ["id", "parent", "kids", "label"]
    assert node.size == 8 + 8 + 32 + 16 and node.ptr_words == (2, 3, 4, 5, 6)
    assert uni.lookup("ID").kind == "int64" and uni.lookup("ID").named
    p = uni.lookup("P")
    assert p.kind == "ptr" and p.elem is node and p.underlying is uni.parse("*Node")
    assert uni.lookup("Pair").ptr_words == (0, 1)
    m = uni.lookup("M")
    assert m.kind == "map" and m.key is uni.lookup("ID") and map_layout(m).bucket_size == 144


def test_recursive_types():
    uni = TypeUniverse()
    a, b = uni.declare("type A struct { b *B; m map[string]B }\ntype B struct { a *A; n int }")
    assert a.fields[0].type.elem is b and b.fields[0].type.elem is a
    assert a.fields[1].type.elem is b and a.size == 16 and b.size == 16
    (c,) = uni.declare("type C struct { self *[2]C; tab map[int][3]C }")
    assert c.fields[0].type.elem.elem is c and c.fields[0].type.elem.size == 32
    (self_ptr,) = uni.declare("type L *L")
    assert self_ptr.kind == "ptr" and self_ptr.elem is self_ptr


def test_value_fields_need_completion_in_any_order():
    uni = TypeUniverse()
    outer, inner = uni.declare("type Outer struct { in Inner; arr [2]Inner }\n"
                               "type Inner struct { p *Outer; x int8 }")
    assert inner.size == 16 and outer.size == 48
    assert outer.ptr_words == (0, 2, 4)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("type A struct { b B }\ntype B struct { a A }",
         'invalid recursive type "A" (A refers to B refers to A)'),
        ("type X [2]X", 'invalid recursive type "X" (X refers to X)'),
        ("type Y struct { m map[Y]int; z int }", "invalid map key type Y"),
        ("type int struct {}", 'cannot redeclare predeclared type "int"'),
        ("type D int; type D int", 'type "D" redeclared'),
        ("type E struct { T }", 'embedded field "T" is not supported'),
        ("type F struct { *T }", 'embedded field "*T" is not supported'),
        ("type G = int", 'type alias "G" is not supported'),
        ("var x int", 'expected "type"'),
        ("type H struct { x Nope }", 'unknown type "Nope"'),
        ("type J struct {\n  a int\n  b *Nope\n}", 'unknown type "Nope" at line 3 in "b *Nope"'),
    ],
)
def test_declare_errors(text, message):
    uni = TypeUniverse()
    with pytest.raises(GoTypeError) as exc:
        uni.declare(text)
    assert message in str(exc.value)


def test_redeclare_across_calls(u):
    with pytest.raises(GoTypeError, match='type "T" redeclared at offset 5 in "type T int"'):
        u.declare("type T int")


def test_failed_declaration_changes_nothing():
    uni = TypeUniverse()
    with pytest.raises(GoTypeError, match='unknown type "Nope"'):
        uni.declare("type Good struct { p *Good }\ntype Bad struct { x Nope }")
    with pytest.raises(GoTypeError, match='unknown type "Good"'):
        uni.lookup("Good")
    with pytest.raises(GoTypeError, match='unknown type "Good"'):
        uni.parse("*Good")
    (good,) = uni.declare("type Good struct { p *Good }")
    assert uni.parse("*Good").elem is good


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("map[string]*Foo", 'unknown type "Foo" in "map[string]*Foo"'),
        ("map[int*T", 'expected "]" at offset 7 in "map[int*T"'),
        ("map[map[int]int]int", 'invalid map key type map[int]int at offset 4'),
        ("map[struct { m map[int]int }]int", "invalid map key type struct { m map[int]int }"),
        ("map[[2]map[int]int]int", "invalid map key type [2]map[int]int"),
        ("*map[T]map[map[int]int]int", "invalid map key type map[int]int at offset 11"),
        ("[]int", "unsupported slice type"),
        ("map[[]int]int", "unsupported slice type (slices are not modelled) at offset 4"),
        ("complex128", 'unsupported type "complex128"'),
        ("chan int", 'unsupported type "chan"'),
        ("interface{}", 'unsupported type "interface"'),
        ("func()", 'unsupported type "func"'),
        ("pkg.T", 'qualified type "pkg.T" is not supported'),
        ("struct { a int; a string }", 'duplicate field "a" at offset 16'),
        ("struct { a int b int }", 'expected ";" or "}" at offset 15'),
        ('struct { a int "tag" }', 'unexpected """ (struct tags'),
        ("[-1]int", 'unexpected "-" at offset 1'),
        ("[n]int", "expected an array length at offset 1"),
        ("[08]int", 'invalid array length "08"'),
        ("[1125899906842625]byte", "too large"),
        ("int int", 'unexpected "int" after the type at offset 4'),
        ("", "expected a type at offset 0"),
        ("struct { type int }", 'found keyword "type"'),
    ],
)
def test_parse_errors(u, text, message):
    with pytest.raises(GoTypeError) as exc:
        u.parse(text)
    assert message in str(exc.value)


def test_error_classes(u):
    with pytest.raises(ValueError):
        u.parse("Nope")
    with pytest.raises(GcemuError):
        u.lookup("Nope")
    with pytest.raises(GoTypeError, match='unknown type "Nope"'):
        u.lookup("Nope")


# -- values ----------------------------------------------------------------------------------


def test_zero_values(u):
    t = u.lookup("T")
    assert t.zero() == (0, None, bytes(48))
    assert u.parse("struct { b bool; f float32; s string; m map[int]int }").zero() == (
        False, 0.0, "", None)
    assert u.parse("[2][1]int8").zero() == ((0,), (0,))
    assert u.parse("struct{}").zero() == ()


@pytest.mark.parametrize(
    ("text", "value", "converted"),
    [
        ("int8", -128, -128), ("uint8", 255, 255), ("int64", -(2**63), -(2**63)),
        ("uint64", 2**64 - 1, 2**64 - 1), ("uintptr", 0, 0), ("bool", True, True),
        ("float64", 3, 3.0), ("float32", 0.1, 0.10000000149011612), ("float32", -0.0, -0.0),
        ("float64", math.inf, math.inf), ("string", "héllo", "héllo"),
        ("[3]byte", b"abc", b"abc"), ("[3]byte", [97, 98, 99], b"abc"),
        ("[2]uint8", bytearray(b"xy"), b"xy"), ("[0]byte", (), b""), ("[2]int", [1, 2], (1, 2)),
        ("[2]int8", b"ab", (97, 98)),
        ("struct { n int; b [2]byte }", {"b": [1, 2]}, (0, b"\x01\x02")),
        ("struct { a int; b string }", {"b": "x"}, (0, "x")),
        ("struct { a int; b string }", (1, "y"), (1, "y")),
        ("struct { a [2]struct { c bool } }", {"a": [{"c": True}, {}]}, (((True,), (False,)),)),
    ],
)
def test_convert_accepts(u, text, value, converted):
    t = u.parse(text)
    got = t.convert(value)
    assert got == converted and type(got) is type(converted)
    assert t.convert(got) == got  # idempotent


@pytest.mark.parametrize(
    ("text", "value", "message"),
    [
        ("int64", 3.5, "key of map[int64]*T: 3.5 is not an int64"),
        ("int", True, "key of map[int64]*T: True is not an int"),
        ("uint8", 256, "256 overflows uint8"),
        ("int8", -129, "-129 overflows int8"),
        ("uint", -1, "-1 overflows uint"),
        ("bool", 1, "1 is not a bool"),
        ("float64", "1.0", "'1.0' is not a float64"),
        ("float32", 1e39, "overflows float32"),
        ("string", b"x", "b'x' is not a string"),
        ("[2]int", [1], "[2]int needs 2 elements, got 1"),
        ("[2]int", 7, "7 is not a [2]int"),
        ("[2]int", [1, "x"], "key of map[int64]*T[1]: 'x' is not an int"),
        ("[2]byte", [1, 256], "key of map[int64]*T[1]: 256 overflows uint8"),
        ("[2]byte", (1, True), "key of map[int64]*T[1]: True is not a uint8"),
        ("[2]byte", [1, "x"], "key of map[int64]*T[1]: 'x' is not a uint8"),
        ("[2]byte", b"abc", "[2]uint8 needs 2 elements, got 3"),
        ("[2]byte", "ab", "'ab' is not a [2]uint8"),
        ("struct { a int }", {"b": 1}, "struct { a int } has no field 'b'"),
        ("struct { a int }", (1, 2), "has 1 fields, got 2 values"),
        ("struct { a int }", 5, "want a dict of its fields"),
        ("struct { a struct { b [2]int8 } }", {"a": {"b": [0, 300]}},
         "key of map[int64]*T.a.b[1]: 300 overflows int8"),
        ("*T", 5, "cannot use 5 (int) as *T"),
        ("map[int]int", object(), "as map[int]int"),
    ],
)
def test_convert_rejects(u, text, value, message):
    with pytest.raises(GoTypeError) as exc:
        u.parse(text).convert(value, what="key of map[int64]*T")
    assert message in str(exc.value)


def test_convert_default_what_and_named_types(u):
    u.declare("type ID int64")
    with pytest.raises(GoTypeError, match=r"^value: 'x' is not an ID \(int64\)$"):
        u.lookup("ID").convert("x")


def test_convert_handles(u):
    u.declare("type U struct { x int }\ntype P *T\ntype M map[string]int")
    t, p = u.lookup("T"), u.parse("*T")
    h, other = Handle(t, 1), Handle(u.lookup("U"), 4)
    assert p.convert(h) is h and p.convert(None) is None
    assert u.lookup("P").convert(h) is h
    with pytest.raises(GoTypeError, match=r"^T\.next: cannot use \*U object U#4 as \*T$"):
        t.convert({"next": other}, what="T")
    m = Handle(u.parse("map[string]int"), 2)
    assert u.parse("map[string]int").convert(m) is m
    assert u.lookup("M").convert(m) is m        # identical underlying types are assignable
    with pytest.raises(GoTypeError, match="cannot use map"):
        u.parse("map[string]*T").convert(m)


def test_byte_arrays_are_bytes(u):
    """[N]byte values are one immutable bytes object, whatever the sequence given."""
    u.declare("type B uint8")
    b = bytes(range(200))
    t = u.parse("[200]byte")
    assert t.convert(b) is b and t.convert(list(b)) == b and t.to_python(b) is b
    assert type(u.parse("[3]B").convert([1, 2, 3])) is bytes
    assert u.parse("[3]B").zero() == bytes(3) and u.parse("[2][2]byte").zero() == (b"\0\0",) * 2
    assert type(u.parse("[2]int8").convert(b"ab")) is tuple  # only uint8 elements are bytes


def test_to_python(u):
    h = Handle(u.lookup("T"), 1)
    t = u.parse("struct { a int; n struct { p *T; _ int }; arr [2]struct { c bool } }")
    v = t.convert({"a": 1, "n": {"p": h}})
    assert t.to_python(v) == {"a": 1, "n": {"p": h}, "arr": ({"c": False}, {"c": False})}
    assert u.parse("[2]int").to_python((1, 2)) == (1, 2)
    assert u.parse("*T").to_python(h) is h


def test_pointers(u):
    t = u.lookup("T")
    a, b, c = Handle(t, 1), Handle(t, 2), Handle(t, 3)
    m = Handle(u.parse("map[int]int"), 4)
    assert list(t.pointers(t.zero())) == []
    assert t.pointers(t.convert({"next": a})) == [a]
    assert u.parse("*T").pointers(a) == [a] and list(u.parse("*T").pointers(None)) == []
    assert u.parse("[3]*T").pointers((a, None, b)) == [a, b]
    n = u.parse("struct { s string; ps [2]*T; m map[int]int; in struct { q *T; x int } }")
    assert n.pointers(n.convert({"ps": [a, b], "m": m, "in": {"q": c}})) == [a, b, m, c]
    assert n.pointers(n.zero()) == []
    nested = u.parse("[2]struct { p *T; q *T }")
    assert nested.pointers(((a, None), (b, c))) == [a, b, c]
    for text in ("string", "int", "[48]byte", "[0]*T"):
        assert u.parse(text).pointers(u.parse(text).zero()) == ()
    # a string's data pointer finds its data once a heap stored it (GoString)
    st = u.parse("struct { s string; n int }")
    assert list(st.pointers(st.zero())) == []
    g = GoString("key0001")
    g.data = a
    assert st.pointers((g, 1)) == [a] and u.parse("string").pointers(g) == (a,)


def test_hash_bytes(u):
    assert u.parse("int64").hash_bytes(-1) == b"\xff" * 8
    assert u.parse("uint8").hash_bytes(5) == (5).to_bytes(8, "little")
    f = u.parse("float64")
    assert f.hash_bytes(-0.0) == f.hash_bytes(0.0) != f.hash_bytes(1.0)
    assert math.isnan(float.fromhex("nan")) and len(f.hash_bytes(math.nan)) == 8
    s = u.parse("string")
    assert s.hash_bytes("hé") == (3).to_bytes(8, "little") + "hé".encode()
    pair = u.parse("struct { a string; b string }")
    assert pair.hash_bytes(("ab", "c")) != pair.hash_bytes(("a", "bc"))
    blank = u.parse("struct { a int8; _ int8 }")
    assert blank.hash_bytes((1, 2)) == blank.hash_bytes((1, 3))
    p = u.parse("*T")
    h1, h2 = Handle(u.lookup("T"), 1), Handle(u.lookup("T"), 2)
    assert p.hash_bytes(h1) != p.hash_bytes(h2) != p.hash_bytes(None)
    assert u.parse("[2]bool").hash_bytes((True, False)) == b"\x01\x00"
    u8 = u.parse("uint8")
    assert u.parse("[3]byte").hash_bytes(b"\x01\x02\xff") == b"".join(
        u8.hash_bytes(x) for x in (1, 2, 255))  # as an integer element hashes
    with pytest.raises(GoTypeError, match="not comparable"):
        u.parse("struct { m map[int]int }").hash_bytes((None,))
    with pytest.raises(GoTypeError, match="not comparable"):
        u.parse("map[int]int").hash_bytes(None)


# -- property: random nested types ----------------------------------------------------------

SCALARS = ["bool", "int8", "int16", "int32", "int64", "int", "uint8", "uint16", "uint32",
           "uint64", "uintptr", "float32", "float64", "string", "byte", "rune", "*T",
           "map[string]*T", "T", "struct{}"]


def _struct(members):
    return "struct { " + "; ".join(f"f{i} {m}" for i, m in enumerate(members)) + " }"


TYPE_TEXT = st.recursive(
    st.sampled_from(SCALARS),
    lambda inner: st.one_of(
        st.builds(lambda n, t: f"[{n}]{t}", st.integers(0, 4), inner),
        st.builds(_struct, st.lists(inner, max_size=5)),
    ),
    max_leaves=12,
)


def _as_lists(v):
    """A value as a user might give it: every aggregate (bytes included) as a list."""
    return [_as_lists(x) for x in v] if isinstance(v, (tuple, bytes)) else v


@settings(max_examples=150, deadline=None)
@given(TYPE_TEXT)
def test_random_nested_types(text):
    uni = TypeUniverse()
    uni.declare(T_DECL)
    t = uni.parse(text)
    assert isinstance(t, GoType)
    assert t.align in (1, 2, 4, 8)
    assert t.size % t.align == 0
    assert all(0 <= w < t.size // 8 for w in t.ptr_words)
    assert list(t.ptr_words) == sorted(set(t.ptr_words))
    assert t.has_pointers is bool(t.ptr_words)
    if t.kind == "struct":
        for f in t.fields:
            assert f.offset % f.type.align == 0 and f.offset + f.type.size <= t.size
    zero = t.zero()
    assert t.convert(zero) == zero
    assert t.convert(_as_lists(zero)) == zero  # [N]byte from a list is bytes again
    assert list(t.pointers(zero)) == []
    assert uni.parse(t.name) is t
    if t.comparable:
        assert isinstance(t.hash_bytes(zero), bytes)
        assert t.hash_bytes(t.convert(_as_lists(zero))) == t.hash_bytes(zero)
        lay = map_layout(uni.parse(f"map[{t.name}]int"))
        assert lay.indirect_key is (t.size > 128)
