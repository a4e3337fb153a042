"""The form editor's local backend, answered by `fiches serve` itself (Decap CMS's proxy protocol, no Node.js).

Decap CMS posts `{"action": …, "params": …}` to `/admin/api/v1`. Only `fiches/*.md` and `plan.yml` of the
content folder are read or written: a path with `..`, an absolute path, a symbolic link or any other file is
refused. What the form sends is never written as it comes:

- the form receives each file with typed values (dates as text, numbers as numbers, oui/non as booleans);
- what it sends back is merged into the file as it is on disk: a value the editor did not change keeps its
  text (a date its precision, `1.10` stays `1.10`, `0,5` stays `0,5`), a field of the header that did not
  change keeps its lines (with their comments), the body is kept byte for byte unless it was edited;
- the result is checked like `fiches check` does: a save that adds an error is refused, with the errors in
  French (the form shows them); nothing is written;
- a new fiche is named as `fiches new` names it (`2.3.5-mot-cle.md`); a fiche whose number changes is renamed.

With `--commit`, each save is a git commit with a French message (« Fiche 2.3.1 : statut → Réalisée »).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from pydantic import TypeAdapter

from builder.cms.config import (
    ADMIN,
    API,
    FICHE_SHAPE,
    FICHES_FOLDER,
    PLAN_FILE,
    PLAN_SHAPE,
    Shape,
    admin_page,
    cms_config,
    config_yaml,
    label,
    plan_choices,
)
from builder.content.load import Content, Source, _display, fiche_files, load_content, parse_fiche, parse_yaml
from builder.content.model import Date, Entier, Nombre, OuiNon, id_key
from builder.content.validate import validate
from builder.content.write import dump_yaml, fiche_file_name, fiche_text, file_slug
from builder.errors import BuildError, Problem, Report

MAX_BODY = 5_000_000  # bytes of one request: far above a plan or a fiche


class Refused(Exception):
    """A request that is answered with an error (in French) and changes nothing."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Reply:
    status: int
    kind: str
    data: bytes
    headers: dict[str, str] = field(default_factory=dict)


def owns(path: str) -> bool:
    """Whether a request path belongs to the editor (`/admin`, `/admin/…`)."""
    path = path.split("?", 1)[0]
    return path == ADMIN.rstrip("/") or path.startswith(ADMIN)


# --- typed values for the form, and back --------------------------------------------------------

_ADAPTERS: dict[str, TypeAdapter[Any]] = {
    "bool": TypeAdapter(OuiNon),
    "number": TypeAdapter(Nombre),
    "int": TypeAdapter(Entier),
    "date": TypeAdapter(Date),
}


def _parsed(value: Any, shape: Shape) -> Any:
    """The typed value of a scalar (raises if it does not parse)."""
    if shape.kind in _ADAPTERS:
        if value is None or isinstance(value, list | dict):
            raise ValueError(value)
        return _ADAPTERS[shape.kind].validate_python(value)
    if isinstance(value, bool) or value is None or isinstance(value, list | dict):
        raise ValueError(value)
    return str(value).strip()


def to_form(value: Any, shape: Shape | None) -> Any:
    """A loaded value as the form shows it: typed where it parses, as written otherwise."""
    if value is None or shape is None:
        return value
    if shape.kind == "model":
        if not isinstance(value, dict):
            return value
        fields = shape.fields
        return {k: to_form(v, fields[k][0] if k in fields else None) for k, v in value.items()}
    if shape.kind == "list":
        return [to_form(v, shape.item) for v in value] if isinstance(value, list) else value
    if shape.kind == "map":
        return {k: to_form(v, shape.item) for k, v in value.items()} if isinstance(value, dict) else value
    if shape.kind == "union":
        model = next((o for o in shape.options if o.kind == "model"), None)
        return to_form(value, model) if isinstance(value, dict) else value
    try:
        typed = _parsed(value, shape)
    except (ValueError, TypeError):
        return value
    if shape.kind == "date":
        return str(typed)
    if shape.kind == "number" and isinstance(typed, float) and typed.is_integer() and "." not in str(value):
        return int(typed)
    return typed


def _empty(value: Any) -> bool:
    if value is None or value == "" or value == [] or value == {}:
        return True
    return isinstance(value, dict) and all(_empty(v) for v in value.values())


