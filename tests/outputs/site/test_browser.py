"""The built site in real headless Chromium: no request leaves 127.0.0.1, axe-core finds no serious or
critical violation, search works, a hostile fiche runs nothing. Screenshots go to a temporary folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from builder.text import fold
from tests.conftest import CHROMIUM_ARGS, DEMO, FIXTURES, MINI, require_tool, run_fiches, serve_static


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


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The demo plan (or the mini plan before the demo exists) and the hostile plan, each on a local server."""
    urls = []
    servers = []
    for name, content in (("demo", DEMO if (DEMO / "plan.yml").exists() else MINI), ("hostile", FIXTURES / "hostile")):
        site = tmp_path_factory.mktemp(name) / "site"
        result = run_fiches("build", "--content", str(content), "--out", str(site), "--only", "site")
        assert result.returncode == 0, result.stdout + result.stderr
        server, url = serve_static(site)
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
    return [r for r in requests if urlsplit(r).scheme in ("http", "https", "ws", "wss") and urlsplit(r).netloc != host]


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
        found = page.locator(".md-search-result").inner_text().lower().replace("’", "'")
        assert word.lower().replace("’", "'") in found  # pages are typeset (’), the index keeps what was typed
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


# --- every page type, at three widths: reflow, skip link, axe ---------------------------------------------

WIDTHS = (320, 390, 1280)
# One page of each type of the demo (the index pages share one template); the 404 is asked for at the server's
# root and in a sub-folder. axe runs at 390 and 1280 px (320 px has the same layout and colours as 390 px).
PAGE_TYPES = {
    "accueil": "",
    "actualites": "actualites/",
    "bilan": "bilan-{edition}/",
    "calendrier": "calendrier/",
    "telechargements": "telechargements/",
    "axe": "axes/1/",
    "fiche": "fiches/2-3-1/",
    "tableau-de-bord": "tableau-de-bord/",
    "index": "prioritaires/",
    "accessibilite": "accessibilite/",
    "404-racine": "page-disparue",
    "404-dossier": "fiches/9-9-9/",
}

# Content that sticks out of the viewport and is not inside a scroller of its own (the page would be cut).
_OVERFLOW = """() => {
  const width = document.documentElement.clientWidth, out = [];
  for (const el of document.querySelectorAll("article *, body > main *, .md-footer *")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || (box.right <= width + 1 && box.left >= -1)) continue;
    let p = el.parentElement, scroller = false;
    for (; p && p !== document.body; p = p.parentElement)
      if (getComputedStyle(p).overflowX !== "visible") { scroller = true; break; }
    if (!scroller) out.push(el.tagName + "." + el.className + " " + Math.round(box.left) + "→" + Math.round(box.right));
  }
  if (document.body.scrollWidth > width)
    for (const el of document.querySelectorAll("body *")) {
      const box = el.getBoundingClientRect();
      if (box.right > width + 1 && getComputedStyle(el).position !== "fixed")
        out.push("page: " + el.tagName + "." + el.className);
    }
  return {page: document.documentElement.scrollWidth, body: document.body.scrollWidth, width, out: out.slice(0, 5)};
}"""


_FROM_TOP = """() => { window.scrollTo(0, 0); const start = document.createElement("span"); start.tabIndex = -1;
  document.body.prepend(start); start.focus(); start.addEventListener("blur", () => start.remove()); }"""
_SCROLLERS = """() => [...document.querySelectorAll("article *")]
  .filter(e => ["auto", "scroll"].includes(getComputedStyle(e).overflowX) && e.scrollWidth > e.clientWidth)
  .map(e => [e.tabIndex, e.getAttribute("role"), e.getAttribute("aria-label")])"""
_AXE_JS: list[str] = []


def _edition() -> str:
    import yaml

    return str(yaml.safe_load((DEMO / "plan.yml").read_text(encoding="utf-8"))["edition"])


