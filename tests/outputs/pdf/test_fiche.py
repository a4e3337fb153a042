"""Each fiche's own PDF, on real output: one per fiche with its id, titre, jalons and last suivi entry, its own page
numbering, the PDF/UA checks, the same bytes twice, the cache, the links from the site (HTML parsed)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import lxml.html
import pikepdf
import pytest
import yaml

from builder.build import build, load_checked
from builder.commands.serve_pdf import STATUS_PATH
from builder.outputs.pdf.assemble import assemble
from builder.outputs.pdf.fiche import render_fiche_pdf, render_fiche_pdfs
from builder.outputs.pdf.plan import CACHE_ENV, ua_check
from tests.conftest import MINI, require_tool, run_fiches, serving

EXTRA_SUIVI = """suivi:
  - date: 2025-04-02
    texte: Marché notifié au prestataire.
  - date: 2025-06-12
    texte: Premiers parapheurs ouverts aux élus.
  - date: 2025-05-20
    texte: Paramétrage des circuits de signature.
jalons:
  - date: 2025-03
    libelle: Choix du prestataire
    fait: oui
  - date: 2026-06-30
    libelle: Généralisation à tous les services
    fait: non
"""


def _words(text: str) -> str:
    """Spaces normalised, apostrophes and dashes as typed (the PDFs are typeset: see test_typography)."""
    return re.sub(r"\s+", " ", text.replace("\u00ad", "")).strip().replace("’", "'").replace("–", "-")


def front_matter(path: Path) -> dict:
    """A fiche file's YAML front matter, read here without the builder."""
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])


