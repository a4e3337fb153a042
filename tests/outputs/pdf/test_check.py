"""The checker (builder.outputs.pdf.check) on hostile fixture PDFs: each broken condition is reported, in French.

The fixtures are real PDFs: WeasyPrint alone (without the project's finishing), then edited with pikepdf where
WeasyPrint cannot break a condition by itself.
"""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest

from builder.outputs.pdf.check import check_pdf, claims, open_pdf, print_problems, ua_problems
from builder.outputs.pdf.plan import claim_or_warn, nest_headings, write_pdf

UA_HTML = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Fixture</title>
<style>@page { size: A5; @bottom-right { content: counter(page) } }</style></head><body>
<h1>Titre du document</h1>
<h3>Un niveau sauté</h3>
<p>Une image sans texte :</p>
<svg width="40" height="40"><rect width="40" height="40" fill="#333"/></svg>
<table><thead><tr><th>Date</th><th>Valeur</th></tr></thead><tbody><tr><td>2025</td><td>12</td></tr></tbody></table>
<p><a href="https://example.org/">un lien</a></p>
</body></html>"""

PRINT_HTML = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Fixture</title>
<style>@page { size: 148mm 210mm; margin: 0 }
body { margin: 0; color: rgb(30, 35, 40); font-size: 10pt }
.tiny { font-size: 5pt; margin: 30mm 20mm 0 }
.edge { position: absolute; left: 1mm; top: 100mm }
.rich { color: device-cmyk(0.5 0.4 0.4 1); margin: 5mm 20mm }
img { width: 40mm; height: 40mm; margin: 0 20mm }
.page { break-before: page; margin: 30mm 20mm }</style></head><body>
<p class="tiny">Texte minuscule</p><p class="edge">Au bord</p><p class="rich">Noir quadri</p>
<img alt="carré" src="data:image/png;base64,{png}">
<p class="page"><a href="https://example.org/">un lien</a></p><p class="page">Troisième page</p>
</body></html>"""


def _png() -> str:
    import base64
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (10, 10), (200, 30, 30)).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def weasyprint_pdf(html: str, path: Path, variant: str | None = "pdf/ua-1") -> Path:
    import weasyprint

    weasyprint.HTML(string=html).write_pdf(str(path), pdf_variant=variant)
    return path


@pytest.fixture(scope="module")
def ua_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return weasyprint_pdf(UA_HTML, tmp_path_factory.mktemp("ua") / "ua.pdf")


def codes(problems) -> set[str]:
    return {p.code for p in problems}


def test_missing_alt_skipped_heading_and_th_without_scope_are_each_reported(ua_fixture):
    with open_pdf(ua_fixture) as pdf:
        problems = ua_problems(pdf)
    found = {p.code: str(p) for p in problems}
    assert {"alt", "heading-skip", "th-scope", "orphan"} <= set(found), found
    assert (
        found["alt"] == "page 1 : image sans texte de remplacement (Figure sans /Alt ; une image décorative "
        "doit être un artefact)"
    )
    assert found["heading-skip"] == "page 1 : niveau de titre sauté : H1 puis H3"
    assert found["th-scope"] == "page 1 : 2 en-têtes de tableau sans portée (TH sans /Scope)"
    assert "hors de l'arbre de structure" in found["orphan"]  # the page number of the margin box


def test_document_level_conditions(ua_fixture, tmp_path):
    broken = tmp_path / "broken.pdf"
    with pikepdf.open(ua_fixture) as pdf:
        del pdf.Root.Lang
        del pdf.Root.ViewerPreferences
        for page in pdf.pages:
            for annot in page.obj.get("/Annots") or []:
                del annot.Contents
            if "/Tabs" in page.obj:
                del page.obj.Tabs
        descriptor = next(iter(pdf.pages[0].Resources.Font.values())).DescendantFonts[0].FontDescriptor
        for key in ("/FontFile", "/FontFile2", "/FontFile3"):
            if key in descriptor:
                del descriptor[key]
        pdf.save(broken)
    with open_pdf(broken) as pdf:
        found = codes(ua_problems(pdf))
    assert {"lang", "display-title", "link-alt", "tabs", "font"} <= found, found


