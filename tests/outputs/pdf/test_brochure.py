"""The brochure, checked on real WeasyPrint output: every action with its statut, print boxes, QR code."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import lxml.html
import pytest
from pypdf import PdfReader

from builder.build import load_checked
from builder.content.model import Projet
from builder.outputs.pdf.brochure import brochure_html, page_css, render_brochure
from builder.outputs.pdf.plan import CACHE_ENV
from builder.settings import read_settings
from builder.text import typeset
from tests.conftest import DEMO, FIXTURES, MINI, require_tool

MM = 72 / 25.4


def _text(text: str) -> str:
    """Spaces normalised, apostrophes and dashes as typed (the PDFs are typeset: see test_typography)."""
    return re.sub(r"\s+", " ", text).strip().replace("’", "'").replace("–", "-")


SETTINGS = read_settings(DEMO)  # the demo project's: its site_url is the QR code's address


@pytest.fixture(scope="module")
def brochure_pdf(tmp_path_factory: pytest.TempPathFactory) -> tuple[Projet, Path, PdfReader]:
    """The brochure of the demo plan (the small fixture plan while the demo is absent), rendered once."""
    content = DEMO if (DEMO / "plan.yml").exists() else MINI
    projet = load_checked(content)
    folder = tmp_path_factory.mktemp("brochure")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CACHE_ENV, str(folder / "cache"))
        render_brochure(projet, folder / "brochure.pdf", SETTINGS)
    return projet, folder / "brochure.pdf", PdfReader(folder / "brochure.pdf")


def section(reader: PdfReader, first: str, until: tuple[str, ...]) -> str:
    """Text of the pages from the one that starts with `first` to the one before a page starting with `until`."""
    texts = [_text(page.extract_text()) for page in reader.pages]
    start = next(i for i, t in enumerate(texts) if t.startswith(first))
    end = next((i for i, t in enumerate(texts) if i > start and t.startswith(until)), len(texts) - 1)
    return " ".join(texts[start:end])


def test_every_action_appears_once_with_its_statut_label(brochure_pdf):
    projet, _, reader = brochure_pdf
    text = section(reader, "AXE 1", ("Réalisé en",))
    ids = re.compile(r"(?<![\d.])(\d+\.\d+\.\d+)(?![\d.]*\d)")
    found = [m for m in ids.finditer(text)]
    counts = {f.id: sum(1 for m in found if m.group(1) == f.id) for f in projet.fiches}
    assert counts == {f.id: 1 for f in projet.fiches}
    positions = sorted((m.start(), m.group(1)) for m in found)
    for (start, fid), (end, _) in zip(positions, positions[1:] + [(len(text), "")], strict=True):
        entry = text[start:end]
        fiche = projet.by_id[fid]
        assert entry.startswith(f"{fid} {_text(fiche.titre)}"[:30]), entry
        assert projet.statut(fiche.statut).libelle in entry, entry


def test_front_matter_of_the_brochure(brochure_pdf):
    projet, _, reader = brochure_pdf
    plan = projet.plan
    text = _text(" ".join(page.extract_text() for page in reader.pages))
    assert f"Édition {plan.edition}" in text
    for chiffre in plan.chiffres_cles:
        assert _text(chiffre.libelle) in text
    for valeur in plan.valeurs:
        assert _text(valeur.titre) in text
    for etape in plan.demarche:
        assert _text(etape.titre) in text
    assert f"Réalisé en {plan.edition}" in text
    assert reader.trailer["/Root"]["/Lang"] == "fr"
    assert reader.metadata.title == typeset(f"{plan.titre} — brochure {plan.edition}")


def test_realisees_of_the_edition_year_are_highlighted(brochure_pdf):
    projet, _, reader = brochure_pdf
    year = projet.plan.edition
    expected = [f for f in projet.fiches if f.statut == "realisee" and any(s.date.year == year for s in f.suivi)]
    others = [f for f in projet.fiches if f.statut == "realisee" and f not in expected]
    highlight = section(reader, f"Réalisé en {year}", ("Ce qui a changé", "Le plan complet"))
    for fiche in expected:
        assert _text(fiche.titre) in highlight
    for fiche in others:
        assert _text(fiche.titre) not in highlight


def test_back_page_has_the_intranet_address_and_a_vector_qr_code(brochure_pdf):
    _, _, reader = brochure_pdf
    url = SETTINGS.site_url
    assert url, "mkdocs.yml sans site_url"
    back = reader.pages[-1]
    assert url in _text(back.extract_text())
    assert not back.images  # the QR code is vector paths, not a bitmap
    assert len(back.get_contents().get_data()) > 2000


def test_without_site_url_the_qr_code_is_left_out(tmp_path):
    (tmp_path / "content").mkdir()
    assert read_settings(tmp_path / "content").site_url is None  # no mkdocs.yml
    (tmp_path / "mkdocs.yml").write_text("site_name: Test\nmarkdown_extensions:\n  - !!python/name:x.y\n")
    assert read_settings(tmp_path / "content").site_url is None
    assert read_settings(tmp_path / "content").site_name == "Test"
    projet = load_checked(MINI)
    without = brochure_html(projet, None)
    assert 'class="qr"' not in without and "site_url dans mkdocs.yml" in without
    with_url = brochure_html(projet, "https://intranet.example/plan/")
    assert 'class="qr"' in with_url and "<path" in with_url.split('class="qr"')[1]


def test_screen_version_has_no_bleed(brochure_pdf):
    projet, _, reader = brochure_pdf
    assert not projet.plan.brochure.imprimeur
    page = reader.pages[0]
    assert [float(v) for v in page.mediabox] == [float(v) for v in page.trimbox]
    assert "bleed" not in page_css(projet)


def test_a4_format(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    with (content / "plan.yml").open("a", encoding="utf-8") as plan:
        plan.write("brochure:\n  format: A4\n")
    render_brochure(load_checked(content), tmp_path / "a4.pdf", SETTINGS)
    box = [float(v) for v in PdfReader(tmp_path / "a4.pdf").pages[0].mediabox]
    assert box[2] - box[0] == pytest.approx(210 * MM, abs=0.5)


def test_every_font_is_embedded(brochure_pdf):
    pdffonts = require_tool("pdffonts")
    _, path, _ = brochure_pdf
    lines = subprocess.run([pdffonts, str(path)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert lines
    for line in lines:
        assert line.split()[0].split("+", 1)[-1].startswith("Inter"), line
        assert " yes " in line[line.index("Identity") :], line


def test_same_content_gives_the_same_bytes(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "a"))
    render_brochure(load_checked(MINI), tmp_path / "a.pdf", SETTINGS)
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "b"))
    render_brochure(load_checked(MINI), tmp_path / "b.pdf", SETTINGS)
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()


def test_bilan_is_rendered_when_present(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    projet = load_checked(MINI).replace(bilan_resume="## Nouveautés\n\nLe **parapheur** a été choisi.")
    render_brochure(projet, tmp_path / "b.pdf", SETTINGS)
    text = _text(" ".join(p.extract_text() for p in PdfReader(tmp_path / "b.pdf").pages))
    assert "Ce qui a changé cette année" in text and "Le parapheur a été choisi." in text


def test_every_heading_of_the_bilan_stays_a_heading(brochure_pdf):
    """« # En bref » of the bilan (a level-1 Markdown heading) is a heading of the page, not a bare line."""
    projet = brochure_pdf[0]
    written = [line.lstrip("#").strip() for line in (projet.bilan_resume or "").splitlines() if line.startswith("#")]
    assert written, "the demo's bilan has headings"
    page = lxml.html.fromstring(brochure_html(projet, None)).cssselect("section.bilan")[0]
    headings = [_text(h.text_content()) for h in page.xpath(".//h2|.//h3|.//h4|.//h5|.//h6")]
    assert [_text(w) for w in written] == headings[1:]  # after the page's own « Ce qui a changé cette année »


