"""`fiches init`: a ready project for a plan of one's own, whose CI templates call only real commands."""

from __future__ import annotations

import filecmp
import shlex
from pathlib import Path

import pytest
import yaml

from builder.cli import build_parser
from tests.conftest import DEMO, run_fiches


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    parent = tmp_path_factory.mktemp("init")
    result = run_fiches(
        "init",
        "plan",
        "--collectivite",
        "Ville de Brindas",
        "--site-url",
        "https://intranet.brindas.example/pa/",
        cwd=parent,
    )
    assert result.returncode == 0, result.stderr
    assert "Projet créé dans plan/" in result.stdout
    return parent / "plan"


def test_the_starter_project_is_complete_and_valid(project: Path) -> None:
    for relative in (
        "content/plan.yml",
        "mkdocs.yml",
        ".gitignore",
        "README.md",
        ".gitlab-ci.yml",
        ".forgejo/workflows/fiches.yml",
        "theme/LISEZMOI.md",
        "theme/site/stylesheets/extra.css",
    ):
        assert (project / relative).is_file(), relative
    assert len(list((project / "content" / "fiches").glob("*.md"))) >= 3
    check = run_fiches("check", "--strict", cwd=project)
    assert check.returncode == 0, check.stdout
    assert check.stdout.strip().endswith("0 erreur, 0 avertissement")
    settings = yaml.safe_load((project / "mkdocs.yml").read_text(encoding="utf-8"))
    assert settings["site_name"] == "Projet d'administration — Ville de Brindas"
    assert settings["site_url"] == "https://intranet.brindas.example/pa/"
    plan = yaml.safe_load((project / "content" / "plan.yml").read_text(encoding="utf-8"))
    assert plan["collectivite"] == "Ville de Brindas"
    assert "/site/" in (project / ".gitignore").read_text(encoding="utf-8").split()


def _fiches_lines(document: object) -> list[str]:
    """Every shell line of a CI file (GitLab `script:`, Forgejo `run:`) that calls fiches."""
    lines: list[str] = []
    if isinstance(document, dict):
        for key, value in document.items():
            if key in ("script", "before_script", "run"):
                for block in value if isinstance(value, list) else [value]:
                    lines += [line.strip() for line in str(block).splitlines() if line.strip().startswith("fiches ")]
            else:
                lines += _fiches_lines(value)
    elif isinstance(document, list):
        for item in document:
            lines += _fiches_lines(item)
    return lines


@pytest.mark.parametrize("relative", [".gitlab-ci.yml", ".forgejo/workflows/fiches.yml"])
def test_ci_templates_parse_and_call_only_real_commands(project: Path, relative: str) -> None:
    document = yaml.safe_load((project / relative).read_text(encoding="utf-8"))
    lines = _fiches_lines(document)
    assert any("check" in line for line in lines) and any("build" in line for line in lines), lines
    parser = build_parser()
    for line in lines:
        words = shlex.split(line)[1:]
        parser.parse_args(words)  # exits (SystemExit) on an unknown command or option
        help_run = run_fiches(words[0], "--help")
        assert help_run.returncode == 0 and "utilisation" in help_run.stdout


def test_the_demo_project_holds_the_demo_plan(tmp_path: Path) -> None:
    result = run_fiches("init", "demo", "--demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    compare = filecmp.dircmp(DEMO, tmp_path / "demo" / "content")
    assert not compare.left_only and not compare.right_only and not compare.diff_files
    assert sorted(p.name for p in (tmp_path / "demo" / "content" / "fiches").iterdir()) == sorted(
        p.name for p in (DEMO / "fiches").iterdir()
    )
    site_name = yaml.safe_load((tmp_path / "demo" / "mkdocs.yml").read_text(encoding="utf-8"))["site_name"]
    assert site_name == "Projet d'administration — Montclair Agglomération"


def test_init_never_writes_into_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    target = tmp_path / "plan"
    target.mkdir()
    (target / "notes.txt").write_text("à garder", encoding="utf-8")
    result = run_fiches("init", "plan", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Erreur : plan existe déjà et n'est pas un dossier vide : rien n'y est écrit ; "
        "choisissez un dossier absent ou vide"
    )
    assert [p.name for p in target.iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan"]  # no staging folder left behind
