"""Static SVG charts drawn in Python, shared by the site and the PDFs (no JavaScript, no external asset).

An indicator's chart: its measures on a true time axis (distances proportional to the time between them), French
date labels, 3 to 5 y ticks in French number formatting, the initial value and the target as labelled lines, and no
label over the data line (each label takes the first free place among a few, measured with the shipped font).
"""

from __future__ import annotations

import math
from functools import lru_cache

from markupsafe import Markup, escape

from builder.content.model import Indicateur, PartialDate
from builder.fr import MONTHS, date_fr, number_fr
from builder.resources import theme_dir

FONT = "Inter, sans-serif"  # the shipped font, served by the site and embedded in the PDFs
FONT_FILE = theme_dir() / "fonts" / "Inter-Regular.otf"  # label widths measured with the shipped font
NICE_STEPS = (1, 2, 2.5, 5)

Box = tuple[float, float, float, float]  # x0, y0, x1, y1
Segment = tuple[float, float, float, float]


@lru_cache(maxsize=1)
def _advances() -> tuple[dict[int, float], float]:
    """Advance width of each character of the shipped font, in em."""
    from fontTools.ttLib import TTFont

    font = TTFont(str(FONT_FILE), lazy=True)
    per_em = font["head"].unitsPerEm
    metrics = font["hmtx"].metrics
    widths = {code: metrics[name][0] / per_em for code, name in font.getBestCmap().items() if name in metrics}
    return widths, widths.get(ord("0"), 0.6)


def text_width(text: str, size: float) -> float:
    """Width of `text` set in the shipped font at `size` (user units)."""
    widths, default = _advances()
    return sum(widths.get(ord(c), default) for c in text) * size


def y_ticks(low: float, high: float) -> list[float]:
    """3 to 5 round values from `low` to `high` (included): 0, 25, 50, 75, 100."""
    if high <= low:
        high = low + 1
    span = high - low
    magnitude = 10 ** math.floor(math.log10(span / 4))
    for factor in (0.1, 1, 10, 100):
        for nice in NICE_STEPS:
            step = nice * magnitude * factor
            first, last = math.floor(low / step + 1e-9) * step, math.ceil(high / step - 1e-9) * step
            count = round((last - first) / step) + 1
            if count <= 5:
                return [round(first + i * step, 10) for i in range(count)]
    return [low, high]  # unreachable: a step of 10 × span always fits


def axis_date(date: PartialDate) -> str:
    """`mars 2025` (the axis keeps to months; the table gives the day)."""
    return f"{MONTHS[date.month - 1]} {date.year}" if date.month else str(date.year)


def _intersects(box: Box, seg: Segment) -> bool:
    """Does segment `seg` cross or touch rectangle `box`? (Liang–Barsky clipping)."""
    x0, y0, x1, y1 = box
    ax, ay, bx, by = seg
    dx, dy = bx - ax, by - ay
    t0, t1 = 0.0, 1.0
    for p, q in ((-dx, ax - x0), (dx, x1 - ax), (-dy, ay - y0), (dy, y1 - ay)):
        if p == 0:
            if q < 0:
                return False
        else:
            t = q / p
            if p < 0:
                t0 = max(t0, t)
            else:
                t1 = min(t1, t)
            if t0 > t1:
                return False
    return True


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def label_box(x: float, y: float, width: float, size: float, anchor: str) -> Box:
    """The box of a text drawn at baseline (x, y): ascender ~0.75 em above, descender ~0.25 em below."""
    left = x - width / 2 if anchor == "middle" else x - width if anchor == "end" else x
    return (left, y - 0.78 * size, left + width, y + 0.25 * size)


