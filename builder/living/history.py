"""Stage 3b, history: what git knows of each fiche (creation, statut and avancement changes, renumbering,
deletion, last modification), read with a fixed number of git calls whatever the size of the history.

One `git log --raw -M` pass lists, for every commit that touched `content/fiches/`, the files it added,
modified, renamed or deleted together with the blob ids before and after; one `git cat-file --batch` process
then reads every blob, of which only the front matter's `id`, `statut` and `avancement` are parsed.
Outside git, in a directory git does not track, or before the boundary of a shallow clone, nothing is
invented: fiches simply have less history (or none).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from builder.content.model import STATUTS, Changement, Historique, Projet

NULL_SHA = "0" * 40
_FORMAT = "%x1e%H%x1f%as%x1f%P"


# --- git plumbing shared with `builder.living.bilan` ---------------------------------------------------


@dataclass(frozen=True)
class Repo:
    """The git repository holding a content directory."""

    top: Path
    content: str  # path of the content directory inside the repository ("" at its root), POSIX
    shallow: bool

    def path(self, *parts: str) -> str:
        return "/".join(p for p in (self.content, *parts) if p)


def git(top: Path, *args: str, stdin: bytes | None = None) -> bytes:
    """Run git in `top`; `GitError` when it fails or is missing."""
    try:
        done = subprocess.run(
            ["git", "-C", str(top), "-c", "core.quotepath=off", *args],
            input=stdin,
            capture_output=True,
            check=False,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"},
        )
    except OSError as exc:
        raise GitError(f"git introuvable ({exc.strerror})") from None
    if done.returncode != 0:
        raise GitError(done.stderr.decode("utf-8", "replace").strip() or f"git {args[0]} a échoué")
    return done.stdout


class GitError(Exception):
    """git is missing, or refused a command (not a repository, unknown revision…)."""


def find_repo(content: Path) -> Repo | None:
    """The repository around `content`, or None when there is none (or git is missing)."""
    content = content.resolve()
    if not content.is_dir():
        return None
    try:
        out = git(content, "rev-parse", "--show-toplevel", "--is-shallow-repository").decode().split("\n")
    except GitError:
        return None
    top = Path(out[0]).resolve()
    try:
        relative = content.relative_to(top).as_posix()
    except ValueError:
        return None
    return Repo(top, "" if relative == "." else relative, out[1].strip() == "true")


def read_blobs(top: Path, shas: set[str] | list[str]) -> dict[str, bytes]:
    """Contents of many blobs with one `git cat-file --batch` process."""
    wanted = [s for s in dict.fromkeys(shas) if s and s != NULL_SHA]
    if not wanted:
        return {}
    out = git(top, "cat-file", "--batch", stdin=("\n".join(wanted) + "\n").encode())
    blobs: dict[str, bytes] = {}
    pos = 0
    while pos < len(out):
        eol = out.index(b"\n", pos)
        header = out[pos:eol].split()
        pos = eol + 1
        if len(header) < 3 or header[1] == b"missing":
            continue
        size = int(header[2])
        blobs[header[0].decode()] = out[pos : pos + size]
        pos += size + 1
    return blobs


def front_fields(blob: bytes | str | None, keys: tuple[str, ...] = ("id", "statut", "avancement")) -> dict[str, str]:
    """The top-level `key: value` lines of a fiche's front matter, read without a YAML parser (cheap, and
    tolerant of versions that were invalid at the time): quotes and trailing comments removed."""
    if blob is None:
        return {}
    text = blob.decode("utf-8", "replace") if isinstance(blob, bytes) else blob
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").split("\n")
    if not lines or lines[0].rstrip() != "---":
        return {}
    found: dict[str, str] = {}
    for line in lines[1:]:
        if line.rstrip() in ("---", "..."):
            break
        if not line or line[0] in " \t#-":
            continue
        key, sep, value = line.partition(":")
        key = key.strip()
        if not sep or key not in keys or key in found:
            continue
        value = value.strip()
        if value[:1] in ("'", '"'):
            end = value.find(value[0], 1)
            value = value[1:end] if end > 0 else value[1:]
        else:
            value = value.split(" #", 1)[0].strip()
        found[key] = value
    return found


def progression(fields: dict[str, str]) -> str | None:
    """The effective avancement of a version (its field, or the default from its statut), as text."""
    value = fields.get("avancement")
    if value:
        return value if value.isdigit() else None
    statut = fields.get("statut")
    if statut not in STATUTS:
        return None
    return "100" if statut == "realisee" else "0"


# --- the log ------------------------------------------------------------------------------------


@dataclass
class Commit:
    sha: str
    short: str
    date: dt.date
    parents: list[str]
    changes: list[tuple[str, str, str, str, str]]  # (status, old blob, new blob, old path, new path)


def read_log(repo: Repo, *revisions: str) -> list[Commit]:
    """Every commit that touched the fiches (in `revisions`, default HEAD), oldest first, with its raw file
    changes (one git call)."""
    try:
        out = git(
            repo.top,
            "log",
            "--topo-order",
            "--reverse",
            "--raw",
            "-z",
            "-M",
            "--no-abbrev",
            f"--format={_FORMAT}",
            *revisions,
            "--",
            repo.path("fiches"),
        )
    except GitError:  # e.g. a repository without any commit yet
        return []
    commits = []
    for record in out.decode("utf-8", "surrogateescape").split("\x1e")[1:]:
        header, _, rest = record.partition("\0")
        sha, date, parents = header.split("\x1f")
        tokens = rest.lstrip("\n").split("\0")
        changes = []
        i = 0
        while i < len(tokens):
            meta = tokens[i]
            if not meta.startswith(":"):
                i += 1
                continue
            parts = meta[1:].split()
            old_sha, new_sha, status = parts[2], parts[3], parts[4][0]
            if status in "RC":
                changes.append((status, old_sha, new_sha, tokens[i + 1], tokens[i + 2]))
                i += 3
            else:
                changes.append((status, old_sha, new_sha, tokens[i + 1], tokens[i + 1]))
                i += 2
        commits.append(Commit(sha, sha[:7], dt.date.fromisoformat(date), parents.split(), changes))
    return commits


# --- lineages -----------------------------------------------------------------------------------


@dataclass
class Lineage:
    """One fiche file followed through renames."""

    path: str
    last_id: str | None = None
    derniere_modification: dt.date | None = None
    changements: list[Changement] = field(default_factory=list)
    deleted: bool = False
    modifications: list[dt.date] = field(default_factory=list)  # every commit that changed the file


def replay(commits: list[Commit], blobs: dict[str, bytes], shallow: bool) -> list[Lineage]:
    """Follow every fiche file through the commits and record its dated changes."""
    live: dict[str, Lineage] = {}
    every: list[Lineage] = []
    parsed: dict[str, dict[str, str]] = {}

    def fields(sha: str) -> dict[str, str]:
        if sha not in parsed:
            parsed[sha] = front_fields(blobs.get(sha)) if sha != NULL_SHA else {}
        return parsed[sha]

    for commit in commits:
        boundary = shallow and not commit.parents  # its parent is cut off: its diff tells nothing true
        changes = [c for c in commit.changes if c[4].endswith(".md")]
        # Take every old path out first: a commit may rename a→b and b→c at once.
        owners = [live.pop(old_path, None) if status != "A" else None for status, _, _, old_path, _ in changes]
        for (status, old_sha, new_sha, _, new_path), lineage in zip(changes, owners, strict=True):
            if lineage is None:
                lineage = Lineage(new_path)
                every.append(lineage)
                if status == "A" and not boundary:
                    lineage.changements.append(
                        Changement(commit.date, "creation", None, fields(new_sha).get("statut"), commit.short)
                    )
            lineage.last_id = fields(new_sha).get("id") or fields(old_sha).get("id") or lineage.last_id
            if boundary:
                live[new_path] = lineage
                continue
            lineage.derniere_modification = commit.date
            lineage.modifications.append(commit.date)
            if status == "D":
                lineage.deleted = True
                lineage.changements.append(
                    Changement(commit.date, "suppression", fields(old_sha).get("statut"), None, commit.short)
                )
                continue
            lineage.path = new_path
            live[new_path] = lineage
            if status == "A":
                continue
            lineage.changements.extend(compare(fields(old_sha), fields(new_sha), commit.date, commit.short))
    return every


def compare(before: dict[str, str], after: dict[str, str], date: dt.date, commit: str) -> list[Changement]:
    """The changes between two versions of one fiche: renumbering, statut, avancement."""
    out = []
    if before.get("id") and after.get("id") and before["id"] != after["id"]:
        out.append(Changement(date, "renumerotation", before["id"], after["id"], commit))
    if before.get("statut") and after.get("statut") and before["statut"] != after["statut"]:
        out.append(Changement(date, "statut", before["statut"], after["statut"], commit))
    old_progress, new_progress = progression(before), progression(after)
    if old_progress is not None and new_progress is not None and old_progress != new_progress:
        out.append(Changement(date, "avancement", old_progress, new_progress, commit))
    return out


def read_lineages(repo: Repo, blobs: bool = True) -> list[Lineage]:
    """Every fiche file's lineage; without `blobs`, only its dates (no file version is read: no changes, no ids)."""
    commits = read_log(repo)
    shas = {sha for c in commits for _, old, new, _, _ in c.changes for sha in (old, new)} if blobs else set()
    return replay(commits, read_blobs(repo.top, shas), repo.shallow)


def read_history(content: Path, projet: Projet, changes: bool = True) -> dict[str, Historique]:
    """History of every current fiche, by id; empty outside git. Three git calls in all; two, and only the dates
    of the commits (`derniere_modification`, `modifications`), without `changes`."""
    repo = find_repo(content)
    if repo is None:
        return {}
    try:
        lineages = read_lineages(repo, blobs=changes)
    except GitError:
        return {}
    by_path = {lin.path: lin for lin in lineages if not lin.deleted}
    by_id = {lin.last_id: lin for lin in lineages if not lin.deleted and lin.last_id}
    history: dict[str, Historique] = {}
    for fiche in projet.fiches:
        lineage = by_path.get(_repo_path(repo, fiche.source)) or by_id.get(fiche.id)
        if lineage is not None and (lineage.changements or lineage.derniere_modification):
            history[fiche.id] = Historique(
                lineage.derniere_modification, list(lineage.changements), list(lineage.modifications)
            )
    return history


def _repo_path(repo: Repo, source: str) -> str:
    try:
        return Path(source).resolve().relative_to(repo.top).as_posix()
    except ValueError:
        return source
