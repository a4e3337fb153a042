"""History from git and the yearly review, on a real repository with a scripted history (real git)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from builder.content.model import Changement
from builder.living.bilan import compute_bilan, edition_bilan, render_markdown
from builder.living.history import read_history
from builder.project import load_projet
from tests.conftest import MINI, git, require_tool, run_fiches

D = dt.date


def _fiche(name: str, **changes: str | None) -> str:
    """A mini fiche with top-level fields replaced (value None removes the line)."""
    text = (MINI / "fiches" / name).read_text(encoding="utf-8")
    for key, value in changes.items():
        pattern = re.compile(rf"^{key}:.*\n", re.M)
        line = "" if value is None else f"{key}: {value}\n"
        if pattern.search(text):
            text = pattern.sub(line, text, count=1)
        else:
            text = text.replace("\n---\n", f"\n{line}---\n", 1)
    return text


LIVRET, FORMATION, PARAPHEUR = "1.1.1-livret-accueil.md", "1.10.1-plan-formation.md", "2.1.1-parapheur.md"


def _commit(repo: Path, date: str, message: str, files: dict[str, str | None]) -> None:
    for rel, text in files.items():
        path = repo / "content" / "fiches" / rel
        if text is None:
            git(repo, "rm", "-q", str(path))
        else:
            path.write_text(text, encoding="utf-8")
            git(repo, "add", str(path))
    git(repo, "commit", "-q", "-m", message, date=date)


def make_history(repo: Path) -> Path:
    """content/ with seven dated commits: creations, avancement and statut changes, renumbering, deletion."""
    require_tool("git")
    content = repo / "content"
    (content / "fiches").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    shutil.copy(MINI / "plan.yml", content / "plan.yml")
    git(repo, "add", "content/plan.yml")
    livret = _fiche(LIVRET, statut="en_cours", avancement="20").replace("      - {date: 2025-05, valeur: 85}\n", "")
    _commit(
        repo,
        "2024-10-01",
        "Premières fiches",
        {
            LIVRET: livret,
            FORMATION: _fiche(FORMATION, statut="en_cours", avancement="60"),
            PARAPHEUR: _fiche(PARAPHEUR),
            "1.10.2-tutorat.md": '---\nid: "1.10.2"\ntitre: Tutorat\nstatut: en_cours\navancement: 10\npilote: DRH\n'
            "---\n\nUn tuteur pour chaque nouvel agent.\n",
        },
    )
    _commit(repo, "2024-12-15", "Livret : 40 %", {LIVRET: livret.replace("avancement: 20", "avancement: 40")})
    _commit(
        repo,
        "2025-02-03",
        "Plan de formation réalisé",
        {FORMATION: _fiche(FORMATION, statut="realisee", avancement="100")},
    )
    git(repo, "mv", "content/fiches/2.1.1-parapheur.md", "content/fiches/2.1.2-parapheur.md")
    _commit(repo, "2025-03-20", "Parapheur renuméroté", {"2.1.2-parapheur.md": _fiche(PARAPHEUR, id="2.1.2")})
    _commit(
        repo,
        "2025-04-10",
        "Parapheur abandonné",
        {
            "2.1.2-parapheur.md": _fiche(PARAPHEUR, id="2.1.2", statut="abandonnee").replace(
                "---\n\n", "suivi:\n  - {date: 2025-04-10, texte: Remplacé par l'outil régional.}\n---\n\n", 1
            )
        },
    )
    _commit(
        repo,
        "2025-05-02",
        "Nouvelle fiche, livret à 50 %",
        {
            LIVRET: _fiche(LIVRET, avancement="50"),
            "1.1.2-parrainage.md": _fiche(PARAPHEUR, id="1.1.2", titre="Parrainer les nouveaux agents", pilote="DRH"),
        },
    )
    _commit(repo, "2025-06-01", "Tutorat retiré", {"1.10.2-tutorat.md": None})
    return content


@pytest.fixture(scope="module")
def history_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_history(tmp_path_factory.mktemp("repo"))


def _changes(content: Path) -> dict[str, list[tuple]]:
    projet = load_projet(content, history=False, bilan=False)
    history = read_history(content, projet)
    return {fid: [(c.date, c.nature, c.avant, c.apres) for c in h.changements] for fid, h in history.items()}


def test_history_of_each_fiche(history_repo: Path) -> None:
    assert _changes(history_repo) == {
        "1.1.1": [
            (D(2024, 10, 1), "creation", None, "en_cours"),
            (D(2024, 12, 15), "avancement", "20", "40"),
            (D(2025, 5, 2), "avancement", "40", "50"),
        ],
        "1.1.2": [(D(2025, 5, 2), "creation", None, "a_venir")],
        "1.10.1": [
            (D(2024, 10, 1), "creation", None, "en_cours"),
            (D(2025, 2, 3), "statut", "en_cours", "realisee"),
            (D(2025, 2, 3), "avancement", "60", "100"),
        ],
        "2.1.2": [
            (D(2024, 10, 1), "creation", None, "a_venir"),
            (D(2025, 3, 20), "renumerotation", "2.1.1", "2.1.2"),
            (D(2025, 4, 10), "statut", "a_venir", "abandonnee"),
        ],
    }


def test_last_modification_and_commit(history_repo: Path) -> None:
    projet = load_projet(history_repo, history=False, bilan=False)
    history = read_history(history_repo, projet)
    assert history["1.10.1"].derniere_modification == D(2025, 2, 3)
    head = git(history_repo.parent, "log", "-1", "--format=%h", "--abbrev=7", "--", "content/fiches/1.1.2*").strip()
    assert history["1.1.2"].changements == [Changement(D(2025, 5, 2), "creation", None, "a_venir", head)]


EXPECTED_BILAN = """\
# Bilan 2025 : ce qui a changé

