"""The `fiches` command line as editors use it: exit codes, messages, `new`, `stats`, `schema`."""

from __future__ import annotations

import json
from pathlib import Path

from builder.content.model import STATUTS
from builder.content.schema import render_schemas
from builder.project import load_projet
from tests.conftest import DEMO, MINI, ROOT, run_fiches


def test_check_ok_prints_a_summary() -> None:
    result = run_fiches("check", "--content", str(MINI))
    assert result.returncode == 0
    assert result.stdout.strip() == "3 fiches, 0 erreur, 0 avertissement"


def test_demo_plan_passes_strict() -> None:
    result = run_fiches("check", "--strict", "--content", str(DEMO))
    assert result.returncode == 0, result.stdout
    count = int(result.stdout.split()[0])
    assert count >= 45 and result.stdout.strip().endswith("0 erreur, 0 avertissement")


def test_usage_errors_exit_2_in_french() -> None:
    result = run_fiches("check", "--contenu", "x")
    assert result.returncode == 2
    assert "erreur" in result.stderr and "arguments inconnus" in result.stderr
    assert run_fiches("voler").returncode == 2


def test_content_errors_have_no_traceback_unless_debug(tmp_path: Path, mini_copy: Path) -> None:
    (mini_copy / "fiches" / "2.1.1-parapheur.md").write_text("---\nid: 2.1.1\n", encoding="utf-8")
    result = run_fiches("stats", "--content", str(mini_copy))
    assert result.returncode == 1
    assert "en-tête non fermé" in result.stderr and "Traceback" not in result.stdout + result.stderr
    for debug in (
        run_fiches("--debug", "stats", "--content", str(mini_copy)),
        run_fiches("stats", "--debug", "--content", str(mini_copy)),
    ):  # before or after the command
        assert "Traceback" in debug.stderr