def pages_text(path: Path) -> list[str]:
    """The text of each page, by pdftotext."""
    require_tool("pdftotext")
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The small plan with a fiche that has several suivi entries and jalons, built (site and plan) once."""
    root = tmp_path_factory.mktemp("fiche-pdf")
    content = root / "content"
    shutil.copytree(MINI, content)
    parapheur = content / "fiches" / "2.1.1-parapheur.md"
    parapheur.write_text(
        parapheur.read_text(encoding="utf-8").replace("---\n\n", EXTRA_SUIVI + "---\n\n", 1), encoding="utf-8"
    )
    patch = pytest.MonkeyPatch()
    patch.setenv(CACHE_ENV, str(root / "cache"))
    out = root / "site"
    build(content, out, only=["site", "plan"])
    yield content, out
    patch.undo()


def test_one_pdf_per_fiche_with_its_id_titre_jalons_and_last_suivi(built):
    content, out = built
    files = sorted((content / "fiches").glob("*.md"))
    fiches = [front_matter(f) for f in files]
    pdfs = out / "telechargements" / "fiches"
    assert sorted(p.name for p in pdfs.glob("*.pdf")) == sorted(f"{f['id']}.pdf" for f in fiches)
    for fiche in fiches:
        pages = pages_text(pdfs / f"{fiche['id']}.pdf")
        whole = _words(" ".join(pages))
        assert f"{fiche['id']} {_words(fiche['titre'])}" in whole
        for jalon in fiche.get("jalons", []):
            assert _words(jalon["libelle"]) in whole, (fiche["id"], jalon["libelle"])
        if fiche.get("suivi"):
            last = max(fiche["suivi"], key=lambda s: str(s["date"]))
            assert _words(last["texte"].replace("**", "")) in whole
        # own page numbering and heading line on every page
        for number, page in enumerate(pages, start=1):
            assert f"Fiche {fiche['id']} — page {number} / {len(pages)}" in _words(page)
            assert "Projet d'administration de test" in page and "État au 30 juin 2025" in page
    parapheur = _words(" ".join(pages_text(pdfs / "2.1.1.pdf")))
    assert "Premiers parapheurs ouverts aux élus." in parapheur  # the newest of three entries, listed first
    assert parapheur.index("Premiers parapheurs") < parapheur.index("Paramétrage des circuits")


def test_fiche_pdfs_are_a4_tagged_and_pass_the_ua_checks(built):
    _, out = built
    for path in sorted((out / "telechargements" / "fiches").glob("*.pdf")):
        assert ua_check(path) == []
        with pikepdf.open(path) as pdf:
            assert "pdfuaid:part" in pdf.open_metadata()
            assert pdf.Root.MarkInfo.Marked is True and "/StructTreeRoot" in pdf.Root
            assert str(pdf.Root.Lang) == "fr"
            fiche_id = path.stem
            assert str(pdf.docinfo.Title).startswith(f"Fiche {fiche_id} — ")
            for page in pdf.pages:
                width, height = (float(v) for v in page.MediaBox[2:])
                assert round(width / 72 * 25.4) == 210 and round(height / 72 * 25.4) == 297


def test_fiche_pages_and_downloads_link_each_pdf_with_its_size(built):
    content, out = built
    downloads = lxml.html.parse(str(out / "telechargements" / "index.html")).getroot()
    listed = {(out / "telechargements" / a.get("href")).resolve() for a in downloads.iter("a") if a.get("href")}
    for file in sorted((content / "fiches").glob("*.md")):
        fiche_id = str(front_matter(file)["id"])
        page = out / "fiches" / fiche_id.replace(".", "-") / "index.html"
        html = lxml.html.parse(str(page)).getroot()
        [link] = [a for a in html.iter("a") if _words(a.text_content()) == "Télécharger la fiche (PDF)"]
        target = (page.parent / link.get("href")).resolve()
        assert target == (out / "telechargements" / "fiches" / f"{fiche_id}.pdf").resolve() and target.is_file()
        size = _words(link.getparent().text_content())
        expected = f"{max(1, round(target.stat().st_size / 1024))} Ko"
        assert size.endswith(f"(PDF, {expected})"), size
        assert target in listed


def test_same_bytes_twice_and_alone_as_in_the_build(built, tmp_path, monkeypatch):
    content, out = built
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "empty-cache"))
    render_fiche_pdf(load_checked(content), "2.1.1", tmp_path / "alone.pdf")
    assert (tmp_path / "alone.pdf").read_bytes() == (out / "telechargements" / "fiches" / "2.1.1.pdf").read_bytes()


def test_only_the_edited_fiche_is_laid_out_again(built, tmp_path, monkeypatch):
    content, out = built
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    first = render_fiche_pdfs(load_checked(content), tmp_path / "a")
    assert sorted(first) == ["1.1.1", "1.10.1", "2.1.1"]
    assert render_fiche_pdfs(load_checked(content), tmp_path / "b") == []
    assert all((tmp_path / "a" / p.name).read_bytes() == p.read_bytes() for p in (tmp_path / "b").iterdir())
    fiche = content / "fiches" / "1.1.1-livret-accueil.md"
    original = fiche.read_text(encoding="utf-8")
    try:
        fiche.write_text(original.replace("avancement: 50", "avancement: 70"), encoding="utf-8")
        assert render_fiche_pdfs(load_checked(content), tmp_path / "c") == ["1.1.1"]
        assert "70 %" in _words(" ".join(pages_text(tmp_path / "c" / "1.1.1.pdf")))
    finally:
        fiche.write_text(original, encoding="utf-8")


def test_the_pdf_command_makes_one_fiche_or_says_what_is_wrong(built, tmp_path):
    content, _ = built
    env = {CACHE_ENV: str(tmp_path / "cache")}
    done = run_fiches("pdf", "fiche", "1.10.1", "--content", str(content), "-o", str(tmp_path / "f.pdf"), env=env)
    assert done.returncode == 0, done.stderr
    assert "Bâtir un plan de formation pluriannuel" in _words(" ".join(pages_text(tmp_path / "f.pdf")))
    unknown = run_fiches("pdf", "fiche", "9.9.9", "--content", str(content), env=env)
    assert unknown.returncode == 1 and "aucune fiche n'a le numéro « 9.9.9 »" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    missing = run_fiches("pdf", "fiche", "--content", str(content), env=env)
    assert missing.returncode == 1 and "précisez le numéro de la fiche" in missing.stderr


def _marked_content_ids(page: pikepdf.Page) -> set[int]:
    """Marked-content ids used in a page's content stream."""
    ids = set()
    for operands, operator in pikepdf.parse_content_stream(page):
        if str(operator) == "BDC" and isinstance(operands[1], pikepdf.Dictionary) and "/MCID" in operands[1]:
            ids.add(int(operands[1].MCID))
    return ids