Du 1er janvier 2025 au 30 juin 2025.

## En bref

- 1 action réalisée sur la période.
- 1 fiche créée, 1 abandonnée, 1 renumérotée, 1 retirée du plan.
- 2 changements de statut, dont 1 vers « réalisée ».
- Avancement moyen du plan : 28 % → 50 %.
- 2 mesures d'indicateurs sur la période (1 indicateur).
- 3 entrées de suivi sur la période.

## Fiches créées

- **1.1.2** Parrainer les nouveaux agents (À venir)

## Fiches abandonnées

- **2.1.2** Déployer le parapheur électronique (auparavant : à venir)

## Fiches renumérotées

- 2.1.1 → **2.1.2** Déployer le parapheur électronique

## Fiches retirées du plan

- **1.10.2** Tutorat

## Changements de statut

### → Réalisée (1)

- **1.10.1** Bâtir un plan de formation pluriannuel (en cours → réalisée)

### → Abandonnée (1)

- **2.1.2** Déployer le parapheur électronique (à venir → abandonnée)

## Avancement par axe

| Axe | 1er janvier 2025 | 30 juin 2025 | Évolution |
|---|---:|---:|---:|
| 1. Prendre soin des agents | 37 % | 50 % | +13 points |
| 2. Simplifier | 0 % | 0 % | 0 point |
| **Ensemble du plan** | 28 % | 50 % | +22 points |

## Indicateurs

- **1.1.1** Créer un livret d'accueil — Livrets remis : 40\u00a0livrets (janvier 2025) → 85\u00a0livrets (mai 2025)

## Suivi de la période

