"""Stage 4, brochure: the yearly communication piece, for the screen or for a print shop.

Same models, same templates folder, same WeasyPrint plumbing as the plan (`builder.outputs.pdf.plan`). Print options
come from `plan.yml` (`brochure:` format, fond_perdu, imprimeur, papier); the QR code on the back page points to the
intranet address, the project's `site_url` (its settings).

A saddle-stitched booklet has a multiple of 4 pages, with the back cover last: after the brochure's own pages
come filler pages worth reading (the actions by direction, « Pour aller plus loin », then notes pages), as few
as needed. The brochure is laid out once with all of them; the pages kept are those of the best choice, or,
when that choice leaves out a page before another one it keeps (whose page numbers would then be wrong), the
brochure is laid out again with that choice.

The print-shop version (`imprimeur: oui`) is a PDF/X-4 (`builder.outputs.pdf.plan.write_document`): CMYK through the
profile of the chosen paper, the bleed asked for, and around it a white slug with the crop marks in
registration colour (visible on any background, never inside the bleed). `fiches build` refuses it when the
preflight (`builder.outputs.pdf.check.print_problems`) finds any problem.
"""

from __future__ import annotations

import base64
import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup

from builder import fr
from builder.content.model import PageFormat, Projet
from builder.errors import BuildError
from builder.outputs.pdf.plan import (
    PrintSetup,
    cached_render,
    claim_or_warn,
    content_key,
    metadata,
    print_badges,
    render_document,
    render_template,
    write_document,
)
from builder.settings import Settings

BROCHURE_CSS = ("print/print.css", "print/brochure.css")  # in the theme layers
SLUG_MM = 8.0  # white band outside the bleed that carries the crop marks
MARK_GAP_MM = 1.0  # between the bleed's edge and a crop mark
MARK_LENGTH_MM = 5.0
QR_QUIET_ZONE = 4  # modules of white around the QR code (ISO/IEC 18004)
FORMATS = {"A4": (210.0, 297.0), "A5": (148.0, 210.0)}

# filler pages, in the order they are laid out (and the order of their usefulness); notes may be repeated
FILLERS = ("directions", "plus-loin", "notes-1", "notes-2", "notes-3")
BACK = "quatrieme"


def qr_svg(url: str) -> Markup:
    """The QR code of `url` as vector SVG (segno) with its quiet zone of 4 white modules and a title (the /Alt
    of its Figure in the PDF: the address it encodes), sized by the stylesheet."""
    import segno

    code = segno.make(url, error="m", micro=False)
    svg = code.svg_inline(
        scale=1,
        border=QR_QUIET_ZONE,
        dark="#14253a",
        light="#ffffff",
        omitsize=True,
        title=f"QR code de l'adresse de l'intranet : {url}",
    )
    # no default black fill for the modules' stroked path (it would be an RGB black in the print version)
    return Markup(svg.replace("<svg ", '<svg fill="none" ', 1))


def trim_size(projet: Projet) -> tuple[float, float]:
    """The finished page size in mm."""
    fmt = projet.plan.brochure.format
    return (float(fmt.largeur), float(fmt.hauteur)) if isinstance(fmt, PageFormat) else FORMATS[fmt]


def print_setup(projet: Projet) -> PrintSetup | None:
    options = projet.plan.brochure
    return PrintSetup(options.papier, float(options.fond_perdu)) if options.imprimeur else None


def crop_marks_svg(width: float, height: float, bleed: float, slug: float = SLUG_MM) -> str:
    """The slug of a page (everything outside the bleed, painted white) with its crop marks on the trim lines,
    starting outside the bleed, in registration colour (all four inks: on every plate). Millimetres."""
    outer = bleed + slug
    total_w, total_h = width + 2 * outer, height + 2 * outer
    left, top, right, bottom = outer, outer, outer + width, outer + height
    near = slug - MARK_GAP_MM  # the mark's end nearest the page, measured from the sheet's edge
    far = near - MARK_LENGTH_MM
    marks = []
    for x in (left, right):  # vertical marks above and below the page
        marks += [f"M{x:g} {far:g}V{near:g}", f"M{x:g} {total_h - far:g}V{total_h - near:g}"]
    for y in (top, bottom):  # horizontal marks left and right of the page
        marks += [f"M{far:g} {y:g}H{near:g}", f"M{total_w - far:g} {y:g}H{total_w - near:g}"]
    frame = f"M0 0H{total_w:g}V{total_h:g}H0Z M{slug:g} {slug:g}V{total_h - slug:g}H{total_w - slug:g}V{slug:g}Z"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_w:g}mm" height="{total_h:g}mm" '
        f'viewBox="0 0 {total_w:g} {total_h:g}">'
        f'<path d="{frame}" fill="device-cmyk(0 0 0 0)" fill-rule="evenodd"/>'
        f'<path d="{" ".join(marks)}" fill="none" stroke="device-cmyk(1 1 1 1)" stroke-width="0.1"/></svg>'
    )


