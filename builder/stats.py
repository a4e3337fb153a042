"""`fiches stats`: a terminal table of fiches by axe × statut, with prioritaires and en retard."""

from __future__ import annotations

from builder.model import STATUTS, Projet


def render_stats(projet: Projet) -> str:
    stats = projet.stats()
    headers = ["Axe"] + [projet.statut(c).libelle for c in STATUTS] + ["Total", "Avancement"]
    rows = []
    for axe in projet.plan.axes:
        counts = stats["par_axe"][axe.numero]
        fiches = projet.fiches_of_axe(axe.numero)
        rows.append([f"{axe.numero}. {_cut(axe.titre, 38)}"] + [str(counts[c]) for c in STATUTS]
                    + [str(len(fiches)), f"{projet.progress(fiches)} %"])
    totals = [sum(stats["par_axe"][a.numero][c] for a in projet.plan.axes) for c in STATUTS]
    rows.append(["Total"] + [str(t) for t in totals] + [str(stats["total"]), f"{stats['avancement']} %"])
    widths = [max(len(r[i]) for r in [headers] + rows) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        pairs = enumerate(zip(cells, widths, strict=True))
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in pairs)

    out = [line(headers), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in rows[:-1]] + ["  ".join("-" * w for w in widths), line(rows[-1]), ""]
    out.append(f"Prioritaires : {stats['prioritaires']}")
    out.append(f"En retard : {stats['en_retard']}"
               + (f" ({', '.join(f.id for f in projet.en_retard)})" if projet.en_retard else ""))
    out.append(f"État au {projet.date_situation:%d/%m/%Y}")
    return "\n".join(out)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