def _axe_serious(page) -> list:
    """axe-core's serious and critical violations on the page as it is now (injected once per page load)."""
    if not _AXE_JS:
        import axe_playwright_python

        _AXE_JS.append((Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8"))
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_AXE_JS[0])
    violations = page.evaluate("axe.run(document, {resultTypes: ['violations']}).then(r => r.violations)")
    return [
        (v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3])
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("kind", list(PAGE_TYPES))
def test_page_type_reflows_has_a_skip_link_and_no_serious_axe_violation(
    browser, served: tuple[str, str], shots: Path, kind: str
) -> None:
    if not (DEMO / "plan.yml").exists():
        pytest.skip("le plan de démonstration est absent")
    base = served[0]
    path = PAGE_TYPES[kind].format(edition=_edition())
    page, requests, dialogs = _open(browser, base + path)
    try:
        assert page.locator("h1").first.is_visible()
        if kind.startswith("404"):
            assert "Page introuvable" in page.locator("h1").first.inner_text()
            home = page.get_by_role("link", name="Retour à l’accueil du site")
            assert home.get_attribute("href") == "https://intranet.montclair.example/projet-administration/"
            # styled where it is served: its own styles apply (the header band is coloured, not default white)
            assert (
                page.evaluate("getComputedStyle(document.querySelector('header')).backgroundColor")
                == "rgb(18, 60, 105)"
            )
        # no transitions: after a resize, the page is measured as it settles, not half-way through an animation
        page.add_style_tag(content="* { transition: none !important; animation: none !important; }")
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            page.evaluate(_FROM_TOP)  # the next Tab starts from the top of the page, as after loading it
            overflow = page.evaluate(_OVERFLOW)
            assert overflow["page"] <= width and overflow["body"] <= width and not overflow["out"], (width, overflow)
            # the first Tab reaches the skip link; following it lands on the start of the main content
            page.keyboard.press("Tab")
            first = page.evaluate(
                "[document.activeElement.textContent.trim(), document.activeElement.getAttribute('href')]"
            )
            assert first == ["Aller au contenu", "#contenu"], (width, first)
            page.keyboard.press("Enter")
            landed = page.evaluate("""() => { const a = document.activeElement, h1 = document.querySelector('h1');
                const header = document.querySelector('.md-header, body > header');
                return {id: a.id, holdsTitle: a.contains(h1),
                        first: a.firstElementChild && a.firstElementChild.className,
                        top: h1.getBoundingClientRect().top, headerBottom: header.getBoundingClientRect().bottom}; }""")
            assert landed["id"] == "contenu" and landed["holdsTitle"], (width, landed)
            assert landed["headerBottom"] <= landed["top"] < 800, (width, landed)
            if kind == "fiche":  # the fiche's title block comes first: number, title, statut, progress
                assert "fa-band" in landed["first"], landed
            if width == 320:  # what scrolls sideways is a named tab stop (the bilan's and dashboard's tables do)
                regions = page.evaluate(_SCROLLERS)
                assert all(tab == 0 and role == "region" and label for tab, role, label in regions), regions
                assert regions or kind != "tableau-de-bord", kind
                labels = page.evaluate("[...document.querySelectorAll('[role=region]')].map(e => e.ariaLabel)")
                assert len(labels) == len(set(labels)), labels
            else:
                assert _axe_serious(page) == [], (width, kind)
            if width in (390, 1280):
                page.evaluate("window.scrollTo(0, 0)")
                page.screenshot(path=str(shots / f"{kind}-{width}.png"))
        assert _foreign(requests, base) == []
        assert dialogs == []
    finally:
        page.close()


def test_no_invisible_tab_stop_and_a_visible_focus_ring(browser, served: tuple[str, str]) -> None:
    """The first twenty tab stops of a fiche page at 1280 px all have a size, and a focus ring ≥ 3:1."""
    base = served[0]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(base + "fiches/2-3-1/", wait_until="networkidle")
        for _ in range(20):
            page.keyboard.press("Tab")
            stop = page.evaluate("""() => { const e = document.activeElement, b = e.getBoundingClientRect(),
                s = getComputedStyle(e); let bg = null;  // what lies under the ring: the element (inset) or around it
                for (let p = parseFloat(s.outlineOffset) < 0 ? e : e.parentElement; p && !bg; p = p.parentElement) {
                  const c = getComputedStyle(p).backgroundColor;
                  const alpha = c.startsWith('rgba') ? parseFloat(c.split(',')[3]) : 1;
                  if (alpha >= 0.5) bg = c; }
                return {el: e.tagName + '.' + e.className, w: b.width, h: b.height, style: s.outlineStyle,
                        width: parseFloat(s.outlineWidth), color: s.outlineColor, bg: bg || 'rgb(255, 255, 255)'}; }""")
            assert stop["w"] > 0 and stop["h"] > 0, stop
            assert stop["style"] == "solid" and stop["width"] >= 2, stop
            assert _contrast(stop["color"], stop["bg"]) >= 3, stop
    finally:
        page.close()


_STOP = """() => { const e = document.activeElement, r = e.getBoundingClientRect();
    return {el: e.tagName + ' ' + (e.textContent || '').trim().slice(0, 40), x: r.x, right: r.right,
            inNav: !!e.closest('.md-sidebar--primary'), open: document.getElementById('__drawer').checked}; }"""


def test_the_closed_drawer_is_out_of_the_tab_order_and_the_menu_opens_with_the_keyboard(browser, served) -> None:
    """At 390 px the navigation is a drawer: closed, none of its links is a tab stop (they would be focused off
    screen); the menu icon is a tab stop that opens it with Entrée, its links then are tab stops on screen, and
    Échap closes it and gives the focus back to the menu icon."""
    page = browser.new_page(viewport={"width": 390, "height": 800})
    try:
        page.goto(served[0] + "fiches/2-3-1/", wait_until="networkidle")
        stops = []
        for _ in range(12):
            page.keyboard.press("Tab")
            stops.append(page.evaluate(_STOP))
        assert not [s for s in stops if s["inNav"] or s["right"] <= 0 or s["x"] >= 390], stops
        menu = page.get_by_role("button", name="Menu de navigation")
        assert menu.get_attribute("aria-label") and menu.get_attribute("aria-expanded") == "false"
        menu.focus()
        page.keyboard.press("Enter")
        page.wait_for_timeout(300)  # the drawer slides in
        assert menu.get_attribute("aria-expanded") == "true"
        opened = []
        for _ in range(3):
            page.keyboard.press("Tab")
            opened.append(page.evaluate(_STOP))
        in_nav = [s for s in opened if s["inNav"]]
        assert in_nav and all(s["x"] >= 0 and s["right"] <= 390 for s in in_nav), opened
        page.keyboard.press("Escape")
        page.wait_for_timeout(300)
        assert not page.evaluate(_STOP)["open"]
        assert page.evaluate("() => document.activeElement.getAttribute('for')") == "__drawer"
    finally:
        page.close()


def _contrast(a: str, b: str) -> float:
    def luminance(css: str) -> float:
        r, g, b = (int(float(x)) / 255 for x in css[css.index("(") + 1 : css.index(")")].split(",")[:3])
        lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_calendar_names_are_whole_at_390_px(browser, served: tuple[str, str], shots: Path) -> None:
    """At 390 px every fiche name and its dates are fully visible without sideways scrolling."""
    base = served[0]
    page = browser.new_page(viewport={"width": 390, "height": 800})
    try:
        page.goto(base + "calendrier/", wait_until="networkidle")
        boxes = page.evaluate("""() => [...document.querySelectorAll('.fa-gantt__row')].map(row => {
            const name = row.querySelector('.fa-gantt__name'), dates = row.querySelector('.fa-gantt__dates'),
                  bar = row.querySelector('.fa-gantt__bar');
            const n = name.getBoundingClientRect(), d = dates.getBoundingClientRect(), b = bar.getBoundingClientRect();
            return {text: name.textContent, left: Math.min(n.left, d.left, b.left),
                    right: Math.max(n.right, d.right, b.right),
                    cut: name.scrollWidth > name.clientWidth + 1 || getComputedStyle(name).textOverflow === 'ellipsis',
                    dates: dates.textContent, bar: b.width}; })""")
        fiches = len(list((DEMO / "fiches").glob("*.md")))
        assert len(boxes) >= fiches - 5  # every dated fiche has its row
        for box in boxes:
            assert box["left"] >= 0 and box["right"] <= 390 and not box["cut"], box
            assert "T" in box["dates"] and box["bar"] > 0, box
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert page.locator(".fa-gantt__today").inner_text() == "Aujourd’hui"
        page.locator(".fa-gantt__name").first.focus()  # names are links: reachable with the keyboard
        assert page.evaluate("document.activeElement.classList.contains('fa-gantt__name')")
    finally:
        page.close()


# --- search as agents type ---------------------------------------------------------------------------------

RECHERCHE = FIXTURES / "recherche"  # a small plan unlike the demo: Markdown tables, accents, ligatures


@pytest.fixture(scope="module")
def served_recherche(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    site = tmp_path_factory.mktemp("recherche") / "site"
    result = run_fiches("build", "--content", str(RECHERCHE), "--out", str(site), "--only", "site")
    assert result.returncode == 0, result.stdout + result.stderr
    server, url = serve_static(site)
    yield url, site
    server.shutdown()


def _fiches(content: Path) -> list[dict]:
    """Front matter of every fiche, read here with PyYAML (not through the builder)."""
    import yaml

    fiches = []
    for path in sorted((content / "fiches").glob("*.md")):
        head = path.read_text(encoding="utf-8").split("---", 2)[1]
        fiches.append({k: str(v) for k, v in yaml.safe_load(head).items()})
    return fiches


def _expected(content: Path) -> dict[str, set[str]]:
    """For each query, the fiche pages that must come among the first results (from the content itself)."""
    fiches = _fiches(content)
    url = {f["id"]: "fiches/" + f["id"].replace(".", "-") + "/" for f in fiches}
    titled = {
        word: {url[f["id"]] for f in fiches if word in f["titre"].lower()}
        for word in ("télétravail", "égalité", "œuvre")
    }
    return {
        "teletravail": titled["télétravail"],
        "TÉLÉTRAVAIL": titled["télétravail"],
        "egalite": titled["égalité"],
        "oeuvre": titled["œuvre"],
        "DRH": {url[f["id"]] for f in fiches if f["pilote"] == "DRH"},
        "DSI": {url[f["id"]] for f in fiches if f["pilote"] == "DSI"},
        "2.3.1": {"fiches/2-3-1/"},
    }


def _search(page, query: str) -> list[str]:
    """Type `query` in the real search box; the pages of the result groups, best first."""
    box = page.locator("input.md-search__input")
    box.click()
    box.fill("")
    page.keyboard.type(query, delay=15)  # Material searches on key events
    page.locator(".md-search-result__item").first.wait_for(timeout=15000)
    page.wait_for_timeout(300)  # the last keystroke's results
    hrefs = page.evaluate("""() => [...document.querySelectorAll('.md-search-result__item')]
        .map(li => li.querySelector('a').getAttribute('href'))""")
    return [urlsplit(h).path.lstrip("/") for h in hrefs]


def _glued(content: Path) -> set[str]:
    """Neighbouring table cells of the fixture written without the space between them: the Markdown and HTML
    tables of its bodies, and the site's own indicator tables (« Valeur initiale » then its value)."""
    import re

    glued = set()
    for path in (content / "fiches").glob("*.md"):
        text = path.read_text(encoding="utf-8")
        rows = [
            [c.strip() for c in line.strip("|").split("|")]
            for line in text.splitlines()
            if line.startswith("|") and not line.startswith("|---")
        ]
        rows += [re.findall(r"<t[hd]>([^<]*)</t[hd]>", row) for row in re.findall(r"<tr>(.*?)</tr>", text)]
        cells = [c for row in rows for c in row if c]
        glued |= {a.split()[-1] + b.split()[0] for a, b in zip(cells, cells[1:], strict=False)}
        glued |= {f"initiale{v}" for v in re.findall(r"valeur_initiale: (\S+)", text)}
    return glued


@pytest.mark.parametrize("plan", ["demo", "recherche"])
def test_search_as_agents_type(
    browser, served: tuple[str, str], served_recherche: tuple[str, Path], shots: Path, plan: str
) -> None:
    """Accents, capitals, ligatures, direction codes and fiche numbers find the right fiche among the first
    results; with the results open, axe finds no serious violation (the results count included)."""
    if plan == "demo" and not (DEMO / "plan.yml").exists():
        pytest.skip("le plan de démonstration est absent")
    base, content = (served[0], DEMO) if plan == "demo" else (served_recherche[0], RECHERCHE)
    page, requests, _ = _open(browser, base)
    misses = []
    try:
        for query, expected in _expected(content).items():
            if not expected:
                continue
            found = _search(page, query)
            top = found[:1] if query == "2.3.1" else found[:5]
            if not expected & set(top):
                misses.append((query, sorted(expected)[:3], found[:5]))
        assert misses == []
        assert _axe_serious(page) == []
        page.set_viewport_size({"width": 390, "height": 800})
        assert _axe_serious(page) == []
        page.screenshot(path=str(shots / f"recherche-{plan}-390.png"))
        assert _foreign(requests, base) == []
    finally:
        page.close()


def test_search_keeps_table_cells_apart(browser, served_recherche: tuple[str, Path]) -> None:
    """Neither the index nor the result snippets glue the fixture's table cells together (« portables120 »)."""
    import json

    base, site = served_recherche
    glued = _glued(RECHERCHE)
    # what a glued index would contain: Markdown cells, HTML cells, the site's indicator table
    assert {"portables120", "ProgicielÉditeur", "initiale12"} <= glued
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    text = " ".join(doc["title"] + " " + doc["text"] for doc in index["docs"])
    assert "Ordinateurs portables" in text and [g for g in glued if g in text] == []
    page, _, _ = _open(browser, base)
    try:
        for query in ("portables", "diagnostic", "progiciel", "initiale"):
            _search(page, query)
            snippets = page.locator(".md-search-result").inner_text()
            assert query in fold(snippets).lower(), (query, snippets)
            assert [g for g in glued if g in snippets] == [], (query, snippets)
    finally:
        page.close()
