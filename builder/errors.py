"""Problems found in content, and the small exception family the CLI prints without a traceback."""

from __future__ import annotations

import difflib
import errno
import re
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["erreur", "avertissement"]

# What a terminal would obey instead of showing: C0 and C1 controls (escape sequences, carriage return, erase),
# DEL, and the bidirectional overrides that reorder a line on screen.
_UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escaped(match: re.Match) -> str:
    char = match[0]
    return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char) or (
        f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"
    )


def shown(text: object, newlines: bool = False) -> str:
    """`text` as a terminal may print it: every control character written as its escape (`\\x1b`, `\\r`,
    `\\u202e`), so content can neither move the cursor, erase a line nor colour one. Newlines are kept only
    with `newlines=True` (a multi-line message); within one line they are shown as `\\n` too."""
    return (_UNSAFE if newlines else _UNSAFE_LINE).sub(_escaped, str(text))


@dataclass(frozen=True, order=True)
class Problem:
    """One content problem, printed as `path:line: champ : message`."""

    path: str
    line: int | None
    field: str | None
    message: str
    severity: Severity = "erreur"

    def __str__(self) -> str:
        where = f"{shown(self.path)}:{self.line}" if self.line else shown(self.path)
        what = f"{shown(self.field)} : " if self.field else ""
        return f"{where}: {what}{shown(self.message)}"


@dataclass
class Report:
    """Every error and warning of one run, collected before anything stops."""

    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def error(self, path: str, line: int | None, fld: str | None, message: str) -> None:
        self.errors.append(Problem(path, line, fld, message, "erreur"))

    def warning(self, path: str, line: int | None, fld: str | None, message: str) -> None:
        self.warnings.append(Problem(path, line, fld, message, "avertissement"))

    def extend(self, other: Report) -> None:
        self.errors.extend(other.errors)
        self.warnings.extend(other.warnings)

    def failed(self, strict: bool = False) -> bool:
        return bool(self.errors or (strict and self.warnings))

    def sorted(self) -> Report:
        return Report(sorted(set(self.errors), key=_order), sorted(set(self.warnings), key=_order))


def _order(p: Problem) -> tuple:
    return (p.path, p.line or 0, p.field or "", p.message)


class ContentError(Exception):
    """The content has errors: the report says which, where, and how to fix them."""

    def __init__(self, report: Report) -> None:
        super().__init__(f"{len(report.errors)} erreur(s) dans le contenu")
        self.report = report


class BuildError(Exception):
    """A build step failed for a reason that is not a content error (template, engine, disk)."""


_ERRNO_FR = {
    errno.ENOENT: "fichier ou dossier introuvable",
    errno.EACCES: "permission refusée",
    errno.EPERM: "opération non permise",
    errno.EISDIR: "c'est un dossier, pas un fichier",
    errno.ENOTDIR: "un élément du chemin n'est pas un dossier",
    errno.ENOSPC: "plus de place sur le disque",
    errno.EFBIG: "fichier trop grand (taille maximale des fichiers atteinte)",
    errno.EDQUOT: "quota de disque dépassé",
    errno.ELOOP: "lien symbolique refusé (ou en boucle)",
    errno.EROFS: "système de fichiers en lecture seule",
    errno.EEXIST: "existe déjà",
    errno.ENAMETOOLONG: "nom de fichier trop long",
    errno.EADDRINUSE: "adresse déjà utilisée (un autre programme écoute sur ce port ?)",
}


def oserror_fr(exc: OSError) -> str:
    """A system error in French, with the path it concerns: `sortie/x.csv : fichier ou dossier introuvable`."""
    reason = _ERRNO_FR.get(exc.errno or 0, exc.strerror or str(exc))
    if exc.filename and exc.filename2:  # a copy or a rename: both ends
        return f"{shown(exc.filename)} → {shown(exc.filename2)} : {reason}"
    return f"{shown(exc.filename)} : {reason}" if exc.filename else reason


def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    """`3 fiches`, `1 fiche`, `0 erreur` (French: 0 and 1 take the singular)."""
    word = singular if n < 2 else (plural_form or singular + "s")
    return f"{n} {word}"


def did_you_mean(value: str, choices: list[str] | tuple[str, ...]) -> str:
    """` (vouliez-vous dire « x » ?)` when a close choice exists, else ``."""

    def norm(text: str) -> str:
        return str(text).strip().lower().replace("-", "_").replace(" ", "_")

    originals = {norm(c): c for c in choices}
    match = difflib.get_close_matches(norm(value), list(originals), n=1, cutoff=0.6)
    return f" (vouliez-vous dire « {originals[match[0]]} » ?)" if match else ""
