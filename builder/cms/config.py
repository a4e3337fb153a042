"""The form editor (`/admin/`, Decap CMS): its configuration, generated from the models and `plan.yml`.

`Shape` describes what a field holds, read from the pydantic models (the only schema): the configuration's
widgets come from it, and so do the local backend's reading and merging of what the form sends
(`builder.cms.api`). The configuration is generated anew for each request of `fiches serve` and at each
`fiches build`: it follows the plan (statuts, directions, collectivités) and the models.
"""

from __future__ import annotations

import os
import re
import shutil
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from builder.content.model import (
    AXE_PATTERN,
    CODE_PATTERN,
    COLOR_PATTERN,
    DEFAULT_STATUTS,
    ID_PATTERN,
    OBJECTIF_PATTERN,
    TYPES_INDICATEUR,
    Fiche,
    PartialDate,
    Plan,
)
from builder.errors import BuildError, Report
from builder.resources import theme_dir
from builder.text import fold

ADMIN = "/admin/"
API = ADMIN + "api/v1"
FICHES_FOLDER = "fiches"
PLAN_FILE = "plan.yml"
THEME = theme_dir()

# --- shapes -------------------------------------------------------------------------------------

Kind = Literal["model", "list", "map", "union", "bool", "number", "int", "date", "text", "choice"]


@dataclass(frozen=True)
class Shape:
    """What a value holds: a model (`fields`), a list or a map of `item`, or a scalar of some kind."""

    kind: Kind
    model: type[BaseModel] | None = None
    item: Shape | None = None
    choices: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()  # the keys of a map (statuts) when they are a closed set
    options: tuple[Shape, ...] = ()  # the shapes of a union
    pattern: str | None = None
    bounds: dict[str, float] = field(default_factory=dict)
    max_length: int | None = None

    @property
    def fields(self) -> dict[str, tuple[Shape, FieldInfo]]:
        assert self.model is not None
        return model_fields(self.model)


_MODEL_FIELDS: dict[type[BaseModel], dict[str, tuple[Shape, FieldInfo]]] = {}


def model_fields(model: type[BaseModel]) -> dict[str, tuple[Shape, FieldInfo]]:
    """The shape of each field of `model`, in the model's order."""
    if model not in _MODEL_FIELDS:
        _MODEL_FIELDS[model] = {
            name: (shape_of(info.annotation, info.metadata), info) for name, info in model.model_fields.items()
        }
    return _MODEL_FIELDS[model]


def shape_of(annotation: Any, metadata: list[Any] | tuple[Any, ...] = ()) -> Shape:
    constraints = list(metadata)
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation, *extra = typing.get_args(annotation)
            for item in extra:
                constraints.extend(item.metadata if isinstance(item, FieldInfo) else [item])
            continue
        if origin in (typing.Union, types.UnionType):
            options = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(options) == 1:
                annotation = options[0]
                continue
            return Shape("union", options=tuple(shape_of(a) for a in options))
        break
    pattern = next((c.pattern for c in constraints if getattr(c, "pattern", None)), None)
    bounds = {
        name: getattr(c, name) for c in constraints for name in ("ge", "le", "gt") if getattr(c, name, None) is not None
    }
    max_length = next((c.max_length for c in constraints if getattr(c, "max_length", None)), None)
    if origin is Literal:
        return Shape("choice", choices=tuple(typing.get_args(annotation)))
    if origin is list:
        return Shape("list", item=shape_of(typing.get_args(annotation)[0]))
    if origin is dict:
        key, value = typing.get_args(annotation)
        keys = tuple(typing.get_args(key)) if typing.get_origin(key) is Literal else ()
        return Shape("map", item=shape_of(value), keys=keys)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return Shape("model", model=annotation)
    if annotation is PartialDate:
        return Shape("date")
    kinds: dict[Any, Kind] = {bool: "bool", float: "number", int: "int"}
    kind = kinds.get(annotation, "text")
    return Shape(kind, pattern=pattern, bounds=bounds, max_length=max_length)


FICHE_SHAPE = Shape("model", model=Fiche)
PLAN_SHAPE = Shape("model", model=Plan)

# --- labels -------------------------------------------------------------------------------------

