"""Stage 3, model: the plan's typed models (the only schema) and `Projet`, the validated whole.

Field names are French and are a contract with editors: never rename one.
Every field has a French description: it becomes the JSON Schema's description and the editor's tooltip.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, total_ordering
from types import MappingProxyType
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    PrivateAttr,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError, core_schema

from builder.errors import Problem
from builder.text import fold

# --- values -------------------------------------------------------------------------------------

_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
YEARS = (1900, 2199)  # plausible years for a plan: a typo such as 1025 or 0000 is an error, not a date


def theme_key(text: str) -> str:
    """`Qualité de vie`, `qualite  de VIE` → `qualite de vie`: how thèmes are compared."""
    ascii_text = fold(text)
    return " ".join((ascii_text if ascii_text.strip() else text).casefold().split())


@total_ordering
class PartialDate:
    """A date written `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, which keeps its precision."""

    __slots__ = ("year", "month", "day")

    def __init__(self, year: int, month: int | None = None, day: int | None = None) -> None:
        self.year, self.month, self.day = year, month, day

    @classmethod
    def parse(cls, value: Any) -> PartialDate:
        if isinstance(value, PartialDate):
            return value
        if isinstance(value, dt.date):
            return cls(value.year, value.month, value.day)
        text = str(value).strip()
        match = _DATE_RE.match(text)
        if not match:
            raise PydanticCustomError(
                "date_format",
                "« {value} » n'est pas une date ; écrivez AAAA, AAAA-MM ou AAAA-MM-JJ (ex. 2025-03-15)",
                {"value": text},
            )
        year = int(match[1])
        month, day = (int(g) if g else None for g in match.groups()[1:])
        if not YEARS[0] <= year <= YEARS[1]:
            raise PydanticCustomError(
                "date_impossible",
                "« {value} » : année hors limites (attendu de {low} à {high})",
                {"value": text, "low": YEARS[0], "high": YEARS[1]},
            )
        if month is not None and not 1 <= month <= 12:
            raise PydanticCustomError(
                "date_impossible",
                "date impossible : « {value} » (le mois {month} n'existe pas)",
                {"value": text, "month": month},
            )
        if day is not None and month is not None and not 1 <= day <= calendar.monthrange(year, month)[1]:
            raise PydanticCustomError(
                "date_impossible", "date impossible : « {value} » (ce jour n'existe pas)", {"value": text}
            )
        return cls(year, month, day)

    @property
    def precision(self) -> Literal["year", "month", "day"]:
        return "day" if self.day else "month" if self.month else "year"

    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month or 1, self.day or 1)

    def last_day(self) -> dt.date:
        if self.day and self.month:
            return dt.date(self.year, self.month, self.day)
        month = self.month or 12
        return dt.date(self.year, month, calendar.monthrange(self.year, month)[1])

    def __str__(self) -> str:
        out = f"{self.year:04d}"
        if self.month:
            out += f"-{self.month:02d}"
            if self.day:
                out += f"-{self.day:02d}"
        return out

    def __repr__(self) -> str:
        return f"PartialDate({self})"

    def _key(self) -> tuple[int, int, int]:
        return (self.year, self.month or 0, self.day or 0)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PartialDate) and self._key() == other._key()

    def __lt__(self, other: PartialDate) -> bool:
        return self._key() < other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls.parse, serialization=core_schema.plain_serializer_function_ser_schema(str)
        )

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: Any, handler: Any) -> dict[str, Any]:
        return {
            "anyOf": [
                {"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"},
                {"type": "integer", "minimum": YEARS[0], "maximum": YEARS[1]},
            ],
            "description": "Date AAAA, AAAA-MM ou AAAA-MM-JJ.",
        }


_FR_TRUE = {"true", "oui", "vrai", "yes", "on", "1"}
_FR_FALSE = {"false", "non", "faux", "no", "off", "0"}


def _parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _FR_TRUE:
        return True
    if text in _FR_FALSE:
        return False
    raise PydanticCustomError("oui_non", "« {value} » : attendu oui ou non (ou true / false)", {"value": value})


def _parse_number(value: Any) -> int | float:
    if isinstance(value, bool) or value is None or isinstance(value, list | dict):
        raise PydanticCustomError("nombre", "« {value} » n'est pas un nombre", {"value": value})
    if isinstance(value, int):
        return value
    text = str(value).strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        raise PydanticCustomError("nombre", "« {value} » n'est pas un nombre", {"value": value}) from None
    if not math.isfinite(number):  # float() also reads nan, inf, infinity
        raise PydanticCustomError("nombre", "« {value} » n'est pas un nombre", {"value": value})
    if isinstance(value, float):
        return value
    return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number


def _parse_int(value: Any) -> int:
    number = _parse_number(value)
    if isinstance(number, float):
        if not number.is_integer():
            raise PydanticCustomError("entier", "« {value} » : attendu un nombre entier", {"value": value})
        number = int(number)
    return number


Date = PartialDate
OuiNon = Annotated[
    bool,
    BeforeValidator(_parse_bool),
    WithJsonSchema({"anyOf": [{"type": "boolean"}, {"enum": ["oui", "non", "Oui", "Non"]}]}),
]
Nombre = Annotated[
    float,
    BeforeValidator(_parse_number),
    WithJsonSchema(
        {
            "anyOf": [{"type": "number"}, {"type": "string", "pattern": r"^-?\d[\d\u202f\u00a0 ]*(,\d+)?$"}],
            "description": "Nombre (virgule décimale acceptée : 0,5).",
        }
    ),
]
Entier = Annotated[int, BeforeValidator(_parse_int)]


def _parse_year(value: Any) -> int:
    year = _parse_int(value)
    if not YEARS[0] <= year <= YEARS[1]:
        raise PydanticCustomError(
            "annee",
            "« {value} » : année hors limites (attendu de {low} à {high})",
            {"value": value, "low": YEARS[0], "high": YEARS[1]},
        )
    return year


Annee = Annotated[
    int,
    BeforeValidator(_parse_year),
    WithJsonSchema({"type": "integer", "minimum": YEARS[0], "maximum": YEARS[1], "description": "Année (AAAA)."}),
]
Texte = Annotated[str, Field(min_length=1)]

_NUMBER = r"(?:0|[1-9][0-9]{0,3})"  # ASCII digits, no leading zero, at most 9999 (`1.1.01`, `1.1.١` are refused)
ID_PATTERN = rf"^{_NUMBER}\.{_NUMBER}\.{_NUMBER}$"  # for Python's `re`, use `fullmatch` (`$` accepts a final "\n")
OBJECTIF_PATTERN = rf"^{_NUMBER}\.{_NUMBER}$"
AXE_PATTERN = rf"^{_NUMBER}$"
CODE_PATTERN = r"^[A-Za-z0-9_-]+$"
COLOR_PATTERN = r"^#[0-9a-fA-F]{6}$"
EMAIL_PATTERN = r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$"

StatutCode = Literal["a_venir", "en_cours", "realisee", "en_pause", "bloquee", "abandonnee"]
STATUTS: tuple[str, ...] = ("a_venir", "en_cours", "realisee", "en_pause", "bloquee", "abandonnee")
TypeIndicateur = Literal["activite", "impact", "ressources"]
TYPES_INDICATEUR = {"activite": "Activité", "impact": "Impact", "ressources": "Ressources"}
NatureFinancement = Literal["fonctionnement", "investissement"]
NATURES_FINANCEMENT = {"fonctionnement": "Fonctionnement", "investissement": "Investissement"}
EtatFinancement = Literal["prevu", "demande", "obtenu", "verse"]
# The stages of one funding line, in order: planned, requested, granted, paid.
ETATS_FINANCEMENT = {"prevu": "Prévu", "demande": "Demandé", "obtenu": "Obtenu", "verse": "Versé"}


class Strict(BaseModel):
    """Base of every content model: unknown fields are errors, numbers written in text fields stay text. Models are
    frozen once validated (their lists are plain lists: nothing in fiches changes them)."""

    model_config = ConfigDict(
        extra="forbid", coerce_numbers_to_str=True, str_strip_whitespace=True, validate_default=False, frozen=True
    )


# --- plan.yml -----------------------------------------------------------------------------------


class Periode(Strict):
    debut: Entier = Field(description="Première année du plan (AAAA).", ge=1900, le=2200)
    fin: Entier = Field(description="Dernière année du plan (AAAA).", ge=1900, le=2200)


class Valeur(Strict):
    titre: Texte = Field(description="Nom de la valeur (ex. « Coopération »).")
    texte: str = Field("", description="Ce que la valeur veut dire au quotidien (Markdown).")


class EtapeDemarche(Strict):
    periode: Texte = Field(description="Quand (ex. « Septembre – décembre 2023 »).")
    titre: Texte = Field(description="Nom de l'étape de la démarche.")
    texte: str = Field("", description="Ce qui a été fait pendant cette étape (Markdown).")


class ChiffreCle(Strict):
    valeur: Texte = Field(description="Le chiffre, tel qu'il doit s'afficher (ex. « 420 »).")
    libelle: Texte = Field(description="Ce qu'il compte (ex. « agents ayant participé aux ateliers »).")


class Direction(Strict):
    code: str = Field(
        description="Code court de la direction (ex. DRH), utilisé dans les fiches.", pattern=CODE_PATTERN
    )
    nom: Texte = Field(description="Nom complet de la direction.")
    contact: str | None = Field(
        None,
        pattern=EMAIL_PATTERN,
        description="Adresse électronique de la direction (ex. drh@ville.fr) : « fiches relances --format eml » lui "
        "prépare un message avec les fiches à mettre à jour.",
    )


class Elu(Strict):
    code: str = Field(
        description="Code court de l'élu (ex. ADJ-RH), utilisé dans le champ « elus » des fiches.", pattern=CODE_PATTERN
    )
    nom: Texte = Field(description="Nom de l'élu, tel qu'il s'affiche (ex. « Mme Sophie Martin »).")
    delegation: str = Field(
        "", description="Fonction et délégation (ex. « Adjointe au maire chargée des ressources humaines »)."
    )


class SuiviOptions(Strict):
    actualiser_apres_mois: Annotated[Entier, Field(ge=1, le=60)] = Field(
        6,
        description="Une fiche en cours est « à actualiser » quand rien n'a bougé depuis ce nombre de mois : ni "
        "entrée de suivi, ni mesure d'indicateur, ni modification de son fichier (6 par défaut).",
    )
    mesurer_apres_mois: Annotated[Entier, Field(ge=1, le=60)] = Field(
        12,
        description="Un indicateur d'une fiche en cours est signalé quand sa dernière mesure a plus de ce nombre "
        "de mois (12 par défaut : beaucoup d'indicateurs sont annuels).",
    )
    expediteur: str | None = Field(
        None,
        pattern=EMAIL_PATTERN,
        description="Adresse d'expédition des messages de relance préparés par « fiches relances --format eml » "
        "(facultatif : sans elle, votre messagerie met la vôtre).",
    )


class Collectivite(Strict):
    code: str = Field(
        description="Code court de la collectivité (ex. VILLE), utilisé dans les fiches.", pattern=CODE_PATTERN
    )
    nom: Texte = Field(description="Nom complet de la collectivité.")


class StatutDef(Strict):
    libelle: str | None = Field(None, description="Libellé affiché du statut.")
    couleur: str | None = Field(None, description="Couleur du statut (#rrggbb).", pattern=COLOR_PATTERN)


class Objectif(Strict):
    numero: str = Field(description="Numéro N.M de l'objectif (N : numéro de son axe).", pattern=OBJECTIF_PATTERN)
    titre: Texte = Field(description="Intitulé de l'objectif.")
    description: str = Field("", description="Présentation de l'objectif (Markdown).")


class Axe(Strict):
    numero: str = Field(description="Numéro N de l'axe.", pattern=AXE_PATTERN)
    titre: Texte = Field(description="Intitulé de l'axe stratégique.")
    couleur: str = Field(
        "#1f4e79", description="Couleur de l'axe (#rrggbb), assez foncée pour un texte blanc.", pattern=COLOR_PATTERN
    )
    description: str = Field("", description="Présentation de l'axe (Markdown).")
    objectifs: list[Objectif] = Field(default_factory=list, description="Objectifs de l'axe.")


class PageFormat(Strict):
    largeur: Nombre = Field(description="Largeur de page en mm.", gt=0)
    hauteur: Nombre = Field(description="Hauteur de page en mm.", gt=0)


class BrochureOptions(Strict):
    format: Literal["A4", "A5"] | PageFormat = Field(
        "A5", description="Format de page : A4, A5, ou {largeur, hauteur} en mm."
    )
    fond_perdu: Nombre = Field(3, description="Fond perdu en mm autour de la page (pour l'imprimeur).", ge=0, le=20)
    imprimeur: OuiNon = Field(False, description="Version imprimeur : PDF/X-4 en CMJN, fond perdu et traits de coupe.")
    papier: Literal["couche", "non_couche"] = Field(
        "couche",
        description="Papier de la version imprimeur : couche (profil FOGRA39, par défaut) ou non_couche "
        "(profil FOGRA29).",
    )


EtatConformite = Literal["totalement_conforme", "partiellement_conforme", "non_conforme"]
ETATS_CONFORMITE = {
    "totalement_conforme": "totalement conforme",
    "partiellement_conforme": "partiellement conforme",
    "non_conforme": "non conforme",
}
NatureNonAccessible = Literal["non_conformite", "derogation", "hors_champ"]
CONTACT_PATTERN = r"^([^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+|https?://\S+)$"
URL_PATTERN = r"^https?://\S+$"


class ContenuNonAccessible(Strict):
    contenu: Texte = Field(description="Le contenu ou la fonction qui n'est pas accessible.")
    raison: Texte = Field(
        description="Pourquoi (critère non respecté, charge disproportionnée…) et l'alternative "
        "proposée, s'il y en a une."
    )
    nature: NatureNonAccessible = Field(
        "non_conformite",
        description="non_conformite (par défaut), derogation (charge disproportionnée) ou "
        "hors_champ (contenu non soumis à l'obligation d'accessibilité).",
    )


class Accessibilite(Strict):
    """The facts of the accessibility statement (RGAA), shown on the site's « Accessibilité » page."""

    etat_conformite: EtatConformite | None = Field(
        None, description="totalement_conforme, partiellement_conforme ou non_conforme (sans audit : non_conforme)."
    )
    taux_conformite: Annotated[Nombre, Field(ge=0, le=100)] | None = Field(
        None, description="Part des critères du RGAA respectés selon l'audit, en %."
    )
    date_audit: Date | None = Field(None, description="Date de l'audit de conformité (AAAA-MM-JJ).")
    auditeur: str = Field("", description="Qui a réalisé l'audit (prestataire ou équipe interne).")
    methode: str = Field("", description="Méthode et échantillon de l'audit (outils, navigateurs, pages vérifiées).")
    referentiel: str = Field("RGAA 4.1.2", description="Version du référentiel appliqué.")
    contact: str | None = Field(
        None,
        description="Adresse électronique ou adresse d'un formulaire pour signaler un défaut d'accessibilité.",
        pattern=CONTACT_PATTERN,
    )
    schema_pluriannuel: str | None = Field(
        None, description="Adresse du schéma pluriannuel de mise en accessibilité.", pattern=URL_PATTERN
    )
    plan_action: str | None = Field(
        None, description="Adresse du plan d'action de l'année (facultatif).", pattern=URL_PATTERN
    )
    contenus_non_accessibles: list[ContenuNonAccessible] = Field(
        default_factory=list, description="Contenus non accessibles, avec la raison."
    )
    date_declaration: Date | None = Field(None, description="Date à laquelle la déclaration a été établie.")


DEFAULT_STATUTS: dict[StatutCode, tuple[str, str, str]] = {
    # code: (label, colour, icon)
    "a_venir": ("À venir", "#5c6670", "○"),
    "en_cours": ("En cours", "#0b5cad", "◔"),
    "realisee": ("Réalisée", "#17753a", "✓"),
    "en_pause": ("En pause", "#8a5a00", "‖"),
    "bloquee": ("Bloquée", "#b3261e", "⚠"),
    "abandonnee": ("Abandonnée", "#444444", "✕"),
}


class Plan(Strict):
    """The plan (`content/plan.yml`)."""

    model_config = ConfigDict(title="Plan", json_schema_extra={"description": "Le plan : content/plan.yml"})

    titre: Texte = Field(description="Titre du projet d'administration.")
    sous_titre: str = Field("", description="Sous-titre.")
    collectivite: Texte = Field(description="Nom de la collectivité qui publie le plan.")
    periode: Periode = Field(description="Années couvertes par le plan : {debut: AAAA, fin: AAAA}.")
    edition: Entier = Field(description="Année de l'édition en cours de la brochure (AAAA).", ge=1900, le=2200)
    date_situation: Date | None = Field(
        None, description="Date « état au » des chiffres publiés (AAAA-MM-JJ). Par défaut : aujourd'hui."
    )
    edito: str = Field("", description="Éditorial (Markdown).")
    valeurs: list[Valeur] = Field(default_factory=list, description="Valeurs du projet.")
    demarche: list[EtapeDemarche] = Field(
        default_factory=list, description="Étapes de construction du plan (calendrier de la démarche)."
    )
    chiffres_cles: list[ChiffreCle] = Field(default_factory=list, description="Chiffres clés.")
    directions: list[Direction] = Field(min_length=1, description="Directions pouvant piloter ou contribuer.")
    collectivites: list[Collectivite] = Field(
        default_factory=list, description="Collectivités qui partagent le plan (facultatif)."
    )
    elus: list[Elu] = Field(
        default_factory=list, description="Élus référents que les fiches citent par leur code (facultatif)."
    )
    suivi: SuiviOptions = Field(
        default_factory=SuiviOptions, description="Règles de fraîcheur des fiches : {actualiser_apres_mois: 6}."
    )
    statuts: dict[StatutCode, StatutDef] = Field(
        default_factory=dict, description="Libellés et couleurs des statuts, si différents de ceux par défaut."
    )
    axes: list[Axe] = Field(min_length=1, description="Axes stratégiques, avec leurs objectifs.")
    brochure: BrochureOptions = Field(
        default_factory=BrochureOptions, description="Options d'impression de la brochure."
    )
    accessibilite: Accessibilite | None = Field(
        None, description="Faits de la déclaration d'accessibilité (RGAA) publiée sur le site."
    )


# --- fiches -------------------------------------------------------------------------------------


class Calendrier(Strict):
    debut: Date | None = Field(None, description="Début prévu (AAAA, AAAA-MM ou AAAA-MM-JJ).")
    fin: Date | None = Field(None, description="Fin prévue (AAAA, AAAA-MM ou AAAA-MM-JJ).")


class Jalon(Strict):
    date: Date = Field(description="Date du jalon.")
    libelle: Texte = Field(description="Ce qui doit être atteint (ex. « Validation en comité de direction »).")
    fait: OuiNon = Field(False, description="Le jalon est-il atteint ? (oui / non)")


class Mesure(Strict):
    date: Date = Field(description="Date de la mesure.")
    valeur: Nombre = Field(description="Valeur mesurée.")


class Indicateur(Strict):
    nom: Texte = Field(description="Nom de l'indicateur.")
    type: TypeIndicateur = Field(description="Registre : activite, impact ou ressources.")
    unite: str = Field("", description="Unité (ex. %, jours, agents).")
    valeur_initiale: Nombre | None = Field(None, description="Valeur de départ.")
    cible: Nombre | None = Field(None, description="Valeur visée.")
    mesures: list[Mesure] = Field(default_factory=list, description="Mesures datées.")

    @property
    def derniere_mesure(self) -> Mesure | None:
        return max(self.mesures, key=lambda m: m.date) if self.mesures else None


class Suivi(Strict):
    date: Date = Field(description="Date de l'événement.")
    texte: Texte = Field(description="Ce qui s'est passé (Markdown).")


class Financement(Strict):
    financeur: Texte = Field(
        description="Qui finance (ex. « État (DSIL) », « Région », « CNFPT », « FIPHFP », "
        "« Ville de Montclair (fonds propres) »)."
    )
    montant: Annotated[Nombre, Field(ge=0)] = Field(description="Montant en euros.")
    annee: Annee = Field(description="Année du financement (AAAA).")
    nature: NatureFinancement = Field(description="Section budgétaire : fonctionnement ou investissement.")
    etat: EtatFinancement = Field(
        "prevu", description="Où en est ce financement : prevu, demande, obtenu ou verse (prevu par défaut)."
    )


class Fiche(Strict):
    """A fiche-action (front matter of `content/fiches/<id>-<slug>.md`)."""

    model_config = ConfigDict(
        title="Fiche", json_schema_extra={"description": "En-tête d'une fiche-action : content/fiches/<id>-<slug>.md"}
    )

    id: str = Field(description="Numéro N.M.K de la fiche (N.M : son objectif).", pattern=ID_PATTERN)
    titre: Texte = Field(description="Intitulé de l'action.")
    resume: str = Field(
        "", max_length=300, description="Une phrase (300 caractères au plus), pour les cartes et la brochure."
    )
    statut: StatutCode = Field(description="Statut : a_venir, en_cours, realisee, en_pause, bloquee, abandonnee.")
    avancement: Annotated[Entier, Field(ge=0, le=100)] | None = Field(
        None, description="Avancement en % (0 à 100). Par défaut : 100 si réalisée, sinon 0."
    )
    prioritaire: OuiNon = Field(False, description="Action prioritaire ? (oui / non)")
    pilote: str = Field(description="Code de la direction pilote.")
    contributeurs: list[str] = Field(default_factory=list, description="Codes des directions contributrices.")
    referent: str = Field("", description="Personne ou fonction référente.")
    elus: list[str] = Field(
        default_factory=list,
        description="Élus référents : le code d'un élu de la liste « elus » de plan.yml (ex. ADJ-RH), ou son nom et "
        "sa fonction en toutes lettres (ex. « Mme Durand, adjointe aux finances »).",
    )
    partenaires: list[str] = Field(
        default_factory=list,
        description="Partenaires extérieurs associés à l'action (ex. « CNFPT », « Centre de "
        "gestion de la fonction publique territoriale »).",
    )
    collectivites: list[str] = Field(
        default_factory=list, description="Codes des collectivités concernées (par défaut : toutes)."
    )
    calendrier: Calendrier = Field(default_factory=Calendrier, description="Début et fin prévus.")
    jalons: list[Jalon] = Field(default_factory=list, description="Jalons datés.")
    indicateurs: list[Indicateur] = Field(default_factory=list, description="Indicateurs de suivi.")
    budget: Annotated[Nombre, Field(ge=0)] | None = Field(None, description="Budget en euros.")
    financements: list[Financement] = Field(
        default_factory=list,
        description="Plan de financement : une ligne par financeur et par année, "
        "{financeur, montant, annee, nature, etat}.",
    )
    etp: Annotated[Nombre, Field(ge=0)] | None = Field(None, description="Moyens humains en équivalents temps plein.")
    liens: list[str] = Field(default_factory=list, description="Numéros des fiches liées.")
    themes: list[str] = Field(default_factory=list, description="Thèmes (mots-clés libres).")
    suivi: list[Suivi] = Field(default_factory=list, description="Journal de suivi daté.")

    # What a fiche is besides its front matter, given when it is read (`Fiche.read`), never written afterwards:
    # they are not fields, so that a front matter cannot set them and the schema does not show them.
    _body: str = PrivateAttr("")
    _source: str = PrivateAttr("")
    _situation: dt.date | None = PrivateAttr(None)

    @classmethod
    def read(cls, data: Any, *, body: str = "", source: str = "", situation: dt.date | None = None) -> Fiche:
        """The fiche of a front matter (raises pydantic's `ValidationError`), with its Markdown body, the path it was
        read from and the plan's « état au » date (`situation_date`), which says whether it is late."""
        return cls.model_validate(data, context={_READ: (body, source, situation)})

    def model_post_init(self, context: Any, /) -> None:
        if isinstance(context, dict) and _READ in context:
            self._body, self._source, self._situation = context[_READ]

    def at(self, situation: dt.date) -> Fiche:
        """The same fiche seen at another « état au » date (itself when it is the same)."""
        if situation == self._situation:
            return self
        seen = self.model_copy()
        seen._situation = situation
        return seen

    @property
    def body(self) -> str:
        """The Markdown body below the front matter."""
        return self._body

    @property
    def source(self) -> str:
        """Path of the file the fiche was read from."""
        return self._source

    @property
    def progression(self) -> int:
        """`avancement`, or its default from the statut."""
        if self.avancement is not None:
            return self.avancement
        return 100 if self.statut == "realisee" else 0

    @property
    def objectif_numero(self) -> str:
        return self.id.rsplit(".", 1)[0]

    @property
    def axe_numero(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def en_retard(self) -> bool:
        """Past its planned end at the plan's « état au » date, and neither réalisée nor abandonnée."""
        fin = self.calendrier.fin
        return bool(
            fin
            and self._situation
            and fin.last_day() < self._situation
            and self.statut not in ("realisee", "abandonnee")
        )

    @property
    def slug(self) -> str:
        """Stable URL part derived from the id: `2-3-1`."""
        return self.id.replace(".", "-")

    @property
    def suivi_recent(self) -> list[Suivi]:
        return sorted(self.suivi, key=lambda s: s.date, reverse=True)

    @property
    def derniere_mise_a_jour(self) -> PartialDate | None:
        return max((s.date for s in self.suivi), default=None)


_READ = "fiches.read"  # the validation context key that carries what `Fiche.read` gives


def situation_date(plan: Plan, today: dt.date | None = None) -> dt.date:
    """The plan's « état au » date: its `date_situation` (last day of it), else `today` (default: now)."""
    return plan.date_situation.last_day() if plan.date_situation else (today or dt.date.today())


def elu_is_code(value: str) -> bool:
    """An entry of a fiche's `elus` is a code of plan.yml when it is one word (`ADJ-RH`); with a space it is free
    text (`Mme Durand, adjointe aux finances`)."""
    return re.fullmatch(CODE_PATTERN, value) is not None


def financement_totals(financements: list[Financement]) -> dict[str, float]:
    """Sum of the montants by état, every état present (0 when none), in the order of the stages."""
    totals = {etat: 0.0 for etat in ETATS_FINANCEMENT}
    for line in financements:
        totals[line.etat] += line.montant
    return totals


def id_key(value: str) -> tuple[int, ...]:
    """Natural order of numbers: 1.2 < 1.10."""
    return tuple(int(p) for p in value.split("."))


# --- history (filled from git by `builder.living.history`) -----------------------------------------------


@dataclass(frozen=True)
class Changement:
    """One dated change of a fiche, read from the commits that touched its file."""

    date: dt.date
    nature: Literal["creation", "statut", "avancement", "renumerotation", "suppression"]
    avant: str | None
    apres: str | None
    commit: str  # short hash


@dataclass(frozen=True)
class Historique:
    """What git knows of one fiche: last modification and its changes, oldest first."""

    derniere_modification: dt.date | None = None
    changements: list[Changement] = field(default_factory=list)
    modifications: list[dt.date] = field(default_factory=list)  # dates of every commit that changed the file


# --- the validated whole ------------------------------------------------------------------------


class Statut:
    """A statut as displayed: code, label, colour, icon."""

    def __init__(self, code: str, libelle: str, couleur: str, icone: str) -> None:
        self.code, self.libelle, self.couleur, self.icone = code, libelle, couleur, icone


class Projet:
    """The validated plan and its fiches, with what git knows of them (history, the edition's review) and the
    queries every renderer uses. Complete when made (`builder.project.load_projet`) and immutable: `replace`
    gives another one."""

    plan: Plan
    fiches: tuple[Fiche, ...]
    date_situation: dt.date
    history: Mapping[str, Historique]  # by fiche id; empty outside git or when not read
    bilan: Any  # the review's facts (builder.living.bilan.Bilan), from which both texts below are written; None if not
    bilan_markdown: str | None  # the yearly review ("Bilan <edition>"), when computed
    bilan_resume: str | None  # the same review, compact, for the printed brochure
    warnings: tuple[Problem, ...]  # what validation warned about
    statuts: dict[str, Statut]  # by code: libellé and couleur of plan.yml, else the defaults

    def __init__(
        self,
        plan: Plan,
        fiches: Iterable[Fiche],
        today: dt.date | None = None,
        *,
        history: Mapping[str, Historique] | None = None,
        bilan: Any = None,
        bilan_markdown: str | None = None,
        bilan_resume: str | None = None,
        warnings: Iterable[Problem] = (),
    ) -> None:
        day = situation_date(plan, today)
        values = {
            "plan": plan,
            "fiches": tuple(sorted((f.at(day) for f in fiches), key=lambda f: id_key(f.id))),
            "date_situation": day,
            "history": MappingProxyType(dict(history or {})),
            "bilan": bilan,
            "bilan_markdown": bilan_markdown,
            "bilan_resume": bilan_resume,
            "warnings": tuple(warnings),
            "statuts": {
                code: Statut(
                    code,
                    (plan.statuts.get(code) or StatutDef()).libelle or label,
                    (plan.statuts.get(code) or StatutDef()).couleur or colour,
                    icon,
                )
                for code, (label, colour, icon) in DEFAULT_STATUTS.items()
            },
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"Projet is immutable: use projet.replace({name}=…)")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Projet is immutable")

    def replace(self, **changes: Any) -> Projet:
        """Another `Projet`, with some of its parts changed (the others are the same objects)."""
        parts = self._parts()
        unknown = set(changes) - set(parts)
        if unknown:
            raise TypeError(f"Projet has no part {', '.join(sorted(unknown))}")
        return Projet(**{**parts, **changes})

    def _parts(self) -> dict[str, Any]:
        return {
            "plan": self.plan,
            "fiches": self.fiches,
            "today": self.date_situation,
            "history": dict(self.history),
            "bilan": self.bilan,
            "bilan_markdown": self.bilan_markdown,
            "bilan_resume": self.bilan_resume,
            "warnings": self.warnings,
        }

    def __reduce__(self) -> tuple[Any, ...]:  # pickled as its parts (a read-only mapping cannot be pickled)
        return _projet, (self._parts(),)

    def historique(self, fiche: Fiche) -> Historique | None:
        return self.history.get(fiche.id)

    # lookups
    @cached_property
    def by_id(self) -> dict[str, Fiche]:
        return {f.id: f for f in self.fiches}

    @cached_property
    def objectifs(self) -> dict[str, Objectif]:
        return {o.numero: o for a in self.plan.axes for o in a.objectifs}

    @cached_property
    def axes(self) -> dict[str, Axe]:
        return {a.numero: a for a in self.plan.axes}

    @cached_property
    def directions(self) -> dict[str, Direction]:
        return {d.code: d for d in self.plan.directions}

    @cached_property
    def collectivites(self) -> dict[str, Collectivite]:
        return {c.code: c for c in self.plan.collectivites}

    @cached_property
    def elus(self) -> dict[str, Elu]:
        return {e.code: e for e in self.plan.elus}

    @cached_property
    def _by_objectif(self) -> dict[str, list[Fiche]]:
        groups: dict[str, list[Fiche]] = defaultdict(list)
        for f in self.fiches:
            groups[f.objectif_numero].append(f)
        return groups

    def fiches_of_objectif(self, numero: str) -> list[Fiche]:
        return self._by_objectif.get(numero, [])

    def fiches_of_axe(self, numero: str) -> list[Fiche]:
        return [f for f in self.fiches if f.axe_numero == numero]

    def axe_of(self, fiche: Fiche) -> Axe:
        return self.axes[fiche.axe_numero]

    def objectif_of(self, fiche: Fiche) -> Objectif:
        return self.objectifs[fiche.objectif_numero]

    def statut(self, code: str) -> Statut:
        return self.statuts[code]

    def collectivites_of(self, fiche: Fiche) -> list[Collectivite]:
        if not fiche.collectivites:
            return list(self.plan.collectivites)
        return [self.collectivites[c] for c in fiche.collectivites if c in self.collectivites]

    @cached_property
    def _cited_by(self) -> dict[str, list[Fiche]]:
        cited: dict[str, list[Fiche]] = defaultdict(list)
        for f in self.fiches:
            for target in f.liens:
                cited[target].append(f)
        return cited

    def liees(self, fiche: Fiche) -> list[Fiche]:
        """Fiches this one links to."""
        return [self.by_id[i] for i in fiche.liens if i in self.by_id]

    def citee_par(self, fiche: Fiche) -> list[Fiche]:
        """Fiches that link to this one."""
        return self._cited_by.get(fiche.id, [])

    # computed states
    def jalon_en_retard(self, jalon: Jalon) -> bool:
        return not jalon.fait and jalon.date.last_day() < self.date_situation

    @property
    def en_retard(self) -> list[Fiche]:
        return [f for f in self.fiches if f.en_retard]

    @property
    def prioritaires(self) -> list[Fiche]:
        return [f for f in self.fiches if f.prioritaire]

    def by_statut(self) -> dict[str, list[Fiche]]:
        groups: dict[str, list[Fiche]] = {code: [] for code in STATUTS}
        for f in self.fiches:
            groups[f.statut].append(f)
        return groups

    def progress(self, fiches: Sequence[Fiche] | None = None) -> int:
        """Mean avancement (%) of the fiches that are not abandonnées."""
        active = [f for f in (self.fiches if fiches is None else fiches) if f.statut != "abandonnee"]
        return round(sum(f.progression for f in active) / len(active)) if active else 0

    def suivi_entries(self) -> list[tuple[Suivi, Fiche]]:
        """Every suivi entry of every fiche, newest first."""
        entries = [(s, f) for f in self.fiches for s in f.suivi]
        return sorted(entries, key=lambda e: (e[0].date, id_key(e[1].id)), reverse=True)

    def themes(self) -> dict[str, list[Fiche]]:
        """Fiches by thème; spellings that differ only in case, accents or spaces are one thème, shown as first
        written (in the order of the fiches)."""
        shown: dict[str, str] = {}
        groups: dict[str, list[Fiche]] = defaultdict(list)
        for f in self.fiches:
            for t in f.themes:
                key = theme_key(t)
                shown.setdefault(key, t)
                if f not in groups[key]:
                    groups[key].append(f)
        return {shown[key]: groups[key] for key in sorted(groups)}

    def stats(self) -> dict[str, Any]:
        """Counts by axe × statut, prioritaires, en retard: what `fiches stats` and the home page show."""
        table = {a.numero: {code: 0 for code in STATUTS} for a in self.plan.axes}
        for f in self.fiches:
            table[f.axe_numero][f.statut] += 1
        return {
            "par_axe": table,
            "total": len(self.fiches),
            "prioritaires": len(self.prioritaires),
            "en_retard": len(self.en_retard),
            "realisees": sum(1 for f in self.fiches if f.statut == "realisee"),
            "avancement": self.progress(),
        }


def _projet(parts: dict[str, Any]) -> Projet:
    return Projet(**parts)
