"""`fiches import`: create fiche files (and missing axes/objectifs of plan.yml) from a spreadsheet.

A spreadsheet is an XLSX workbook (sheet `fiches`, and optionally `jalons`, `indicateurs`, `mesures`,
`suivi`, `financements`) or a CSV file (UTF-8 with or without BOM, or Windows-1252; `,`, `;` or tab), one row
per action, with the columns of `builder.outputs.data.export`. Each row is checked like a fiche file; a bad row
is reported with its row number and column, and creates nothing. Existing fiches are replaced only with `--force`.
What was written is validated with the whole content; if that fails, everything written is put back.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import os
import re
import signal
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from builder.content.load import load_content, load_yaml_file
from builder.content.model import DEFAULT_STATUTS, Fiche, id_key
from builder.content.rules import (
    axe_of,
    bad_link,
    existing_fiches,
    fiche_rules,
    missing_axe,
    missing_objectif,
    objectif_of,
    unknown_code,
    unknown_elu,
)
from builder.content.validate import french_errors
from builder.content.write import dump_yaml, fiche_file_name, fiche_text
from builder.errors import BuildError, ContentError, Problem, Report, did_you_mean, oserror_fr, plural
from builder.outputs.data.export import COMPUTED, SHEETS, cell_value
from builder.project import read_projet
from builder.text import fold

IGNORED = COMPUTED | {"axe", "objectif"}  # informative columns: numbers come from the fiche's id


# --- reading the spreadsheet --------------------------------------------------------------------


@dataclass
class Table:
    """One sheet: its headers (as written) and its non-empty rows with their row numbers."""

    name: str
    headers: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip() if not isinstance(value, str) else value.strip("\r\n\t ").replace("\r\n", "\n")


def read_tables(path: Path) -> dict[str, Table]:
    suffix = path.suffix.lower()
    if not path.is_file():
        raise BuildError(f"fichier introuvable : {path}")
    if suffix == ".xlsx":
        return _read_xlsx(path)
    if suffix in (".csv", ".txt"):
        return {"fiches": _read_csv(path)}
    raise BuildError(f"{path.name} : format non reconnu ; attendu un classeur .xlsx ou un fichier .csv")


MAX_UNZIPPED = 100 * 1024 * 1024  # bytes of XML in a workbook: 10,000 full rows take a few megabytes
MAX_CSV = 20 * 1024 * 1024
MAX_ROWS = 10_000  # per sheet
MAX_CELL = 32_767  # characters: Excel's own limit


def _unzipped_size(path: Path) -> int:
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return 0  # not a zip: openpyxl says so in French below


def _bounded_rows(rows: Any, where: str) -> list[list[str]]:
    """The rows of one sheet as texts, refusing more than `MAX_ROWS` rows or a cell over `MAX_CELL` characters."""
    table = []
    for number, row in enumerate(rows, start=1):
        if number > MAX_ROWS + 1:
            raise BuildError(f"{where} : plus de {_n(MAX_ROWS)} lignes ; importez le tableau en plusieurs fois")
        cells = [_cell(v) for v in row]
        for column, cell in enumerate(cells, start=1):
            if len(cell) > MAX_CELL:
                raise BuildError(
                    f"{where}:ligne {number} : cellule de la colonne {_column_name(column)} trop longue "
                    f"({_n(len(cell))} caractères, au plus {_n(MAX_CELL)})"
                )
        table.append(cells)
    return table


def _n(number: int) -> str:
    return f"{number:,}".replace(",", "\u202f")  # the French thousands separator (builder.fr)


def _column_name(number: int) -> str:
    """1 → A, 27 → AA (as the spreadsheet names its columns)."""
    name = ""
    while number:
        number, rest = divmod(number - 1, 26)
        name = chr(65 + rest) + name
    return name


def _read_xlsx(path: Path) -> dict[str, Table]:
    from openpyxl import load_workbook

    unzipped = _unzipped_size(path)
    if unzipped > MAX_UNZIPPED:
        raise BuildError(
            f"{path.name} : classeur trop gros une fois décompressé ({unzipped // (1024 * 1024)} Mo, au "
            f"plus {MAX_UNZIPPED // (1024 * 1024)} Mo) ; importez les fiches en plusieurs fois"
        )
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file (zipfile, KeyError, XML errors…)
        raise BuildError(
            f"{path.name} : ce n'est pas un classeur Excel .xlsx lisible (fichier abîmé, ou d'un autre "
            "format : un classeur .xls ou .ods doit d'abord être enregistré au format .xlsx)"
        ) from None
    tables = {}
    names = {n.strip().lower(): n for n in workbook.sheetnames}
    for wanted in SHEETS:
        real = names.get(wanted) or (workbook.sheetnames[0] if wanted == "fiches" else None)
        if real is None:
            continue
        rows = _bounded_rows(workbook[real].iter_rows(values_only=True), f"{path.name}:{real}")
        tables[wanted] = _table(real, rows)
    workbook.close()
    return tables


# A valid UTF-8 sequence of two to four bytes: in a file that also holds bytes that are not UTF-8, it says that
# the file mixes encodings (rows pasted from two sources).
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _read_csv(path: Path) -> Table:
    from builder.content.files import Refused, read_regular

    try:
        raw = read_regular(path, MAX_CSV)
    except Refused as exc:
        raise BuildError(f"{path.name} : {exc}") from None
    if raw.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):  # a zip (xlsx, ods) or an old binary .xls
        raise BuildError(
            f"{path.name} : ce fichier est un classeur, pas un CSV ; donnez-lui l'extension .xlsx "
            "(ou, depuis le tableur, enregistrez-le au format CSV)"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as bad:
        if _UTF8_SEQUENCE.search(raw):  # decoding it all as Windows-1252 would turn the UTF-8 accents into « Ã© »
            line = raw.count(b"\n", 0, bad.start) + 1
            raise BuildError(
                f"{path.name}:ligne {line} : encodages mélangés : le fichier est en UTF-8, mais cette "
                f"ligne ne l'est pas (octet 0x{raw[bad.start]:02x}, sans doute du Windows-1252 collé "
                "d'ailleurs) ; corrigez cette ligne, ou enregistrez tout le fichier au format "
                "« CSV UTF-8 » depuis le tableur"
            ) from None
        try:
            text = raw.decode("cp1252")  # « CSV (séparateur : point-virgule) » of Excel under Windows
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            raise BuildError(
                f"{path.name}:ligne {line} : encodage non reconnu (octet 0x{raw[exc.start]:02x}), ni "
                "UTF-8 ni Windows-1252 ; depuis le tableur, enregistrez le fichier au format "
                "« CSV UTF-8 »"
            ) from None
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = [[cell_value(cell) for cell in row] for row in _bounded_rows(reader, path.name)]
    except csv.Error:  # a cell longer than the csv module accepts (131,072 characters)
        raise BuildError(
            f"{path.name}:ligne {reader.line_num} : cellule trop longue (au plus {_n(MAX_CELL)} "
            "caractères) ; un guillemet « \" » non fermé fait souvent d'une cellule le reste du "
            "fichier"
        ) from None
    return _table(path.name, rows)


def _table(name: str, rows: list[list[str]]) -> Table:
    if not rows:
        return Table(name, [])
    table = Table(name, rows[0])
    for number, row in enumerate(rows[1:], start=2):
        if any(row):
            table.rows.append((number, row))
    return table


def _norm(text: str) -> str:
    ascii_text = fold(text).lower()
    return re.sub(r"[^a-z0-9]+", " ", ascii_text).strip()


# --- rows → fiche data --------------------------------------------------------------------------


@dataclass
class Row:
    """Where a value came from, to report problems at the right row and column."""

    where: str  # « fiches.xlsx:ligne 7 » or « fiches.xlsx:jalons:ligne 3 »
    values: dict[str, str]
    columns: dict[str, str]  # key → header as shown in messages


@dataclass
class Candidate:
    fiche_id: str
    row: Row
    data: dict[str, Any]
    body: str
    parts: dict[tuple, Row] = field(default_factory=dict)  # ("jalons", i) → row of that jalon, …
    errors: list[Problem] = field(default_factory=list)
    model: Fiche | None = None

    def error(self, field_name: str | None, message: str, row: Row | None = None) -> None:
        row = row or self.row
        header = row.columns.get(field_name, field_name) if field_name else None
        self.errors.append(Problem(row.where, None, header, message))


class Importer:
    def __init__(self, file: Path, content: Path, force: bool) -> None:
        self.file, self.content, self.force = file, content, force
        self.report = Report()  # header problems and rows of other sheets that match no fiche
        self.candidates: list[Candidate] = []
        self.data_rows = 0  # rows of the fiches sheet, read or not

    def _rows(self, table: Table, sheet: str) -> list[Row]:
        columns = SHEETS[sheet]
        known: dict[str, str] = {}
        for header, key in columns:
            known[_norm(header)] = key
            known[_norm(key)] = key
        known.update({"id": "id", "n": "id", "numero de fiche": "id" if sheet == "fiches" else "fiche"})
        where_sheet = f"{self.file.name}" + ("" if sheet == "fiches" else f":{sheet}")
        keys: list[str | None] = []
        labels = {key: header for header, key in columns}
        bad = False
        for header in table.headers:
            column = known.get(_norm(header)) if header.strip() else None
            if header.strip() and column is None:
                bad = True
                names = [h for h, _ in columns]
                self.report.error(
                    f"{where_sheet}:ligne 1",
                    None,
                    header,
                    f"colonne inconnue{did_you_mean(header, names)} ; colonnes possibles : {', '.join(names)}",
                )
            keys.append(column)
        required = "id" if sheet == "fiches" else "fiche"
        if required not in keys:
            bad = True
            self.report.error(
                f"{where_sheet}:ligne 1",
                None,
                None,
                f"colonne « {labels[required]} » manquante ; la première ligne doit porter les "
                f"noms des colonnes : {', '.join(h for h, _ in columns)}",
            )
        if bad:
            return []
        rows = []
        for number, cells in table.rows:
            values = {key: cells[i] if i < len(cells) else "" for i, key in enumerate(keys) if key}
            rows.append(Row(f"{where_sheet}:ligne {number}", values, labels))
        return rows

    def read(self) -> None:
        tables = read_tables(self.file)
        self.data_rows = len(tables["fiches"].rows) if "fiches" in tables else 0
        rows = {sheet: self._rows(table, sheet) for sheet, table in tables.items()}
        if self.report.errors:
            return
        by_fiche: dict[str, dict[str, list[Row]]] = defaultdict(lambda: defaultdict(list))
        for sheet in ("jalons", "indicateurs", "mesures", "suivi", "financements"):
            for row in rows.get(sheet, []):
                by_fiche[row.values.get("fiche", "").strip()][sheet].append(row)
        ids = set()
        for row in rows.get("fiches", []):
            candidate = self._candidate(row, by_fiche.get(row.values.get("id", "").strip(), {}))
            ids.add(candidate.fiche_id)
            self.candidates.append(candidate)
        for fiche_id, sheets in by_fiche.items():
            if fiche_id not in ids:
                for sheet_rows in sheets.values():
                    for row in sheet_rows:
                        self.report.error(
                            row.where,
                            None,
                            row.columns["fiche"],
                            f"« {fiche_id} » : aucune ligne de la feuille fiches n'a ce numéro",
                        )

    def _candidate(self, row: Row, extra: dict[str, list[Row]]) -> Candidate:
        v = row.values
        data: dict[str, Any] = {}

        def put(key: str, value: Any) -> None:
            if value not in ("", [], None):
                data[key] = value

        put("id", v.get("id", "").strip())
        put("titre", v.get("titre", ""))
        put("resume", v.get("resume", ""))
        put("statut", _statut(v.get("statut", "")))
        put("avancement", v.get("avancement", "").removesuffix("%").strip())
        put("prioritaire", v.get("prioritaire", ""))
        put("pilote", v.get("pilote", "").strip())
        put("contributeurs", _codes(v.get("contributeurs", "")))
        put("referent", v.get("referent", ""))
        put("elus", _texts(v.get("elus", "")))
        put("partenaires", _texts(v.get("partenaires", "")))
        put("collectivites", _codes(v.get("collectivites", "")))
        calendrier = {k: _date(v.get(k, "")) for k in ("debut", "fin") if v.get(k, "").strip()}
        put("calendrier", calendrier)
        candidate = Candidate(data.get("id", ""), row, data, v.get("description", "").strip("\n"))
        jalons = []
        for i, r in enumerate(extra.get("jalons", [])):
            jalon = {
                k: r.values[k] if k != "date" else _date(r.values[k])
                for k in ("date", "libelle", "fait")
                if r.values.get(k, "").strip()
            }
            jalons.append(jalon)
            candidate.parts[("jalons", i)] = r
        put("jalons", jalons)
        indicateurs = []
        by_name: dict[str, dict[str, Any]] = {}
        for i, r in enumerate(extra.get("indicateurs", [])):
            ind: dict[str, Any] = {
                k: r.values[k]
                for k in ("nom", "type", "unite", "valeur_initiale", "cible")
                if r.values.get(k, "").strip()
            }
            indicateurs.append(ind)
            by_name.setdefault(r.values.get("nom", "").strip(), ind)
            candidate.parts[("indicateurs", i)] = r
        for r in extra.get("mesures", []):
            name = r.values.get("indicateur", "").strip()
            if name not in by_name:
                candidate.error(
                    "indicateur",
                    f"« {name} » : aucun indicateur de ce nom pour la fiche "
                    f"{candidate.fiche_id} dans la feuille indicateurs",
                    r,
                )
                continue
            ind = by_name[name]
            index = indicateurs.index(ind)
            mesures = ind.setdefault("mesures", [])
            candidate.parts[("indicateurs", index, "mesures", len(mesures))] = r
            mesures.append(
                {
                    k: (_date(r.values[k]) if k == "date" else r.values[k])
                    for k in ("date", "valeur")
                    if r.values.get(k, "").strip()
                }
            )
        put("indicateurs", indicateurs)
        for key in ("budget", "etp"):
            put(key, v.get(key, "").replace("€", "").strip())
        financements = []
        for i, r in enumerate(extra.get("financements", [])):
            financements.append(
                {
                    k: r.values[k].replace("€", "").strip() if k == "montant" else r.values[k].strip()
                    for k in ("financeur", "montant", "annee", "nature", "etat")
                    if r.values.get(k, "").strip()
                }
            )
            candidate.parts[("financements", i)] = r
        put("financements", financements)
        put("liens", _codes(v.get("liens", "")))
        put("themes", [t.strip() for t in v.get("themes", "").split(";") if t.strip()])
        suivi = []
        for i, r in enumerate(extra.get("suivi", [])):
            suivi.append(
                {
                    k: (_date(r.values[k]) if k == "date" else r.values[k])
                    for k in ("date", "texte")
                    if r.values.get(k, "").strip()
                }
            )
            candidate.parts[("suivi", i)] = r
        put("suivi", suivi)
        self._check_model(candidate)
        return candidate

    def _check_model(self, candidate: Candidate) -> None:
        """The fiche model and the rules between its fields, reported at the row and column of each value."""
        try:
            candidate.model = Fiche.read(candidate.data, body=candidate.body)
        except ValidationError as exc:
            for loc, message in french_errors(exc, Fiche):
                self._report_at(candidate, loc, message)
            return
        for loc, message in fiche_rules(candidate.model):
            self._report_at(candidate, loc, message)

    @staticmethod
    def _report_at(candidate: Candidate, loc: tuple, message: str) -> None:
        row, name = candidate.row, ".".join(str(p) for p in loc) if loc else None
        for size in (4, 2):
            if len(loc) >= size and loc[:size] in candidate.parts:
                row, name = candidate.parts[loc[:size]], str(loc[size]) if len(loc) > size else None
                break
        else:
            if loc[:1] == ("calendrier",) and len(loc) > 1:
                name = str(loc[1])
            elif loc:
                name = str(loc[0])
        candidate.error(name, message, row)

    # --- checks against the plan and the existing fiches -----------------------------------------

    def check(self, plan: dict, existing: dict[str, Path]) -> tuple[dict, dict]:
        """Cross-row checks; returns the axes and objectifs to create ({numero: titre})."""
        axes = {str(a.get("numero")): a for a in plan.get("axes") or [] if isinstance(a, dict)}
        objectifs = {
            str(o.get("numero")) for a in axes.values() for o in a.get("objectifs") or [] if isinstance(o, dict)
        }
        directions = [str(d.get("code")) for d in plan.get("directions") or [] if isinstance(d, dict)]
        collectivites = [str(c.get("code")) for c in plan.get("collectivites") or [] if isinstance(c, dict)]
        elus = [str(e.get("code")) for e in plan.get("elus") or [] if isinstance(e, dict)]
        new_axes: dict[str, str] = {}
        new_objectifs: dict[str, str] = {}
        first: dict[str, str] = {}
        for c in self.candidates:
            if c.model is None:
                continue
            f, v = c.model, c.row.values
            if f.id in first:
                c.error("id", f"numéro {f.id} en double (déjà {first[f.id]})")
            first.setdefault(f.id, c.row.where.rsplit(":", 1)[-1])
            if f.id in existing and not self.force:
                c.error("id", f"la fiche {f.id} existe déjà ({existing[f.id]}) ; ajoutez --force pour la remplacer")
            objectif, axe = objectif_of(f.id), axe_of(f.id)
            missing = missing_objectif(f.id, objectifs | set(new_objectifs), creatable=True)
            if missing:
                titre_obj, titre_axe = v.get("objectif_titre", "").strip(), v.get("axe_titre", "").strip()
                missing_in = missing_axe(objectif, set(axes) | set(new_axes))
                if not titre_obj:
                    c.error("objectif_titre", missing)
                elif missing_in and not titre_axe:
                    c.error("axe_titre", missing_in)
                else:
                    if missing_in:
                        new_axes[axe] = titre_axe
                    new_objectifs[objectif] = titre_obj
            for key, codes, known, what in (
                ("pilote", [f.pilote], directions, "direction"),
                ("contributeurs", f.contributeurs, directions, "direction"),
                ("collectivites", f.collectivites, collectivites, "collectivité"),
            ):
                for code in codes:
                    problem = unknown_code(code, known, what)
                    if problem:
                        c.error(key, problem)
            for code in f.elus:
                problem = unknown_elu(code, elus)
                if problem:
                    c.error("elus", problem)
        # Links: to existing fiches or to good rows; a row that turns bad may make others bad.
        changed = True
        while changed:
            changed = False
            good = {c.model.id for c in self.candidates if c.model is not None and not c.errors}
            targets = good | set(existing)
            for c in self.candidates:
                if c.model is None or c.errors:
                    continue
                for target in c.model.liens:
                    problem = bad_link(
                        target, c.model.id, targets, among="ni dans le contenu, ni parmi les lignes valides"
                    )
                    if problem:
                        c.error("liens", problem)
                if c.errors:
                    changed = True
        kept = {c.model.id for c in self.candidates if c.model is not None and not c.errors}
        new_objectifs = {k: t for k, t in new_objectifs.items() if any(i.rsplit(".", 1)[0] == k for i in kept)}
        new_axes = {k: t for k, t in new_axes.items() if any(o.split(".")[0] == k for o in new_objectifs)}
        return new_axes, new_objectifs


def _statut(value: str) -> str:
    wanted = _norm(value)
    for code, (label, _, _) in DEFAULT_STATUTS.items():
        if wanted in (_norm(code), _norm(label)):
            return code
    return value.strip()


def _texts(value: str) -> list[str]:
    """Free texts separated by semicolons or line breaks (a name and its function may hold a comma)."""
    return [p.strip() for p in re.split(r"[;\n]", value) if p.strip()]


def _codes(value: str) -> list[str]:
    return [p.strip() for p in re.split(r"[,;]", value) if p.strip()]


_FR_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_FR_MONTH = re.compile(r"^(\d{1,2})/(\d{4})$")


def _date(value: str) -> str:
    """ISO dates stay as they are; `15/03/2025` and `03/2025` (French Excel) become `2025-03-15`, `2025-03`."""
    value = value.strip()
    if m := _FR_DATE.match(value):
        return f"{m[3]}-{int(m[2]):02d}-{int(m[1]):02d}"
    if m := _FR_MONTH.match(value):
        return f"{m[2]}-{int(m[1]):02d}"
    return value.removesuffix("T00:00:00")


def import_command(file: Path, content: Path, force: bool) -> int:
    """Create the fiches of a spreadsheet; exit 1 if any row was refused."""
    plan_path = content / "plan.yml"
    load_report = Report()
    plan_source = load_yaml_file(plan_path, load_report, os.path.realpath(content)) if plan_path.is_file() else None
    if plan_source is None or not isinstance(plan_source.data, dict):
        if not load_report.errors:
            load_report.error(str(plan_path), None, None, "fichier du plan introuvable : créez d'abord plan.yml")
        raise ContentError(load_report)
    importer = Importer(file, content, force)
    importer.read()
    existing = _existing(content)
    new_axes, new_objectifs = importer.check(plan_source.data, existing) if not importer.report.errors else ({}, {})
    good = [c for c in importer.candidates if c.model is not None and not c.errors]
    problems = importer.report.errors + [p for c in importer.candidates for p in c.errors]
    try:
        written, messages = _write(content, plan_path, plan_source.data, good, existing, new_axes, new_objectifs)
    except KeyboardInterrupt:
        print("Import interrompu : rien n'a été écrit, le contenu est tel qu'avant.", file=sys.stderr)
        return 130
    for message in messages:
        print(message)
    for problem in problems:
        print(problem)
    if importer.report.errors and not importer.candidates:
        print(
            f"Aucune fiche importée ({plural(importer.data_rows, 'ligne')} en attente) : corrigez d'abord la "
            "première ligne du tableur (les noms des colonnes)."
        )
        return 1
    n_rows = len(importer.candidates)
    print(
        f"{plural(len(good), 'fiche importée', 'fiches importées')} sur {plural(n_rows, 'ligne')}, "
        f"{plural(n_rows - len(good), 'ligne refusée', 'lignes refusées')}"
        + (f" ; plan.yml complété : {', '.join(written)}" if written else "")
    )
    return 1 if problems else 0


def _existing(content: Path) -> dict[str, Path]:
    """Fiches already there, by id (from their `id` field, and from their file name)."""
    found = existing_fiches(content, load_content(content, Report()))
    return {fiche_id: Path(path) for fiche_id, path in found.items()}


def _write(
    content: Path,
    plan_path: Path,
    plan: dict,
    good: list[Candidate],
    existing: dict[str, Path],
    new_axes: dict[str, str],
    new_objectifs: dict[str, str],
) -> tuple[list[str], list[str]]:
    """Write plan.yml (if axes/objectifs are missing) and the fiche files, all or none: each file is first written
    beside its place, then every file is put in place; validation follows. A failure (a full disk, a link in the
    way), an interrupt (Ctrl+C) or new content errors put everything back as it was."""
    messages: list[str] = []
    before = Report()
    if good:
        read_projet(content, before)
    known = {(p.path, p.field, p.message) for p in before.errors}
    added = []
    transaction = _Transaction(content)
    rows: dict[str, str] = {}  # written file, as validation names it → its spreadsheet row
    try:
        if new_axes or new_objectifs:
            axes = plan.setdefault("axes", [])
            for numero, titre in new_axes.items():
                axes.append({"numero": numero, "titre": titre, "objectifs": []})
                added.append(f"axe {numero}")
            for numero, titre in sorted(new_objectifs.items(), key=lambda kv: id_key(kv[0])):
                axe = next(a for a in axes if str(a.get("numero")) == numero.split(".")[0])
                axe.setdefault("objectifs", []).append({"numero": numero, "titre": titre})
                added.append(f"objectif {numero}")
            axes.sort(key=lambda a: id_key(str(a.get("numero"))))
            transaction.stage(plan_path, dump_yaml(plan), plan_path.name, None)
        for c in good:
            assert c.model is not None  # `good`: the candidates with a valid model
            old = existing.get(c.model.id)
            path = content / "fiches" / fiche_file_name(c.model.id, c.model.titre)
            rows[Path(path).resolve().as_posix()] = c.row.where
            if old is not None and os.path.abspath(old) != os.path.abspath(path) and os.path.lexists(old):
                transaction.remove(old)
            transaction.stage(path, fiche_text(c.data, c.body), c.row.where, c.row.columns.get("id", "id"))
            messages.append(f"Fiche {'remplacée' if old is not None else 'créée'} : {path}")
        transaction.commit()
        report = Report()
        if transaction.changed:
            read_projet(content, report)
        new_errors = [p for p in report.errors if (p.path, p.field, p.message) not in known]
        if new_errors:
            transaction.rollback()
            where = {p.path: rows.get(Path(p.path).resolve().as_posix()) for p in new_errors}
            raise ContentError(
                Report(
                    [
                        Problem(
                            f"{where[p.path]} ({p.path})" if where[p.path] else p.path,
                            p.line,
                            p.field,
                            p.message + " ; import annulé, rien n'a été écrit",
                        )
                        for p in new_errors
                    ],
                    [],
                ).sorted()
            )
    except BaseException:  # including KeyboardInterrupt: the content is put back as it was
        transaction.rollback()
        raise
    transaction.finish()
    return added, messages


class _Transaction:
    """Files written all together or not at all. `stage` writes each new text in a temporary file beside its
    place (what can fail there, a full disk, fails before anything changed); `commit` only renames (the old file
    is kept under a backup name); `rollback` renames everything back; `finish` removes the backups."""

    def __init__(self, content: Path) -> None:
        self.content = content
        self.staged: list[tuple[Path, Path]] = []  # (temporary file, final path)
        self.removed: list[Path] = []
        self.done: list[tuple[Path, Path | None]] = []  # (path put in place or removed, its backup)
        self.changed = False

    def stage(self, path: Path, text: str, where: str, column: str | None) -> None:
        from builder.content.files import Refused, write_text

        temporary = path.with_name(f".{path.name}.fiches-import")
        try:
            _refuse_link(path)
            if os.path.lexists(path) and not path.is_file():
                raise Refused(f"{path} n'est pas un fichier ordinaire : rien n'y est écrit")
            path.parent.mkdir(parents=True, exist_ok=True)
            self.staged.append((temporary, path))
            write_text(temporary, text, self.content)
        except Refused as exc:
            raise BuildError(f"{Problem(where, None, column, str(exc))} ; import annulé, rien n'a été écrit") from None
        except OSError as exc:
            raise BuildError(
                f"{Problem(where, None, column, f'écriture impossible de {path} : {oserror_fr(exc)}')}"
                " ; import annulé, rien n'a été écrit"
            ) from None

    def remove(self, path: Path) -> None:
        self.removed.append(path)

    def commit(self) -> None:
        with _deferred_interrupt():  # each rename and its record go together
            self._commit()

    def _commit(self) -> None:
        backup: Path | None
        for path in self.removed:
            backup = path.with_name(f".{path.name}.fiches-backup")
            os.rename(path, backup)
            self.done.append((path, backup))
            self.changed = True
        for temporary, path in self.staged:
            backup = path.with_name(f".{path.name}.fiches-backup") if os.path.lexists(path) else None
            if backup is not None:
                os.rename(path, backup)
                self.done.append((path, backup))
            os.rename(temporary, path)
            if backup is None:
                self.done.append((path, None))
            self.changed = True
        self.staged = []

    def rollback(self) -> None:
        with _deferred_interrupt():
            for temporary, _ in self.staged:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
            for path, backup in reversed(self.done):
                if backup is None:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(path)
                else:
                    os.replace(backup, path)
            self.staged, self.done = [], []

    def finish(self) -> None:
        for _, backup in self.done:
            if backup is not None:
                with contextlib.suppress(OSError):
                    os.unlink(backup)


def _refuse_link(path: Path) -> None:
    from builder.content.files import Refused

    if os.path.islink(path):
        raise Refused(
            f"{path} est un lien symbolique : rien n'est écrit à travers lui ; supprimez le lien, ou "
            "remplacez-le par un fichier ordinaire"
        )


@contextlib.contextmanager
def _deferred_interrupt() -> Iterator[None]:
    """Ctrl+C waits for the end of the block, then interrupts (in the main thread; elsewhere, nothing changes)."""
    caught: list[int] = []
    try:
        previous = signal.signal(signal.SIGINT, lambda number, frame: caught.append(number))
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt
