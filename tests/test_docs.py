"""Every command transcript in the docs is run and compared, so the docs cannot drift.

A transcript is a fenced block whose first line is ``$ gcemu ...`` (or
``$ pytest ...``, run with the plugin in a scratch folder): each ``$`` line is a
command, the lines up to the next ``$`` line are its output. A ``gcemu step`` session
goes on in the later blocks of the same page that start with its prompt
(``gcemu scanmap mark step 4> why b``): their prompt lines are the commands fed to the
stepper through a pipe (which echoes them after the prompt, as the docs show), and the
blocks' text, joined, is the expected output. A fenced block with ``file=NAME`` in its
info string (```` ```python file=mine.py ````) is written to NAME before the page's
commands run, in a scratch folder where ``examples/`` is the repository's.

Normalized, because it is genuinely variable: the scratch folder's path (``TMP``) and
trailing spaces. A line ``...`` (alone, any indent) stands for any number of lines, so
a long output can be shown in part. A block's last line may be a bare prompt (the
stepper waiting): it is not output.

``GCEMU_UPDATE_DOCS=1 pytest tests/test_docs.py`` rewrites the transcripts without
``...`` from what the commands print now (then read the diff before committing).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([*(ROOT / "docs").glob("*.md"), ROOT / "README.md"])
FENCE = re.compile(r"^```(.*)$")
PROMPT = re.compile(r"^(gcemu [\w.-]+ [^>\n]*> ?)(.*)$")
ELIDED = "..."
COMMANDS = ("$ gcemu ", "$ pytest ")
UPDATED: set[Path] = set()  # pages rewritten in this run (their line numbers moved)
UPDATE = os.environ.get("GCEMU_UPDATE_DOCS") == "1"
COLUMNS = "100"


@dataclass
class Block:
    page: Path
    start: int  # index of the block's first line (after the fence) in the page
    lines: list[str]
    info: str


@dataclass
class Transcript:
    """One command (``args``), the stdin a step session reads, and its expected output
    spread over one or more blocks (block, first line, last line)."""

    page: Path
    line: int
    program: str  # gcemu or pytest
    args: list[str]
    stdin: str = ""
    parts: list[tuple[Block, int, int]] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.page.name}:{self.line}:{self.program} {' '.join(self.args)}"

    def expected(self) -> list[str]:
        out = []
        for b, i, j in self.parts:
            out += b.lines[i:j]
        return out


def blocks(page: Path) -> list[Block]:
    out, cur, info = [], None, ""
    for n, line in enumerate(page.read_text(encoding="utf-8").splitlines()):
        m = FENCE.match(line)
        if m and cur is None:
            cur, info = [], m.group(1).strip()
            start = n + 1
        elif line.startswith("```") and cur is not None:
            out.append(Block(page, start, cur, info))
            cur = None
        elif cur is not None:
            cur.append(line)
    return out


def _end(b: Block, j: int) -> int:
    """``j`` less a trailing bare prompt (the stepper waiting for a command)."""
    if j > 0 and (m := PROMPT.match(b.lines[j - 1])) and not m.group(2).strip():
        return j - 1
    return j


def transcripts(page: Path) -> list[Transcript]:
    out: list[Transcript] = []
    session: Transcript | None = None
    for b in blocks(page):
        first = b.lines[0] if b.lines else ""
        if first.startswith(COMMANDS):
            session = None
            starts = [i for i, ln in enumerate(b.lines) if ln.startswith("$ ")]
            for k, i in enumerate(starts):
                j = starts[k + 1] if k + 1 < len(starts) else len(b.lines)
                words = b.lines[i][2:].split()
                t = Transcript(page, b.start + i + 1, words[0], words[1:],
                               parts=[(b, i + 1, _end(b, j))])
                out.append(t)
                if t.program == "gcemu" and t.args[0] == "step":
                    session = t
        elif session is not None and PROMPT.match(first):
            session.parts.append((b, 0, _end(b, len(b.lines))))
        else:
            continue
        if session is not None:
            b_cmds = [PROMPT.match(ln).group(2) for ln in b.lines if PROMPT.match(ln)]
            session.stdin += "".join(c + "\n" for c in b_cmds if c.strip())
    return out


def files(page: Path) -> dict[str, str]:
    return {m.group(1): "\n".join(b.lines) + "\n" for b in blocks(page)
            if (m := re.search(r"\bfile=(\S+)", b.info))}


ALL = [t for p in PAGES for t in transcripts(p)]


def run(t: Transcript, tmp: Path) -> list[str]:
    (tmp / "examples").symlink_to(ROOT / "examples")
    for name, text in files(t.page).items():
        (tmp / name).write_text(text, encoding="utf-8")
    env = {**os.environ, "COLUMNS": COLUMNS, "PYTHONPATH": str(ROOT), "TERM": "dumb"}
    env.pop("NO_COLOR", None)
    for var in ("CI", "BUILD_NUMBER"):  # pytest does not cut its summary lines under CI
        env.pop(var, None)
    if t.program == "pytest":
        argv = ["-m", "pytest", "-p", "no:cacheprovider", f"--basetemp={tmp / 'bt'}"]
    else:
        argv = ["-m", "gcemu"]
    p = subprocess.run([sys.executable, *argv, *t.args], cwd=tmp, env=env,
                       input=t.stdin, capture_output=True, text=True, timeout=300)
    text = (p.stdout + p.stderr).replace(str(tmp), "TMP")
    text = re.sub(r" in \d+\.\d+s\b", " in 0.01s", text)  # pytest's run time
    return [ln.rstrip() for ln in text.splitlines()]


def matches(expected: list[str], actual: list[str]) -> bool:
    pattern = "".join(r"(?:[^\n]*\n)*?" if ln.strip() == ELIDED else re.escape(ln) + r"\n"
                      for ln in expected)
    return re.fullmatch(pattern, "".join(ln + "\n" for ln in actual)) is not None


def _update(t: Transcript, actual: list[str]) -> None:
    """Rewrite the transcript's blocks from ``actual`` (one block: the whole output;
    a session: split at each block's first prompt)."""
    text = t.page.read_text(encoding="utf-8").splitlines()
    cuts = [0]
    prompts = [i for i, ln in enumerate(actual) if PROMPT.match(ln)]
    seen = 0
    for b, i, j in t.parts[:-1]:
        seen += sum(1 for ln in b.lines[i:j] if PROMPT.match(ln))
        cuts.append(prompts[seen] if seen < len(prompts) else len(actual))
    cuts.append(len(actual))
    for (b, i, j), lo, hi in reversed(list(zip(t.parts, cuts[:-1], cuts[1:], strict=True))):
        text[b.start + i:b.start + j] = actual[lo:hi]
    t.page.write_text("\n".join(text) + "\n", encoding="utf-8")


def test_the_docs_have_transcripts():
    pages = {t.page.name for t in ALL}
    assert {"quickstart.md", "tutorial.md", "cli.md", "testing.md"} <= pages, pages


@pytest.mark.parametrize("t", ALL, ids=[t.id for t in ALL])
def test_transcript(t: Transcript, tmp_path):
    actual = run(t, tmp_path)
    expected = [ln.rstrip() for ln in t.expected()]
    if matches(expected, actual):
        return
    if UPDATE and not any(ln.strip() == ELIDED for ln in expected):
        if t.page in UPDATED:
            pytest.skip(f"{t.page.name} was rewritten in this run: run again")
        UPDATED.add(t.page)
        _update(t, actual)
        return
    diff = "\n".join(actual)
    pytest.fail(f"{t.id}: the output differs from the docs; it is now:\n{diff}")
