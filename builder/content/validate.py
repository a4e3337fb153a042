"""Stage 2, validate: loaded data → typed models, with every problem of every file in one report.

Per-file rules come from the pydantic models (translated into French, with lines from the loader);
cross-file rules (ids, codes, links, numbering) and consistency warnings are checked here.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from builder.content.load import Content, Location, Source
from builder.content.model import (
    Fiche,
    PartialDate,
    Plan,
    Projet,
    financement_totals,
    id_key,
    situation_date,
    theme_key,
)
from builder.content.rules import (
    bad_link,
    duplicate_codes,
    duplicate_message,
    fiche_rules,
    missing_objectif,
    unknown_code,
    unknown_elu,
    valid_id,
)
from builder.errors import Report, did_you_mean
from builder.fr import euros_fr, number_fr

ABANDON_STATUTS = ("en_pause", "bloquee", "abandonnee")


def validate(content: Content, report: Report, today: dt.date | None = None) -> Projet | None:
    """The validated `Projet` of loaded content (without what git knows: `builder.project` adds it), or None when
    there are errors; every error and warning goes into `report`."""
    plan = _validate_model(Plan, content.plan, report)[0] if content.plan else None
    situation = situation_date(plan, today) if plan is not None else None
    fiches: list[Fiche] = []
    sources: dict[int, Source] = {}
    refs: list[_Refs] = []
    for source in content.fiches:
        fiche, bad = _validate_model(Fiche, source, report, situation)
        if fiche is not None:
            fiches.append(fiche)
            sources[id(fiche)] = source
        refs.append(_Refs.of(source, fiche, bad))
    if plan is not None and content.plan is not None:
        _check_plan(plan, content.plan, report)
    _check_fiches(plan, fiches, sources, report)
    _check_references(plan, refs, report)
    if plan is None or content.plan is None or report.errors:
        return None
    projet = Projet(plan, fiches, today)  # the same fiche objects: each was read at the plan's « état au » date
    _warn(projet, content.plan, sources, report)
    from builder.content.body_rules import check_texts  # what rendering the Markdown would fail on, found before it

    check_texts(projet, content.plan, sources, report)
    return None if report.errors else projet


@dataclass
class _Refs:
    """What a fiche points to (its id, codes, links), from its model or, for a fiche with other errors,
    from the fields that are readable: cross-file rules are checked for every fiche."""

    source: Source
    id: str | None
    pilote: str | None
    contributeurs: list[str | None]
    collectivites: list[str | None]
    liens: list[str | None]
    elus: list[str | None] = field(default_factory=list)

    @classmethod
    def of(cls, source: Source, fiche: Fiche | None, bad: set[str]) -> _Refs:
        if fiche is not None:
            return cls(
                source,
                fiche.id,
                fiche.pilote,
                list(fiche.contributeurs),
                list(fiche.collectivites),
                list(fiche.liens),
                list(fiche.elus),
            )
        data = source.data if isinstance(source.data, dict) else {}

        def text(key: str) -> str | None:
            value = data.get(key)
            return value if isinstance(value, str) and key not in bad else None

        def texts(key: str) -> list[str | None]:
            values = data.get(key)
            if not isinstance(values, list) or key in bad:
                return []
            return [v if isinstance(v, str) else None for v in values]

        fiche_id = text("id")
        if fiche_id is not None and not valid_id(fiche_id):
            fiche_id = None
        return cls(
            source,
            fiche_id,
            text("pilote"),
            texts("contributeurs"),
            texts("collectivites"),
            texts("liens"),
            texts("elus"),
        )


# --- per file -----------------------------------------------------------------------------------


def _validate_model(
    model: type[BaseModel], source: Source | None, report: Report, situation: dt.date | None = None
) -> tuple[Any, set[str]]:
    """The model, or None; and the top-level fields that had errors. Values the loader refused (and reported)
    are not reported again. A fiche is read with its body, its path and the plan's « état au » date."""
    if source is None or () in source.reported:
        return None, set()
    if not isinstance(source.data, dict):
        report.error(
            source.path, source.line(()), None, "le contenu doit être une série de champs « nom: valeur », un par ligne"
        )
        return None, set()
    try:
        if model is Fiche:
            return Fiche.read(source.data, body=source.body, source=source.path, situation=situation), set()
        return model.model_validate(source.data), set()
    except ValidationError as exc:
        bad = {str(loc[0]) for loc in source.reported if loc}
        for loc, message in french_errors(exc, model):
            if loc:
                bad.add(str(loc[0]))
            if not any(loc[: len(refused)] == refused for refused in source.reported):
                report.error(source.path, source.line(loc), _field_name(loc), message)
        return None, bad


