"""The HTML lanes player of a replayed schedule (gcemu render --schedule), in a browser."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_render_html import CHROMIUM, LAUNCH_ARGS

SCENARIO = '''
def scenario(h):
    h.declare("type T struct { id int }")
    a = h.make_map("map[int]*T", name="a")
    a[0] = h.new("T", name="t0")
    mu = h.mutex()
    done = h.waitgroup()
    done.Add(1)

    def deleter():
        mu.Lock()
        del a[0]
        mu.Unlock()
        done.Done()

    h.go(deleter)
    h.go_gc()
    done.Wait()
'''


def render(tmp_path: Path, schedule: str, out: str = "x.html") -> subprocess.CompletedProcess:
    scn = tmp_path / "gcwrite.py"
    scn.write_text(SCENARIO)
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parent.parent))
    return subprocess.run([sys.executable, "-m", "gcemu", "render", str(scn), "--model", "go",
                           "--schedule", schedule, "-o", str(tmp_path / out)],
                          capture_output=True, text=True, env=env)


def test_bad_schedule_and_suffix_are_one_line_exit_2(tmp_path):
    r = render(tmp_path, "1x8,9")
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        "gcemu: error: goroutine 1: schedule step 9 names goroutine 9, which cannot run "
        "there (runnable: 2, 3)"]
    r = render(tmp_path, "1x8", "x.svg")
    assert r.returncode == 2 and "give -o FILE.html" in r.stderr


def test_lanes_in_a_browser(tmp_path):
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright is not installed (pip install playwright)")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"chromium not found at {CHROMIUM} (Debian: apt-get install chromium)")
    r = render(tmp_path, "1x8,3x2,2")
    assert r.returncode == 0, r.stderr
    page_path = tmp_path / "x.html"
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        page = browser.new_page()
        problems, requests = [], []
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("console", lambda m: m.type == "error" and problems.append(m.text))
        page.on("request", lambda q: requests.append(q.url))
        page.goto(page_path.resolve().as_uri())
        page.wait_for_selector("body[data-ready='1']", timeout=15_000)
        heads = page.locator("thead th").all_text_contents()
        assert heads == ["step", "g1", "g2", "g3 (GC)"]
        rows = page.locator("tbody tr")
        assert rows.count() == 34
        # step 9: the mark worker's first unit, in the third lane
        cells = rows.nth(8).locator("td").all_text_contents()
        assert cells[:3] == ["9", "", ""] and cells[3].startswith("GC: scan root global a")
        assert rows.nth(14).locator("td").all_text_contents()[2] == "mapdelete a: body"
        for _ in range(9):
            page.keyboard.press("ArrowRight")
        assert page.locator("tr.now td.n").text_content() == "9"
        assert page.locator("#pos").text_content() == "step 9/34"
        page.keyboard.press("End")
        assert page.locator("tr.now td.n").text_content() == "34"
        page.keyboard.press("ArrowLeft")
        assert page.locator("tr.now td.n").text_content() == "33"
        assert "outcome: ok (schedule 1x8 3x2 2x9 3x13 1x2)" in page.content()
        browser.close()
    assert problems == []
    assert requests == [page_path.resolve().as_uri()]
