"""The plan PDF, checked on real WeasyPrint output: extracted text, page numbers, bookmarks, fonts, bytes."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from builder.build import load_checked
from builder.content.model import Projet
from builder.outputs.pdf.plan import CACHE_ENV, render_plan
from builder.text import typeset
from tests.conftest import DEMO, FIXTURES, MINI, require_tool

HOSTILE = FIXTURES / "hostile-pdf"


def _text(text: str) -> str:
    """Spaces normalised, apostrophes and dashes as typed (the PDFs are typeset: see test_typography)."""
    return re.sub(r"\s+", " ", text).strip().replace("’", "'").replace("–", "-")


def outline(reader: PdfReader) -> list[tuple[int, str, int]]:
    """Bookmarks as (depth, title, 0-based page index), in document order."""
    items: list[tuple[int, str, int]] = []

    def walk(entries: list, depth: int) -> None:
        for entry in entries:
            if isinstance(entry, list):
                walk(entry, depth + 1)
            else:
                items.append((depth, _text(entry.title), reader.get_destination_page_number(entry)))

    walk(reader.outline, 0)
    return items


def toc_pages(text: str) -> dict[str, int]:
    """Page number printed at the end of each fiche's sommaire entry (a long title may wrap)."""
    printed: dict[str, int] = {}
    current = None
    for line in text.splitlines():
        start = re.match(r"(\d+\.\d+\.\d+)\s", line)
        if start:
            current = start.group(1)
        end = re.search(r"\s(\d+)$", line)
        if current and end:
            printed[current] = int(end.group(1))
            current = None
    return printed


@pytest.fixture(scope="session")
def pdf_cache(tmp_path_factory: pytest.TempPathFactory):
    """A private PDF cache for the session (tests never read the repository's cache)."""
    folder = tmp_path_factory.mktemp("pdf-cache")
    patch = pytest.MonkeyPatch()
    patch.setenv(CACHE_ENV, str(folder))
    yield folder
    patch.undo()


@pytest.fixture(scope="session")
def plan_pdf(pdf_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Projet, Path, PdfReader]:
    """The plan PDF of the demo plan (the small fixture plan while the demo is absent), rendered once."""
    content = DEMO if (DEMO / "plan.yml").exists() else MINI
    projet = load_checked(content)
    path = tmp_path_factory.mktemp("plan") / "plan.pdf"
    render_plan(projet, path)
    return projet, path, PdfReader(path)