def same(old: Any, new: Any, shape: Shape | None) -> bool:
    """Whether two values mean the same for fiches (`2025-03` and "2025-03", `oui` and true, `0,5` and 0.5)."""
    if _empty(old) and _empty(new):
        return True
    if shape is None or shape.kind in ("model", "map", "union") and not isinstance(old, dict):
        return old == new
    if shape.kind in ("model", "map", "union"):
        if not isinstance(new, dict):
            return False
        inner = (
            shape
            if shape.kind == "model"
            else shape.item
            if shape.kind == "map"
            else next(o for o in shape.options if o.kind == "model")
        )
        fields = inner.fields if inner and inner.kind == "model" else {}
        for key in set(old) | set(new):
            sub = fields[key][0] if key in fields else (inner if shape.kind == "map" else None)
            if key not in new and key not in fields and shape.kind != "map":
                continue  # a key the form does not know: kept by `merge`
            if not same(old.get(key), new.get(key), sub):
                return False
        return True
    if shape.kind == "list":
        return (
            isinstance(old, list)
            and isinstance(new, list)
            and len(old) == len(new)
            and all(same(a, b, shape.item) for a, b in zip(old, new, strict=True))
        )
    try:
        return _parsed(old, shape) == _parsed(new, shape)
    except (ValueError, TypeError):
        return old == new


def merge(old: Any, new: Any, shape: Shape | None) -> Any:
    """`new` (from the form) written over `old` (from the file): what did not change keeps its text."""
    if same(old, new, shape):
        return old
    if isinstance(old, dict) and isinstance(new, dict) and shape is not None and shape.kind in ("model", "union"):
        inner = shape if shape.kind == "model" else next(o for o in shape.options if o.kind == "model")
        return _merge_fields(old, new, inner)
    if isinstance(old, dict) and isinstance(new, dict) and shape is not None and shape.kind == "map":
        out = {k: merge(old.get(k), v, shape.item) for k, v in new.items() if not _empty(v) or k in old}
        return {k: v for k, v in out.items() if not _empty(v) or same(old.get(k), v, shape.item)}
    if isinstance(old, list) and isinstance(new, list) and shape is not None and shape.kind == "list":
        return _merge_list(old, new, shape.item)
    return clean(new, shape)


def _merge_fields(old: dict, new: dict, shape: Shape) -> dict:
    fields = shape.fields
    out: dict[str, Any] = {}
    for key, value in old.items():
        sub = fields[key][0] if key in fields else None
        if key not in new:  # a field the form does not show (unknown to the models): kept as it is
            out[key] = value
        elif same(value, new[key], sub):
            out[key] = value
        elif not _empty(new[key]):
            out[key] = merge(value, new[key], sub)
        # emptied in the form: the field goes, its default applies
    order = list(fields)
    for key, value in new.items():
        if key in old or _empty(value):
            continue
        sub = fields[key][0] if key in fields else None
        out[key] = clean(value, sub)
    if any(k not in old for k in out):  # new fields: at their place in the model's order, among the others
        rank = {k: i for i, k in enumerate(order)}
        keys = [k for k in out if k in old]
        for key in [k for k in out if k not in old]:
            after = [i for i, k in enumerate(keys) if rank.get(k, -1) < rank.get(key, len(order))]
            keys.insert(max(after) + 1 if after else 0, key)
        out = {k: out[k] for k in keys}
    return out


def _merge_list(old: list, new: list, item: Shape | None) -> list:
    """Items the form did not change are the file's (even moved); changed items are merged with the item at the
    same place."""
    used: set[int] = set()
    out: list[Any] = [None] * len(new)
    pending = []
    for j, value in enumerate(new):
        match = next((i for i, o in enumerate(old) if i not in used and same(o, value, item)), None)
        if match is None:
            pending.append(j)
        else:
            used.add(match)
            out[j] = old[match]
    for j in pending:
        if j < len(old) and j not in used and isinstance(old[j], dict) and isinstance(new[j], dict):
            used.add(j)
            out[j] = merge(old[j], new[j], item)
        else:
            out[j] = clean(new[j], item)
    return [v for v in out if not _empty(v)]


def clean(value: Any, shape: Shape | None) -> Any:
    """A value from the form without the empty fields it adds (`budget: ""`, `calendrier: {debut: ""}`)."""
    if isinstance(value, dict):
        fields = shape.fields if shape is not None and shape.kind == "model" else {}
        sub_of = (
            (lambda k: shape.item)
            if shape is not None and shape.kind == "map"
            else (lambda k: fields[k][0] if k in fields else None)
        )
        return {k: clean(v, sub_of(k)) for k, v in value.items() if not _empty(v)}
    if isinstance(value, list):
        item = shape.item if shape is not None and shape.kind == "list" else None
        return [clean(v, item) for v in value if not _empty(v)]
    return value


