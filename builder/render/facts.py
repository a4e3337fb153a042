"""What a fiche shows, computed once in Python for every output (site pages, plan PDF, brochure).

The shared partials of `theme/partials/` render these values with the same markup in every output; each
output styles that markup in its own CSS. Everything here is plain text (escaped by the templates) or
Markup built from validated values only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup

from builder.content.model import (
    ETATS_FINANCEMENT,
    NATURES_FINANCEMENT,
    STATUTS,
    TYPES_INDICATEUR,
    Changement,
    Fiche,
    Indicateur,
    Jalon,
    Projet,
    elu_is_code,
    financement_totals,
)
from builder.fr import date_fr, euros_fr, number_fr

NBSP = "\u00a0"

# Status icons drawn as vector shapes: Inter lacks some of the model's glyphs (◔, ✕), and an icon must
# not depend on the fonts of the machine. Always shown next to the label, never alone.
_ICON_PATHS = {
    "a_venir": '<circle cx="8" cy="8" r="5.5" fill="none" stroke="{c}" stroke-width="2"/>',
    "en_cours": '<circle cx="8" cy="8" r="5.5" fill="none" stroke="{c}" stroke-width="2"/>'
    '<path d="M8 2.5 A5.5 5.5 0 0 1 13.5 8 L8 8 Z" fill="{c}"/>',
    "realisee": '<circle cx="8" cy="8" r="7" fill="{c}"/>'
    '<path d="M4.5 8.3 L7 10.8 L11.7 5.6" fill="none" stroke="#fff" stroke-width="2"/>',
    "en_pause": '<rect x="3.5" y="3" width="3" height="10" fill="{c}"/><rect x="9.5" y="3" width="3" height="10" '
    'fill="{c}"/>',
    "bloquee": '<path d="M8 1.5 L15 14.5 L1 14.5 Z" fill="{c}"/><rect x="7.1" y="6" width="1.8" height="4.6" '
    'fill="#fff"/><rect x="7.1" y="11.6" width="1.8" height="1.7" fill="#fff"/>',
    "abandonnee": '<path d="M3 3 L13 13 M13 3 L3 13" stroke="{c}" stroke-width="2.4"/>',
}


@dataclass(frozen=True)
class Fact:
    """One line of a fiche's key facts. `items` (thèmes) are also given one by one, e.g. for tags."""

    key: str
    label: str
    value: str
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class Badge:
    """A statut as shown: code, label, colour and its icon (inline SVG, decorative: the label is written)."""

    code: str
    label: str
    colour: str
    glyph: str
    icon: Markup


@dataclass(frozen=True)
class JalonRow:
    date: str  # "mars 2026"
    datetime: str  # "2026-03", for <time datetime>
    libelle: str
    state: str  # fait | retard | afaire (CSS modifier)
    icon: str  # ✓ ⚠ ○ (Inter has these glyphs)
    label: str  # Atteint | En retard | À venir


@dataclass(frozen=True)
class MesureRow:
    label: str
    datetime: str | None
    valeur: str
    kind: str  # initiale | mesure | cible


@dataclass(frozen=True)
class IndicateurView:
    indicateur: Indicateur
    nom: str
    type_label: str
    valeur_header: str
    rows: list[MesureRow] = field(default_factory=list)

    @property
    def has_chart(self) -> bool:
        ind = self.indicateur
        return bool(ind.mesures) or ind.cible is not None or ind.valeur_initiale is not None


@dataclass(frozen=True)
class FinancementRow:
    financeur: str
    annee: str
    nature: str  # Fonctionnement | Investissement
    etat_code: str  # prevu | demande | obtenu | verse (CSS modifier)
    etat: str  # Prévu | Demandé | Obtenu | Versé
    montant: str  # « 12 000 € »


@dataclass(frozen=True)
class FinancementTotal:
    label: str  # « Total obtenu », « Total »
    montant: str
    etat_code: str | None = None  # None for the grand total


@dataclass(frozen=True)
class FinancementsView:
    """A fiche's plan de financement: its lines (by year) and its totals per état, then the grand total."""

    rows: list[FinancementRow]
    totals: list[FinancementTotal]


@dataclass(frozen=True)
class SuiviRow:
    date: str
    datetime: str
    texte: str  # Markdown (one line), converted by the template's `inline`


@dataclass(frozen=True)
class ChangementRow:
    date: str
    datetime: str
    text: str