# French labels of the fields, by name: a name means the same thing in every model (a test checks that every
# field of every model has one).
LABELS = {
    "id": "Numéro",
    "titre": "Titre",
    "resume": "Résumé",
    "statut": "Statut",
    "avancement": "Avancement (%)",
    "prioritaire": "Action prioritaire",
    "pilote": "Direction pilote",
    "contributeurs": "Directions contributrices",
    "referent": "Référent",
    "collectivites": "Collectivités",
    "calendrier": "Calendrier",
    "debut": "Début",
    "fin": "Fin",
    "jalons": "Jalons",
    "date": "Date",
    "libelle": "Libellé",
    "fait": "Fait",
    "indicateurs": "Indicateurs",
    "nom": "Nom",
    "type": "Type",
    "unite": "Unité",
    "valeur_initiale": "Valeur initiale",
    "cible": "Cible",
    "mesures": "Mesures",
    "valeur": "Valeur",
    "budget": "Budget (€)",
    "etp": "Moyens humains (ETP)",
    "liens": "Fiches liées",
    "themes": "Thèmes",
    "suivi": "Suivi",
    "texte": "Texte",
    "body": "Texte de la fiche",
    "sous_titre": "Sous-titre",
    "collectivite": "Collectivité",
    "periode": "Période",
    "edition": "Édition",
    "date_situation": "Date « état au »",
    "edito": "Édito",
    "valeurs": "Valeurs",
    "demarche": "Démarche",
    "chiffres_cles": "Chiffres clés",
    "directions": "Directions",
    "code": "Code",
    "statuts": "Statuts",
    "axes": "Axes",
    "numero": "Numéro",
    "couleur": "Couleur",
    "description": "Description",
    "objectifs": "Objectifs",
    "brochure": "Brochure",
    "format": "Format",
    "largeur": "Largeur (mm)",
    "hauteur": "Hauteur (mm)",
    "fond_perdu": "Fond perdu (mm)",
    "imprimeur": "Version imprimeur",
    "elus": "Élus référents",
    "partenaires": "Partenaires",
    "financements": "Plan de financement",
    "financeur": "Financeur",
    "montant": "Montant (€)",
    "annee": "Année",
    "nature": "Nature",
    "etat": "État",
    "delegation": "Délégation",
    "contact": "Adresse de contact",
    "actualiser_apres_mois": "Actualiser après (mois)",
    "mesurer_apres_mois": "Mesurer après (mois)",
    "expediteur": "Expéditeur des relances",
    "papier": "Papier (profil d’impression)",
    "accessibilite": "Déclaration d’accessibilité",
    "etat_conformite": "État de conformité",
    "taux_conformite": "Taux de critères respectés (%)",
    "date_audit": "Date de l’audit",
    "auditeur": "Audit réalisé par",
    "methode": "Méthode et échantillon de l’audit",
    "referentiel": "Référentiel",
    "schema_pluriannuel": "Schéma pluriannuel (adresse)",
    "plan_action": "Plan d’action de l’année (adresse)",
    "contenus_non_accessibles": "Contenus non accessibles",
    "contenu": "Contenu",
    "raison": "Raison",
    "date_declaration": "Date de la déclaration",
}
# How one item of a list is named on its « Ajouter … » button.
SINGULAR = {
    "jalons": "jalon",
    "indicateurs": "indicateur",
    "mesures": "mesure",
    "suivi": "entrée de suivi",
    "contributeurs": "direction",
    "collectivites": "collectivité",
    "liens": "fiche",
    "themes": "thème",
    "valeurs": "valeur",
    "demarche": "étape",
    "chiffres_cles": "chiffre clé",
    "directions": "direction",
    "axes": "axe",
    "objectifs": "objectif",
    "elus": "élu",
    "partenaires": "partenaire",
    "financements": "financement",
    "contenus_non_accessibles": "contenu non accessible",
}
SUMMARIES = {
    "jalons": "{{fields.date}} — {{fields.libelle}}",
    "indicateurs": "{{fields.nom}}",
    "mesures": "{{fields.date}} : {{fields.valeur}}",
    "suivi": "{{fields.date}} — {{fields.texte}}",
    "valeurs": "{{fields.titre}}",
    "demarche": "{{fields.periode}} — {{fields.titre}}",
    "chiffres_cles": "{{fields.valeur}} {{fields.libelle}}",
    "directions": "{{fields.code}} — {{fields.nom}}",
    "collectivites": "{{fields.code}} — {{fields.nom}}",
    "axes": "{{fields.numero}}. {{fields.titre}}",
    "objectifs": "{{fields.numero}} {{fields.titre}}",
    "financements": "{{fields.annee}} — {{fields.financeur}} : {{fields.montant}} €",
    "elus": "{{fields.code}} — {{fields.nom}}",
    "contenus_non_accessibles": "{{fields.contenu}}",
}
# The accessibility statement's choices, as the page words them.
ACCESS_CHOICES = {
    "totalement_conforme": "Totalement conforme",
    "partiellement_conforme": "Partiellement conforme",
    "non_conforme": "Non conforme",
    "non_conformite": "Non-conformité",
    "derogation": "Dérogation pour charge disproportionnée",
    "hors_champ": "Contenu non soumis à l’obligation d’accessibilité",
}
DATE_PATTERN = r"^\d{4}(-\d{2}(-\d{2})?)?$"
PATTERN_HINTS = {
    ID_PATTERN: "un numéro N.M.K (ex. 2.3.1)",
    OBJECTIF_PATTERN: "un numéro N.M (ex. 2.3)",
    AXE_PATTERN: "un numéro (ex. 2)",
    CODE_PATTERN: "lettres sans accents, chiffres, - ou _ (ex. DRH)",
    COLOR_PATTERN: "une couleur #rrggbb (ex. #1f4e79)",
    DATE_PATTERN: "une date AAAA, AAAA-MM ou AAAA-MM-JJ",
}
EXPANDED = {"indicateurs"}  # lists shown open: the other lists show one line per item until one is opened
MARKDOWN_FIELDS = {"edito"}  # long texts edited with the Markdown editor; the other texts in a plain text area
LONG_TEXTS = {"resume", "texte", "description"}


