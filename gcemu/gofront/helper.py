"""The Go helper: Go's own parser and type checker, run on a program, typed AST out.

gcemu does not parse Go itself. ``helper.go`` (package data next to this module) parses
and type-checks one file with go/parser and go/types and prints a typed AST as JSON
(types, constant values, the object every identifier denotes, selections). It is built
once per toolchain with the toolchain `gcemu.toolchain.find_toolchain` finds (as
``gcemu verify`` does), and cached with the export data of the standard packages a
program may import:

- the cache folder is ``$GCEMU_GOFRONT_CACHE``, else ``$XDG_CACHE_HOME/gcemu``, else
  ``~/.cache/gcemu``; one subfolder per (Go version, hash of helper.go);
- ``go list -export`` runs once, at build time, for `PACKAGES`; their export files are
  copied into the subfolder (the build cache may be trimmed or cleaned), and the helper
  reads them directly on every run (7-13 ms for a 100-line program, go-source.md).

Errors come back with Go's wording at Go's positions, as one `GcemuError` line
``prog.go:LINE:COL: message`` (the first one, by position, as ``go build`` lists them).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from gcemu.errors import GcemuError
from gcemu.toolchain import Toolchain, ToolchainError, find_toolchain, how_to_get

HELPER_SOURCE = Path(__file__).with_name("helper.go")

#: The standard packages a program may import (their export data is cached).
PACKAGES = ("fmt", "runtime", "runtime/debug", "strconv", "math/rand", "time", "sync",
            "os", "strings", "errors", "math")


def cache_root() -> Path:
    """Where helpers are cached: $GCEMU_GOFRONT_CACHE, $XDG_CACHE_HOME/gcemu or
    ~/.cache/gcemu."""
    env = os.environ.get("GCEMU_GOFRONT_CACHE")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return Path(xdg) / "gcemu" if xdg else Path.home() / ".cache" / "gcemu"


def _toolchain() -> Toolchain:
    try:
        return find_toolchain()
    except ToolchainError:
        raise GcemuError("a .go program needs a Go 1.23 toolchain to be read (gcemu uses "
                         f"Go's own parser and type checker): {how_to_get()}") from None


def _build(tc: Toolchain, dest: Path) -> None:
    """Build the helper and copy the export data of `PACKAGES` into ``dest``."""
    tmp = Path(tempfile.mkdtemp(prefix="gofront-", dir=dest.parent))
    try:
        (tmp / "go.mod").write_text(f"module gofront\n\ngo {tc.series}\n")
        shutil.copyfile(HELPER_SOURCE, tmp / "main.go")
        env = tc.env()
        r = subprocess.run([tc.go, "build", "-o", "gofront", "."], cwd=tmp, env=env,
                           capture_output=True, text=True, timeout=900)
        if r.returncode != 0:
            raise GcemuError(f"building gcemu's Go helper with {tc.version} failed: "
                             f"{' '.join(r.stderr.split())}")
        r = subprocess.run([tc.go, "list", "-export", "-f", "{{.ImportPath}} {{.Export}}",
                            *PACKAGES], cwd=tmp, env=env, capture_output=True, text=True,
                           timeout=900)
        if r.returncode != 0:
            raise GcemuError(f"go list -export ({tc.version}) failed: "
                             f"{' '.join(r.stderr.split())}")
        lines = []
        for i, line in enumerate(r.stdout.splitlines()):
            path, _, file = line.partition(" ")
            copy = tmp / f"export{i}.a"
            shutil.copyfile(file, copy)
            lines.append(f"{path} {dest / copy.name}")
        (tmp / "exports.txt").write_text("\n".join(lines) + "\n")
        (tmp / "main.go").unlink()
        (tmp / "go.mod").unlink()
        try:
            os.replace(tmp, dest)  # atomic: a concurrent build of the same key may win
        except OSError:
            if not (dest / "gofront").is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@cache
def helper() -> tuple[Path, Path]:
    """(helper binary, export listing), built on first use per Go version and source."""
    tc = _toolchain()
    source = HELPER_SOURCE.read_bytes()
    key = hashlib.sha256(tc.version.encode() + b"\0" + source).hexdigest()[:16]
    dest = cache_root() / f"gofront-{tc.version}-{key}"
    if not (dest / "gofront").is_file():
        dest.parent.mkdir(parents=True, exist_ok=True)
        _build(tc, dest)
    return dest / "gofront", dest / "exports.txt"


def typed_ast(path: str | Path) -> dict[str, Any]:
    """The typed AST of the Go file at ``path`` (helper.go's JSON, version 1)."""
    p = Path(path)
    if not p.is_file():
        raise GcemuError(f"{p}: no such Go file")
    exe, exports = helper()
    try:
        r = subprocess.run([str(exe), "-exports", str(exports), str(p)],
                           capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.SubprocessError) as e:
        raise GcemuError(f"{p}: gcemu's Go helper failed: {e}") from None
    if r.returncode != 0:
        raise GcemuError(f"{p}: gcemu's Go helper failed: {' '.join(r.stderr.split())}")
    data = json.loads(r.stdout)
    errors = data.get("errors")
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise GcemuError(f"{first['pos']}: {first['msg']}{more}")
    return data


__all__ = ["PACKAGES", "cache_root", "helper", "typed_ast"]
