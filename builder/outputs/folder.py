"""Which folders a build may replace, and which files of the previous output a partial build may keep.

Every build writes a marker file `.fiches-build` in its output: a JSON document with a format version and the
list of the regular files the build wrote. Only a folder carrying that marker is replaced (or a folder of an
older build, recognised by its own files: every entry is one that fiches writes, see `_LEGACY_*`); any other
non-empty folder is refused, untouched. A partial build copies from the previous output only the regular files
the marker lists, never through a symbolic link. Staging folders and locks are named after their output so that
two outputs in the same parent (`site`, `site-x`) never touch each other's.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
from collections.abc import Callable
from pathlib import Path

MARKER = ".fiches-build"
FORMAT = 1
_NOTE = (
    "Dossier produit par « fiches build » : il est remplacé à chaque construction ; n'y rangez pas d'autres fichiers."
)
_OLD_MARKER = "Dossier produit par « fiches build »".encode()  # the marker's text before it listed files
_MARKER_LIMIT = 20 * 1024 * 1024

# An output written before the marker existed: its top-level entries and the kinds of files it holds.
_LEGACY_DIRS = {
    "accessibilite",
    "actualites",
    "admin",
    "assets",
    "axes",
    "calendrier",
    "collectivites",
    "directions",
    "fiches",
    "prioritaires",
    "search",
    "statuts",
    "tableau-de-bord",
    "telechargements",
    "themes",
}
_LEGACY_DIR_PATTERN = re.compile(r"bilan-\d{4}")
_LEGACY_FILES = {"index.html", "404.html", "sitemap.xml", "sitemap.xml.gz", "actualites.xml"}
_LEGACY_SUFFIXES = {
    ".html",
    ".xml",
    ".gz",
    ".json",
    ".js",
    ".css",
    ".map",
    ".svg",
    ".png",
    ".jpg",
    ".ico",
    ".otf",
    ".ttf",
    ".woff",
    ".woff2",
    ".csv",
    ".xlsx",
    ".ics",
    ".pdf",
    ".txt",
    ".yml",
}
_TEMP_NAME = "[a-z0-9_]{8}"  # what `tempfile` adds to a prefix
_UNLISTED = ["*"]  # what `_marker` gives for a marker of the first kind, which listed no files


def write_marker(folder: Path) -> None:
    """The marker of a finished output: every regular file in `folder`, relative, sorted."""
    files = sorted(regular_files(folder))
    document = {"format": FORMAT, "note": _NOTE, "fichiers": files}
    (folder / MARKER).write_text(json.dumps(document, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")


def regular_files(folder: Path) -> list[str]:
    """Relative paths (with `/`) of the regular files below `folder`, reached without following any link."""
    found = []
    for top, dirs, names in os.walk(folder, followlinks=False):
        relative = os.path.relpath(top, folder)
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(top, d))]
        for name in names:
            if stat.S_ISREG(os.lstat(os.path.join(top, name)).st_mode):
                rel = name if relative == "." else f"{relative}/{name}".replace(os.sep, "/")
                if rel != MARKER:
                    found.append(rel)
    return found


def sizes(folder: Path) -> dict[str, int]:
    """The regular files below `folder` (as `regular_files`) with their sizes in bytes: what a build has written
    there so far, as the orchestrator tells the site."""
    return {rel: os.lstat(folder / rel).st_size for rel in regular_files(folder)}


def _marker(folder: Path) -> list[str] | None:
    """The files the marker lists (`_UNLISTED` for a marker of the first kind, which listed none); None if there
    is no marker, or it is no regular file, or it is not one fiches wrote."""
    path = folder / MARKER
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
        try:
            raw = os.read(fd, _MARKER_LIMIT)
        finally:
            os.close(fd)
    except OSError:
        return None
    if raw.startswith(_OLD_MARKER):
        return _UNLISTED
    try:
        document = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        return None
    files = document.get("fichiers")
    return [f for f in files if isinstance(f, str)] if isinstance(files, list) else None


def _legacy(folder: Path) -> bool:
    """A site built before the marker existed: an `index.html` and a `sitemap.xml`, and nothing that fiches
    does not write (no link, no other top-level entry, no other kind of file)."""
    try:
        with os.scandir(folder) as scan:
            entries = list(scan)
        names = {e.name for e in entries}
        if not {"index.html", "sitemap.xml"} <= names:
            return False
        for entry in entries:
            if entry.is_symlink():
                return False
            if entry.is_dir(follow_symlinks=False):
                if entry.name not in _LEGACY_DIRS and not _LEGACY_DIR_PATTERN.fullmatch(entry.name):
                    return False
            elif not entry.is_file(follow_symlinks=False) or entry.name not in _LEGACY_FILES:
                return False
        for top, dirs, files in os.walk(folder, followlinks=False):
            for name in dirs + files:
                path = os.path.join(top, name)
                mode = os.lstat(path).st_mode
                if stat.S_ISLNK(mode) or not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
                    return False
                if stat.S_ISREG(mode) and Path(name).suffix.lower() not in _LEGACY_SUFFIXES:
                    return False
    except OSError:
        return False
    return True


def is_fiches_output(folder: Path) -> bool:
    """Whether a build may replace `folder`: it carries the marker, or it is an older build (see `_legacy`)."""
    return _marker(folder) is not None or _legacy(folder)


def owned_files(folder: Path) -> list[str]:
    """The regular files of `folder` that a build wrote (listed by its marker; for an older build, all of its
    regular files, which `_legacy` has checked), reached without following any link."""
    listed = _marker(folder)
    if listed is None and not _legacy(folder):
        return []
    present = regular_files(folder)
    if listed is None or listed is _UNLISTED:
        return present
    wanted = set(listed)
    return [f for f in present if f in wanted]


def copy_owned(out: Path, staging: Path, keep: Callable[[str], bool]) -> None:
    """Copy into `staging` the files of the previous output `out` that it wrote itself and `keep` selects."""
    for rel in owned_files(out):
        if keep(rel):
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(out / rel, target, follow_symlinks=False)


def staging_prefix(out: Path) -> str:
    return f".fiches-{out.name}-"


def is_staging_of(name: str, out: Path) -> bool:
    """Whether `name` (in the parent of `out`) is a staging folder of `out`: the prefix of `out` followed by exactly
    what `tempfile` adds, so that `.fiches-site-x-abcd1234` (of `site-x`) is not taken for one of `site`."""
    return re.fullmatch(re.escape(staging_prefix(out)) + _TEMP_NAME, name) is not None


def lock_path(out: Path) -> Path:
    return out.parent / f".{out.name}.lock"
