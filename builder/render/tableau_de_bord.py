"""The tableau de bord: one set of figures, computed once here, shown by the site's « Tableau de bord » page and by
the summary page of the plan PDF (`theme/partials/tableau_de_bord.html.j2` renders it in both).

Everything is counted at the plan's « état au » date (`Projet.date_situation`), with the freshness rules of
`builder.living.relances`. An indicator is **hors trajectoire** when its last measure is behind the straight line that
goes from its initial value, at the fiche's planned start (or the plan's first day), to its target on the plan's
last day (31 December of `periode.fin`), by more than a tenth of the way from the initial value to the target.
Being ahead is on trajectory. Indicators without an initial value, a target, a measure, or whose target equals
their initial value have no trajectory; those of abandoned fiches are left out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from markupsafe import Markup, escape

from builder.content.model import (
    ETATS_FINANCEMENT,
    STATUTS,
    Axe,
    Direction,
    Fiche,
    Indicateur,
    Mesure,
    Projet,
    Statut,
)
from builder.fr import date_fr, euros_fr, number_fr
from builder.living.relances import a_actualiser, en_retard

TOLERANCE = 0.10  # share of the way from the initial value to the target


@dataclass(frozen=True)
class AxeLigne:
    axe: Axe
    counts: dict[str, int]  # by statut code, every statut present
    total: int


@dataclass(frozen=True)
class Alertes:
    """The fiches a pilot direction must look at: en retard, à actualiser."""

    direction: Direction
    en_retard: list[Fiche]
    a_actualiser: list[Fiche]


@dataclass(frozen=True)
class Trajectoire:
    fiche: Fiche
    indicateur: Indicateur
    mesure: Mesure
    attendu: float  # where the straight line is at the measure's date
    unite: str

    @property
    def texte_mesure(self) -> str:
        return _value(self.mesure.valeur, self.unite)

    @property
    def texte_attendu(self) -> str:
        return _value(round(self.attendu, 1), self.unite)

    @property
    def texte_cible(self) -> str:
        return _value(self.indicateur.cible, self.unite)

    @property
    def date(self) -> str:
        return date_fr(self.mesure.date)


@dataclass(frozen=True)
class FinancementEtat:
    code: str
    label: str
    fonctionnement: float
    investissement: float
    lignes: int

    @property
    def total(self) -> float:
        return self.fonctionnement + self.investissement


@dataclass(frozen=True)
class Financeur:
    nom: str
    total: float
    obtenu: float  # obtenu + versé
    fiches: list[Fiche]


@dataclass(frozen=True)
class TableauDeBord:
    date: dt.date
    mois: int  # suivi.actualiser_apres_mois
    statuts: list[Statut]
    axes: list[AxeLigne]
    totaux: dict[str, int]
    total: int
    alertes: list[Alertes]  # directions with at least one fiche en retard or à actualiser, in plan.yml's order
    en_retard: list[Fiche]
    a_actualiser: list[Fiche]
    prioritaires: list[Fiche]
    hors_trajectoire: list[Trajectoire]
    indicateurs_suivis: int  # indicators that have a trajectory
    financements: list[FinancementEtat]  # every état, in the order of the stages
    financeurs: list[Financeur]  # by decreasing total

    @property
    def date_texte(self) -> str:
        return date_fr(self.date)

    @property
    def financements_total(self) -> float:
        return sum(e.total for e in self.financements)

    def euros(self, value: float) -> str:
        return euros_fr(value)


def _value(value: float | None, unite: str) -> str:
    if value is None:
        return ""
    return f"{number_fr(value)}\u00a0{unite}" if unite else number_fr(value)


def tableau_de_bord(projet: Projet) -> TableauDeBord:
    """Every figure of the tableau de bord, at the plan's « état au » date."""
    day = projet.date_situation
    axes = []
    for axe in projet.plan.axes:
        counts = {code: 0 for code in STATUTS}
        for fiche in projet.fiches_of_axe(axe.numero):
            counts[fiche.statut] += 1
        axes.append(AxeLigne(axe, counts, sum(counts.values())))
    totaux = {code: sum(a.counts[code] for a in axes) for code in STATUTS}
    late = [f for f in projet.fiches if en_retard(f, day)]
    stale = [f for f in projet.fiches if a_actualiser(projet, f, day)]
    alertes = []
    for d in projet.plan.directions:
        group = Alertes(d, [f for f in late if f.pilote == d.code], [f for f in stale if f.pilote == d.code])
        if group.en_retard or group.a_actualiser:
            alertes.append(group)
    trajectoires = [
        t
        for f in projet.fiches
        if f.statut != "abandonnee"
        for ind in f.indicateurs
        if (t := trajectoire(projet, f, ind, day)) is not None
    ]
    return TableauDeBord(
        date=day,
        mois=projet.plan.suivi.actualiser_apres_mois,
        statuts=[projet.statut(c) for c in STATUTS],
        axes=axes,
        totaux=totaux,
        total=len(projet.fiches),
        alertes=alertes,
        en_retard=late,
        a_actualiser=stale,
        prioritaires=projet.prioritaires,
        hors_trajectoire=[t for t in trajectoires if _behind(t)],
        indicateurs_suivis=len(trajectoires),
        financements=_financements(projet),
        financeurs=_financeurs(projet),
    )