@pytest.fixture(scope="session")
def hostile_content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small plan plus a fiche with a script in its title and body, a javascript: link, an onerror."""
    content = tmp_path_factory.mktemp("hostile") / "content"
    shutil.copytree(MINI, content)
    shutil.copytree(HOSTILE, content, dirs_exist_ok=True)
    return content


def test_every_fiche_id_and_titre_is_in_the_plan(plan_pdf):
    projet, _, reader = plan_pdf
    text = _text(" ".join(page.extract_text() for page in reader.pages))
    for fiche in projet.fiches:
        assert f"{fiche.id} {_text(fiche.titre)}" in text, fiche.id


def test_metadata_title_language_and_tags(plan_pdf):
    projet, _, reader = plan_pdf
    assert reader.metadata.title == typeset(projet.plan.titre)
    assert reader.metadata.author == projet.plan.collectivite
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "fr"
    assert root["/MarkInfo"]["/Marked"]
    assert "/StructTreeRoot" in root


def test_sommaire_page_numbers_are_the_pages_where_fiches_start(plan_pdf):
    projet, _, reader = plan_pdf
    marks = outline(reader)
    level1 = [(title, page) for depth, title, page in marks if depth == 0]
    start = dict(level1)["Sommaire"]
    end = level1[[t for t, _ in level1].index("Sommaire") + 1][1]
    sommaire = "\n".join(reader.pages[i].extract_text() for i in range(start, end))
    printed = toc_pages(sommaire)
    assert set(printed) == {f.id for f in projet.fiches}
    starts = {title.split(" ")[0]: page for depth, title, page in marks if depth == 2}
    for fiche in projet.fiches:
        page = starts[fiche.id]
        assert printed[fiche.id] == page + 1, fiche.id
        heading = _text(reader.pages[page].extract_text())
        assert f"{fiche.id} {_text(fiche.titre)}"[:40] in heading, fiche.id


def test_footer_counts_pages_and_cross_references_carry_page_numbers(plan_pdf):
    projet, _, reader = plan_pdf
    total = len(reader.pages)
    assert f"Page 2 / {total}" in reader.pages[1].extract_text()
    assert f"Page {total} / {total}" in reader.pages[-1].extract_text()
    starts = {title.split(" ")[0]: page for depth, title, page in outline(reader) if depth == 2}
    linked = [(f, g) for f in projet.fiches for g in projet.liees(f)]
    assert linked, "the plan under test has no related fiches"
    text = _text(" ".join(p.extract_text() for p in reader.pages))
    for _, target in linked:
        assert f"fiche {target.id}, p. {starts[target.id] + 1}" in text.replace("\u00a0", " ")


def test_fiche_numbers_in_a_text_carry_their_page(plan_pdf):
    import re

    projet, _, reader = plan_pdf
    starts = {title.split(" ")[0]: page for depth, title, page in outline(reader) if depth == 2}
    mentioned = {
        (f.id, m)
        for f in projet.fiches
        for m in re.findall(r"voir l'action (\d+\.\d+\.\d+)", f.body)
        if m in projet.by_id and m != f.id
    }
    assert mentioned, "the plan under test mentions no other fiche in its texts"
    text = _text(" ".join(p.extract_text() for p in reader.pages)).replace("\u00a0", " ").replace("’", "'")
    text = text.replace("\u2010 ", "")  # a word hyphenated at a line end
    for _, target in mentioned:
        assert f"voir l'action {target}, p. {starts[target] + 1}" in text, target
    links = {
        annot.get_object()["/Dest"] if "/Dest" in annot.get_object() else None
        for page in reader.pages
        for annot in page.get("/Annots", []) or []
    }
    assert links - {None}  # internal links are clickable


def test_bookmarks_for_every_axe_objectif_and_fiche(plan_pdf):
    projet, _, reader = plan_pdf
    marks = outline(reader)
    titles = [title for _, title, _ in marks]
    for axe in projet.plan.axes:
        assert f"Axe {axe.numero} · {_text(axe.titre)}" in titles
    for fiche in projet.fiches:
        assert (2, f"{fiche.id} {_text(fiche.titre)}") in [(d, t) for d, t, _ in marks]
    objectifs = [t for d, t, _ in marks if d == 1 and "Objectif" in t]
    assert len(objectifs) == len(projet.objectifs)
    annexes = [t for d, t, _ in marks if d == 0 and t == "Annexes"]
    assert annexes


def test_every_font_is_embedded_and_shipped(plan_pdf):
    pdffonts = require_tool("pdffonts")
    _, path, _ = plan_pdf
    lines = subprocess.run([pdffonts, str(path)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert lines
    for line in lines:
        name, *_ = line.split()
        assert " yes " in line[line.index("Identity") :], line  # emb column
        assert name.split("+", 1)[-1].startswith("Inter"), f"police système dans le PDF : {name}"


def test_pages_render_to_images_with_no_blank_page(plan_pdf, tmp_path):
    from PIL import Image, ImageStat

    pdftoppm = require_tool("pdftoppm")
    _, path, reader = plan_pdf
    subprocess.run([pdftoppm, "-png", "-r", "24", str(path), str(tmp_path / "p")], check=True)
    images = [Image.open(p).convert("L") for p in sorted(tmp_path.glob("p-*.png"))]
    assert len(images) == len(reader.pages)
    brightness = [ImageStat.Stat(image).mean[0] for image in images]
    assert brightness[0] < 110  # the cover: a dark band over most of the page
    for number, image in enumerate(images, start=1):
        # every page carries ink between its running header and footer: a stray break would leave it white
        body = image.crop((0, image.height * 12 // 100, image.width, image.height * 88 // 100))
        assert body.getextrema()[0] < 200, f"page {number} sans contenu"


def test_same_content_gives_the_same_bytes(tmp_path, monkeypatch):
    projet = load_checked(MINI)
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache-a"))
    render_plan(projet, tmp_path / "a.pdf")
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache-b"))
    render_plan(load_checked(MINI), tmp_path / "b.pdf")
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
    dates = PdfReader(tmp_path / "a.pdf").metadata
    assert dates["/CreationDate"].startswith("D:20250630") and dates["/ModDate"].startswith("D:20250630")


def test_source_date_epoch_sets_the_pdf_dates(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14
    render_plan(load_checked(MINI), tmp_path / "a.pdf")
    assert PdfReader(tmp_path / "a.pdf").metadata["/CreationDate"].startswith("D:20231114")


def test_cache_copies_an_unchanged_pdf_and_renders_a_changed_one(tmp_path, monkeypatch, mini_copy):
    cache = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(cache))
    render_plan(load_checked(mini_copy), tmp_path / "first.pdf")
    [cached] = cache.glob("plan-*.pdf")
    cached.write_bytes(cached.read_bytes() + b"%cache\n")  # mark the cached copy
    render_plan(load_checked(mini_copy), tmp_path / "second.pdf")
    assert (tmp_path / "second.pdf").read_bytes().endswith(b"%cache\n")

    plan = mini_copy / "plan.yml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("de test", "modifié"), encoding="utf-8")
    render_plan(load_checked(mini_copy), tmp_path / "third.pdf")
    third = (tmp_path / "third.pdf").read_bytes()
    assert not third.endswith(b"%cache\n")
    assert PdfReader(tmp_path / "third.pdf").metadata.title == "Projet d’administration modifié"
    assert len(list(cache.glob("plan-*.pdf"))) == 2


def test_hostile_content_renders_as_text(hostile_content, tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    path = tmp_path / "plan.pdf"
    render_plan(load_checked(hostile_content), path)
    raw = path.read_bytes()
    reader = PdfReader(path)
    text = _text(" ".join(p.extract_text() for p in reader.pages))
    assert "<script>alert('titre')</script> Fiche piégée" in text
    assert "<img src=x onerror=alert('resume')> résumé piégé" in text
    assert "Texte avant le script." in text and "Texte après le script." in text
    assert "alert('corps')" not in text  # the body's script element is removed, not run
    assert "lien piégé" in text and "suivi piégé" in text and "lien onclick" in text
    assert b"/JavaScript" not in raw and b"/JS " not in raw
    uris = [str(a.get_object().get("/A", {}).get("/URI", "")) for p in reader.pages for a in p.get("/Annots", [])]
    assert not [u for u in uris if "javascript" in u.lower()]


# --- PDF/UA-1 -----------------------------------------------------------------------------------


def _struct(path: Path) -> list[tuple[str, str]]:
    """(role, /Alt) of every structure element, in document order (read with pikepdf)."""
    import pikepdf

    out = []
    with pikepdf.open(path) as pdf:
        stack = [pdf.Root.StructTreeRoot.K]
        while stack:
            item = stack.pop()
            if isinstance(item, pikepdf.Array):
                stack.extend(reversed(list(item)))
            elif isinstance(item, pikepdf.Dictionary) and "/S" in item:
                out.append((str(item.S), str(item.get("/Alt", ""))))
                if "/K" in item:
                    stack.append(item.K)
    return out


def test_plan_passes_the_pdfua_checks_and_claims_pdfua(plan_pdf):
    from builder.outputs.pdf.check import check_pdf, claims, open_pdf

    _, path, _ = plan_pdf
    assert check_pdf(path, print_shop=False, ua=True) == []
    with open_pdf(path) as pdf:
        assert claims(pdf)["ua"] == "1"
        assert pdf.Root.ViewerPreferences.DisplayDocTitle
        assert all(str(p.obj.Tabs) == "/S" for p in pdf.pages if "/Annots" in p.obj)


def test_headings_follow_the_plan_and_figures_are_the_charts(plan_pdf):
    """H1 the plan, H2 each axe and front or back section, H4 each fiche; the only figures are the charts, each
    with its data in words; statut icons are artifacts."""
    from builder.render.facts import indicateur_views

    projet, path, _ = plan_pdf
    roles = _struct(path)
    headings = [r for r, _ in roles if r in ("/H1", "/H2", "/H3", "/H4", "/H5", "/H6")]
    assert headings[0] == "/H1" and headings.count("/H1") == 1
    plan = projet.plan
    sections = 3 + bool(plan.edito) + bool(plan.valeurs) + bool(plan.demarche)  # sommaire, tableau de bord, annexes
    assert headings.count("/H2") == len(plan.axes) + sections
    assert headings.count("/H4") >= len(projet.fiches)
    charts = [v for f in projet.fiches for v in indicateur_views(f) if v.has_chart]
    dashboard, *alts = [alt for role, alt in roles if role == "/Figure"]
    assert len(alts) == len(charts)  # no figure for the statut icons
    counts = {a.numero: sum(f.axe_numero == a.numero for f in projet.fiches) for a in plan.axes}
    assert dashboard.startswith("Fiches par statut et par axe\u00a0: axe 1\u00a0: "), dashboard
    for numero, count in counts.items():  # every fiche of every axe is in the sentence, by statut
        said = re.search(rf"axe {numero}\u00a0: ([^;]*)", dashboard)[1]
        assert sum(int(n) for n in re.findall(r"(\d+) ", said)) == count, dashboard

    def number(value: float) -> str:
        return str(value).removesuffix(".0").replace(".", ",")

    for view, alt in zip(charts, alts, strict=True):
        ind = view.indicateur
        assert alt.startswith(f"{typeset(ind.nom)}\u00a0: "), alt
        compact = re.sub(r"\s", "", alt)  # thousands separators and no-break spaces aside
        if ind.cible is not None:
            assert compact.endswith(f"cible{number(ind.cible)}{ind.unite.replace(' ', '')}"), alt
        for mesure in ind.mesures:
            assert number(mesure.valeur) in compact, alt


def test_every_link_says_where_it_goes(plan_pdf):
    projet, _, reader = plan_pdf
    texts = [str(a.get_object().get("/Contents", "")) for p in reader.pages for a in p.get("/Annots", []) or []]
    assert texts and all(t.startswith(("Aller à : ", "Lien vers ")) for t in texts), set(texts) - set()
    fiche = projet.fiches[0]
    assert f"Aller à : Fiche {fiche.id} : {fiche.titre}" in texts


def test_sommaire_has_no_line_of_leader_dots_alone(plan_pdf):
    _, _, reader = plan_pdf
    marks = outline(reader)
    level1 = [(title, page) for depth, title, page in marks if depth == 0]
    start = dict(level1)["Sommaire"]
    end = level1[[t for t, _ in level1].index("Sommaire") + 1][1]
    lines = [line for i in range(start, end) for line in reader.pages[i].extract_text().splitlines()]
    assert not [line for line in lines if re.fullmatch(r"[.\s]*\d+", line.strip())]


def test_a_long_jalon_table_repeats_its_header_and_never_leaves_a_row_alone(tmp_path, monkeypatch, mini_copy):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    fiche = mini_copy / "fiches" / "2.1.1-parapheur.md"
    jalons = "".join(
        f"  - {{date: 2026-{m:02d}-{d:02d}, libelle: Étape {m}.{d} du déploiement dans les services}}\n"
        for m in range(1, 11)
        for d in (3, 10, 17, 24)
    )
    fiche.write_text(
        fiche.read_text(encoding="utf-8").replace("---\n\nTous", f"jalons:\n{jalons}---\n\nTous"), encoding="utf-8"
    )
    fiche.write_text(
        fiche.read_text(encoding="utf-8").replace(
            "Tous les actes", "Tous les actes\n\n" + "Un long paragraphe de contexte pour remplir la page. " * 60
        ),
        encoding="utf-8",
    )
    path = tmp_path / "plan.pdf"
    render_plan(load_checked(mini_copy), path)
    reader = PdfReader(path)
    pages = [_text(p.extract_text()) for p in reader.pages]
    with_rows = [(i, t.count("Étape ")) for i, t in enumerate(pages) if "Étape " in t]
    assert len(with_rows) >= 2, with_rows  # the table does break across pages
    for index, rows in with_rows:
        assert rows >= 2, (index, rows)
        assert "Date Jalon État" in pages[index]  # the header on every page of the table
