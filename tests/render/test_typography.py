"""French typography in every output (site, plan, brochure, feed), the charts, the fiche pager and the fiche
numbers of suivi entries: on real builds of the mini plan (site and both PDFs) and the demo site."""

from __future__ import annotations

import functools
import http.server
import re
import subprocess
import threading
from pathlib import Path
from xml.etree import ElementTree

import lxml.html
import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from builder.build import load_checked
from builder.content.model import Indicateur, Mesure
from builder.render.charts import indicator_svg
from builder.text import typeset, typeset_html
from tests.conftest import DEMO, MINI, ROOT, require_tool, run_fiches

NBSP, NNBSP = "\u00a0", "\u202f"
# a plain (breakable) space before « : ; ! ? » % », or after « « »
BAD_SPACE = re.compile(r"[ \t\n][:;!?»%]|«[ \t\n]")
URL = re.compile(r"(?:https?://|mailto:|www\.)\S+")
SKIPPED = {"code", "pre", "kbd", "samp", "script", "style", "textarea"}
SVG_NS = "{http://www.w3.org/2000/svg}"


# --- the filter -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "typeset_form"),
    [
        ("Objectif : réduire", f"Objectif{NBSP}: réduire"),
        ("Objectif: réduire", f"Objectif{NBSP}: réduire"),
        ("Vraiment ? Oui ! Non ; peut-être", f"Vraiment{NNBSP}? Oui{NNBSP}! Non{NNBSP}; peut-être"),
        ("« Le Fil »", f"«{NBSP}Le Fil{NNBSP}»"),
        ("«Le Fil»", f"«{NBSP}Le Fil{NNBSP}»"),
        ("« un « petit » fil »", f"«{NBSP}un «{NBSP}petit{NNBSP}» fil{NNBSP}»"),
        ("70 % des agents, 70%", f"70{NBSP}% des agents, 70{NBSP}%"),
        ("1 850 agents et 12 500 000 €", f"1{NNBSP}850 agents et 12{NNBSP}500{NNBSP}000{NBSP}€"),
        ("12 km, 3 ETP, 4 500 €", f"12{NBSP}km, 3{NBSP}ETP, 4{NNBSP}500{NBSP}€"),
        ("l'action d'aujourd'hui", "l’action d’aujourd’hui"),
        ("le plan 2024-2029, de 2024 - 2029", "le plan 2024–2029, de 2024–2029"),
        ("le fichier plan-2024-2029.pdf",) * 2,
        ("du 12-15 mars, mars-juin 2025", "du 12–15 mars, mars–juin 2025"),
        ("le 2025-03-01, la fiche 2.1.3, à 14:30, en 2025 12 agents",) * 2,  # nothing to do
        (
            "voir https://x.fr/a?b=1:2&c=d'e ; ou www.x.fr/?q=1 !",
            f"voir https://x.fr/a?b=1:2&c=d'e{NNBSP}; ou www.x.fr/?q=1{NNBSP}!",
        ),
        ("écrire à dgs@ville.fr : merci", f"écrire à dgs@ville.fr{NBSP}: merci"),
    ],
)
def test_typeset_french_text(typed: str, typeset_form: str) -> None:
    assert typeset(typed) == typeset_form
    assert typeset(typeset_form) == typeset_form  # idempotent: applying twice is applying once


def test_typeset_html_keeps_tags_attributes_code_and_urls_byte_exact() -> None:
    html = (
        '<p title="Objectif : 70 %" data-x="l\'a">Objectif : l&#39;action &amp; « Le Fil » '
        '<code>a : b ; c</code> <kbd>Ctrl + ?</kbd> <a href="https://x.fr/?a=1:2">https://x.fr/?a=1:2</a></p>'
        '<pre><code>x = "a : b"</code></pre><script>if (a ? b : c) {}</script><!-- note : ici -->'
    )
    once = typeset_html(html)
    assert once == (
        '<p title="Objectif : 70 %" data-x="l\'a">Objectif\u00a0: l’action &amp; «\u00a0Le Fil\u202f» '
        '<code>a : b ; c</code> <kbd>Ctrl + ?</kbd> <a href="https://x.fr/?a=1:2">https://x.fr/?a=1:2</a>'
        '</p><pre><code>x = "a : b"</code></pre><script>if (a ? b : c) {}</script><!-- note : ici -->'
    )
    assert typeset_html(once) == once


