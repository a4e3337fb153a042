"""`builder.project`: one loading path, one complete and immutable `Projet`, and every command reporting from the
plan `fiches build` publishes (a plan in git, whose history and review change what the build shows)."""

from __future__ import annotations

import datetime as dt
import pickle
import re
import shutil
from pathlib import Path

import lxml.html
import pytest
from pydantic import ValidationError

from builder.content.model import Fiche
from builder.errors import ContentError
from builder.project import load_projet
from tests.conftest import MINI, git, require_tool, run_fiches

PLAN_FORMATION = "fiches/1.10.1-plan-formation.md"


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mini plan in git: 1.10.1 committed en cours in November 2024, réalisée in March 2025 (within the 2025
    edition), then built (site only)."""
    require_tool("git")
    repo = tmp_path_factory.mktemp("plan")
    shutil.copytree(MINI, repo / "content")
    (repo / "mkdocs.yml").write_text(
        "site_name: Plan en git\nsite_url: https://intranet.example/plan/\n", encoding="utf-8"
    )
    fiche = repo / "content" / PLAN_FORMATION
    realisee = fiche.read_text(encoding="utf-8")
    fiche.write_text(realisee.replace("statut: realisee", "statut: en_cours\navancement: 60"), encoding="utf-8")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "content", "mkdocs.yml")
    git(repo, "commit", "-q", "-m", "Le plan", date="2024-11-04")
    fiche.write_text(realisee, encoding="utf-8")
    git(repo, "commit", "-q", "-am", "Plan de formation adopté", date="2025-03-10")
    built = run_fiches("build", "--only", "site", cwd=repo)
    assert built.returncode == 0, built.stderr
    return repo


def _flat(text: str) -> str:
    """A text as the site shows it and as the command line writes it, compared: French spaces and apostrophes
    typeset or not, Markdown emphasis written or rendered."""
    text = text.replace("\u00a0", " ").replace("\u202f", " ").replace("’", "'").replace("*", "")
    return " ".join(text.split())


def _page(repo: Path, url: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring((repo / "site" / url / "index.html").read_text(encoding="utf-8"))


# --- the Projet -----------------------------------------------------------------------------------


def test_the_projet_is_complete_when_loaded(repo: Path) -> None:
    projet = load_projet(repo / "content")
    changes = [(c.nature, c.avant, c.apres) for c in projet.history["1.10.1"].changements]
    assert ("statut", "en_cours", "realisee") in changes
    assert [f.id for f, _, old in projet.bilan.realisees] == ["1.10.1"]
    assert projet.bilan_markdown is not None and projet.bilan_resume is not None
    assert "1 changement de statut" in projet.bilan_markdown
    fiche = projet.by_id["1.10.1"]
    assert fiche.body.strip() == "Le plan de formation 2025-2027 est adopté."
    assert fiche.source.endswith(PLAN_FORMATION)


def test_what_a_command_leaves_out_changes_nothing_else(repo: Path) -> None:
    full = load_projet(repo / "content")
    bare = load_projet(repo / "content", history=False, bilan=False)
    dates = load_projet(repo / "content", changes=False, bilan=False)
    assert not bare.history and bare.bilan is None and bare.bilan_markdown is None
    assert dates.history["1.10.1"].modifications == full.history["1.10.1"].modifications
    assert [c.nature for c in dates.history["1.10.1"].changements] == ["creation"]  # no file version read
    assert [f.model_dump() for f in bare.fiches] == [f.model_dump() for f in full.fiches]
    assert [f.en_retard for f in bare.fiches] == [f.en_retard for f in full.fiches]
    assert bare.stats() == full.stats() and bare.date_situation == full.date_situation


def test_the_projet_and_its_fiches_cannot_be_changed(repo: Path) -> None:
    projet = load_projet(repo / "content", history=False, bilan=False)
    with pytest.raises(AttributeError):
        projet.history = {}  # type: ignore[misc]
    with pytest.raises(TypeError):
        projet.history["1.1.1"] = None  # type: ignore[index]
    with pytest.raises(AttributeError):
        projet.fiches.append(projet.fiches[0])  # type: ignore[attr-defined]
    fiche = projet.by_id["1.1.1"]
    with pytest.raises(ValidationError):
        fiche.statut = "realisee"
    with pytest.raises(ValidationError):
        projet.plan.edition = 2030
    again = pickle.loads(pickle.dumps(projet))
    assert again.fiches == projet.fiches and again.by_id["1.1.1"].body == fiche.body
    other = projet.replace(bilan_markdown="# Autre")
    assert other.bilan_markdown == "# Autre" and projet.bilan_markdown is None
    assert other.fiches == projet.fiches and other.by_id["1.1.1"] is fiche


def test_body_and_source_are_not_front_matter_fields() -> None:
    """They are given when the file is read: a front matter cannot set them, the schema does not offer them."""
    data = {"id": "1.1.1", "titre": "Accueillir", "statut": "a_venir", "pilote": "DRH"}
    for name in ("body", "source"):
        with pytest.raises(ValidationError):
            Fiche.read({**data, name: "x"})
        assert name not in Fiche.model_json_schema()["properties"]
    fiche = Fiche.read(data, body="Texte.", source="fiches/1.1.1-accueil.md")
    assert (fiche.body, fiche.source) == ("Texte.", "fiches/1.1.1-accueil.md")


def test_a_fiche_is_late_at_the_plans_date() -> None:
    data = {
        "id": "1.1.1",
        "titre": "Accueillir",
        "statut": "en_cours",
        "pilote": "DRH",
        "calendrier": {"fin": "2025-03"},
    }
    early = Fiche.read(data, situation=dt.date(2025, 3, 31))
    late = early.at(dt.date(2025, 4, 1))
    assert not early.en_retard and late.en_retard and late.body == early.body
    assert early.at(dt.date(2025, 3, 31)) is early


def test_strict_counts_the_warnings_as_errors(tmp_path: Path) -> None:
    content = shutil.copytree(MINI, tmp_path / "content")
    path = content / PLAN_FORMATION
    path.write_text(path.read_text(encoding="utf-8").replace("statut: realisee", "statut: en_pause"), encoding="utf-8")
    path.write_text(re.sub(r"suivi:\n(  .*\n)+", "", path.read_text(encoding="utf-8")), encoding="utf-8")
    projet = load_projet(content, history=False, bilan=False)
    assert [p.field for p in projet.warnings] == ["statut"]  # en pause, and no suivi entry says why
    with pytest.raises(ContentError) as raised:
        load_projet(content, history=False, bilan=False, strict=True)
    assert raised.value.report.errors == list(projet.warnings)


# --- every command reports from the plan the build published ------------------------------------


def test_fiches_bilan_says_what_the_built_site_says(repo: Path) -> None:
    result = run_fiches("bilan", cwd=repo)
    assert result.returncode == 0, result.stderr
    brief = result.stdout.split("## En bref\n\n", 1)[1].split("\n\n", 1)[0]
    said = [_flat(line.removeprefix("- ")) for line in brief.splitlines()]
    doc = _page(repo, "bilan-2025")
    heading = next(h for h in doc.iter("h2") if _flat(h.text_content()) == "En bref")
    shown = [_flat(li.text_content()) for li in heading.getnext().iter("li")]
    assert said == shown
    assert "1 changement de statut, dont 1 vers « réalisée »." in said  # known from git only


def test_fiches_stats_counts_what_the_home_page_shows(repo: Path) -> None:
    result = run_fiches("stats", cwd=repo)
    assert result.returncode == 0, result.stderr
    # Total row: six statuts, then total, prioritaires, en retard, avancement (« 50 % »)
    total = re.search(r"^Total\s+(.*)$", result.stdout, re.MULTILINE).group(1).split()
    counted = {"fiches": total[6], "prioritaires": total[7], "en retard": total[8], "avancement": " ".join(total[9:])}
    kpis = [
        (_flat(k.cssselect(".fa-kpi__label")[0].text_content()), _flat(k.cssselect(".fa-kpi__value")[0].text_content()))
        for k in _page(repo, ".").cssselect(".fa-kpis:not(.fa-kpis--soft) .fa-kpi")
    ]
    shown = {
        "fiches": next(v for label, v in kpis if label.startswith("fiche") and "action" in label),
        "prioritaires": next(v for label, v in kpis if "prioritaire" in label),
        "en retard": next(v for label, v in kpis if "en retard" in label),
        "avancement": next(v for label, v in kpis if "avancement" in label),
    }
    assert counted == shown
    assert counted["fiches"] == "3" and counted["avancement"] != "0 %"


def test_fiches_export_gives_the_files_of_the_build_ingit(repo: Path, tmp_path: Path) -> None:
    downloads = repo / "site" / "telechargements"
    for fmt, name in (("json", "plan.json"), ("csv", "fiches.csv")):
        exported = run_fiches("export", "--format", fmt, "-o", str(tmp_path / name), cwd=repo)
        assert exported.returncode == 0, exported.stderr
        assert (tmp_path / name).read_bytes() == (downloads / name).read_bytes(), name