def label(name: str) -> str:
    return LABELS.get(name) or name.replace("_", " ").capitalize()


# --- plan choices -------------------------------------------------------------------------------


@dataclass
class Choices:
    """What the selects offer, read from `plan.yml` (as far as it can be read: a plan with errors still gives
    the codes it has)."""

    statuts: list[tuple[str, str]]  # (code, libellé)
    directions: list[tuple[str, str]]
    collectivites: list[tuple[str, str]]
    brochure_format_custom: bool = False


def plan_choices(content: Path) -> Choices:
    from builder.content.load import load_yaml_file

    source = load_yaml_file(content / PLAN_FILE, Report()) if (content / PLAN_FILE).is_file() else None
    data = source.data if source is not None and isinstance(source.data, dict) else {}
    custom = data.get("statuts")
    custom = custom if isinstance(custom, dict) else {}
    statuts: list[tuple[str, str]] = []
    for code, (default, _, _) in DEFAULT_STATUTS.items():
        own = custom.get(code)
        libelle = own.get("libelle") if isinstance(own, dict) else None
        statuts.append((code, str(libelle).strip() if libelle else default))
    brochure = data.get("brochure")
    brochure = brochure if isinstance(brochure, dict) else {}
    return Choices(
        statuts,
        _codes(data.get("directions")),
        _codes(data.get("collectivites")),
        isinstance(brochure.get("format"), dict),
    )


def _codes(items: Any) -> list[tuple[str, str]]:
    found = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and item.get("code") not in (None, ""):
            found.append((str(item["code"]), str(item.get("nom") or "")))
    return found


def _options(pairs: list[tuple[str, str]], show_code: bool = True) -> list[dict[str, str]]:
    return [
        {"label": f"{code} — {name}" if show_code and name else (name or code), "value": code} for code, name in pairs
    ]


# --- fields -------------------------------------------------------------------------------------


def _widget(
    name: str, shape: Shape, info: FieldInfo | None, choices: Choices, parent: type[BaseModel] | None
) -> dict[str, Any]:
    """The Decap field for one model field."""
    out: dict[str, Any] = {"name": name, "label": label(name)}
    if info is not None:
        out["required"] = info.is_required()
        if info.description:
            out["hint"] = info.description
    special = _special(name, shape, choices, parent)
    if special is not None:
        out.update(special)
        return out
    out.update(_by_shape(name, shape, choices))
    if info is not None and not out["required"] and out.get("widget") == "boolean":
        out["default"] = bool(info.default)
    return out


