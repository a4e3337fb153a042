"""Exports: CSV (open data and French Excel), XLSX, JSON with its schema, and the feeds, from `Projet` only.

The columns below are a contract shared with `builder.commands.importing` (a file exported here can be imported back)
and documented in the README. Headers are in French, lower case, close to the fiche's field names.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from builder.content.model import ETATS_FINANCEMENT, Fiche, Plan, Projet, financement_totals
from builder.errors import BuildError, oserror_fr
from builder.fr import number_fr
from builder.outputs.data.feeds import atom_feed, icalendar

DOWNLOADS = "telechargements"
FEED = "actualites.xml"

# (header, what it holds); computed columns are ignored by the import.
FICHE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("numéro", "id"),
    ("titre", "titre"),
    ("résumé", "resume"),
    ("axe", "axe"),
    ("intitulé de l'axe", "axe_titre"),
    ("objectif", "objectif"),
    ("intitulé de l'objectif", "objectif_titre"),
    ("statut", "statut"),
    ("avancement", "avancement"),
    ("prioritaire", "prioritaire"),
    ("pilote", "pilote"),
    ("contributeurs", "contributeurs"),
    ("référent", "referent"),
    ("élus", "elus"),
    ("partenaires", "partenaires"),
    ("collectivités", "collectivites"),
    ("début", "debut"),
    ("fin", "fin"),
    ("budget", "budget"),
    *((f"financements {label.lower()}s", f"financements_{etat}") for etat, label in ETATS_FINANCEMENT.items()),
    ("financements (total)", "financements_total"),
    ("etp", "etp"),
    ("thèmes", "themes"),
    ("liens", "liens"),
    ("en retard", "en_retard"),
    ("dernière mise à jour", "derniere_mise_a_jour"),
    ("description", "description"),
)
COMPUTED = {
    "en_retard",
    "derniere_mise_a_jour",
    "financements_total",
    *(f"financements_{etat}" for etat in ETATS_FINANCEMENT),
}  # the financements sheet holds the lines
JALON_COLUMNS = (("fiche", "fiche"), ("date", "date"), ("libellé", "libelle"), ("fait", "fait"))
INDICATEUR_COLUMNS = (
    ("fiche", "fiche"),
    ("indicateur", "nom"),
    ("type", "type"),
    ("unité", "unite"),
    ("valeur initiale", "valeur_initiale"),
    ("cible", "cible"),
)
MESURE_COLUMNS = (
    ("fiche", "fiche"),
    ("indicateur", "indicateur"),
    ("date", "date"),
    ("valeur", "valeur"),
    ("unité", "unite"),
)
SUIVI_COLUMNS = (("fiche", "fiche"), ("date", "date"), ("texte", "texte"))
FINANCEMENT_COLUMNS = (
    ("fiche", "fiche"),
    ("financeur", "financeur"),
    ("montant", "montant"),
    ("année", "annee"),
    ("nature", "nature"),
    ("état", "etat"),
)
SHEETS = {
    "fiches": FICHE_COLUMNS,
    "jalons": JALON_COLUMNS,
    "indicateurs": INDICATEUR_COLUMNS,
    "mesures": MESURE_COLUMNS,
    "suivi": SUIVI_COLUMNS,
    "financements": FINANCEMENT_COLUMNS,
}


def _oui(value: bool) -> str:
    return "oui" if value else "non"


def _number(value: float | None, excel: bool = False) -> Any:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return number_fr(value).replace("\u202f", "") if excel else value


def fiche_row(projet: Projet, fiche: Fiche) -> dict[str, Any]:
    """One fiche as the values of `FICHE_COLUMNS` (dates as text, to keep their precision)."""
    axe, objectif = projet.axe_of(fiche), projet.objectif_of(fiche)
    cal = fiche.calendrier
    totals = financement_totals(fiche.financements) if fiche.financements else {}
    financements = {f"financements_{etat}": _number(totals.get(etat)) for etat in ETATS_FINANCEMENT}
    financements["financements_total"] = _number(sum(totals.values())) if totals else ""
    return {
        **financements,
        "elus": "; ".join(fiche.elus),
        "partenaires": "; ".join(fiche.partenaires),
        "id": fiche.id,
        "titre": fiche.titre,
        "resume": fiche.resume,
        "axe": axe.numero,
        "axe_titre": axe.titre,
        "objectif": objectif.numero,
        "objectif_titre": objectif.titre,
        "statut": fiche.statut,
        "avancement": "" if fiche.avancement is None else fiche.avancement,
        "prioritaire": _oui(fiche.prioritaire),
        "pilote": fiche.pilote,
        "contributeurs": ", ".join(fiche.contributeurs),
        "referent": fiche.referent,
        "collectivites": ", ".join(fiche.collectivites),
        "debut": str(cal.debut) if cal.debut else "",
        "fin": str(cal.fin) if cal.fin else "",
        "budget": _number(fiche.budget),
        "etp": _number(fiche.etp),
        "themes": "; ".join(fiche.themes),
        "liens": ", ".join(fiche.liens),
        "en_retard": _oui(fiche.en_retard),
        "derniere_mise_a_jour": str(fiche.derniere_mise_a_jour or ""),
        "description": fiche.body.strip("\n"),
    }


def sheet_rows(projet: Projet) -> dict[str, list[dict[str, Any]]]:
    """Every sheet of the workbook as rows keyed like the column definitions."""
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in SHEETS}
    for f in projet.fiches:
        rows["fiches"].append(fiche_row(projet, f))
        for j in f.jalons:
            rows["jalons"].append({"fiche": f.id, "date": str(j.date), "libelle": j.libelle, "fait": _oui(j.fait)})
        for ind in f.indicateurs:
            rows["indicateurs"].append(
                {
                    "fiche": f.id,
                    "nom": ind.nom,
                    "type": ind.type,
                    "unite": ind.unite,
                    "valeur_initiale": _number(ind.valeur_initiale),
                    "cible": _number(ind.cible),
                }
            )
            for m in ind.mesures:
                rows["mesures"].append(
                    {
                        "fiche": f.id,
                        "indicateur": ind.nom,
                        "date": str(m.date),
                        "valeur": _number(m.valeur),
                        "unite": ind.unite,
                    }
                )
        for s in f.suivi:
            rows["suivi"].append({"fiche": f.id, "date": str(s.date), "texte": s.texte})
        for line in f.financements:
            rows["financements"].append(
                {
                    "fiche": f.id,
                    "financeur": line.financeur,
                    "montant": _number(line.montant),
                    "annee": line.annee,
                    "nature": line.nature,
                    "etat": line.etat,
                }
            )
    return rows


# --- formats ------------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")  # what a spreadsheet may read as a formula (and the mark)


def cell_text(value: Any) -> Any:
    """A cell of a text export: a text a spreadsheet could take for a formula (`=`, `+`, `-`, `@`, tab, CR) is
    marked as text with a leading apostrophe (so is one that already starts with an apostrophe, which keeps the
    marking reversible: `cell_value`); numbers stay numbers. The XLSX export writes its cells as strings, which
    no spreadsheet evaluates, so only the CSV dialects need this."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def cell_value(text: str) -> str:
    """The value `cell_text` marked (an import reads back what an export wrote)."""
    return text[1:] if text.startswith("'") else text


