"""Exports (CSV, XLSX, JSON) and their round trips through `fiches import`; import errors row by row."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import jsonschema
import openpyxl
import pytest

from builder.content.model import Fiche, Plan
from builder.outputs.data.export import FICHE_COLUMNS, json_schema, to_csv, to_json, to_xlsx
from builder.project import load_projet
from tests.conftest import DEMO, FIXTURES, MINI, ROOT, run_fiches


def _dump(root: Path) -> dict[str, dict]:
    projet = load_projet(root, history=False, bilan=False)
    return {f.id: {**f.model_dump(mode="json"), "body": f.body} for f in projet.fiches}


def _plan_only(source: Path, target: Path) -> Path:
    (target / "fiches").mkdir(parents=True)
    shutil.copy(source / "plan.yml", target / "plan.yml")
    return target


@pytest.fixture(params=["mini", "demo"])
def plan_root(request: pytest.FixtureRequest) -> Path:
    root = MINI if request.param == "mini" else DEMO
    return root


def test_csv_open_data_and_excel_flavours() -> None:
    projet = load_projet(MINI, history=False, bilan=False)
    rows = list(csv.DictReader(io.StringIO(to_csv(projet).decode("utf-8"))))
    assert list(rows[0]) == [h for h, _ in FICHE_COLUMNS]
    assert [r["numéro"] for r in rows] == ["1.1.1", "1.10.1", "2.1.1"]
    livret = rows[0]
    assert (
        livret["statut"],
        livret["début"],
        livret["fin"],
        livret["etp"],
        livret["en retard"],
        livret["intitulé de l'objectif"],
    ) == ("en_cours", "2024-09", "2025-03", "0.3", "oui", "Mieux accueillir")
    excel = to_csv(projet, excel=True)
    assert excel.startswith(b"\xef\xbb\xbf")
    rows_excel = list(csv.DictReader(io.StringIO(excel.decode("utf-8-sig")), delimiter=";"))
    assert rows_excel[0]["etp"] == "0,3" and rows_excel[0]["budget"] == "4500"


def test_xlsx_sheets(tmp_path: Path) -> None:
    target = tmp_path / "fiches.xlsx"
    assert run_fiches("export", "--content", str(MINI), "--format", "xlsx", "-o", str(target)).returncode == 0
    workbook = openpyxl.load_workbook(target)
    assert workbook.sheetnames == ["fiches", "jalons", "indicateurs", "mesures", "suivi", "financements"]
    mesures = list(workbook["mesures"].iter_rows(values_only=True))
    assert mesures == [
        ("fiche", "indicateur", "date", "valeur", "unité"),
        ("1.1.1", "Livrets remis", "2025-01", 40, "livrets"),
        ("1.1.1", "Livrets remis", "2025-05", 85, "livrets"),
    ]
    assert workbook["jalons"].max_row == 3 and workbook["fiches"].max_row == 4


def test_json_matches_its_schema_and_gives_back_the_models(plan_root: Path) -> None:
    projet = load_projet(plan_root, history=False, bilan=False)
    data = json.loads(to_json(projet))
    jsonschema.validate(data, json.loads(json_schema()))
    assert Plan.model_validate(data["plan"]) == projet.plan
    computed = {"description", "axe", "objectif", "progression", "en_retard", "derniere_mise_a_jour"}
    for item, fiche in zip(data["fiches"], projet.fiches, strict=True):
        again = Fiche.model_validate({k: v for k, v in item.items() if k not in computed})
        assert again.model_dump() == fiche.model_dump() and item["description"] == fiche.body.strip("\n")


def test_xlsx_round_trip_gives_back_equal_fiches(plan_root: Path, tmp_path: Path) -> None:
    export = tmp_path / "fiches.xlsx"
    assert run_fiches("export", "--content", str(plan_root), "--format", "xlsx", "-o", str(export)).returncode == 0
    target = _plan_only(plan_root, tmp_path / "content")
    result = run_fiches("import", str(export), "--content", str(target))
    assert result.returncode == 0, result.stdout + result.stderr
    assert _dump(target) == _dump(plan_root)


@pytest.mark.parametrize("fmt", ["csv", "csv-excel"])
def test_csv_round_trip_gives_back_the_row_fields(fmt: str, tmp_path: Path) -> None:
    export = tmp_path / "fiches.csv"
    assert run_fiches("export", "--content", str(MINI), "--format", fmt, "-o", str(export)).returncode == 0
    target = _plan_only(MINI, tmp_path / "content")
    assert run_fiches("import", str(export), "--content", str(target)).returncode == 0
    sheets_only = ("jalons", "indicateurs", "suivi")
    expected = {k: {f: v for f, v in d.items() if f not in sheets_only} for k, d in _dump(MINI).items()}
    got = {k: {f: v for f, v in d.items() if f not in sheets_only} for k, d in _dump(target).items()}
    assert got == expected


def test_import_creates_missing_axes_and_objectifs(tmp_path: Path) -> None:
    export = tmp_path / "fiches.xlsx"
    run_fiches("export", "--content", str(MINI), "--format", "xlsx", "-o", str(export))
    target = _plan_only(MINI, tmp_path / "content")
    plan = (target / "plan.yml").read_text(encoding="utf-8")
    (target / "plan.yml").write_text(
        plan.split("  - numero: 2\n")[0].replace(
            "      - numero: 1.10\n        titre: Former tout au long de la carrière\n", ""
        ),
        encoding="utf-8",
    )
    result = run_fiches("import", str(export), "--content", str(target))
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip().endswith("plan.yml complété : axe 2, objectif 1.10, objectif 2.1")
    projet = load_projet(target, history=False, bilan=False)
    assert [(o.numero, o.titre) for a in projet.plan.axes for o in a.objectifs] == [
        ("1.1", "Mieux accueillir"),
        ("1.10", "Former tout au long de la carrière"),
        ("2.1", "Dématérialiser"),
    ]
    assert projet.axes["2"].titre == "Simplifier" and len(projet.fiches) == 3


EXPECTED_ERRORS = """\
lignes_bonnes_et_mauvaises.csv:ligne 3: statut : « en-cour » n'est pas un statut connu ; valeurs possibles : \
a_venir, en_cours, realisee, en_pause, bloquee, abandonnee (vouliez-vous dire « en_cours » ?)
lignes_bonnes_et_mauvaises.csv:ligne 4: pilote : « DAF » n'est pas un code de direction de plan.yml ; \
codes possibles : DRH, DSI
lignes_bonnes_et_mauvaises.csv:ligne 5: intitulé de l'objectif : l'objectif 3.1 n'existe pas dans plan.yml ; \
indiquez son intitulé dans cette colonne pour le créer
lignes_bonnes_et_mauvaises.csv:ligne 6: numéro : numéro 2.1.2 en double (déjà ligne 2)
lignes_bonnes_et_mauvaises.csv:ligne 7: liens : la fiche « 2.1.3 » n'existe pas (ni dans le contenu, ni parmi \
les lignes valides)
lignes_bonnes_et_mauvaises.csv:ligne 9: numéro : la fiche 2.1.1 existe déjà (fiches/2.1.1-parapheur.md) ; \
ajoutez --force pour la remplacer
lignes_bonnes_et_mauvaises.csv:ligne 10: fin : date impossible : « 2026-06-31 » (ce jour n'existe pas)
lignes_bonnes_et_mauvaises.csv:ligne 12: fin : la fin (2025-01) est avant le début (2026-05)
3 fiches importées sur 11 lignes, 8 lignes refusées ; plan.yml complété : objectif 2.2
"""


def test_import_good_and_bad_rows(mini_copy: Path) -> None:
    source = FIXTURES / "import" / "lignes_bonnes_et_mauvaises.csv"
    before = {p.name for p in (mini_copy / "fiches").iterdir()}
    result = run_fiches(
        "import", str(source), "--content", "content", cwd=mini_copy.parent, env={"PYTHONPATH": str(ROOT)}
    )
    assert result.returncode == 1
    created = sorted({p.name for p in (mini_copy / "fiches").iterdir()} - before)
    assert created == ["1.10.2-tutorat-nouveaux.md", "2.1.2-signer-courriers-ligne.md", "2.2.1-nouvel-objectif.md"]
    assert result.stdout.splitlines()[:3] == [
        f"Fiche créée : content/fiches/{name}"
        for name in ["2.1.2-signer-courriers-ligne.md", "1.10.2-tutorat-nouveaux.md", "2.2.1-nouvel-objectif.md"]
    ]
    assert "\n".join(result.stdout.splitlines()[3:]) + "\n" == EXPECTED_ERRORS.replace(
        "(fiches/2.1.1", "(content/fiches/2.1.1"
    )
    assert (mini_copy / "fiches" / "2.1.2-signer-courriers-ligne.md").read_text(encoding="utf-8") == (
        "---\nid: 2.1.2\ntitre: Signer les courriers en ligne\nstatut: en_cours\npilote: DSI\n"
        "calendrier:\n  debut: 2025-01\n  fin: 2025-12-31\n---\n\n"
    )
    assert run_fiches("check", "--content", str(mini_copy)).returncode == 0


def test_import_replaces_only_with_force(mini_copy: Path, tmp_path: Path) -> None:
    source = tmp_path / "une.csv"
    source.write_text("numéro,titre,statut,pilote\n2.1.1,Parapheur pour tous,en_cours,DSI\n", encoding="utf-8")
    old = (mini_copy / "fiches" / "2.1.1-parapheur.md").read_text(encoding="utf-8")
    assert run_fiches("import", str(source), "--content", str(mini_copy)).returncode == 1
    assert (mini_copy / "fiches" / "2.1.1-parapheur.md").read_text(encoding="utf-8") == old
    result = run_fiches("import", str(source), "--content", str(mini_copy), "--force")
    assert result.returncode == 0 and "Fiche remplacée" in result.stdout
    assert not (mini_copy / "fiches" / "2.1.1-parapheur.md").exists()
    assert load_projet(mini_copy, history=False, bilan=False).by_id["2.1.1"].titre == "Parapheur pour tous"


def test_import_unknown_column_creates_nothing(mini_copy: Path, tmp_path: Path) -> None:
    source = tmp_path / "faute.csv"
    source.write_text("numéro,titre,statu,pilote\n2.1.5,Une action,en_cours,DSI\n", encoding="utf-8")
    result = run_fiches("import", str(source), "--content", str(mini_copy))
    assert result.returncode == 1
    assert result.stdout.splitlines()[0].startswith(
        "faute.csv:ligne 1: statu : colonne inconnue (vouliez-vous dire « statut » ?)"
    )
    assert not list((mini_copy / "fiches").glob("2.1.5*"))


def test_import_files_it_cannot_read_are_french_messages(mini_copy: Path, tmp_path: Path) -> None:
    xlsx = tmp_path / "fiches.xlsx"
    to_xlsx(load_projet(MINI, history=False, bilan=False), xlsx)
    cases = {
        "zip.csv": (xlsx.read_bytes(), "ce fichier est un classeur, pas un CSV"),
        "texte.xlsx": (b"numero,titre\n", "ce n'est pas un classeur Excel .xlsx lisible"),
        "binaire.csv": (
            "numéro,titre\n2.1.5,A\x8f\n".encode("latin-1"),
            "binaire.csv:ligne 2 : encodage non reconnu (octet 0x8f)",
        ),
    }
    for name, (data, message) in cases.items():
        (tmp_path / name).write_bytes(data)
        result = run_fiches("import", str(tmp_path / name), "--content", str(mini_copy))
        assert result.returncode == 1 and message in result.stderr, name
        assert "Traceback" not in result.stdout + result.stderr, name
    header = tmp_path / "entete.csv"
    header.write_text("numro,titre\n2.1.5,A\n2.1.6,B\n", encoding="utf-8")
    result = run_fiches("import", str(header), "--content", str(mini_copy))
    assert result.returncode == 1 and result.stdout.splitlines()[-1].startswith(
        "Aucune fiche importée (2 lignes en attente) : corrigez d'abord la première ligne"
    )
    assert sorted(p.name for p in (mini_copy / "fiches").iterdir()) == sorted(
        p.name for p in (MINI / "fiches").iterdir()
    )


def test_the_export_command_gives_the_files_the_build_publishes(tmp_path: Path) -> None:
    """`fiches export` and `fiches build` read the same plan with the same settings: byte-identical files."""
    shutil.copytree(MINI, tmp_path / "content")
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: Export\nsite_url: https://intranet.export.example/plan/\n", encoding="utf-8"
    )
    built = run_fiches("build", "--only", "site", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    downloads = tmp_path / "site" / "telechargements"
    for fmt, name in (
        ("json", "plan.json"),
        ("csv", "fiches.csv"),
        ("csv-excel", "fiches-excel.csv"),
        ("ics", "jalons.ics"),
    ):
        exported = run_fiches("export", "--format", fmt, "-o", str(tmp_path / name), cwd=tmp_path)
        assert exported.returncode == 0, exported.stderr
        assert (tmp_path / name).read_bytes() == (downloads / name).read_bytes(), name
    assert b"https://intranet.export.example/plan/fiches/" in (downloads / "jalons.ics").read_bytes()
