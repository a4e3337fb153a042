"""What pilots track: élus, partenaires and financements (validation, fiche pages, exports), freshness reminders
(`fiches relances` on a scripted git history), and the tableau de bord (site page and plan PDF page), checked
against figures this test computes itself from the fixture's files (`tests/fixtures/pilotage`)."""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import email
import email.policy
import io
import posixpath
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
import pytest
import yaml
from pypdf import PdfReader

from builder.errors import Report
from builder.project import load_projet, read_projet
from tests.conftest import FIXTURES, git, require_tool, run_fiches

PILOTAGE = FIXTURES / "pilotage"
DAY = dt.date(2026, 6, 30)  # the fixture's « état au » date
LABELS = {
    "À venir": "a_venir",
    "En cours": "en_cours",
    "Réalisée": "realisee",
    "En pause": "en_pause",
    "Bloquée": "bloquee",
    "Abandonnée": "abandonnee",
}
ETATS = {"Prévu": "prevu", "Demandé": "demande", "Obtenu": "obtenu", "Versé": "verse"}


# --- the fixture's files, read by the test itself -------------------------------------------------


def front_matters(content: Path) -> dict[str, dict]:
    out = {}
    for path in sorted((content / "fiches").glob("*.md")):
        data = yaml.safe_load(path.read_text(encoding="utf-8").split("\n---\n", 1)[0].removeprefix("---\n"))
        out[str(data["id"])] = data
    return out


def last_day(value: object) -> dt.date:
    if isinstance(value, dt.date):
        return value
    parts = [int(p) for p in str(value).split("-")]
    year, month = parts[0], parts[1] if len(parts) > 1 else 12
    return dt.date(year, month, parts[2] if len(parts) > 2 else calendar.monthrange(year, month)[1])


def first_day(value: object) -> dt.date:
    if isinstance(value, dt.date):
        return value
    parts = [int(p) for p in str(value).split("-")] + [1, 1]
    return dt.date(parts[0], parts[1], parts[2])


def expected_figures(content: Path, day: dt.date) -> dict:
    """Counts by axe and statut, en retard, à actualiser, prioritaires, indicators behind their line, financements
    by état: from the YAML of the files, with the rules as the README states them (no git here)."""
    fiches = front_matters(content)
    plan = yaml.safe_load((content / "plan.yml").read_text(encoding="utf-8"))
    six_months_ago = dt.date(day.year - (1 if day.month <= 6 else 0), (day.month - 7) % 12 + 1, day.day)
    counts: dict[tuple[str, str], int] = {}
    late, stale, prioritaires, behind, money = set(), set(), set(), set(), {e: 0.0 for e in ETATS.values()}
    for fid, f in fiches.items():
        counts[(fid.split(".")[0], f["statut"])] = counts.get((fid.split(".")[0], f["statut"]), 0) + 1
        cal = f.get("calendrier") or {}
        done = f["statut"] in ("realisee", "abandonnee")
        if cal.get("fin") and last_day(cal["fin"]) < day and not done:
            late.add(fid)
        started = f["statut"] != "a_venir" or (cal.get("debut") and first_day(cal["debut"]) <= day)
        if not done and started:
            dates = [s["date"] for s in f.get("suivi", [])] + [
                m["date"] for i in f.get("indicateurs", []) for m in i.get("mesures", [])
            ]
            seen = [min(last_day(d), day) for d in dates if first_day(d) <= day]
            if cal.get("debut"):
                seen.append(first_day(cal["debut"]))
            if not seen or max(seen) < six_months_ago:
                stale.add(fid)
        if f.get("prioritaire") in (True, "oui"):
            prioritaires.add(fid)
        for ind in f.get("indicateurs", []) if f["statut"] != "abandonnee" else []:
            start = first_day(cal["debut"]) if cal.get("debut") else dt.date(plan["periode"]["debut"], 1, 1)
            end = dt.date(plan["periode"]["fin"], 12, 31)
            m = max(ind["mesures"], key=lambda m: first_day(m["date"]))
            share = (min(last_day(m["date"]), day) - start).days / (end - start).days
            way = ind["cible"] - ind["valeur_initiale"]
            expected = ind["valeur_initiale"] + way * share
            if (m["valeur"] - expected) * (1 if way > 0 else -1) < -0.1 * abs(way):
                behind.add(fid)
        for line in f.get("financements", []):
            money[line["etat"]] += line["montant"]
    return {
        "counts": counts,
        "late": late,
        "stale": stale,
        "prioritaires": prioritaires,
        "behind": behind,
        "money": money,
        "fiches": fiches,
        "plan": plan,
    }


