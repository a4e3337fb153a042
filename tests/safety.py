"""Helpers of the hostile-input tests (issue 11): run the real command line under a time limit, fingerprint a
folder tree without following links or opening special files, and check that no traceback was printed."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

from tests.conftest import MINI, ROOT

TIMEOUT = 60  # seconds: every case finishes in a few


def fiches(*args: str, cwd: Path, timeout: float = TIMEOUT, **kwargs) -> subprocess.CompletedProcess:
    """`python -m builder ARGS` in `cwd` (this worktree's builder), killed after `timeout` seconds."""
    result = subprocess.run(
        [sys.executable, "-m", "builder", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=timeout,
        **kwargs,
    )
    for stream in (result.stdout, result.stderr):
        assert "Traceback" not in stream and "Erreur interne" not in stream, stream
    return result


def tree(folder: Path) -> dict[str, str]:
    """Every entry below `folder`: a file's hash, a link's target, a folder, a special file's kind."""
    found = {}
    for top, dirs, names in os.walk(folder, followlinks=False):
        for name in dirs + names:
            path = Path(top) / name
            rel = str(path.relative_to(folder))
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                found[rel] = "-> " + os.readlink(path)
            elif stat.S_ISREG(mode):
                found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                found[rel] = stat.filemode(mode)[0]
    return found


def mini(tmp_path: Path) -> Path:
    """A copy of the small fixture plan in `tmp_path/content`."""
    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    return content


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def inline(*args: str, cwd: Path) -> tuple[int, str, str]:
    """The command line run in this process (no start-up cost) from `cwd`: exit code, standard output, error."""
    import contextlib
    import io

    from builder.cli import main

    out, err, here = io.StringIO(), io.StringIO(), Path.cwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
    finally:
        os.chdir(here)
    for stream in (out.getvalue(), err.getvalue()):
        assert "Traceback" not in stream and "Erreur interne" not in stream, stream
    return code, out.getvalue(), err.getvalue()