def test_an_internal_error_is_one_french_line(monkeypatch, capsys) -> None:
    from builder import cli

    def broken(args):
        raise KeyError("axe")  # stands for a bug of fiches, whatever the content

    monkeypatch.setattr(cli, "cmd_stats", broken)
    assert cli.main(["stats", "--content", str(MINI)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Erreur interne de fiches (KeyError") and "relancez la commande avec --debug" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert cli.main(["stats", "--debug", "--content", str(MINI)]) == 1
    assert "Traceback" in capsys.readouterr().err


def test_stats_table() -> None:
    result = run_fiches("stats", "--content", str(MINI))
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["À", "En", "En", "En"]
    assert lines[1].split() == [
        "Axe",
        "venir",
        "cours",
        "Réalisée",
        "pause",
        "Bloquée",
        "Abandonnée",
        "Total",
        "Prioritaires",
        "retard",
        "Avancement",
    ]
    assert any(line.startswith("1. Prendre soin des agents ") for line in lines)
    assert "Prioritaires : 1" in lines and "En retard : 1 (1.1.1)" in lines


def test_stats_per_axe_match_the_models() -> None:
    """Each axe's row (and the total row) gives its counts by statut, prioritaires, en retard and avancement."""
    for content in (MINI, DEMO):
        projet = load_projet(content, history=False, bilan=False)
        result = run_fiches("stats", "--content", str(content))
        assert result.returncode == 0, result.stdout + result.stderr
        lines = result.stdout.splitlines()
        rows = {line.split(".", 1)[0]: line for line in lines if line[:1].isdigit()}
        rows["Total"] = next(line for line in lines if line.startswith("Total"))
        groups = {a.numero: projet.fiches_of_axe(a.numero) for a in projet.plan.axes}
        groups["Total"] = projet.fiches
        assert rows.keys() == groups.keys()
        for key, fiches in groups.items():
            expected = [sum(1 for f in fiches if f.statut == code) for code in STATUTS] + [
                len(fiches),
                sum(1 for f in fiches if f.prioritaire),
                sum(1 for f in fiches if f.en_retard),
                projet.progress(fiches),
            ]
            figures = [int(cell) for cell in rows[key].removesuffix(" %").split()[-len(expected) :]]
            assert figures == expected, rows[key]


def test_new_creates_a_valid_fiche_and_refuses_duplicates(mini_copy: Path) -> None:
    result = run_fiches(
        "new", "1.10.2", "Créer une école interne des managers", "--pilote", "DSI", "--content", str(mini_copy)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    path = mini_copy / "fiches" / "1.10.2-creer-ecole-interne-managers.md"
    assert path.is_file()
    check = run_fiches("check", "--strict", "--content", str(mini_copy))
    assert check.returncode == 0, check.stdout
    assert check.stdout.strip() == "4 fiches, 0 erreur, 0 avertissement"
    again = run_fiches("new", "1.10.2", "Autre", "--content", str(mini_copy))
    assert again.returncode == 1 and "existe déjà" in again.stderr
    unknown = run_fiches("new", "7.1.1", "Hors plan", "--content", str(mini_copy))
    assert unknown.returncode == 1 and "l'objectif 7.1 n'existe pas" in unknown.stderr
    bad_pilote = run_fiches("new", "2.1.2", "X", "--pilote", "NOPE", "--content", str(mini_copy))
    assert bad_pilote.returncode == 1 and "« NOPE »" in bad_pilote.stderr


def test_committed_schemas_are_up_to_date() -> None:
    for name, text in render_schemas().items():
        committed = (ROOT / "schema" / name).read_text(encoding="utf-8")
        assert committed == text, f"schema/{name} est périmé : lancez « fiches schema »"


def test_schemas_are_draft_07_with_french_descriptions() -> None:
    schema = json.loads(render_schemas()["fiche.schema.json"])
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert "$defs" not in json.dumps(schema) and "definitions" in schema
    assert schema["additionalProperties"] is False
    assert schema["properties"]["statut"]["enum"][:2] == ["a_venir", "en_cours"]
    for name, prop in schema["properties"].items():
        assert prop.get("description"), name


def test_schema_accepts_valid_front_matter_and_rejects_typos() -> None:
    """The committed schemas, read by a standard draft-07 validator as editors' YAML tooling would."""
    import jsonschema
    import yaml

    class Yaml12(yaml.SafeLoader):  # editors' tooling reads YAML 1.2: dates stay text
        yaml_implicit_resolvers = {
            k: [r for r in v if r[0] != "tag:yaml.org,2002:timestamp"]
            for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
        }

    fiche_schema = json.loads((ROOT / "schema" / "fiche.schema.json").read_text(encoding="utf-8"))
    plan_schema = json.loads((ROOT / "schema" / "plan.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(fiche_schema)
    validator = jsonschema.Draft7Validator(fiche_schema)
    for path in sorted((MINI / "fiches").glob("*.md")) + sorted((DEMO / "fiches").glob("*.md"))[:20]:
        front = path.read_text(encoding="utf-8").split("\n---\n", 1)[0].removeprefix("---\n")
        data = yaml.load(front, Loader=Yaml12)
        assert list(validator.iter_errors(data)) == [], path
    plan = yaml.load((MINI / "plan.yml").read_text(encoding="utf-8"), Loader=Yaml12)
    assert list(jsonschema.Draft7Validator(plan_schema).iter_errors(plan)) == []
    errors = list(
        validator.iter_errors({"id": "1.1.1", "titre": "x", "statut": "en-cour", "pilote": "DRH", "pilot": "DRH"})
    )
    assert {e.validator for e in errors} == {"enum", "additionalProperties"}


def test_an_output_that_cannot_be_written_is_a_french_message(tmp_path: Path) -> None:
    missing = tmp_path / "absent"
    for args in (
        ["bilan", "-o", str(missing / "bilan.md")],
        ["bilan", "-o", str(tmp_path)],
        ["export", "--format", "csv", "-o", str(missing / "fiches.csv")],
        ["export", "--format", "xlsx", "-o", str(missing / "fiches.xlsx")],
        ["pdf", "brochure", "-o", str(missing / "brochure.pdf")],
    ):
        result = run_fiches(*args, "--content", str(MINI))
        assert result.returncode == 1, args
        assert "Traceback" not in result.stdout + result.stderr, args
        assert result.stderr.startswith("Erreur : ") and str(tmp_path) in result.stderr, args
        assert "introuvable" in result.stderr or "dossier" in result.stderr, args
    assert not missing.exists()


def test_new_reports_a_malformed_plan_like_check(mini_copy: Path) -> None:
    plan = mini_copy / "plan.yml"
    original = plan.read_text(encoding="utf-8")
    cases = {
        "- un\n- deux\n": "plan.yml:1: le contenu doit être une série de champs",
        original.replace("directions:\n", "directions: DRH\nanciennes_directions:\n"): "directions : attendu une liste",
        original.replace("axes:\n", "axes: [1, {numero: 3}]\nanciens_axes:\n"): "axes[1] : attendu une série de champs",
        original.replace(
            "objectifs:\n      - numero: 2.1", "objectifs: 2.1\n    anciens:\n      - numero: 2.1"
        ): "axes[2].objectifs : attendu une liste",
    }
    for text, message in cases.items():
        plan.write_text(text, encoding="utf-8")
        check = run_fiches("check", "--content", str(mini_copy))
        result = run_fiches("new", "2.1.6", "Numériser les courriers", "--content", str(mini_copy))
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        assert message in result.stderr
        reported = [line for line in result.stderr.splitlines() if "plan.yml" in line]
        assert reported and set(reported) <= set(check.stdout.splitlines())
        assert "rien n'a été produit" in result.stderr
        assert sorted(p.name for p in (mini_copy / "fiches").iterdir()) == [
            "1.1.1-livret-accueil.md",
            "1.10.1-plan-formation.md",
            "2.1.1-parapheur.md",
        ]


def test_new_caps_the_file_name_of_a_long_title(mini_copy: Path) -> None:
    long_word = "Dématérialisation" * 24
    many_words = " ".join(["administrativement"] * 25)
    for fiche_id, titre in (("2.1.6", long_word), ("2.1.7", many_words)):
        assert len(titre) >= 400
        result = run_fiches("new", fiche_id, titre, "--content", str(mini_copy))
        assert result.returncode == 0, result.stdout + result.stderr
        (path,) = (mini_copy / "fiches").glob(f"{fiche_id}-*.md")
        slug = path.stem.removeprefix(f"{fiche_id}-")
        assert 0 < len(slug) <= 60 and not slug.endswith("-")
        assert f'titre: "{titre}"' in path.read_text(encoding="utf-8")
    assert (mini_copy / "fiches" / "2.1.7-administrativement-administrativement-administrativement.md").is_file()
    check = run_fiches("check", "--content", str(mini_copy))
    assert check.returncode == 0, check.stdout
