"""The built site in real headless Chromium: no request leaves 127.0.0.1, axe-core finds no serious or
critical violation, search works, a hostile fiche runs nothing. Screenshots go to a temporary folder."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import DEMO, FIXTURES, MINI, require_tool, run_fiches

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    chromium = require_tool("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright n'est pas installé (bash .ci/setup)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _serve(site: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The demo plan (or the mini plan before the demo exists) and the hostile plan, each on a local server."""
    urls = []
    servers = []
    for name, content in (("demo", DEMO if (DEMO / "plan.yml").exists() else MINI),
                          ("hostile", FIXTURES / "hostile")):
        site = tmp_path_factory.mktemp(name) / "site"
        result = run_fiches("build", "--content", str(content), "--out", str(site), "--only", "site")
        assert result.returncode == 0, result.stdout + result.stderr
        server, url = _serve(site)
        servers.append(server)
        urls.append(url)
    yield urls[0], urls[1]
    for server in servers:
        server.shutdown()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("captures")


def _open(browser, url: str) -> tuple[object, list[str], list[str]]:
    """A new page that records every request and every dialog."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url, wait_until="networkidle")
    return page, requests, dialogs


def _foreign(requests: list[str], base: str) -> list[str]:
    host = urlsplit(base).netloc
    return [r for r in requests if urlsplit(r).scheme in ("http", "https", "ws", "wss")
            and urlsplit(r).netloc != host]


@pytest.mark.parametrize("path", ["", "axes/1/", "fiches/1-1-1/", "calendrier/", "actualites/", "tableau-de-bord/",
                                  "fiches/3-1-1/"])
def test_page_is_local_and_accessible(browser, served: tuple[str, str], shots: Path, path: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    base = served[0]
    page, requests, dialogs = _open(browser, base + path)
    try:
        assert page.locator("h1").first.is_visible()
        assert _foreign(requests, base) == []
        assert any("Inter-Regular.otf" in r for r in requests) or path  # the shipped font is used
        results = Axe().run(page)
        serious = [(v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3])
                   for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
        assert serious == [], serious
        page.screenshot(path=str(shots / f"{path.strip('/').replace('/', '_') or 'accueil'}.png"), full_page=True)
        assert dialogs == []
    finally:
        page.close()


def test_search_finds_a_fiche_in_french(browser, served: tuple[str, str], shots: Path) -> None:
    base = served[0]
    page, requests, _ = _open(browser, base)
    try:
        title = page.locator(".fa-news a, .fa-card__title a").first.inner_text()
        page.locator("input.md-search__input").click()
        word = max(title.split("—")[-1].split(), key=len).strip("«»,.")
        page.keyboard.type(word, delay=20)  # Material searches on key events
        results = page.locator(".md-search-result__item")
        results.first.wait_for(timeout=15000)
        assert results.count() >= 1
        assert word.lower() in page.locator(".md-search-result").inner_text().lower()
        page.screenshot(path=str(shots / "recherche.png"))
        assert _foreign(requests, base) == []
    finally:
        page.close()


def test_hostile_fiche_runs_nothing_and_stays_readable(browser, served: tuple[str, str], shots: Path) -> None:
    base = served[1]
    for path in ("fiches/1-10-1/", "axes/2/", "", "actualites/", "themes/"):
        page, requests, dialogs = _open(browser, base + path)
        try:
            for link in page.locator("article a").all()[:40]:
                if "javascript" in (link.get_attribute("href") or ""):
                    link.click()
            page.wait_for_timeout(200)
            assert dialogs == [], (path, dialogs)
            assert _foreign(requests, base) == []
            if path == "fiches/1-10-1/":
                assert "Titre <script>alert('titre')</script> piégé" in page.locator("h1").first.inner_text()
                body = page.locator("article").inner_text()
                assert "Texte lisible avant le script." in body and "Texte lisible après le script." in body
                assert page.locator("article table td strong").first.inner_text() == "rendu"
                page.screenshot(path=str(shots / "fiche-hostile.png"), full_page=True)
        finally:
            page.close()
    assert (shots / "fiche-hostile.png").stat().st_size > 10_000