def french_errors(exc: ValidationError, model: type[BaseModel]) -> list[tuple[Location, str]]:
    """pydantic's errors as (location, French message), one per field."""
    out: dict[Location, str] = {}
    for err in exc.errors(include_url=False):
        loc = _clean_loc(err["loc"])
        out.setdefault(loc, _french(err, model, loc))
    return list(out.items())


def _clean_loc(loc: tuple) -> Location:
    # pydantic adds union/type tags into locations (e.g. 'function-before[...]'); keep only real keys.
    # Also the `[key]` of a dict key and the class names of union members (`PageFormat`): fields are lowercase.
    return tuple(
        p
        for p in loc
        if isinstance(p, int) or not re.match(r"^[a-z-]+\[.*\]$|^(int|float|str)$|^\[key\]$|^[A-Z][A-Za-z]+$", p)
    )


def _field_name(loc: Location) -> str | None:
    out = ""
    for part in loc:
        out += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or None


def _model_at(model: type[BaseModel], loc: Location) -> type[BaseModel] | None:
    """The model class that owns the last key of `loc` (to list its known fields)."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part) if isinstance(current, type) and issubclass(current, BaseModel) else None
        if field is None:
            return None
        current = _inner_model(field.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _inner_model(annotation: Any) -> Any:
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if isinstance(found, type) and issubclass(found, BaseModel):
            return found
    return annotation


_FIELD_HINTS = {
    "id": "attendu : un numéro de la forme N.M.K (ex. 2.3.1), en chiffres 0 à 9, sans zéro en tête",
    "numero": "attendu : N pour un axe, N.M pour un objectif (ex. 2 ou 2.3), en chiffres 0 à 9, sans zéro en tête",
    "couleur": "attendu : une couleur #rrggbb (ex. #1d5fa8)",
    "code": "attendu : un code court sans espace (lettres, chiffres, - ou _)",
    "contact": "attendu : une adresse électronique (ex. drh@ville.fr)",
    "expediteur": "attendu : une adresse électronique (ex. projet-administration@ville.fr)",
    "schema_pluriannuel": "attendu : une adresse web complète (ex. https://www.ville.fr/accessibilite/schema)",
    "plan_action": "attendu : une adresse web complète (ex. https://www.ville.fr/accessibilite/plan-2026)",
}


def _french(err: ErrorDetails, model: type[BaseModel], loc: Location) -> str:
    kind, value, ctx = err["type"], err.get("input"), err.get("ctx") or {}
    last = loc[-1] if loc else ""
    shown = _show(value)
    if kind == "missing":
        return "champ obligatoire manquant"
    if kind == "extra_forbidden":
        owner = _model_at(model, loc)
        known = list(owner.model_fields) if owner else []
        hint = did_you_mean(str(last), known)
        return f"champ inconnu{hint} ; champs possibles : {', '.join(known)}" if known else "champ inconnu"
    if kind == "literal_error":
        expected = re.findall(r"'([^']+)'", str(ctx.get("expected", "")))
        what = {
            "statut": "un statut connu",
            "type": "un type d'indicateur connu",
            "nature": "une nature de financement connue",
            "etat": "un état de financement connu",
        }.get(str(last), "une valeur connue")
        if len(loc) == 2 and loc[0] == "statuts":
            what = "un statut connu"
        extra = " ou {largeur: …, hauteur: …} en millimètres" if last == "format" else ""
        return (
            f"« {shown} » n'est pas {what} ; valeurs possibles : {', '.join(expected)}{extra}"
            f"{did_you_mean(shown, expected)}"
        )
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"« {shown} » : attendu un nombre entier"
    if kind in ("float_parsing", "float_type"):
        return f"« {shown} » n'est pas un nombre"
    if kind in ("bool_parsing", "bool_type"):
        return f"« {shown} » : attendu oui ou non"
    if kind == "string_type":
        return f"attendu un texte, trouvé {_kind_of(value)}"
    if kind == "list_type":
        return f"attendu une liste (une ligne « - valeur » par élément), trouvé {_kind_of(value)}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"attendu une série de champs « nom: valeur », trouvé {_kind_of(value)}"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = ctx.get("ge", ctx.get("gt", ctx.get("le", ctx.get("lt"))))
        sign = {"greater_than_equal": "≥", "greater_than": ">", "less_than_equal": "≤", "less_than": "<"}[kind]
        if last == "montant" and kind == "greater_than_equal":
            return f"« {shown} » : un montant ne peut pas être négatif (attendu une valeur ≥ {bound})"
        return f"« {shown} » hors limites : attendu une valeur {sign} {bound}"
    if kind == "string_too_long":
        return f"texte trop long ({len(str(value))} caractères ; {ctx.get('max_length')} au plus)"
    if kind == "string_too_short":
        return "ne doit pas être vide"
    if kind == "too_short":
        return f"liste vide : au moins {ctx.get('min_length', 1)} élément attendu"
    if kind == "string_pattern_mismatch":
        if loc[:1] == ("accessibilite",) and last == "contact":
            return (
                f"« {shown} » : attendu une adresse électronique (ex. accessibilite@ville.fr) ou l'adresse "
                "d'un formulaire (https://…)"
            )
        return f"« {shown} » : " + _FIELD_HINTS.get(str(last), f"format attendu : {ctx.get('pattern')}")
    if kind == "union_tag_invalid" or kind.startswith("union"):
        return f"valeur « {shown} » non reconnue"
    return err["msg"].removeprefix("Value error, ")


def _show(value: Any) -> str:
    """A value as quoted in a message: at most 60 characters (an absurdly long id is cut)."""
    if isinstance(value, dict):
        return "{…}"
    if isinstance(value, list):
        return "[…]"
    text = str(value).replace("\n", "\\n")  # a final newline is shown, not printed
    return text if len(text) <= 60 else text[:60] + "…"


def _kind_of(value: Any) -> str:
    if value is None:
        return "une valeur vide"
    if isinstance(value, dict):
        return "une série de champs"
    if isinstance(value, list):
        return "une liste"
    return f"« {value} »"


# --- across files -------------------------------------------------------------------------------


def _check_plan(plan: Plan, source: Source, report: Report) -> None:
    if plan.periode.fin < plan.periode.debut:
        report.error(
            source.path,
            source.line(("periode", "fin")),
            "periode.fin",
            f"la fin ({plan.periode.fin}) est avant le début ({plan.periode.debut})",
        )
    _unique(source, report, "directions", [d.code for d in plan.directions], "code de direction")
    _unique(source, report, "collectivites", [c.code for c in plan.collectivites], "code de collectivité")
    _unique(source, report, "elus", [e.code for e in plan.elus], "code d'élu")
    _unique(source, report, "axes", [a.numero for a in plan.axes], "numéro d'axe", "numero")
    seen: dict[str, int] = {}
    for i, axe in enumerate(plan.axes):
        for j, obj in enumerate(axe.objectifs):
            loc = ("axes", i, "objectifs", j, "numero")
            if obj.numero.split(".")[0] != axe.numero:
                report.error(
                    source.path,
                    source.line(loc),
                    f"axes[{i + 1}].objectifs[{j + 1}].numero",
                    f"l'objectif {obj.numero} est rangé dans l'axe {axe.numero} : "
                    f"son numéro doit commencer par « {axe.numero}. »",
                )
            if obj.numero in seen:
                report.error(
                    source.path,
                    source.line(loc),
                    f"axes[{i + 1}].objectifs[{j + 1}].numero",
                    f"numéro d'objectif {obj.numero} en double (déjà ligne {seen[obj.numero]})",
                )
            seen.setdefault(obj.numero, source.line(loc))


def _unique(
    source: Source, report: Report, list_key: str, values: list[str], what: str, key_field: str = "code"
) -> None:
    for i, first, spelled in duplicate_codes(values):
        report.error(
            source.path,
            source.line((list_key, i, key_field)),
            f"{list_key}[{i + 1}].{key_field}",
            duplicate_message(what, values[i], spelled, source.line((list_key, first, key_field))),
        )


def _check_fiches(plan: Plan | None, fiches: list[Fiche], sources: dict[int, Source], report: Report) -> None:
    """Rules that need a whole valid fiche: file name, calendrier."""
    for fiche in fiches:
        src = sources[id(fiche)]
        name = Path(src.path).name
        if not (name == f"{fiche.id}.md" or name.startswith(f"{fiche.id}-")):
            report.error(
                src.path,
                src.line(("id",)),
                "id",
                f"le nom du fichier doit commencer par « {fiche.id}- » (ex. {fiche.id}-mon-action.md) "
                "pour correspondre au numéro de la fiche",
            )
        for loc, message in fiche_rules(fiche):
            report.error(src.path, src.line(loc), _field_name(loc), message)


def _check_references(plan: Plan | None, refs: list[_Refs], report: Report) -> None:
    """Ids unique, objectifs, direction and collectivité codes, links: for every fiche, valid or not."""
    objectifs = {o.numero for a in plan.axes for o in a.objectifs} if plan else None
    directions = [d.code for d in plan.directions] if plan else None
    collectivites = [c.code for c in plan.collectivites] if plan else None
    elus = [e.code for e in plan.elus] if plan else None
    first_file: dict[str, str] = {}
    for ref_id, ref in sorted(((r.id, r) for r in refs if r.id), key=lambda p: (id_key(p[0]), p[1].source.path)):
        src = ref.source
        if ref_id in first_file:
            report.error(
                src.path,
                src.line(("id",)),
                "id",
                f"numéro {ref_id} déjà utilisé par {first_file[ref_id]} ; chaque fiche a son propre numéro",
            )
        first_file.setdefault(ref_id, src.path)
        missing = missing_objectif(ref_id, objectifs) if objectifs is not None else None
        if missing:
            report.error(src.path, src.line(("id",)), "id", missing)
    for ref in refs:
        src = ref.source
        if directions is not None:
            if ref.pilote is not None:
                _check_code(src, report, ("pilote",), ref.pilote, directions, "direction")
            for i, code in enumerate(ref.contributeurs):
                if code is not None:
                    _check_code(src, report, ("contributeurs", i), code, directions, "direction")
        if collectivites is not None:
            for i, code in enumerate(ref.collectivites):
                if code is not None:
                    _check_code(src, report, ("collectivites", i), code, collectivites, "collectivité")
        if elus is not None:
            for i, value in enumerate(ref.elus):
                if value is not None:
                    _check_elu(src, report, i, value, elus)
        for i, target in enumerate(ref.liens):
            problem = bad_link(target, ref.id, first_file) if target is not None else None
            if problem:
                report.error(src.path, src.line(("liens", i)), f"liens[{i + 1}]", problem)


def _check_code(src: Source, report: Report, loc: Location, code: str, known: list[str], what: str) -> None:
    problem = unknown_code(code, known, what)
    if problem:
        field = loc[0] if len(loc) == 1 else f"{loc[0]}[{int(loc[1]) + 1}]"
        report.error(src.path, src.line(loc), str(field), problem)


def _check_elu(src: Source, report: Report, index: int, value: str, known: list[str]) -> None:
    problem = unknown_elu(value, known)
    if problem:
        report.error(src.path, src.line(("elus", index)), f"elus[{index + 1}]", problem)


# --- warnings -----------------------------------------------------------------------------------


def _warn(projet: Projet, plan_source: Source, sources: dict[int, Source], report: Report) -> None:
    for fiche in projet.fiches:
        src = sources[id(fiche)]
        if fiche.statut == "realisee" and fiche.progression < 100:
            report.warning(
                src.path,
                src.line(("avancement",)),
                "avancement",
                f"la fiche est réalisée mais son avancement est de {fiche.progression} % (attendu : 100)",
            )
        if fiche.statut == "a_venir" and fiche.progression > 0:
            report.warning(
                src.path,
                src.line(("avancement",)),
                "avancement",
                f"la fiche est à venir mais son avancement est de {fiche.progression} % (attendu : 0)",
            )
        if fiche.statut in ABANDON_STATUTS and not fiche.suivi:
            label = projet.statut(fiche.statut).libelle.lower()
            report.warning(
                src.path,
                src.line(("statut",)),
                "statut",
                f"fiche {label} sans entrée de suivi qui explique pourquoi ; ajoutez-en une dans « suivi »",
            )
        _warn_duplicates(fiche, src, report)
        _warn_budget(fiche, src, report)
        _warn_body(src, report)
        _warn_far_dates(projet, fiche, src, report)
    for code, statut in projet.plan.statuts.items():
        if statut.couleur:
            _warn_contrast(plan_source, ("statuts", code, "couleur"), statut.couleur, report)
    warn_accessibilite(projet, plan_source, report)
    for i, axe in enumerate(projet.plan.axes):
        _warn_contrast(plan_source, ("axes", i, "couleur"), axe.couleur, report)
        for j, obj in enumerate(axe.objectifs):
            if not projet.fiches_of_objectif(obj.numero):
                report.warning(
                    plan_source.path,
                    plan_source.line(("axes", i, "objectifs", j)),
                    f"axes[{i + 1}].objectifs[{j + 1}]",
                    f"l'objectif {obj.numero} n'a aucune fiche-action",
                )


# The facts an accessibility statement cannot go without (RGAA), and what each one is, for the warning.
_ACCESS_REQUIRED = {
    "etat_conformite": "l'état de conformité (totalement_conforme, partiellement_conforme ou non_conforme ; sans "
    "audit : non_conforme)",
    "date_declaration": "la date à laquelle la déclaration est établie",
    "contact": "le contact pour signaler un défaut d'accessibilité (adresse électronique ou formulaire)",
    "schema_pluriannuel": "l'adresse du schéma pluriannuel de mise en accessibilité",
}
_ACCESS_AUDIT = {
    "taux_conformite": "le taux de critères respectés",
    "date_audit": "la date de l'audit",
    "auditeur": "qui a réalisé l'audit",
}


def warn_accessibilite(projet: Projet, source: Source, report: Report) -> None:
    """A warning for each fact of the accessibility statement that is missing or contradicts another."""
    facts = projet.plan.accessibilite
    if facts is None:
        report.warning(
            source.path,
            source.line(()),
            "accessibilite",
            "déclaration d'accessibilité à compléter : ajoutez « accessibilite: » avec "
            + ", ".join(_ACCESS_REQUIRED)
            + " (la page Accessibilité du site les affiche)",
        )
        return
    line = source.line(("accessibilite",))
    for name, what in _ACCESS_REQUIRED.items():
        if getattr(facts, name) is None:
            report.warning(
                source.path, line, f"accessibilite.{name}", f"déclaration d'accessibilité incomplète : il manque {what}"
            )
    etat, taux = facts.etat_conformite, facts.taux_conformite
    if etat in ("totalement_conforme", "partiellement_conforme"):
        for name, what in _ACCESS_AUDIT.items():
            if getattr(facts, name) in (None, ""):
                report.warning(
                    source.path, line, f"accessibilite.{name}", f"état « {etat} » sans audit décrit : il manque {what}"
                )
    if taux is not None and etat is not None:
        expected = "totalement_conforme" if taux >= 100 else "partiellement_conforme" if taux >= 50 else "non_conforme"
        if expected != etat:
            report.warning(
                source.path,
                source.line(("accessibilite", "etat_conformite")),
                "accessibilite.etat_conformite",
                f"un taux de {taux:g} % correspond à l'état « {expected} », pas « {etat} » (RGAA : "
                "totalement conforme à 100 %, partiellement conforme à partir de 50 %)",
            )
    if facts.date_declaration is not None:
        now = projet.date_situation
        limit = dt.date(now.year - 3, now.month, min(now.day, 28))
        if facts.date_declaration.last_day() < limit:
            report.warning(
                source.path,
                source.line(("accessibilite", "date_declaration")),
                "accessibilite.date_declaration",
                "déclaration d'accessibilité de plus de trois ans : à mettre à jour",
            )


_BODY_WARNINGS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"(?<!!)\[[^\]]*\]\((/(?!/)[^)\s]*)"),  # a Markdown link to `/chemin` (not `//hôte`)
        "lien « {0} » écrit depuis la racine du serveur : il casse quand le site est publié dans un sous-dossier ; "
        "écrivez un lien relatif (ex. ../2-1-3/) ou l'adresse complète",
    ),
    (
        re.compile(r"!\[[^\]]*\]\(|<img\b", re.IGNORECASE),  # a Markdown image, or an HTML one
        "image non publiée : le site et les PDF n'affichent pas d'images (intranet sans accès à Internet) ; seule sa "
        "description entre crochets reste, décrivez-la dans le texte",
    ),
)


def _warn_budget(fiche: Fiche, src: Source, report: Report) -> None:
    """A budget that the plan de financement does not add up to. Every line counts whatever its état: prévu,
    demandé, obtenu and versé are the stages of one line, not different money."""
    if fiche.budget is None or not fiche.financements:
        return
    total = sum(financement_totals(fiche.financements).values())
    if round(total, 2) != round(fiche.budget, 2):
        gap = abs(total - fiche.budget)
        report.warning(
            src.path,
            src.line(("budget",)),
            "budget",
            f"le budget ({euros_fr(fiche.budget)}) diffère du total des financements prévus "
            f"({euros_fr(total)}, tous états confondus) : écart de {euros_fr(gap)} ; corrigez le budget "
            "ou les lignes de « financements »",
        )


def _warn_body(src: Source, report: Report) -> None:
    """What a fiche's Markdown text holds that will not be published as written, at its line."""
    for pattern, message in _BODY_WARNINGS:
        for match in pattern.finditer(src.body):
            report.warning(
                src.path, src.body_line + src.body.count("\n", 0, match.start()), None, message.format(*match.groups())
            )