def indicator_svg(
    ind: Indicateur,
    width: int = 240,
    height: int = 160,
    color: str = "#0b5cad",
    font_size: float = 12,
    fluid: bool = False,
) -> Markup:
    """The measures of `ind` as a line on a time axis, with its initial value and target as labelled lines.

    `width`×`height` is the viewBox (user units); `font_size` is in the same units: the site draws 12 at a scale
    ≥ 1 (`fluid`: the SVG fills its container, never narrower than its viewBox), the plan PDF sizes the chart so
    that its labels are ≥ 7 pt. The SVG has a title and a description for
    screen readers; the same data is always shown as a table too.
    """
    points = sorted(ind.mesures, key=lambda m: m.date)
    values = [m.valeur for m in points]
    extra = [v for v in (ind.valeur_initiale, ind.cible) if v is not None]
    if not values and not extra:
        return Markup("")
    fs = font_size
    ticks = y_ticks(min(values + extra + [0]), max(values + extra))
    low, high = ticks[0], ticks[-1]
    tick_labels = [number_fr(t) for t in ticks]
    left = round(max(text_width(t, fs) for t in tick_labels) + 0.6 * fs + 2, 1)
    right, top, bottom = round(0.5 * fs, 1), round(1.6 * fs, 1), round(1.9 * fs, 1)
    plot_w, plot_h = width - left - right, height - top - bottom
    base = top + plot_h

    def y(v: float) -> float:
        return round(top + plot_h * (1 - (v - low) / (high - low)), 1)

    days = [m.date.first_day().toordinal() for m in points]
    first_day, last_day = (min(days), max(days)) if days else (0, 0)

    def x(day: int) -> float:
        if last_day == first_day:
            return round(left + plot_w / 2, 1)
        return round(left + plot_w * (day - first_day) / (last_day - first_day), 1)

    unit = f" {ind.unite}" if ind.unite else ""
    desc = "; ".join(f"{date_fr(m.date)} : {number_fr(m.valeur)}{unit}" for m in points)
    if ind.valeur_initiale is not None:
        desc = f"valeur initiale : {number_fr(ind.valeur_initiale)}{unit}" + (f"; {desc}" if desc else "")
    if ind.cible is not None:
        desc += f"{'; ' if desc else ''}cible : {number_fr(ind.cible)}{unit}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" font-family="{FONT}" '
        + ('width="100%" style="height: auto" ' if fluid else f'width="{width}" height="{height}" ')
        + f'role="img" aria-label="{escape(ind.nom)}">',
        f"<title>{escape(ind.nom)}</title><desc>{escape(desc)}</desc>",
    ]
    for tick, text in zip(ticks, tick_labels, strict=True):
        ty = y(tick)
        grid = "#888" if tick == low else "#e1e4e8"
        parts.append(f'<line x1="{left}" y1="{ty}" x2="{left + plot_w}" y2="{ty}" stroke="{grid}" stroke-width="1"/>')
        parts.append(
            f'<text x="{round(left - 0.4 * fs, 1)}" y="{round(ty + 0.35 * fs, 1)}" font-size="{fs}" '
            f'text-anchor="end" fill="#333">{escape(text)}</text>'
        )

    coords = [(x(d), y(v)) for d, v in zip(days, values, strict=True)]
    segments: list[Segment] = [(*a, *b) for a, b in zip(coords, coords[1:], strict=False)]
    marks: list[Box] = [(cx - 4, cy - 4, cx + 4, cy + 4) for cx, cy in coords]  # the points, a little wider
    taken: list[Box] = []
    references: list[Segment] = [
        (left, y(v), left + plot_w, y(v)) for v in (ind.cible, ind.valeur_initiale) if v is not None
    ]

    def free(box: Box) -> bool:
        return (
            box[0] >= 0
            and box[2] <= width
            and box[1] >= 0
            and box[3] <= base - 1
            and not any(_intersects(box, s) for s in segments + references)
            and not any(_overlaps(box, m) for m in marks + taken)
        )

    def line_label(value: float, text: str, fill: str, prefer_right: bool) -> None:
        ly = y(value)
        w = text_width(text, fs)
        sides = [("end", left + plot_w), ("start", left + 2)]
        if not prefer_right:
            sides.reverse()
        candidates = [(a, lx, ly + dy) for dy in (-0.35 * fs, 1.05 * fs) for a, lx in sides]
        candidates += [(a, lx, ly + dy) for dy in (-1.3 * fs, 2.0 * fs) for a, lx in sides]
        for anchor, lx, by in candidates:
            box = label_box(lx, by, w, fs, anchor)
            if free(box):
                taken.append(box)
                parts.append(
                    f'<text x="{round(lx, 1)}" y="{round(by, 1)}" font-size="{fs}" text-anchor="{anchor}" '
                    f'fill="{fill}">{escape(text)}</text>'
                )
                return
        # no free place inside the plot: above it, where nothing is drawn
        anchor, lx = ("end", left + plot_w) if prefer_right else ("start", left)
        taken.append(label_box(lx, top - 0.4 * fs, w, fs, anchor))
        parts.append(
            f'<text x="{lx}" y="{round(top - 0.4 * fs, 1)}" font-size="{fs}" text-anchor="{anchor}" '
            f'fill="{fill}">{escape(text)}</text>'
        )

    if ind.cible is not None:
        ty = y(ind.cible)
        parts.append(
            f'<line x1="{left}" y1="{ty}" x2="{left + plot_w}" y2="{ty}" stroke="#17753a" '
            'stroke-width="1.5" stroke-dasharray="6 4"/>'
        )
    if ind.valeur_initiale is not None:
        iy = y(ind.valeur_initiale)
        parts.append(
            f'<line x1="{left}" y1="{iy}" x2="{left + plot_w}" y2="{iy}" stroke="#6b7280" '
            'stroke-width="1.2" stroke-dasharray="2 3"/>'
        )
    if coords:
        parts.append(
            f'<polyline points="{" ".join(f"{cx},{cy}" for cx, cy in coords)}" fill="none" '
            f'stroke="{color}" stroke-width="2.5"/>'
        )
        for cx, cy in coords:
            parts.append(f'<circle cx="{cx}" cy="{cy}" r="3.5" fill="{color}"/>')
    if ind.cible is not None:
        line_label(ind.cible, f"cible {number_fr(ind.cible)}{unit}", "#17753a", prefer_right=True)
    if ind.valeur_initiale is not None:
        line_label(ind.valeur_initiale, f"départ {number_fr(ind.valeur_initiale)}{unit}", "#4b5563", prefer_right=False)

    # x labels: the last measure, the first, then the others wherever they fit (the table gives them all)
    placed: list[Box] = []
    order = [len(points) - 1, 0] + list(range(1, len(points) - 1)) if points else []
    label_y = round(base + 1.45 * fs, 1)  # below the lowest y label too
    for i in dict.fromkeys(order):
        text = axis_date(points[i].date)
        w = text_width(text, fs)
        lx = min(max(coords[i][0], w / 2 + 1), width - w / 2 - 1)  # centred under its point, inside the SVG
        box = label_box(lx, label_y, w, fs, "middle")
        if any(_overlaps((box[0] - 0.5 * fs, box[1], box[2] + 0.5 * fs, box[3]), b) for b in placed):
            continue
        placed.append(box)
        parts.append(
            f'<line x1="{coords[i][0]}" y1="{base}" x2="{coords[i][0]}" y2="{base + 4}" stroke="#888" '
            'stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{round(lx, 1)}" y="{label_y}" font-size="{fs}" text-anchor="middle" '
            f'fill="#333">{escape(text)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
