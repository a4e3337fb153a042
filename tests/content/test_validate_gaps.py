"""Validation gaps (issue 11): ids in ASCII digits without leading zero, codes unique whatever their case, an
absurdly long id refused in French by `check` and by `fiches new`, which also refuses an id ending in a newline
(in a fiche, `check` strips the spaces around every text, the id's included, as it always did)."""

from __future__ import annotations

from pathlib import Path

from tests.safety import inline, mini, tree

ID_HINT = "attendu : un numéro de la forme N.M.K (ex. 2.3.1), en chiffres 0 à 9, sans zéro en tête"
NEW_HINT = (
    "attendu un numéro de la forme N.M.K, en chiffres, sans zéro en tête ni espace ou retour à la ligne (ex. 2.3.1)"
)


def _fiche(content: Path, name: str, fiche_id: str) -> None:
    (content / "fiches" / name).write_text(
        f'---\nid: "{fiche_id}"\ntitre: Une action\nstatut: a_venir\npilote: DRH\n---\n', encoding="utf-8"
    )


def test_ids_and_codes_that_look_alike_are_refused(tmp_path: Path) -> None:
    content = mini(tmp_path)
    _fiche(content, "1.1.01-zero-en-tete.md", "1.1.01")
    _fiche(content, "1.1.1-chiffre-arabe-indien.md", "1.1.\u0661")
    _fiche(content, "2.1.2-numero-immense.md", "2.1." + "1" * 5000)
    plan = content / "plan.yml"
    plan.write_text(
        plan.read_text(encoding="utf-8").replace(
            "collectivites:\n", "  - code: drh\n    nom: Direction en double\ncollectivites:\n", 1
        ),
        encoding="utf-8",
    )
    before = tree(tmp_path)
    code, out, err = inline("check", "--content", "content", cwd=tmp_path)
    assert (code, err) == (1, "")
    assert out.splitlines() == [
        f"content/fiches/1.1.01-zero-en-tete.md:2: id : « 1.1.01 » : {ID_HINT}",
        f"content/fiches/1.1.1-chiffre-arabe-indien.md:2: id : « 1.1.\u0661 » : {ID_HINT}",
        f"content/fiches/2.1.2-numero-immense.md:2: id : « 2.1.{'1' * 56}… » : {ID_HINT}",
        "content/plan.yml:11: directions[3].code : code de direction « drh » en double (déjà ligne 7 : « DRH », "
        "les majuscules ne comptent pas)",
        "6 fiches, 4 erreurs, 0 avertissement",
    ]
    assert tree(tmp_path) == before


def test_new_refuses_ids_check_would_refuse(tmp_path: Path) -> None:
    mini(tmp_path)
    before = tree(tmp_path)
    for fiche_id, shown in (
        ("1.1.4\n", "1.1.4\\n"),
        ("1.1.04", "1.1.04"),
        ("1.1.\u0664", "1.1.\u0664"),
        ("1.1." + "4" * 5000, "1.1." + "4" * 36 + "…"),
    ):
        code, out, err = inline("new", "--content", "content", fiche_id, "Une action", cwd=tmp_path)
        assert (code, out) == (1, ""), fiche_id
        assert err.splitlines() == [
            f"fiches/{shown}: id : « {shown} » : {NEW_HINT}",
            "1 erreur dans le contenu : rien n'a été produit.",
        ]
    assert tree(tmp_path) == before
