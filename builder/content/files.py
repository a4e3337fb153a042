"""Reading and writing content files safely: only regular files inside the content folder are read, and
never more than a size limit; nothing is ever written through a symbolic link.

A fiche may be a symbolic link to another file of the content (a shared text); a link that leaves the content
folder, a loop of links, a named pipe (FIFO), a device or a socket is refused with a French message, never read
(reading `/dev/zero` would never end, opening a FIFO would wait forever).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from builder.errors import oserror_fr

FICHE_LIMIT = 5 * 1024 * 1024  # bytes: a real fiche is a few kilobytes
PLAN_LIMIT = 20 * 1024 * 1024
_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


class Refused(Exception):
    """A content file that is not read or written; the message (French) says why and what to do."""


def _megabytes(size: int) -> str:
    """`5 Mo`, `5,1 Mo`: tenths of a megabyte, rounded up (a file just over the limit does not read as equal)."""
    tenths = -(-size * 10 // (1024 * 1024))
    return (f"{tenths // 10}" + (f",{tenths % 10}" if tenths % 10 else "")) + " Mo"


def kind_fr(mode: int) -> str:
    """What a non-regular file is, in French."""
    if stat.S_ISFIFO(mode):
        return "un tube nommé (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "un périphérique"
    if stat.S_ISSOCK(mode):
        return "une socket"
    if stat.S_ISDIR(mode):
        return "un dossier"
    return "un fichier spécial"


def inside(path: str, root: str) -> bool:
    """Whether the resolved `path` is `root` or below it (both resolved)."""
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def link_target(path: Path, root: str | None) -> str:
    """The resolved target of the symbolic link `path`, or `Refused` (a loop, a missing target, a target outside
    the resolved folder `root`)."""
    try:
        target = os.path.realpath(path, strict=True)
    except OSError as exc:
        if exc.errno == 40:  # ELOOP
            raise Refused(
                "lien symbolique en boucle (il renvoie à lui-même) : il n'est pas lu ; "
                "remplacez-le par le fichier lui-même"
            ) from None
        raise Refused(f"lien symbolique vers un fichier introuvable ({os.readlink(path)}) : il n'est pas lu") from None
    if root is not None and not inside(target, root):
        raise Refused(
            f"lien symbolique vers un fichier hors du dossier du contenu ({target}) : il n'est pas lu ; "
            "copiez le fichier dans le contenu au lieu d'un lien"
        )
    return target


def read_regular(path: Path, limit: int, root: str | None = None) -> bytes:
    """The bytes of the regular file `path` (a symbolic link is followed only to a regular file inside the
    resolved folder `root`), or `Refused`. Costs what `Path.read_bytes` costs: one open, one fstat, one read."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        if exc.errno != 40 or not os.path.islink(path):  # ELOOP with O_NOFOLLOW: the last part is a link
            raise Refused(f"lecture impossible : {_reason(exc)}") from None
        try:
            fd = os.open(link_target(path, root), _OPEN_FLAGS)
        except OSError as inner:
            raise Refused(f"lecture impossible : {_reason(inner)}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Refused(f"ce n'est pas un fichier ordinaire mais {kind_fr(info.st_mode)} : il n'est pas lu")
        if info.st_size > limit:
            raise Refused(
                f"fichier trop gros ({_megabytes(info.st_size)}, au plus {_megabytes(limit)}) : "
                "il n'est pas lu ; vérifiez que c'est bien le bon fichier"
            )
        chunks = [os.read(fd, info.st_size + 1)]
        total = len(chunks[0])
        while total > info.st_size:  # the file grew while being read: go on, up to the limit
            chunk = os.read(fd, 1024 * 1024)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise Refused(f"fichier trop gros (plus de {_megabytes(limit)}) : il n'est pas lu")
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)
    except OSError as exc:
        raise Refused(f"lecture impossible : {_reason(exc)}") from None
    finally:
        os.close(fd)


def _reason(exc: OSError) -> str:
    filename, exc.filename = exc.filename, None
    try:
        return oserror_fr(exc)
    finally:
        exc.filename = filename


def write_text(path: Path, text: str, root: Path | None = None) -> None:
    """Write `path` whole (a temporary file, then a rename), refusing a symbolic link or anything that is not a
    regular file at `path`: the link is never followed, its target never replaced; with `root`, the folder of
    `path` must be inside `root` once links are resolved. Raises `Refused` or OSError."""
    if root is not None and not inside(os.path.realpath(path.parent), os.path.realpath(root)):
        raise Refused(f"{path.parent} est un lien symbolique vers un dossier hors du contenu : rien n'y est écrit")
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    if info is not None and stat.S_ISLNK(info.st_mode):
        raise Refused(
            f"{path} est un lien symbolique : rien n'est écrit à travers lui ; supprimez le lien, ou "
            "remplacez-le par un fichier ordinaire"
        )
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise Refused(f"{path} n'est pas un fichier ordinaire mais {kind_fr(info.st_mode)} : rien n'y est écrit")
    temporary = path.with_name(f".{path.name}.fiches-tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o644)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as file:
            file.write(text)
        if info is not None:
            os.chmod(temporary, stat.S_IMODE(info.st_mode))
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
