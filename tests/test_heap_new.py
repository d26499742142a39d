"""``h.new`` after issue 16's fast paths: what it works out once per type (`NewAlloc`),
the stored form of a ``[N]byte`` value taken as is, a pointer store's fast path, and
the automatic cycle's scan of containers of scalars (gcemu.core.pystack)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gcemu
from gcemu.core.heap import Object
from gcemu.errors import GcemuError
from gcemu.gotypes import GoTypeError, TypeUniverse
from gcemu.mem.sizeclasses import slot_size

DECL = "type T struct { id int; next *T; buf [48]byte }"


def _heap(**kw):
    h = gcemu.Heap(model="go", **kw)
    h.declare(DECL)
    return h


@pytest.mark.parametrize("text", ["T", "[128]byte", "[3]int16", "*T", "struct { a *T }"])
def test_new_object_fields_match_its_type(text):
    """Each call, the first (which builds the NewAlloc) and the later ones, gives an
    object laid out from its type alone."""
    h = _heap(gogc=None)
    t = h.type(text)
    objs = [h.new(text), h.new(text), h.new(t)]
    for o in objs:
        assert type(o) is Object and o.type is t and o.value == t.zero()
        assert o.noscan is (not t.has_pointers)
        assert o.size == slot_size(t.size, o.noscan)
        assert o.owner is o and not o.freed and not o.linked and o.heap is h
        assert h.objects[o.id] is o
    assert [o.id for o in objs] == [objs[0].id, objs[0].id + 1, objs[0].id + 2]
    assert len({o.addr for o in objs}) == 3


def test_new_of_something_not_a_type_is_one_clear_error():
    h = _heap()
    with pytest.raises(GoTypeError, match=r"a type must be Go type text, got"):
        h.new(["T"])                           # unhashable: no cache lookup
    with pytest.raises(GoTypeError, match=r"a type must be Go type text, got"):
        h.new(3)
    with pytest.raises(GcemuError, match=r'unknown type "U"'):
        h.new("U")
    h.declare("type U struct { x int }")       # a failed parse caches nothing
    assert h.new("U").type.name == "U"


_BYTE_VALUES = st.one_of(
    st.binary(min_size=0, max_size=6),
    st.lists(st.integers(-2, 300), min_size=0, max_size=6),
    st.binary(min_size=0, max_size=6).map(bytearray),
    st.text(max_size=4), st.integers(),
)


@settings(max_examples=150, deadline=None)
@given(value=_BYTE_VALUES)
def test_new_byte_array_value_stores_what_convert_gives(value):
    """The fast path (a ``bytes`` of N taken as is) and the converter agree with
    ``GoType.convert`` on every value: the same stored bytes, or the same error."""
    h = _heap(gogc=None)
    t = TypeUniverse().parse("[4]byte")
    try:
        want = t.convert(value, "value of new([4]uint8)")
    except GoTypeError as e:
        with pytest.raises(GoTypeError) as got:
            h.new("[4]byte", value=value)
        assert str(got.value) == str(e)
        return
    o = h.new("[4]byte", value=value)
    assert type(o.value) is bytes and o.value == want


def test_pointer_store_fast_path_keeps_its_checks():
    """``m[k] = p`` with p of exactly the pointee type links p; a freed one, a handle
    of another type, or a nil map still get their errors."""
    h = _heap()
    m = h.make_map("map[int]*T", name="m")
    a = h.new("T")
    m[1] = a
    assert a.linked and m[1] is a
    b = h.new("T")
    assert h.collect().collected(b)
    with pytest.raises(GoTypeError, match=r"was freed by GC cycle 1; it can no longer be"):
        m[2] = b
    with pytest.raises(GoTypeError, match=r"cannot use .* as \*T"):
        m[3] = h.new("[48]byte")
    with pytest.raises(GoTypeError, match=r"cannot use .* as \*T"):
        m[4] = h.make_map("map[int]int")
    m[5] = None
    assert m[5] is None


def test_a_handle_among_many_scalars_survives_automatic_cycles():
    """A list of ints is passed over in one C-speed pass; a list that also holds a
    handle, or a dict of them, is still read element by element."""
    h = gcemu.Heap(model="go")
    h.declare("type B struct { p *B; buf [4000]byte }")
    keys = list(range(100_000))                # scalars only
    mixed = [*range(1000), h.new("B"), "x", 2.5]
    table = {"n": 1, "b": [1, 2, h.new("B")]}  # two containers deep
    for _ in range(3000):
        h.new("B")
    assert h.memstats().NumGC >= 1
    assert not mixed[1000].freed and not table["b"][2].freed and len(keys) == 100_000