def test_hostile_content_renders_as_text(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    shutil.copytree(FIXTURES / "hostile-pdf", content, dirs_exist_ok=True)
    render_brochure(load_checked(content), tmp_path / "b.pdf", SETTINGS)
    raw = (tmp_path / "b.pdf").read_bytes()
    text = _text(" ".join(p.extract_text() for p in PdfReader(tmp_path / "b.pdf").pages))
    assert "<script>alert('titre')</script> Fiche piégée" in text
    assert b"/JavaScript" not in raw and b"/JS " not in raw


def test_screen_brochure_passes_the_pdfua_checks(brochure_pdf):
    import pikepdf

    from builder.outputs.pdf.check import check_pdf, claims, open_pdf

    _, path, _ = brochure_pdf
    assert check_pdf(path, print_shop=False, ua=True) == []
    with open_pdf(path) as pdf:
        assert claims(pdf)["ua"] == "1"
    with pikepdf.open(path) as pdf:
        figures = []
        stack = [pdf.Root.StructTreeRoot.K]
        while stack:
            item = stack.pop()
            if isinstance(item, pikepdf.Array):
                stack.extend(item)
            elif isinstance(item, pikepdf.Dictionary) and "/S" in item:
                if item.S == "/Figure":
                    figures.append(str(item.get("/Alt", "")))
                if "/K" in item:
                    stack.append(item.K)
    assert figures == [f"QR code de l’adresse de l’intranet\u00a0: {SETTINGS.site_url}"]  # icons are artifacts
