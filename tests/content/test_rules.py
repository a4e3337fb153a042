"""`builder.content.rules`: each rule between files, with its French message; and the three commands that apply them
(`check`, `new`, `import`) giving the same message for the same mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.content.load import Content, load_content
from builder.content.model import Fiche
from builder.content.rules import (
    bad_link,
    duplicate_codes,
    duplicate_message,
    existing_fiches,
    fiche_rules,
    missing_axe,
    missing_objectif,
    objectif_of,
    unknown_code,
    unknown_elu,
    valid_id,
)
from builder.errors import Report
from tests.conftest import run_fiches


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("2.3.1", True),
        ("0.0.0", True),
        ("10.20.9999", True),
        ("2.3.01", False),
        ("02.3.1", False),
        ("2.3", False),
        ("2.3.1\n", False),
        (" 2.3.1", False),
        ("2.3.١", False),
        ("2.3.10000", False),
        ("2-3-1", False),
        ("", False),
    ],
)
def test_an_id_is_three_ascii_numbers_without_leading_zero(text: str, valid: bool) -> None:
    assert valid_id(text) is valid


def test_the_objectif_of_a_fiche_must_exist() -> None:
    assert objectif_of("1.10.2") == "1.10"
    assert missing_objectif("1.10.2", {"1.1", "1.10"}) is None
    assert missing_objectif("7.1.1", ["1.10", "2.1", "1.2"]) == (
        "l'objectif 7.1 n'existe pas dans plan.yml ; objectifs existants : 1.2, 1.10, 2.1"
    )
    assert missing_objectif("7.1.1", [], creatable=True) == (
        "l'objectif 7.1 n'existe pas dans plan.yml ; indiquez son intitulé dans cette colonne pour le créer"
    )
    assert missing_axe("7.1", {"1", "2"}) == (
        "l'axe 7 n'existe pas dans plan.yml ; indiquez son intitulé dans cette colonne pour le créer"
    )
    assert missing_axe("2.1", {"1", "2"}) is None


def test_codes_are_unique_without_case() -> None:
    assert duplicate_codes(["DRH", "DSI", "drh", "DSI", "Drh"]) == [(2, 0, "DRH"), (3, 1, "DSI"), (4, 0, "DRH")]
    assert duplicate_codes(["DRH", "DSI"]) == []
    assert duplicate_message("code de direction", "drh", "DRH", 7) == (
        "code de direction « drh » en double (déjà ligne 7 : « DRH », les majuscules ne comptent pas)"
    )
    assert duplicate_message("numéro d'axe", "2", "2", 9) == "numéro d'axe « 2 » en double (déjà ligne 9)"


def test_a_code_must_be_one_of_plan_yml() -> None:
    assert unknown_code("DRH", ["DRH", "DSI"], "direction") is None
    assert unknown_code("drh", ["DRH", "DSI"], "direction") == (
        "« drh » n'est pas un code de direction de plan.yml ; codes possibles : DRH, DSI (vouliez-vous dire « DRH » ?)"
    )
    assert unknown_code("EHPAD", ["VILLE", "CCAS"], "collectivité") == (
        "« EHPAD » n'est pas un code de collectivité de plan.yml ; codes possibles : VILLE, CCAS"
    )


def test_an_elu_is_a_code_of_plan_yml_or_free_text() -> None:
    assert unknown_elu("Mme Durand, adjointe aux finances", []) is None  # a space: free text
    assert unknown_elu("ADJ-RH", ["ADJ-RH"]) is None
    assert unknown_elu("ADJ-RX", ["MAIRE", "ADJ-RH", "MAIRE"]) == (
        "« ADJ-RX » n'est pas un code d'élu de plan.yml ; codes possibles : MAIRE, ADJ-RH (vouliez-vous dire "
        "« ADJ-RH » ?) ; pour un autre élu, écrivez son nom et sa fonction en toutes lettres (ex. « Mme Durand, "
        "adjointe aux finances »)"
    )
    assert unknown_elu("MAIRE", []) == (
        "« MAIRE » ressemble à un code d'élu, mais plan.yml n'a pas de liste « elus » ; ajoutez-y cet élu (code, "
        "nom, délégation), ou écrivez son nom et sa fonction en toutes lettres (ex. « Mme Durand, adjointe aux "
        "finances »)"
    )


def test_a_link_names_another_fiche_that_exists() -> None:
    known = {"1.1.1", "2.1.1"}
    assert bad_link("2.1.1", "1.1.1", known) is None
    assert bad_link("1.1.1", "1.1.1", known) == "une fiche ne peut pas être liée à elle-même"
    assert bad_link("2.1.2", "1.1.1", known) == "la fiche « 2.1.2 » n'existe pas (vouliez-vous dire « 2.1.1 » ?)"
    assert bad_link("9.9.9", "1.1.1", known, among="ni dans le contenu, ni parmi les lignes valides") == (
        "la fiche « 9.9.9 » n'existe pas (ni dans le contenu, ni parmi les lignes valides)"
    )


def test_a_fiche_ends_after_it_starts() -> None:
    data = {"id": "1.1.1", "titre": "T", "statut": "a_venir", "pilote": "DRH"}
    assert fiche_rules(Fiche.read({**data, "calendrier": {"debut": "2025-05", "fin": "2025-05-31"}})) == []
    assert fiche_rules(Fiche.read({**data, "calendrier": {"debut": "2026-05", "fin": "2025-01"}})) == [
        (("calendrier", "fin"), "la fin (2025-01) est avant le début (2026-05)")
    ]


def test_existing_fiches_by_id_then_by_file_name(tmp_path: Path) -> None:
    fiches = tmp_path / "fiches"
    fiches.mkdir()
    (fiches / "1.1.1-accueil.md").write_text('---\nid: "1.1.4"\n---\n', encoding="utf-8")  # id and name differ
    (fiches / "2.1.1-illisible.md").write_text("---\nid: [\n---\n", encoding="utf-8")  # does not load
    found = existing_fiches(tmp_path, load_content(tmp_path, Report()))
    assert set(found) == {"1.1.4", "1.1.1", "2.1.1"}
    assert Path(found["1.1.4"]).name == Path(found["1.1.1"]).name == "1.1.1-accueil.md"
    assert existing_fiches(tmp_path, Content(tmp_path, None, [])).keys() == {"1.1.1", "2.1.1"}


def test_check_and_new_say_the_same_of_an_unknown_objectif_and_pilote(mini_copy: Path) -> None:
    """The same mistake, the same words: in a fiche (`check`) and as `fiches new`'s arguments."""
    path = mini_copy / "fiches" / "7.1.1-hors-plan.md"
    path.write_text('---\nid: "7.1.1"\ntitre: Hors plan\nstatut: a_venir\npilote: DRX\n---\n', encoding="utf-8")
    checked = run_fiches("check", "--content", str(mini_copy))
    path.unlink()
    created = run_fiches("new", "7.1.1", "Hors plan", "--pilote", "DRX", "--content", str(mini_copy))
    assert checked.returncode == created.returncode == 1
    said = {line.split(" : ", 1)[1] for line in checked.stdout.splitlines() if "7.1.1-hors-plan.md" in line}
    told = {line.split(" : ", 1)[1] for line in created.stderr.splitlines() if line.startswith("fiches/")}
    assert (
        said
        == told
        == {
            "l'objectif 7.1 n'existe pas dans plan.yml ; objectifs existants : 1.1, 1.10, 2.1",
            "« DRX » n'est pas un code de direction de plan.yml ; codes possibles : DRH, DSI (vouliez-vous dire "
            "« DRH » ?)",
        }
    )


def test_check_and_import_say_the_same_of_an_unknown_pilote_and_elu(mini_copy: Path, tmp_path: Path) -> None:
    path = mini_copy / "fiches" / "2.1.5-action.md"
    path.write_text(
        '---\nid: "2.1.5"\ntitre: Une action\nstatut: a_venir\npilote: DRX\nelus: [ADJ-RX]\n---\n', encoding="utf-8"
    )
    checked = run_fiches("check", "--content", str(mini_copy))
    path.unlink()
    rows = tmp_path / "rows.csv"
    rows.write_text("numéro;titre;statut;pilote;élus\n2.1.5;Une action;a_venir;DRX;ADJ-RX\n", encoding="utf-8")
    imported = run_fiches("import", str(rows), "--content", str(mini_copy))
    assert checked.returncode == imported.returncode == 1
    said = {line.split(" : ", 1)[1] for line in checked.stdout.splitlines() if "2.1.5-action.md" in line}
    told = {
        line.split(" : ", 1)[1]
        for line in (imported.stdout + imported.stderr).splitlines()
        if "rows.csv:ligne 2: " in line
    }
    assert said == told and len(said) == 2
    assert not list((mini_copy / "fiches").glob("2.1.5*"))  # the row was refused