def _special(name: str, shape: Shape, choices: Choices, parent: type[BaseModel] | None) -> dict[str, Any] | None:
    """Fields whose values come from the plan or from other fiches."""
    if parent is Fiche:
        if name == "statut":
            return {"widget": "select", "options": _options(choices.statuts, show_code=False), "default": "a_venir"}
        if name == "pilote":
            return {"widget": "select", "options": _options(choices.directions)} if choices.directions else None
        if name in ("contributeurs", "collectivites"):
            pairs = choices.directions if name == "contributeurs" else choices.collectivites
            if pairs:
                return {"widget": "select", "multiple": True, "options": _options(pairs)}
            return None
        if name == "liens":
            return {
                "widget": "relation",
                "collection": "fiches",
                "value_field": "id",
                "multiple": True,
                "search_fields": ["id", "titre"],
                "display_fields": ["{{id}} {{titre}}"],
            }
    if parent is Plan and name == "statuts" and shape.item is not None:
        return {
            "widget": "object",
            "collapsed": True,
            "fields": [
                {
                    "name": code,
                    "label": libelle,
                    "widget": "object",
                    "required": False,
                    "collapsed": True,
                    "fields": [_widget(n, s, i, choices, shape.item.model) for n, (s, i) in shape.item.fields.items()],
                }
                for code, libelle in choices.statuts
            ],
        }
    if name == "format" and shape.kind == "union":
        if choices.brochure_format_custom:
            page = next(o for o in shape.options if o.kind == "model")
            return {
                "widget": "object",
                "fields": [_widget(n, s, i, choices, page.model) for n, (s, i) in page.fields.items()],
            }
        sizes = next(o for o in shape.options if o.kind == "choice")
        return {
            "widget": "select",
            "options": list(sizes.choices),
            "default": "A5",
            "hint": "A4 ou A5 (un format sur mesure, {largeur, hauteur} en mm, s'écrit dans plan.yml)",
        }
    return None


def _by_shape(name: str, shape: Shape, choices: Choices) -> dict[str, Any]:
    if shape.kind == "model":
        return {
            "widget": "object",
            "collapsed": False,
            "fields": [_widget(n, s, i, choices, shape.model) for n, (s, i) in shape.fields.items()],
        }
    if shape.kind == "list":
        assert shape.item is not None
        # `default: []`: without it, a new entry would start with one item of each list whose fields have defaults
        out: dict[str, Any] = {
            "widget": "list",
            "collapsed": name not in EXPANDED,
            "default": [],
            "label_singular": SINGULAR.get(name, label(name)),
        }
        if shape.item.kind == "model":
            out["fields"] = [_widget(n, s, i, choices, shape.item.model) for n, (s, i) in shape.item.fields.items()]
            if name in SUMMARIES:
                out["summary"] = SUMMARIES[name]
        else:
            singular = SINGULAR.get(name, name)
            out["field"] = {
                "name": fold(singular).replace(" ", "_"),
                "label": singular.capitalize(),
                **_by_shape(name, shape.item, choices),
            }
        return out
    if shape.kind == "bool":
        return {"widget": "boolean"}
    if shape.kind in ("number", "int"):
        out = {"widget": "number", "value_type": "int" if shape.kind == "int" else "float"}
        if shape.kind == "number":
            out["step"] = 0.1
        if "ge" in shape.bounds:
            out["min"] = shape.bounds["ge"]
        if "le" in shape.bounds:
            out["max"] = shape.bounds["le"]
        return out
    if shape.kind == "date":
        return {"widget": "string", "pattern": [DATE_PATTERN, PATTERN_HINTS[DATE_PATTERN]]}
    if shape.kind == "choice":
        labels = TYPES_INDICATEUR if set(shape.choices) == set(TYPES_INDICATEUR) else {}
        labels = ACCESS_CHOICES if set(shape.choices) <= set(ACCESS_CHOICES) else labels
        return {"widget": "select", "options": [{"label": labels.get(c, c), "value": c} for c in shape.choices]}
    out = {"widget": "markdown" if name in MARKDOWN_FIELDS else "text" if name in LONG_TEXTS else "string"}
    if shape.pattern:
        out["pattern"] = [shape.pattern, PATTERN_HINTS.get(shape.pattern, f"le format {shape.pattern}")]
        if shape.pattern == COLOR_PATTERN:
            out["widget"] = "color"
            out["allowInput"] = True
    elif shape.max_length:
        out["pattern"] = [rf"^[\s\S]{{0,{shape.max_length}}}$", f"{shape.max_length} caractères au plus"]
    if out["widget"] == "markdown":
        out.update(_MARKDOWN)
    return out


# The Markdown editor: the text as written first (a rich-text toggle is offered), no images (they are not
# published), so a fiche's text is saved exactly as it was typed.
_MARKDOWN = {
    "modes": ["raw", "rich_text"],
    "buttons": ["bold", "italic", "link", "heading-two", "heading-three", "quote", "bulleted-list", "numbered-list"],
    "editor_components": [],
}