def test_fiche_pdfs_assembled_into_one_tagged_pdf(built, tmp_path):
    """The building block of a plan made of parts: one structure tree, one parent tree, links and bookmarks."""
    _, out = built
    parts = sorted((out / "telechargements" / "fiches").glob("*.pdf"))
    target = tmp_path / "ensemble.pdf"
    starts = assemble(parts, target, "Trois fiches")
    counts = [len(pikepdf.open(p).pages) for p in parts]
    assert starts == [sum(counts[:i]) for i in range(len(parts))]
    assert ua_check(target) == []
    again = tmp_path / "encore.pdf"
    assemble(parts, again, "Trois fiches")
    assert again.read_bytes() == target.read_bytes()
    with pikepdf.open(target) as pdf:
        assert len(pdf.pages) == sum(counts)
        tree = pdf.Root.StructTreeRoot
        assert tree.K.S == "/Document"
        nums = tree.ParentTree.Nums
        mapping = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        page_numbers = {page.objgen: i for i, page in enumerate(pdf.pages)}
        for index, page in enumerate(pdf.pages):
            entry = mapping[int(page.StructParents)]  # the parent tree covers every page
            owners = {mcid: element for mcid, element in enumerate(entry) if element is not None}
            used = _marked_content_ids(page)
            assert used == set(owners)  # every id used on the page has its element, and only those
            for mcid, element in owners.items():
                kids = element.K if isinstance(element.K, pikepdf.Array) else [element.K]
                mine = [
                    k
                    for k in kids
                    if (isinstance(k, int) and int(k) == mcid)
                    or (
                        isinstance(k, pikepdf.Dictionary)
                        and "/MCID" in k
                        and int(k.MCID) == mcid
                        and page_numbers[(k.get("/Pg") or element.Pg).objgen] == index
                    )
                ]
                assert len(mine) == 1 and page_numbers[element.Pg.objgen] == index
        dests = pdf.Root.Names.Dests.Names
        for i in range(0, len(dests), 2):  # each fiche's anchor lands on its part's first page
            name, dest = str(dests[i]), dests[i + 1]
            part = [p.stem for p in parts].index(name.removeprefix("fiche-").replace("-", "."))
            assert page_numbers[dest[0].objgen] == starts[part]
        with pdf.open_outline() as outline:
            titles = [item.title.split()[0] for item in outline.root]
        assert titles == [p.stem for p in parts]


def _get(url: str) -> tuple[int, bytes]:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _pdf_state(url: str, other_than: str, timeout: float = 300) -> str:
    """Wait until `fiches serve` says the PDFs are up to date, with another state than `other_than`."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = _get(url + STATUS_PATH.lstrip("/"))[1].decode("utf-8")
        if state != other_than and state.startswith(("PDF à jour", "PDF non")):
            return state
        time.sleep(0.5)
    pytest.fail("les PDF n'ont pas été mis à jour")


def test_serve_keeps_the_plan_and_fiche_pdfs_current(mini_copy, tmp_path):
    with serving(mini_copy, "--pdf", env={CACHE_ENV: str(tmp_path / "cache")}) as (url, _):
        state = _pdf_state(url, "")
        assert state.startswith("PDF à jour"), state
        status, page = _get(url + "fiches/1-1-1/")
        assert status == 200 and STATUS_PATH in page.decode("utf-8")  # the page shows where the PDFs stand
        for path in ("telechargements/plan-2025.pdf", "telechargements/fiches/1.1.1.pdf"):
            status, data = _get(url + path)
            assert status == 200 and data.startswith(b"%PDF"), path
        fiche = mini_copy / "fiches" / "1.1.1-livret-accueil.md"
        fiche.write_text(
            fiche.read_text(encoding="utf-8").replace("avancement: 50", "avancement: 65"), encoding="utf-8"
        )
        assert _pdf_state(url, state).startswith("PDF à jour")
        (tmp_path / "served.pdf").write_bytes(_get(url + "telechargements/fiches/1.1.1.pdf")[1])
        assert "65 %" in _words(" ".join(pages_text(tmp_path / "served.pdf")))