def _data_url(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def page_css(projet: Projet) -> str:
    """Page size, bleed and crop marks from `plan.yml` (`brochure:`): numbers only, from validated models."""
    options = projet.plan.brochure
    width, height = trim_size(projet)
    css = f"@page {{ size: {width:g}mm {height:g}mm; }}\n"
    if options.imprimeur:
        bleed = float(options.fond_perdu)
        outer = bleed + SLUG_MM
        marks = _data_url(crop_marks_svg(width, height, bleed))
        css += (
            f"@page {{ bleed: {outer:g}mm; background-image: url({marks}); background-repeat: no-repeat; "
            f"background-attachment: fixed; background-position: -{outer:g}mm -{outer:g}mm; "
            f"background-size: {width + 2 * outer:g}mm {height + 2 * outer:g}mm; }}\n"
        )
    return css


def notes_lines_svg() -> str:
    """Ruled lines of a notes page (a background: an artifact), 9 mm apart, in a light grey."""
    lines = "".join(f'<path d="M0 {y}H1000" />' for y in range(90, 1500, 90))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1000 1500" preserveAspectRatio="none">'
        f'<g stroke="#c8cdd3" stroke-width="2">{lines}</g></svg>'
    )


def brochure_context(projet: Projet, url: str | None, fillers: tuple[str, ...] = FILLERS) -> dict[str, Any]:
    plan = projet.plan
    axes = []
    for axe in plan.axes:
        fiches = projet.fiches_of_axe(axe.numero)
        axes.append(
            {
                "axe": axe,
                "objectifs": [(o, projet.fiches_of_objectif(o.numero)) for o in axe.objectifs],
                "count": len(fiches),
                "progress": projet.progress(fiches),
                "realisees": sum(1 for f in fiches if f.statut == "realisee"),
            }
        )
    by_statut = projet.by_statut()
    setup = print_setup(projet)
    convert = None
    if setup is not None:
        from builder.outputs.pdf.cmyk import cmyk_html

        def convert(svg: str) -> str:
            return cmyk_html(svg, setup.paper)

    badges = print_badges(projet, convert)
    lines = notes_lines_svg() if convert is None else convert(notes_lines_svg())
    by_direction = [
        (d, fs, projet.progress(fs))
        for d in plan.directions
        if (fs := [f for f in projet.fiches if f.pilote == d.code])
    ]
    return {
        "projet": projet,
        "plan": plan,
        "axes": axes,
        "stats": projet.stats(),
        "statuts": [(projet.statut(code), len(fiches)) for code, fiches in by_statut.items() if fiches],
        # one set of facts (builder.living.bilan): the réalisées listed here are the bilan's « → Réalisée » group
        "realisees": [(f, entry) for f, entry, _ in projet.bilan.realisees] if projet.bilan else None,
        "periode": _periode(projet.bilan.periode) if projet.bilan else None,
        "bilan": projet.bilan_resume,
        "url": url,
        "qr": qr_svg(url) if url else None,
        "downloads": f"{url.rstrip('/')}/telechargements/" if url else None,
        "date_situation": fr.date_fr(projet.date_situation),
        "badge_of": badges.__getitem__,
        "fillers": fillers,
        "by_direction": by_direction,
        "notes_lines": _data_url(lines),
        "imprimeur": setup is not None,
        "meta": metadata(
            projet,
            f"{plan.titre} — brochure {plan.edition}",
            f"Brochure {plan.edition} du projet d'administration — {plan.collectivite}",
        ),
    }


def _periode(periode: tuple[Any, Any]) -> str:
    """« du 1er janvier au 15 octobre 2026 » (the year once when both ends share it)."""
    start, stop = periode
    if stop is None:
        return f"depuis le {fr.date_fr(start)}"
    first = fr.date_fr(start)
    if start.year == stop.year:
        first = first.rsplit(" ", 1)[0]
    return f"du {first} au {fr.date_fr(stop)}"


def brochure_html(
    projet: Projet, url: str | None, fillers: tuple[str, ...] = FILLERS, settings: Settings | None = None
) -> str:
    return render_template(
        "brochure.html.j2", settings or Settings.packaged(), **brochure_context(projet, url, fillers)
    )