def new_fiche_body() -> str:
    """The body `fiches new` writes (its template's sections to fill in), offered to a fiche created in the form."""
    text = (THEME / "new" / "fiche.md.j2").read_text(encoding="utf-8")
    return text.split("\n---\n", 1)[1].lstrip("\n")


# --- the configuration --------------------------------------------------------------------------


@dataclass(frozen=True)
class Forge:
    """The Git forge the published `/admin/` writes to (from `mkdocs.yml`)."""

    backend: Literal["gitlab", "gitea"]
    repo: str
    base_url: str
    api_root: str
    app_id: str
    branch: str
    editorial_workflow: bool
    folder: str  # the content folder, relative to the repository's root
    site_url: str | None


def cms_config(content: Path, forge: Forge | None = None) -> dict[str, Any]:
    """The Decap CMS configuration: the local backend of `fiches serve` (no `forge`), or a Git forge."""
    choices = plan_choices(content)
    prefix = (forge.folder.strip("/") + "/") if forge and forge.folder.strip("/") not in ("", ".") else ""
    fiche_fields = [_widget(n, s, i, choices, Fiche) for n, (s, i) in model_fields(Fiche).items()]
    fiche_fields.append(
        {
            "name": "body",
            "label": label("body"),
            "widget": "markdown",
            "required": False,
            "default": new_fiche_body(),
            **_MARKDOWN,
            "hint": "Le texte de la fiche, en Markdown (## Contexte, ## Description…).",
        }
    )
    config: dict[str, Any] = {"locale": "fr"}
    if forge is None:
        config["backend"] = {"name": "proxy", "proxy_url": API, "branch": "main"}
        config["site_url"] = config["display_url"] = "/"
    else:
        backend: dict[str, Any] = {
            "name": forge.backend,
            "repo": forge.repo,
            "branch": forge.branch,
            "base_url": forge.base_url,
            "api_root": forge.api_root,
            "app_id": forge.app_id,
        }
        if forge.backend == "gitlab":
            backend.update(auth_type="pkce", auth_endpoint="oauth/authorize")
        backend["commit_messages"] = {
            "create": "Fiche créée depuis le formulaire : {{slug}}",
            "update": "Mise à jour depuis le formulaire : {{slug}}",
            "delete": "Suppression depuis le formulaire : {{slug}}",
            "uploadMedia": "Fichier ajouté : {{path}}",
            "deleteMedia": "Fichier supprimé : {{path}}",
        }
        config["backend"] = backend
        if forge.editorial_workflow:
            config["publish_mode"] = "editorial_workflow"
        if forge.site_url:
            config["site_url"] = config["display_url"] = forge.site_url
    config.update(
        {
            "media_folder": prefix + "medias",  # never used: the editors offer no images (they are not published)
            "show_preview_links": False,
            "editor": {"preview": False},
            "slug": {"encoding": "ascii", "clean_accents": True, "sanitize_replacement": "-"},
            "collections": [
                {
                    "name": "fiches",
                    "label": "Fiches-actions",
                    "label_singular": "fiche-action",
                    "description": "Une fiche par action du plan. Les erreurs s'affichent dans l'aperçu du site.",
                    # on a forge, Decap CMS names the files itself and turns the dots of a number into dashes
                    # (`2-3-5-….md`, refused by fiches check): fiches are created with `fiches new` or the local editor
                    "folder": prefix + FICHES_FOLDER,
                    "extension": "md",
                    "format": "frontmatter",
                    "create": forge is None,
                    "delete": False,
                    "slug": "{{id}}-{{titre}}",
                    "identifier_field": "titre",
                    "summary": "{{id}} — {{titre}}",
                    "sortable_fields": ["titre", "statut", "pilote"],
                    "view_filters": [
                        {"label": libelle, "field": "statut", "pattern": f"^{code}$"}
                        for code, libelle in choices.statuts
                    ],
                    "view_groups": [
                        {"label": "Statut", "field": "statut"},
                        {"label": "Direction pilote", "field": "pilote"},
                    ],
                    "fields": fiche_fields,
                },
                {
                    "name": "plan",
                    "label": "Le plan",
                    "delete": False,
                    "files": [
                        {
                            "name": "plan",
                            "label": "Le plan (plan.yml)",
                            "file": prefix + PLAN_FILE,
                            "format": "yml",
                            "description": "Identité, édito, valeurs, démarche, directions, axes et objectifs.",
                            "fields": [_widget(n, s, i, choices, Plan) for n, (s, i) in model_fields(Plan).items()],
                        }
                    ],
                },
            ],
        }
    )
    return config


