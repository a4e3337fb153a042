"""Speed of the git history and of `fiches bilan` on a repository of 500 fiches and 5,000 commits.

    python benchmarks/bench_history.py [N_FICHES] [N_COMMITS]

The repository is built in a few seconds with `git fast-import`: one commit adds the synthetic plan
(benchmarks/synth.py), then each commit changes the statut and/or avancement of one or two fiches, and every
200th commit renumbers a fiche (rename + new id). Goal: history + bilan under 5 s on a 2-core machine.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.synth import write_plan  # noqa: E402
from builder.living.bilan import compute_bilan, render_markdown  # noqa: E402
from builder.living.history import read_history  # noqa: E402
from builder.project import load_projet  # noqa: E402

STATUTS = ("a_venir", "en_cours", "realisee", "en_pause", "bloquee")


def _data(text: str) -> bytes:
    raw = text.encode("utf-8")
    return b"data %d\n" % len(raw) + raw + b"\n"


def build_repo(root: Path, n_fiches: int, n_commits: int, seed: int = 0) -> Path:
    """A git repository whose content/ has `n_fiches` fiches and `n_commits` commits."""
    rng = random.Random(seed)
    content = write_plan(root / "content", n_fiches, seed)
    files = {f"content/fiches/{p.name}": p.read_text(encoding="utf-8") for p in (content / "fiches").glob("*.md")}
    plan = (content / "plan.yml").read_text(encoding="utf-8")
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    stream = bytearray()
    start = dt.datetime(2024, 1, 1, 9, 0, tzinfo=dt.UTC)
    step = (dt.datetime(2026, 10, 1, tzinfo=dt.UTC) - start) / n_commits

    def commit(index: int, message: str, changes: list[bytes]) -> None:
        when = int((start + step * index).timestamp())
        stream.extend(b"commit refs/heads/main\n")
        stream.extend(b"committer Bench <bench@example.org> %d +0000\n" % when)
        stream.extend(_data(message))  # the branch's previous commit is the parent
        for change in changes:
            stream.extend(change)

    def modify(path: str, text: str) -> bytes:
        return f"M 100644 inline {path}\n".encode() + _data(text)

    commit(0, "Plan initial", [modify("content/plan.yml", plan)] + [modify(p, t) for p, t in files.items()])
    next_id: dict[str, int] = {}
    for i in range(1, n_commits):
        changes = []
        for path in rng.sample(sorted(files), rng.choice((1, 1, 2))):
            text = files[path]
            if i % 200 == 0 and not changes:  # renumber: new last number in the same objectif
                fiche_id = re.search(r'^id: "([\d.]+)"', text, re.M)[1]
                objectif = fiche_id.rsplit(".", 1)[0]
                next_id[objectif] = next_id.get(objectif, 900) + 1
                new_id = f"{objectif}.{next_id[objectif]}"
                new_path = f"content/fiches/{new_id}-action.md"
                text = text.replace(f'id: "{fiche_id}"', f'id: "{new_id}"', 1)
                del files[path]
                files[new_path] = text
                changes += [f"D {path}\n".encode(), modify(new_path, text)]
                continue
            statut = rng.choice(STATUTS)
            avancement = {"a_venir": 0, "realisee": 100}.get(statut, rng.randrange(5, 95, 5))
            text = re.sub(r"^statut: .*$", f"statut: {statut}", text, count=1, flags=re.M)
            text = re.sub(r"^avancement: .*$", f"avancement: {avancement}", text, count=1, flags=re.M)
            files[path] = text
            changes.append(modify(path, text))
        commit(i, f"Mise à jour {i}", changes)
    subprocess.run(["git", "-C", str(root), "fast-import", "--quiet"], input=bytes(stream), check=True)
    subprocess.run(["git", "-C", str(root), "checkout", "-q", "-f", "main"], check=True)
    return root / "content"


def main() -> None:
    n_fiches = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    n_commits = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
    with tempfile.TemporaryDirectory(prefix="fiches-bench-") as tmp:
        t0 = time.perf_counter()
        content = build_repo(Path(tmp) / "repo", n_fiches, n_commits)
        print(f"dépôt : {n_fiches} fiches, {n_commits} commits, construit en {time.perf_counter() - t0:.1f} s")
        projet = load_projet(content, history=False, bilan=False)
        t0 = time.perf_counter()
        history = read_history(content, projet)
        t_history = time.perf_counter() - t0
        n_changes = sum(len(h.changements) for h in history.values())
        print(f"historique : {t_history:.2f} s ({len(history)} fiches, {n_changes} changements)")
        t0 = time.perf_counter()
        text = render_markdown(compute_bilan(content, projet, None, None))
        t_bilan = time.perf_counter() - t0
        print(f"bilan (calcul) : {t_bilan:.2f} s ({len(text.splitlines())} lignes)")
        t0 = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "builder", "bilan", "--content", str(content)],
            capture_output=True,
            text=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
        t_cmd = time.perf_counter() - t0
        assert done.returncode == 0, done.stderr
        print(f"fiches bilan (processus complet, chargement compris) : {t_cmd:.2f} s")
        total = t_history + t_cmd
        print(f"historique + fiches bilan : {total:.2f} s (objectif < 5 s) {'OK' if total < 5 else 'TROP LENT'}")


if __name__ == "__main__":
    main()