def to_csv(projet: Projet, excel: bool = False) -> bytes:
    """`csv`: UTF-8, comma, ISO dates. `csv-excel`: UTF-8 with BOM, `;`, decimal commas (French Excel)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if excel else ",", lineterminator="\r\n")
    writer.writerow([header for header, _ in FICHE_COLUMNS])
    for f in projet.fiches:
        row = {key: cell_text(value) for key, value in fiche_row(projet, f).items()}
        if excel:  # numbers formatted after the marking: « -1 500,5 » stays a number
            row["budget"], row["etp"] = _number(f.budget, True), _number(f.etp, True)
            for key in (k for _, k in FICHE_COLUMNS if k.startswith("financements_")):
                row[key] = "" if row[key] == "" else _number(row[key], True)
        writer.writerow([row[key] for _, key in FICHE_COLUMNS])
    return ("\ufeff" if excel else "").encode() + buffer.getvalue().encode("utf-8")


def to_xlsx(projet: Projet, path: Path) -> None:
    """One sheet per table (fiches, jalons, indicateurs, mesures, suivi, financements); dates stay text to keep
    precision.

    Written with XlsxWriter (streamed, several times faster than openpyxl, which reads spreadsheets on import);
    fixed document dates make the same plan give the same bytes."""
    import datetime as dt

    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        str(path), {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
    )
    workbook.set_properties(
        {"title": projet.plan.titre, "author": "fiches", "created": dt.datetime(2000, 1, 1, tzinfo=dt.UTC)}
    )
    bold = workbook.add_format({"bold": True})
    for name, rows in sheet_rows(projet).items():
        columns = SHEETS[name]
        sheet = workbook.add_worksheet(name)
        for i, (header, key) in enumerate(columns):
            sheet.write_string(0, i, header, bold)
            sheet.set_column(i, i, 60 if key in ("description", "texte") else max(12, len(header) + 2))
        for r, row in enumerate(rows, start=1):
            for i, (_, key) in enumerate(columns):
                value = row[key]
                if value is None or value == "":
                    continue
                if isinstance(value, bool) or not isinstance(value, int | float):
                    sheet.write_string(r, i, str(value))
                else:
                    sheet.write_number(r, i, value)
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, len(rows), len(columns) - 1)
    try:
        workbook.close()
    except xlsxwriter.exceptions.FileCreateError as exc:
        cause = exc.__context__
        reason = oserror_fr(cause) if isinstance(cause, OSError) else f"{path} : {exc}"
        raise BuildError(reason) from None


COMPUTED_FIELDS: dict[str, dict[str, Any]] = {
    "description": {"type": "string", "description": "Texte de la fiche (Markdown), sous l'en-tête."},
    "axe": {"type": "string", "description": "Numéro de l'axe (calculé)."},
    "objectif": {"type": "string", "description": "Numéro de l'objectif (calculé)."},
    "progression": {
        "type": "integer",
        "minimum": 0,
        "maximum": 100,
        "description": "Avancement effectif en % (calculé : avancement, ou 100 si réalisée).",
    },
    "en_retard": {"type": "boolean", "description": "Fin prévue passée sans être réalisée ni abandonnée (calculé)."},
    "derniere_mise_a_jour": {
        "anyOf": [{"type": "string"}, {"type": "null"}],
        "description": "Date de la dernière entrée de suivi (calculé).",
    },
}


class PlanExport(BaseModel):
    """plan.json: the whole validated plan."""

    model_config = ConfigDict(title="Projet d'administration (export JSON)")

    format: str = Field(description="Nom et version de ce format (« fiches/plan.json 1 »).")
    date_situation: str = Field(description="Date « état au » des données (AAAA-MM-JJ).")
    plan: Plan = Field(description="Le plan : content/plan.yml.")
    fiches: list[Fiche] = Field(
        description="Les fiches-actions, dans l'ordre des numéros, avec leur texte et les valeurs calculées."
    )


def to_json_data(projet: Projet) -> dict[str, Any]:
    fiches = []
    for f in projet.fiches:
        data = f.model_dump(mode="json")
        data.update(
            description=f.body.strip("\n"),
            axe=f.axe_numero,
            objectif=f.objectif_numero,
            progression=f.progression,
            en_retard=f.en_retard,
            derniere_mise_a_jour=str(f.derniere_mise_a_jour) if f.derniere_mise_a_jour else None,
        )
        fiches.append(data)
    return {
        "format": "fiches/plan.json 1",
        "date_situation": projet.date_situation.isoformat(),
        "plan": projet.plan.model_dump(mode="json"),
        "fiches": fiches,
    }


def to_json(projet: Projet) -> bytes:
    return (json.dumps(to_json_data(projet), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def json_schema() -> bytes:
    schema = TypeAdapter(PlanExport).json_schema(mode="serialization")
    fiche = schema["$defs"]["Fiche"]
    fiche["properties"].update(COMPUTED_FIELDS)
    fiche["required"] = list(dict.fromkeys([*fiche.get("required", []), *COMPUTED_FIELDS]))
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
    return (json.dumps(schema, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# --- entry points -------------------------------------------------------------------------------


def write_downloads(projet: Projet, out: Path, site_url: str | None = None) -> None:
    """Feeds and data files of a build: `out/actualites.xml` and `out/telechargements/*`; their links are absolute
    with the site's address `site_url`."""
    downloads = out / DOWNLOADS
    downloads.mkdir(parents=True, exist_ok=True)
    url = site_url
    _write(out / FEED, atom_feed(projet, url).encode("utf-8"))
    _write(downloads / "jalons.ics", icalendar(projet, url).encode("utf-8"))
    _write(downloads / "fiches.csv", to_csv(projet))
    _write(downloads / "fiches-excel.csv", to_csv(projet, excel=True))
    to_xlsx(projet, downloads / "fiches.xlsx")
    _write(downloads / "plan.json", to_json(projet))
    _write(downloads / "plan.schema.json", json_schema())


