"""``gcemu explain SCENARIO MAP`` and ``gcemu compare SCENARIO --explain MAP``: the
issue-17 question ("map[string]*Session, 99% deleted: how much does the map still hold
and why?"), checked against the sizes the spec measured on real Go."""

import json

import pytest

from gcemu.cli import main

SESSIONS = '''"""1,000 sessions, all but every 100th deleted."""


def scenario(heap):
    heap.declare("type T struct { id int; next *T; buf [48]byte }")
    m = heap.make_map("map[string]*T", name="sessions")
    for i in range(1000):
        m[f"key{i:04d}"] = heap.new("T", value={"id": i})
    for i in range(1000):
        if i % 100:
            del m[f"key{i:04d}"]
'''

ITERATING = '''"""A range loop that began before the map grew is still running."""

LOOPS = []


def scenario(heap):
    heap.declare("type T struct { id int }")
    m = heap.make_map("map[int]*T", name="m")
    for i in range(8):
        m[i] = heap.new("T", value={"id": i})
    it = iter(m.items())
    next(it)
    for i in range(8, 200):
        m[i] = heap.new("T", value={"id": i})
    LOOPS.append(it)
'''


@pytest.fixture(scope="module")
def sessions(tmp_path_factory):
    p = tmp_path_factory.mktemp("explain") / "sessions.py"
    p.write_text(SESSIONS)
    return p


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def explained(capsys, path, name, model):
    code, out, err = run(capsys, "explain", path, name, "--model", model, "--json")
    assert code == 0, err
    return json.loads(out)


def test_classic_map_keeps_its_bucket_array(capsys, sessions):
    ex = explained(capsys, sessions, "sessions", "go")
    # go-classic-map.md §12: a B=8 map[string]*T (1000 keys) holds 256 main + 19
    # preallocated overflow buckets in one 57,344 B object, plus hmap 48 B and mapextra 24 B
    assert (ex["live"], ex["capacity"]) == (10, 8 << 8)
    assert ex["bytes"] == {"hmap": 72, "buckets": 57344, "overflow": 0, "oldbuckets": 0}
    assert ex["referents"] == {"live": {"objects": 10, "bytes": 640},
                               "stale": {"objects": 0, "bytes": 0}}
    # a rebuild: make(map, 10) has B=1, 2 buckets of 416 B (same table), and no mapextra
    assert ex["rebuilt"]["bytes"]["buckets"] == 416
    assert ex["rebuild_frees"] == ex["total"] - ex["rebuilt"]["total"]
    assert any("never shrinks" in r for r in ex["reasons"])


def test_swiss_map_keeps_its_tables_and_tombstones(capsys, sessions):
    for model in ("go-swiss", "go-swiss-1.27"):
        ex = explained(capsys, sessions, "sessions", model)
        # go-memstats.md §2: go1.25 keeps 2 tables x 27,264 B groups plus 128 B
        assert ex["bytes"]["groups"] == 2 * 27264, model
        assert ex["total"] - ex["bytes"]["groups"] == 128, model
        assert (ex["live"], ex["capacity"]) == (10, 2048), model
        assert any("tombstones" in r for r in ex["reasons"]), model
        assert ex["rebuilt"]["total"] < 1024, model


def test_scanmap_names_its_stale_referents_and_what_go_does(capsys, sessions):
    ex = explained(capsys, sessions, "sessions", "scanmap")
    n, b = ex["referents"]["stale"]["objects"], ex["referents"]["stale"]["bytes"]
    assert n > 0 and b == 64 * n
    assert ex["rebuild_frees"] == ex["total"] - ex["rebuilt"]["total"] + b
    assert any("--model go" in r and f"{n:,} objects" in r for r in ex["reasons"])


def test_an_iterator_keeps_replaced_storage(capsys, tmp_path):
    p = tmp_path / "iterating.py"
    p.write_text(ITERATING)
    for model in ("go", "go-swiss"):
        ex = explained(capsys, p, "m", model)
        held = ex["bytes"].get("held by an iterator", 0)
        assert held > 0, model
        assert any(f"{held:,} B of storage the map has replaced" in r and "iterator" in r
                   for r in ex["reasons"]), model


def test_explain_map_text(capsys, sessions):
    code, out, _ = run(capsys, "explain", sessions, "sessions", "--model", "go")
    assert code == 0
    assert out.startswith("map sessions (map[string]*T, classic map) under model go\n")
    assert "57,344" in out and "why it stays:" in out and "rebuilt (make(map, 10)" in out


def test_compare_explain_side_by_side(capsys, sessions):
    models = "go,go-swiss,go-swiss-1.27"
    code, out, _ = run(capsys, "compare", sessions, "--explain", "sessions",
                       "--models", models, "--json")
    assert code == 0
    exes = json.loads(out)
    assert list(exes) == models.split(",")
    assert exes["go"]["bytes"]["buckets"] == 57344
    assert exes["go-swiss"]["bytes"]["groups"] == 54528
    code, out, _ = run(capsys, "compare", sessions, "--explain", "sessions",
                       "--models", models)
    assert code == 0
    assert models.split(",") in [line.split() for line in out.splitlines()]  # the header
    assert "why it stays under go-swiss:" in out


def test_compare_explain_of_a_non_map_is_one_line(capsys, tmp_path):
    p = tmp_path / "obj.py"
    p.write_text("def scenario(heap):\n"
                 "    heap.declare('type T struct { id int }')\n"
                 "    heap.set_global('t', heap.new('T', name='t'))\n")
    code, out, err = run(capsys, "compare", p, "--explain", "t", "--models", "go,go-swiss")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "--explain t: not a map" in err
