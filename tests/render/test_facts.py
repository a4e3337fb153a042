"""One set of facts, two outputs: what `builder.render.facts` computes for a fiche is what the site page and the plan
PDF show (real `fiches build` of the demo plan: real MkDocs, real WeasyPrint; parsed HTML, extracted PDF text)."""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html
import pytest
from pypdf import PdfReader

from builder.build import load_checked
from builder.content.model import Fiche, Indicateur, Mesure, Projet
from builder.render.charts import indicator_svg, text_width
from builder.render.facts import fiche_facts, jalon_rows, statut_badge
from tests.conftest import DEMO, MINI, run_fiches

CONTENT = DEMO if (DEMO / "plan.yml").exists() else MINI
FICHE = "1.2.2" if CONTENT == DEMO else "1.1.1"  # 1.2.2: contributeurs, thèmes, jalons late and done, history


def squash(text: str) -> str:
    """Text without whitespace nor hyphens: PDF lines wrap and hyphenate anywhere (`hu-` / `maines`); apostrophes
    as typed (the outputs are typeset: `d’information`, tested in test_typography)."""
    return re.sub(r"[\s\-\u00ad\u2010]+", "", text).replace("’", "'")


def words(text: str) -> str:
    return " ".join(text.split()).replace("’", "'")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Projet, Path, PdfReader]:
    """The site and the plan PDF of the demo plan, from one real `fiches build` (private PDF cache)."""
    work = tmp_path_factory.mktemp("facts")
    out = work / "site"
    result = run_fiches(
        "build",
        "--content",
        str(CONTENT),
        "--out",
        str(out),
        "--only",
        "site",
        "--only",
        "plan",
        env={"FICHES_PDF_CACHE": str(work / "cache")},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    projet = load_checked(CONTENT)
    return projet, out, PdfReader(next((out / "telechargements").glob("plan-*.pdf")))


def site_page(out: Path, fiche: Fiche) -> lxml.html.HtmlElement:
    doc = lxml.html.fromstring((out / "fiches" / fiche.slug / "index.html").read_text(encoding="utf-8"))
    return doc.cssselect("article.md-content__inner")[0]


def pdf_text_of(reader: PdfReader, fiche: Fiche) -> str:
    """Text of the pages of one fiche: from its bookmark to the next fiche's (the facts come first)."""
    starts: list[tuple[str, int]] = []

    def walk(entries: list) -> None:
        for entry in entries:
            if isinstance(entry, list):
                walk(entry)
            else:
                match = re.match(r"(\d+\.\d+\.\d+)\s", words(entry.title))
                if match:
                    starts.append((match.group(1), reader.get_destination_page_number(entry)))

    walk(reader.outline)
    index = [fid for fid, _ in starts].index(fiche.id)
    first = starts[index][1]
    last = starts[index + 1][1] if index + 1 < len(starts) else len(reader.pages)
    return "\n".join(reader.pages[p].extract_text() for p in range(first, max(last, first + 1)))


def test_fiche_facts_are_the_same_on_the_site_and_in_the_pdf(built) -> None:
    projet, out, reader = built
    fiche = projet.by_id[FICHE]
    facts = fiche_facts(projet, fiche)
    labels = [f.label for f in facts]
    assert labels[:2] == ["Pilote", "Contributeurs"] and "Calendrier" in labels and "Dernier suivi" in labels
    if CONTENT == DEMO:  # the demo fiche shows every kind of fact
        assert {"Référent", "Collectivités", "Moyens humains", "Thèmes", "Dernière modification"} <= set(labels)

    page = site_page(out, fiche)
    shown = [
        (words(d.cssselect("dt")[0].text_content()), d.cssselect("dd")[0]) for d in page.cssselect("dl.fa-facts > div")
    ]
    assert [label for label, _ in shown] == labels  # every fact, in the same order, nothing else
    pdf = pdf_text_of(reader, fiche)
    for fact, (_, dd) in zip(facts, shown, strict=True):
        if fact.items:  # thèmes: one tag (a link on the site) per item
            if fact.key == "themes":
                assert [words(li.text_content()) for li in dd.cssselect("ul.fa-tags li")] == list(fact.items)
            else:
                assert words(dd.text_content()) == words(fact.value)
        else:
            assert words(dd.text_content()) == words(fact.value), fact.label
        assert squash(fact.label + fact.value) in squash(pdf), f"PDF : {fact.label} {fact.value}"


def test_statut_badge_and_jalons_are_the_same_on_the_site_and_in_the_pdf(built) -> None:
    projet, out, reader = built
    fiche = projet.by_id[FICHE]
    page, pdf = site_page(out, fiche), squash(pdf_text_of(reader, fiche))
    badge = statut_badge(projet, fiche.statut)
    site_badge = page.cssselect(".fa-band .fa-statut")[0]
    assert words(site_badge.text_content()) == badge.label and site_badge.cssselect("svg.fa-statut__icon")
    assert squash(badge.label + "Avancement" + f"{fiche.progression}%") in pdf
    rows = jalon_rows(projet, fiche)
    assert rows, "la fiche testée a des jalons"
    site_rows = [words(li.text_content()) for li in page.cssselect("li.fa-timeline__item")]
    assert site_rows == [f"{r.icon} {r.label} {r.date} {words(r.libelle)}" for r in rows]
    for row in rows:  # the plan shows them as a table (its header repeats on a continuation page): date, jalon, état
        assert squash(f"{row.date}{row.libelle}{row.icon}{row.label}") in pdf, row
    if CONTENT == DEMO:
        assert {r.state for r in rows} >= {"fait", "retard"}


def test_extreme_date_labels_of_a_chart_stay_inside_it() -> None:
    dates = ["2025-10", "2026-03", "2026-09"]
    ind = Indicateur(
        nom="Test",
        type="activite",
        cible=80,
        mesures=[Mesure(date=d, valeur=v) for d, v in zip(dates, [18, 37, 52], strict=True)],
    )
    svg = str(indicator_svg(ind, width=420))
    labels = re.findall(r'<text x="([\d.]+)"[^>]*text-anchor="middle"[^>]*>([a-zé]+ \d{4})</text>', svg)
    shown = {text: float(x) for x, text in labels}
    assert {"octobre 2025", "mars 2026", "septembre 2026"} == set(shown)  # French, each measure (room for all)
    assert shown["septembre 2026"] + text_width("septembre 2026", 12) / 2 <= 420
    assert shown["octobre 2025"] - text_width("octobre 2025", 12) / 2 >= 0
