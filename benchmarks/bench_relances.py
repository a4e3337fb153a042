"""Speed of `fiches relances` on the history benchmark's repository (500 fiches, 5,000 commits).

    python benchmarks/bench_relances.py [N_FICHES] [N_COMMITS]

Each figure is the median of 3 whole-process runs (start-up, loading and validation included, as a CI job pays
it). Anchors measured in the same run: `fiches check` on the same content (loading and validation only) and the
bare `git log` pass the command makes. Goal: `fiches relances` under 2 s on a 2-core machine.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_history import build_repo  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def timed(cmd: list[str], runs: int = 3, cwd: Path = ROOT) -> tuple[float, str]:
    times, out = [], ""
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd)
        times.append(time.perf_counter() - start)
        assert done.returncode in (0, 1), done.stderr
        out = done.stdout
    return statistics.median(times), out


def main() -> None:
    n_fiches = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    n_commits = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
    with tempfile.TemporaryDirectory(prefix="fiches-bench-") as tmp:
        t0 = time.perf_counter()
        content = build_repo(Path(tmp) / "repo", n_fiches, n_commits)
        print(f"dépôt : {n_fiches} fiches, {n_commits} commits, construit en {time.perf_counter() - t0:.1f} s")
        python = [sys.executable, "-m", "builder"]
        t_relances, out = timed(python + ["relances", "--content", str(content), "--date", "2026-10-15"])
        t_csv, _ = timed(python + ["relances", "--content", str(content), "--date", "2026-10-15", "--format", "csv"])
        t_check, _ = timed(python + ["check", "--content", str(content)])
        t_git, _ = timed(
            [
                "git",
                "-C",
                str(content),
                "log",
                "--topo-order",
                "--reverse",
                "--raw",
                "-z",
                "-M",
                "--no-abbrev",
                "--format=%x1e%H%x1f%as%x1f%P",
                "--",
                "fiches",
            ]
        )
        summary = out.strip().splitlines()[-1]
        print(f"fiches relances (texte) : {t_relances:.2f} s ({summary})")
        print(f"fiches relances --format csv : {t_csv:.2f} s")
        print(f"ancre fiches check : {t_check:.2f} s ; ancre git log : {t_git:.2f} s")
        print(f"relances / (check + git log) : {t_relances / (t_check + t_git):.2f}×")
        print(f"objectif < 2 s : {'OK' if t_relances < 2 else 'TROP LENT'}")


if __name__ == "__main__":
    main()
