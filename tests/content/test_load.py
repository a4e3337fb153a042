"""Loading: encodings, line endings, number text, dates, booleans, lateness, YAML refused in French, files that
are not fiches, and a round trip of random fiches."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from builder.content.load import load_content, parse_fiche, parse_yaml
from builder.content.model import Fiche, PartialDate
from builder.errors import Report
from builder.project import read_projet
from tests.conftest import MINI


def test_mini_plan_loads_with_its_computed_states() -> None:
    report = Report()
    projet = read_projet(MINI, report)
    assert report.errors == [] and projet is not None
    assert [f.id for f in projet.fiches] == ["1.1.1", "1.10.1", "2.1.1"]
    assert "1.10" in projet.objectifs and projet.objectifs["1.10"].titre.startswith("Former")
    livret = projet.by_id["1.1.1"]
    assert livret.prioritaire is True and livret.etp == 0.3  # `oui` and a French decimal comma
    assert livret.en_retard  # fin 2025-03 < date_situation 2025-06-30, en cours
    assert [projet.jalon_en_retard(j) for j in livret.jalons] == [False, True]
    assert str(livret.calendrier.debut) == "2024-09" and livret.calendrier.debut.precision == "month"
    assert projet.by_id["1.10.1"].progression == 100  # default from the statut
    assert projet.citee_par(projet.by_id["1.10.1"]) == [livret]
    assert projet.stats()["en_retard"] == 1


def test_bom_and_windows_line_endings_are_accepted(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    path = content / "fiches" / "2.1.1-parapheur.md"
    original = path.read_text(encoding="utf-8")
    path.write_bytes(b"\xef\xbb\xbf" + original.replace("\n", "\r\n").encode("utf-8"))
    report = Report()
    projet = read_projet(content, report)
    assert report.errors == [] and projet is not None
    assert projet.by_id["2.1.1"].body == original.split("\n---\n", 1)[1].lstrip("\n")


def test_decimal_looking_numbers_keep_their_text() -> None:
    report = Report()
    source = parse_fiche("---\nid: 1.10.2\ntitre: 2024\nreferent: 1.50\nliens: [1.10]\n---\n", "x.md", report)
    assert source is not None and report.errors == []
    assert source.data["id"] == "1.10.2" and source.data["referent"] == "1.50" and source.data["liens"] == ["1.10"]


def test_lines_point_at_keys_and_items() -> None:
    report = Report()
    text = "---\nid: 1.1.1\njalons:\n  - date: 2025\n    libelle: a\n  - date: 2026\n    libelle: b\n---\n# Body\n"
    source = parse_fiche(text, "x.md", report)
    assert source.lines[("jalons",)] == 3
    assert source.lines[("jalons", 1, "libelle")] == 7
    assert source.line(("jalons", 1, "fait")) == 6  # a missing key points at its item
    assert source.body == "# Body\n" and source.body_line == 9


def test_tabs_inside_a_block_or_brackets_are_text_not_indentation() -> None:
    report = Report()
    text = (
        "---\nid: 1.1.1\nresume: |\n  Étapes :\n  \t1. lire\nreferent: |\n  \tCheffe\nthemes: [rh,\n\tformation]\n---\n"
    )
    source = parse_fiche(text, "x.md", report)
    assert report.errors == [] and source is not None
    assert source.data["resume"] == "Étapes :\n\t1. lire\n" and source.data["referent"] == "\tCheffe\n"
    assert source.data["themes"] == ["rh", "formation"] and source.lines[("themes",)] == 8


def test_every_line_indented_with_a_tab_is_reported_and_only_those() -> None:
    report = Report()
    text = "resume: |\n  \tun texte\ncalendrier:\n\tdebut: 2025\n\tfin: 2026\njalons:\n  - date: 2025\n\t  fait: oui\n"
    assert parse_yaml(text, "plan.yml", 0, report) is None
    assert [(p.line, p.field) for p in report.errors] == [(4, None), (5, None), (8, None)]
    assert all("tabulation utilisée pour l'indentation" in p.message for p in report.errors)


# snippet of plan.yml: (line, field, words of the single error)
YAML_PROBLEMS = {
    "titre: a\n---\ntitre: b\n": (2, None, ["« --- » en trop", "un seul document", "l'en-tête d'une fiche"]),
    "titre: a\n...\ntitre: b\n": (3, None, ["texte en trop après la fin du document", "« ... »"]),
    "titre: *foo\n": (1, None, ["colonne 8", "alias « *foo » inconnu", "entre guillemets"]),
    "directions: [{code: DRH},\n  {code: DSI}\nedito: x\n": (3, None, ["« , » ou « ] » attendu", "ouvert ligne 1"]),
    "titre: ]\n": (1, None, ["valeur attendue, trouvé « ] »", "entre guillemets"]),
    "titre: !x!y z\n": (1, None, ["étiquette YAML non acceptée"]),
    "titre: !!bool yes\n": (1, "titre", ["étiquette YAML « !!bool » non acceptée"]),
    "titre: !!null\n": (1, "titre", ["« !!null »"]),
    "edito: !!str {a: b}\n": (1, "edito", ["« !!str »"]),
    "valeurs: !!omap [a: 1]\n": (1, "valeurs", ["« !!omap »"]),
    "x: 1\n!!int 2: deux\n": (2, "2", ["« !!int »", "nom du champ sans étiquette"]),
    "valeurs:\n  ? {a: b}\n  : c\n": (2, "valeurs", ["clé complexe non acceptée"]),
    "a: " + "[" * 2000 + "]" * 2000 + "\n": (1, None, ["imbriquées trop profondément"]),
    "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    + "".join(f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]\n" for p, n in zip("abcdef", "bcdefg", strict=True)): (
        1,
        None,
        ["trop de valeurs", "alias"],
    ),
}


@pytest.mark.parametrize("text", list(YAML_PROBLEMS), ids=range(len(YAML_PROBLEMS)))
def test_yaml_problems_are_one_french_error(text: str) -> None:
    line, field, words = YAML_PROBLEMS[text]
    report = Report()
    parse_yaml(text, "plan.yml", 0, report)
    [problem] = report.errors
    assert (problem.line, problem.field) == (line, field), str(problem)
    for word in words:
        assert word in problem.message, str(problem)


def test_str_tag_and_aliases_are_accepted() -> None:
    report = Report()
    source = parse_yaml("a: !!str 1.10\nb: &l [x, y]\nc: *l\n", "plan.yml", 0, report)
    assert report.errors == [] and source is not None
    assert source.data == {"a": "1.10", "b": ["x", "y"], "c": ["x", "y"]}


def test_a_second_document_in_plan_is_located(mini_copy: Path) -> None:
    plan = mini_copy / "plan.yml"
    lines = plan.read_text(encoding="utf-8").count("\n")
    plan.write_text(plan.read_text(encoding="utf-8") + "---\ntitre: b\n", encoding="utf-8")
    report = Report()
    assert read_projet(mini_copy, report) is None
    [problem] = report.errors
    assert problem.path.endswith("plan.yml") and problem.line == lines + 1
    assert "un seul document" in problem.message and "but found" not in problem.message


def test_files_that_are_not_fiches_are_warned_and_skipped(mini_copy: Path) -> None:
    fiches = mini_copy / "fiches"
    text = (fiches / "2.1.1-parapheur.md").read_text(encoding="utf-8").replace("2.1.1", "2.1.2")
    for name in ("2.1.2-x.MD", "2.1.3-y.markdown", "notes.txt", "2.1.1-parapheur.md~"):
        (fiches / name).write_text(text, encoding="utf-8")
    (fiches / "README.md").write_text("# Les fiches\n\nUne fiche par fichier.\n", encoding="utf-8")
    (fiches / "archives").mkdir()
    (fiches / ".gitkeep").write_text("", encoding="utf-8")
    (fiches / ".2.1.1-parapheur.md.swp").write_text("x", encoding="utf-8")
    report = Report()
    projet = read_projet(mini_copy, report)
    assert report.errors == [] and projet is not None and len(projet.fiches) == 3
    found = {Path(p.path).name: p.message for p in report.warnings if "/fiches/" in p.path}
    assert set(found) == {"2.1.2-x.MD", "2.1.3-y.markdown", "notes.txt", "2.1.1-parapheur.md~", "README.md", "archives"}
    assert found["2.1.2-x.MD"] == (
        "fichier ignoré : seules les fiches en .md de ce dossier sont lues "
        "(renommez-le en 2.1.2-x.md si c'est une fiche)"
    )
    assert "renommez-le en 2.1.3-y.md" in found["2.1.3-y.markdown"] and "notes.md" in found["notes.txt"]
    assert "renommez" not in found["2.1.1-parapheur.md~"]  # 2.1.1-parapheur.md is already there
    assert "ce n'est pas une fiche" in found["README.md"] and "sous-dossiers" in found["archives"]
    assert all(p.line is None and p.field is None for p in report.warnings)


def test_a_missing_fiches_folder_is_a_warning(mini_copy: Path) -> None:
    shutil.rmtree(mini_copy / "fiches")
    report = Report()
    load_content(mini_copy, report)
    [warning] = report.warnings
    assert report.errors == [] and warning.path.endswith("fiches")
    assert warning.message == "dossier fiches/ introuvable : aucune fiche-action n'est lue"


def test_partial_dates_keep_precision_and_bound_periods() -> None:
    assert PartialDate.parse("2025").last_day() == dt.date(2025, 12, 31)
    assert PartialDate.parse("2024-02").last_day() == dt.date(2024, 2, 29)
    assert PartialDate.parse("2025-03-15").first_day() == dt.date(2025, 3, 15)
    assert PartialDate.parse("2025-03") < PartialDate.parse("2025-03-01")


# --- property: random valid fiches load back equal -------------------------------------------------

text = (
    st.text(
        alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "Zs"), exclude_characters="\x85"),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(bool)
)
dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 12, 31)).flatmap(
    lambda d: st.sampled_from([f"{d.year}", f"{d:%Y-%m}", f"{d:%Y-%m-%d}"])
)
numbers = st.one_of(st.integers(-10_000, 10_000), st.floats(-1e6, 1e6, allow_nan=False).map(lambda f: round(f, 3)))
fiche_data = st.fixed_dictionaries(
    {
        "id": st.sampled_from(["1.1.5", "1.10.7", "2.1.12"]),
        "titre": text,
        "statut": st.sampled_from(["a_venir", "en_cours", "realisee", "en_pause", "bloquee", "abandonnee"]),
        "pilote": st.sampled_from(["DRH", "DSI"]),
    },
    optional={
        "resume": text,
        "avancement": st.integers(0, 100),
        "prioritaire": st.booleans(),
        "contributeurs": st.lists(st.sampled_from(["DRH", "DSI"]), max_size=2),
        "referent": text,
        "collectivites": st.lists(st.sampled_from(["VILLE", "CCAS"]), max_size=2),
        "jalons": st.lists(st.fixed_dictionaries({"date": dates, "libelle": text, "fait": st.booleans()}), max_size=3),
        "indicateurs": st.lists(
            st.fixed_dictionaries(
                {"nom": text, "type": st.sampled_from(["activite", "impact", "ressources"])},
                optional={
                    "unite": text,
                    "cible": numbers,
                    "valeur_initiale": numbers,
                    "mesures": st.lists(st.fixed_dictionaries({"date": dates, "valeur": numbers}), max_size=3),
                },
            ),
            max_size=2,
        ),
        "budget": st.integers(0, 10**7),
        "etp": st.floats(0, 50, allow_nan=False).map(lambda f: round(f, 2)),
        "themes": st.lists(text, max_size=3),
        "suivi": st.lists(st.fixed_dictionaries({"date": dates, "texte": text}), max_size=3),
    },
)


@settings(max_examples=150, deadline=None)
# control characters other than tab and newline are refused in bodies (tests/content/test_load_control_characters.py)
@given(
    data=fiche_data,
    body=st.text(
        st.characters(codec="utf-8", exclude_categories=("Cc", "Cs"), include_characters="\n\t\r"), max_size=200
    ),
)
def test_random_valid_fiches_load_back_equal(data: dict, body: str) -> None:
    front = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    with tempfile.TemporaryDirectory() as tmp:
        content = Path(tmp) / "content"
        shutil.copytree(MINI, content)
        for old in (content / "fiches").glob("*.md"):
            old.unlink()
        path = content / "fiches" / f"{data['id']}-x.md"
        path.write_bytes(f"---\n{front}---\n{body}".encode())
        report = Report()
        projet = read_projet(content, report)
    assert report.errors == [], [str(p) for p in report.errors]
    [loaded] = projet.fiches
    assert loaded.model_dump() == Fiche.model_validate(data).model_dump()
    assert loaded.body.strip("\n") == body.replace("\r\n", "\n").replace("\r", "\n").strip("\n")


def test_a_header_line_may_carry_a_comment() -> None:
    report = Report()
    source = parse_fiche("--- # en-tête\nid: 1.1.1\ntitre: X\n--- # fin de l'en-tête\n\nTexte.\n", "x.md", report)
    assert report.errors == [] and source is not None
    assert source.data == {"id": "1.1.1", "titre": "X"} and source.body == "Texte.\n" and source.body_line == 6
