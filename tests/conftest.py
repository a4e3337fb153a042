"""Shared test helpers: paths to the demo and fixture plans, and tools that must exist under CI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "content"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
MINI = FIXTURES / "mini"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_tool(name: str) -> str:
    """Path of an external tool; a missing tool skips locally but fails under CI (CI=true)."""
    path = shutil.which(name)
    if path is None:
        message = f"outil manquant : {name} (installez-le avec bash .ci/setup)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


def run_fiches(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the real command line in a subprocess, as an editor would."""
    # this checkout's builder, wherever the command runs (not another installed copy)
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return subprocess.run([sys.executable, "-m", "builder", *args], cwd=cwd or ROOT, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": path, **(env or {})}, timeout=600)


@pytest.fixture
def mini_copy(tmp_path: Path) -> Path:
    """A writable copy of the small fixture plan."""
    target = tmp_path / "content"
    shutil.copytree(MINI, target)
    return target
