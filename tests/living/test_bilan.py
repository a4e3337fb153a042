"""The bilan tells the truth: the brochure's and the site's counts agree with each other and with the fiches,
on a history that starts after the period's start and outside git; no « git » for readers (real builds)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import lxml.html
import pytest
import yaml
from pypdf import PdfReader

from tests.conftest import MINI, git, require_tool, run_fiches

START, STOP = dt.date(2025, 1, 1), dt.date(2025, 6, 30)  # edition 2025 of the mini plan, état au 30 juin 2025
PARAPHEUR = "2.1.1-parapheur.md"
LIVRET = "1.1.1-livret-accueil.md"
PARAPHEUR_DONE = """---
id: 2.1.1
titre: Déployer le parapheur électronique
statut: realisee
pilote: DSI
indicateurs:
  - nom: Actes signés électroniquement
    type: activite
    unite: "%"
    mesures:
      - {date: 2024-11, valeur: 0}
      - {date: 2025-02-10, valeur: 30}
      - {date: 2025-05, valeur: 80}
suivi:
  - {date: 2024-12-02, texte: Marché notifié.}
  - {date: 2025-04-15, texte: Parapheur en service dans toutes les directions.}
---

Tous les actes signés électroniquement.
"""


def _final_content(content: Path) -> None:
    (content / "fiches" / PARAPHEUR).write_text(PARAPHEUR_DONE, encoding="utf-8")
    livret = content / "fiches" / LIVRET
    livret.write_text(
        livret.read_text(encoding="utf-8").replace("statut: en_cours", "statut: en_pause"), encoding="utf-8"
    )


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The same final content built twice (site + brochure): in a repository whose history starts on 1st March
    2025 (after the period's start), then outside git."""
    require_tool("git")
    repo = tmp_path_factory.mktemp("repo")
    content = repo / "content"
    shutil.copytree(MINI, content)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "content")
    git(repo, "commit", "-q", "-m", "Plan", date="2025-03-01")
    _final_content(content)
    git(repo, "add", "content")
    git(repo, "commit", "-q", "-m", "Parapheur réalisé, livret en pause", date="2025-04-15")
    outside = tmp_path_factory.mktemp("outside") / "content"
    shutil.copytree(content, outside)
    out = {}
    for name, folder in (("git", content), ("hors-git", outside)):
        target = tmp_path_factory.mktemp(name) / "site"
        result = run_fiches(
            "build", "--content", str(folder), "--out", str(target), "--only", "site", "--only", "brochure"
        )
        assert result.returncode == 0, result.stdout + result.stderr
        out[name] = target
    out["content"] = outside
    return out


def _flat(text: str) -> str:
    return re.sub(r"[\s\u00a0\u202f]+", " ", text).replace("\u2019", "'").strip()


def _pdf_text(site: Path) -> str:
    (pdf,) = site.glob("**/brochure-2025.pdf")
    return _flat(" ".join(page.extract_text() for page in PdfReader(pdf).pages))


def _visible(html: Path) -> str:
    doc = lxml.html.fromstring(html.read_text(encoding="utf-8"))
    for bad in doc.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    return _flat(doc.text_content())