# --- statut ---------------------------------------------------------------------------------------


def statut_icon(projet: Projet, code: str) -> Markup:
    """The statut's icon as a small inline SVG in its colour (decorative: the label is always next to it)."""
    colour = projet.statut(code).couleur
    return Markup(
        f'<svg class="fa-statut__icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" '
        f'focusable="false">{_ICON_PATHS[code].format(c=colour)}</svg>'
    )


def statut_badge(projet: Projet, code: str) -> Badge:
    s = projet.statut(code)
    return Badge(s.code, s.libelle, s.couleur, s.icone, statut_icon(projet, code))


# --- facts ----------------------------------------------------------------------------------------


def direction_label(projet: Projet, code: str) -> str:
    """`Direction générale des services (DGS)`; the code alone when the direction is unknown."""
    d = projet.directions.get(code)
    return f"{d.nom} ({d.code})" if d else code


def elu_label(projet: Projet, value: str) -> str:
    """`Mme Sophie Martin, adjointe chargée des ressources humaines` for a code of plan.yml; free text as written."""
    elu = projet.elus.get(value) if elu_is_code(value) else None
    if elu is None:
        return value
    return f"{elu.nom}, {elu.delegation}" if elu.delegation else elu.nom


def calendrier_text(fiche: Fiche) -> str:
    cal = fiche.calendrier
    if cal.debut and cal.fin:
        return f"de {date_fr(cal.debut)} à {date_fr(cal.fin)}"
    if cal.debut:
        return f"à partir de {date_fr(cal.debut)}"
    if cal.fin:
        return f"jusqu'à {date_fr(cal.fin)}"
    return "non précisé"


def fiche_facts(projet: Projet, fiche: Fiche) -> list[Fact]:
    """The key facts of a fiche, in the order every output shows them."""
    facts = [Fact("pilote", "Pilote", direction_label(projet, fiche.pilote))]
    if fiche.contributeurs:
        names = tuple(direction_label(projet, c) for c in fiche.contributeurs)
        facts.append(Fact("contributeurs", "Contributeurs", ", ".join(names), names))
    if fiche.referent:
        facts.append(Fact("referent", "Référent", fiche.referent))
    if fiche.elus:
        names = tuple(elu_label(projet, e) for e in fiche.elus)
        label = "Élus référents" if len(names) > 1 else "Élu référent"
        facts.append(Fact("elus", label, "\u202f; ".join(names), names))
    if fiche.partenaires:
        facts.append(Fact("partenaires", "Partenaires", ", ".join(fiche.partenaires), tuple(fiche.partenaires)))
    collectivites = tuple(c.nom for c in projet.collectivites_of(fiche))
    if collectivites:
        facts.append(Fact("collectivites", "Collectivités", ", ".join(collectivites), collectivites))
    facts.append(Fact("calendrier", "Calendrier", calendrier_text(fiche)))
    if fiche.budget is not None:
        facts.append(Fact("budget", "Budget", euros_fr(fiche.budget)))
    if fiche.etp is not None:
        facts.append(Fact("etp", "Moyens humains", f"{number_fr(fiche.etp)}{NBSP}ETP"))
    if fiche.themes:
        facts.append(Fact("themes", "Thèmes", ", ".join(fiche.themes), tuple(fiche.themes)))
    last = fiche.derniere_mise_a_jour
    facts.append(Fact("dernier_suivi", "Dernier suivi", date_fr(last) if last else "aucun"))
    historique = projet.historique(fiche)
    if historique and historique.derniere_modification:
        facts.append(Fact("derniere_modification", "Dernière modification", date_fr(historique.derniere_modification)))
    return facts


# --- jalons, indicateurs, suivi, historique -------------------------------------------------------


def jalon_state(projet: Projet, jalon: Jalon) -> tuple[str, str, str]:
    """(CSS modifier, icon, label) of a jalon: atteint, en retard (date passed, not done) or à venir."""
    if jalon.fait:
        return "fait", "✓", "Atteint"
    if projet.jalon_en_retard(jalon):
        return "retard", "⚠", "En retard"
    return "afaire", "○", "À venir"


def jalon_rows(projet: Projet, fiche: Fiche) -> list[JalonRow]:
    rows = []
    for jalon in sorted(fiche.jalons, key=lambda j: j.date):
        state, icon, label = jalon_state(projet, jalon)
        rows.append(JalonRow(date_fr(jalon.date), str(jalon.date), jalon.libelle, state, icon, label))
    return rows


