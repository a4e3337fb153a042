"""The intranet site: real `mkdocs build` of generated pages, checked on the parsed HTML."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from urllib.parse import unquote, urlsplit

import lxml.html
import pytest

from builder.build import load_checked
from builder.content.model import Changement, Historique, Projet
from builder.fr import date_fr
from tests.conftest import DEMO, FIXTURES, MINI, run_fiches

HOSTILE = FIXTURES / "hostile"


def build_site(content: Path, out: Path) -> Path:
    result = run_fiches("build", "--content", str(content), "--out", str(out), "--only", "site")
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def page(site: Path, url: str) -> lxml.html.HtmlElement:
    path = site / url / "index.html" if not url.endswith(".html") else site / url
    return lxml.html.fromstring(path.read_text(encoding="utf-8"))


def text(el: lxml.html.HtmlElement) -> str:
    return " ".join(el.text_content().split())


def shown(typed: str) -> str:
    """How a text typed by an editor is displayed: with typographic apostrophes (spaces are normalised by `text`)."""
    return " ".join(typed.split()).replace("'", "’")


def content_of(doc: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    return doc.cssselect("article.md-content__inner")[0]


def fiche_links(el: lxml.html.HtmlElement) -> list[str]:
    """Ids of the fiches an element links to, in order."""
    ids = []
    for a in el.iter("a"):
        path = urlsplit(a.get("href", "")).path.rstrip("/")
        if "/fiches/" in "/" + path and path.rsplit("/", 1)[-1].replace("-", "").isdigit():
            ids.append(path.rsplit("/", 1)[-1].replace("-", "."))
    return ids


def section_after(doc: lxml.html.HtmlElement, anchor: str) -> list[lxml.html.HtmlElement]:
    """Elements between the h2 `#anchor` and the next h2."""
    h2 = doc.get_element_by_id(anchor)
    out = []
    for sibling in h2.itersiblings():
        if sibling.tag == "h2":
            break
        out.append(sibling)
    return out


@pytest.fixture(scope="module")
def mini_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_site(MINI, tmp_path_factory.mktemp("mini") / "site")


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Projet, Path]:
    return load_checked(DEMO), build_site(DEMO, tmp_path_factory.mktemp("demo") / "site")


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_site(HOSTILE, tmp_path_factory.mktemp("hostile") / "site")


# --- pages and facts ------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["mini", "demo"])
def test_every_fiche_has_its_page_with_its_facts(which: str, mini_site: Path, request: pytest.FixtureRequest) -> None:
    if which == "mini":
        projet, site = load_checked(MINI), mini_site
    else:
        projet, site = request.getfixturevalue("demo_site")
    for fiche in projet.fiches:
        doc = content_of(page(site, f"fiches/{fiche.slug}"))
        h1 = text(doc.cssselect("h1")[0])
        assert fiche.id in h1 and shown(fiche.titre) in h1
        body = text(doc)
        assert shown(projet.directions[fiche.pilote].nom) in body
        assert projet.statut(fiche.statut).libelle in text(doc.cssselect(".fa-statut")[0])
        assert doc.cssselect(".fa-statut")[0].cssselect("svg.fa-statut__icon")  # an icon too: never colour alone
        assert f"{fiche.progression} %" in body
        for jalon in fiche.jalons:
            assert date_fr(jalon.date) in body
        if fiche.suivi:
            dates = [t.get("datetime") for t in doc.cssselect("#suivi ~ ul.fa-news time")]
            assert dates == [str(s.date) for s in fiche.suivi_recent]  # newest first
        assert len(doc.cssselect("svg.chart")) == sum(
            1 for i in fiche.indicateurs if i.mesures or i.cible is not None or i.valeur_initiale is not None
        )
        assert set(fiche_links(doc.cssselect(".fa-related")[0]) if doc.cssselect(".fa-related") else []) == {
            f.id for f in projet.liees(fiche) + projet.citee_par(fiche)
        }


def test_fiche_page_of_the_mini_plan(mini_site: Path) -> None:
    doc = content_of(page(mini_site, "fiches/1-1-1"))
    body = text(doc)
    for fact in (
        "Direction des ressources humaines (DRH)",
        "Direction des systèmes d’information",
        "Cheffe du service emploi",
        "Ville de Test",
        "de septembre 2024 à mars 2025",
        "4 500 €",
        "0,3 ETP",
        "15 janvier 2025",
        "Prioritaire",
        "En retard",
    ):
        assert fact in body, fact
    assert [text(li.cssselect(".fa-timeline__state")[0]) for li in doc.cssselect("li.fa-timeline__item")] == [
        "✓ Atteint",
        "⚠ En retard",
    ]
    assert doc.cssselect(".fa-prose h3")[0].text == "Contexte"  # body headings nested under the page's h2
    assert [text(li) for li in doc.cssselect(".fa-tags li")] == ["accueil", "ressources humaines"]
    related = doc.cssselect(".fa-related")[0]
    assert "Liée à" in text(related) and fiche_links(related) == ["1.10.1"]
    cited = content_of(page(mini_site, "fiches/1-10-1")).cssselect(".fa-related")[0]
    assert "Citée par" in text(cited) and fiche_links(cited) == ["1.1.1"]


def test_home_page(mini_site: Path) -> None:
    doc = content_of(page(mini_site, ""))
    body = text(doc)
    assert "Projet d’administration de test" in body and "État au 30 juin 2025" in body
    assert [text(a) for a in doc.cssselect(".fa-axe-tile__title")] == ["Prendre soin des agents", "Simplifier"]
    assert "Accessibilité : site non conforme" in body
    assert fiche_links(doc.cssselect(".fa-news")[0]) == [f.id for _, f in load_checked(MINI).suivi_entries()[:5]]


def test_axe_page_lists_its_objectifs_and_fiches(mini_site: Path) -> None:
    doc = content_of(page(mini_site, "axes/1"))
    assert [text(h) for h in doc.cssselect("h2")] == [
        "Objectif 1.1 — Mieux accueillir",
        "Objectif 1.10 — Former tout au long de la carrière",
    ]
    assert fiche_links(doc) == ["1.1.1", "1.10.1"]
    card = doc.cssselect(".fa-card")[0]
    assert "En cours" in text(card) and "50 %" in text(card) and "Prioritaire" in text(card)


def test_fiches_stay_out_of_the_global_nav(mini_site: Path) -> None:
    nav = page(mini_site, "").cssselect("nav.md-nav--primary")[0]
    assert fiche_links(nav) == []
    assert "Axe 1 — Prendre soin des agents" in text(nav) and "Calendrier" in text(nav)


# --- index pages ----------------------------------------------------------------------------------


def test_index_pages_list_the_right_fiches(demo_site: tuple[Projet, Path]) -> None:
    projet, site = demo_site
    statuts = content_of(page(site, "statuts"))
    for code, fiches in projet.by_statut().items():
        listed = [i for el in section_after(statuts, code) for i in fiche_links(el)]
        assert listed == [f.id for f in fiches], code
    directions = content_of(page(site, "directions"))
    for d in projet.plan.directions:
        tables = (
            [t for el in section_after(directions, d.code.lower()) for t in el.iter("table")]
            if directions.get_element_by_id(d.code.lower(), None) is not None
            else []
        )
        pilote = [f.id for f in projet.fiches if f.pilote == d.code]
        contrib = [f.id for f in projet.fiches if d.code in f.contributeurs]
        by_caption = {text(t.cssselect("caption")[0]).split(" ")[0]: fiche_links(t) for t in tables}
        assert by_caption.get("Pilote", []) == pilote and by_caption.get("Contributeur", []) == contrib, d.code
    prioritaires = content_of(page(site, "prioritaires"))
    assert fiche_links(prioritaires) == [f.id for f in projet.prioritaires]
    themes = content_of(page(site, "themes"))
    for theme, fiches in projet.themes().items():
        from builder.content.model import theme_key
        from builder.outputs.site.pages import theme_anchors

        anchor = theme_anchors(projet)[theme_key(theme)]
        assert [i for el in section_after(themes, anchor) for i in fiche_links(el)] == [f.id for f in fiches]
    collectivites = content_of(page(site, "collectivites"))
    for c in projet.plan.collectivites:
        expected = [f.id for f in projet.fiches if c in projet.collectivites_of(f)]
        assert [i for el in section_after(collectivites, c.code.lower()) for i in fiche_links(el)] == expected


def test_calendrier_and_actualites(demo_site: tuple[Projet, Path]) -> None:
    projet, site = demo_site
    cal = content_of(page(site, "calendrier"))
    dated = [f.id for f in projet.fiches if f.calendrier.debut or f.calendrier.fin]
    assert sorted(fiche_links(cal.cssselect(".fa-gantt")[0])) == sorted(dated)
    assert "T1" in text(cal.cssselect(".fa-gantt__scale")[0])
    news = content_of(page(site, "actualites")).cssselect("ul.fa-news li")
    entries = projet.suivi_entries()
    assert len(news) == len(entries)
    assert [fiche_links(li)[0] for li in news] == [f.id for _, f in entries]
    assert date_fr(entries[0][0].date) in text(news[0])


def test_every_internal_link_resolves(demo_site: tuple[Projet, Path]) -> None:
    _, site = demo_site
    checked = 0
    for html in site.rglob("*.html"):
        if html.name == "404.html":  # served from any URL, so its links are absolute (from site_url)
            continue
        doc = lxml.html.fromstring(html.read_bytes())
        for el in doc.iter("a", "link", "script", "img"):
            ref = el.get("href") or el.get("src")
            if not ref or ref.startswith(("#", "mailto:")) or el.get("rel") == "canonical":
                continue
            parts = urlsplit(ref)
            if el.tag == "a" and html.parent.name == "accessibilite" and parts.scheme == "https":
                continue  # the statement's legal links: schéma pluriannuel, Défenseur des droits (links, not loads)
            assert not parts.scheme and not parts.netloc, f"{html}: lien externe {ref}"
            target = (html.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            assert target.is_file(), f"{html.relative_to(site)}: lien cassé {ref}"
            checked += 1
    assert checked > 1000


def test_search_is_in_french_and_indexes_fiches(demo_site: tuple[Projet, Path]) -> None:
    projet, site = demo_site
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert index["config"]["lang"] == ["fr"]
    fiche = projet.fiches[0]
    entries = [d for d in index["docs"] if d["location"].startswith(f"fiches/{fiche.slug}/")]
    words = " ".join(d["title"] + " " + d["text"] for d in entries)
    assert fiche.titre.split()[1] in words and projet.directions[fiche.pilote].nom in words
    assert all(t in words for t in fiche.themes)


# --- downloads, bilan, history, edit link ---------------------------------------------------------------


def test_every_file_written_for_download_is_linked(demo_site: tuple[Projet, Path]) -> None:
    _, site = demo_site
    written = sorted(p.name for p in (site / "telechargements").iterdir() if p.name != "index.html")
    assert {"fiches.csv", "fiches.xlsx", "jalons.ics", "plan.json", "plan.schema.json"} <= set(written)
    links = content_of(page(site, "telechargements")).cssselect("ul.fa-downloads a")
    linked = sorted(a.get("href").rsplit("/", 1)[-1] for a in links if "telechargements/" in a.get("href"))
    assert linked == written


def test_downloads_are_kept_and_linked(tmp_path: Path) -> None:
    from builder.outputs.folder import sizes
    from builder.outputs.site.nav import Published
    from builder.outputs.site.pages import render_site

    projet = load_checked(MINI)
    out = tmp_path / "site"
    (out / "telechargements").mkdir(parents=True)
    (out / "telechargements" / "plan-2025.pdf").write_bytes(b"%PDF-1.7 test" * 200)
    (out / "telechargements" / "fiches.csv").write_text("id;titre\n", encoding="utf-8")
    (out / "actualites.xml").write_text("<feed/>", encoding="utf-8")
    (out / "fiches" / "9-9-9").mkdir(parents=True)  # a page of a fiche deleted since the last build
    projet = projet.replace(
        bilan_markdown="## Résultats\n\nDix fiches **réalisées**.",
        history={
            "1.1.1": Historique(
                dt.date(2025, 5, 2),
                [
                    Changement(dt.date(2024, 9, 1), "creation", None, None, "abc1234"),
                    Changement(dt.date(2025, 5, 2), "statut", "a_venir", "en_cours", "def5678"),
                ],
            )
        },
    )
    render_site(projet, out, published=Published(sizes(out)))
    assert (out / "telechargements" / "plan-2025.pdf").read_bytes() == b"%PDF-1.7 test" * 200
    assert (out / "actualites.xml").read_text() == "<feed/>"
    assert not (out / "fiches" / "9-9-9").exists()
    downloads = content_of(page(out, "telechargements"))
    assert [a.get("href") for a in downloads.cssselect("ul.fa-downloads a")] == [
        "../telechargements/plan-2025.pdf",
        "../telechargements/fiches.csv",
        "../actualites.xml",
    ]
    assert "Le plan complet (PDF)" in text(downloads)
    assert "../actualites.xml" in [a.get("href") for a in content_of(page(out, "actualites")).iter("a")]
    bilan = content_of(page(out, "bilan-2025"))
    assert text(bilan.cssselect("h1")[0]) == "Bilan 2025" and bilan.cssselect("h3")[0].text == "Résultats"
    assert "Bilan 2025" in text(page(out, "").cssselect("nav.md-nav--primary")[0])
    fiche = text(content_of(page(out, "fiches/1-1-1")))
    facts = {
        text(d.cssselect("dt")[0]): text(d.cssselect("dd")[0])
        for d in content_of(page(out, "fiches/1-1-1")).cssselect("dl.fa-facts > div")
    }
    assert facts["Dernière modification"] == "2 mai 2025"
    assert "2 mai 2025 — statut : À venir → En cours" in fiche and "1er septembre 2024 — création" in fiche


def test_edit_link_when_the_repository_is_configured(tmp_path: Path) -> None:
    from dataclasses import replace

    from builder.outputs.site.pages import write_pages
    from builder.settings import Settings

    projet = load_checked(MINI)
    forge = replace(Settings.packaged(), repo_url="https://forge.example/dgs/plan", edit_uri="-/edit/main/content/")
    write_pages(projet, tmp_path / "docs", forge)
    fiche = (tmp_path / "docs" / "fiches" / "1-1-1.md").read_text(encoding="utf-8")
    assert 'href="https://forge.example/dgs/plan/-/edit/main/content/fiches/1.1.1-livret-accueil.md"' in fiche
    write_pages(projet, tmp_path / "docs2", Settings.packaged())
    assert "Proposer une modification" not in (tmp_path / "docs2" / "fiches" / "1-1-1.md").read_text()


# --- failures -------------------------------------------------------------------------------------


def test_broken_internal_link_fails_the_build(mini_copy: Path, tmp_path: Path) -> None:
    fiche = mini_copy / "fiches" / "2.1.1-parapheur.md"
    fiche.write_text(fiche.read_text(encoding="utf-8") + "\nVoir [la fiche disparue](../9-9-9/).\n", encoding="utf-8")
    result = run_fiches("build", "--content", str(mini_copy), "--out", str(tmp_path / "site"), "--only", "site")
    assert result.returncode == 1
    output = result.stdout + result.stderr
    # found by the content rules, at its line, before anything is rendered (the same rule as `fiches check`)
    line = fiche.read_text(encoding="utf-8").splitlines().index("Voir [la fiche disparue](../9-9-9/).") + 1
    assert f"2.1.1-parapheur.md:{line}: lien « ../9-9-9/ » vers « fiches/9-9-9/ », une page qui n'existe pas" in output
    assert "Traceback" not in output
    assert not (tmp_path / "site").exists()


def test_invalid_fiche_leaves_the_site_unchanged(mini_copy: Path, tmp_path: Path) -> None:
    out = build_site(mini_copy, tmp_path / "site")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    fiche = mini_copy / "fiches" / "2.1.1-parapheur.md"
    fiche.write_text(fiche.read_text(encoding="utf-8").replace("statut: a_venir", "statut: termine"), encoding="utf-8")
    result = run_fiches("build", "--content", str(mini_copy), "--out", str(out), "--only", "site")
    assert result.returncode == 1 and "statut" in result.stdout + result.stderr
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


# --- hostile content ------------------------------------------------------------------------------------


def test_hostile_fiche_is_neutralised_and_readable(hostile_site: Path) -> None:
    for html in hostile_site.rglob("*.html"):
        doc = lxml.html.fromstring(html.read_bytes())
        for el in doc.iter():
            if not isinstance(el.tag, str):
                continue
            for name, value in el.attrib.items():
                assert not name.lower().startswith("on"), f"{html}: attribut {name}"
                assert "javascript:" not in value.replace(" ", "").lower(), f"{html}: {name}={value}"
            if el.tag == "script":
                assert "alert" not in (el.text or ""), html
            assert el.tag not in ("iframe", "img") or "alert" not in lxml.html.tostring(el, encoding="unicode")
    doc = content_of(page(hostile_site, "fiches/1-10-1"))
    body = text(doc)
    assert "Titre <script>alert('titre')</script> piégé & <b>gras</b>" in text(doc.cssselect("h1")[0])
    assert "Texte lisible avant le script." in body and "Texte lisible après le script." in body
    assert "Lien javascript" in body and "Bloc avec gestionnaire" in body
    assert doc.cssselect(".fa-prose table td strong")[0].text == "rendu"  # normal Markdown still renders
    head_title = page(hostile_site, "fiches/1-10-1").findtext(".//title")
    assert head_title.startswith("1.10.1 Titre <script>alert('titre')</script>")
    axe = content_of(page(hostile_site, "axes/2"))
    assert "Dématérialiser <img src=x onerror=alert('objectif')> *x* {#id}" in text(axe.cssselect("h2")[0])


def test_demo_build_through_the_cli_is_complete(demo_site: tuple[Projet, Path]) -> None:
    projet, site = demo_site
    for name in (
        "index.html",
        "accessibilite/index.html",
        "telechargements/index.html",
        "calendrier/index.html",
        "actualites/index.html",
        "directions/index.html",
        "statuts/index.html",
        "themes/index.html",
        "collectivites/index.html",
        "prioritaires/index.html",
        "assets/fonts/Inter-Regular.otf",
    ):
        assert (site / name).is_file(), name
    assert len(list((site / "fiches").iterdir())) == len(projet.fiches)
    assert "RGAA" in text(content_of(page(site, "accessibilite")))


# --- fiches serve ---------------------------------------------------------------------------------------


def test_serve_rebuilds_and_shows_content_errors(mini_copy: Path) -> None:
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request

    from tests.conftest import ROOT

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "builder", "serve", "--content", str(mini_copy), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )

    def get(path: str = "") -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/{path}", timeout=5) as r:
                return r.status, r.read().decode("utf-8")
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode("utf-8")

    def wait_for(condition, timeout: float = 60) -> tuple[int, str]:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        while True:
            try:
                result = get("fiches/2-1-1/")
                if condition(result):
                    return result
            except OSError:
                pass
            assert time.monotonic() < deadline, "le serveur d'aperçu ne répond pas comme attendu"
            time.sleep(0.3)

    try:
        status, page_html = wait_for(lambda r: r[0] == 200)
        assert "Déployer le parapheur électronique" in page_html and "__fiches_version" in page_html
        fiche = mini_copy / "fiches" / "2.1.1-parapheur.md"
        original = fiche.read_text(encoding="utf-8")
        fiche.write_text(original.replace("statut: a_venir", "statut: termine"), encoding="utf-8")
        status, page_html = wait_for(lambda r: r[0] == 500)
        assert "Le site n’a pas pu être construit" in page_html and "2.1.1-parapheur.md" in page_html
        fiche.write_text(original.replace("Déployer le parapheur", "Généraliser le parapheur"), encoding="utf-8")
        status, page_html = wait_for(lambda r: r[0] == 200 and "Généraliser le parapheur" in r[1])
    finally:
        proc.terminate()
        output = proc.communicate(timeout=20)[0]
    assert "Erreurs dans le contenu" in output and "Traceback" not in output


def test_themes_written_differently_are_one_theme_with_a_unique_anchor(mini_copy: Path, tmp_path: Path) -> None:
    fiche = mini_copy / "fiches" / "2.1.1-parapheur.md"
    fiche.write_text(
        fiche.read_text(encoding="utf-8").replace(
            "---\n\n", 'themes: [Numérique, numerique, "⚙", "★", Accueil]\n---\n\n', 1
        ),
        encoding="utf-8",
    )
    site = build_site(mini_copy, tmp_path / "site")
    themes = page(site, "themes")
    ids = [el.get("id") for el in themes.iter() if el.get("id")]
    assert len(ids) == len(set(ids))  # valid HTML: every anchor once
    headings = [text(h) for h in content_of(themes).cssselect("h2")]
    assert headings.count("Numérique") == 1 and "numerique" not in headings and "⚙" in headings and "★" in headings
    assert "accueil" in headings and "Accueil" not in headings  # merged with the « accueil » of 1.1.1, first written
    for a in content_of(page(site, "fiches/2-1-1")).cssselect("ul.fa-tags a"):
        anchor = a.get("href").split("#", 1)[1]
        assert themes.get_element_by_id(anchor) is not None, anchor


def test_fiche_numbers_in_a_text_link_to_those_fiches(demo_site: tuple[Projet, Path]) -> None:
    import re

    projet, site = demo_site
    checked = 0
    for fiche in projet.fiches:
        mentioned = [m for m in re.findall(r"voir l'action (\d+\.\d+\.\d+)", fiche.body) if m in projet.by_id]
        if not mentioned:
            continue
        body = content_of(page(site, f"fiches/{fiche.slug}")).cssselect("div.fa-prose")[0]
        linked = [a.text for a in body.cssselect("a.fa-xref")]
        assert set(mentioned) - {fiche.id} <= set(linked), fiche.id
        assert fiche.id not in linked  # a fiche does not link to itself
        for a in body.cssselect("a.fa-xref"):
            assert fiche_links(a) == [a.text]
        checked += 1
    assert checked >= 3
