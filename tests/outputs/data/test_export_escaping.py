"""Text that leaves the program: CSV cells a spreadsheet would run, escape sequences a terminal would obey, an
Atom feed that must stay XML, an iCalendar file whose values must not end their line (issue 11, findings 4, 6)."""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import feedparser
import icalendar
import pytest
from lxml import etree

from builder.errors import Problem, shown
from builder.outputs.data.export import cell_text, cell_value, to_csv
from builder.outputs.data.feeds import atom_feed
from builder.outputs.data.feeds import icalendar as ics_text
from builder.project import load_projet
from tests.conftest import MINI, run_fiches

FICHE = "1.1.1-livret-accueil.md"
FORMULAS = {
    "titre": '=HYPERLINK("https://evil.example/","clic")',
    "resume": "+1+cmd|' /C calc'!A0",
    "referent": "@SUM(A1:A9)",
}


def _plan(tmp_path: Path, name: str, replace: dict[str, str]) -> Path:
    """The mini plan with lines of the fiche 1.1.1 replaced (`start of line` → new line)."""
    content = tmp_path / name
    shutil.copytree(MINI, content)
    path = content / "fiches" / FICHE
    lines = path.read_text(encoding="utf-8").split("\n")
    for start, new in replace.items():
        lines = [new if line.startswith(start) else line for line in lines]
    path.write_text("\n".join(lines), encoding="utf-8")
    return content


# --- CSV ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def formules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fiche whose titre, résumé and référent are spreadsheet formulas, and whose text starts with a dash."""
    content = _plan(
        tmp_path_factory.mktemp("formules"),
        "formules",
        {f"{key}:": f"{key}: '{value.replace(chr(39), chr(39) * 2)}'" for key, value in FORMULAS.items()},
    )
    path = content / "fiches" / FICHE
    text = path.read_text(encoding="utf-8")
    head, _, _ = text.rpartition("\n---\n")
    path.write_text(head + "\n---\n- une liste dès la première ligne\n", encoding="utf-8")
    return content


@pytest.mark.parametrize("excel", [False, True], ids=["fiches.csv", "fiches-excel.csv"])
def test_formulas_are_marked_as_text_in_both_csv_dialects(formules: Path, excel: bool) -> None:
    projet = load_projet(formules, history=False, bilan=False)
    data = to_csv(projet, excel=excel).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(data), delimiter=";" if excel else ","))
    row = next(r for r in rows if r["numéro"] == "1.1.1")
    assert row["titre"] == "'" + FORMULAS["titre"]
    assert row["résumé"] == "'" + FORMULAS["resume"]
    assert row["référent"] == "'" + FORMULAS["referent"]
    assert row["description"] == "'- une liste dès la première ligne"
    for r in rows:  # no cell of any row starts a formula
        assert not any(str(v).startswith(("=", "+", "-", "@", "\t", "\r")) for v in r.values()), r
    assert row["budget"] == "4500" and row["avancement"] == "50"  # numbers stay numbers
    assert cell_value(row["titre"]) == FORMULAS["titre"]  # reversible


def test_numbers_are_never_marked_and_the_marking_is_reversible() -> None:
    assert cell_text(-3) == -3 and cell_text(-1.5) == -1.5 and cell_text(0) == 0
    for text in ["=1+1", "-", "@x", "\tx", "\rx", "'=déjà", "texte", "", "1,5"]:
        assert cell_value(cell_text(text)) == text
    assert cell_text("texte") == "texte" and cell_text("'a") == "''a"


@pytest.mark.parametrize("dialect", ["csv", "csv-excel"])
def test_an_exported_csv_imports_back_to_the_same_values(formules: Path, tmp_path: Path, dialect: str) -> None:
    """The marking is undone by `fiches import`: the formulas come back as the texts the editor wrote."""
    exported = tmp_path / "fiches.csv"
    assert run_fiches("export", "--content", str(formules), "--format", dialect, "-o", str(exported)).returncode == 0
    content = tmp_path / "content"
    shutil.copytree(formules, content)
    result = run_fiches("import", str(exported), "--content", str(content), "--force")
    assert result.returncode == 0, result.stderr
    fiche = next(f for f in load_projet(content, history=False, bilan=False).fiches if f.id == "1.1.1")
    assert (fiche.titre, fiche.resume, fiche.referent) == (FORMULAS["titre"], FORMULAS["resume"], FORMULAS["referent"])


# --- the terminal ---------------------------------------------------------------------------------