def trajectoire(projet: Projet, fiche: Fiche, ind: Indicateur, day: dt.date) -> Trajectoire | None:
    """Where the straight line from the initial value to the target stands at the last measure (see the module)."""
    if ind.valeur_initiale is None or ind.cible is None or ind.cible == ind.valeur_initiale:
        return None
    mesures = [m for m in ind.mesures if m.date.first_day() <= day]
    if not mesures:
        return None
    mesure = max(mesures, key=lambda m: m.date)
    debut = fiche.calendrier.debut
    start = debut.first_day() if debut else dt.date(projet.plan.periode.debut, 1, 1)
    end = dt.date(projet.plan.periode.fin, 12, 31)
    at = min(mesure.date.last_day(), day)
    share = 1.0 if end <= start else min(1.0, max(0.0, (at - start).days / (end - start).days))
    attendu = ind.valeur_initiale + (ind.cible - ind.valeur_initiale) * share
    return Trajectoire(fiche, ind, mesure, attendu, ind.unite)


def _behind(t: Trajectoire) -> bool:
    ind = t.indicateur
    assert ind.cible is not None and ind.valeur_initiale is not None  # `trajectoire` gives none without them
    way = ind.cible - ind.valeur_initiale
    return (t.mesure.valeur - t.attendu) * (1 if way > 0 else -1) < -TOLERANCE * abs(way)


def _financements(projet: Projet) -> list[FinancementEtat]:
    sums = {etat: {"fonctionnement": 0.0, "investissement": 0.0, "lignes": 0} for etat in ETATS_FINANCEMENT}
    for fiche in projet.fiches:
        for line in fiche.financements:
            sums[line.etat][line.nature] += line.montant
            sums[line.etat]["lignes"] += 1
    return [
        FinancementEtat(
            etat, label, sums[etat]["fonctionnement"], sums[etat]["investissement"], int(sums[etat]["lignes"])
        )
        for etat, label in ETATS_FINANCEMENT.items()
    ]


def _financeurs(projet: Projet) -> list[Financeur]:
    by_name: dict[str, dict] = {}
    for fiche in projet.fiches:
        for line in fiche.financements:
            entry = by_name.setdefault(" ".join(line.financeur.split()), {"total": 0.0, "obtenu": 0.0, "fiches": []})
            entry["total"] += line.montant
            if line.etat in ("obtenu", "verse"):
                entry["obtenu"] += line.montant
            if fiche not in entry["fiches"]:
                entry["fiches"].append(fiche)
    return sorted(
        (Financeur(name, e["total"], e["obtenu"], e["fiches"]) for name, e in by_name.items()),
        key=lambda f: (-f.total, f.nom),
    )


# --- chart ---------------------------------------------------------------------------------------

FONT = "Inter, sans-serif"
# Each statut has its own texture over its colour, and a count in a white label: the chart never relies on colour
# alone (RGAA 3.1). The legend shows the same swatches with the statut's name.
_TEXTURES = {
    "a_venir": "",  # white inside a coloured outline
    "en_cours": '<path d="M0 6 L6 0" stroke="#fff" stroke-width="1.6"/>',
    "realisee": "",  # plain colour
    "en_pause": '<path d="M1.5 0 V6 M4.5 0 V6" stroke="#fff" stroke-width="1.2"/>',
    "bloquee": '<path d="M0 0 L6 6 M6 0 L0 6" stroke="#fff" stroke-width="1.2"/>',
    "abandonnee": '<circle cx="3" cy="3" r="1.2" fill="#fff"/>',
}


