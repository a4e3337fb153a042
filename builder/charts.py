"""Static SVG charts drawn in Python, shared by the site and the PDFs (no JavaScript, no external asset)."""

from __future__ import annotations

from markupsafe import Markup, escape

from builder.fr import date_fr, number_fr
from builder.model import Indicateur

FONT = "Inter, sans-serif"  # the shipped font, served by the site and embedded in the PDFs


def indicator_svg(ind: Indicateur, width: int = 420, height: int = 160, color: str = "#0b5cad") -> Markup:
    """A line of the measures (with the initial value) against a dashed target line.

    The SVG has a title and a description for screen readers; the same data is always shown as a table too.
    """
    points = sorted(ind.mesures, key=lambda m: m.date)
    values = [m.valeur for m in points]
    extra = [v for v in (ind.valeur_initiale, ind.cible) if v is not None]
    if not values and not extra:
        return Markup("")
    low, high = min(values + extra + [0]), max(values + extra)
    if high == low:
        high = low + 1
    left, right, top, bottom = 44, 12, 14, 28
    plot_w, plot_h = width - left - right, height - top - bottom

    def y(v: float) -> float:
        return round(top + plot_h * (1 - (v - low) / (high - low)), 1)

    n = len(points)

    def x(i: int) -> float:
        return round(left + (plot_w * (i / (n - 1)) if n > 1 else plot_w / 2), 1)

    unit = f" {ind.unite}" if ind.unite else ""
    desc = "; ".join(f"{date_fr(m.date)} : {number_fr(m.valeur)}{unit}" for m in points)
    if ind.cible is not None:
        desc += f"; cible : {number_fr(ind.cible)}{unit}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" font-family="{FONT}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(ind.nom)}">',
        f"<title>{escape(ind.nom)}</title><desc>{escape(desc)}</desc>",
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#888" '
        'stroke-width="1"/>',
    ]
    for value in sorted({low, high}):
        parts.append(f'<text x="{left - 6}" y="{y(value) + 4}" font-size="11" text-anchor="end" '
                     f'fill="#333">{escape(number_fr(value))}</text>')
    if ind.cible is not None:
        ty = y(ind.cible)
        parts.append(f'<line x1="{left}" y1="{ty}" x2="{left + plot_w}" y2="{ty}" stroke="#17753a" '
                     'stroke-width="1.5" stroke-dasharray="6 4"/>')
        parts.append(f'<text x="{left + plot_w}" y="{ty - 4}" font-size="11" text-anchor="end" '
                     f'fill="#17753a">cible {escape(number_fr(ind.cible))}</text>')
    if ind.valeur_initiale is not None:
        iy = y(ind.valeur_initiale)
        parts.append(f'<line x1="{left}" y1="{iy}" x2="{left + plot_w}" y2="{iy}" stroke="#999" '
                     'stroke-width="1" stroke-dasharray="2 3"/>')
    if points:
        coords = " ".join(f"{x(i)},{y(v)}" for i, v in enumerate(values))
        parts.append(f'<polyline points="{coords}" fill="none" stroke="{color}" stroke-width="2.5"/>')
        for i, m in enumerate(points):
            parts.append(f'<circle cx="{x(i)}" cy="{y(m.valeur)}" r="3.5" fill="{color}"/>')
            # The extreme labels hang inwards from their point: centred, they would be clipped by the SVG's edges.
            anchor = "middle" if n == 1 or 0 < i < n - 1 else "start" if i == 0 else "end"
            lx = x(i) - 3.5 if anchor == "start" else x(i) + 3.5 if anchor == "end" else x(i)
            parts.append(f'<text x="{lx}" y="{top + plot_h + 16}" font-size="10" text-anchor="{anchor}" '
                         f'fill="#333">{escape(str(m.date))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