def indicateur_view(ind: Indicateur) -> IndicateurView:
    rows = []
    if ind.valeur_initiale is not None:
        rows.append(MesureRow("Valeur initiale", None, number_fr(ind.valeur_initiale), "initiale"))
    for mesure in sorted(ind.mesures, key=lambda m: m.date):
        rows.append(MesureRow(date_fr(mesure.date), str(mesure.date), number_fr(mesure.valeur), "mesure"))
    if ind.cible is not None:
        rows.append(MesureRow("Cible", None, number_fr(ind.cible), "cible"))
    header = f"Valeur ({ind.unite})" if ind.unite else "Valeur"
    return IndicateurView(ind, ind.nom, TYPES_INDICATEUR[ind.type], header, rows)


def _quantity(value: float, unite: str) -> str:
    return f"{number_fr(value)}{NBSP}{unite}" if unite else number_fr(value)


def chart_alt(ind: Indicateur) -> str:
    """The data of an indicator's chart in one sentence, for readers who do not see it:
    « Taux d'entretiens réalisés : 62 % au départ, 71 % en juin 2025, cible 95 % »."""
    parts = []
    if ind.valeur_initiale is not None:
        parts.append(f"{_quantity(ind.valeur_initiale, ind.unite)} au départ")
    for mesure in sorted(ind.mesures, key=lambda m: m.date):
        when = date_fr(mesure.date)
        preposition = "le" if mesure.date.day else "en"
        parts.append(f"{_quantity(mesure.valeur, ind.unite)} {preposition} {when}")
    if ind.cible is not None:
        parts.append(f"cible {_quantity(ind.cible, ind.unite)}")
    return f"{ind.nom} : {', '.join(parts)}" if parts else f"{ind.nom} : aucune valeur"


def indicateur_views(fiche: Fiche) -> list[IndicateurView]:
    return [indicateur_view(ind) for ind in fiche.indicateurs]


def financements_view(fiche: Fiche) -> FinancementsView:
    """The lines by year (as written within a year), the total of each état present (when there are several),
    then the total of every line: prévu, demandé, obtenu and versé are the stages of one line."""
    lines = sorted(fiche.financements, key=lambda f: f.annee)
    rows = [
        FinancementRow(
            f.financeur,
            str(f.annee),
            NATURES_FINANCEMENT[f.nature],
            f.etat,
            ETATS_FINANCEMENT[f.etat],
            euros_fr(f.montant),
        )
        for f in lines
    ]
    totals = financement_totals(fiche.financements)
    present = [etat for etat in ETATS_FINANCEMENT if any(f.etat == etat for f in fiche.financements)]
    out = []
    if len(present) > 1:
        out = [
            FinancementTotal(f"Total {ETATS_FINANCEMENT[etat].lower()}", euros_fr(totals[etat]), etat)
            for etat in present
        ]
    out.append(FinancementTotal("Total", euros_fr(sum(totals.values()))))
    return FinancementsView(rows, out)


def suivi_rows(fiche: Fiche) -> list[SuiviRow]:
    """The suivi log, newest first."""
    return [SuiviRow(date_fr(s.date), str(s.date), s.texte) for s in fiche.suivi_recent]


def _statut_label(projet: Projet, code: str | None) -> str:
    return projet.statut(code).libelle if code in STATUTS else (code or "—")


def changement_text(projet: Projet, change: Changement) -> str:
    """`statut : À venir → En cours`, `avancement : 10 % → 40 %`, `création de la fiche`…"""
    before, after = change.avant, change.apres
    if change.nature == "creation":
        return "création de la fiche"
    if change.nature == "statut":
        return f"statut : {_statut_label(projet, before)} → {_statut_label(projet, after)}"
    if change.nature == "avancement":
        return f"avancement : {before}{NBSP}% → {after}{NBSP}%"
    if change.nature == "renumerotation":
        return f"renumérotation : {before} → {after}"
    if change.nature == "suppression":
        return "suppression de la fiche"
    return change.nature


def historique_rows(projet: Projet, fiche: Fiche) -> list[ChangementRow]:
    """The git history of a fiche, newest first (empty without history)."""
    historique = projet.historique(fiche)
    if not historique:
        return []
    return [
        ChangementRow(date_fr(c.date), c.date.isoformat(), changement_text(projet, c))
        for c in reversed(historique.changements)
    ]
