"""Validation: one fixture per bad input, each error checked for file, line, field and key words."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from builder.errors import Report
from builder.project import read_projet
from tests.conftest import FIXTURES, MINI, run_fiches

CASES = FIXTURES / "fiches_invalides"

# case: (file name prefix, line, field, words that must be in the message)
ERRORS = {
    "statut_inconnu": (
        "1.1.9",
        4,
        "statut",
        ["« en-cour » n'est pas un statut connu", "a_venir, en_cours", "vouliez-vous dire « en_cours »"],
    ),
    "avancement_texte": ("1.1.9", 5, "avancement", ["« beaucoup »", "nombre"]),
    "avancement_hors_limites": ("1.1.9", 5, "avancement", ["140", "≤ 100"]),
    "champ_inconnu": ("1.1.9", 5, "pilot", ["champ inconnu", "vouliez-vous dire « pilote »"]),
    "champ_obligatoire_manquant": ("1.1.9", 2, "pilote", ["obligatoire"]),
    "cle_en_double": ("1.1.9", 6, "statut", ["deux fois", "ligne 4"]),
    "date_impossible": ("1.1.9", 7, "calendrier.debut", ["date impossible", "2020-13-01"]),
    "date_mal_ecrite": ("1.1.9", 7, "jalons[1].date", ["15/03/2025", "AAAA-MM-JJ"]),
    "syntaxe_yaml": ("1.1.9", 6, None, ["syntaxe YAML", "colonne 9", "guillemet non fermé"]),
    "tabulation": ("1.1.9", 7, None, ["tabulation", "espaces"]),
    "entete_manquant": ("1.1.9", 1, None, ["en-tête manquant", "---"]),
    "entete_non_ferme": ("1.1.9", 1, None, ["en-tête non fermé"]),
    "fichier_vide": ("1.1.9", None, None, ["vide"]),
    "pas_utf8": ("1.1.9", 6, None, ["UTF-8", "0xe9", "ré-enregistrez"]),
    "pilote_inconnu": ("1.1.9", 5, "pilote", ["« DRX »", "direction", "DRH, DSI", "vouliez-vous dire « DRH »"]),
    "contributeur_inconnu": ("1.1.9", 6, "contributeurs[2]", ["« FINANCES »", "direction"]),
    "collectivite_inconnue": (
        "1.1.9",
        6,
        "collectivites[1]",
        ["« VILE »", "collectivité", "vouliez-vous dire « VILLE »"],
    ),
    "lien_inexistant": ("1.1.9", 6, "liens[2]", ["« 4.4.4 » n'existe pas"]),
    "lien_vers_soi": ("1.1.9", 7, "liens[1]", ["elle-même"]),
    "fin_avant_debut": ("1.1.9", 8, "calendrier.fin", ["2025-01", "avant le début", "2025-06"]),
    "type_liste_attendue": ("1.1.9", 6, "themes", ["liste"]),
    "indicateur_type_inconnu": (
        "1.1.9",
        8,
        "indicateurs[1].type",
        ["« impacte »", "activite, impact, ressources", "vouliez-vous dire « impact »"],
    ),
    "resume_trop_long": ("1.1.9", 6, "resume", ["trop long", "301", "300"]),
    "oui_non_invalide": ("1.1.9", 6, "prioritaire", ["peut-être", "oui ou non"]),
    "objectif_inconnu": ("3.1.1", 2, "id", ["objectif 3.1", "n'existe pas", "1.1, 1.10, 2.1"]),
    "id_mal_forme": ("1.1", 2, "id", ["N.M.K"]),
    "annee_hors_limites": ("1.1.9", 7, "jalons[1].date", ["« 0000-02 »", "année hors limites", "1900 à 2199"]),
    "nom_fichier_different": ("1.1.9", 2, "id", ["nom du fichier", "« 1.1.8- »"]),
    "nombre_infini": ("1.1.9", 9, "indicateurs[1].cible", ["« inf » n'est pas un nombre"]),
    # YAML that PyYAML accepts but that would change a value silently, or that it refuses in English
    "etiquette_bool": ("1.1.9", 6, "prioritaire", ["étiquette YAML « !!bool » non acceptée", "sans étiquette"]),
    "etiquette_entier": ("1.1.9", 6, "avancement", ["« !!int »", "sans étiquette"]),
    "etiquette_ensemble": ("1.1.9", 6, "themes", ["« !!set »"]),
    "etiquette_python": ("1.1.9", 6, "referent", ["« !!python/object/apply:os.system »"]),
    "etiquette_perso": ("1.1.9", 3, "titre", ["« !important »"]),  # and no « champ obligatoire manquant »
    "cle_complexe": ("1.1.9", 6, None, ["clé complexe non acceptée", "simple mot"]),
    "arobase_en_debut": ("1.1.9", 6, None, ["colonne 9", "ne peut pas commencer par « @ »", "entre guillemets"]),
    "accent_grave_en_debut": ("1.1.9", 6, None, ["ne peut pas commencer par « ` »", "entre guillemets"]),
    "alias_inconnu": ("1.1.9", 6, None, ["commence par « * »", "entre guillemets"]),
    "ancre_en_double": ("1.1.9", 7, None, ["ancre « &ref » déjà définie ligne 6"]),
    "alias_recursif": ("1.1.9", 6, "themes[2]", ["alias récursif"]),
    "echappement_inconnu": ("1.1.9", 6, None, ["« \\ » inattendu", "guillemets simples"]),
    "bloc_texte_sur_la_meme_ligne": ("1.1.9", 6, None, ["après « | »", "ligne suivante"]),
    "tiret_sur_la_meme_ligne": ("1.1.9", 6, None, ["« - » inattendu", "[a, b]"]),
    "caractere_de_controle": ("1.1.9", 6, None, ["caractère de contrôle interdit", "U+000B"]),
}


def check_with(tmp_path: Path, case: str, prefix: str) -> tuple[Report, str]:
    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    target = content / "fiches" / f"{prefix}-{case}.md"
    shutil.copy(CASES / f"{case}.md", target)
    report = Report()
    read_projet(content, report)
    return report.sorted(), str(target)


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_each_bad_input_is_one_located_french_error(tmp_path: Path, case: str) -> None:
    prefix, line, field, words = ERRORS[case]
    report, path = check_with(tmp_path, case, prefix)
    mine = [p for p in report.errors if p.path == path]
    assert len(mine) == 1, [str(p) for p in report.errors]
    problem = mine[0]
    assert (problem.line, problem.field) == (line, field), str(problem)
    for word in words:
        assert word in problem.message, str(problem)
    assert [p for p in report.errors if p.path != path] == []


def test_every_fixture_case_is_tested() -> None:
    assert {p.stem for p in CASES.glob("*.md")} == set(ERRORS)


def test_all_errors_of_all_files_are_reported_in_one_run(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    for case in ("statut_inconnu", "tabulation", "pas_utf8", "fichier_vide"):
        shutil.copy(CASES / f"{case}.md", content / "fiches" / f"1.1.9-{case}.md")
    result = run_fiches("check", "--content", str(content))
    assert result.returncode == 1
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 5  # four errors, one summary
    assert lines[-1] == "7 fiches, 4 erreurs, 0 avertissement"
    assert "Traceback" not in result.stdout + result.stderr


def test_duplicate_ids_name_both_files(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    text = (content / "fiches" / "1.1.1-livret-accueil.md").read_text(encoding="utf-8")
    (content / "fiches" / "1.1.1-copie.md").write_text(text, encoding="utf-8")
    report = Report()
    read_projet(content, report)
    [problem] = report.errors
    assert problem.path.endswith("1.1.1-livret-accueil.md") and problem.line == 2 and problem.field == "id"
    assert "1.1.1-copie.md" in problem.message and "déjà utilisé" in problem.message


def test_missing_plan_is_an_error(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    (content / "plan.yml").unlink()
    result = run_fiches("check", "--content", str(content))
    assert result.returncode == 1
    assert "plan.yml" in result.stdout and "introuvable" in result.stdout


def test_plan_errors_are_located(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    plan = (content / "plan.yml").read_text(encoding="utf-8")
    plan = plan.replace("  - numero: 2.1\n", "  - numero: 3.1\n").replace("fin: 2027}", "fin: 2020}")
    plan = plan.replace("  - code: DSI\n", "  - code: DRH\n").replace("edition: 2025", "edition: 2025\nsous_titr: x")
    (content / "plan.yml").write_text(plan, encoding="utf-8")
    report = Report()
    read_projet(content, report)
    found = {(p.line, p.field): p.message for p in report.sorted().errors}
    assert "vouliez-vous dire « sous_titre »" in found[(5, "sous_titr")]
    report = Report()
    (content / "plan.yml").write_text(plan.replace("sous_titr: x\n", ""), encoding="utf-8")
    read_projet(content, report)
    found = {(p.line, p.field): p.message for p in report.sorted().errors}
    assert "avant le début" in found[(3, "periode.fin")]
    assert "en double" in found[(9, "directions[2].code")]
    assert "doit commencer par « 2. »" in found[(29, "axes[2].objectifs[1].numero")]


WARNINGS = {
    "realisee_incomplete": ("statut: realisee\navancement: 80\n", 5, "avancement", ["réalisée", "80 %"]),
    "a_venir_commencee": ("statut: a_venir\navancement: 10\n", 5, "avancement", ["à venir", "10 %"]),
    "en_pause_sans_suivi": ("statut: en_pause\n", 4, "statut", ["en pause", "suivi"]),
    "bloquee_sans_suivi": ("statut: bloquee\n", 4, "statut", ["bloquée", "suivi"]),
    "abandonnee_sans_suivi": ("statut: abandonnee\n", 4, "statut", ["abandonnée", "suivi"]),
    "theme_en_double": ("statut: en_cours\nthemes: [accueil, Accueil]\n", 5, "themes[2]", ["« Accueil »", "doublon"]),
    "lien_en_double": ("statut: en_cours\nliens:\n  - 1.1.1\n  - 1.1.1\n", 7, "liens[2]", ["« 1.1.1 »", "doublon"]),
    "date_loin_de_la_periode": (
        "statut: en_cours\ncalendrier: {debut: 2024, fin: 2062}\n",
        5,
        "calendrier.fin",
        ["2062", "loin de la période du plan (2024–2027)", "faute de frappe"],
    ),
}


@pytest.mark.parametrize("case", sorted(WARNINGS))
def test_inconsistent_content_is_a_warning_and_strict_fails(tmp_path: Path, case: str) -> None:
    fields, line, field, words = WARNINGS[case]
    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    path = content / "fiches" / "1.1.9-cas.md"
    path.write_text(f'---\nid: "1.1.9"\ntitre: Cas\n{fields}pilote: DRH\n---\n', encoding="utf-8")
    result = run_fiches("check", "--content", str(content))
    assert result.returncode == 0, result.stdout
    warning = next(line_ for line_ in result.stdout.splitlines() if "1.1.9-cas.md" in line_)
    assert f"1.1.9-cas.md:{line}: {field} : " in warning and warning.endswith("[avertissement]")
    for word in words:
        assert word in warning
    assert result.stdout.strip().endswith("4 fiches, 0 erreur, 1 avertissement")
    strict = run_fiches("check", "--strict", "--content", str(content))
    assert strict.returncode == 1


def test_objectif_without_fiche_is_a_warning(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    (content / "fiches" / "2.1.1-parapheur.md").unlink()
    report = Report()
    read_projet(content, report)
    [warning] = report.warnings
    assert warning.path.endswith("plan.yml") and warning.line == 29 and "2.1" in warning.message


def test_cross_file_rules_still_checked_in_a_fiche_with_other_errors(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    (content / "fiches" / "1.1.9-x.md").write_text(
        '---\nid: "1.1.9"\ntitre: X\nstatut: en-cour\npilote: DRX\nliens: [1.1.9, 9.9.9]\n---\n', encoding="utf-8"
    )
    report = Report()
    read_projet(content, report)
    found = [(p.line, p.field) for p in report.sorted().errors]
    assert found == [(4, "statut"), (5, "pilote"), (6, "liens[1]"), (6, "liens[2]")]


def test_a_colour_white_text_cannot_be_read_on_is_a_warning(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    plan = (content / "plan.yml").read_text(encoding="utf-8")
    assert 'couleur: "#1d5fa8"' in plan
    (content / "plan.yml").write_text(plan.replace('couleur: "#1d5fa8"', 'couleur: "#ffee00"'), encoding="utf-8")
    report = Report()
    read_projet(content, report)
    (warning,) = [w for w in report.warnings if w.field and w.field.endswith("couleur")]
    assert warning.field == "axes[1].couleur" and "1,2:1" in warning.message and "RGAA" in warning.message


def test_an_image_in_a_body_is_a_warning_and_its_description_stays(tmp_path: Path) -> None:
    from builder.render.markdown import to_html

    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    fiche = content / "fiches" / "2.1.1-parapheur.md"
    text = fiche.read_text(encoding="utf-8") + "\nUn schéma :\n\n![Organigramme cible](https://exemple.org/o.png)\n"
    fiche.write_text(text, encoding="utf-8")
    report = Report()
    read_projet(content, report)
    (warning,) = report.warnings
    assert warning.line == text.splitlines().index("![Organigramme cible](https://exemple.org/o.png)") + 1
    assert "image non publiée" in warning.message
    html = str(to_html(text.split("\n---\n", 1)[1]))
    assert "<em>[image non publiée : Organigramme cible]</em>" in html and "<img" not in html


def test_plan_keys_and_unions_are_named_as_written(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    with (content / "plan.yml").open("a", encoding="utf-8") as plan:
        plan.write("statuts:\n  en-cours: {libelle: X}\nbrochure: {format: A3}\n")
    report = Report()
    read_projet(content, report)
    found = {p.field: p.message for p in report.errors}
    assert set(found) == {"statuts.en-cours", "brochure.format"}
    assert "n'est pas un statut connu" in found["statuts.en-cours"] and "« en_cours »" in found["statuts.en-cours"]
    assert "n'est pas une valeur connue" in found["brochure.format"] and "millimètres" in found["brochure.format"]


def test_a_link_from_the_server_root_is_a_warning(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    fiche = content / "fiches" / "2.1.1-parapheur.md"
    links = "Voir [la fiche](/fiches/1-1-1/), [ailleurs](//x.org/), [ici](../1-1-1/)."
    text = fiche.read_text(encoding="utf-8") + "\n" + links + "\n"
    fiche.write_text(text, encoding="utf-8")
    report = Report()
    read_projet(content, report)
    (warning,) = report.warnings
    assert warning.line == len(text.rstrip("\n").split("\n")) and "« /fiches/1-1-1/ »" in warning.message
    assert "lien relatif" in warning.message
