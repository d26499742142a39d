"""The HTML stepping player: the page itself, and a real browser driving it.

The browser tests drive Debian's chromium (``/usr/bin/chromium``; the test command
installs it) headless through Playwright (from PyPI; no browser download). They are
skipped, with the reason, only when Playwright or chromium is missing. Each page is
checked against the cycle itself: at every step the colours the page shows must be
the colours ``cycle.color`` gave at that step, the phase ``cycle.phase``, the grey
queue ``cycle.grey`` and the log that step's events. Screenshots go to the test's
tmp dir and to ``test-artifacts/`` at the repository root. The page's CSP forbids
``eval``, so waits use selectors or Python-side polling, not ``wait_for_function``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path

import pytest

import gcemu
from gcemu.cli import main
from gcemu.render import Recording, player_html, render, write_player
from gcemu.render.html import log_text
from gcemu.render.memchart import SERIES
from gcemu.render.text import visible
from gcemu.ui.memstats import split_phases
from gcemu.ui.scenario import call, load, prepare

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
T_DECL = "type T struct { id int; next *T; buf [48]byte }"
CHROMIUM = (os.environ.get("GCEMU_CHROMIUM") or shutil.which("chromium")
            or "/usr/bin/chromium")
HOSTILE = ['"><script>alert(1)</script>', "<img src=x onerror=alert(2)>", "q'uo\"te",
           "{br|ace}", "new\nline", "back\\slash", "emoji 😀🎉", "&amp;", "\u2028</script>",
           "\u202eRTL"]


# -- recording a cycle with its ground truth -----------------------------------------------
class Truth:
    """A recording plus, for every position of the player (after k steps, mutator
    operations included), what the cycle said: colours, phase and grey queue."""

    def __init__(self, heap, mutate=None):
        self.rec = Recording(heap)
        self.heap = heap
        self.at: list[dict] = []
        self.highlighted: set[tuple[int, str]] = set()  # (step, slot cell) seen outlined
        cycle = self.rec.cycle
        while not cycle.done:
            if mutate is not None:
                mutate(cycle.steps)
            self.note()
            self.rec.step()
        self.note()

    def note(self) -> None:
        cycle = self.rec.cycle
        objs = list(self.heap.objects.values()) + list(cycle.freed)
        cols = {o.label: ("freed" if o.freed else cycle.color(o)) for o in objs}
        grey = [o.label for o in reversed(cycle.grey)]
        self.at.append({"step": cycle.steps, "phase": cycle.phase, "colors": cols,
                        "grey": grey})
        assert len(self.at) - 1 == cycle.steps

    def log(self, k: int) -> list[str]:
        evs = [log_text(e) for e in self.rec.cycle.history if e.step == k]
        return evs or ["(no event)"]


def abc_heap(model: str):
    h = gcemu.Heap(model=model)
    h.declare(T_DECL)
    m = h.make_map("map[string]*T", name="m")
    for k in "abc":
        m[k] = h.new("T", name=k)
    del m["b"]
    h.new("T", name="garbage")                 # nothing points to it: swept
    return h, m


# -- the page, without a browser -----------------------------------------------------------
def page_data(html: str) -> dict:
    m = re.search(r'<script type="application/json" id="gc-data">(.*?)</script>', html, re.S)
    return json.loads(m.group(1))


def test_page_is_one_self_contained_file(tmp_path):
    h, _ = abc_heap("scanmap")
    html = write_player(h, tmp_path / "p.html").read_text(encoding="utf-8")
    assert h.cycle is None                      # the whole cycle was run and recorded
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", html))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}, urls
    assert not re.search(r"\b(src|href)\s*=", html.replace('xlink:href="#"', ""))
    assert "fetch(" not in html and "XMLHttpRequest" not in html and "import(" not in html
    assert html.count("<script") == 2
    assert "default-src 'none'" in html and "script-src 'sha256-" in html
    data = page_data(html)
    assert data["steps"] > 0 and data["events"][0]["t"] == "phase -> mark"
    assert {"hmap#1", "T#2", "buckets#3", "T#4", "T#5", "T#6"} <= set(data["objects"])
    assert "<?xml" not in html and "<!DOCTYPE svg" not in html


def test_json_block_escapes_what_could_end_it(tmp_path):
    h = gcemu.Heap()
    h.declare(T_DECL)
    m = h.make_map("map[string]*T", name="m")
    for s in HOSTILE:
        m[s] = h.new("T", name=s)
    rec = Recording(h)
    rec.step()
    del m[HOSTILE[0]]                           # a mutation whose text holds </script>
    html = player_html(rec)
    block = re.search(r'id="gc-data">(.*?)</script>', html, re.S).group(1)
    assert "<" not in block and ">" not in block and "&" not in block
    assert "\u2028" not in block and "\u2029" not in block
    texts = [e["t"] for e in page_data(html)["events"]]
    assert any("<script>alert(1)</script>" in t for t in texts)
    assert html.count("<script") == 2


def test_sources_and_errors(tmp_path):
    h, _ = abc_heap("go")
    cycle = h.gc()
    cycle.step()
    p = render(cycle, tmp_path / "c.html")      # a running cycle: run to its end
    assert cycle.done and page_data(p.read_text(encoding="utf-8"))["steps"] == cycle.steps
    done = h.gc()
    done.run()
    assert page_data(player_html(done))["steps"] == done.steps  # a finished one
    with pytest.raises(gcemu.GcemuError, match="keeps no events"):
        player_html(h.gc(record=False))
    h.cycle.run()
    with pytest.raises(gcemu.GcemuError, match=r"needs a gcemu\.Heap"):
        player_html("nope")
    with pytest.raises(gcemu.GcemuError, match="cannot write"):
        write_player(h, tmp_path / "missing" / "p.html")


def test_recording_snapshots_after_mutations():
    h, m = abc_heap("scanmap")
    rec = Recording(h)
    rec.step()
    rec.step()
    rec.step()                                  # no mutation: one snapshot
    assert [tag for tag, _ in rec.snapshots] == [0]
    del m["c"]
    m["d"] = h.new("T", name="d")
    rec.run()
    assert [tag for tag, _ in rec.snapshots] == [0, 3]
    data = page_data(player_html(rec))
    cells = data["snaps"][1]["cells"]           # only what changed
    assert cells and all(re.fullmatch(r"o3b0[tke]\d|o3b0ov", c) for c in cells)
    assert data["snaps"][1]["s"] == 3
    assert data["objects"]["T#7"]["start"] == "absent"     # d: allocated black later


# -- the browser ---------------------------------------------------------------------------
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--no-first-run", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright is not installed (pip install playwright)")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"chromium not found at {CHROMIUM} (Debian: apt-get install chromium)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield b
        b.close()


@pytest.fixture
def open_page(browser, tmp_path):
    pages = []

    def open_(path: Path, width: int = 1400, height: int = 900):
        page = browser.new_page(viewport={"width": width, "height": height})
        page.problems = []
        page.requests = []
        page.on("pageerror", lambda e: page.problems.append(f"error: {e}"))
        page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
        page.on("dialog", lambda d: (page.problems.append(f"dialog: {d.message}"),
                                     d.dismiss()))
        page.on("request", lambda r: page.requests.append(r.url))
        page.goto(path.resolve().as_uri())
        page.wait_for_selector("body[data-ready='1']", timeout=15_000)
        pages.append(page)
        return page

    yield open_
    for page in pages:
        page.close()


def screenshot(page, tmp_path: Path, name: str) -> None:
    shot = tmp_path / f"{name}.png"
    page.screenshot(path=str(shot))
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(shot, ARTIFACTS / f"{name}.png")
    assert shot.stat().st_size > 10_000


STATE_JS = """() => {
  const colors = {};
  document.querySelectorAll("#svgwrap svg [data-label]").forEach(
    g => { colors[g.getAttribute("data-label")] = g.getAttribute("data-color"); });
  const fills = {};
  document.querySelectorAll("#svgwrap svg [data-label]").forEach(g => {
    const s = g.querySelector(".gc-shape");
    if (s) fills[g.getAttribute("data-label")] = getComputedStyle(s).fill;
  });
  return {
    step: Number(document.body.dataset.step),
    phase: document.getElementById("phase").textContent,
    colors, fills,
    log: [...document.querySelectorAll("#log .step.current .ev")].map(e => e.textContent),
    shown: document.querySelectorAll("#log .step:not(.later)").length,
    grey: [...document.querySelectorAll("#grey li")].map(e => e.textContent),
    banner: document.getElementById("banner").textContent,
  };
}"""
RGB = {"white": "rgb(255, 255, 255)", "grey": "rgb(169, 169, 169)",
       "black": "rgb(38, 38, 38)"}
CLUSTER_RGB = {"white": "rgb(252, 252, 252)", "grey": "rgb(200, 200, 200)",
               "black": "rgb(74, 74, 74)"}


def check_position(page, truth: Truth, k: int) -> dict:
    got = page.evaluate(STATE_JS)
    want = truth.at[k]
    assert got["step"] == k
    assert got["phase"] == want["phase"], k
    assert got["log"] == truth.log(k), k
    assert got["shown"] == k + 1
    assert [g.split(" (")[0] for g in got["grey"]] == want["grey"], k
    compared = 0
    for label, color in got["colors"].items():
        if label in want["colors"]:
            assert color == want["colors"][label], (k, label)
            compared += 1
            if color in RGB:
                cluster = label.startswith(("buckets#", "overflow#", "group#", "groups#"))
                assert got["fills"][label] == (CLUSTER_RGB if cluster else RGB)[color]
        else:                                   # not allocated yet at this step
            assert color == "absent", (k, label, color)
    assert compared >= 4
    muts = [log_text(e) for e in truth.rec.cycle.history
            if e.step == k and e.kind == "mutation"]
    assert got["banner"] == "\n".join(muts)
    # the slot a SlotDecision names is highlighted (main buckets, no chain: "bucket J";
    # groups: "table T group J", "small group", "old table#N group J")
    for e in truth.rec.cycle.history:
        if e.step == k and e.kind == "slot":
            where = re.fullmatch(r"bucket (\d+)|(?:old )?(?:small group\S*|\S+ \S+ group (\d+))",
                                 e.bucket)
            j = where and (where.group(1) or where.group(2) or "0")
            cid = f"a_o{e.array.split('#')[1]}b{j}t{e.slot}" if where else ""
            if where and page.locator(f"[id='{cid}']").count():
                assert "hl" in page.get_attribute(f"[id='{cid}']", "class"), (k, cid)
                truth.highlighted.add((k, cid))
    return got


@pytest.mark.parametrize("model", ["scanmap", "go", "go-swiss"])
def test_arrow_keys_step_exactly_as_the_events_say(model, open_page, tmp_path):
    h, m = abc_heap(model)

    def mutate(step):
        if step == 3:                            # between steps 3 and 4
            del m["c"]
            m["d"] = h.new("T", name="d")

    truth = Truth(h, mutate)
    path = write_player(truth.rec, tmp_path / f"abc-{model}.html")
    page = open_page(path)
    check_position(page, truth, 0)
    steps = truth.rec.cycle.steps
    colors_seen = set()
    for k in range(1, steps + 1):
        page.keyboard.press("ArrowRight")
        got = check_position(page, truth, k)
        colors_seen |= set(got["colors"].values())
        if k == 3:
            assert "mutator: delete(m, 'c')" in got["banner"]
            assert page.locator("svg g.changed").count() >= 2   # tophash cells it changed
            screenshot(page, tmp_path, f"player-{model}-step3")
    assert {"grey", "black", "freed"} <= colors_seen
    slots = [e for e in truth.rec.cycle.history if e.kind == "slot"]
    assert slots and len(truth.highlighted) == len(slots)   # each decision, its cell
    page.keyboard.press("ArrowRight")            # past the end: stays
    check_position(page, truth, steps)
    for k in range(steps - 1, steps - 4, -1):    # and back
        page.keyboard.press("ArrowLeft")
        check_position(page, truth, k)
    page.keyboard.press("Home")
    check_position(page, truth, 0)
    page.keyboard.press("End")
    check_position(page, truth, steps)
    screenshot(page, tmp_path, f"player-{model}-end")
    assert page.problems == []
    assert page.requests == [path.resolve().as_uri()]   # nothing but the page itself


def test_growth_during_marking(open_page, tmp_path):
    """Inserts while marking: new bucket arrays are allocated black, evacuation
    changes cells; the page follows the cycle at every step."""
    h = gcemu.Heap(model="go")
    h.declare(T_DECL)
    m = h.make_map("map[int]*T", name="m")
    for i in range(12):
        m[i] = h.new("T", name=f"v{i}")

    def mutate(step):
        if step in (4, 9, 15):
            for i in range(12 + step, 20 + step):
                m[i] = h.new("T", name=f"w{i}")
            del m[1]

    truth = Truth(h, mutate)
    assert any(e.kind == "alloc-black" and e.obj.startswith("buckets#")
               for e in truth.rec.cycle.history)
    page = open_page(write_player(truth.rec, tmp_path / "grow.html", max_buckets=32,
                                  max_objects=100))
    for k in range(truth.rec.cycle.steps + 1):
        if k:
            page.keyboard.press("ArrowRight")
        check_position(page, truth, k)
    screenshot(page, tmp_path, "player-growth-end")
    assert page.problems == []


def test_swiss_iterator_and_tombstones_during_marking(open_page, tmp_path):
    """A go-swiss cycle: a range loop holds the map's first table, which grew since
    (the old table, traced as stale); while marking, inserts and deletes change
    control bytes, some to tombstones (fe). SlotDecisions name groups ("table 0 group
    3", "old table#12 group 1"); the page follows the cycle at every step."""
    h = gcemu.Heap(model="go-swiss")
    h.declare(T_DECL)
    m = h.make_map("map[int]*T", name="m")
    for i in range(14):
        m[i] = h.new("T", name=f"v{i}")
    it = iter(m.items())
    next(it)
    old = m.tables[0]
    for i in range(14, 50):
        m[i] = h.new("T", name=f"v{i}")           # 16 -> 32 -> 64 slots

    def mutate(step):
        if step == 5:
            for i in range(100, 105):
                m[i] = h.new("T", name=f"w{i}")
            for i in range(3):
                del m[i]
        if step == 30:
            for i in range(3, 50, 2):
                del m[i]

    truth = Truth(h, mutate)
    slots = [e for e in truth.rec.cycle.history if e.kind == "slot"]
    assert {e.state for e in slots} == {"full", "empty", "deleted"}
    assert any(e.bucket.startswith(f"old {old.label} group ") and e.action == "stale"
               for e in slots)
    assert any(re.fullmatch(r"table 0 group \d+", e.bucket) for e in slots)
    page = open_page(write_player(truth.rec, tmp_path / "swiss.html", max_buckets=64,
                                  max_objects=100))
    data = page_data(page.content())
    later = data["snaps"][-1]["cells"]               # what the deletes at step 30 changed
    assert data["snaps"][-1]["s"] == 30
    assert {"fe", "80"} <= {v[0] for k, v in later.items() if re.fullmatch(r"o\d+b\d+t\d", k)}
    for k in range(truth.rec.cycle.steps + 1):
        if k:
            page.keyboard.press("ArrowRight")
        got = check_position(page, truth, k)
        if k == 30:
            assert page.locator("svg g.changed").count() >= 10
            screenshot(page, tmp_path, "player-swiss-step30")
    assert len(truth.highlighted) == len(slots)      # each decision, its cell
    assert got["colors"][old.label] == "black"       # the old table: kept by the iterator
    assert f"old {old.label} group 0 slot 0" in page.inner_text("#log")
    assert page.problems == []
    del it


def test_controls_slider_buttons_and_play(open_page, tmp_path):
    h, _ = abc_heap("scanmap")
    truth = Truth(h)
    page = open_page(write_player(truth.rec, tmp_path / "ctl.html"))
    steps = truth.rec.cycle.steps
    page.fill("#slider", "4")                   # the slider (an input event)
    check_position(page, truth, 4)
    page.click("#next")
    check_position(page, truth, 5)
    page.click("#prev")
    page.click("#prev")
    check_position(page, truth, 3)
    page.click("#last")
    check_position(page, truth, steps)
    page.click("#first")
    page.select_option("#speed", "60")
    page.keyboard.press(" ")                    # play
    page.wait_for_selector(f"body[data-step='{steps}']", timeout=5000)
    assert page.inner_text("#play") == "play"   # stopped by itself at the end
    check_position(page, truth, steps)
    page.keyboard.press("Home")
    page.keyboard.press(" ")
    deadline = time.monotonic() + 5
    while page.evaluate("Number(document.body.dataset.step)") < 2:
        assert time.monotonic() < deadline, "play did not advance"
        time.sleep(0.02)
    page.keyboard.press(" ")                    # pause
    k = page.evaluate("Number(document.body.dataset.step)")
    time.sleep(0.2)
    check_position(page, truth, k)
    assert page.problems == []


def test_hostile_strings_show_as_text(open_page, tmp_path):
    h = gcemu.Heap()
    h.declare("type T struct { id int; p *T }")
    m = h.make_map("map[string]*T", name=HOSTILE[0])
    h.set_global(HOSTILE[1], h.new("T", name=HOSTILE[2]))
    for s in HOSTILE:
        m[s] = h.new("T", name=s)
    del m[HOSTILE[3]]

    def mutate(step):
        if step == 2:
            m[HOSTILE[4] + "!"] = None
            del m[HOSTILE[5]]

    truth = Truth(h, mutate)
    page = open_page(write_player(truth.rec, tmp_path / "hostile.html", max_buckets=64))
    page.keyboard.press("End")
    check_position(page, truth, truth.rec.cycle.steps)
    log = page.inner_text("#log")
    assert f"scan root global {HOSTILE[0]}" in log
    assert f"scan root global {HOSTILE[1]}" in log
    page.keyboard.press("Home")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    banner = page.inner_text("#banner")
    assert HOSTILE[0] in banner and "back\\\\slash" in banner
    texts = page.evaluate(
        "[...document.querySelectorAll('#svgwrap svg text')].map(t => t.textContent)")
    joined = "\n".join(texts)
    assert "hmap#1 " + HOSTILE[0] in texts
    assert HOSTILE[2] in joined and "emoji 😀🎉" in joined and "new\\nline" in joined
    grey = page.inner_text("#grey")
    assert HOSTILE[0] in grey
    # nothing ran and nothing was injected: two scripts, no images, no dialogs
    assert page.evaluate("document.scripts.length") == 2
    assert page.evaluate("document.querySelectorAll('img, iframe, object, embed').length") == 0
    assert page.problems == []
    screenshot(page, tmp_path, "player-hostile")


def test_two_thousand_steps_stay_fluid(open_page, tmp_path):
    h = gcemu.Heap()
    h.declare(T_DECL)
    m = h.make_map("map[int]*T", name="m")
    for i in range(1000):
        m[i] = h.new("T", name=f"v{i}")
    for i in range(0, 1000, 4):
        del m[i]
    h.collect()
    rec = Recording(h)
    while not rec.done:
        rec.step()
        if rec.cycle.steps % 400 == 0:
            del m[rec.cycle.steps // 400 * 4 + 1]
    steps = rec.cycle.steps
    assert steps >= 2000
    t = time.perf_counter()
    path = write_player(rec, tmp_path / "big.html")
    build = time.perf_counter() - t
    size = path.stat().st_size
    assert build < 10 and size < 3_000_000
    t = time.perf_counter()
    page = open_page(path)
    load = time.perf_counter() - t
    ready_ms = page.evaluate("window.gcPlayer.readyMs")
    assert load < 10 and ready_ms < 10_000
    ms = page.evaluate("""(S) => {
        const t0 = performance.now();
        for (let i = 0; i <= S; i++) window.gcPlayer.go(i);
        const t1 = performance.now();
        window.gcPlayer.go(0); window.gcPlayer.go(S); window.gcPlayer.go(S >> 1);
        return [t1 - t0, performance.now() - t1];
    }""", steps)
    assert ms[0] / steps < 5, ms                 # ms per step, all of them in order
    assert ms[1] < 1000, ms                      # three jumps
    t = time.perf_counter()
    for _ in range(20):
        page.keyboard.press("ArrowRight")
    page.wait_for_selector(f"body[data-step='{(steps >> 1) + 20}']")
    keys = time.perf_counter() - t
    assert keys < 10
    screenshot(page, tmp_path, "player-2000-steps")
    print(f"\n2,000-step page: {steps} steps, {size / 1024:.0f} KiB, built in {build:.2f} s, "
          f"loaded in {load:.2f} s (ready {ready_ms:.0f} ms after navigation), "
          f"{ms[0] / steps:.3f} ms/step in page, "
          f"20 key presses {keys:.2f} s")
    assert page.problems == []


# -- issue 17: a cycle that ran before its recording; seeking on a long page ---------------
def _started(model: str, mutate_at: dict, steps: int, hash_=None):
    """abc under ``model``; a cycle started and stepped ``steps`` times, running
    ``mutate_at[k](m, h)`` after step k. Returns (heap, map)."""
    h = gcemu.Heap(model=model)
    h.declare(T_DECL)
    m = h.make_map("map[string]*T", name="m", hash=hash_)
    for k in "abcdef":
        m[k] = h.new("T", name=k)
    cycle = h.gc()
    for k in range(steps + 1):
        if k in mutate_at:
            mutate_at[k](m, h)
        if k < steps:
            cycle.step()
    return h, m


MUTATIONS = {1: lambda m, h: m.__delitem__("c"),
             3: lambda m, h: (m.__setitem__("g", h.new("T", name="g")), m.__delitem__("a"))}


def _snap_cells(rec) -> list[tuple[int, dict]]:
    return [(tag, {bid: (b.ctrl, b.keys, b.elems) for bid, b in s.buckets.items()})
            for tag, s in rec.snapshots]


@pytest.mark.parametrize("model", ["go", "scanmap", "go-swiss"])
def test_steps_before_the_recording_are_rebuilt_as_they_were(model):
    """A recording made after the cycle ran (and the mutator with it) has the same
    snapshots as one that watched from the start."""
    h, _ = _started(model, MUTATIONS, 5)
    late = Recording(h)
    assert late.unseen == 0
    live_heap = gcemu.Heap(model=model)
    live_heap.declare(T_DECL)
    lm = live_heap.make_map("map[string]*T", name="m")
    for k in "abcdef":
        lm[k] = live_heap.new("T", name=k)
    live = Recording(live_heap)
    for k in range(6):
        if k in MUTATIONS:
            MUTATIONS[k](lm, live_heap)
        if k < 5:
            live.step()
    assert [t for t, _ in late.snapshots] == [0, 1, 3]
    assert _snap_cells(late) == _snap_cells(live)


def test_step_zero_does_not_show_a_later_delete_and_the_outline_is_the_slot():
    """examples/delete_during_mark.py under go: the scenario steps once, then deletes
    "c"; step 0 shows "c" in its slot, and the delete changes that slot's cells only."""
    heap = prepare(load(ROOT / "examples" / "delete_during_mark.py"), "go")
    html = player_html(heap)
    assert "ran before the recording" not in html
    first, at_delete = page_data(html)["snaps"]
    assert first["s"] == 0 and at_delete["s"] == 1
    keys = {cid: v[0] for cid, v in first["cells"].items() if re.fullmatch(r"o\d+b0k\d", cid)}
    assert sorted(keys.values())[-3:] == ['"a"', '"b"', '"c"']
    slot = next(cid for cid, v in keys.items() if v == '"c"')[-1]
    changed = set(at_delete["cells"])
    assert changed and {cid[-1] for cid in changed} == {slot}   # one slot's cells
    assert {re.sub(r"\d$", "", cid)[-1] for cid in changed} <= {"t", "k", "e"}


def test_a_past_that_cannot_be_replayed_is_said():
    h, _ = _started("go", MUTATIONS, 5, hash_=lambda key, seed: hash(key) & 0xFFFF)
    rec = Recording(h)
    assert rec.unseen == 5 and [t for t, _ in rec.snapshots] == [5]
    assert "steps 0–4 ran before the recording: their structure is drawn as of step 5" \
        in player_html(rec)


def test_delete_outline_in_the_browser(open_page, tmp_path):
    heap = prepare(load(ROOT / "examples" / "delete_during_mark.py"), "go")
    page = open_page(write_player(heap, tmp_path / "ddm.html"))
    cells = page.evaluate("""() => [...document.querySelectorAll("#svgwrap svg g[id$='k2']")]
        .map(g => g.textContent.trim())""")
    assert '"c"' in cells                       # step 0: before the delete
    page.keyboard.press("ArrowRight")
    assert "mutator: delete(m, 'c')" in page.inner_text("#banner")
    changed = page.evaluate("""() => [...document.querySelectorAll("svg g.changed")]
        .map(g => g.id)""")
    assert changed and len(changed) <= 3 and {c[-1] for c in changed} == {"2"}, changed
    screenshot(page, tmp_path, "player-delete-during-mark")
    assert page.problems == []


def test_seeking_a_long_page_replays_only_what_lies_between(open_page, tmp_path):
    """End, Home and a step back on a 20,000-step page: End applies each event once,
    a step back restores a checkpoint and applies fewer than a checkpoint's steps, and
    the log keeps a few hundred steps in the DOM."""
    h = gcemu.Heap()
    h.declare(T_DECL)
    m = h.make_map("map[int]*T", name="m")
    for i in range(9000):
        m[i] = h.new("T")
    rec = Recording(h)
    rec.run()
    steps, events = rec.cycle.steps, len(rec.cycle.history)
    assert steps > 19_000
    page = open_page(write_player(rec, tmp_path / "long.html"))
    cp = page.evaluate("window.gcPlayer.checkpointSteps")
    t = time.perf_counter()
    page.keyboard.press("End")
    page.wait_for_selector(f"body[data-step='{steps}']")
    end_s = time.perf_counter() - t
    counts = page.evaluate("({...window.gcPlayer.counts})")
    assert counts["applied"] == events and counts["restored"] == 0
    page.keyboard.press("ArrowLeft")
    page.wait_for_selector(f"body[data-step='{steps - 1}']")
    back = page.evaluate("({...window.gcPlayer.counts})")
    assert back["restored"] == 1
    per_step = events / steps
    assert back["applied"] - counts["applied"] < 4 * cp * per_step
    page.keyboard.press("Home")
    page.wait_for_selector("body[data-step='0']")
    home = page.evaluate("({...window.gcPlayer.counts})")
    assert home["applied"] - back["applied"] < 10      # the events of step 0 only
    assert page.locator("#log .step").count() == 1
    page.keyboard.press("End")
    page.wait_for_selector(f"body[data-step='{steps}']")
    assert page.locator("#log .step").count() == 400
    assert "earlier steps" in page.inner_text("#log .more")
    assert end_s < 5, end_s                       # was 7 s at 107,000 steps
    assert page.problems == []
    print(f"\n{steps}-step page: End {end_s:.2f} s, checkpoint every {cp} steps")


# -- the memory-over-time panel -------------------------------------------------------------
def _phases(scenario: str) -> dict:
    """The scenario's MemStats phases, taken the way ``gcemu render`` takes them."""
    return split_phases(call(load(ROOT / "examples" / scenario), gcemu.Heap()))[0]


def test_memory_panel_holds_the_chart_with_escaped_phase_names(tmp_path):
    stats = {"HeapAlloc": 3 << 20, "HeapInuse": 4 << 20, "HeapIdle": 1 << 20,
             "HeapReleased": 0}
    phases = {HOSTILE[0]: stats, HOSTILE[1]: {**stats, "HeapAlloc": 5 << 20}}
    h, _ = abc_heap("go")
    html = player_html(h, phases=phases)
    panel = html[html.index('<details id="memory">'):html.index("</details>")]
    assert "(2 MemStats phases)" in panel
    assert [f for f, _ in SERIES] == re.findall(r'data-field="(\w+)"', panel)
    assert "<script" not in panel and "<img" not in panel and "&lt;script&gt;" in panel
    assert html.count("<script") == 2
    assert 'id="memory"' not in player_html(abc_heap("go")[0])
    assert 'id="memory"' not in player_html(abc_heap("go")[0], phases={})


def test_render_html_shows_the_memory_chart_only_with_phases(open_page, tmp_path):
    with_phases, without = tmp_path / "mem.html", tmp_path / "plain.html"
    assert main(["render", str(ROOT / "examples/ch1_memstats.py"), "-o", str(with_phases)]) == 0
    assert main(["render", str(ROOT / "examples/delete_middle.py"), "-o", str(without)]) == 0
    assert _phases("delete_middle.py") == {}
    phases = _phases("ch1_memstats.py")
    assert len(phases) >= 2

    page = open_page(with_phases)
    assert page.locator("#memory").count() == 1
    assert not page.locator("#memory svg").is_visible()     # collapsed until asked
    page.click("#memory summary")
    page.wait_for_selector("#memory svg g.series", state="visible")
    series = page.evaluate("""() => [...document.querySelectorAll('#memory svg g.series')]
        .map(g => [g.dataset.field, getComputedStyle(g.querySelector('polyline')).stroke,
                   [...g.querySelectorAll('circle')].map(c => Number(c.dataset.bytes))])""")
    assert [s[0] for s in series] == ["HeapAlloc", "HeapInuse", "HeapIdle", "HeapReleased"]
    assert len({s[1] for s in series}) == 4                  # four colours
    for field, _, points in series:
        assert points == [p[field] for p in phases.values()], field
    labels = page.evaluate(
        "[...document.querySelectorAll('#memory svg text.phase')].map(t => t.textContent)")
    assert labels == [visible(name, 18) for name in phases]
    page.keyboard.press("End")                                # the player still steps
    assert int(page.evaluate("document.body.dataset.step")) > 0
    assert page.problems == []
    assert [u for u in page.requests if not u.startswith("file:")] == []
    screenshot(page, tmp_path, "player-memory")

    plain = open_page(without)
    assert plain.locator("#memory").count() == 0
    assert plain.problems == []