def euros(text: str) -> float:
    return float(re.sub(r"[^\d,]", "", text).replace(",", ".") or 0)


def ids_in(el: lxml.html.HtmlElement) -> list[str]:
    return [
        urlsplit(a.get("href")).path.rstrip("/").rsplit("/", 1)[-1].replace("-", ".")
        for a in el.iter("a")
        if "fiches/" in a.get("href", "")
    ]


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def content(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(PILOTAGE, target)
    return target


# --- validation ---------------------------------------------------------------------------------


def test_bad_financements_and_elus_are_located_french_errors_all_at_once(content: Path) -> None:
    (content / "fiches" / "1.1.9-erreurs.md").write_text(
        "---\n"
        "id: 1.1.9\n"
        "titre: Une fiche pleine d'erreurs\n"
        "statut: en_cours\n"
        "pilote: DRH\n"
        'elus: [ADJ-RX, "Mme Durand, adjointe aux finances"]\n'
        "financements:\n"
        "  - {financeur: Région, montant: -500, annee: 2026, nature: fonctionnement}\n"
        "  - {financeur: CNFPT, montant: 1000, annee: 2026, nature: fonctionement, etat: demande}\n"
        "  - {financeur: État, montant: 2000, annee: 2250, nature: investissement, etat: versé}\n"
        "---\n",
        encoding="utf-8",
    )
    result = run_fiches("check", "--content", str(content))
    assert result.returncode == 1 and "Traceback" not in result.stdout + result.stderr
    path = content / "fiches" / "1.1.9-erreurs.md"
    lines = [line.removeprefix(f"{path}:") for line in result.stdout.splitlines() if line.startswith(str(path))]
    assert len(lines) == 5, result.stdout
    expected = [
        (
            "6: elus[1] : « ADJ-RX » n'est pas un code d'élu de plan.yml",
            ["MAIRE, ADJ-RH", "vouliez-vous dire « ADJ-RH »", "en toutes lettres"],
        ),
        ("8: financements[1].montant : « -500 »", ["ne peut pas être négatif"]),
        (
            "9: financements[2].nature : « fonctionement » n'est pas une nature de financement connue",
            ["fonctionnement, investissement", "vouliez-vous dire « fonctionnement »"],
        ),
        ("10: financements[3].annee : « 2250 » : année hors limites", ["1900 à 2199"]),
        (
            "10: financements[3].etat : « versé » n'est pas un état de financement connu",
            ["prevu, demande, obtenu, verse", "vouliez-vous dire « verse »"],
        ),
    ]
    for line, (start, extra) in zip(sorted(lines, key=lambda s: (int(s.split(":")[0]), s)), expected, strict=True):
        assert line.startswith(start), line
        for word in extra:
            assert word in line, line
    assert result.stdout.strip().endswith("9 fiches, 5 erreurs, 0 avertissement")


def test_plan_level_rules_for_elus_and_contacts(content: Path) -> None:
    plan = (content / "plan.yml").read_text(encoding="utf-8")
    (content / "plan.yml").write_text(
        plan.replace("contact: dsi@test.example", "contact: dsi-at-test.example"), encoding="utf-8"
    )
    report = Report()
    read_projet(content, report)
    assert [str(p).split("plan.yml:", 1)[1] for p in report.errors] == [
        "8: directions[2].contact : « dsi-at-test.example » : attendu : une adresse électronique (ex. drh@ville.fr)"
    ]
    (content / "plan.yml").write_text(plan.replace("  - {code: ADJ-RH,", "  - {code: MAIRE,"), encoding="utf-8")
    report = Report()
    read_projet(content, report)
    assert sorted(str(p).rsplit("/", 1)[1] for p in report.errors) == [
        "1.1.1-former-encadrants.md:8: elus[1] : « ADJ-RH » n'est pas un code d'élu de plan.yml ; codes possibles : "
        "MAIRE ; pour un autre élu, écrivez son nom et sa fonction en toutes lettres (ex. « Mme Durand, "
        "adjointe aux finances »)",
        "plan.yml:12: elus[2].code : code d'élu « MAIRE » en double (déjà ligne 11)",
    ]


def test_a_budget_the_financements_do_not_add_up_to_is_a_warning(content: Path) -> None:
    path = content / "fiches" / "1.2.1-outil-temps.md"
    path.write_text(path.read_text(encoding="utf-8").replace("budget: 60000", "budget: 65000"), encoding="utf-8")
    report = Report()
    read_projet(content, report)
    [warning] = report.warnings
    assert (warning.line, warning.field) == (9, "budget")
    assert "65\u202f000\u00a0€" in warning.message and "60\u202f000\u00a0€" in warning.message
    assert "écart de 5\u202f000\u00a0€" in warning.message
    assert run_fiches("check", "--strict", "--content", str(content)).returncode == 1


def test_freshness_never_fails_check_strict_but_fails_relances_exit_code(content: Path) -> None:
    check = run_fiches("check", "--strict", "--content", str(content))
    assert check.returncode == 0 and check.stdout.strip() == "8 fiches, 0 erreur, 0 avertissement"
    relances = run_fiches("relances", "--content", str(content), "--date", "2026-06-30", "--exit-code")
    assert relances.returncode == 1 and "à actualiser" in relances.stdout
    quiet = run_fiches(
        "relances", "--content", str(content), "--date", "2026-06-30", "--direction", "DCOM", "--exit-code"
    )
    assert quiet.returncode == 1


# --- relances on a scripted git history ----------------------------------------------------------


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture plan in git: added on 10 January 2025; 1.2.1 changed on 1 April 2026 and renamed on 1 August
    2026; 2.1.3 changed on 15 May 2026; 1.1.2 given a suivi entry of 30 July 2026 on 1 August 2026."""
    require_tool("git")
    repo = tmp_path_factory.mktemp("history") / "repo"
    shutil.copytree(PILOTAGE, repo / "content")
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    git(repo, "add", ".", date="2025-01-10")
    git(repo, "commit", "-q", "-m", "Plan", date="2025-01-10")
    fiches = repo / "content" / "fiches"

    def change(name: str, old: str, new: str) -> None:
        path = fiches / name
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new), encoding="utf-8")

    change("1.2.1-outil-temps.md", "avancement: 20", "avancement: 25")
    git(repo, "commit", "-q", "-am", "1.2.1 : avancement", date="2026-04-01")
    change("2.1.3-correspondants.md", "Un correspondant", "Un ou deux correspondants")
    git(repo, "commit", "-q", "-am", "2.1.3 : texte", date="2026-05-15")
    git(repo, "mv", "content/fiches/1.2.1-outil-temps.md", "content/fiches/1.2.1-gestion-temps.md", date="2026-08-01")
    change(
        "1.1.2-mobilites.md",
        "---\n\nUne bourse",
        "suivi:\n  - {date: 2026-07-30, texte: Bourse ouverte.}\n---\n\nUne bourse",
    )
    git(repo, "commit", "-q", "-am", "Renommage et suivi", date="2026-08-01")
    return repo / "content"


def relances_csv(content: Path, day: str, *extra: str) -> dict[str, dict[str, list[str]]]:
    """{direction: {fiche: [motif labels]}} from `fiches relances --format csv`."""
    result = run_fiches("relances", "--content", str(content), "--date", day, "--format", "csv", *extra)
    assert result.returncode == 0, result.stderr
    out: dict[str, dict[str, list[str]]] = {}
    for row in csv.DictReader(io.StringIO(result.stdout)):
        out.setdefault(row["direction"], {}).setdefault(row["fiche"], []).append(row["motif"])
    return out


def test_relances_per_direction_with_their_reasons_at_two_dates(history: Path) -> None:
    assert relances_csv(history, "2026-06-30") == {
        "DRH": {"1.1.1": ["Jalon en retard"], "1.1.2": ["Fin prévue dépassée", "À actualiser", "Mesure ancienne"]},
        "DSI": {"1.2.2": ["Jalon en retard"]},  # 1.2.1: changed on 1 April under its old name; 2.1.3: on 15 May
    }
    assert relances_csv(history, "2026-09-01") == {  # the suivi of 30 July now counts; a year for the measures
        "DRH": {"1.1.1": ["Jalon en retard"], "1.1.2": ["Fin prévue dépassée", "Mesure ancienne"]},
        "DSI": {"1.2.2": ["Jalon en retard"]},
    }
    assert relances_csv(history, "2026-06-30", "--direction", "DSI") == {"DSI": {"1.2.2": ["Jalon en retard"]}}
    fresh = run_fiches(
        "relances", "--content", str(history), "--date", "2026-06-30", "--direction", "DCOM", "--exit-code"
    )
    assert fresh.returncode == 0 and fresh.stdout.strip().endswith("Rien à relancer pour la direction DCOM.")


def test_relances_without_git_count_suivi_measures_and_start_only(content: Path) -> None:
    assert relances_csv(content, "2026-06-30") == {
        "DRH": {"1.1.1": ["Jalon en retard"], "1.1.2": ["Fin prévue dépassée", "À actualiser", "Mesure ancienne"]},
        "DSI": {"1.2.1": ["À actualiser"], "1.2.2": ["Jalon en retard"]},
        "DCOM": {"2.1.3": ["À actualiser"]},
    }
    want = expected_figures(content, DAY)
    found = [
        (fid, motif)
        for group in relances_csv(content, "2026-06-30").values()
        for fid, motifs in group.items()
        for motif in motifs
    ]
    assert {fid for fid, motif in found if motif == "À actualiser"} == want["stale"]
    assert {fid for fid, motif in found if motif == "Fin prévue dépassée"} == want["late"]


def test_relances_text_gives_reasons_and_intranet_addresses(history: Path) -> None:
    site_url = "https://intranet.pilotage.example/plan/"  # the project's own address: its mkdocs.yml
    (history.parent / "mkdocs.yml").write_text(f"site_name: Pilotage\nsite_url: {site_url}\n", encoding="utf-8")
    result = run_fiches("relances", "--content", str(history), "--date", "2026-06-30")
    assert result.returncode == 0
    text = result.stdout
    assert text.startswith("Relances au 30 juin 2026")
    block = text.split("DRH — Direction des ressources humaines : 2 fiches", 1)[1].split("DSI —", 1)[0]
    assert f"{site_url.rstrip('/')}/fiches/1-1-2/" in block
    assert "fin prévue en mars 2026 dépassée (statut : En cours, avancement 50\u00a0%)" in block
    assert "à actualiser : rien de neuf depuis mai 2025 (mesure d'indicateur), plus de 6 mois" in block
    assert "indicateur « Mobilités réalisées » : dernière mesure en mai 2025, plus de 12 mois" in block
    assert "jalon « Premier module » prévu en février 2026, non atteint" in block
    assert text.rstrip().endswith("3 fiches à relancer, 2 directions.")
    unknown = run_fiches("relances", "--content", str(history), "--direction", "DRX")
    assert unknown.returncode == 2 and "« DRX » n'est pas un code de direction" in unknown.stderr


def test_one_eml_per_direction_with_a_contact(content: Path, tmp_path: Path) -> None:
    out = tmp_path / "messages"
    result = run_fiches(
        "relances", "--content", str(content), "--date", "2026-06-30", "--format", "eml", "-o", str(out)
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["relance-DRH-2026-06-30.eml", "relance-DSI-2026-06-30.eml"]
    assert "aucun message pour : DCOM" in result.stderr  # it has a fiche to look at, but no contact address
    for code, address, name, fiches in (
        ("DRH", "drh@test.example", "Direction des ressources humaines", ["1.1.1", "1.1.2"]),
        ("DSI", "dsi@test.example", "Direction du numérique", ["1.2.1", "1.2.2"]),
    ):
        message = email.message_from_bytes(
            (out / f"relance-{code}-2026-06-30.eml").read_bytes(), policy=email.policy.default
        )
        [to] = message["To"].addresses
        assert (to.addr_spec, to.display_name) == (address, name)
        assert message["From"].addresses[0].addr_spec == "pilotage@test.example"
        assert message["Subject"] == "Plan de test du pilotage : 2 fiches à mettre à jour (relance au 30 juin 2026)"
        assert message["X-Unsent"] == "1"
        body = message.get_body(("plain",)).get_content()
        assert body.startswith("Bonjour,") and f"dont votre direction ({name}, {code}) est pilote" in body
        assert [m for m in re.findall(r"^(\d+\.\d+\.\d+) — ", body, re.M)] == fiches
        assert all(f"fiches/{f.replace('.', '-')}/" in body for f in fiches)  # no site_url here: from the root


# --- the tableau de bord on the site ----------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("pilotage-site")
    content = work / "content"
    shutil.copytree(PILOTAGE, content)
    out = work / "site"
    result = run_fiches("build", "--content", str(content), "--out", str(out), "--only", "site")
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def _page(site: Path, url: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring((site / url / "index.html").read_text(encoding="utf-8"))


def test_tableau_de_bord_numbers_are_the_files_counts(site: Path) -> None:
    want = expected_figures(PILOTAGE, DAY)
    doc = _page(site, "tableau-de-bord")
    article = doc.cssselect("article.md-content__inner")[0]
    table = article.cssselect("table.fa-tdb-statuts")[0]
    codes = [LABELS[words(th.text_content())] for th in table.cssselect("thead th")[1:-1]]
    assert sorted(codes) == sorted(LABELS.values())
    for row in table.cssselect("tbody tr"):
        axe = words(row.cssselect("th")[0].text_content()).split(" ")[1]
        cells = [int(td.text_content()) for td in row.cssselect("td")]
        assert cells[:-1] == [want["counts"].get((axe, code), 0) for code in codes], axe
        assert cells[-1] == sum(n for (a, _), n in want["counts"].items() if a == axe)
    total = [int(td.text_content()) for td in table.cssselect("tfoot td")]
    assert total[-1] == len(want["fiches"])

    alertes = article.cssselect("table.fa-tdb-alertes tbody tr")
    late, stale = {}, {}
    for row in alertes:
        code = re.search(r"\((\w+)\)$", words(row.cssselect("th")[0].text_content()))[1]
        late_cell, stale_cell = row.cssselect("td")
        late.update({fid: code for fid in ids_in(late_cell)})
        stale.update({fid: code for fid in ids_in(stale_cell)})
    assert set(late) == want["late"] and set(stale) == want["stale"]
    assert all(want["fiches"][fid]["pilote"] == code for fid, code in {**late, **stale}.items())

    assert set(ids_in(article.cssselect("table.fa-tdb-prioritaires")[0])) == want["prioritaires"]
    assert [words(td.text_content()) for td in article.cssselect("table.fa-tdb-prioritaires td:nth-child(3)")] == [
        f"{want['fiches'][fid].get('avancement', 0)} %" for fid in sorted(want["prioritaires"])
    ]
    assert set(ids_in(article.cssselect("table.fa-tdb-trajectoires")[0])) == want["behind"] == {"1.1.1", "2.1.1"}
    money = {
        ETATS[words(r.cssselect("th")[0].text_content())]: euros(r.cssselect("td")[2].text_content())
        for r in article.cssselect("table.fa-tdb-financements tbody tr")
    }
    assert money == want["money"]
    assert euros(article.cssselect("table.fa-tdb-financements tfoot td")[2].text_content()) == sum(
        want["money"].values()
    )
    # the chart is also text: a title and a description with every figure, and never colour alone (textures)
    svg = article.cssselect("svg.fa-tdb-chart")[0]
    for axe in ("1", "2"):
        parts = [
            f"{want['counts'][(axe, code)]} {label.lower()}"
            for label, code in LABELS.items()
            if want["counts"].get((axe, code))
        ]
        assert f"axe {axe} : {', '.join(parts)}" in svg.get("aria-label")
    assert len(svg.cssselect("pattern")) == 4  # en cours, en pause, bloquée, abandonnée; à venir is hollow


def test_every_link_of_the_tableau_de_bord_resolves(site: Path) -> None:
    doc = _page(site, "tableau-de-bord")
    links = [a.get("href") for a in doc.cssselect("article.md-content__inner a")]
    assert len(links) >= 12
    for href in links:
        parts = urlsplit(href)
        assert not parts.scheme, href
        target = posixpath.normpath(posixpath.join("tableau-de-bord/", parts.path))
        path = site / target / "index.html" if not posixpath.splitext(target)[1] else site / target
        assert path.is_file(), href
        if parts.fragment:
            assert (
                lxml.html.fromstring(path.read_text(encoding="utf-8")).get_element_by_id(parts.fragment) is not None
            ), href
    nav = [words(a.text_content()) for a in doc.cssselect("nav.md-tabs a")]
    assert "Tableau de bord" in nav


def test_the_fiche_page_shows_elus_partenaires_and_its_plan_de_financement(site: Path) -> None:
    article = _page(site, "fiches/1-1-1").cssselect("article.md-content__inner")[0]
    facts = {
        words(d.cssselect("dt")[0].text_content()): words(d.cssselect("dd")[0].text_content())
        for d in article.cssselect("dl.fa-facts > div")
    }
    assert facts["Élu référent"] == "Mme Sophie Martin, Adjointe chargée des ressources humaines"
    assert facts["Partenaires"] == "CNFPT, Centre de gestion"
    rows = [
        [words(c.text_content()) for c in tr.cssselect("td, th")]
        for tr in article.cssselect("table.fa-financements tr")
    ]
    assert rows[0] == ["Financeur", "Année", "Nature", "État", "Montant"]
    assert rows[1] == ["CNFPT", "2025", "Fonctionnement", "Obtenu", "5 000 €"]
    assert [r[0] for r in rows[4:]] == ["Total prévu", "Total demandé", "Total obtenu", "Total"]
    assert euros(rows[-1][1]) == 25000 and euros(rows[4][1]) == 8000
    free = _page(site, "fiches/1-1-2").cssselect("dl.fa-facts")[0]
    assert "M. Jean Petit, conseiller délégué au dialogue social" in words(free.text_content())


# --- the plan PDF's summary page ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def plan_pdf(tmp_path_factory: pytest.TempPathFactory) -> PdfReader:
    work = tmp_path_factory.mktemp("pilotage-pdf")
    content = work / "content"
    shutil.copytree(PILOTAGE, content)
    result = run_fiches(
        "pdf",
        "plan",
        "--content",
        str(content),
        "-o",
        str(work / "plan.pdf"),
        env={"FICHES_PDF_CACHE": str(work / "cache")},
    )
    assert result.returncode == 0, result.stderr
    return PdfReader(work / "plan.pdf")


def _outline(reader: PdfReader) -> list[tuple[int, str, int]]:
    items = []

    def walk(entries: list, depth: int) -> None:
        for entry in entries:
            if isinstance(entry, list):
                walk(entry, depth + 1)
            else:
                items.append((depth, words(entry.title), reader.get_destination_page_number(entry)))

    walk(reader.outline, 0)
    return items


def test_the_plan_pdf_has_a_one_page_tableau_de_bord_after_the_sommaire(plan_pdf: PdfReader) -> None:
    marks = _outline(plan_pdf)
    level1 = [(title, page) for depth, title, page in marks if depth == 0]
    titles = [t for t, _ in level1]
    assert titles[:2] == ["Sommaire", "Tableau de bord"]
    page = level1[1][1]
    assert level1[2][1] == page + 1  # the next part starts on the next page: one page
    text = words(plan_pdf.pages[page].extract_text())
    want = expected_figures(PILOTAGE, DAY)
    assert (
        f"Au 30 juin 2026 : {len(want['fiches'])} fiches-actions, {len(want['late'])} en retard, "
        f"{len(want['stale'])} à actualiser, {len(want['prioritaires'])} prioritaires" in text
    )
    assert "Actions prioritaires (3)" in text and "Indicateurs en dessous de leur trajectoire (2 sur 3)" in text
    plain = text.replace("\u202f", " ").replace("\u00a0", " ")
    for label, code in ETATS.items():
        assert f"{label} " in plain and f"{want['money'][code]:,.0f} €".replace(",", " ") in plain, label

    starts = {title.split(" ")[0]: p for depth, title, p in marks if depth == 2}
    names = plan_pdf.named_destinations
    linked = set()
    for annot in plan_pdf.pages[page].get("/Annots") or []:
        dest = str(annot.get_object()["/Dest"])
        target = plan_pdf.get_destination_page_number(names[dest])
        if dest.startswith("fiche-"):
            fid = dest.removeprefix("fiche-").replace("-", ".")
            assert target == starts[fid], dest
            linked.add(fid)
        else:
            assert dest.startswith("axe-") and target > page
    assert linked == want["late"] | want["stale"] | want["prioritaires"] | want["behind"]


def test_the_plan_pdf_shows_the_plan_de_financement_of_a_fiche(plan_pdf: PdfReader) -> None:
    starts = {title.split(" ")[0]: p for depth, title, p in _outline(plan_pdf) if depth == 2}
    text = words(plan_pdf.pages[starts["1.2.1"]].extract_text())
    assert "Financements Financeur Année Nature État Montant" in text
    assert "État (DSIL) 2025 Investissement Versé 40 000 €" in text.replace("\u202f", " ").replace("\u00a0", " ")
    assert "Total 60 000 €" in text.replace("\u202f", " ").replace("\u00a0", " ")


# --- exports and import -------------------------------------------------------------------------


def test_xlsx_export_then_import_gives_identical_fiches_with_financements(tmp_path: Path) -> None:
    export = tmp_path / "fiches.xlsx"
    assert run_fiches("export", "--content", str(PILOTAGE), "--format", "xlsx", "-o", str(export)).returncode == 0
    import openpyxl

    sheet = openpyxl.load_workbook(export)["financements"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("fiche", "financeur", "montant", "année", "nature", "état")
    assert len(rows) - 1 == sum(len(f.get("financements", [])) for f in front_matters(PILOTAGE).values())
    target = tmp_path / "content"
    (target / "fiches").mkdir(parents=True)
    shutil.copy(PILOTAGE / "plan.yml", target / "plan.yml")
    result = run_fiches("import", str(export), "--content", str(target))
    assert result.returncode == 0, result.stdout
    before, after = load_projet(PILOTAGE, history=False, bilan=False), load_projet(target, history=False, bilan=False)
    assert [(f.model_dump(), f.body.strip()) for f in after.fiches] == [
        (f.model_dump(), f.body.strip()) for f in before.fiches
    ]
    assert sum(len(f.financements) for f in after.fiches) == 6


def test_csv_carries_elus_partenaires_and_financement_totals(tmp_path: Path) -> None:
    result = run_fiches("export", "--content", str(PILOTAGE), "--format", "csv")
    rows = {r["numéro"]: r for r in csv.DictReader(io.StringIO(result.stdout))}
    assert rows["1.1.1"]["élus"] == "ADJ-RH" and rows["1.1.1"]["partenaires"] == "CNFPT; Centre de gestion"
    assert (
        rows["1.1.1"]["financements prévus"],
        rows["1.1.1"]["financements demandés"],
        rows["1.1.1"]["financements obtenus"],
        rows["1.1.1"]["financements versés"],
        rows["1.1.1"]["financements (total)"],
    ) == ("8000", "12000", "5000", "0", "25000")
    assert rows["2.1.2"]["financements (total)"] == ""
    excel = run_fiches("export", "--content", str(PILOTAGE), "--format", "csv-excel")
    assert "25000" in excel.stdout and ";" in excel.stdout.splitlines()[0]


def test_the_summary_page_stays_one_page_for_a_big_plan(tmp_path: Path) -> None:
    """200 synthetic fiches, 8 pilot directions with fiches en retard, a hundred prioritaires: the summary page of
    the plan's HTML, laid out alone by WeasyPrint with the plan's stylesheets, is one page with « … et N autres »."""
    from benchmarks.synth import write_plan
    from builder.outputs.pdf.plan import PLAN_CSS, axe_css, plan_html, write_pdf
    from builder.render.tableau_de_bord import pdf_limits, tableau_de_bord
    from builder.settings import Settings

    content = write_plan(tmp_path / "content", 200)
    projet = load_projet(content, history=False, bilan=False)
    settings = Settings.packaged()
    html = plan_html(projet, settings)
    start = html.index('<section class="tdb"')
    end = html.rindex("</section>", start, re.search(r'<section class="(intro|chapter)', html[start:]).start() + start)
    section = html[start : end + len("</section>")].replace('href="#', 'data-href="#')  # the fiches are not there
    write_pdf(
        html[: html.index("<body")] + f'<body class="plan">{section}</body></html>',
        tmp_path / "tdb.pdf",
        [settings.theme_file(name) for name in PLAN_CSS],
        axe_css(projet),
    )
    reader = PdfReader(tmp_path / "tdb.pdf")
    assert len(reader.pages) == 1
    text = words(reader.pages[0].extract_text())
    shown = pdf_limits(tableau_de_bord(projet))["prioritaires"]
    assert shown >= 4 and f"… et {len(projet.prioritaires) - shown} autres fiches prioritaires." in text
    assert text.count(" %") >= shown  # each shown prioritaire with its avancement
