"""A make hint that has gcemu build millions of slots warns first, in one line (issue 17,
item 17: ``make_map(hint=10**7)`` took 21 s and 1 GB with no word). `WARN_SLOTS` is
lowered here so the tests build small maps; the rule is the same."""

import json
import warnings

import pytest

from gcemu import Heap
from gcemu.base import costs
from gcemu.cli import main
from gcemu.errors import GcemuError, GcemuWarning
from gcemu.maps.common import MAX_HINT_SLOTS

MODELS = ("go", "go-swiss")


@pytest.fixture
def low_threshold(monkeypatch):
    monkeypatch.setattr(costs, "WARN_SLOTS", 1000)


def slots(summary: dict) -> int:
    """The slots a map's storage holds, from the report's map summary."""
    return summary["capacity"] if "capacity" in summary else 8 << summary["B"]


@pytest.mark.parametrize("model", MODELS)
def test_a_hint_is_a_lower_bound_of_the_slots_built(model):
    """What the warning's "at least {hint} slots" rests on, for both kinds."""
    for hint in (9, 1000, 1001, 3000, 6500, 6501):
        h = Heap(model=model)
        h.make_map("map[int]*int", hint=hint, name="m")
        (m,) = h.collect().maps_json()
        assert slots(m) >= hint


@pytest.mark.parametrize("model", MODELS)
def test_make_map_over_the_threshold_warns_naming_the_caller_and_the_size(
        model, low_threshold):
    h = Heap(model=model)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        h.make_map("map[int]*int", hint=1000, name="small")
        assert seen == []
        h.make_map("map[int]*int", hint=2500, name="big")
    (w,) = seen
    assert w.category is GcemuWarning and w.filename == __file__
    text = str(w.message)
    assert "\n" not in text
    assert text.startswith("make(map[int]*int, 2500): Go allocates at least 2,500 slots")
    assert "expect over" in text and "a smaller hint is faster" in text


def test_a_hint_gcemu_refuses_is_refused_without_a_warning(low_threshold):
    h = Heap(model="go")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning here would fail the test
        with pytest.raises(GcemuError, match="slots is more than gcemu emulates"):
            h.make_map("map[int]*int", hint=MAX_HINT_SLOTS + 1)


def test_the_estimate_scales_with_the_hint():
    message = costs.big_hint_message("map[int]*int", 10**7, MAX_HINT_SLOTS)
    assert message is not None and "at least 10,000,000 slots" in message
    assert "expect over 7 s and 0.6 GB" in message
    assert costs.big_hint_message("map[int]*int", costs.WARN_SLOTS, MAX_HINT_SLOTS) is None
    assert costs.big_hint_message("map[int]*int", True, MAX_HINT_SLOTS) is None


@pytest.mark.parametrize("model", MODELS)
def test_run_prints_the_warning_as_one_line_on_stderr_and_json_stays_json(
        tmp_path, capsys, low_threshold, model):
    p = tmp_path / "hint.py"
    p.write_text("def scenario(heap):\n"
                 "    heap.make_map('map[int]*int', hint=5000, name='m')\n")
    assert main(["run", str(p), "--model", model, "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["maps"][0]["name"] == "m"
    (line,) = err.splitlines()
    assert line.startswith(f"gcemu: warning: {p}:2: make(map[int]*int, 5000): Go allocates "
                           f"at least 5,000 slots at once")