def test_first_heading_must_be_h1(tmp_path):
    path = weasyprint_pdf(UA_HTML.replace("<h1>Titre du document</h1>", "<h2>Titre</h2>"), tmp_path / "h2.pdf")
    with open_pdf(path) as pdf:
        assert "page 1 : le premier titre est de niveau 2 (H1 attendu)" in [str(p) for p in ua_problems(pdf)]


def test_the_project_finishing_fixes_what_weasyprint_leaves(tmp_path):
    """Through write_pdf: table header scopes, page numbers as artifacts, links with a meaningful text."""
    html = UA_HTML.replace("<h3>Un niveau sauté</h3>", "<h2>Sous-titre</h2>").replace(
        '<svg width="40" height="40">', '<svg width="40" height="40"><title>Un carré gris</title>'
    )
    path = tmp_path / "fini.pdf"
    write_pdf(html, path, [], link_text=lambda target, internal: f"Site d'exemple ({target})")
    with open_pdf(path) as pdf:
        assert ua_problems(pdf) == []
        [annot] = pdf.pages[0].obj.Annots
        assert str(annot.Contents) == "Site d'exemple (https://example.org/)"
        assert claims(pdf)["ua"] == "1"


def test_a_claim_is_removed_when_its_checks_fail(ua_fixture, tmp_path, capsys):
    path = tmp_path / "claim.pdf"
    path.write_bytes(ua_fixture.read_bytes())
    with open_pdf(path) as pdf:
        assert claims(pdf)["ua"] == "1"  # WeasyPrint writes it whatever the file holds
    assert claim_or_warn(path, "claim.pdf") is False
    with open_pdf(path) as pdf:
        assert claims(pdf)["ua"] is None
        assert len(pdf.pages) == 1
    err = capsys.readouterr().err
    assert "claim.pdf : PDF/UA-1 non revendiqué" in err and "niveau de titre sauté" in err


def test_print_preflight_reports_what_a_print_shop_checks(tmp_path):
    path = weasyprint_pdf(PRINT_HTML.replace("{png}", _png()), tmp_path / "print.pdf", variant=None)
    with open_pdf(path) as pdf:
        problems = print_problems(pdf)
    found = {p.code: str(p) for p in problems}
    assert {"pdfx", "intent", "rgb", "pages", "bleed", "text-size", "safe-zone", "dpi", "annot", "rich-black"} <= set(
        found
    ), found
    assert found["pages"] == "3 pages : une brochure piquée a un nombre de pages multiple de 4 (4 par exemple)"
    assert found["text-size"] == "page 1 : texte en 5 pt (au moins 7 pt)"
    assert "dpi à sa taille imprimée" in found["dpi"] and "image à 6 dpi" in found["dpi"]  # 10 px on 40 mm
    assert "du bord de coupe (zone de sécurité : 5 mm)" in found["safe-zone"]
    assert "page 1 : fond perdu de 0 mm (3 mm au moins attendus)" in [str(p) for p in problems]


def test_check_pdf_on_a_file_that_is_not_a_pdf(tmp_path):
    from builder.outputs.pdf.check import PdfUnreadable

    bad = tmp_path / "faux.pdf"
    bad.write_text("pas un PDF")
    with pytest.raises(PdfUnreadable, match="faux.pdf : ce n'est pas un PDF lisible"):
        check_pdf(bad)


@pytest.mark.parametrize(
    "html, level, expected",
    [
        ("<h2>A</h2><h3>B</h3><h2>C</h2>", 5, "<h5>A</h5><h6>B</h6><h5>C</h5>"),
        ("<h2>A</h2><h4>sauté</h4><h4>frère</h4>", 3, "<h3>A</h3><h4>sauté</h4><h4>frère</h4>"),
        ("<h4>seul</h4><p>x</p><h2>haut</h2>", 2, "<h2>seul</h2><p>x</p><h2>haut</h2>"),
        ("<h2>A</h2><h3>B</h3><h4>C</h4><h5>D</h5>", 5, "<h5>A</h5><h6>B</h6><h6>C</h6><h6>D</h6>"),
    ],
)
def test_headings_of_a_text_nest_without_skipping(html, level, expected):
    assert str(nest_headings(html, level)) == expected
