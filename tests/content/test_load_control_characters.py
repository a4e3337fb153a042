"""Control characters (issue 11): one rule refuses C0 and C1 controls other than tab and newline in every value of
the front matter, of plan.yml and in the bodies, even written as YAML escapes (`"\\0"`, `"\\x01"`, `"\\r"`), with
file, line and field. Tab and newline stay allowed."""

from __future__ import annotations

from pathlib import Path

from tests.safety import inline, mini, replace_in, tree

HINT = "supprimez-le (il vient souvent d'un copier-coller)"


def _fiche(content: Path, name: str, extra: str, body: str = "Texte.\n") -> None:
    """A valid fiche whose line 6 is `extra`."""
    number = name.split("-", 1)[0]
    (content / "fiches" / name).write_text(
        f"---\nid: {number}\ntitre: Une action\nstatut: a_venir\npilote: DRH\n{extra}\n---\n\n{body}", encoding="utf-8"
    )


def test_controls_are_refused_with_file_line_and_field(tmp_path: Path) -> None:
    content = mini(tmp_path)
    _fiche(content, "1.1.2-nul-echappe.md", 'resume: "avant\\0après"')
    _fiche(content, "1.1.3-x01-dans-un-jalon.md", 'jalons:\n  - date: 2025-01\n    libelle: "a\\x01b"')
    _fiche(content, "1.1.4-retour-chariot.md", 'referent: "Cheffe\\rSUMMARY:faux"')
    _fiche(content, "1.1.5-c1-csi.md", 'themes: [accueil, "\\u009b2J"]')
    _fiche(content, "1.1.6-echap-ansi.md", 'resume: "\\e[2K\\e[1A0 erreur"')
    _fiche(content, "1.1.7-sonnerie-dans-le-texte.md", "resume: Un résumé.", body="## Contexte\n\nUn\x07 bip.\n")
    _fiche(content, "1.1.8-tabulation-et-saut.md", 'resume: "une\\tcolonne\\nune ligne"', body="a\tb\n")
    replace_in(
        content / "plan.yml", "nom: Direction des systèmes d'information", 'nom: "Direction\\x1b]8;;http://x\\x07"'
    )
    before = tree(tmp_path)
    code, out, err = inline("check", "--content", "content", cwd=tmp_path)
    assert (code, err) == (1, "")
    assert out.splitlines() == [
        f"content/fiches/1.1.2-nul-echappe.md:6: resume : caractère de contrôle interdit (U+0000) : {HINT}",
        f"content/fiches/1.1.3-x01-dans-un-jalon.md:8: jalons[1].libelle : caractère de contrôle interdit "
        f"(U+0001) : {HINT}",
        f"content/fiches/1.1.4-retour-chariot.md:6: referent : caractère de contrôle interdit (U+000D) : {HINT}",
        f"content/fiches/1.1.5-c1-csi.md:6: themes[2] : caractère de contrôle interdit (U+009B) : {HINT}",
        f"content/fiches/1.1.6-echap-ansi.md:6: resume : caractère de contrôle interdit (U+001B) : {HINT}",
        f"content/fiches/1.1.7-sonnerie-dans-le-texte.md:11: texte de la fiche : caractère de contrôle interdit "
        f"(U+0007) : {HINT}",
        f"content/plan.yml:10: directions[2].nom : caractère de contrôle interdit (U+001B) : {HINT}",
        "10 fiches, 7 erreurs, 0 avertissement",
    ]
    assert tree(tmp_path) == before
