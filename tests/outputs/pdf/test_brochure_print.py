"""The brochure as a booklet and as a print-shop file (PDF/X-4), on small plans of 3, 4, 5 and 9 fiches.

Checked on the real WeasyPrint output, independently of `builder.outputs.pdf.check` where it matters: colour operators
read with pypdf, pixels of rendered pages (crop marks, bleed, quiet zone of the QR code), text positions.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream

from builder.build import load_checked
from builder.outputs.pdf.brochure import SLUG_MM, render_brochure
from builder.outputs.pdf.check import check_pdf, claims, open_pdf
from builder.outputs.pdf.cmyk import ICC
from builder.outputs.pdf.plan import CACHE_ENV
from builder.settings import read_settings
from tests.conftest import DEMO, MINI, require_tool, run_fiches

MM = 72 / 25.4
SIZES = (3, 4, 5, 9)
EXTRA_TITLES = (
    "Ouvrir un guichet numérique unique pour les demandes des agents",
    "Former les encadrants à la conduite du changement",
    "Publier chaque trimestre le tableau de bord des délais de paiement",
    "Mutualiser les achats de fournitures entre la ville et le CCAS",
    "Réduire de moitié les impressions papier dans les services",
    "Accueillir les nouveaux agents avec un parrain ou une marraine",
)


def write_plan(target: Path, n: int, print_shop: bool, paper: str | None = None) -> Path:
    """The small fixture plan (3 fiches) grown to `n` fiches, réalisées in the edition year with a suivi entry
    (they fill the « Réalisé en » pages: page counts differ from one size to the next)."""
    shutil.copytree(MINI, target)
    for k in range(n - 3):
        number = f"2.1.{k + 2}"
        (target / "fiches" / f"{number}-action-{k + 2}.md").write_text(
            f"---\nid: {number}\ntitre: {EXTRA_TITLES[k]}\nresume: Une action ajoutée pour faire varier la "
            f"longueur de la brochure, avec un résumé de deux lignes environ à la taille du texte courant.\n"
            f"statut: realisee\npilote: DSI\ncalendrier: {{debut: 2024, fin: 2025-03}}\n"
            f"suivi:\n  - {{date: 2025-0{k % 5 + 1}-15, texte: Action menée à bien et présentée en comité.}}\n"
            "---\n\nUn texte court.\n",
            encoding="utf-8",
        )
    if print_shop:
        with (target / "plan.yml").open("a", encoding="utf-8") as plan:
            plan.write("brochure:\n  imprimeur: oui\n" + (f"  papier: {paper}\n" if paper else ""))
    return target


SETTINGS = read_settings(DEMO)  # the demo project's: its site_url is the QR code's address


@pytest.fixture(scope="module")
def booklets(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[int, bool], Path]:
    """Both versions of the brochure for each plan size, rendered once: (fiches, print version) → PDF."""
    folder = tmp_path_factory.mktemp("booklets")
    out = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CACHE_ENV, str(folder / "cache"))
        for n in SIZES:
            for print_shop in (False, True):
                content = write_plan(folder / f"content-{n}-{int(print_shop)}", n, print_shop)
                path = folder / f"brochure-{n}-{'imprimeur' if print_shop else 'ecran'}.pdf"
                render_brochure(load_checked(content), path, SETTINGS)
                out[n, print_shop] = path
    return out


def _text(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("print_shop", [False, True], ids=["ecran", "imprimeur"])
def test_page_count_is_a_multiple_of_4_with_the_qr_page_last(booklets, n, print_shop):
    reader = PdfReader(booklets[n, print_shop])
    assert len(reader.pages) % 4 == 0, len(reader.pages)
    back = _text(reader.pages[-1].extract_text())
    assert SETTINGS.site_url in back and "Le plan complet, fiche par fiche" in back
    texts = [_text(p.extract_text()) for p in reader.pages[:-1]]
    assert not any("Le plan complet, fiche par fiche" in t for t in texts)
    for number, text in enumerate(texts[1:], start=2):  # a filler page is a real page, never a blank one
        assert len(text) > 20, f"page {number} vide"


def test_page_counts_follow_the_plan_and_fillers_are_useful_pages(booklets):
    fillers = ("Les actions par direction pilote", "Pour aller plus loin", "Notes")
    own = {}
    for n in SIZES:
        starts = [_text(p.extract_text()) for p in PdfReader(booklets[n, False]).pages]
        added = [t for t in starts if t.startswith(fillers)]
        own[n] = len(starts) - len(added)
        assert len(added) <= 3, (n, [t[:30] for t in added])  # as few as needed
        for text in added:
            if text.startswith("Les actions par direction pilote"):
                assert "Direction des systèmes d’information" in text and "2.1.1" in text  # typeset
    assert len(set(own.values())) > 1, own  # the sizes were chosen to give brochures of different lengths


@pytest.mark.parametrize("n", SIZES)
def test_print_version_passes_the_preflight_and_declares_pdfx4(booklets, n):
    path = booklets[n, True]
    assert check_pdf(path, print_shop=True) == []
    with open_pdf(path) as pdf:
        assert claims(pdf) == {"ua": None, "pdfx": "PDF/X-4"}


@pytest.mark.parametrize("n", SIZES)
def test_screen_version_is_pdfua_and_has_no_problem(booklets, n):
    path = booklets[n, False]
    assert check_pdf(path, print_shop=False, ua=True) == []
    with open_pdf(path) as pdf:
        assert claims(pdf)["ua"] == "1" and claims(pdf)["pdfx"] is None


def _operations(reader: PdfReader, obj, resources, seen: set) -> list[tuple[list, bytes, dict]]:
    """Every (operands, operator, resources) of a content stream and of the forms and patterns it uses."""
    out = []
    stream = ContentStream(obj, reader)
    for operands, operator in stream.operations:
        out.append((operands, operator, resources))
    for group in ("/XObject", "/Pattern"):
        for ref in (resources.get(group) or {}).values():
            form = ref.get_object()
            if id(form) in seen or form.get("/Subtype") == "/Image":
                continue
            seen.add(id(form))
            out += _operations(reader, form, (form.get("/Resources") or {}), seen)
    return out


@pytest.mark.parametrize("n", (3, 9))
def test_no_rgb_anywhere_in_the_print_version(booklets, n):
    """Read with pypdf, not with the checker: no rg/RG operator, no RGB colour space, no RGB image."""
    reader = PdfReader(booklets[n, True])
    rgb_names = {"/DeviceRGB", "/CalRGB", "/RGB"}
    for number, page in enumerate(reader.pages, start=1):
        resources = page["/Resources"].get_object()
        for operands, operator, res in _operations(reader, page.get_contents(), resources, set()):
            assert operator not in (b"rg", b"RG"), f"page {number} : {operator!r} {operands}"
            if operator in (b"cs", b"CS"):
                name = str(operands[0])
                space = (res.get("/ColorSpace") or {}).get(name)
                assert name not in rgb_names, f"page {number} : {name}"
                if space is not None:
                    space = space.get_object()
                    assert str(space[0]) != "/ICCBased" or space[1].get_object()["/N"] == 4, name
    for obj_number in range(1, int(reader.trailer["/Size"])):
        obj = reader.get_object(obj_number)
        if obj is None or not hasattr(obj, "get"):
            continue
        if obj.get("/Subtype") == "/Image":
            assert str(obj.get("/ColorSpace")) not in rgb_names
        if obj.get("/S") == "/Transparency":
            assert str(obj.get("/CS")) not in rgb_names, obj


@pytest.mark.parametrize("paper, condition", [(None, "FOGRA39"), ("non_couche", "FOGRA29")])
def test_output_intent_is_the_shipped_cmyk_profile(tmp_path, monkeypatch, paper, condition):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    content = write_plan(tmp_path / "content", 3, True, paper)
    render_brochure(load_checked(content), tmp_path / "b.pdf", SETTINGS)
    root = PdfReader(tmp_path / "b.pdf").trailer["/Root"]
    [intent] = root["/OutputIntents"]
    intent = intent.get_object()
    assert intent["/S"] == "/GTS_PDFX" and intent["/OutputConditionIdentifier"] == condition
    profile = intent["/DestOutputProfile"].get_object()
    data = profile.get_data()
    assert profile["/N"] == 4 and data[12:20] == b"prtrCMYK"  # an output profile, CMYK
    from PIL import ImageCms

    name = "fiches-FOGRA39L-coated.icc" if condition == "FOGRA39" else "fiches-FOGRA29L-uncoated.icc"
    embedded = ImageCms.ImageCmsProfile(io.BytesIO(data)).profile
    shipped = ImageCms.getOpenProfile(str(ICC / name)).profile
    assert embedded.profile_description == shipped.profile_description  # the file of theme/print/icc
    assert embedded.model == shipped.model and condition in embedded.model


def test_text_is_printed_in_black_alone(booklets):
    """The body text is 100 % K; no text at all in four-colour black (pypdf, fill colours in force)."""
    reader = PdfReader(booklets[9, True])
    colours: dict[tuple, int] = {}
    for page in reader.pages:
        fill: tuple = ()
        stack = []
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"q":
                stack.append(fill)
            elif operator == b"Q" and stack:
                fill = stack.pop()
            elif operator in (b"scn", b"sc", b"k") and all(
                isinstance(v, (int, float)) or hasattr(v, "as_numeric") for v in operands
            ):
                fill = tuple(round(float(v), 3) for v in operands)
            elif operator in (b"Tj", b"TJ"):
                colours[fill] = colours.get(fill, 0) + 1
    body = max(colours, key=colours.get)
    assert body == (0, 0, 0, 1), colours
    for colour, _ in colours.items():
        if len(colour) == 4:
            c, m, y, k = colour
            assert not (k >= 0.6 and min(c, m, y) >= 0.2), f"noir quadri : {colour}"


def test_boxes_bleed_and_slug(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    content = write_plan(tmp_path / "content", 3, False)
    with (content / "plan.yml").open("a", encoding="utf-8") as plan:
        plan.write("brochure:\n  format: {largeur: 160, hauteur: 220}\n  fond_perdu: 5\n  imprimeur: oui\n")
    render_brochure(load_checked(content), tmp_path / "b.pdf", SETTINGS)
    for page in PdfReader(tmp_path / "b.pdf").pages:
        media, bleed, trim = ([float(v) for v in box] for box in (page.mediabox, page.bleedbox, page.trimbox))
        assert trim[2] - trim[0] == pytest.approx(160 * MM, abs=0.5)
        assert trim[3] - trim[1] == pytest.approx(220 * MM, abs=0.5)
        for side in range(2):
            assert trim[side] - bleed[side] == pytest.approx(5 * MM, abs=0.05)
            assert bleed[side + 2] - trim[side + 2] == pytest.approx(5 * MM, abs=0.05)
            assert bleed[side] - media[side] == pytest.approx(SLUG_MM * MM, abs=0.05)
            assert media[side + 2] - bleed[side + 2] == pytest.approx(SLUG_MM * MM, abs=0.05)


def _render(pdf: Path, page: int, dpi: int, folder: Path):
    from PIL import Image

    pdftoppm = require_tool("pdftoppm")
    prefix = folder / f"p{page}-{dpi}"
    subprocess.run(
        [pdftoppm, "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), str(pdf), str(prefix)], check=True
    )
    return Image.open(next(folder.glob(f"{prefix.name}*.png"))).convert("L")


@pytest.mark.parametrize("page", [1, 2], ids=["couverture-foncée", "page-blanche"])
def test_crop_marks_sit_outside_the_bleed_and_show_on_any_background(booklets, tmp_path, page):
    """Pixels of the top-left corner: white slug with dark marks on the trim lines, never inside the bleed;
    the cover's background runs to the bleed's edge."""
    path = booklets[3, True]
    box = PdfReader(path).pages[page - 1]
    media, bleed, trim = ([float(v) for v in b] for b in (box.mediabox, box.bleedbox, box.trimbox))
    dpi = 150
    image = _render(path, page, dpi, tmp_path)

    def px(points: float) -> int:
        return round(points * dpi / 72)

    bleed_x, bleed_y = px(bleed[0] - media[0]), px(media[3] - bleed[3])
    trim_x, trim_y = px(trim[0] - media[0]), px(media[3] - trim[3])
    # the slug (outside the bleed) is white except for the marks
    slug = image.crop((0, 0, bleed_x - 1, bleed_y - 1))
    histogram = slug.histogram()
    white = sum(histogram[240:])
    assert white > 0.9 * slug.width * slug.height
    # a vertical mark on the trim line above the page, a horizontal one left of it, both in the slug
    column = image.crop((trim_x - 2, 0, trim_x + 3, bleed_y - 2))
    row = image.crop((0, trim_y - 2, bleed_x - 2, trim_y + 3))
    assert column.getextrema()[0] < 200 and row.getextrema()[0] < 200  # hairlines, anti-aliased
    # nothing of the marks inside the bleed: the band between the bleed's edge and the trim is uniform
    band = image.crop((bleed_x + 2, bleed_y + 2, trim_x - 2, trim_y + px(30 * MM)))
    low, high = band.getextrema()
    assert high - low < 40, (low, high)
    if page == 1:  # the dark cover reaches the bleed's edge: no white line at the trim after cutting
        assert high < 80


def test_qr_code_has_its_quiet_zone(booklets, tmp_path):
    """On the rendered back page, the QR modules have at least 4 modules of white around them."""
    import segno

    path = booklets[3, False]
    image = _render(path, len(PdfReader(path).pages), 300, tmp_path)
    width, height = image.size
    # the QR's white square: the rows with a long run of light pixels (the lines of white text have short ones)
    pixels = image.load()
    rows = []
    for y in range(height // 8, 3 * height // 4):
        run = best = start = best_start = 0
        for x in range(width):
            if pixels[x, y] > 200:
                if run == 0:
                    start = x
                run += 1
                if run > best:
                    best, best_start = run, start
            else:
                run = 0
        if best > width // 4:
            rows.append((y, best_start, best_start + best))
    blocks: list[list[tuple[int, int, int]]] = []  # consecutive rows (the URL's underline is one short block)
    for row in rows:
        if blocks and row[0] == blocks[-1][-1][0] + 1:
            blocks[-1].append(row)
        else:
            blocks.append([row])
    # the square's top and bottom quiet zones: the two blocks of full-width white rows with the same edges
    blocks = [b for b in blocks if len(b) >= 20]  # not a line of underlined text
    widest = max(blocks, key=lambda b: b[0][2] - b[0][1])
    left, right = widest[0][1], widest[0][2]
    edges = [b for b in blocks if abs(b[0][1] - left) <= 3 and abs(b[0][2] - right) <= 3]
    top, bottom = edges[0][0][0], edges[-1][-1][0] + 1
    assert len(edges) >= 2 and bottom - top > right - left - 10  # a square
    square = image.crop((left + 2, top + 2, right - 2, bottom - 2))  # without the anti-aliased edge
    dark = square.point(lambda v: 255 if v < 100 else 0).getbbox()  # the modules
    modules = segno.make(SETTINGS.site_url, error="m", micro=False).symbol_size(border=0)[0]
    module = (dark[2] - dark[0]) / modules
    margins = (dark[0] + 2, dark[1] + 2, square.width - dark[2] + 2, square.height - dark[3] + 2)  # + the inset
    assert min(margins) >= 3.9 * module, (margins, module)


def _runs(reader: PdfReader, page_index: int) -> list[tuple[str, float, float, float]]:
    """(text, x, y, font size in points) of each text run of a page, as pypdf sees them."""
    runs = []

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip():
            scale = (abs(cm[0] * tm[0]) + abs(cm[1] * tm[1])) or abs(cm[3] * tm[3])
            x = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]
            y = cm[1] * tm[4] + cm[3] * tm[5] + cm[5]
            runs.append((text, x, y, font_size * scale))

    reader.pages[page_index].extract_text(visitor_text=visit)
    return runs


def test_page_numbers_on_the_outer_edge_and_minimum_sizes(booklets):
    reader = PdfReader(booklets[9, False])
    width = float(reader.pages[0].mediabox[2])
    for index in range(1, len(reader.pages) - 1):
        runs = _runs(reader, index)
        number = str(index + 1)
        footer = [r for r in runs if r[0].strip() == number and r[2] < 20 * MM]
        assert footer, f"page {number} sans numéro"
        x = footer[0][1]
        if (index + 1) % 2 == 0:  # a left-hand page: number on the left, away from the spine
            assert x < width / 2, (number, x)
        else:
            assert x > width / 2, (number, x)
        for text, _, y, size in runs:
            assert size >= 6.95, (number, text, size)
            if y > 20 * MM:  # above the footer: captions and dates 8 pt at least
                assert size >= 7.95, (number, text, size)
    # body text and action titles at 9.5 pt at least
    projet = load_checked(MINI)
    titles = [f.titre for f in projet.fiches]
    sizes = [
        size
        for index in range(len(reader.pages))
        for text, _, _, size in _runs(reader, index)
        if any(text.strip() and text.strip() in title for title in titles) and len(text.strip()) > 12
    ]
    assert sizes and min(sizes) >= 9.45, sizes


def test_intranet_address_is_a_link_in_the_screen_version_only(booklets):
    url = SETTINGS.site_url
    screen = PdfReader(booklets[3, False])
    uris = [
        a.get_object()["/A"]["/URI"] for p in screen.pages for a in p.get("/Annots", []) or [] if "/A" in a.get_object()
    ]
    assert url in uris
    printed = PdfReader(booklets[3, True])
    assert not any(p.get("/Annots") for p in printed.pages)  # PDF/X: no annotation on a printed page


def test_preflight_command(booklets):
    ok = run_fiches("preflight", str(booklets[3, True]))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "prêt pour l'impression (PDF/X-4" in ok.stdout and "FOGRA39" in ok.stdout
    screen = run_fiches("preflight", str(booklets[3, False]))
    assert screen.returncode == 1
    lines = screen.stdout.strip().splitlines()
    assert any("non déclaré PDF/X" in line for line in lines)
    assert any("couleur RVB" in line for line in lines)
    assert any("fond perdu de 0 mm" in line for line in lines)
    assert all(line.startswith(booklets[3, False].name + " : ") for line in lines[:-1])
    assert "Traceback" not in screen.stderr
    ua = run_fiches("preflight", "--accessibilite", str(booklets[3, False]))
    assert ua.returncode == 0 and "PDF/UA-1" in ua.stdout
    missing = run_fiches("preflight", "absent.pdf")
    assert missing.returncode == 1 and "absent.pdf : fichier introuvable" in missing.stderr


def test_build_refuses_a_print_brochure_that_fails_the_preflight(tmp_path):
    content = write_plan(tmp_path / "content", 3, False)
    with (content / "plan.yml").open("a", encoding="utf-8") as plan:
        plan.write("brochure:\n  fond_perdu: 1\n  imprimeur: oui\n")  # print shops ask for 3 mm at least
    out = tmp_path / "site"
    result = run_fiches(
        "build",
        "--content",
        str(content),
        "--out",
        str(out),
        "--only",
        "brochure",
        env={CACHE_ENV: str(tmp_path / "cache")},
    )
    assert result.returncode == 1
    assert "ne passe pas le contrôle d'impression" in result.stderr
    assert "fond perdu de 1 mm (3 mm au moins attendus)" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()  # nothing published
