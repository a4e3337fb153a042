"""`fiches serve`: a busy port fails at once, a failing build never stops the preview, what the watcher reacts to,
and the real server as an editor uses it."""

from __future__ import annotations

import queue
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from builder.commands import serve
from builder.errors import BuildError, ContentError, Report
from tests.conftest import MINI, ROOT, serving


def test_busy_port_fails_at_once_in_french() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "builder", "serve", "--port", str(port), "--content", str(MINI)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        elapsed = time.monotonic() - started
    assert result.returncode == 1
    assert f"le port {port} est déjà utilisé : choisissez-en un autre avec --port {port + 1}" in result.stderr
    assert "Traceback" not in result.stderr and "Construit" not in result.stdout  # no build before the check
    assert elapsed < 10


def _preview(tmp_path: Path, debug: bool = False) -> serve.Preview:
    return serve.Preview(MINI, tmp_path / "site", debug)


def _failing_build(exc: Exception):  # type: ignore[no-untyped-def]
    def build(*args: object, **kwargs: object) -> None:
        raise exc

    return build


def test_an_internal_error_is_shown_and_the_preview_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    preview = _preview(tmp_path)
    monkeypatch.setattr("builder.build.build", _failing_build(KeyError("axe")))
    preview.rebuild()
    message = "Erreur interne : KeyError : 'axe' ; relancez avec --debug pour les détails"
    assert preview.error == message and message in capsys.readouterr().out
    page = preview.error_page().decode("utf-8")
    assert "Erreur interne : KeyError : &#x27;axe&#x27; ; relancez avec --debug" in page
    assert "Corrigez le contenu" not in page and serve.VERSION_PATH in page
    assert preview.version == 1

    monkeypatch.setattr("builder.build.build", lambda *args, **kwargs: None)
    preview.rebuild()
    assert preview.error is None and preview.version == 2


def test_internal_error_with_debug_shows_the_trace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    preview = _preview(tmp_path, debug=True)
    monkeypatch.setattr("builder.build.build", _failing_build(ZeroDivisionError("division by zero")))
    preview.rebuild()
    assert preview.error is not None and preview.error.startswith("Erreur interne : ZeroDivisionError")
    assert "--debug" not in preview.error and "Traceback" in preview.error
    assert "Traceback" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("exc", "shown"),
    [
        (OSError(28, "No space left on device", "site/a.html"), "Erreur : site/a.html : plus de place sur le disque"),
        (BuildError("le gabarit fiche.html est introuvable"), "Erreur : le gabarit fiche.html est introuvable"),
    ],
)
def test_system_and_build_errors_are_shown_in_french(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exc: Exception, shown: str
) -> None:
    preview = _preview(tmp_path)
    monkeypatch.setattr("builder.build.build", _failing_build(exc))
    preview.rebuild()
    assert preview.error == shown


def test_content_errors_ask_to_fix_the_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    report = Report()
    report.error("content/fiches/2.1.1-x.md", 3, "statut", "« en-cour » n'est pas un statut connu")
    preview = _preview(tmp_path)
    monkeypatch.setattr("builder.build.build", _failing_build(ContentError(report)))
    preview.rebuild()
    assert preview.error == "content/fiches/2.1.1-x.md:3: statut : « en-cour » n'est pas un statut connu"
    assert "Corrigez le contenu" in preview.error_page().decode("utf-8")


def _settle(pending: threading.Event) -> None:
    time.sleep(0.5)
    pending.clear()


def _changed(pending: threading.Event) -> bool:
    return pending.wait(3)


def test_watcher_reacts_to_writes_not_reads(tmp_path: Path) -> None:
    root, content = tmp_path / "repo", tmp_path / "repo" / "content"
    (content / "fiches").mkdir(parents=True)
    (root / "theme").mkdir()
    fiche, template, config = content / "fiches" / "1.1.1-x.md", root / "theme" / "page.html", root / "mkdocs.yml"
    for path in (fiche, template, config, root / "README.md"):
        path.write_text("x\n", encoding="utf-8")
    pending = threading.Event()
    observer = serve.watch(content, root, pending)
    try:
        _settle(pending)
        for path in (fiche, template, config):  # what a build does: it reads every file, it writes none
            path.read_text(encoding="utf-8")
        assert not _changed(pending), "une lecture ne doit pas relancer la construction"
        (root / "README.md").write_text("y\n", encoding="utf-8")
        (root / "mkdocs.yml~").write_text("y\n", encoding="utf-8")
        assert not pending.wait(1), "seul mkdocs.yml compte à la racine"
        for path in (fiche, template, config):
            _settle(pending)
            path.write_text("y\n", encoding="utf-8")
            assert _changed(pending), path
        _settle(pending)
        saved = root / ".mkdocs.yml.tmp"  # an editor that saves by writing a copy, then renaming it
        saved.write_text("z\n", encoding="utf-8")
        saved.replace(config)
        assert _changed(pending)
    finally:
        observer.stop()
        observer.join()


@pytest.fixture
def running(mini_copy: Path) -> Iterator[tuple[str, queue.Queue[str], Path]]:
    """`fiches serve` on the mini plan in a subprocess: its address, its output lines, its content."""
    with serving(mini_copy) as (url, lines):
        yield url, lines, mini_copy


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def _wait_for_version(url: str, other_than: str) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        version = _get(url + serve.VERSION_PATH.lstrip("/"))[1]
        if version != other_than:
            return version
        time.sleep(0.2)
    pytest.fail("le site n'a pas été reconstruit")


def test_real_server_shows_content_errors_and_rebuilds_once(running: tuple[str, queue.Queue[str], Path]) -> None:
    url, _, content = running
    status, page = _get(url)
    assert status == 200 and serve.VERSION_PATH in page and "Simplifier" in page
    version = _get(url + serve.VERSION_PATH.lstrip("/"))[1]
    fiche = content / "fiches" / "2.1.1-parapheur.md"
    fiche.write_text(fiche.read_text(encoding="utf-8").replace("statut: a_venir", "statut: en-cour"), encoding="utf-8")
    version = _wait_for_version(url, version)
    status, page = _get(url)
    assert status == 500 and "Le site n’a pas pu être construit" in page and "« en-cour »" in page
    time.sleep(2.5)  # reading the content during the build is not a change: no other build follows
    assert _get(url + serve.VERSION_PATH.lstrip("/"))[1] == version
