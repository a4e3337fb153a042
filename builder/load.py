"""Stage 1, load: read `plan.yml` and every fiche file into plain data that remembers its line numbers.

Nothing here knows the schema. YAML is composed into nodes (PyYAML's C loader when available) and
turned into Python values by hand so that: every key and item keeps its line; a key written twice is an
error instead of silently keeping the last one; numbers and dates keep their source text (`1.10` stays
`1.10`, `2020-13-01` is reported by validation instead of crashing the loader).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from builder.errors import Report

Location = tuple[str | int, ...]

_TRUE = {"true", "yes", "on"}
_BOOL_TAG = "tag:yaml.org,2002:bool"
_NULL_TAG = "tag:yaml.org,2002:null"
_STR_TAG = "tag:yaml.org,2002:str"
_NULLS = {"", "~", "null", "Null", "NULL"}
_BOOLS = {"yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
          "on", "On", "ON", "off", "Off", "OFF"}


def plain_scalar_tag(value: str) -> str:
    """How an unquoted scalar is read: null, bool, or text (numbers and dates keep their text for validation).
    Writers of content files use it too, so what they write reads back the same."""
    if value in _NULLS:
        return _NULL_TAG
    return _BOOL_TAG if value in _BOOLS else _STR_TAG


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """PyYAML's C parser with `plain_scalar_tag` (which also spares the full resolver's regular expressions)."""

    def resolve(self, kind, value, implicit):  # noqa: ANN001, ANN201 - PyYAML's signature
        if kind is yaml.ScalarNode and implicit[0]:
            return plain_scalar_tag(value)
        return super().resolve(kind, value, implicit)


@dataclass
class Source:
    """One content file as loaded: its data, where each value sits, and (for fiches) the Markdown body."""

    path: str
    data: Any
    lines: dict[Location, int] = field(default_factory=dict)
    body: str = ""
    body_line: int = 1

    def line(self, loc: Location) -> int:
        """Line of the value at `loc`, or of its closest parent that has one."""
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.lines.get((), 1)


@dataclass
class Content:
    """Everything read from a content directory."""

    root: Path
    plan: Source | None
    fiches: list[Source]


def load_content(root: Path, report: Report) -> Content:
    """Read `root/plan.yml` and `root/fiches/*.md`; problems go to `report`, nothing raises."""
    plan_path = root / "plan.yml"
    plan = None
    if not plan_path.is_file():
        report.error(_display(plan_path), None, None,
                     f"fichier du plan introuvable : chaque contenu doit avoir un fichier plan.yml dans {root}")
    else:
        plan = load_yaml_file(plan_path, report)
    fiche_dir = root / "fiches"
    fiches = []
    for path in sorted(fiche_dir.glob("*.md")) if fiche_dir.is_dir() else []:
        source = load_fiche_file(path, report)
        if source is not None:
            fiches.append(source)
    return Content(root, plan, fiches)


def load_yaml_file(path: Path, report: Report) -> Source | None:
    display = _display(path)
    text = _read_text(path, display, report)
    if text is None:
        return None
    if not text.strip():
        report.error(display, None, None, "le fichier est vide")
        return None
    return parse_yaml(text, display, 0, report)


def load_fiche_file(path: Path, report: Report) -> Source | None:
    display = _display(path)
    text = _read_text(path, display, report)
    if text is None:
        return None
    return parse_fiche(text, display, report)


def parse_fiche(text: str, display: str, report: Report) -> Source | None:
    """Split `---` front matter from the Markdown body and parse the front matter."""
    if not text.strip():
        report.error(display, None, None, "le fichier est vide ; une fiche commence par un bloc « --- » d'en-tête")
        return None
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        report.error(display, 1, None,
                     "en-tête manquant : le fichier doit commencer par une ligne « --- », puis les champs "
                     "de la fiche, puis une autre ligne « --- »")
        return None
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            break
    else:
        report.error(display, 1, None,
                     "en-tête non fermé : ajoutez une ligne « --- » après le dernier champ de la fiche")
        return None
    front = "\n".join(lines[1:index])
    source = parse_yaml(front, display, 1, report)
    if source is None:
        return None
    if source.data is None:
        report.error(display, 1, None, "l'en-tête de la fiche est vide")
        return None
    rest = "\n".join(lines[index + 1:])
    source.body = rest.strip("\n") + "\n"
    source.body_line = index + 2 + (len(rest) - len(rest.lstrip("\n")))  # the body's first line, blank lines skipped
    return source


def parse_yaml(text: str, display: str, line_offset: int, report: Report) -> Source | None:
    """Parse YAML text whose first line is line `line_offset + 1` of the file."""
    tab_errors = 0
    for number, line in enumerate(text.split("\n"), start=line_offset + 1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent and line.strip():
            report.error(display, number, None,
                         "tabulation utilisée pour l'indentation : en YAML, indentez uniquement avec des espaces")
            tab_errors += 1
    if tab_errors:
        return None
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark else None
        column = f", colonne {mark.column + 1}" if mark else ""
        report.error(display, line, None,
                     f"erreur de syntaxe YAML{column} : {_french_yaml_problem(exc)} ; vérifiez l'indentation, "
                     "les deux-points après chaque nom de champ et les guillemets")
        return None
    except yaml.YAMLError as exc:
        report.error(display, None, None, f"erreur de syntaxe YAML : {exc}")
        return None
    source = Source(display, None)
    if node is None:
        return source
    source.lines[()] = node.start_mark.line + 1 + line_offset
    source.data = _construct(node, (), source, line_offset, report)
    return source


def _construct(node: yaml.Node, loc: Location, source: Source, offset: int, report: Report) -> Any:
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            line = key_node.start_mark.line + 1 + offset
            if key in result:
                first = source.lines[loc + (key,)]
                report.error(source.path, line, _dotted(loc + (key,)),
                             f"champ écrit deux fois dans le même bloc (déjà ligne {first}) ; "
                             "gardez une seule valeur")
                continue
            source.lines[loc + (key,)] = line
            result[key] = _construct(value_node, loc + (key,), source, offset, report)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            source.lines[loc + (index,)] = item.start_mark.line + 1 + offset
            items.append(_construct(item, loc + (index,), source, offset, report))
        return items
    if node.tag == _NULL_TAG:
        return None
    if node.tag == _BOOL_TAG:
        return node.value.lower() in _TRUE
    # Strings, and also numbers and dates: their text is kept, validation gives them a type.
    return node.value


def _dotted(loc: Location) -> str:
    out = ""
    for part in loc:
        out += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


_YAML_PROBLEMS = {
    "mapping values are not allowed here":
        "deux-points inattendu (un texte contenant « : » doit être entre guillemets)",
    "could not find expected ':'": "deux-points attendu après le nom du champ",
    "found character '\\t' that cannot start any token": "tabulation interdite",
    "found undefined alias": "alias inconnu",
    "expected <block end>, but found": "indentation incohérente",
    "did not find expected key": "indentation incohérente ou champ mal formé",
    "found unexpected end of stream": "fin de texte inattendue (guillemet non fermé ?)",
    "did not find expected '-' indicator": "élément de liste mal indenté",
    "found unknown escape character": "caractère d'échappement inconnu dans un texte entre guillemets",
    "found unexpected ':'": "deux-points inattendu",
    "expected ',' or ']'": "liste entre crochets mal fermée (« , » ou « ] » attendu)",
    "expected ',' or '}'": "bloc entre accolades mal fermé (« , » ou « } » attendu)",
}


def _french_yaml_problem(exc: yaml.MarkedYAMLError) -> str:
    problem = str(exc.problem or exc.context or "")
    for english, french in _YAML_PROBLEMS.items():
        if problem.startswith(english):
            return french
    return problem


def _read_text(path: Path, display: str, report: Report) -> str | None:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        report.error(display, None, None, f"lecture impossible : {exc.strerror}")
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        report.error(display, line, None,
                     f"le fichier n'est pas encodé en UTF-8 (octet 0x{raw[exc.start]:02x} invalide) ; "
                     "ré-enregistrez-le en UTF-8 (dans votre éditeur : « Enregistrer avec l'encodage » → UTF-8)")
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _display(path: Path) -> str:
    """Paths are shown relative to the working directory when they are below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