def _expected(content: Path) -> dict[str, int]:
    """Counts read straight from the fiches' YAML, with this test's own date arithmetic."""

    def day(value: object, end: bool) -> dt.date:
        if isinstance(value, dt.date):
            return value
        parts = [int(p) for p in str(value).split("-")]
        if len(parts) == 3:
            return dt.date(*parts)
        if len(parts) == 2:
            month = dt.date(parts[0] + parts[1] // 12, parts[1] % 12 + 1, 1) - dt.timedelta(days=1)
            return month if end else dt.date(parts[0], parts[1], 1)
        return dt.date(parts[0], 12, 31) if end else dt.date(parts[0], 1, 1)

    def inside(value: object) -> bool:
        return day(value, True) >= START and day(value, False) <= STOP

    fiches = [
        yaml.safe_load(p.read_text(encoding="utf-8").split("---")[1]) for p in sorted((content / "fiches").glob("*.md"))
    ]
    suivi = [s for f in fiches for s in f.get("suivi", []) if inside(s["date"])]
    mesures = [m for f in fiches for i in f.get("indicateurs", []) for m in i.get("mesures", []) if inside(m["date"])]
    realisees = [
        f
        for f in fiches
        if f["statut"] == "realisee" and inside(max(f.get("suivi", []), key=lambda s: day(s["date"], False))["date"])
    ]
    return {"suivi": len(suivi), "mesures": len(mesures), "realisees": len(realisees)}


def _counts(text: str) -> dict[str, int]:
    def number(pattern: str) -> int:
        found = {int(n) for n in re.findall(pattern, text)}
        assert len(found) == 1, (pattern, found, text[:3000])
        return found.pop()

    out = {
        "realisees": number(r"(\d+) actions? réalisées? sur la période"),
        "mesures": number(r"(\d+) mesures? d'indicateurs sur la période"),
        "suivi": number(r"(\d+) entrées? de suivi sur la période"),
    }
    changes = re.findall(r"(\d+) changements? de statut", text)
    if changes:
        out["changements"] = int(changes[0])
    return out


@pytest.mark.parametrize("name", ["git", "hors-git"])
def test_brochure_and_page_agree_with_each_other_and_with_the_fiches(builds: dict[str, Path], name: str) -> None:
    expected = _expected(builds["content"])
    assert expected == {"suivi": 3, "mesures": 4, "realisees": 2}  # the fixture is what this test thinks it is
    site = builds[name]
    brochure = _pdf_text(site)
    page = _visible(site / "bilan-2025" / "index.html")
    in_brochure, on_page = _counts(brochure), _counts(page)
    assert in_brochure == on_page
    assert {k: on_page[k] for k in expected} == expected
    # the « Réalisé en 2025 » page lists exactly the réalisées of the bilan
    assert re.search(rf"{expected['realisees']} actions menées à bien du 1er janvier au 30 juin 2025", brochure), (
        brochure[brochure.find("Réalisé en 2025") :][:300]
    )
    highlight = brochure.split("Réalisé en 2025", 1)[1].split("Ce qui a changé cette année", 1)[0]
    for titre in ("Déployer le parapheur électronique", "Bâtir un plan de formation pluriannuel"):
        assert titre in highlight and titre in page.split("Changements de statut", 1)[1]
    assert "Créer un livret d'accueil" not in highlight
    if name == "git":
        # the history knows 2.1.1 (à venir → réalisée) and 1.1.1 (en cours → en pause); 1.10.1 was already
        # réalisée in its first version, dated by its suivi entry of 10 March 2025
        assert on_page["changements"] == 3
        assert "L'historique des modifications du plan commence le 1er mars 2025" in page
        assert "1.1.1 Créer un livret d'accueil (en cours → en pause)" in page
    else:
        assert "changements" not in on_page  # unknown outside git: not claimed
        assert "L'historique des modifications du plan n'est pas disponible" in page
    # the period is stated once on the page, and measures dated in the period are reported
    assert page.count("Du 1er janvier 2025 au 30 juin 2025") == 1
    assert "Actes signés électroniquement : 0 % (novembre 2024) → 80 % (mai 2025)" in page
    assert "Aucune nouvelle mesure" not in page


@pytest.mark.parametrize("name", ["git", "hors-git"])
def test_no_git_words_for_readers(builds: dict[str, Path], name: str) -> None:
    site = builds[name]
    words = re.compile(r"\bgit\b|commit|\.md\b|plan\.yml", re.I)
    for html in site.glob("**/*.html"):
        found = words.findall(_visible(html))
        assert not found, (html.relative_to(site), found)
    assert not words.findall(_pdf_text(site))