# --- filler pages ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """The pages of a laid-out brochure: its own, then each filler's, then the back cover."""

    own: int
    fillers: dict[str, int]  # laid-out filler → its page count
    back: int

    def total(self, chosen: tuple[str, ...]) -> int:
        return self.own + sum(self.fillers[f] for f in chosen) + self.back


def sections_of(document: Any) -> list[str]:
    """The section each page belongs to: "own", a filler's id or the back cover's, from the page's anchors."""
    names = set(FILLERS) | {BACK}
    current, out = "own", []
    for page in document.pages:
        started = [a for a in page.anchors if a in names]
        if started:
            current = started[0]
        out.append(current)
    return out


def layout_of(sections: list[str]) -> Layout:
    return Layout(sections.count("own"), {f: sections.count(f) for f in FILLERS if f in sections}, sections.count(BACK))


def choose_fillers(layout: Layout) -> tuple[str, ...]:
    """The filler pages that bring the brochure to a multiple of 4 pages: the fewest pages, then the fewest notes
    pages; among equals, the more useful fillers (listed first)."""
    useful = [f for f in FILLERS if f in layout.fillers and not f.startswith("notes")]
    notes = [f for f in FILLERS if f in layout.fillers and f.startswith("notes")]
    options = []
    for size in range(len(useful) + 1):
        for chosen in itertools.combinations(useful, size):
            for n in range(len(notes) + 1):
                pages = chosen + tuple(notes[:n])
                total = layout.total(pages)
                rank = [-(len(FILLERS) - FILLERS.index(f)) for f in chosen]
                options.append(((total % 4 != 0, total, n, sorted(rank)), pages))
    return min(options)[1] if options else ()


def _keep(sections: list[str], chosen: tuple[str, ...]) -> list[int] | None:
    """The pages to keep when `chosen` is a prefix of the laid-out fillers (page numbers stay right), else None."""
    laid_out = [f for f in FILLERS if f in sections]
    if tuple(laid_out[: len(chosen)]) != chosen:
        return None
    return [i for i, s in enumerate(sections) if s == "own" or s in chosen or s == BACK]


def lay_out(
    projet: Projet, url: str | None, setup: PrintSetup | None, settings: Settings | None = None
) -> tuple[Any, str]:
    """The brochure laid out with the filler pages that make its page count a multiple of 4."""
    settings = settings or Settings.packaged()
    extra = page_css(projet)
    sheets = [settings.theme_file(name) for name in BROCHURE_CSS]
    html = brochure_html(projet, url, settings=settings)
    document = render_document(html, sheets, extra, setup, site_url=url)
    sections = sections_of(document)
    chosen = choose_fillers(layout_of(sections))
    keep = _keep(sections, chosen)
    if keep is not None:
        return document.copy([document.pages[i] for i in keep]), html
    html = brochure_html(projet, url, chosen, settings)  # a left-out page before a kept one: lay out again
    return render_document(html, sheets, extra, setup, site_url=url), html


def render_brochure(projet: Projet, path: Path, settings: Settings | None = None) -> None:
    """Write the brochure PDF to `path` (screen or print-shop version), or copy it from the cache; without the
    project's `site_url`, there is no QR code.

    The screen version keeps its PDF/UA-1 claim only if the checks pass; the print-shop version must pass the
    preflight, or the build fails (nothing is written)."""
    settings = settings or Settings.packaged()
    url = settings.site_url
    setup = print_setup(projet)
    name = f"brochure-{projet.plan.edition}.pdf"

    def render(target: Path) -> None:
        document, html = lay_out(projet, url, setup, settings)
        write_document(document, target, html, link_text=_link_text, print_setup=setup)
        if setup is None:
            claim_or_warn(target, name)
            return
        from builder.outputs.pdf.check import check_pdf

        problems = check_pdf(target, print_shop=True)
        if problems:
            target.unlink(missing_ok=True)
            lines = "\n".join(f"  {name} : {p}" for p in problems)
            raise BuildError(
                f"{name} : la version imprimeur ne passe pas le contrôle d'impression "
                f"({len(problems)} problème{'s' if len(problems) > 1 else ''}) :\n{lines}"
            )

    cached_render("brochure", content_key("brochure", projet, settings, url), path, render, settings.cache)


def _link_text(target: str, internal: bool) -> str:
    return f"Lien vers {target}" if not internal else f"Aller à « {target} »"
