"""Rules on the Markdown texts that `fiches build` would otherwise only meet while rendering: relative links to
pages the site does not have (the build would fail), block nesting too deep to render as written (rendered
flat). Run by `fiches check` and by every build before anything is rendered, each problem at its file and line.
"""

from __future__ import annotations

import difflib
import posixpath
from collections.abc import Iterator

from builder.content.load import Source
from builder.content.model import Projet
from builder.content.site_links import may_link, relative_targets, site_pages
from builder.errors import Report
from builder.render.markdown import MAX_NESTING, nesting_too_deep, to_html

_LINK = (
    "lien « {href} » vers « {target} », une page qui n'existe pas sur le site{hint} ; une autre fiche s'écrit "
    "../<numéro avec des tirets>/ (ex. ../{example}/), sinon écrivez l'adresse complète"
)
_NESTING = (
    f"plus de {MAX_NESTING} niveaux de listes ou de citations sur une ligne : la suite de la ligne est "
    "affichée comme du texte"
)


def _texts(
    projet: Projet, plan_source: Source, sources: dict[int, Source]
) -> Iterator[tuple[Source, str, int, str | None, str]]:
    """Every Markdown text shown on a page whose links the site checks: (source, page URL, line of the text,
    field, text)."""
    for fiche in projet.fiches:
        src = sources[id(fiche)]
        page = f"fiches/{fiche.slug}/"
        yield src, page, src.body_line, None, fiche.body
        yield src, page, src.line(("resume",)), "resume", fiche.resume
        for i, suivi in enumerate(fiche.suivi):
            yield src, page, src.line(("suivi", i, "texte")), f"suivi[{i + 1}].texte", suivi.texte
    for i, axe in enumerate(projet.plan.axes):
        page = f"axes/{axe.numero}/"
        yield (
            plan_source,
            page,
            plan_source.line(("axes", i, "description")),
            f"axes[{i + 1}].description",
            axe.description or "",
        )
        for j, objectif in enumerate(axe.objectifs):
            yield (
                plan_source,
                page,
                plan_source.line(("axes", i, "objectifs", j, "description")),
                f"axes[{i + 1}].objectifs[{j + 1}].description",
                objectif.description or "",
            )


def check_texts(projet: Projet, plan_source: Source, sources: dict[int, Source], report: Report) -> None:
    """Broken relative links (errors) and too deep nesting (warnings) of every Markdown text, at their line."""
    pages: set[str] | None = None
    for src, page, line, fld, text in _texts(projet, plan_source, sources):
        if not text:
            continue
        body = fld is None  # a fiche's body: its lines are the file's lines from `line` on
        deep = nesting_too_deep(text)
        if deep is not None:
            report.warning(src.path, line + deep if body else line, fld, _NESTING)
        if not may_link(text):
            continue
        if pages is None:
            pages = site_pages(projet)
        for href, target in relative_targets(str(to_html(text)), page):
            if target in pages:
                continue
            at = text.find(href)
            where = line + text.count("\n", 0, at) if body and at >= 0 else line
            report.error(
                src.path,
                where,
                fld,
                _LINK.format(href=href, target=target, hint=_hint(target, page, pages), example=_example(projet, page)),
            )


def _hint(target: str, page: str, pages: set[str]) -> str:
    """` (vouliez-vous dire « ../1-10-1/ » ?)`: the closest page, written as a link from `page`."""
    match = difflib.get_close_matches(target, sorted(pages - {page}), n=1, cutoff=0.6)
    if not match:
        return ""
    href = posixpath.relpath(match[0] or ".", page or ".") + ("/" if match[0].endswith("/") or not match[0] else "")
    return f" (vouliez-vous dire « {href} » ?)"


def _example(projet: Projet, page: str) -> str:
    others = [f.slug for f in projet.fiches if f"fiches/{f.slug}/" != page]
    return others[0] if others else "1-1-1"
