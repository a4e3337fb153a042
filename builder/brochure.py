"""Stage 4, brochure: the yearly communication piece, for the screen or for a print shop.

Same models, same templates folder, same WeasyPrint plumbing as the plan (`builder.pdf`). Print options come
from `plan.yml` (`brochure:` format, fond_perdu, imprimeur); the QR code on the back page points to the
intranet address, `site_url` in the repository's `mkdocs.yml`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from markupsafe import Markup

from builder import fr
from builder.facts import statut_badge
from builder.mkdocs_site import CONFIG as MKDOCS_YML
from builder.mkdocs_site import site_url
from builder.model import STATUTS, Fiche, PageFormat, Projet
from builder.pdf import (
    THEME,
    cached_render,
    content_key,
    metadata,
    render_template,
    write_pdf,
)

BROCHURE_CSS = [THEME / "print.css", THEME / "brochure.css"]


def qr_svg(url: str) -> Markup:
    """The QR code of `url` as vector SVG (segno), sized by the stylesheet."""
    import segno

    code = segno.make(url, error="m", micro=False)
    return Markup(code.svg_inline(scale=1, border=0, dark="#14253a", omitsize=True))


def page_css(projet: Projet) -> str:
    """Page size, bleed and crop marks from `plan.yml` (`brochure:`): numbers only, from validated models."""
    options = projet.plan.brochure
    fmt = options.format
    size = f"{fmt.largeur}mm {fmt.hauteur}mm" if isinstance(fmt, PageFormat) else fmt
    css = f"@page {{ size: {size}; }}\n"
    if options.imprimeur:
        css += f"@page {{ bleed: {options.fond_perdu}mm; marks: crop; }}\n"
    return css


def realisees_in(projet: Projet, year: int) -> list[tuple[Fiche, Any]]:
    """Fiches réalisées during `year`, with their latest suivi entry of that year (or None).

    When git knows the day a fiche became réalisée, that day decides; otherwise (outside git, or a fiche
    committed already réalisée) its latest suivi entry must be dated in `year`: a fiche finished earlier
    whose last note is older is not claimed for this edition."""
    out = []
    for fiche in projet.fiches:
        if fiche.statut != "realisee":
            continue
        entries = [s for s in fiche.suivi_recent if s.date.year == year]
        history = projet.history.get(fiche.id)
        done = [c.date for c in history.changements if c.nature == "statut" and c.apres == "realisee"] \
            if history else []
        if done:
            if done[-1].year == year:
                out.append((fiche, entries[0] if entries else None))
        elif fiche.suivi_recent and fiche.suivi_recent[0].date.year == year:
            out.append((fiche, entries[0]))
    return out


def brochure_context(projet: Projet, url: str | None) -> dict[str, Any]:
    plan = projet.plan
    axes = []
    for axe in plan.axes:
        fiches = projet.fiches_of_axe(axe.numero)
        axes.append({"axe": axe, "objectifs": [(o, projet.fiches_of_objectif(o.numero)) for o in axe.objectifs],
                     "count": len(fiches), "progress": projet.progress(fiches),
                     "realisees": sum(1 for f in fiches if f.statut == "realisee")})
    by_statut = projet.by_statut()
    return {
        "projet": projet, "plan": plan, "axes": axes, "stats": projet.stats(),
        "statuts": [(projet.statut(code), len(fiches)) for code, fiches in by_statut.items() if fiches],
        "realisees": realisees_in(projet, plan.edition),
        "bilan": projet.bilan_resume,
        "url": url, "qr": qr_svg(url) if url else None,
        "date_situation": fr.date_fr(projet.date_situation),
        "badge_of": {code: statut_badge(projet, code) for code in STATUTS}.__getitem__,
        "meta": metadata(projet, f"{plan.titre} — brochure {plan.edition}",
                         f"Brochure {plan.edition} du projet d'administration — {plan.collectivite}"),
    }


def brochure_html(projet: Projet, url: str | None) -> str:
    return render_template("brochure.html.j2", **brochure_context(projet, url))


def render_brochure(projet: Projet, path: Path) -> None:
    """Write the brochure PDF to `path` (screen or print-shop version), or copy it from the cache."""
    url = site_url()
    if url is None:
        print(f"{MKDOCS_YML.name} : pas de site_url ; la brochure est produite sans QR code vers l'intranet "
              "[avertissement]", file=sys.stderr)

    def render(target: Path) -> None:
        write_pdf(brochure_html(projet, url), target, BROCHURE_CSS, page_css(projet))

    cached_render("brochure", content_key("brochure", projet, url), path, render)