class _FormDumper(yaml.SafeDumper):
    """YAML for the form: every text quoted, so the form reads text as text (`"1.10"`, `"2025-03"`)."""


_FormDumper.add_representer(str, lambda d, v: d.represent_scalar("tag:yaml.org,2002:str", v, style='"'))


def form_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_FormDumper, allow_unicode=True, sort_keys=False, width=10_000)


class _FormLoader(yaml.SafeLoader):
    """Reads what the form writes (YAML 1.2): only true/false are booleans; numbers stay text, as `builder.content.load`
    keeps them, for validation to read them."""


def _resolve_form(self: Any, kind: Any, value: Any, implicit: Any) -> str:
    if kind is yaml.ScalarNode and implicit[0]:
        if value in ("", "~", "null", "Null", "NULL"):
            return "tag:yaml.org,2002:null"
        if value in ("true", "True", "TRUE", "false", "False", "FALSE"):
            return "tag:yaml.org,2002:bool"
        return "tag:yaml.org,2002:str"
    return yaml.SafeLoader.resolve(self, kind, value, implicit)


_FormLoader.resolve = _resolve_form  # type: ignore[method-assign]  # PyYAML's resolver, for this loader only


def _form_data(text: str, what: str) -> Any:
    try:
        return yaml.load(text, Loader=_FormLoader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        raise Refused(422, f"{what} : le formulaire a envoyé un en-tête illisible ({exc})") from None


# --- files --------------------------------------------------------------------------------------


@dataclass
class Original:
    """A content file as it is on disk: its text split into header lines and the rest, and its loaded data."""

    raw: bytes
    text: str
    source: Source | None
    report: Report
    front: list[str]  # lines of the YAML (the header of a fiche, the whole of plan.yml)
    first_line: int  # file line of front[0]
    rest: str = ""  # a fiche's text after the closing `---` line, as written

    @property
    def crlf(self) -> bool:
        return b"\r\n" in self.raw

    @property
    def bom(self) -> bool:
        return self.raw.startswith(b"\xef\xbb\xbf")


_FENCE = re.compile(r"^---[ \t]*(#.*)?$")


def _split(text: str) -> tuple[list[str], str] | None:
    """A fiche's header lines and the text after its closing `---` line (None without a header)."""
    lines = text.split("\n")
    if not lines or not _FENCE.match(lines[0]):
        return None
    for index in range(1, len(lines)):
        if _FENCE.match(lines[index]) or lines[index].rstrip() == "...":
            return lines[1:index], "\n".join(lines[index + 1 :])
    return None


def read_original(path: Path, is_plan: bool) -> Original:
    raw = path.read_bytes()
    report = Report()
    display = _display(path)
    try:
        text = raw.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError:
        report.error(display, None, None, "le fichier n'est pas encodé en UTF-8")
        return Original(raw, "", None, report, [], 1)
    if is_plan:
        return Original(
            raw, text, parse_yaml(text, display, 0, report) if text.strip() else None, report, text.split("\n"), 1
        )
    parts = _split(text)
    source = parse_fiche(text, display, report)
    front, rest = parts if parts else ([], text)
    return Original(raw, text, source, report, front, 2, rest)


def _blocks(original: Original) -> tuple[list[str], dict[str, list[str]]] | None:
    """The header's lines before its first field, and the lines of each top-level field (up to the next field),
    or None when the header is not a plain list of `champ:` lines."""
    source = original.source
    if source is None or not isinstance(source.data, dict) or not source.data:
        return None
    starts = []
    for key in source.data:
        line = source.lines.get((key,))
        index = line - original.first_line if line is not None else -1
        if not 0 <= index < len(original.front) or not re.match(
            rf"^([\"']?){re.escape(key)}\1[ \t]*:", original.front[index]
        ):
            return None
        starts.append(index)
    if starts != sorted(starts) or len(set(starts)) != len(starts):
        return None
    blocks = {}
    for n, (key, start) in enumerate(zip(source.data, starts, strict=True)):
        end = starts[n + 1] if n + 1 < len(starts) else len(original.front)
        blocks[key] = original.front[start:end]
    return original.front[: starts[0]], blocks


def _header_lines(original: Original | None, merged: dict) -> list[str]:
    """The header of the saved file: the file's own lines for each field that did not change, the project's YAML
    writer (`dump_yaml`) for the others."""
    layout = _blocks(original) if original is not None else None
    if original is None or original.source is None or layout is None:
        return dump_yaml(merged).rstrip("\n").split("\n") if merged else []
    head, blocks = layout
    old = original.source.data
    out = list(head)
    for key, value in merged.items():
        if key in blocks and old[key] is value:  # `merge` keeps the file's own value when nothing changed
            out += blocks[key]
            continue
        lines = dump_yaml({key: value}).rstrip("\n").split("\n")
        kept: list[str] = []  # blank lines and comments between this field and the next one stay
        for line in reversed(blocks.get(key, [])[1:]):
            if line.strip() and not line.startswith("#"):
                break
            kept.insert(0, line)
        out += lines + kept
    return out


def _file_text(original: Original | None, merged: dict, body: str | None, is_plan: bool) -> str:
    header = "\n".join(_header_lines(original, merged))
    if is_plan:
        text = header.rstrip("\n") + "\n"
    else:
        if body is None:  # unchanged: as written, after the header
            rest = original.rest if original is not None else ""
        else:
            rest = "\n" + body.strip("\n") + "\n" if body.strip() else ""
        text = "---\n" + (header + "\n" if header else "") + "---\n" + rest
    if original is not None and original.crlf:
        text = text.replace("\n", "\r\n")
    return text


def _reads_back(text: str, merged: dict, is_plan: bool) -> bool:
    report = Report()
    text = text.replace("\r\n", "\n")
    source = parse_yaml(text, "x", 0, report) if is_plan else parse_fiche(text, "x", report)
    return source is not None and not report.errors and source.data == merged


# --- the backend --------------------------------------------------------------------------------


@dataclass
class Saved:
    path: Path
    removed: Path | None
    message: str


class LocalBackend:
    """Decap CMS's proxy API on the content folder `content`."""

    def __init__(self, content: Path, commit: bool = False) -> None:
        self.content = content
        self.root = content.resolve()
        self.commit = commit
        self.aliases: dict[str, str] = {}  # path the form knows → path of the file (new and renamed fiches)
        self.lock = threading.Lock()
        if commit:
            self._check_git()

    # paths
    def resolve(self, relative: Any) -> tuple[Path, bool]:
        """The file at `relative` (a path inside the content folder: `plan.yml` or `fiches/<name>.md`) and whether
        it is the plan; `Refused` for anything else."""
        if not isinstance(relative, str) or not relative or "\x00" in relative or "\\" in relative:
            raise Refused(403, f"chemin refusé : « {relative} »")
        relative = self.aliases.get(relative, relative)
        pure = PurePosixPath(relative)
        if pure.is_absolute() or relative.startswith("/") or ".." in pure.parts or "." in relative.split("/"):
            raise Refused(403, f"chemin refusé : « {relative} » (hors du dossier du contenu)")
        is_plan = pure.parts == (PLAN_FILE,)
        is_fiche = (
            len(pure.parts) == 2
            and pure.parts[0] == FICHES_FOLDER
            and pure.suffix == ".md"
            and not pure.name.startswith(".")
        )
        if not (is_plan or is_fiche):
            raise Refused(
                403,
                f"chemin refusé : « {relative} » (seuls plan.yml et les fiches de fiches/ se "
                "modifient par le formulaire)",
            )
        path = self.root.joinpath(*pure.parts)
        current = self.root
        for part in pure.parts:
            current = current / part
            if current.is_symlink():
                raise Refused(403, f"chemin refusé : « {relative} » (lien symbolique)")
        if not path.resolve().is_relative_to(self.root):
            raise Refused(403, f"chemin refusé : « {relative} » (hors du dossier du contenu)")
        return path, is_plan

    def relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    # actions
    def answer(self, request: Any) -> Any:
        if not isinstance(request, dict) or not isinstance(request.get("action"), str):
            raise Refused(400, 'requête illisible : attendu {"action": …, "params": …}')
        params = request.get("params") or {}
        if not isinstance(params, dict):
            raise Refused(400, "requête illisible : « params » doit être un objet")
        action = request["action"]
        if action == "info":
            return {"repo": self.root.name, "publish_modes": ["simple"], "type": "local_fs"}
        if action == "entriesByFolder":
            if params.get("folder") != FICHES_FOLDER:
                raise Refused(403, f"dossier refusé : « {params.get('folder')} » (seul {FICHES_FOLDER}/ est lu)")
            return self.entries_by_folder()
        if action == "entriesByFiles":
            files = params.get("files")
            if not isinstance(files, list):
                raise Refused(400, "requête illisible : « files » doit être une liste")
            return [self.entry(f.get("path") if isinstance(f, dict) else f) for f in files]
        if action == "getEntry":
            return self.entry(params.get("path"))
        if action == "persistEntry":
            return self.persist(params)
        if action == "getMedia":
            return []
        if action in ("getMediaFile", "persistMedia"):
            raise Refused(
                422,
                "les images ne sont pas publiées (intranet sans accès à Internet) : seule leur "
                "description reste ; décrivez-les dans le texte",
            )
        if action in ("deleteFile", "deleteFiles"):
            raise Refused(
                403,
                "une fiche ne se supprime pas depuis le formulaire : supprimez son fichier (ou passez "
                "son statut à « abandonnée »)",
            )
        if action == "getDeployPreview":
            return self.preview_link(params)
        if action.startswith(("unpublished", "deleteUnpublished", "publishUnpublished", "updateUnpublished")):
            raise Refused(404, "pas de circuit de relecture en local : chaque enregistrement est publié")
        raise Refused(422, f"action inconnue : {action}")

    def entries_by_folder(self) -> list[dict[str, Any]]:
        files = fiche_files(self.root / FICHES_FOLDER, Report())

        def order(path: Path) -> tuple:
            try:
                return (0, id_key(path.name.split("-", 1)[0].removesuffix(".md")), path.name)
            except ValueError:
                return (1, (), path.name)

        return [self.entry(self.relative(p)) for p in sorted(files, key=order) if not p.is_symlink()]

    def entry(self, relative: Any) -> dict[str, Any]:
        path, is_plan = self.resolve(relative)
        if not path.is_file():
            return {"data": None, "file": {"path": relative, "id": None}}
        original = read_original(path, is_plan)
        data = self.form_text(original, is_plan)
        return {"data": data, "file": {"path": relative, "id": hashlib.sha256(data.encode()).hexdigest()}}

    @staticmethod
    def form_text(original: Original, is_plan: bool) -> str:
        """The file as the form reads it; a file that does not load is given as written."""
        source = original.source
        if source is None or not isinstance(source.data, dict):
            return original.text
        front = form_yaml(to_form(source.data, PLAN_SHAPE if is_plan else FICHE_SHAPE))
        return front if is_plan else "---\n" + front + "---\n" + original.rest

    def preview_link(self, params: dict[str, Any]) -> dict[str, str] | None:
        slug = str(params.get("slug") or "")
        if params.get("collection") == "plan":
            return {"url": "/", "status": "SUCCESS"}
        number = slug.split("-", 1)[0]
        return {"url": f"/fiches/{number.replace('.', '-')}/", "status": "SUCCESS"} if number else None

    # saving
    def persist(self, params: dict[str, Any]) -> dict[str, str]:
        files = params.get("dataFiles") or ([params["entry"]] if isinstance(params.get("entry"), dict) else [])
        if len(files) != 1 or not isinstance(files[0], dict) or not isinstance(files[0].get("raw"), str):
            raise Refused(400, "requête illisible : attendu un seul fichier à enregistrer")
        if params.get("assets"):
            raise Refused(422, "les images ne sont pas publiées : enregistrement refusé")
        options = params.get("options")
        options = options if isinstance(options, dict) else {}
        requested = files[0].get("path")
        with self.lock:
            saved = self.save(requested, files[0]["raw"], bool(options.get("newEntry")))
            if saved is None:
                return {"message": "aucun changement"}
            self.aliases[str(requested)] = self.relative(saved.path)
            if saved.removed is not None:
                self.aliases[self.relative(saved.removed)] = self.relative(saved.path)
            shown = _display(saved.path)
            print(f"Enregistré depuis le formulaire : {shown} ({saved.message})", flush=True)
            if self.commit:
                self._git_commit([p for p in (saved.path, saved.removed) if p is not None], saved.message)
        return {"message": "entry persisted"}

    def save(self, requested: Any, raw: str, new_entry: bool) -> Saved | None:
        path, is_plan = self.resolve(requested)
        original = read_original(path, is_plan) if path.is_file() else None
        if original is None and not new_entry:
            raise Refused(
                404,
                f"{requested} : fichier introuvable (supprimé ou renommé depuis l'ouverture du "
                "formulaire ?) ; rechargez la page",
            )
        if original is not None and (original.source is None or not isinstance(original.source.data, dict)):
            problems = "\n".join(str(p) for p in original.report.errors) or f"{_display(path)} : en-tête illisible"
            raise Refused(
                422,
                "ce fichier ne se lit pas, il ne peut pas être modifié par le formulaire ; corrigez-le "
                f"d'abord dans un éditeur de texte :\n{problems}",
            )
        if is_plan:
            form, body = _form_data(raw, PLAN_FILE), None
        else:
            parts = _split(raw.replace("\r\n", "\n"))
            if parts is None:
                raise Refused(422, f"{requested} : le formulaire a envoyé une fiche sans en-tête")
            form = _form_data("\n".join(parts[0]), str(requested))
            body = parts[1]
        if form is None:
            form = {}
        if not isinstance(form, dict):
            raise Refused(422, f"{requested} : le formulaire a envoyé un en-tête qui n'est pas une liste de champs")
        shape = PLAN_SHAPE if is_plan else FICHE_SHAPE
        old = original.source.data if original is not None and original.source is not None else None
        merged = merge(old, form, shape) if old is not None else clean(form, shape)
        if body is not None and original is not None and body.strip("\n") == original.rest.strip("\n"):
            body = None  # the text did not change: kept as written
        if old is not None and merged is old and body is None:
            return None
        target, removed = path, None
        if not is_plan:
            target, removed = self._fiche_path(path, old, merged, new_entry and original is None)
        text = _file_text(original, merged, body, is_plan)
        if not _reads_back(text, merged, is_plan):  # the layout could not be kept: the project's whole writer
            text = (
                dump_yaml(merged)
                if is_plan
                else fiche_text(merged, body if body is not None else original.rest if original is not None else "")
            )
            if not _reads_back(text, merged, is_plan):
                raise Refused(
                    500, "erreur interne : le fichier écrit ne se relirait pas à l'identique ; rien n'a été enregistré"
                )
        self._check(target, removed, text, is_plan)
        _write(target, text.encode("utf-8") if not (original and original.bom) else b"\xef\xbb\xbf" + text.encode())
        if removed is not None:
            removed.unlink()
        return Saved(target, removed, self._describe(old, merged, body is not None, is_plan, target))

    def _fiche_path(self, path: Path, old: dict | None, merged: dict, created: bool) -> tuple[Path, Path | None]:
        """Where the fiche goes: a new one is named `<id>-<mot-clé>.md` as by `fiches new`; a fiche whose number
        changed keeps its keywords under its new number."""
        number = str(merged.get("id") or "").strip()
        if not re.match(r"^\d+(\.\d+)*$", number):
            if created:
                raise Refused(422, f"id : « {number} » : attendu un numéro de la forme N.M.K (ex. 2.3.1)")
            return path, None
        folder = self.root / FICHES_FOLDER
        taken = sorted(p.name for p in folder.glob(f"{number}-*.md")) + (
            [f"{number}.md"] if (folder / f"{number}.md").exists() else []
        )
        taken = [name for name in taken if name != path.name]
        if created:
            if taken:
                raise Refused(422, f"id : la fiche {number} existe déjà : {FICHES_FOLDER}/{taken[0]}")
            return folder / fiche_file_name(number, str(merged.get("titre") or "")), None
        before = str((old or {}).get("id") or "").strip()
        if number == before or path.name.startswith(f"{number}-") or path.name == f"{number}.md":
            return path, None
        if taken:
            raise Refused(422, f"id : le numéro {number} est déjà celui de {FICHES_FOLDER}/{taken[0]}")
        words = (
            path.name[len(before) + 1 :]
            if before and path.name.startswith(f"{before}-")
            else f"{file_slug(str(merged.get('titre') or ''))}.md"
        )
        return folder / f"{number}-{words}", path

    def _check(self, target: Path, removed: Path | None, text: str, is_plan: bool) -> None:
        """Validate the content as it would be after the save; refuse if the save adds an error."""
        before = Report()
        content = load_content(self.root, before)
        validate(content, before)
        shown, gone = _display(target), _display(removed) if removed is not None else None
        old_names = {shown, gone}
        after = Report()  # the other files' loading errors are in `before`: they are not new
        if is_plan:
            candidate = parse_yaml(text.replace("\r\n", "\n"), shown, 0, after)
            candidate_content = Content(content.root, candidate, content.fiches)
        else:
            candidate = parse_fiche(text.replace("\r\n", "\n"), shown, after)
            fiches = [s for s in content.fiches if s.path not in old_names] + ([candidate] if candidate else [])
            candidate_content = Content(content.root, content.plan, fiches)
        validate(candidate_content, after)

        def key(p: Problem) -> tuple:
            return (shown if p.path == gone else p.path, p.field, re.sub(r"ligne \d+", "ligne", p.message))

        known = {key(p) for p in before.errors}
        added = sorted({p for p in after.errors if key(p) not in known}, key=lambda p: (p.path, p.line or 0))
        if added:
            lines = "\n".join(str(p) for p in added)
            print(f"Enregistrement refusé ({len(added)} erreur{'s' if len(added) > 1 else ''}) :\n{lines}", flush=True)
            raise Refused(422, f"rien n'a été enregistré, corrigez d'abord : {lines}")

    def _describe(self, old: dict | None, new: dict, body_changed: bool, is_plan: bool, target: Path) -> str:
        """The French commit message of a save."""
        if is_plan:
            changed = [
                label(k).lower()
                for k, (s, _) in PLAN_SHAPE.fields.items()
                if not same((old or {}).get(k), new.get(k), s)
            ]
            return "Plan modifié" + (f" : {', '.join(changed)}" if changed else "")
        number = str(new.get("id") or target.name.split("-", 1)[0])
        if old is None:
            return f"Fiche {number} créée : {new.get('titre') or ''}".rstrip(" :")
        before = str(old.get("id") or "")
        statuts = dict(plan_choices(self.root).statuts)
        parts, others = [], []
        for key, (shape, _) in FICHE_SHAPE.fields.items():
            a, b = old.get(key), new.get(key)
            if key == "id" or same(a, b, shape):
                continue
            if key == "statut":
                parts.append(f"statut → {statuts.get(str(b), b)}")
            elif key == "avancement":
                parts.append(f"avancement → {b} %" if not _empty(b) else "avancement par défaut")
            elif key == "prioritaire":
                parts.append(f"prioritaire → {'oui' if to_form(b, shape) is True else 'non'}")
            elif key == "pilote":
                parts.append(f"pilote → {b}")
            elif key in ("suivi", "jalons") and len(b or []) > len(a or []):
                n = len(b or []) - len(a or [])
                word = ("entrée" if key == "suivi" else "jalon") + ("s" if n > 1 else "")
                parts.append(f"{key} : {n} {word} ajouté{'e' if key == 'suivi' else ''}{'s' if n > 1 else ''}")
            elif key == "indicateurs":
                count = sum(len(i.get("mesures") or []) for i in (a or []) if isinstance(i, dict))
                added = sum(len(i.get("mesures") or []) for i in (b or []) if isinstance(i, dict)) - count
                if added > 0 and len(a or []) == len(b or []):
                    parts.append(f"{added} mesure{'s' if added > 1 else ''} ajoutée{'s' if added > 1 else ''}")
                else:
                    others.append("indicateurs")
            else:
                others.append(label(key).lower())
        if body_changed:
            others.append("texte")
        if others:
            parts.append(f"modifié : {', '.join(others)}")
        head = f"Fiche {before} → {number}" if before and before != number else f"Fiche {number}"
        return head + (f" : {' ; '.join(parts)}" if parts else "")

    # git
    def _git(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", *args], cwd=self.root, capture_output=True, text=True)

    def _check_git(self) -> None:
        if shutil.which("git") is None:
            raise BuildError("--commit : git est introuvable sur ce poste")
        if self._git("rev-parse", "--is-inside-work-tree").stdout.strip() != "true":
            raise BuildError(
                f"--commit : le dossier {self.content} n'est pas dans un dépôt git (git init, ou lancez sans --commit)"
            )
        if self._git("var", "GIT_AUTHOR_IDENT").returncode != 0:
            raise BuildError(
                "--commit : git ne connaît pas votre nom ; indiquez-le avec git config --global "
                'user.name "Prénom Nom" et git config --global user.email adresse@exemple.fr'
            )

    def _git_commit(self, paths: list[Path], message: str) -> None:
        names = [str(p) for p in paths]
        for path in paths:
            if path.exists():
                self._git("add", "--", str(path))
            else:
                self._git("rm", "-q", "--cached", "--ignore-unmatch", "--", str(path))
        tracked = [
            n
            for n in names
            if Path(n).exists()
            or self._git("cat-file", "-e", "HEAD:./" + os.path.relpath(n, self.root)).returncode == 0
        ]
        done = self._git("commit", "-q", "-m", message, "--", *tracked)
        if done.returncode != 0 and "nothing" not in done.stdout + done.stderr:
            problem = (done.stderr or done.stdout).strip()
            print(f"Commit git impossible : {problem}", flush=True)
            raise Refused(500, f"fichier enregistré, mais le commit git a échoué : {problem}")
        if done.returncode == 0:
            print(f"Commit : {message}", flush=True)


def _write(path: Path, data: bytes) -> None:
    """Write through a temporary file and a rename: never through a symbolic link, never half a file."""
    temporary = path.with_name(f".{path.name}.fiches.tmp")
    temporary.write_bytes(data)
    if path.exists():
        shutil.copymode(path, temporary)
    os.replace(temporary, path)


# --- HTTP ---------------------------------------------------------------------------------------

_TYPES = {
    ".js": "application/javascript; charset=utf-8",
    ".wasm": "application/wasm",
    ".txt": "text/plain; charset=utf-8",
}


class Admin:
    """`/admin/` of `fiches serve`: the editor's page, its configuration, its files, and the local API."""

    def __init__(self, content: Path, commit: bool = False) -> None:
        self.content = content
        self.backend = LocalBackend(content, commit)

    def get(self, path: str) -> Reply:
        from builder.cms.bundle import bundle_dir, bundle_files, installed

        path = path.split("?", 1)[0].split("#", 1)[0]
        if path == ADMIN.rstrip("/"):
            return Reply(301, "text/plain; charset=utf-8", b"", {"Location": ADMIN})
        if path in (ADMIN, ADMIN + "index.html"):
            if not installed():
                return _page(
                    503,
                    "L’éditeur n’est pas installé",
                    f"Les fichiers de Decap CMS sont absents de {bundle_dir()} : lancez "
                    "<code>bash .ci/setup</code> (ou <code>python3 -m builder.cms.bundle</code>), puis "
                    "rechargez cette page.",
                )
            return Reply(200, "text/html; charset=utf-8", admin_page(_site_name(self.content)).encode("utf-8"))
        if path == ADMIN + "config.yml":
            return Reply(200, "text/yaml; charset=utf-8", config_yaml(cms_config(self.content)).encode("utf-8"))
        name = path[len(ADMIN) :]
        for file in bundle_files():
            if file.name == name:
                return Reply(200, _TYPES.get(file.suffix, "application/octet-stream"), file.read_bytes())
        return _page(404, "Page introuvable", "Cette adresse n’existe pas dans l’éditeur.")

    def post(self, path: str, headers: Any, body: bytes, port: int) -> Reply:
        try:
            if path.split("?", 1)[0] != API:
                raise Refused(404, "adresse inconnue")
            host = headers.get("Host", "")
            if host not in (f"127.0.0.1:{port}", f"localhost:{port}"):
                raise Refused(403, "requête refusée : l'éditeur local ne répond qu'à http://127.0.0.1")
            origin = headers.get("Origin")
            if origin is not None and origin != f"http://{host}":
                raise Refused(403, "requête refusée : elle vient d'une autre page que l'éditeur")
            if not headers.get("Content-Type", "").startswith("application/json"):
                raise Refused(415, "requête refusée : attendu du JSON")
            try:
                request = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                raise Refused(400, "requête illisible : JSON invalide") from None
            answer = self.backend.answer(request)
            return Reply(200, "application/json; charset=utf-8", json.dumps(answer, ensure_ascii=False).encode())
        except Refused as exc:
            return Reply(
                exc.status,
                "application/json; charset=utf-8",
                json.dumps({"error": str(exc)}, ensure_ascii=False).encode(),
            )


def request_body(headers: Any, stream: Any) -> bytes | None:
    """The body of a POST (None if too large or without a length)."""
    try:
        length = int(headers.get("Content-Length", ""))
    except ValueError:
        return None
    if not 0 <= length <= MAX_BODY:
        return None
    return stream.read(length)


def too_large() -> Reply:
    return Reply(
        413,
        "application/json; charset=utf-8",
        json.dumps({"error": "requête refusée : trop grande ou sans longueur"}, ensure_ascii=False).encode(),
    )


def _page(status: int, title: str, text: str) -> Reply:
    body = (
        f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{title}</title></head>'
        f'<body style="font-family:sans-serif;max-width:50rem;margin:2rem auto"><h1>{title}</h1><p>{text}</p>'
        "</body></html>"
    )
    return Reply(status, "text/html; charset=utf-8", body.encode("utf-8"))


def _site_name(content: Path) -> str:
    from builder.settings import read_settings

    try:
        return read_settings(content).site_name
    except BuildError:
        return "fiches"
