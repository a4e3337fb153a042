"""Same content, same bytes on another day; a disk that fills while the site and its exports are written is a
French message (issue 11, findings 7 and « Reproducibility »)."""

from __future__ import annotations

import datetime as dt
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from builder.errors import BuildError
from builder.living.history import Historique
from builder.outputs.data.export import write_downloads
from builder.outputs.site.pages import content_date, fiche_date
from builder.processes import Beside, can_fork
from builder.project import load_projet
from tests.conftest import MINI, ROOT

# `fiches` run with the clock moved by N days (argv[1]): every clock Python offers (time, datetime, date) moves.
SHIFTED = """
import datetime, sys, time
delta = int(sys.argv.pop(1)) * 86400
real = time.time
time.time = lambda: real() + delta
class Clock(datetime.datetime):
    @classmethod
    def now(cls, tz=None):
        return datetime.datetime.fromtimestamp(time.time(), tz)
    @classmethod
    def utcnow(cls):
        return datetime.datetime.fromtimestamp(time.time(), datetime.timezone.utc).replace(tzinfo=None)
    @classmethod
    def today(cls):
        return cls.now()
class Day(datetime.date):
    @classmethod
    def today(cls):
        return datetime.date.fromtimestamp(time.time())
datetime.datetime, datetime.date = Clock, Day
from builder.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _build(content: Path, out: Path, days: int, **kwargs) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            SHIFTED,
            str(days),
            "build",
            "--content",
            str(content),
            "--out",
            str(out),
            "--only",
            "site",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        env={**env, "PYTHONDONTWRITEBYTECODE": "1"},
        **kwargs,
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """`jour_de_construction`: the mini plan (outside git) built today and 400 days later."""
    tmp = tmp_path_factory.mktemp("jour_de_construction")
    content = tmp / "content"
    shutil.copytree(MINI, content)
    (tmp / "mkdocs.yml").write_text(
        "site_name: Test\nsite_url: https://intranet.test.example/plan/\n", encoding="utf-8"
    )  # the sitemap lists pages only with the site's address
    for days, name in ((0, "aujourdhui"), (400, "plus-tard")):
        result = _build(content, tmp / name, days)
        assert result.returncode == 0, result.stdout + result.stderr
    return content, tmp / "aujourdhui", tmp / "plus-tard"


def test_the_same_content_gives_the_same_site_on_another_day(built: tuple[Path, Path, Path]) -> None:
    _, today, later = built
    first, second = _files(today), _files(later)
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []


def test_the_sitemap_dates_are_the_plans(built: tuple[Path, Path, Path]) -> None:
    content, today, _ = built
    plan = yaml.load((content / "plan.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    sitemap = (today / "sitemap.xml").read_text(encoding="utf-8")
    dates = re.findall(r"<lastmod>([^<]*)</lastmod>", sitemap)
    assert len(dates) == sitemap.count("<url>") > 10
    assert set(dates) == {plan["date_situation"]}
    assert str(dt.date.today()) not in sitemap or plan["date_situation"] == str(dt.date.today())


def test_a_fiche_page_is_dated_by_its_last_change_and_the_rest_by_the_plan() -> None:
    projet = load_projet(MINI, history=False, bilan=False)
    projet = projet.replace(history={"1.1.1": Historique(dt.date(2025, 2, 3), [], [dt.date(2025, 2, 3)])})
    assert fiche_date(projet, projet.by_id["1.1.1"]) == dt.date(2025, 2, 3)
    assert fiche_date(projet, projet.by_id["2.1.1"]) == content_date(projet) == dt.date(2025, 6, 30)
    # no « état au »: the last change, never the build day
    projet = projet.replace(plan=projet.plan.model_copy(update={"date_situation": None}))
    assert content_date(projet) == dt.date(2025, 2, 3)
    projet = projet.replace(history={})
    assert content_date(projet) is None


@pytest.mark.parametrize("limit", [12_000, 300_000])
def test_a_disk_that_fills_is_a_french_message_and_the_previous_site_stays(
    built: tuple[Path, Path, Path], tmp_path: Path, limit: int
) -> None:
    """`disque_plein`: the build may write no file larger than `limit` bytes (the exports, or MkDocs' copy of
    the theme, meet it first): one French line, exit 1, the previous site byte-identical."""
    content, today, _ = built
    out = tmp_path / "site"
    shutil.copytree(today, out, symlinks=True)
    before = _files(out)

    def small_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write beyond the limit fails (EFBIG) like a full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    result = _build(content, out, 0, preexec_fn=small_files)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output and "Erreur interne" not in output and "Errno" not in output, output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Erreur : "), output
    assert lines[0].endswith("fichier trop grand (taille maximale des fichiers atteinte)"), output
    assert _files(out) == before


def test_the_exports_process_names_a_full_disk(tmp_path: Path) -> None:
    """`exports_disque_plein`: the feed is written to /dev/full (ENOSPC, the real full-disk error)."""
    if not can_fork() or not Path("/dev/full").exists():
        pytest.skip("pas de second processus ou pas de /dev/full ici")
    projet = load_projet(MINI, history=False, bilan=False)
    out = tmp_path / "disque_plein"
    out.mkdir()
    (out / "actualites.xml").symlink_to("/dev/full")
    exports = Beside("les fichiers à télécharger (exports, flux, agenda)", write_downloads, projet, out)
    with pytest.raises(BuildError) as error:
        exports.wait()
    assert str(error.value) == (
        "les fichiers à télécharger (exports, flux, agenda) n'ont pas pu être écrits : "
        f"{out}/actualites.xml : plus de place sur le disque"
    )