def test_check_shows_escape_sequences_of_values_and_file_names(tmp_path: Path) -> None:
    """`echappements_terminal`: a pilote code that would erase the line and print in green, a file name with a
    colour sequence: both shown escaped, nothing raw reaches the terminal."""
    content = _plan(tmp_path, "echappements_terminal", {"pilote:": 'pilote: "\\x1b[2K\\r\\x1b[32mDRH"'})
    shutil.copy(content / "fiches" / "2.1.1-parapheur.md", content / "fiches" / "2.1.2-\x1b[31mrouge.md")
    result = run_fiches("check", "--content", str(content))
    output = result.stdout + result.stderr
    assert result.returncode == 1
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", output), repr(output)
    # the value is refused at reading (a control character), and the message does not echo it
    assert f"{content}/fiches/{FICHE}:8: pilote : caractère de contrôle interdit (U+001B)" in result.stdout
    assert f"{content}/fiches/2.1.2-\\x1b[31mrouge.md:2: id : " in result.stdout
    assert "Traceback" not in output and "Erreur interne" not in output


def test_one_function_escapes_every_control_character() -> None:
    assert shown("a\x1b[2Kb\rc\nd\te\u202ef\x85g\x7f") == "a\\x1b[2Kb\\rc\\nd\\te\\u202ef\\x85g\\x7f"
    assert shown("ligne 1\nligne\x1b 2", newlines=True) == "ligne 1\nligne\\x1b 2"
    assert shown("Numéro « 1.1.1 » : déjà\u00a0pris\u202f!") == "Numéro « 1.1.1 » : déjà\u00a0pris\u202f!"
    assert str(Problem("f\r.md", 3, "titre\x1b", "« \x1b[32m »")) == "f\\r.md:3: titre\\x1b : « \\x1b[32m »"


# --- Atom and iCalendar ---------------------------------------------------------------------------

HOSTILE = "avant\x00\x01\x08\x0b\x0c\x1b\x7f\ufffe\uffff après\r\nSTATUS:CANCELLED\rX-INJ:1;a,b\\c"


@pytest.fixture
def hostile_projet():
    """The mini plan with control characters in the texts the feed and the calendar write (validation refuses
    them in content: the writers must hold anyway)."""
    projet = load_projet(MINI, history=False, bilan=False)
    fiche = projet.by_id["1.1.1"]
    hostile = fiche.model_copy(
        update={
            "titre": "Titre " + HOSTILE,
            "suivi": [fiche.suivi[0].model_copy(update={"texte": HOSTILE}), *fiche.suivi[1:]],
            "jalons": [fiche.jalons[0].model_copy(update={"libelle": HOSTILE}), *fiche.jalons[1:]],
        }
    )
    return projet.replace(fiches=[hostile if f is fiche else f for f in projet.fiches])


def test_atom_feed_stays_well_formed_xml(hostile_projet) -> None:
    text = atom_feed(hostile_projet, "https://intranet.example/pa/")
    root = etree.fromstring(text.encode("utf-8"))  # raises on a character XML 1.0 forbids
    feed = feedparser.parse(text)
    assert not feed.bozo, feed.get("bozo_exception")
    titles = [e.title for e in feed.entries]
    # what XML 1.0 allows stays (DEL is allowed), the rest is left out; a parser reads CR LF and CR as LF
    assert "1.1.1 — Titre avant\x7f après\nSTATUS:CANCELLED\nX-INJ:1;a,b\\c" in titles, titles
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"


def test_icalendar_text_is_escaped_per_rfc_5545(hostile_projet) -> None:
    raw = ics_text(hostile_projet, "https://intranet.example/pa/").encode("utf-8")
    assert b"\r" not in raw.replace(b"\r\n", b"") and b"\n" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", raw)
    unfolded = raw.replace(b"\r\n ", b"").decode("utf-8")
    assert "\nSTATUS:" not in unfolded and "\nX-INJ" not in unfolded  # no injected property
    clean = "avant\ufffe\uffff après\r\nSTATUS:CANCELLED\rX-INJ:1;a,b\\c"
    expected = icalendar.prop.vText(clean).to_ical().decode("utf-8")  # the library's own escaping
    assert f"SUMMARY:{expected} (1.1.1)" in unfolded
    calendar = icalendar.Calendar.from_ical(raw)
    summaries = [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")]
    assert "avant\ufffe\uffff après\nSTATUS:CANCELLED\nX-INJ:1;a,b\\c (1.1.1)" in summaries
