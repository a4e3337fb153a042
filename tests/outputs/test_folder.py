"""Output folder ownership (issue 11): only a folder a build wrote is replaced; staging folders and locks of two
outputs never meet; a partial build keeps only the regular files the previous build wrote, never through a link."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from builder.outputs.folder import MARKER, is_fiches_output
from tests.safety import fiches, inline, mini, tree

REFUSED = (
    "Erreur : le dossier de sortie {out} n'est pas une sortie de fiches : il n'est pas vide et n'a pas été "
    "produit par fiches build (pas de fichier .fiches-build) ; rien n'y est touché ; choisissez un dossier "
    "vide ou absent avec --out\n"
)


def _build(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    return inline("build", "--content", "content", *args, cwd=tmp_path)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mini plan and its site, built once by the command line; each test works on a copy."""
    folder = tmp_path_factory.mktemp("construit")
    mini(folder)
    assert _build(folder, "--only", "site", "--out", "site") == (0, "Construit : site/ (site)\n", "")
    return folder


def _copy(built: Path, tmp_path: Path) -> Path:
    for name in ("content", "site"):
        shutil.copytree(built / name, tmp_path / name, symlinks=True)
    return tmp_path / "site"


def _regular_files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and p.name != MARKER)


def test_web_root_with_index_and_sitemap_is_refused_untouched(tmp_path: Path) -> None:
    mini(tmp_path)
    www = tmp_path / "www"
    www.mkdir()
    for name, text in (("index.html", "<h1>Accueil</h1>"), ("sitemap.xml", "<urlset/>"), ("blog.html", "billet")):
        (www / name).write_text(text, encoding="utf-8")
    before = tree(tmp_path)
    assert _build(tmp_path, "--only", "site", "--out", "www") == (1, "", REFUSED.format(out="www"))
    assert tree(tmp_path) == before


def test_older_build_is_recognised_by_its_own_files_only(built: Path, tmp_path: Path) -> None:
    site = _copy(built, tmp_path)
    (site / MARKER).unlink()  # as built before the marker existed
    (site / "wp-config.php").write_text("<?php // un autre site", encoding="utf-8")
    before = tree(tmp_path)
    assert _build(tmp_path, "--only", "site", "--out", "site") == (1, "", REFUSED.format(out="site"))
    assert tree(tmp_path) == before
    (site / "fiches" / "wp-config.php").write_text("<?php", encoding="utf-8")
    assert not is_fiches_output(site)
    (site / "wp-config.php").unlink()
    assert not is_fiches_output(site)  # a kind of file fiches never writes, even in a folder it writes
    (site / "fiches" / "wp-config.php").unlink()
    (site / "medias").symlink_to(".")
    assert not is_fiches_output(site)  # fiches writes no link
    (site / "medias").unlink()
    assert is_fiches_output(site)  # only files fiches writes: it may be replaced (test_build replaces one)
    # the marker of the first kind (a sentence, no list of files) is recognised too
    (site / "wp-config.php").write_text("<?php", encoding="utf-8")
    (site / MARKER).write_text(
        "Dossier produit par « fiches build » : il est remplacé à chaque construction.\n", encoding="utf-8"
    )
    assert is_fiches_output(site)


def test_marker_lists_every_file_the_build_wrote(built: Path) -> None:
    marker = json.loads((built / "site" / MARKER).read_text(encoding="utf-8"))
    assert marker["format"] == 1
    assert marker["fichiers"] == _regular_files(built / "site")
    assert {"index.html", "sitemap.xml", "fiches/1-1-1/index.html", "telechargements/fiches.csv"} <= set(
        marker["fichiers"]
    )


def test_lock_that_is_a_link_is_not_followed(tmp_path: Path) -> None:
    mini(tmp_path)
    (tmp_path / "victime.txt").write_text("à garder", encoding="utf-8")
    (tmp_path / ".site.lock").symlink_to("victime.txt")
    before = tree(tmp_path)
    assert _build(tmp_path, "--only", "site", "--out", "site") == (
        1,
        "",
        "Erreur : verrou impossible à ouvrir : .site.lock : lien symbolique refusé (ou en boucle) ; "
        "supprimez-le s'il n'est pas un fichier ordinaire\n",
    )
    assert tree(tmp_path) == before


def test_partial_builds_copy_only_owned_regular_files(built: Path, tmp_path: Path) -> None:
    site = _copy(built, tmp_path)
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "mots-de-passe.txt").write_text("hunter2", encoding="utf-8")
    (secret / "note.pdf").write_bytes(b"%PDF-1.7 confidentiel")
    previous = tree(site)
    (site / "medias").symlink_to("../secret")
    (site / "boucle").symlink_to(".")
    (site / "telechargements" / "intrus.pdf").write_bytes(b"%PDF-1.7 ajoute a la main")
    secret_before = tree(secret)

    (tmp_path / "mkdocs.yml").write_text(
        "site_name: Test\nsite_url: https://intranet.test.example/\n", encoding="utf-8"
    )  # the project's address: no warning about the QR code
    result = fiches("build", "--content", "content", "--only", "brochure", "--out", "site", cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "Construit : site/ (brochure)\n", "")
    after = tree(site)
    assert not {"medias", "boucle", "telechargements/intrus.pdf"} & set(after)
    assert "hunter2" not in "".join(
        p.read_text(encoding="utf-8", errors="replace") for p in site.rglob("*") if p.is_file()
    )
    kept = {k: v for k, v in after.items() if k not in (MARKER, "telechargements/brochure-2025.pdf")}
    assert kept == {k: v for k, v in previous.items() if k != MARKER}  # the site as it was, byte for byte
    assert (site / "telechargements" / "brochure-2025.pdf").read_bytes().startswith(b"%PDF-")

    # the site rebuilt alone keeps the brochure the last build wrote, not a PDF linked or added by hand; the
    # staging folder of another output (`--out site-x`, in progress) is left alone, its own leftovers removed
    (site / "telechargements" / "plan-2025.pdf").symlink_to("../../secret/note.pdf")
    brochure = (site / "telechargements" / "brochure-2025.pdf").read_bytes()
    other = tmp_path / ".fiches-site-x-abcd1234" / "out"
    other.mkdir(parents=True)
    (other / "index.html").write_text("en cours", encoding="utf-8")
    (tmp_path / ".site-x.lock").write_text("", encoding="utf-8")
    own = tmp_path / ".fiches-site-zz99aa11" / "out"  # left by a killed build of `--out site`
    own.mkdir(parents=True)
    others = {k: v for k, v in tree(tmp_path).items() if "site-x" in k}
    assert _build(tmp_path, "--only", "site", "--out", "site")[0] == 0
    assert not os.path.lexists(site / "telechargements" / "plan-2025.pdf")
    assert (site / "telechargements" / "brochure-2025.pdf").read_bytes() == brochure
    assert tree(secret) == secret_before
    assert not own.parent.exists()
    assert {k: v for k, v in tree(tmp_path).items() if "site-x" in k} == others