- 15 janvier 2025 — **1.1.1** Créer un livret d'accueil : Première version **diffusée** aux nouveaux arrivants, \
avec le plan de formation (fiche 1.10.1).
- 10 mars 2025 — **1.10.1** Bâtir un plan de formation pluriannuel : Plan adopté en comité technique.
- 10 avril 2025 — **2.1.2** Déployer le parapheur électronique : Remplacé par l'outil régional.
"""


def test_bilan_command_default_period(history_repo: Path, tmp_path: Path) -> None:
    result = run_fiches("bilan", "--content", str(history_repo))
    assert result.returncode == 0, result.stderr
    assert result.stdout == EXPECTED_BILAN
    target = tmp_path / "bilan.md"
    assert run_fiches("bilan", "--content", str(history_repo), "-o", str(target)).returncode == 0
    assert target.read_text(encoding="utf-8") == EXPECTED_BILAN


def test_bilan_between_revisions(history_repo: Path) -> None:
    projet = load_projet(history_repo, history=False, bilan=False)
    bilan = compute_bilan(history_repo, projet, "HEAD~4", "HEAD~2")  # after « réalisé » → after « abandonné »
    assert bilan.compared and bilan.creees == [] and bilan.supprimees == []
    assert [(old, f.id) for old, f in bilan.renumerotees] == [("2.1.1", "2.1.2")]
    assert [(f.id, old) for f, old in bilan.abandonnees] == [("2.1.2", "a_venir")]
    assert bilan.statuts == {}
    assert bilan.periode == (D(2025, 2, 3), D(2025, 4, 10))
    assert [(f.id, s.texte) for s, f in bilan.suivi] == [
        ("1.10.1", "Plan adopté en comité technique."),
        ("2.1.2", "Remplacé par l'outil régional."),
    ]


def test_bilan_between_dates(history_repo: Path) -> None:
    projet = load_projet(history_repo, history=False, bilan=False)
    bilan = compute_bilan(history_repo, projet, "2025-02-03", "2025-05-01")
    # the state at 2025-02-03 is the one before that day's commit: formation still en cours
    assert [(f.id, old) for f, old in bilan.statuts["realisee"]] == [("1.10.1", "en_cours")]
    assert [f.id for f in bilan.creees] == []


def test_bilan_unknown_revision_is_a_french_error(history_repo: Path) -> None:
    result = run_fiches("bilan", "--content", str(history_repo), "--depuis", "v9.9")
    assert result.returncode == 1
    assert "révision inconnue : « v9.9 »" in result.stderr and "Traceback" not in result.stderr


def test_shallow_clone_says_less_and_invents_nothing(history_repo: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "3", f"file://{history_repo.parent}", str(clone)], check=True)
    content = clone / "content"
    changes = _changes(content)
    # the third commit from the top is the boundary: its diff is unknown; the two after it are known
    assert changes == {
        "1.1.1": [(D(2025, 5, 2), "avancement", "40", "50")],
        "1.1.2": [(D(2025, 5, 2), "creation", None, "a_venir")],
    }
    projet = load_projet(content, history=False, bilan=False)
    history = read_history(content, projet)
    assert "1.10.1" not in history and history["1.1.1"].derniere_modification == D(2025, 5, 2)
    text = render_markdown(compute_bilan(content, projet, None, None))
    assert "L'historique des modifications disponible commence le 10 avril 2025" in text
    assert "## Suivi de la période" in text and "- 1 action réalisée sur la période." in text
    assert "## Fiches créées" not in text  # the state of 1st January is beyond the clone's history


def test_outside_git_builds_what_it_can(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    projet = load_projet(content, history=False, bilan=False)
    assert read_history(content, projet) == {}
    bilan = edition_bilan(projet, content)
    assert bilan is not None
    text = render_markdown(bilan, title=False)
    assert text.startswith("Du 1er janvier 2025 au 30 juin 2025.")
    assert "L'historique des modifications du plan n'est pas disponible" in text and "# Avancement par axe" in text
    assert "# Fiches créées" not in text
    # no earlier state: the latest measure of the period (none before it to compare with)
    assert (
        "- **1.1.1** Créer un livret d'accueil — Livrets remis : 40\u00a0livrets (janvier 2025) → "
        "85\u00a0livrets (mai 2025)\n"
    ) in text
    result = run_fiches("bilan", "--content", str(content), "--depuis", "HEAD~1")
    assert result.returncode == 1 and "n'est pas dans un dépôt git" in result.stderr


def test_history_starting_after_the_date_compares_with_the_first_version(history_repo: Path) -> None:
    projet = load_projet(history_repo, history=False, bilan=False)
    bilan = compute_bilan(history_repo, projet, "2024-01-01", None)
    assert bilan.note.startswith("L'historique des modifications du plan commence le 1er octobre 2024")
    assert bilan.historique_debut == D(2024, 10, 1) and bilan.ensemble[0] is None  # no progress « then »
    assert [f.id for f in bilan.creees] == ["1.1.2"]  # not the fiches of the first commit


def test_compact_bilan_for_the_brochure_keeps_the_summary_only(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    projet = load_projet(content, history=False, bilan=False)
    bilan = edition_bilan(projet, content)
    full, compact = render_markdown(bilan, title=False), render_markdown(bilan, title=False, compact=True)
    assert "# Suivi de la période" in full and "# Indicateurs" in full
    assert "# Suivi de la période" not in compact and "# Indicateurs" not in compact
    assert compact.split("# Changements de statut")[0] == full.split("# Changements de statut")[0]
    assert "# Avancement par axe" in compact and "# En bref" in compact
    # the réalisées are named by number only: the brochure presents them on its « Réalisé en » pages
    assert "Présentées dans « Réalisé en 2025 » : 1.10.1." in compact and "Présentées" not in full


def test_realisees_are_the_realisee_group_of_the_statut_changes(history_repo: Path) -> None:
    projet = load_projet(history_repo, history=False, bilan=False)
    bilan = compute_bilan(history_repo, projet, None, None)  # 2025: réalisée on 3 February 2025
    assert [(f.id, old) for f, _, old in bilan.realisees] == [("1.10.1", "en_cours")]
    assert [(f.id, old) for f, old in bilan.statuts["realisee"]] == [("1.10.1", "en_cours")]
    # réalisée already on 1st January 2026 (the history covers it): a 2026 bilan does not claim it
    later = compute_bilan(history_repo, projet, "2026-01-01", "2026-06-30")
    assert later.realisees == [] and "realisee" not in later.statuts


def test_bilan_refuses_a_period_that_ends_before_it_starts(history_repo: Path, tmp_path: Path) -> None:
    for args in (["--depuis", "2025-06-01", "--jusqua", "2025-01-01"], ["--depuis", "HEAD", "--jusqua", "HEAD~5"]):
        result = run_fiches("bilan", "--content", str(history_repo), *args)
        assert result.returncode == 1, args
        assert "est après --jusqua" in result.stderr and "Traceback" not in result.stderr, args
    before = run_fiches("bilan", "--content", str(history_repo), "--depuis", "2023-01-01", "--jusqua", "2023-06-01")
    assert before.returncode == 1 and "pas encore enregistré dans git" in before.stderr
    assert "premier enregistrement : 1er octobre 2024" in before.stderr
    impossible = run_fiches("bilan", "--content", str(history_repo), "--depuis", "2025-02-30")
    assert impossible.returncode == 1 and "date impossible « 2025-02-30 »" in impossible.stderr


def test_outside_git_jusqua_ends_the_period(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    projet = load_projet(content, history=False, bilan=False)
    text = render_markdown(compute_bilan(content, projet, "2025-01-01", "2025-03-01"))
    assert "Du 1er janvier 2025 au 1er mars 2025." in text
    assert "L'avancement indiqué est celui du contenu actuel." in text
    assert "Plan adopté en comité technique" not in text  # the suivi entry of 10 March 2025 is after the period
    later = render_markdown(compute_bilan(content, projet, "2025-01-01", "2025-03-31"))
    assert "10 mars 2025 — **1.10.1**" in later


def test_content_never_committed_is_not_called_created(tmp_path: Path) -> None:
    require_tool("git")
    shutil.copytree(MINI, tmp_path / "content")
    git(tmp_path, "init", "-q", "-b", "main")
    projet = load_projet(tmp_path / "content", history=False, bilan=False)
    bilan = compute_bilan(tmp_path / "content", projet, None, None)
    assert not bilan.compared and bilan.creees == []
    text = render_markdown(bilan)
    assert "L'historique des modifications du plan est encore vide" in text and "fiches créées" not in text.lower()
