"""`fiches stats`: a terminal table of fiches by axe × statut, with the prioritaires and the fiches en retard of
each axe."""

from __future__ import annotations

from collections.abc import Sequence

from builder.content.model import STATUTS, Fiche, Projet
from builder.fr import date_fr

AXE_WIDTH = 38  # an axe's title is cut after this many characters


def render_stats(projet: Projet) -> str:
    stats = projet.stats()
    headers = (
        ["Axe"] + [projet.statut(c).libelle for c in STATUTS] + ["Total", "Prioritaires", "En retard", "Avancement"]
    )
    rows = []
    for axe in projet.plan.axes:
        counts = stats["par_axe"][axe.numero]
        fiches = projet.fiches_of_axe(axe.numero)
        rows.append(
            [f"{axe.numero}. {_cut(axe.titre, AXE_WIDTH)}"]
            + [str(counts[c]) for c in STATUTS]
            + _totals(projet, fiches)
        )
    totals = [sum(stats["par_axe"][a.numero][c] for a in projet.plan.axes) for c in STATUTS]
    rows.append(["Total"] + [str(t) for t in totals] + _totals(projet, projet.fiches))
    header_lines = _wrap_headers(headers)
    widths = [max(len(r[i]) for r in header_lines + rows) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        pairs = enumerate(zip(cells, widths, strict=True))
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in pairs).rstrip()

    rule = "  ".join("-" * w for w in widths)
    out = [line(h) for h in header_lines] + [rule] + [line(r) for r in rows[:-1]] + [rule, line(rows[-1]), ""]
    out.append(f"Prioritaires : {stats['prioritaires']}")
    out.append(
        f"En retard : {stats['en_retard']}"
        + (f" ({', '.join(f.id for f in projet.en_retard)})" if projet.en_retard else "")
    )
    out.append(f"État au {date_fr(projet.date_situation)}")
    return "\n".join(out)


def _totals(projet: Projet, fiches: Sequence[Fiche]) -> list[str]:
    """Total, prioritaires, en retard and avancement of some fiches."""
    prioritaires = sum(1 for f in fiches if f.prioritaire)
    en_retard = sum(1 for f in fiches if f.en_retard)
    return [str(len(fiches)), str(prioritaires), str(en_retard), f"{projet.progress(fiches)} %"]


def _wrap_headers(headers: list[str]) -> list[list[str]]:
    """Headers of two words on two lines (`En` over `retard`), so that the number columns stay narrow; the
    first column's header and one-word headers sit on the last line."""
    split = [h.split(" ", 1) if " " in h and i > 0 else [h] for i, h in enumerate(headers)]
    height = max(len(s) for s in split)
    return [[(["" for _ in range(height - len(s))] + s)[k] for s in split] for k in range(height)]


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
