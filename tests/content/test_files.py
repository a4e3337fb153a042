"""Reading content (issue 11): only regular files inside content/ are read, within size and nesting limits; each
refused file is a French error naming it, every other fiche is still checked, nothing outside content/ is read
or written. Each case is a small fixture named after it; time-bounded cases run under a timeout."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.safety import fiches, inline, mini, replace_in, tree

OTHER = (
    "content/fiches/2.1.1-parapheur.md:4: statut : « perdu » n'est pas un statut connu ; valeurs possibles : "
    "a_venir, en_cours, realisee, en_pause, bloquee, abandonnee"
)
VALID = """---
id: 1.1.2
titre: Une action partagée
statut: a_venir
pilote: DRH
---

Texte.
"""


def _content(tmp_path: Path) -> Path:
    """The mini plan with one known error in another fiche: its message proves that fiche was still checked."""
    content = tmp_path / "content"
    if not content.exists():
        mini(tmp_path)
        replace_in(content / "fiches" / "2.1.1-parapheur.md", "statut: a_venir", "statut: perdu")
    return content


def _outside(tmp_path: Path) -> Path:
    secret = tmp_path / "secret"
    secret.mkdir(exist_ok=True)
    (secret / "1.1.2.md").write_text(VALID, encoding="utf-8")
    return secret


def fiche_link_leaving_content(tmp_path: Path) -> tuple[Path, str]:
    content = _content(tmp_path)
    target = _outside(tmp_path) / "1.1.2.md"
    (content / "fiches" / "1.1.2-lien-hors-contenu.md").symlink_to(target)
    return content, (
        "content/fiches/1.1.2-lien-hors-contenu.md: lien symbolique vers un fichier hors du dossier du "
        f"contenu ({target}) : il n'est pas lu ; copiez le fichier dans le contenu au lieu d'un lien"
    )


def fiche_link_to_dev_zero(tmp_path: Path) -> tuple[Path, str]:
    content = _content(tmp_path)
    (content / "fiches" / "1.1.5-dev-zero.md").symlink_to("/dev/zero")
    return content, (
        "content/fiches/1.1.5-dev-zero.md: lien symbolique vers un fichier hors du dossier du contenu "
        "(/dev/zero) : il n'est pas lu ; copiez le fichier dans le contenu au lieu d'un lien"
    )


def fiche_fifo(tmp_path: Path) -> tuple[Path, str]:
    content = _content(tmp_path)
    os.mkfifo(content / "fiches" / "1.1.6-tube.md")
    return content, (
        "content/fiches/1.1.6-tube.md: ce n'est pas un fichier ordinaire mais un tube nommé (FIFO) : il n'est pas lu"
    )


def fifo_without_number(tmp_path: Path) -> tuple[Path, str]:  # its header is not even peeked at
    content = _content(tmp_path)
    os.mkfifo(content / "fiches" / "tube-sans-numero.md")
    return content, (
        "content/fiches/tube-sans-numero.md: ce n'est pas un fichier ordinaire mais un tube nommé "
        "(FIFO) : il n'est pas lu"
    )


def fiche_symlink_loop(tmp_path: Path) -> tuple[Path, str]:
    content = _content(tmp_path)
    (content / "fiches" / "1.1.7-boucle.md").symlink_to("1.1.7-boucle.md")
    return content, (
        "content/fiches/1.1.7-boucle.md: lien symbolique en boucle (il renvoie à lui-même) : il n'est "
        "pas lu ; remplacez-le par le fichier lui-même"
    )


def fiche_too_big(tmp_path: Path) -> tuple[Path, str]:
    content = _content(tmp_path)
    (content / "fiches" / "1.1.8-trop-gros.md").write_text(VALID + "x" * (5 * 1024 * 1024), encoding="utf-8")
    return content, (
        "content/fiches/1.1.8-trop-gros.md: fichier trop gros (5,1 Mo, au plus 5 Mo) : il n'est pas lu ; "
        "vérifiez que c'est bien le bon fichier"
    )


def plan_too_big(tmp_path: Path) -> tuple[Path, str]:
    content = _content(tmp_path)
    with (content / "plan.yml").open("a", encoding="utf-8") as plan:
        plan.write("# " + "x" * (21 * 1024 * 1024) + "\n")
    return content, (
        "content/plan.yml: fichier trop gros (21,1 Mo, au plus 20 Mo) : il n'est pas lu ; vérifiez "
        "que c'est bien le bon fichier"
    )


def plan_link_leaving_content(tmp_path: Path) -> tuple[Path, str]:
    content = _content(tmp_path)
    secret = _outside(tmp_path)
    (content / "plan.yml").rename(secret / "plan.yml")
    (content / "plan.yml").symlink_to(secret / "plan.yml")
    return content, (
        "content/plan.yml: lien symbolique vers un fichier hors du dossier du contenu "
        f"({secret / 'plan.yml'}) : il n'est pas lu ; copiez le fichier dans le contenu au lieu d'un lien"
    )


def _fiche(content: Path, name: str, extra: str) -> None:
    """A valid fiche of its own, with `extra` on line 6 (after `pilote`)."""
    number = name.split("-", 1)[0]
    text = VALID.replace("1.1.2", number).replace("pilote: DRH\n", "pilote: DRH\n" + extra)
    (content / "fiches" / name).write_text(text, encoding="utf-8")


def deep_flow_brackets(tmp_path: Path) -> tuple[Path, str]:  # 30,000 nested lists crashed libyaml
    content = _content(tmp_path)
    _fiche(content, "1.1.3-crochets.md", "themes: " + "[\n" * 30_000 + "]" * 30_000 + "\n")
    return content, (
        "content/fiches/1.1.3-crochets.md:70: valeurs imbriquées trop profondément (listes ou blocs "
        "les uns dans les autres) : simplifiez la structure (au plus 64 niveaux)"
    )


def line_too_long(tmp_path: Path) -> tuple[Path, str]:
    content = _content(tmp_path)
    _fiche(content, "1.1.4-ligne-longue.md", "referent: " + "x" * 100_000 + "\n")
    return content, (
        "content/fiches/1.1.4-ligne-longue.md:6: ligne trop longue (100\u202f010 caractères, au plus "
        "100\u202f000) : coupez-la (un long texte s'écrit sur plusieurs lignes après « > »)"
    )


FICHE_CASES = [
    fiche_link_leaving_content,
    fiche_link_to_dev_zero,
    fiche_fifo,
    fifo_without_number,
    fiche_symlink_loop,
    fiche_too_big,
    deep_flow_brackets,
    line_too_long,
]


def test_every_refused_fiche_is_named_and_the_others_are_checked(tmp_path: Path) -> None:
    """All the fiche cases in one content folder (each file named after its case), one `check` under a timeout:
    a FIFO or /dev/zero would hang it, 30,000 brackets crashed libyaml."""
    expected = [case(tmp_path)[1] for case in FICHE_CASES]
    before = tree(tmp_path)
    result = fiches("check", "--content", "content", cwd=tmp_path, timeout=30)
    lines = result.stdout.splitlines()
    assert result.returncode == 1, result.stdout + result.stderr
    assert sorted(expected + [OTHER]) == sorted(lines[:-1]), result.stdout  # every fiche, refused or checked
    assert lines[-1] == "11 fiches, 9 erreurs, 0 avertissement"  # the 3 of the mini plan and the 8 cases
    assert tree(tmp_path) == before


@pytest.mark.parametrize("case", [plan_too_big, plan_link_leaving_content], ids=lambda c: c.__name__)
def test_refused_plan_is_named(tmp_path: Path, case) -> None:  # noqa: ANN001
    _, expected = case(tmp_path)
    before = tree(tmp_path)
    code, out, _ = inline("check", "--content", "content", cwd=tmp_path)
    assert code == 1 and expected in out.splitlines(), out
    assert tree(tmp_path) == before


def test_link_inside_content_is_read(tmp_path: Path) -> None:
    content = mini(tmp_path)
    shared = content / "partage"
    shared.mkdir()
    (shared / "1.1.2.md").write_text(VALID, encoding="utf-8")
    (content / "fiches" / "1.1.2-partagee.md").symlink_to("../partage/1.1.2.md")
    assert inline("check", "--content", "content", cwd=tmp_path) == (0, "4 fiches, 0 erreur, 0 avertissement\n", "")


def test_fiches_folder_linked_outside_is_not_read(tmp_path: Path) -> None:
    content = mini(tmp_path)
    outside = tmp_path / "ailleurs"
    (content / "fiches").rename(outside)
    (content / "fiches").symlink_to(outside)
    before = tree(tmp_path)
    code, out, _ = inline("check", "--content", "content", cwd=tmp_path)
    assert code == 1
    assert (
        "content/fiches: lien symbolique vers un dossier hors du contenu : les fiches n'y sont pas lues ; mettez "
        "les fiches dans le dossier fiches/ du contenu"
    ) in out.splitlines()
    # `fiches new` writes nothing there either
    code, _, err = inline("new", "--content", "content", "1.1.2", "Une action", cwd=tmp_path)
    assert code == 1
    assert (
        "fiches/1.1.2: content/fiches est un lien symbolique vers un dossier hors du contenu : rien n'y est écrit"
    ) in err.splitlines()
    assert tree(tmp_path) == before


def test_yaml_errors_are_all_french_with_their_line() -> None:
    """The problems PyYAML words in English (directives, tags, escapes, block headers…) come out in French."""
    import re

    from builder.content.load import parse_yaml
    from builder.errors import Report

    english = re.compile(r"\b(found|expected|while|could not|did not|scanning|parsing|token|stream)\b")
    for text, words in (
        ('titre: "a\\xZZ"', "code de caractère hexadécimal"),
        ('titre: "\\U0011FFFF"', "code de caractère hexadécimal"),
        ("%YAML 2.0\n---\na: 1", "directives YAML"),
        ("%FOO bar\n---\na: 1", "directives YAML"),
        ("a: !<tag:x b", "étiquette YAML mal formée"),
        ("a: !!", "étiquette YAML mal formée"),
        ("a: |0\n  x", "en-tête de bloc mal formé"),
        ('a: "x" y', "indentation incohérente"),
    ):
        report = Report()
        assert parse_yaml(text, "plan.yml", 0, report) is None
        [problem] = report.errors
        assert problem.line == 1 and words in problem.message and not english.search(problem.message), problem
