"""The pages the site will have, and the relative links an editor's text makes from a page: one rule, used by
the site when it checks its links and by `fiches check` (so that a check that passes means a build that does
not fail on a link). Light on purpose: `fiches check` imports it.
"""

from __future__ import annotations

import posixpath
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from builder.content.model import Projet

DOWNLOADS = "telechargements"
FEED = "actualites.xml"

# What the Téléchargements page links, when the file exists (label, description); `{edition}` is filled in.
DOWNLOAD_FILES: tuple[tuple[str, str, str], ...] = (
    ("plan-{edition}.pdf", "Le plan complet (PDF)", "Toutes les fiches-actions, avec leurs jalons et indicateurs."),
    ("brochure-{edition}.pdf", "La brochure {edition} (PDF)", "La brochure annuelle, à lire ou à imprimer."),
    ("fiches.csv", "Les fiches (CSV, UTF-8)", "Une ligne par fiche, pour un tableur ou un traitement."),
    ("fiches-excel.csv", "Les fiches (CSV pour Excel)", "Le même tableau, encodé pour Excel sous Windows."),
    ("fiches.xlsx", "Les fiches (Excel)", "Le tableau de suivi au format Excel."),
    ("plan.json", "Le plan (JSON)", "Toutes les données du plan, pour les outils."),
    ("jalons.ics", "Les jalons (agenda iCalendar)", "Les jalons à importer dans un agenda."),
    ("plan.schema.json", "Le schéma du JSON (JSON Schema)", "La description de chaque champ de plan.json."),
)
# The pages every site has, besides the axes and the fiches (see `SiteRenderer.render_all`).
FIXED_PAGES = (
    "",
    "directions/",
    "statuts/",
    "prioritaires/",
    "collectivites/",
    "themes/",
    "calendrier/",
    "tableau-de-bord/",
    "actualites/",
    f"{DOWNLOADS}/",
    "accessibilite/",
)

_HREF = re.compile(r'href="([^"]*)"')
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
# A text can only hold a relative link through one of these (a link, a reference definition, raw HTML).
_MAY_LINK = re.compile(r"\]\(|\]:|\]\[|href", re.IGNORECASE)


def may_link(text: str | None) -> bool:
    """Whether a Markdown text may hold a link at all (a cheap test before converting it)."""
    return bool(text and _MAY_LINK.search(text))


def relative_targets(html: str, page: str) -> list[tuple[str, str]]:
    """The relative links of `html` written on the page `page` (`fiches/1-1-1/`): (href as written, target page
    URL as the site names its pages: `fiches/1-1-2/`, `telechargements/plan-2025.pdf`, `` for the home page)."""
    found = []
    for href in _HREF.findall(html):
        href = href.replace("&amp;", "&")
        if href and not _SCHEME.match(href) and not href.startswith(("#", "//", "/")):
            resolved = posixpath.normpath(posixpath.join(page or ".", href.split("#")[0]))
            target = "" if resolved == "." else resolved + "/" if not posixpath.splitext(resolved)[1] else resolved
            found.append((href, target))
    return found


def site_pages(projet: Projet, bilan: bool = True) -> set[str]:
    """The URL of every page and download the site of `projet` has (the bilan page only exists in git)."""
    edition = projet.plan.edition
    pages = set(FIXED_PAGES)
    pages.update(f"axes/{axe.numero}/" for axe in projet.plan.axes)
    pages.update(f"fiches/{fiche.slug}/" for fiche in projet.fiches)
    pages.update(f"{DOWNLOADS}/{name.format(edition=edition)}" for name, _, _ in DOWNLOAD_FILES)
    pages.add(FEED)
    if bilan:
        pages.add(f"bilan-{edition}/")
    return pages