def config_yaml(config: dict[str, Any]) -> str:
    return (
        "# Configuration de l'éditeur (Decap CMS), générée par fiches depuis les modèles et plan.yml :\n"
        "# ne la modifiez pas, elle est refaite à chaque fois.\n"
        + yaml.safe_dump(config, allow_unicode=True, sort_keys=False, width=120)
    )


def admin_page(site_name: str) -> str:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    from builder.cms.bundle import SCRIPT, VERSION

    env = Environment(loader=FileSystemLoader(THEME / "admin"), autoescape=select_autoescape(["html"]))
    return env.get_template("index.html").render(site_name=site_name, script=SCRIPT, version=VERSION)


# --- publishing with the site -------------------------------------------------------------------

FORGES = ("gitlab", "gitea", "forgejo")


def forge_settings(settings: dict[str, Any], content: Path, root: Path) -> Forge | None:
    """The forge of `mkdocs.yml`'s `extra.cms` (None: the editor is not published), or `BuildError` in French."""
    extra = settings.get("extra")
    extra = extra if isinstance(extra, dict) else {}
    cms = extra.get("cms")
    if cms is None or cms is False:
        return None
    where = "mkdocs.yml, extra.cms"
    if not isinstance(cms, dict):
        raise BuildError(f"{where} : attendu des champs (backend, app_id…), voir le README")
    backend = str(cms.get("backend") or "").strip().lower()
    if backend not in FORGES:
        raise BuildError(
            f"{where}.backend : « {backend} » n'est pas une forge connue ; valeurs possibles : {', '.join(FORGES)}"
        )
    app_id = str(cms.get("app_id") or "").strip()
    if not app_id:
        raise BuildError(
            f"{where}.app_id : manquant ; indiquez l'identifiant (Application ID) de l'application "
            "OAuth créée sur la forge"
        )
    repo_url = str(settings.get("repo_url") or "").strip().rstrip("/")
    match = re.match(r"^(https?://[^/]+)((?:/[^/]+)*)/([^/]+/[^/]+?)(?:\.git)?$", repo_url)
    if not match:
        raise BuildError(
            "mkdocs.yml, repo_url : attendu l'adresse du dépôt sur la forge, par exemple "
            "https://forge.exemple.fr/dgs/projet-administration"
        )
    base_url = str(cms.get("base_url") or match[1] + match[2]).rstrip("/")
    api_root = str(cms.get("api_root") or base_url + ("/api/v4" if backend == "gitlab" else "/api/v1"))
    workflow = cms.get("editorial_workflow", backend == "gitlab")
    if not isinstance(workflow, bool):
        raise BuildError(f"{where}.editorial_workflow : attendu true ou false")
    if workflow and backend != "gitlab":
        raise BuildError(
            f"{where}.editorial_workflow : Decap CMS ne propose le circuit de relecture (une merge "
            "request par modification) qu'avec GitLab ; avec Gitea ou Forgejo, écrivez "
            "editorial_workflow: false (chaque enregistrement devient un commit sur la branche)"
        )
    folder = os.path.relpath(content.resolve(), root.resolve())
    if folder.startswith(".."):
        raise BuildError(
            f"le contenu ({content}) n'est pas dans le dépôt du site ({root}) : l'éditeur en ligne "
            "ne peut pas l'atteindre"
        )
    site_url = str(settings.get("site_url") or "").strip() or None
    return Forge(
        "gitlab" if backend == "gitlab" else "gitea",
        match[3],
        base_url,
        api_root,
        app_id,
        str(cms.get("branch") or "main"),
        workflow,
        folder.replace(os.sep, "/"),
        site_url,
    )


def write_admin(content: Path, out: Path, forge: Forge, site_name: str) -> Path:
    """`out/admin/`: the editor's page, its configuration for `forge` and the editor's files."""
    from builder.cms.bundle import bundle_dir, bundle_files, installed

    if not installed():
        raise BuildError(
            f"l'éditeur en ligne (extra.cms de mkdocs.yml) demande les fichiers de Decap CMS, absents "
            f"de {bundle_dir()} : lancez bash .ci/setup (ou python3 -m builder.cms.bundle)"
        )
    admin = out / ADMIN.strip("/")
    admin.mkdir(parents=True, exist_ok=True)
    (admin / "index.html").write_text(admin_page(site_name), encoding="utf-8")
    (admin / "config.yml").write_text(config_yaml(cms_config(content, forge)), encoding="utf-8")
    for file in bundle_files():
        shutil.copyfile(file, admin / file.name)
    return admin