def _swatch(code: str, colour: str, x: float, y: float, w: float, h: float) -> str:
    if code == "a_venir":
        return (
            f'<rect x="{x + 0.75}" y="{y + 0.75}" width="{max(w - 1.5, 0)}" height="{h - 1.5}" fill="#fff" '
            f'stroke="{colour}" stroke-width="1.5"/>'
        )
    out = f'<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{colour}"/>'
    if _TEXTURES[code]:
        out += f'<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="url(#fa-texture-{code})"/>'
    return out


def statuts_svg(tdb: TableauDeBord, width: int = 640) -> Markup:
    """Fiches by statut for each axe: one stacked bar per axe, the width of each part its number of fiches."""
    statuts = tdb.statuts
    label_w, total_w, bar_h, gap, top = 64, 36, 20, 8, 4
    legend_h = 26
    plot_w = width - label_w - total_w
    scale = plot_w / max([a.total for a in tdb.axes] + [1])
    height = top + len(tdb.axes) * (bar_h + gap) + legend_h
    desc = " ; ".join(
        f"axe {a.axe.numero} : "
        + ", ".join(f"{a.counts[s.code]} {s.libelle.lower()}" for s in statuts if a.counts[s.code])
        for a in tdb.axes
    )
    title = "Fiches par statut et par axe"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart fa-tdb-chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" font-family="{FONT}" role="img" '
        f'aria-label="{escape(title)} : {escape(desc)}">',
        # the <title> is the PDF Figure's /Alt: a sentence with the data, as for the indicator charts
        f"<title>{escape(title)} : {escape(desc)}</title><desc>{escape(desc)}</desc><defs>",
    ]
    for code, texture in _TEXTURES.items():
        if texture:
            parts.append(
                f'<pattern id="fa-texture-{code}" width="6" height="6" patternUnits="userSpaceOnUse">'
                f"{texture}</pattern>"
            )
    parts.append("</defs>")
    y = top
    for line in tdb.axes:
        parts.append(
            f'<text x="0" y="{y + 14}" font-size="11" font-weight="600" fill="#1e2328">'
            f"Axe {escape(line.axe.numero)}</text>"
        )
        x = float(label_w)
        for s in statuts:
            n = line.counts[s.code]
            if not n:
                continue
            w = round(n * scale, 1)
            parts.append(_swatch(s.code, s.couleur, x, y, w, bar_h))
            if w >= 20:
                cx = round(x + w / 2, 1)
                parts.append(
                    f'<rect x="{cx - 9}" y="{y + 3}" width="18" height="14" rx="3" fill="#fff"/>'
                    f'<text x="{cx}" y="{y + 14}" font-size="10" font-weight="700" text-anchor="middle" '
                    f'fill="#1e2328">{n}</text>'
                )
            x += w
        parts.append(f'<text x="{round(x + 6, 1)}" y="{y + 14}" font-size="11" fill="#1e2328">{line.total}</text>')
        y += bar_h + gap
    x = 0.0
    for s in statuts:
        parts.append(_swatch(s.code, s.couleur, x, y + 6, 14, 12))
        parts.append(f'<text x="{x + 18}" y="{y + 16}" font-size="10" fill="#1e2328">{escape(s.libelle)}</text>')
        x += 24 + 6.2 * len(s.libelle)
    parts.append("</svg>")
    return Markup("".join(parts))


# --- the plan PDF's summary page ------------------------------------------------------------------

PDF_REFS = 6  # fiche numbers shown per cell of the alertes table (then « et N autres »)
PDF_LINES = 33  # lines of table the summary page holds besides its title and headings (measured)


def pdf_limits(t: TableauDeBord) -> dict[str, int]:
    """How many prioritaires and indicators the one-page summary lists: the page less the axes (table and chart)
    and the alertes (one line per direction) is the height of two columns, the prioritaires on the left, the
    financements (8 lines) and the indicators (two lines each) on the right."""
    column = PDF_LINES - round(2.4 * len(t.axes)) - len(t.alertes)
    return {
        "refs": PDF_REFS,
        "prioritaires": max(4, min(16, column - 2)),
        "trajectoires": max(1, min(8, (column - 11) // 2)),
    }


def print_context(projet: Projet) -> dict[str, object]:
    """What `theme/print/_tableau_de_bord.html.j2` needs: the figures, the chart, the PDF's internal links."""
    t = tableau_de_bord(projet)
    return {
        "tdb": t,
        "tdb_chart": statuts_svg(t),
        "tdb_limits": pdf_limits(t),
        "tdb_fiche_link": lambda fiche: f"#fiche-{fiche.slug}",
        "tdb_axe_link": lambda axe: f"#axe-{axe.numero}",
    }
