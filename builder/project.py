"""The one way to read a plan: load → validate → model → what git knows (history, the edition's review), as one
complete, immutable `Projet`.

Every command reads its plan here: `build`, `pdf` and `serve` (through `build`) take everything; `stats`,
`export`, `bilan` and `relances` leave out what they do not show, and see the same plan otherwise; `check`,
`new` and `import` collect every problem into a `Report` instead of stopping (`read_projet`, `check_content`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from builder.content.load import Content, load_content
from builder.content.model import Projet
from builder.content.validate import validate
from builder.errors import ContentError, Report


def load_projet(
    content: Path,
    *,
    history: bool = True,
    changes: bool = True,
    bilan: bool = True,
    strict: bool = False,
    today: dt.date | None = None,
) -> Projet:
    """The validated plan of the folder `content`, complete: the git history of each fiche (`history`; only the
    dates of its commits without `changes`) and the edition's review (`bilan`), both empty outside git. Raises
    `ContentError` with every problem (warnings too under `strict`); the warnings are `projet.warnings`."""
    report = Report()
    projet = read_projet(content, report, today)
    report = report.sorted()
    if projet is None or report.failed(strict):
        if strict:
            report = Report(report.errors + report.warnings, [])
        raise ContentError(report)
    return projet.replace(warnings=report.warnings, **_living(projet, content, history, changes, bilan))


def read_projet(content: Path, report: Report, today: dt.date | None = None) -> Projet | None:
    """The validated plan without what git knows, or None; every error and warning goes into `report`."""
    return _read(content, report, today)[1]


def check_content(content: Path, report: Report, today: dt.date | None = None) -> int:
    """`fiches check`: every problem into `report`; the number of fiche files, those that could not even be loaded
    included."""
    loaded, _ = _read(content, report, today)
    paths = {s.path for s in loaded.fiches}
    unreadable = {p.path for p in report.errors if p.path.endswith(".md") and p.path not in paths}
    return len(loaded.fiches) + len(unreadable)


def _read(content: Path, report: Report, today: dt.date | None) -> tuple[Content, Projet | None]:
    loaded = load_content(content, report)
    return loaded, validate(loaded, report, today)


def _living(projet: Projet, content: Path, history: bool, changes: bool, bilan: bool) -> dict:
    """What git knows of the plan, as parts of `Projet`."""
    parts: dict = {}
    if history:
        from builder.living.history import read_history

        parts["history"] = read_history(content, projet, changes=changes)
    if bilan:
        from builder.living.bilan import edition_bilan, render_markdown

        review = edition_bilan(projet, content)
        if review is not None:  # one review, two lengths: whole on the site, compact in the brochure
            parts["bilan"] = review
            parts["bilan_markdown"] = render_markdown(review, title=False)
            parts["bilan_resume"] = render_markdown(review, title=False, compact=True, period=False)
    return parts
