"""The orchestrator: atomic publication, one build at a time, partial builds."""

from __future__ import annotations

import hashlib
import multiprocessing
from pathlib import Path

from builder.build import _exchange, _swap, build
from tests.conftest import MINI


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


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
