"""The orchestrator: atomic publication, one build at a time, partial builds."""

from __future__ import annotations

import hashlib
import multiprocessing
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from builder.build import MARKER, _exchange, _swap, build
from tests.conftest import MINI, ROOT, run_fiches


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_swap_exchanges_folders_atomically(tmp_path: Path) -> None:
    for name, text in (("new", "nouveau"), ("site", "ancien")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "a.txt").write_text(text)
    assert _exchange(tmp_path / "new", tmp_path / "site")  # Linux: the atomic path is the one used
    assert (tmp_path / "site" / "a.txt").read_text() == "nouveau"
    assert (tmp_path / "new" / "a.txt").read_text() == "ancien"
    (tmp_path / "staging").mkdir()
    (tmp_path / "staging" / "b.txt").write_text("b")
    _swap(tmp_path / "staging", tmp_path / "site")
    assert [p.name for p in (tmp_path / "site").iterdir()] == ["b.txt"]


def _build_site(out: str) -> None:
    build(MINI, Path(out), only=["site"])


def test_two_builds_at_once_give_one_whole_site(tmp_path: Path) -> None:
    out = tmp_path / "site"
    context = multiprocessing.get_context("spawn")
    jobs = [context.Process(target=_build_site, args=(str(out),)) for _ in range(2)]
    for job in jobs:
        job.start()
    for job in jobs:
        job.join(300)
        assert job.exitcode == 0
    first = _digest(out)
    assert "index.html" in first and "fiches/1-1-1/index.html" in first
    build(MINI, out, only=["site"])
    assert _digest(out) == first  # same content, same site: nothing half-written survived
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".fiches-")) == []


def test_an_output_folder_that_holds_something_else_is_refused(tmp_path: Path, monkeypatch) -> None:
    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    papers = tmp_path / "documents"
    papers.mkdir()
    (papers / "note.txt").write_text("à garder", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    before = _digest(tmp_path)
    for out, words in (
        (content, "contient le contenu"),
        (tmp_path, "contient le contenu"),
        (content / "site", "est dans le contenu"),
        (papers, "n'a pas été produit par fiches build"),
    ):
        result = run_fiches(
            "build",
            "--only",
            "site",
            "--content",
            str(content),
            "--out",
            str(out),
            cwd=tmp_path,
            env={"PYTHONPATH": str(ROOT)},
        )
        assert result.returncode == 1 and words in result.stderr, (out, result.stderr)
        assert "Traceback" not in result.stderr
    assert _digest(tmp_path) == before  # nothing written, nothing removed
    inside = tmp_path / "sous-dossier"
    inside.mkdir()
    result = run_fiches(
        "build",
        "--only",
        "site",
        "--content",
        str(content),
        "--out",
        str(tmp_path),
        cwd=inside,
        env={"PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 1 and "contient" in result.stderr
    # a folder a build produced is replaced, even from a version without the marker (index + sitemap)
    site = tmp_path / "site"
    build(content, site, only=["site"])
    (site / MARKER).unlink()
    build(content, site, only=["site"])
    assert (site / MARKER).is_file()


def test_a_failed_or_killed_build_leaves_the_previous_site(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    out = tmp_path / "site"
    build(content, out, only=["site"])
    first = _digest(out)
    fiche = content / "fiches" / "2.1.1-parapheur.md"
    fiche.write_text(fiche.read_text(encoding="utf-8") + "\nVoir [la page](../../nulle-part/).\n", encoding="utf-8")
    result = run_fiches("build", "--only", "site", "--content", str(content), "--out", str(out))
    # found by the content rules (issue 11: as `fiches check` does), before anything is rendered
    assert result.returncode == 1 and "lien « ../../nulle-part/ » vers « nulle-part/ »" in result.stderr
    assert _digest(out) == first
    # killed in the middle of the MkDocs build: the output is the previous site, the leftovers go next time
    shutil.copytree(MINI, content, dirs_exist_ok=True)
    job = subprocess.Popen(
        [sys.executable, "-m", "builder", "build", "--only", "site", "--content", str(content), "--out", str(out)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".fiches-site-*/out/*")) and time.monotonic() < deadline:
        time.sleep(0.02)
    job.send_signal(signal.SIGKILL)
    assert job.wait() == -signal.SIGKILL and list(tmp_path.glob(".fiches-site-*"))  # killed mid-way
    assert _digest(out) == first
    build(content, out, only=["site"])
    assert _digest(out) == first and not list(tmp_path.glob(".fiches-site-*"))


def test_a_partial_build_keeps_the_other_parts(tmp_path: Path, monkeypatch) -> None:
    from pypdf import PdfReader

    monkeypatch.setenv("FICHES_PDF_CACHE", str(tmp_path / "cache"))
    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    out = tmp_path / "site"
    build(content, out)
    pdfs = {p.name: p.read_bytes() for p in (out / "telechargements").glob("*.pdf")}
    assert sorted(pdfs) == ["brochure-2025.pdf", "plan-2025.pdf"]
    fiche = content / "fiches" / "2.1.1-parapheur.md"
    fiche.write_text(fiche.read_text(encoding="utf-8").replace("titre: Déployer", "titre: Généraliser"), "utf-8")
    build(content, out, only=["site"])
    assert {p.name: p.read_bytes() for p in (out / "telechargements").glob("*.pdf")} == pdfs  # kept as they were
    assert "Généraliser le parapheur" in (out / "fiches" / "2-1-1" / "index.html").read_text(encoding="utf-8")
    downloads = (out / "telechargements" / "index.html").read_text(encoding="utf-8")
    assert "plan-2025.pdf" in downloads and "brochure-2025.pdf" in downloads and "fiches.xlsx" in downloads
    pages = {k: v for k, v in _digest(out).items() if k.endswith(".html")}
    build(content, out, only=["plan"])
    assert {k: v for k, v in _digest(out).items() if k.endswith(".html")} == pages  # the site stays
    plan_text = "".join(page.extract_text() for page in PdfReader(out / "telechargements" / "plan-2025.pdf").pages)
    assert "Généraliser le parapheur" in plan_text
    assert (out / "telechargements" / "brochure-2025.pdf").read_bytes() == pdfs["brochure-2025.pdf"]
