"""The pytest plugin, tested with pytester: a passing file and a failing file."""

import sys

import pytest

pytest_plugins = ("pytester",)

PASSING = '''
import pytest
from gcemu.testing import assert_collected, assert_retained, assert_stale

T = "type T struct { id int; next *T; buf [48]byte }"

def setup(heap):
    heap.declare(T)
    m = heap.make_map("map[string]*T", name="m")
    for k in "abc":
        m[k] = heap.new("T", name=k)
    return m

@pytest.mark.gcemu(model="go")
def test_go_frees_deleted_value(heap):
    m = setup(heap)
    b = m["b"]
    del m["b"]
    report = heap.collect()
    assert heap.model.name == "go"
    assert_collected(report, b)
    assert_retained(report, m["c"], reason="live")

def test_default_model_is_scanmap(heap):
    m = setup(heap)
    b = m["b"]
    del m["b"]
    assert heap.model.name == "scanmap"
    assert_stale(heap.collect(), b)
'''

FAILING = '''
import pytest
from gcemu.testing import assert_collected, assert_retained_bytes

def test_expects_collection_but_scanmap_keeps_it(heap):
    heap.declare("type T struct { id int; next *T; buf [48]byte }")
    m = heap.make_map("map[string]*T", name="m")
    for k in "abc":
        m[k] = heap.new("T", name=k)
    b = m["b"]
    del m["b"]
    assert_collected(heap.collect(), b)

@pytest.mark.gcemu(model="go")
def test_bucket_bytes_stay(heap):
    heap.declare("type T struct { id int }")
    m = heap.make_map("map[string]*T", name="m")
    for i in range(1000):
        m[f"k{i}"] = heap.new("T")
    for i in range(1000):
        del m[f"k{i}"]
    assert_retained_bytes(heap.collect(), m, at_most=1000)

@pytest.mark.gcemu(model="go-swiss")
def test_swiss_group_bytes_stay(heap):
    heap.declare("type T struct { id int }")
    m = heap.make_map("map[string]*T", name="m")
    for i in range(1000):
        m[f"k{i}"] = heap.new("T")
    for i in range(1, 1000):
        del m[f"k{i}"]
    assert_retained_bytes(heap.collect(), m, at_most=1000)
'''


def test_passing_file(pytester):
    pytester.makepyfile(test_pass=PASSING)
    result = pytester.runpytest_subprocess("-q")
    result.assert_outcomes(passed=2)


def test_failing_file_names_the_empty_one_slot(pytester):
    pytester.makepyfile(test_fail=FAILING)
    result = pytester.runpytest_subprocess("-q")
    result.assert_outcomes(failed=3)
    out = result.stdout.str()
    assert "expected T#" in out and "(b) to be collected" in out
    assert "bucket 0 slot 1 (emptyOne, stale elem)" in out
    assert "bucket 0 tophash: [" in out and "emptyOne" in out
    assert "model scanmap" in out
    assert "keeps 57,4" in out and "model go" in out  # hmap + extra + 57,344 B array
    assert ".dot" in out and "picture:" in out
    dots = list(pytester.path.parent.parent.rglob("path-*.dot")) or list(
        pytester.path.rglob("path-*.dot"))
    assert dots, "the failure named a DOT file that does not exist"
    ours = list(pytester.path.rglob("path-*.dot"))  # this test's own folder only
    assert ours and not list(pytester.path.rglob("*.gv"))


def test_retained_bytes_failure_breaks_the_map_down(pytester):
    pytester.makepyfile(test_fail=FAILING)
    out = pytester.runpytest_subprocess("-q", "-k", "bytes_stay").stdout.str()
    # go-classic-map.md §12: B=8 map[string]*T, a 57,344 B array, hmap 48 + mapextra 24
    assert "classic map: count=0 B=8 noverflow=" in out
    assert "hmap 72 + buckets 57,344 + overflow 0 + oldbuckets 0 = 57,416 B of map" in out
    # go-memstats.md §2: go1.25 keeps 2 tables x 27,264 B groups plus 128 B
    assert "Swiss map: count=1 dirLen=2 globalDepth=1 tables=2 capacity=2048" in out
    assert "map 48 + directory 16 + tables 64 + groups 54,528 = 54,656 B of map" in out
    assert "referents only it keeps: 8 B" in out  # the one T left (8 B size class)
    assert "referents only it keeps: 0 B" in out


def test_failures_hide_gcemus_own_frames(pytester):
    pytester.makepyfile(test_fail=FAILING)
    out = pytester.runpytest_subprocess("-q").stdout.str()
    assert "assert_collected(heap.collect(), b)" in out  # the test's own line
    for inside in ("raise AssertionError", "def assert_", "_explain(", "gcemu/testing.py"):
        assert inside not in out, inside


def test_option_sets_the_model_and_marker_wins(pytester):
    pytester.makepyfile(test_opt='''
import pytest
def test_option(heap):
    assert heap.model.name == "go"
@pytest.mark.gcemu(model="scanmap")
def test_marker_wins(heap):
    assert heap.model.name == "scanmap"
''')
    result = pytester.runpytest_subprocess("-q", "--gcemu-model", "go")
    result.assert_outcomes(passed=2)


def test_help_and_markers_are_registered(pytester):
    result = pytester.runpytest_subprocess("--help")
    assert "--gcemu-model" in result.stdout.str()
    result = pytester.runpytest_subprocess("--markers")
    assert "gcemu(model=" in result.stdout.str()


def test_loading_the_plugin_does_not_import_graphviz():
    import subprocess
    code = ("import sys, gcemu.pytest_plugin, gcemu.testing; "
            "print('graphviz' in sys.modules, 'networkx' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.split() == ["False", "False"], out.stderr


@pytest.mark.gcemu(model="go")
def test_dogfood_the_fixture(heap):
    from gcemu.testing import assert_collected
    heap.declare("type T struct { id int }")
    m = heap.make_map("map[int64]*T", name="m")
    m[1] = heap.new("T")
    v = m[1]
    del m[1]
    assert_collected(heap.collect(), v)
