"""Links in the PDFs (issue 11, finding 3): relative and protocol-relative links become addresses of the site
(`site_url`), or plain text without one; a PDF never holds a `file:` URI or a path of the build machine, and
WeasyPrint opens nothing but the theme's files."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest

from builder.outputs.pdf.plan import write_pdf
from builder.outputs.pdf.urls import THEME_ROOT, absolute_url, url_fetcher
from tests.conftest import MINI, ROOT, require_tool, run_fiches

BODY = """
Voir [la formation](../1-10-1/), [l'axe 2](../../axes/2/#fiches), [le partage](//serveur/partage/doc),
<a href="../../statuts/">les statuts</a> et [un fichier](file:///etc/passwd).
"""
EDITO = 'edito: "Toutes [les fiches](fiches/1-1-1/) et [le partage](//serveur/edito)."\n'


def _uris(pdf_path: Path) -> list[str]:
    """The /URI of every link annotation of the PDF."""
    found = []
    with pikepdf.open(pdf_path) as pdf:
        for page in pdf.pages:
            for annot in page.get("/Annots", []):
                action = annot.get("/A")
                if action is not None and "/URI" in action:
                    found.append(str(action.URI))
    return found


SITE_URL = "https://intranet.liens.example/plan/"  # the fixture project's own address (its mkdocs.yml)


def _site_url() -> str:
    return SITE_URL


@pytest.fixture(scope="module")
def liens_relatifs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`liens_relatifs`: a fiche and the édito with relative, protocol-relative and `file:` links, built with
    `--only plan --only brochure`."""
    tmp = tmp_path_factory.mktemp("liens_relatifs")
    content = tmp / "content"
    shutil.copytree(MINI, content)
    fiche = content / "fiches" / "1.1.1-livret-accueil.md"
    fiche.write_text(fiche.read_text(encoding="utf-8") + BODY, encoding="utf-8")
    plan = content / "plan.yml"
    plan.write_text(plan.read_text(encoding="utf-8") + EDITO, encoding="utf-8")
    (tmp / "mkdocs.yml").write_text(f"site_name: Liens\nsite_url: {SITE_URL}\n", encoding="utf-8")
    result = run_fiches(
        "build",
        "--content",
        str(content),
        "--out",
        str(tmp / "site"),
        "--only",
        "plan",
        "--only",
        "brochure",
        env={"FICHES_PDF_CACHE": str(tmp / "cache")},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "Erreur interne" not in result.stderr
    return tmp / "site" / "telechargements"


def test_plan_links_point_to_the_site(liens_relatifs: Path) -> None:
    site = _site_url()
    uris = set(_uris(liens_relatifs / "plan-2025.pdf"))
    assert uris == {
        f"{site}fiches/1-10-1/",
        f"{site}axes/2/#fiches",
        "https://serveur/partage/doc",
        f"{site}statuts/",
        f"{site}fiches/1-1-1/",
        "https://serveur/edito",
        "https://docs.exemple.fr/parapheur?a=1:2",
    }  # a link of the mini plan itself (fiche 2.1.1)


def test_a_fiche_pdf_links_point_to_the_site_as_in_the_plan(liens_relatifs: Path) -> None:
    """The fiche's own PDF resolves its text's links from the fiche's page, like the plan does."""
    site = _site_url()
    assert set(_uris(liens_relatifs / "fiches" / "1.1.1.pdf")) == {
        f"{site}fiches/1-10-1/",
        f"{site}axes/2/#fiches",
        "https://serveur/partage/doc",
        f"{site}statuts/",
    }


@pytest.mark.parametrize("name", ["plan-2025.pdf", "brochure-2025.pdf", "fiches/1.1.1.pdf"])
def test_no_pdf_holds_a_file_uri_or_a_build_path(liens_relatifs: Path, name: str) -> None:
    data = (liens_relatifs / name).read_bytes()
    uris = _uris(liens_relatifs / name)
    assert uris, "aucun lien"
    assert not [u for u in uris if not u.startswith("https://")], uris
    for path in (str(ROOT), str(liens_relatifs.parent.parent), "file:"):
        assert path.encode() not in data and not [u for u in uris if path in u]


def test_brochure_edito_links_point_to_the_site(liens_relatifs: Path) -> None:
    site = _site_url()
    assert {f"{site}fiches/1-1-1/", "https://serveur/edito"} <= set(_uris(liens_relatifs / "brochure-2025.pdf"))


def test_without_site_url_relative_links_are_plain_text(tmp_path: Path) -> None:
    """`sans_site_url`: the same links with no address to resolve them against stay as words, not links."""
    html = (
        '<html lang="fr"><head><title>Liens</title></head><body><p><a href="../1-10-1/">la formation</a>, '
        '<a href="//serveur/partage">le partage</a>, <a href="#haut" id="haut">ici</a>, '
        '<a href="https://exemple.org/">le web</a>.</p></body></html>'
    )
    path = tmp_path / "sans_site_url.pdf"
    write_pdf(html, path, [], site_url=None)
    assert _uris(path) == ["https://exemple.org/"]
    text = subprocess.run([require_tool("pdftotext"), str(path), "-"], capture_output=True, text=True).stdout
    assert "la formation, le partage, ici, le web." in " ".join(text.split())


def test_absolute_url_rules() -> None:
    base = "https://intranet.example/pa/fiches/1-1-1/"
    assert absolute_url("../1-1-2/", base) == "https://intranet.example/pa/fiches/1-1-2/"
    assert absolute_url("//host/share", base) == "https://host/share"
    assert absolute_url("/racine/", base) == "https://intranet.example/racine/"
    assert absolute_url("#fiche-1-1-1", None) == "#fiche-1-1-1"
    assert absolute_url("mailto:drh@exemple.fr", None) == "mailto:drh@exemple.fr"
    for href in ("file:///etc/passwd", "FILE://host/share", "javascript:alert(1)", "smb://host/x"):
        assert absolute_url(href, base) is None
    assert absolute_url("../1-1-2/", None) is None and absolute_url("//host/share", None) is None
    assert absolute_url("../x/", "file:///tmp/") is None


def test_weasyprint_opens_only_the_theme_files(tmp_path: Path) -> None:
    """`ressources_hors_theme`: a stylesheet and an image outside the theme, by absolute path, by `file:` and
    by a path climbing out of the theme, are all refused; the theme's font is served."""
    fetcher = url_fetcher()
    font = (THEME_ROOT / "fonts" / "Inter-Regular.otf").as_uri()
    response = fetcher.fetch(font)
    assert response.read(4) == b"OTTO"
    response.close()
    outside = tmp_path / "secret.css"
    outside.write_text("body { color: red }", encoding="utf-8")
    for url in (
        outside.as_uri(),
        "file:///etc/hostname",
        "file://serveur/partage/x.css",
        (THEME_ROOT / "print" / ".." / ".." / "builder" / "pdf.py").as_uri(),
        "http://127.0.0.1:9/x.css",
    ):
        with pytest.raises(Exception, match="ressource refusée"):
            fetcher.fetch(url)
    image = tmp_path / "image.png"
    from PIL import Image

    Image.new("RGB", (8, 8), "red").save(image)
    html = (
        f'<html lang="fr"><head><title>T</title><link rel="stylesheet" href="{outside.as_uri()}"></head>'
        f'<body><p>texte</p><img src="{image.as_uri()}" alt="x"><img src="{image}" alt="y"></body></html>'
    )
    path = tmp_path / "ressources_hors_theme.pdf"
    write_pdf(html, path, [])
    with pikepdf.open(path) as pdf:
        images = [k for p in pdf.pages for k in p.get_images()]
    assert images == []
