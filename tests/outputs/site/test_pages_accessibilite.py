"""The accessibility statement: its facts come from plan.yml, its sections follow the RGAA model, a missing fact
is a warning of `fiches check` (and an error under --strict); without an audit the site is « non conforme »."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import lxml.html
import pytest

from tests.conftest import MINI, run_fiches

SECTIONS = [
    "État de conformité",
    "Résultats des tests",
    "Contenus non accessibles",
    "Établissement de cette déclaration d’accessibilité",
    "Retour d’information et contact",
    "Voies de recours",
]
AUDITED = """accessibilite:
  etat_conformite: partiellement_conforme
  taux_conformite: 73,5
  date_audit: 2025-04-08
  auditeur: Cabinet Accessibilis
  methode: Grille RGAA sur 8 pages, Firefox et NVDA
  contact: https://www.test.example/signaler
  schema_pluriannuel: https://www.test.example/schema-2025
  contenus_non_accessibles:
    - contenu: Graphiques des indicateurs
      raison: alternative incomplète, tableau des mesures fourni
    - contenu: Archives numérisées
      raison: publiées avant 2019
      nature: hors_champ
  date_declaration: 2025-05-20
"""


def _plan(content: Path, block: str) -> None:
    plan = content / "plan.yml"
    text = plan.read_text(encoding="utf-8")
    plan.write_text(text[: text.index("accessibilite:")] + block, encoding="utf-8")


def _flat(text: str) -> str:
    return re.sub(r"[\s\u00a0\u202f]+", " ", text).replace("\u2019", "’").strip()


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, lxml.html.HtmlElement]:
    out = {}
    no_audit = "accessibilite:\n  etat_conformite: totalement_conforme\n  contact: accessibilite@test.example\n"
    for name, block in (("audite", AUDITED), ("sans-audit", no_audit)):
        content = tmp_path_factory.mktemp(name) / "content"
        shutil.copytree(MINI, content)
        _plan(content, block)
        site = tmp_path_factory.mktemp(name) / "site"
        result = run_fiches("build", "--content", str(content), "--out", str(site), "--only", "site")
        assert result.returncode == 0, result.stdout + result.stderr
        html = (site / "accessibilite" / "index.html").read_text(encoding="utf-8")
        out[name] = lxml.html.fromstring(html).cssselect("article.md-content__inner")[0]
        home = (site / "index.html").read_text(encoding="utf-8")
        out[f"{name}:pied"] = lxml.html.fromstring(home).cssselect(".fa-footer-a11y")[0]  # every page's footer
    return out


def _section(article: lxml.html.HtmlElement, title: str) -> str:
    h2 = next(h for h in article.iter("h2") if _flat(h.text_content()) == title)
    parts = []
    for sibling in h2.itersiblings():
        if sibling.tag == "h2":
            break
        parts.append(sibling.text_content())
    return _flat(" ".join(parts))


def test_sections_in_the_legal_order_with_the_facts_of_plan_yml(pages: dict[str, lxml.html.HtmlElement]) -> None:
    article = pages["audite"]
    assert [_flat(h.text_content()) for h in article.iter("h2")] == SECTIONS
    assert "partiellement conforme" in _section(article, "État de conformité")
    results = _section(article, "Résultats des tests")
    assert "réalisé par Cabinet Accessibilis le 8 avril 2025" in results and "73,5 % des critères" in results
    assert "Cabinet Accessibilis le 8 avril 2025 révèle" in results and "Grille RGAA sur 8 pages" in results
    assert len(article.xpath(".//h2[normalize-space()='Résultats des tests']/following-sibling::p")) >= 2
    contents = _section(article, "Contenus non accessibles")
    assert "Non-conformités Graphiques des indicateurs : alternative incomplète" in contents
    assert "Contenus non soumis à l’obligation d’accessibilité Archives numérisées : publiées avant 2019" in contents
    assert "établie le 20 mai 2025" in _section(article, "Établissement de cette déclaration d’accessibilité")
    links = {a.get("href") for a in article.iter("a")}
    assert {"https://www.test.example/signaler", "https://www.test.example/schema-2025"} <= links
    recours = _section(article, "Voies de recours")
    assert "Défenseur des droits" in recours and "09 69 39 00 00" in recours
    assert "Libre réponse 71120, 75342 Paris CEDEX 07" in recours
    assert "https://formulaire.defenseurdesdroits.fr/" in links
    assert "à compléter" not in _flat(article.text_content())
    assert _flat(pages["audite:pied"].text_content()).startswith("Accessibilité : partiellement conforme")


def test_without_an_audit_the_site_is_said_non_conforme(pages: dict[str, lxml.html.HtmlElement]) -> None:
    article = pages["sans-audit"]
    assert [_flat(h.text_content()) for h in article.iter("h2")] == SECTIONS
    state = _section(article, "État de conformité")
    # plan.yml says « totalement conforme » but describes no audit: RGAA says non conforme
    assert "non conforme" in state and "aucun audit" in state and "totalement" not in state
    assert "Aucun audit" in _section(article, "Résultats des tests")
    assert "mailto:accessibilite@test.example" in {a.get("href") for a in article.iter("a")}
    assert "n’est pas encore indiquée" in _section(article, "Établissement de cette déclaration d’accessibilité")
    footer = _flat(pages["sans-audit:pied"].text_content())
    assert footer.startswith("Accessibilité : non conforme") and "totalement" not in footer


def test_missing_facts_are_warnings_naming_file_line_and_field(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    _plan(
        content,
        "accessibilite:\n  etat_conformite: partiellement_conforme\n  contact: accessibilite@test.example\n"
        "  schema_pluriannuel: https://www.test.example/schema\n  date_declaration: 2025-05-02\n",
    )
    line = (content / "plan.yml").read_text(encoding="utf-8").splitlines().index("accessibilite:") + 1
    result = run_fiches("check", "--content", str(content))
    assert result.returncode == 0, result.stdout + result.stderr
    warnings = [w for w in (result.stdout + result.stderr).splitlines() if "accessibilite" in w]
    fields = sorted(re.search(r"accessibilite\.(\w+)", w).group(1) for w in warnings)
    assert fields == ["auditeur", "date_audit", "taux_conformite"]  # partiellement conforme: the audit is needed
    for warning in warnings:
        assert (
            warning.startswith(f"{content / 'plan.yml'}:{line}: accessibilite.")
            or f"plan.yml:{line}: accessibilite." in warning
        ), warning
        assert warning.endswith("[avertissement]") and "Traceback" not in warning
    assert "il manque le taux de critères respectés" in result.stdout + result.stderr
    strict = run_fiches("check", "--strict", "--content", str(content))
    assert strict.returncode == 1 and "accessibilite.date_audit" in strict.stdout + strict.stderr
    # no statement at all: one warning that says what to add
    plan = content / "plan.yml"
    plan.write_text(plan.read_text(encoding="utf-8").split("accessibilite:")[0], encoding="utf-8")
    bare = run_fiches("check", "--content", str(content))
    assert "plan.yml:1: accessibilite : déclaration d'accessibilité à compléter" in bare.stdout + bare.stderr
    assert run_fiches("check", "--strict", "--content", str(content)).returncode == 1
