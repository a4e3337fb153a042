"""Shared test helpers: paths to the demo and fixture plans, and tools that must exist under CI."""

from __future__ import annotations

import functools
import http.server
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
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


def run_fiches(
    *args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 600
) -> subprocess.CompletedProcess:
    """Run the real command line in a subprocess, as an editor would (`timeout`: seconds, then it fails)."""
    # this checkout's builder, wherever the command runs (not another installed copy)
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return subprocess.run(
        [sys.executable, "-m", "builder", *args],
        cwd=cwd or ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": path, **(env or {})},
        timeout=timeout,
    )


@contextmanager
def serving(content: Path, *options: str, env: dict | None = None) -> Iterator[tuple[str, queue.Queue[str]]]:
    """`fiches serve` on `content` in a subprocess, as an editor starts it: the preview's address once it serves,
    and its output lines from then on; stopped with Ctrl+C on exit."""
    process = subprocess.Popen(
        [sys.executable, "-m", "builder", "serve", *options, "--port", "0", "--content", str(content)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    try:
        deadline, url = time.monotonic() + 120, None
        while url is None and time.monotonic() < deadline:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                assert process.poll() is None, "fiches serve s'est arrêté"
                continue
            if match := re.search(r"Aperçu : (http://127\.0\.0\.1:\d+/)", line):
                url = match.group(1)
        if url is None:
            pytest.fail("fiches serve n'a pas démarré")
        yield url, lines
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def mini_copy(tmp_path: Path) -> Path:
    """A writable copy of the small fixture plan."""
    target = tmp_path / "content"
    shutil.copytree(MINI, target)
    return target


def git(repo: Path, *args: str, date: str | None = None) -> str:
    """Run git in `repo` as a test author, with no user or system configuration; `date`: the commit's day
    (author and committer). Returns its output."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.org",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.org",
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"{date}T12:00:00+0100"
    done = subprocess.run(["git", "-C", str(repo), *args], env=env, capture_output=True, text=True, check=True)
    return done.stdout


# --- a browser on a static site -------------------------------------------------------------------

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """A static server that answers a missing page with the site's 404.html, as an intranet server would."""

    def log_message(self, *args: object) -> None:
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def serve_static(site: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    """`site` on a local static server (stop it with `shutdown()`) and its address."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/"