def _warn_duplicates(fiche: Fiche, src: Source, report: Report) -> None:
    for key in ("contributeurs", "collectivites", "liens", "themes", "elus", "partenaires"):
        seen: set[str] = set()
        for i, value in enumerate(getattr(fiche, key)):
            # thèmes as their page groups them; partenaires the same way (« CNFPT » = « cnfpt »)
            folded = theme_key(value) if key in ("themes", "partenaires") else value
            if folded in seen:
                report.warning(
                    src.path,
                    src.line((key, i)),
                    f"{key}[{i + 1}]",
                    f"« {value} » figure déjà dans la liste ; retirez le doublon",
                )
            seen.add(folded)


FAR = 5  # years before or after the plan's période that make a date look like a typo


def _warn_far_dates(projet: Projet, fiche: Fiche, src: Source, report: Report) -> None:
    periode = projet.plan.periode
    low, high = periode.debut - FAR, periode.fin + FAR
    dates: list[tuple[Location, PartialDate | None]] = [
        (("calendrier", "debut"), fiche.calendrier.debut),
        (("calendrier", "fin"), fiche.calendrier.fin),
    ]
    dates += [(("jalons", i, "date"), j.date) for i, j in enumerate(fiche.jalons)]
    for loc, date in dates:
        if date is not None and not low <= date.year <= high:
            report.warning(
                src.path,
                src.line(loc),
                _field_name(loc),
                f"{date} est loin de la période du plan ({periode.debut}–{periode.fin}) ; "
                "faute de frappe dans l'année ?",
            )
    for i, line in enumerate(fiche.financements):
        if not low <= line.annee <= high:
            loc = ("financements", i, "annee")
            report.warning(
                src.path,
                src.line(loc),
                _field_name(loc),
                f"{line.annee} est loin de la période du plan ({periode.debut}–{periode.fin}) ; "
                "faute de frappe dans l'année ?",
            )


def contrast_with_white(colour: str) -> float:
    """WCAG 2 contrast ratio between `#rrggbb` and white."""

    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    return 1.05 / (luminance + 0.05)


def _warn_contrast(source: Source, loc: tuple, colour: str, report: Report) -> None:
    """Axe and statut colours carry white text (bands, covers) and are text on white (badges, titles)."""
    ratio = contrast_with_white(colour)
    if ratio < 4.5:
        report.warning(
            source.path,
            source.line(loc),
            _field_name(loc),
            f"« {colour} » n'est pas assez contrastée avec le blanc ({number_fr(round(ratio, 1))}:1 ; au "
            "moins 4,5:1 pour un texte lisible, critère RGAA 3.2) ; choisissez une teinte plus foncée",
        )
