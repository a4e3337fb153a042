"""Import (issue 11): all rows written or none, on a write failure or an interrupt, with the row and column named;
never through a symbolic link; size limits on workbooks; a CSV mixing encodings refused at its first bad line."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from tests.conftest import ROOT
from tests.safety import fiches, inline, mini, tree

UNDONE = " ; import annulé, rien n'a été écrit"
HEADER = "numéro;titre;statut;pilote;description"


def _csv(tmp_path: Path, *rows: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "t.csv"
    path.write_text("\n".join((HEADER, *rows)) + "\n", encoding=encoding)
    return path


def _small_files_only() -> None:  # in the child: writing more than 4 KB to one file fails (EFBIG)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))


def test_write_failure_on_a_later_row_writes_nothing(tmp_path: Path) -> None:
    mini(tmp_path)
    _csv(
        tmp_path,
        "1.1.2;Première action;a_venir;DRH;court",
        "1.1.3;Deuxième action;a_venir;DRH;court",
        "1.1.4;Troisième action;a_venir;DRH;" + "long " * 2000,
    )
    before = tree(tmp_path)
    result = fiches("import", "t.csv", "--content", "content", cwd=tmp_path, preexec_fn=_small_files_only)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "Erreur : t.csv:ligne 4: numéro : écriture impossible de "
        "content/fiches/1.1.4-troisieme-action.md : "
        "fichier trop grand (taille maximale des fichiers atteinte)"
        f"{UNDONE}\n"
    )
    assert tree(tmp_path) == before


def test_interrupt_while_writing_leaves_the_content_as_it_was(tmp_path: Path) -> None:
    """Ctrl+C once the first of 1,500 rows is being written (an existing fiche replaced with --force): whether it
    lands while the files are written, put in place or validated, the content is put back as it was."""
    content = mini(tmp_path)
    rows = [f"1.1.{k};Action {k};a_venir;DRH;x" for k in range(2, 1502)]
    _csv(tmp_path, "1.1.1;Créer un livret d'accueil;en_cours;DRH;remplacée", *rows)
    before = tree(tmp_path)
    job = subprocess.Popen(
        [sys.executable, "-m", "builder", "import", "t.csv", "--content", "content", "--force"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    folder = content / "fiches"
    names = set(os.listdir(folder))
    deadline = time.monotonic() + 60
    while set(os.listdir(folder)) == names and time.monotonic() < deadline and job.poll() is None:
        time.sleep(0.005)
    assert job.poll() is None and set(os.listdir(folder)) != names  # a first file is being written
    job.send_signal(signal.SIGINT)
    out, err = job.communicate(timeout=60)
    assert (job.returncode, out, err) == (
        130,
        "",
        "Import interrompu : rien n'a été écrit, le contenu est tel qu'avant.\n",
    )
    assert tree(tmp_path) == before


def test_committed_link_is_not_written_through(tmp_path: Path) -> None:
    content = mini(tmp_path)
    outside = tmp_path / "dehors.md"
    outside.write_text("à garder tel quel\n", encoding="utf-8")
    (content / "fiches" / "1.1.2-premiere-action.md").symlink_to("../../dehors.md")
    _csv(tmp_path, "1.1.3;Deuxième action;a_venir;DRH;x", "1.1.2;Première action;a_venir;DRH;x")
    before = tree(tmp_path)
    code, out, err = inline("import", "t.csv", "--content", "content", "--force", cwd=tmp_path)
    assert (code, out) == (1, "")
    assert err == (
        "Erreur : t.csv:ligne 3: numéro : content/fiches/1.1.2-premiere-action.md est un lien "
        "symbolique : rien n'est écrit à travers lui ; supprimez le lien, ou remplacez-le par un fichier "
        f"ordinaire{UNDONE}\n"
    )
    assert tree(tmp_path) == before


def test_csv_mixing_encodings_is_refused_at_its_first_bad_line(tmp_path: Path) -> None:
    mini(tmp_path)
    path = tmp_path / "t.csv"
    path.write_bytes(
        (HEADER + "\n1.1.2;Accueillir les élus;a_venir;DRH;x\n").encode()
        + "1.1.3;Réunir les équipes;a_venir;DRH;x\n".encode("cp1252")
    )
    before = tree(tmp_path)
    code, out, err = inline("import", "t.csv", "--content", "content", cwd=tmp_path)
    assert (code, out) == (1, "")
    assert err == (
        "Erreur : t.csv:ligne 3 : encodages mélangés : le fichier est en UTF-8, mais cette ligne ne l'est "
        "pas (octet 0xe9, sans doute du Windows-1252 collé d'ailleurs) ; corrigez cette ligne, ou "
        "enregistrez tout le fichier au format « CSV UTF-8 » depuis le tableur\n"
    )
    assert tree(tmp_path) == before
    # a file all in Windows-1252 (Excel's « CSV (séparateur : point-virgule) ») is still read
    path.write_bytes((HEADER + "\n1.1.3;Réunir les équipes;a_venir;DRH;x\n").encode("cp1252"))
    code, out, _ = inline("import", "t.csv", "--content", "content", cwd=tmp_path)
    assert code == 0 and "Réunir les équipes" in (
        tmp_path / "content" / "fiches" / "1.1.3-reunir-equipes.md"
    ).read_text(encoding="utf-8")


def _workbook(path: Path, rows: list[list[str]]) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("fiches")
    for row in rows:
        sheet.append(row)
    book.save(path)


def test_workbook_limits(tmp_path: Path) -> None:
    mini(tmp_path)
    big = tmp_path / "enorme.xlsx"  # 101 MB of XML, a few hundred kilobytes compressed
    with zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            for _ in range(101):
                member.write(b" " * (1024 * 1024))
    _workbook(tmp_path / "lignes.xlsx", [["numéro", "titre"]] + [["1.1.2", "x"]] * 10_001)
    _workbook(tmp_path / "modele.xlsx", [["numéro", "titre"], ["1.1.2", "x"], ["1.1.3", "LONGUE"]])
    with zipfile.ZipFile(tmp_path / "modele.xlsx") as source, zipfile.ZipFile(tmp_path / "cellule.xlsx", "w") as out:
        for info in source.infolist():  # openpyxl cuts what it writes at 32,767 characters: the cell is made by hand
            out.writestr(info, source.read(info).replace(b"LONGUE", b"y" * 40_000))
    (tmp_path / "modele.xlsx").unlink()
    before = tree(tmp_path)
    for name, message in (
        (
            "enorme.xlsx",
            "enorme.xlsx : classeur trop gros une fois décompressé (101 Mo, au plus 100 Mo) ; "
            "importez les fiches en plusieurs fois",
        ),
        ("lignes.xlsx", "lignes.xlsx:fiches : plus de 10\u202f000 lignes ; importez le tableau en plusieurs fois"),
        (
            "cellule.xlsx",
            "cellule.xlsx:fiches:ligne 3 : cellule de la colonne B trop longue (40\u202f000 "
            "caractères, au plus 32\u202f767)",
        ),
    ):
        code, out, err = inline("import", name, "--content", "content", cwd=tmp_path)
        assert (code, out, err) == (1, "", f"Erreur : {message}\n"), name
    assert tree(tmp_path) == before
