"""The installed tool: a wheel built from this repository, installed (not editable) in a fresh virtual
environment, publishes a plan of its own from an empty folder, with the project's identity and theme."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from tests.conftest import ROOT, require_tool

SITE_URL = "https://intranet.commune-test.example/projet/"
MARK_CSS = "/* règle propre à la commune de test */"
MARK_FOOTER = "Pied de page propre à la commune de test"


def _tree(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the fresh environment's `fiches`, its site-packages) with the wheel of this checkout installed."""
    work = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work / "dist"), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    wheel = next((work / "dist").glob("fiches-*.whl"))
    env = work / "venv"
    venv.create(env, with_pip=False)
    site = Path(
        subprocess.run(
            [env / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    # the libraries fiches needs, from this interpreter (not its own checkout: a .pth adds the folders, and the
    # editable install's own .pth there is not run)
    libraries = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (site / "zz-libraries.pth").write_text("\n".join(sorted(libraries)) + "\n", encoding="utf-8")
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(env / "bin" / "python"),
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr
    return env / "bin" / "fiches", site


def _run(fiches: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "FICHES_PDF_CACHE")}
    return subprocess.run([str(fiches), *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=600)


def test_the_wheel_carries_the_theme_and_the_demo(installed: tuple[Path, Path]) -> None:
    _, site = installed
    package = site / "builder"
    assert (package / "theme" / "print" / "plan.html.j2").is_file()
    assert (package / "theme" / "site" / "mkdocs.yml").is_file()
    assert (package / "theme" / "fonts" / "Inter-Regular.otf").is_file()
    demo = ROOT / "content" / "fiches"
    assert len(list((package / "demo" / "fiches").glob("*.md"))) == len(list(demo.glob("*.md")))


def test_a_new_project_builds_with_its_own_identity_and_theme(installed: tuple[Path, Path], tmp_path: Path) -> None:
    import zxingcpp
    from PIL import Image

    fiches, site = installed
    before = _tree(site)
    created = _run(fiches, "init", "plan", "--collectivite", "Commune de Test", "--site-url", SITE_URL, cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    project = tmp_path / "plan"
    (project / "theme" / "site" / "stylesheets" / "extra.css").write_text(MARK_CSS + "\n", encoding="utf-8")
    partial = project / "theme" / "site" / "overrides" / "partials" / "copyright.html"
    partial.parent.mkdir(parents=True)
    partial.write_text(f'<div class="md-copyright">{MARK_FOOTER}</div>\n', encoding="utf-8")

    check = _run(fiches, "check", cwd=project)
    assert check.returncode == 0, check.stdout + check.stderr
    build = _run(fiches, "build", cwd=project)
    assert build.returncode == 0, build.stderr
    assert "Traceback" not in build.stderr

    out = project / "site"
    home = (out / "index.html").read_text(encoding="utf-8")
    assert "administration — Commune de Test</title>" in home
    assert MARK_FOOTER in home  # the project's partial over the package's
    assert 'href="stylesheets/extra.css"' in home
    assert (out / "stylesheets" / "extra.css").read_text(encoding="utf-8").strip() == MARK_CSS
    assert f'href="{SITE_URL}fiches/' in (out / "actualites.xml").read_text(encoding="utf-8")

    downloads = sorted(p.name for p in (out / "telechargements").glob("*.pdf"))
    assert [n for n in downloads if n.startswith("plan-")] and [n for n in downloads if n.startswith("brochure-")]
    brochure = next((out / "telechargements").glob("brochure-*.pdf"))
    pdftoppm = require_tool("pdftoppm")
    subprocess.run([pdftoppm, "-png", "-r", "150", "-l", "999", str(brochure), str(tmp_path / "page")], check=True)
    back = sorted(tmp_path.glob("page-*.png"))[-1]
    decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(back))]
    assert decoded == [SITE_URL]

    assert _tree(site) == before, "fiches a écrit dans son dossier d'installation"
    assert (project / ".build").is_dir()  # its cache is in the project


def test_settings_come_from_the_project_of_the_content(installed: tuple[Path, Path], tmp_path: Path) -> None:
    """`--content elsewhere/content` uses elsewhere/mkdocs.yml, not the one of the folder it is run from."""
    fiches, _ = installed
    assert _run(fiches, "init", "elsewhere", "--site-url", SITE_URL, cwd=tmp_path).returncode == 0
    (tmp_path / "mkdocs.yml").write_text("site_name: Pas celui-ci\nsite_url: https://faux.example/\n", encoding="utf-8")
    exported = _run(fiches, "export", "--format", "ics", "--content", "elsewhere/content", cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert "intranet.commune-test.example" in exported.stdout.replace("\r\n ", "")
    assert "faux.example" not in exported.stdout
