"""The HTML lanes player of one replayed schedule: one lane (column) per goroutine.

A replayed run (`gcemu.replay`, a `RunResult`) is a list of step points, each the
goroutine that ran and what it did there (``mapassign m: hash``, ``… : end check``,
``Mutex.Lock``, the mark worker's ``GC: scan hmap#1``). The page shows them as rows,
each label in its goroutine's lane, and Go's last words and the race reports at the
end. The arrow keys (and Home, End) move a highlighted current row, as the GC player
steps (`gcemu.render.html`).

Security as the GC player's: every string is HTML-escaped, the only script is the
page's own (allowed by hash) and the Content-Security-Policy forbids any network access.
"""

from __future__ import annotations

import base64
import hashlib
import html
from typing import Any

_JS = """(() => {
  const rows = Array.from(document.querySelectorAll('tbody tr'));
  let at = -1;
  const show = k => {
    at = Math.max(-1, Math.min(rows.length - 1, k));
    rows.forEach((r, i) => r.classList.toggle('now', i === at));
    rows.forEach((r, i) => r.classList.toggle('past', i < at));
    document.getElementById('pos').textContent = `step ${at + 1}/${rows.length}`;
    if (at >= 0) rows[at].scrollIntoView({block: 'nearest'});
  };
  document.addEventListener('keydown', e => {
    const k = {ArrowRight: at + 1, ArrowDown: at + 1, ArrowLeft: at - 1, ArrowUp: at - 1,
               Home: -1, End: rows.length - 1}[e.key];
    if (k !== undefined) { e.preventDefault(); show(k); }
  });
  show(-1);
  document.body.dataset.ready = '1';
})();"""

_CSS = """body{font:14px system-ui,sans-serif;margin:1em}
table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #eee;
white-space:nowrap;font-family:ui-monospace,monospace;font-size:13px}
th{position:sticky;top:0;background:#fff;text-align:left}
td.n{color:#888;text-align:right}td.gc{color:#555;background:#f4f4ff}
tr.past td.run{color:#666}tr.now{background:#ffe9a8}
.out{margin-top:1em;font-weight:bold}.race{color:#a40}"""

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; \
style-src 'unsafe-inline'; script-src '{script_hash}'; base-uri 'none'; form-action 'none'">
<title>{title}</title>
<style>{css}</style>
</head>
<body>
<h1>{title}</h1>
<p>{meta} · <span id="pos"></span> · arrow keys step, Home, End</p>
<table>
<thead><tr><th>step</th>{heads}</tr></thead>
<tbody>
{rows}
</tbody>
</table>
<p class="out">outcome: {outcome} (schedule {schedule})</p>
{races}
<script>{js}</script>
</body>
</html>
"""


def lanes_html(run: Any, title: str, meta: str = "") -> str:
    """The page of ``run`` (a `gcemu.sched.explore.RunResult`); see the module essay."""
    steps = run.steps()
    gs = sorted({g for g, _ in steps} or {1})
    worker = {g for g, label in steps if label.startswith("GC: ")}
    heads = "".join(f"<th>g{g}{' (GC)' if g in worker else ''}</th>" for g in gs)
    rows = []
    for i, (g, label) in enumerate(steps, 1):
        cls = "run gc" if g in worker else "run"
        cells = "".join(f'<td class="{cls}">{html.escape(label)}</td>' if x == g else "<td></td>"
                        for x in gs)
        rows.append(f'<tr data-g="{g}"><td class="n">{i}</td>{cells}</tr>')
    races = "\n".join(f'<p class="race">race: {html.escape(str(r))}</p>' for r in run.races)
    digest = base64.b64encode(hashlib.sha256(_JS.encode()).digest()).decode()
    return _PAGE.format(script_hash=f"sha256-{digest}", title=html.escape(title),
                        meta=html.escape(meta), css=_CSS, heads=heads, rows="\n".join(rows),
                        outcome=html.escape(run.outcome), schedule=html.escape(str(run.schedule)),
                        races=races, js=_JS)


__all__ = ["lanes_html"]