# --- the outputs ----------------------------------------------------------------------------------


def visible_text(doc: lxml.html.HtmlElement) -> str:
    """The text a reader sees: not code, scripts or styles, not decorative icons (`aria-hidden`), and URLs
    written as text removed (they keep their bytes)."""
    hidden = [
        el
        for el in doc.iter()
        if isinstance(el.tag, str)
        and el.getparent() is not None
        and (el.tag in SKIPPED or el.get("aria-hidden") == "true")
    ]
    for el in hidden:
        el.drop_tree()
    return URL.sub(" ", doc.text_content())


def bad_spaces(text: str) -> list[str]:
    return [text[max(0, m.start() - 30) : m.end() + 10] for m in BAD_SPACE.finditer(text)]


@pytest.fixture(scope="module")
def mini_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("typo-mini") / "site"
    result = run_fiches("build", "--content", str(MINI), "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    return out


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("typo-demo") / "site"
    result = run_fiches("build", "--content", str(DEMO), "--out", str(out), "--only", "site")
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def test_every_page_of_the_site_is_typeset(demo_site: Path, mini_out: Path) -> None:
    pages = sorted(demo_site.rglob("*.html")) + sorted(mini_out.rglob("*.html"))
    kinds = {p.relative_to(site).parts[0] for site in (demo_site, mini_out) for p in site.rglob("*.html")}
    assert {
        "fiches",
        "axes",
        "calendrier",
        "actualites",
        "index.html",
        "404.html",
        "tableau-de-bord",
        "telechargements",
        "accessibilite",
    } <= kinds
    problems, colons = {}, 0
    for path in pages:
        text = visible_text(lxml.html.fromstring(path.read_text(encoding="utf-8")))
        colons += text.count(f"{NBSP}:")
        if bad := bad_spaces(text):
            problems[str(path)] = bad[:3]
        assert "'" not in re.sub(r"\s+", " ", text), path  # typographic apostrophes only
    assert not problems, problems
    assert colons > 500  # the demo's « : » are there, with their no-break space


def test_code_urls_and_attributes_keep_their_bytes(mini_out: Path) -> None:
    html = (mini_out / "fiches" / "2-1-1" / "index.html").read_text(encoding="utf-8")
    assert (
        '<a href="https://docs.exemple.fr/parapheur?a=1:2" rel="noopener noreferrer">'
        "https://docs.exemple.fr/parapheur?a=1:2</a>" in html
    )
    assert "<code>a : b</code>" in html
    assert f"Le guide{NBSP}:" in html and f"1:2</a>{NNBSP};" in html


def test_feed_is_typeset(mini_out: Path) -> None:
    feed = ElementTree.parse(mini_out / "actualites.xml").getroot()
    atom = "{http://www.w3.org/2005/Atom}"
    texts = [e.text or "" for e in feed.iter() if e.tag in (f"{atom}title", f"{atom}subtitle", f"{atom}content")]
    assert any("d’administration" in t for t in texts)
    for text in texts:
        assert not bad_spaces(URL.sub(" ", re.sub(r"<code>.*?</code>|<[^>]+>", "", text))), text


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


@pytest.mark.parametrize("name", ["plan-2025.pdf", "brochure-2025.pdf"])
def test_both_pdfs_are_typeset(mini_out: Path, name: str) -> None:
    text = pdf_text(mini_out / "telechargements" / name)
    assert NBSP in text and NNBSP in text and "d’" in text
    # the « ! » of the « En retard » flag is an icon, not punctuation; code keeps its spaces
    text = re.sub(r"a :\s+b", "", text.replace("! En retard", "En retard"))
    assert not bad_spaces(URL.sub(" ", text)), bad_spaces(URL.sub(" ", text))
    if name.startswith("plan"):
        assert "https://docs.exemple.fr/parapheur?a=1:2" in text.replace("\n", "")


# --- prev / next and fiche numbers in suivi entries -----------------------------------------------


def test_fiche_pages_link_the_previous_and_next_fiche_in_plan_order(mini_out: Path) -> None:
    projet = load_checked(MINI)
    order = [f.id for f in projet.fiches]
    assert order == ["1.1.1", "1.10.1", "2.1.1"]  # plan order: 1.10 after 1.1, not text order
    for i, fiche in enumerate(projet.fiches):
        doc = lxml.html.fromstring((mini_out / "fiches" / fiche.slug / "index.html").read_text(encoding="utf-8"))
        pager = doc.cssselect("nav.fa-pager")
        assert len(pager) == 1 and pager[0].get("aria-label")
        for rel, j in (("prev", i - 1), ("next", i + 1)):
            links = pager[0].cssselect(f'a[rel="{rel}"]')
            if 0 <= j < len(order):
                target = projet.fiches[j]
                assert len(links) == 1 and links[0].get("href") == f"../../fiches/{target.slug}/"
                label = " ".join(links[0].text_content().split())
                assert label.strip("←→ ").startswith("Fiche précédente" if rel == "prev" else "Fiche suivante"), label
                assert target.id in label
            else:
                assert not links


def test_fiche_numbers_in_suivi_entries_are_links_and_page_references(mini_out: Path) -> None:
    doc = lxml.html.fromstring((mini_out / "fiches" / "1-1-1" / "index.html").read_text(encoding="utf-8"))
    links = doc.cssselect(".fa-suivi__text a.fa-xref")
    assert [(a.text, a.get("href")) for a in links] == [("1.10.1", "../../fiches/1-10-1/")]
    reader = PdfReader(mini_out / "telechargements" / "plan-2025.pdf")
    start = next(i for i, p in enumerate(reader.pages) if "aux nouveaux arrivants" in p.extract_text())
    suivi = " ".join(reader.pages[start].extract_text().split())
    page = int(re.search(r"fiche 1\.10\.1, p\. (\d+)\)", suivi)[1])
    assert (
        "1.10.1" in reader.pages[page - 1].extract_text()
        and "Bâtir un plan de formation" in reader.pages[page - 1].extract_text()
    )


# --- charts ---------------------------------------------------------------------------------------


def chart(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)


def text_boxes(root: ElementTree.Element) -> list[tuple[str, tuple[float, float, float, float]]]:
    """Each label's box, from its position, anchor and size, measured with the shipped font."""
    font = TTFont(ROOT / "theme" / "fonts" / "Inter-Regular.otf")
    cmap, hmtx, em = font.getBestCmap(), font["hmtx"].metrics, font["head"].unitsPerEm
    boxes = []
    for t in root.iter(f"{SVG_NS}text"):
        size, x, y = float(t.get("font-size")), float(t.get("x")), float(t.get("y"))
        width = sum(hmtx[cmap[ord(c)]][0] for c in t.text) / em * size
        left = x - width / 2 if t.get("text-anchor") == "middle" else x - width if t.get("text-anchor") == "end" else x
        boxes.append((t.text, (left, y - 0.73 * size, left + width, y + 0.2 * size)))  # capitals to descenders
    return boxes


def segment_hits_box(seg: tuple[float, float, float, float], box: tuple[float, float, float, float]) -> bool:
    """Sampled: is any point of the segment inside the box?"""
    (ax, ay, bx, by), (x0, y0, x1, y1) = seg, box
    return any(x0 <= ax + (bx - ax) * k / 200 <= x1 and y0 <= ay + (by - ay) * k / 200 <= y1 for k in range(201))


INDICATORS = [
    Indicateur(
        nom="Taux d'entretiens",
        type="activite",
        unite="%",
        valeur_initiale=41,
        cible=95,
        mesures=[Mesure(date=d, valeur=v) for d, v in [("2025-01", 52), ("2025-03", 60), ("2026-09", 93)]],
    ),
    Indicateur(
        nom="Délai",
        type="impact",
        unite="jours",
        valeur_initiale=30,
        cible=12,
        mesures=[Mesure(date=d, valeur=v) for d, v in [("2024-06", 30), ("2024-07", 28), ("2025-06", 12.5)]],
    ),
    Indicateur(
        nom="Agents formés",
        type="activite",
        cible=12500,
        mesures=[Mesure(date=d, valeur=v) for d, v in [("2025", 1850), ("2026-03-15", 12000)]],
    ),
]


@pytest.mark.parametrize("ind", INDICATORS, ids=lambda i: i.nom)
@pytest.mark.parametrize(("width", "height", "size"), [(240, 160, 12), (340, 140, 9)], ids=["site", "plan"])
def test_chart_time_axis_ticks_labels_and_no_label_on_the_line(
    ind: Indicateur, width: int, height: int, size: float
) -> None:
    root = chart(str(indicator_svg(ind, width, height, font_size=size)))
    # a true time axis: x distances proportional to the days between the measures
    xs = [float(c.get("cx")) for c in root.iter(f"{SVG_NS}circle")]
    days = [m.date.first_day().toordinal() for m in sorted(ind.mesures, key=lambda m: m.date)]
    for i in range(1, len(xs) - 1):
        assert (xs[i] - xs[0]) / (xs[-1] - xs[0]) == pytest.approx((days[i] - days[0]) / (days[-1] - days[0]), abs=0.01)
    boxes = text_boxes(root)
    texts = [t for t, _ in boxes]
    assert all(float(t.get("font-size")) == size for t in root.iter(f"{SVG_NS}text"))
    # y ticks: 3 to 5 numbers in French
    ticks = [t for t in texts if re.fullmatch(r"-?[\d\u202f]+(,\d+)?", t)]
    assert 3 <= len(ticks) <= 5, texts
    if ind.cible == 12500:
        assert "15\u202f000" in ticks or "12\u202f500" in ticks
    # French month labels on the x axis, the first and last measures at least
    months = [
        t
        for t in texts
        if re.fullmatch(
            r"(?:(?:janvier|février|mars|avril|mai|juin|juillet|août|"
            r"septembre|octobre|novembre|décembre) )?\d{4}",
            t,
        )
    ]
    assert len(months) >= 2 and not any(re.search(r"\d{4}-\d\d", t) for t in texts)
    # the initial value and the target are labelled
    unit = f" {ind.unite}" if ind.unite else ""
    cible = next(t for t in texts if t.startswith("cible "))
    assert cible.replace("\u202f", " ") == f"cible {ind.cible:,.0f}{unit}".replace(",", " ")
    if ind.valeur_initiale is not None:
        assert any(t.startswith("départ ") for t in texts)
    # no label over the data line, every label inside the SVG, no two labels overlapping
    points = [tuple(map(float, p.split(","))) for p in next(root.iter(f"{SVG_NS}polyline")).get("points").split()]
    segments = [(*a, *b) for a, b in zip(points, points[1:], strict=False)]
    for text, box in boxes:
        assert not any(segment_hits_box(s, box) for s in segments), text
        assert box[0] >= 0 and box[2] <= width and box[1] >= 0 and box[3] <= height, text
    for i, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[i + 1 :]:
            overlap = box_a[0] < box_b[2] and box_b[0] < box_a[2] and box_a[1] < box_b[3] and box_b[1] < box_a[3]
            assert not overlap, (a, b)
    # its data stays in its name and description
    assert root.find(f"{SVG_NS}title").text == ind.nom
    desc = re.sub(r"\s", "", root.find(f"{SVG_NS}desc").text)  # thousands separators aside
    assert all(str(m.valeur).removesuffix(".0").replace(".", ",") in desc for m in ind.mesures), desc


def test_plan_chart_labels_are_at_least_7_pt(mini_out: Path) -> None:
    pdftotext = require_tool("pdftotext")
    xml = subprocess.run(
        [pdftotext, "-bbox", str(mini_out / "telechargements" / "plan-2025.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    font = TTFont(ROOT / "theme" / "fonts" / "Inter-Regular.otf")
    em_height = (font["hhea"].ascent - font["hhea"].descent) / font["head"].unitsPerEm  # word box height / size
    sizes = [
        (float(m[2]) - float(m[1])) / em_height
        for m in re.finditer(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">(cible|départ)<', xml)
    ]
    assert sizes and min(sizes) >= 7, sizes  # lowercase « cible », « départ »: the chart's own labels


def test_site_chart_labels_are_at_least_12_px_at_320_px(mini_out: Path) -> None:
    chromium = require_tool("chromium")
    from playwright.sync_api import sync_playwright

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(mini_out))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--headless", "--no-sandbox"])
            for width in (320, 1280):
                page = browser.new_page(viewport={"width": width, "height": 800})
                page.goto(f"http://127.0.0.1:{server.server_port}/fiches/1-1-1/")
                sizes = page.evaluate("""() => [...document.querySelectorAll('svg.chart text')].map(t => {
                    const svg = t.ownerSVGElement;
                    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
                    return parseFloat(t.getAttribute('font-size')) * scale; })""")
                assert sizes and min(sizes) >= 12, (width, sizes)
            browser.close()
    finally:
        server.shutdown()