def _write(path: Path, data: bytes) -> None:
    """Write a download; a failure names its file (a full disk fails in `write`, whose error has no name)."""
    try:
        path.write_bytes(data)
    except OSError as exc:
        if not exc.filename:
            exc.filename = str(path)
        raise


DEFAULT_NAMES = {
    "csv": "fiches.csv",
    "csv-excel": "fiches-excel.csv",
    "xlsx": "fiches.xlsx",
    "json": "plan.json",
    "ics": "jalons.ics",
}


def export_command(content: Path, fmt: str, output: Path | None, site_url: str | None = None) -> int:
    """`fiches export --format …`: text formats to standard output unless `-o`; xlsx to a file."""
    from builder.project import load_projet

    projet = load_projet(content, history=False, bilan=False)  # the exports show neither
    if fmt == "xlsx":
        target = output or Path(DEFAULT_NAMES["xlsx"])
        to_xlsx(projet, target)
        print(f"Export écrit : {target}", file=sys.stderr)
        return 0
    data = {
        "csv": lambda: to_csv(projet),
        "csv-excel": lambda: to_csv(projet, excel=True),
        "json": lambda: to_json(projet),
        "ics": lambda: icalendar(projet, site_url).encode("utf-8"),
    }[fmt]()
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        output.write_bytes(data)
        print(f"Export écrit : {output}", file=sys.stderr)
    return 0
