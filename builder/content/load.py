"""Stage 1, load: read `plan.yml` and every fiche file into plain data that remembers its line numbers.

Nothing here knows the schema. YAML is composed into nodes (PyYAML's C loader when available) and
turned into Python values by hand so that: every key and item keeps its line; a key written twice is an
error instead of silently keeping the last one; numbers and dates keep their source text (`1.10` stays
`1.10`, `2020-13-01` is reported by validation instead of crashing the loader); an explicit tag (`!!bool x`)
is an error instead of silently changing the value. PyYAML's messages are translated into French.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import yaml

from builder.content.files import FICHE_LIMIT, PLAN_LIMIT, Refused, inside, read_regular
from builder.errors import Report, oserror_fr

Location = tuple[str | int, ...]

_TRUE = {"true", "yes", "on"}
_BOOL_TAG = "tag:yaml.org,2002:bool"
_NULL_TAG = "tag:yaml.org,2002:null"
_STR_TAG = "tag:yaml.org,2002:str"
_NULLS = {"", "~", "null", "Null", "NULL"}
_BOOLS = {
    "yes",
    "Yes",
    "YES",
    "no",
    "No",
    "NO",
    "true",
    "True",
    "TRUE",
    "false",
    "False",
    "FALSE",
    "on",
    "On",
    "ON",
    "off",
    "Off",
    "OFF",
}


def plain_scalar_tag(value: str) -> str:
    """How an unquoted scalar is read: null, bool, or text (numbers and dates keep their text for validation).
    Writers of content files use it too, so what they write reads back the same."""
    if value in _NULLS:
        return _NULL_TAG
    return _BOOL_TAG if value in _BOOLS else _STR_TAG


# The resolver only runs for nodes written without a tag; it gives them these private tags, so a node with
# any other tag was tagged in the file (`!!bool x`, `!!set`, `!custom`) and is refused.
_IMPLICIT = {_NULL_TAG: "fiches:null", _BOOL_TAG: "fiches:bool", _STR_TAG: "fiches:str"}
_IMPLICIT_STR, _IMPLICIT_NULL, _IMPLICIT_BOOL = _IMPLICIT[_STR_TAG], _IMPLICIT[_NULL_TAG], _IMPLICIT[_BOOL_TAG]
_SCALAR_TAGS = frozenset(_IMPLICIT.values()) | {_STR_TAG}
_IMPLICIT_SEQ = "fiches:seq"
_IMPLICIT_MAP = "fiches:map"
_YAML_TAG_PREFIX = "tag:yaml.org,2002:"
_MAX_VALUES = 200_000  # values built from one file: far above real content, stops alias bombs


class _Resolver:
    """`plain_scalar_tag` for untagged nodes (which also spares the full resolver's regular expressions)."""

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: tuple[bool, bool]) -> str:  # PyYAML's signature
        if kind is yaml.ScalarNode:
            return _IMPLICIT[plain_scalar_tag(value) if implicit[0] else _STR_TAG]
        return _IMPLICIT_SEQ if kind is yaml.SequenceNode else _IMPLICIT_MAP


class _Loader(_Resolver, getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]  # base chosen at run time
    """PyYAML's C parser, when available."""


@dataclass
class Source:
    """One content file as loaded: its data, where each value sits, and (for fiches) the Markdown body."""

    path: str
    data: Any
    lines: dict[Location, int] = field(default_factory=dict)
    body: str = ""
    body_line: int = 1
    reported: set[Location] = field(default_factory=set)  # values the loader refused (already reported)

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
    """Read `root/plan.yml` and the fiches of `root/fiches/`; problems go to `report`, nothing raises.
    Only regular files inside `root` are read (see `builder.content.files`)."""
    real_root = os.path.realpath(root)
    plan_path = root / "plan.yml"
    plan = None
    if not os.path.lexists(plan_path):
        report.error(
            _display(plan_path),
            None,
            None,
            f"fichier du plan introuvable : chaque contenu doit avoir un fichier plan.yml dans {root}",
        )
    else:
        plan = load_yaml_file(plan_path, report, real_root)
    fiche_dir = root / "fiches"
    if os.path.lexists(plan_path) and not fiche_dir.is_dir():
        report.warning(_display(fiche_dir), None, None, "dossier fiches/ introuvable : aucune fiche-action n'est lue")
    elif fiche_dir.is_symlink() and not inside(os.path.realpath(fiche_dir), real_root):
        report.error(
            _display(fiche_dir),
            None,
            None,
            "lien symbolique vers un dossier hors du contenu : les fiches "
            "n'y sont pas lues ; mettez les fiches dans le dossier fiches/ du contenu",
        )
        return Content(root, plan, [])
    fiches = []
    for path in fiche_files(fiche_dir, report):
        source = load_fiche_file(path, report, real_root)
        if source is not None:
            fiches.append(source)
    return Content(root, plan, fiches)


def fiche_files(fiche_dir: Path, report: Report) -> list[Path]:
    """The fiche files of `fiche_dir`, with a warning for each file that is not read: another extension
    (`.MD`, `.markdown`, `.txt`), a sub-folder, a `.md` that is no fiche (README.md: its name does not start
    with a number and it has no `---` header). Hidden files (`.gitkeep`, editor swap files) are skipped.
    A `.md` that is not a regular file (a FIFO, a device, a broken link or a loop of links) is kept: reading it
    reports why it is refused, and the other fiches are still read."""
    if not fiche_dir.is_dir():
        return []
    try:
        with os.scandir(fiche_dir) as scan:  # the kinds of entries come with the listing: no stat per file
            entries = sorted((fiche_dir / e.name, _entry_kind(e)) for e in scan)
    except OSError as exc:
        report.error(_display(fiche_dir), None, None, f"lecture du dossier impossible : {oserror_fr(exc)}")
        return []
    found = []
    for path, kind in entries:
        if path.name.startswith("."):
            continue
        if kind == "dir":
            report.warning(
                _display(path),
                None,
                None,
                "dossier ignoré : les fiches sont lues directement dans fiches/, pas dans ses sous-dossiers",
            )
        elif path.suffix != ".md":
            renamed = _md_name(path.name)
            hint = "" if os.path.lexists(fiche_dir / renamed) else f" (renommez-le en {renamed} si c'est une fiche)"
            report.warning(
                _display(path), None, None, f"fichier ignoré : seules les fiches en .md de ce dossier sont lues{hint}"
            )
        elif kind == "file" and not path.name[:1].isdigit() and not _has_header(path):
            report.warning(
                _display(path),
                None,
                None,
                "fichier ignoré : ce n'est pas une fiche (une fiche commence par une ligne « --- » et "
                "son nom par son numéro, ex. 2.3.1-mon-action.md)",
            )
        else:
            found.append(path)
    return found


def _entry_kind(entry: os.DirEntry) -> str:
    """`dir`, `file` (regular, or a link to one), or `other` (FIFO, device, socket, broken link, loop)."""
    try:
        if entry.is_dir():
            return "dir"
        return "file" if entry.is_file() else "other"
    except OSError:  # a loop of symbolic links
        return "other"


def _md_name(name: str) -> str:
    """`2.1.1-x.MD`, `2.1.1-x.markdown`, `2.1.1-x.md~` → `2.1.1-x.md` (the dots of a fiche number are kept)."""
    base = re.sub(r"\.[A-Za-z][A-Za-z0-9]*~?$", "", name)
    return re.sub(r"\.md$", "", base, flags=re.IGNORECASE) + ".md"


def _has_header(path: Path) -> bool:
    """Whether the regular file starts with a `---` line (unreadable files count as fiches, to get their error)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            start = os.read(fd, 8) if stat.S_ISREG(os.fstat(fd).st_mode) else b"---"
        finally:
            os.close(fd)
    except OSError:
        return True
    return start.removeprefix(b"\xef\xbb\xbf").startswith(b"---")


def load_yaml_file(path: Path, report: Report, root: str | None = None) -> Source | None:
    """`plan.yml` (or another YAML file); `root`: the resolved content folder a symbolic link must stay in."""
    display = _display(path)
    text = _read_text(path, display, report, PLAN_LIMIT, root)
    if text is None:
        return None
    if not text.strip():
        report.error(display, None, None, "le fichier est vide")
        return None
    return parse_yaml(text, display, 0, report)


def load_fiche_file(path: Path, report: Report, root: str | None = None) -> Source | None:
    """One fiche; `root`: the resolved content folder a symbolic link must stay in."""
    display = _display(path)
    text = _read_text(path, display, report, FICHE_LIMIT, root)
    if text is None:
        return None
    return parse_fiche(text, display, report)


_FENCE = re.compile(r"^---[ \t]*(#.*)?$")  # `---`, possibly followed by a comment


def parse_fiche(text: str, display: str, report: Report) -> Source | None:
    """Split `---` front matter from the Markdown body and parse the front matter."""
    if not text.strip():
        report.error(display, None, None, "le fichier est vide ; une fiche commence par un bloc « --- » d'en-tête")
        return None
    lines = text.split("\n")
    if not _FENCE.match(lines[0]):
        report.error(
            display,
            1,
            None,
            "en-tête manquant : le fichier doit commencer par une ligne « --- », puis les champs "
            "de la fiche, puis une autre ligne « --- »",
        )
        return None
    for index in range(1, len(lines)):
        if _FENCE.match(lines[index]) or lines[index].rstrip() == "...":
            break
    else:
        report.error(
            display, 1, None, "en-tête non fermé : ajoutez une ligne « --- » après le dernier champ de la fiche"
        )
        return None
    front = "\n".join(lines[1:index])
    source = parse_yaml(front, display, 1, report)
    if source is None:
        return None
    if source.data is None:
        report.error(display, 1, None, "l'en-tête de la fiche est vide")
        return None
    rest = "\n".join(lines[index + 1 :])
    source.body = rest.strip("\n") + "\n"
    source.body_line = index + 2 + (len(rest) - len(rest.lstrip("\n")))  # the body's first line, blank lines skipped
    control = _CONTROL.search(source.body)
    if control is not None:
        report.error(
            display,
            source.body_line + source.body.count("\n", 0, control.start()),
            "texte de la fiche",
            control_message(control.group()),
        )
    return source


def parse_yaml(text: str, display: str, line_offset: int, report: Report) -> Source | None:
    """Parse YAML text whose first line is line `line_offset + 1` of the file."""
    if not _within_bounds(text, display, line_offset, report):
        return None
    try:
        node = _compose(text, display, line_offset, report)
        if node is _FAILED:
            return None
        source = Source(display, None)
        if node is None:
            return source
        source.lines[()] = node.start_mark.line + 1 + line_offset
        source.data = _Builder(source, line_offset, report).value(node, ())
    except RecursionError:
        report.error(display, None, None, _DEEP_MESSAGE)
        return None
    return source


MAX_LINE = 100_000  # characters on one line of YAML (an imported cell holds up to 32,767)
MAX_DEPTH = 64  # nested lists and blocks: real content uses 4
_BRACKETS = re.compile(r"[\[\]{}]")


def _within_bounds(text: str, display: str, offset: int, report: Report) -> bool:
    """Line length and flow nesting are bounded before the YAML parser sees the text (deep nesting crashed some
    versions of libyaml; a huge line costs memory for nothing). Cheap for real content: short texts and few
    brackets skip the scans."""
    if len(text) > MAX_LINE:
        for index, line in enumerate(text.split("\n")):
            if len(line) > MAX_LINE:
                report.error(
                    display,
                    index + 1 + offset,
                    None,
                    f"ligne trop longue ({_count(len(line))} caractères, au plus {_count(MAX_LINE)}) : "
                    "coupez-la (un long texte s'écrit sur plusieurs lignes après « > »)",
                )
                return False
    if text.count("[") + text.count("{") > MAX_DEPTH:
        depth = 0
        for match in _BRACKETS.finditer(text):
            depth = depth + 1 if match.group() in "[{" else max(depth - 1, 0)
            if depth > MAX_DEPTH:
                report.error(
                    display,
                    text.count("\n", 0, match.start()) + 1 + offset,
                    None,
                    _DEEP_MESSAGE + f" (au plus {MAX_DEPTH} niveaux)",
                )
                return False
    return True


def _count(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")  # the French thousands separator (builder.fr)


# C0 and C1 control characters except tab and line feed: the one rule for every value of the content (front
# matter, plan.yml, bodies). Raw ones are refused by the YAML reader; escapes (`"\\0"`, `"\\x01"`, `"\\r"`) and
# bodies are checked here. They would break the Atom feed, the calendar and the terminal.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def control_message(text: str) -> str:
    """The French message for the first control character of `text`."""
    found = _CONTROL.search(text)
    code = ord(found.group()) if found else 0
    return f"caractère de contrôle interdit (U+{code:04X}) : supprimez-le (il vient souvent d'un copier-coller)"


_FAILED = object()
_DEEP_MESSAGE = (
    "valeurs imbriquées trop profondément (listes ou blocs les uns dans les autres) : simplifiez la structure"
)
_TAB_MESSAGE = "tabulation utilisée pour l'indentation : en YAML, indentez uniquement avec des espaces"


def _compose(text: str, display: str, offset: int, report: Report) -> Any:
    """The node tree (None for a text without content), or `_FAILED` once the reasons are reported.

    Tabs are allowed where YAML allows them (inside a `|` block, inside [a, b]); a tab the parser refuses
    is reported as indentation, then replaced by spaces to find the next one, so every such line is listed."""
    tab_lines: list[int] = []
    attempt = text
    while True:
        try:
            node = _compose_once(attempt)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark
            if mark is not None and _is_tab_error(exc, attempt) and mark.line not in tab_lines:
                tab_lines.append(mark.line)
                attempt = _untab(attempt, mark.line, mark.column)
                continue
            if not tab_lines:  # after a tab, later errors may come from the replaced tabs: keep the tab ones
                line, message = _explain(exc, text, offset)
                report.error(display, line, None, message)
                return _FAILED
        except yaml.reader.ReaderError as exc:
            # The first refused character is the first of its kind (the C parser counts bytes, not characters).
            code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
            line = text.count("\n", 0, max(text.find(chr(code)), 0)) + 1 + offset
            report.error(
                display,
                line,
                None,
                f"caractère de contrôle interdit (U+{code:04X}) : supprimez-le (il vient souvent d'un copier-coller)",
            )
            return _FAILED
        except yaml.YAMLError:  # pragma: no cover - every error of PyYAML's parsers has a mark
            report.error(display, None, None, "erreur de syntaxe YAML" + _HINT)
            return _FAILED
        else:
            if not tab_lines:
                return node
        for line_index in sorted(tab_lines):
            report.error(display, line_index + 1 + offset, None, _TAB_MESSAGE)
        return _FAILED


_TAB_STAND_IN = "\ue000"  # a private-use character, put for the tabs the C parser refuses by mistake


def _compose_once(text: str) -> yaml.Node | None:
    """`yaml.compose`, except that a `|` or `>` block whose first line starts with spaces then a tab loads (YAML
    reads the tab as text; libyaml refuses it): such tabs are replaced by a stand-in, then put back."""
    attempt = text
    while True:
        try:
            node = yaml.compose(attempt, Loader=_Loader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark
            if (
                "where an indentation space is expected" not in str(exc.problem)
                or mark is None
                or mark.column == 0
                or _char_at(attempt, mark) != "\t"
                or _TAB_STAND_IN in text
            ):
                raise
            lines = attempt.split("\n")
            line = lines[mark.line]
            lines[mark.line] = line[: mark.column] + _TAB_STAND_IN + line[mark.column + 1 :]
            attempt = "\n".join(lines)
            continue
        if attempt is not text and node is not None:
            _put_tabs_back(node, set())
        return node


def _put_tabs_back(node: yaml.Node, seen: set[int]) -> None:
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.ScalarNode):
        node.value = node.value.replace(_TAB_STAND_IN, "\t")
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _put_tabs_back(item, seen)
    else:
        for key, value in node.value:
            _put_tabs_back(key, seen)
            _put_tabs_back(value, seen)


def _is_tab_error(exc: yaml.MarkedYAMLError, text: str) -> bool:
    return "tab character" in str(exc.problem) or _char_at(text, exc.problem_mark) == "\t"


def _untab(text: str, line_index: int, column: int) -> str:
    """`text` with the tabs of one line replaced by two spaces, up to the parser's error."""
    lines = text.split("\n")
    line = lines[line_index]
    lines[line_index] = line[: column + 1].replace("\t", "  ") + line[column + 1 :]
    return "\n".join(lines)


def _char_at(text: str, mark: yaml.Mark | None) -> str:
    if mark is None:
        return ""
    lines = text.split("\n")
    return lines[mark.line][mark.column : mark.column + 1] if mark.line < len(lines) else ""


def _word_at(text: str, mark: yaml.Mark | None) -> str:
    """The anchor or alias written at `mark` (`&nom`, `*nom`)."""
    if mark is None:
        return ""
    lines = text.split("\n")
    found = re.match(r"[&*][^\s,\[\]{}]*", lines[mark.line][mark.column :]) if mark.line < len(lines) else None
    return found.group(0) if found else ""


class _Builder:
    """Turns composed nodes into plain values: remembers lines, refuses what YAML would otherwise do silently
    (a key written twice, an explicit tag, a complex key, an alias inside itself)."""

    def __init__(self, source: Source, offset: int, report: Report) -> None:
        self.source, self.offset, self.report = source, offset, report
        self.building: set[int] = set()  # collections being built: an alias to one of them would never end
        self.budget = _MAX_VALUES

    def value(self, node: yaml.Node, loc: Location) -> Any:
        self.budget -= 1
        if self.budget < 0:
            if self.budget == -1:
                limit = f"{_MAX_VALUES:,}".replace(",", " ")
                self.report.error(
                    self.source.path,
                    self.source.line(()),
                    None,
                    f"trop de valeurs (plus de {limit}) : des alias « *nom » se répètent les uns "
                    "dans les autres ; écrivez les valeurs sans alias",
                )
                self.source.reported.add(())
            return None
        tag = node.tag
        if type(node) is yaml.ScalarNode:  # the hot path: most values are plain text
            if node.style == '"' and _CONTROL.search(node.value):  # only escapes write controls (`"\\0"`)
                self._refuse(node, loc, control_message(node.value))
                return None
            if tag is _IMPLICIT_STR or tag == _IMPLICIT_STR or tag == _STR_TAG:
                # Strings, and also numbers and dates: their text is kept, validation gives them a type.
                return node.value
            if tag == _IMPLICIT_NULL:
                return None
            if tag == _IMPLICIT_BOOL:
                return node.value.lower() in _TRUE
        if not _accepted_tag(node):
            self._refuse(
                node,
                loc,
                f"étiquette YAML « {_short_tag(tag)} » non acceptée : écrivez la valeur "
                "sans étiquette (entre guillemets si c'est un texte)",
            )
            return None
        if id(node) in self.building:
            self._refuse(node, loc, "alias récursif : la valeur marquée par cette ancre « &nom » se contient elle-même")
            return None
        if len(self.building) >= MAX_DEPTH:
            self.report.error(
                self.source.path,
                node.start_mark.line + 1 + self.offset,
                _dotted(loc[:1]) or None,
                _DEEP_MESSAGE + f" (au plus {MAX_DEPTH} niveaux)",
            )
            self.source.reported.add(loc[:1])
            return None
        self.building.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, loc)
            return self._sequence(cast(yaml.SequenceNode, node), loc)  # the only other collection node
        finally:
            self.building.discard(id(node))

    def _mapping(self, node: yaml.MappingNode, loc: Location) -> dict[str, Any]:
        source = self.source
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1 + self.offset
            if not isinstance(key_node, yaml.ScalarNode):
                self.report.error(
                    source.path,
                    line,
                    _dotted(loc) or None,
                    "clé complexe non acceptée : un nom de champ est un simple mot, suivi de « : »",
                )
                continue
            key = str(key_node.value)
            if key_node.style == '"' and _CONTROL.search(key):
                self._refuse(key_node, loc, control_message(key))
                continue
            if not _accepted_tag(key_node):
                self._refuse(
                    key_node,
                    loc + (key,),
                    f"étiquette YAML « {_short_tag(key_node.tag)} » non "
                    "acceptée : écrivez le nom du champ sans étiquette",
                )
                continue
            if key in result:
                first = source.lines[loc + (key,)]
                self.report.error(
                    source.path,
                    line,
                    _dotted(loc + (key,)),
                    f"champ écrit deux fois dans le même bloc (déjà ligne {first}) ; gardez une seule valeur",
                )
                continue
            source.lines[loc + (key,)] = line
            result[key] = self.value(value_node, loc + (key,))
        return result

    def _sequence(self, node: yaml.SequenceNode, loc: Location) -> list[Any]:
        items = []
        for index, item in enumerate(node.value):
            self.source.lines[loc + (index,)] = item.start_mark.line + 1 + self.offset
            items.append(self.value(item, loc + (index,)))
        return items

    def _refuse(self, node: yaml.Node, loc: Location, message: str) -> None:
        self.report.error(self.source.path, node.start_mark.line + 1 + self.offset, _dotted(loc) or None, message)
        self.source.reported.add(loc)


def _accepted_tag(node: yaml.Node) -> bool:
    """Untagged nodes, and `!!str` on a scalar (it only says « this is text »)."""
    if isinstance(node, yaml.ScalarNode):
        return node.tag in _SCALAR_TAGS
    return node.tag == (_IMPLICIT_MAP if isinstance(node, yaml.MappingNode) else _IMPLICIT_SEQ)


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix(_YAML_TAG_PREFIX) if tag.startswith(_YAML_TAG_PREFIX) else tag


def _dotted(loc: Location) -> str:
    out = ""
    for part in loc:
        out += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# PyYAML's problems in French (prefixes of the messages of its C and Python parsers), for the errors that
# `_explain` has no better words for; each is followed by a general hint.
_YAML_PROBLEMS = {
    "mapping values are not allowed": "deux-points inattendu (un texte contenant « : » doit être entre guillemets)",
    "could not find expected ':'": "deux-points attendu après le nom du champ",
    "expected <block end>, but found": "indentation incohérente",
    "did not find expected key": "indentation incohérente ou champ mal formé",
    "found unexpected end of stream": "fin de texte inattendue (guillemet non fermé ?)",
    "did not find expected '-' indicator": "élément de liste mal indenté",
    "found unexpected ':'": "deux-points inattendu",
    "did not find expected ',' or ']'": "liste entre crochets mal fermée (« , » ou « ] » attendu)",
    "expected ',' or ']'": "liste entre crochets mal fermée (« , » ou « ] » attendu)",
    "did not find expected ',' or '}'": "bloc entre accolades mal fermé (« , » ou « } » attendu)",
    "expected ',' or '}'": "bloc entre accolades mal fermé (« , » ou « } » attendu)",
}
_HINT = " ; vérifiez l'indentation, les deux-points après chaque nom de champ et les guillemets"


def _explain(exc: yaml.MarkedYAMLError, text: str, offset: int) -> tuple[int | None, str]:
    """The file line and the French message for a YAML syntax error."""
    problem, context = str(exc.problem or ""), str(exc.context or "")
    mark = exc.problem_mark or exc.context_mark
    at = _char_at(text, mark)
    message = None
    if "maximum nesting depth" in problem:  # PyYAML >= 6.0.4 bounds the nesting itself
        return _line(mark, offset), _DEEP_MESSAGE
    if "another document" in problem:
        return _line(mark, offset), (
            "ligne « --- » en trop : un fichier ne contient qu'un seul document YAML ; "
            "une ligne « --- » n'est permise qu'autour de l'en-tête d'une fiche"
        )
    if "expected <document start>" in problem or "expected '<document start>'" in problem:
        return _line(mark, offset), (
            "texte en trop après la fin du document (une ligne « ... » ou une directive "
            "« % ») : un fichier ne contient qu'un seul document YAML"
        )
    if context.startswith("while scanning a quoted scalar") and (
        "end of stream" in problem or "document indicator" in problem
    ):
        mark = exc.context_mark or mark
        message = "guillemet non fermé : ajoutez le guillemet de fin de ce texte"
    elif "cannot start any token" in problem:
        if at == "\t":
            return _line(mark, offset), _TAB_MESSAGE
        message = (
            f"une valeur ne peut pas commencer par « {at} » (caractère réservé en YAML) : mettez-la entre guillemets"
            if at in ("@", "`")
            else f"caractère « {at} » inattendu : mettez la valeur entre guillemets"
        )
    elif context.startswith(("while scanning an alias", "while scanning an anchor")):
        mark = exc.context_mark or mark
        sign = "*" if "alias" in context else "&"
        message = (
            f"un texte qui commence par « {sign} » doit être entre guillemets (en YAML, « {sign} » "
            f"{'renvoie à une ancre' if sign == '*' else 'définit une ancre'})"
        )
    elif problem.startswith("found undefined alias"):
        message = (
            f"alias « {_word_at(text, mark)} » inconnu : aucune ancre « &{_word_at(text, mark)[1:]} » "
            "avant lui ; un texte qui commence par « * » doit être entre guillemets"
        )
    elif context.startswith("found duplicate anchor"):
        first = _line(exc.context_mark, offset)
        message = f"ancre « {_word_at(text, mark)} » déjà définie ligne {first} : donnez-lui un autre nom"
    elif context.startswith("while scanning a block scalar") and "line break" in problem:
        message = "après « | » ou « > », le texte commence à la ligne suivante, indenté sous le nom du champ"
    elif "unknown escape character" in problem:
        message = (
            "« \\ » inattendu dans un texte entre guillemets doubles : écrivez « \\\\ » ou mettez le texte "
            "entre guillemets simples (« ' »)"
        )
    elif problem.startswith("block sequence entries are not allowed"):
        message = (
            "« - » inattendu : un élément de liste va sur sa propre ligne, indenté sous le nom du champ "
            "(ou écrivez la liste entre crochets : [a, b])"
        )
    elif problem.startswith("mapping keys are not allowed"):
        message = "« ? » inattendu : mettez le texte entre guillemets"
    elif problem.startswith(("did not find expected node content", "expected the node content")):
        message = f"valeur attendue, trouvé « {at} » : un texte qui commence par « {at} » doit être entre guillemets"
    elif problem.startswith("found undefined tag handle"):
        message = (
            "étiquette YAML non acceptée : écrivez la valeur sans étiquette (un texte qui commence par « ! » "
            "doit être entre guillemets)"
        )
    elif "directive" in context or "directive" in problem or "incompatible YAML document" in problem:
        message = (
            "ligne « % » : les directives YAML (%YAML, %TAG) ne sont pas acceptées ; un texte qui commence "
            "par « % » doit être entre guillemets"
        )
    elif "tag" in context or "tag URI" in problem or "URI escaped" in problem:
        message = (
            "étiquette YAML mal formée : écrivez la valeur sans étiquette (un texte qui commence par « ! » "
            "doit être entre guillemets)"
        )
    elif "hexdecimal number" in problem or "Unicode character escape" in problem:
        message = (
            "« \\x », « \\u » ou « \\U » dans un texte entre guillemets doubles doit être suivi d'un code "
            "de caractère hexadécimal valide : écrivez « \\\\ » pour une barre oblique inverse, ou mettez le "
            "texte entre guillemets simples (« ' »)"
        )
    elif context.startswith("while scanning a block scalar"):
        message = (
            "en-tête de bloc mal formé : après « | » ou « > », seuls « - », « + » ou un chiffre de 1 à 9 sont "
            "permis, puis le texte commence à la ligne suivante, indenté sous le nom du champ"
        )
    column = f", colonne {mark.column + 1}" if mark else ""
    if message is None:
        french = next((fr for en, fr in _YAML_PROBLEMS.items() if problem.startswith(en)), "structure incorrecte")
        opened = _line(exc.context_mark, offset)
        if context.startswith("while parsing a flow") and opened != _line(mark, offset):
            french += f", ouvert ligne {opened}"
        message = french + _HINT
    return _line(mark, offset), f"erreur de syntaxe YAML{column} : {message}"


def _line(mark: yaml.Mark | None, offset: int) -> int | None:
    return mark.line + 1 + offset if mark else None


def _read_text(path: Path, display: str, report: Report, limit: int, root: str | None) -> str | None:
    try:
        raw = read_regular(path, limit, root)
    except Refused as exc:
        report.error(display, None, None, str(exc))
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        report.error(
            display,
            line,
            None,
            f"le fichier n'est pas encodé en UTF-8 (octet 0x{raw[exc.start]:02x} invalide) ; "
            "ré-enregistrez-le en UTF-8 (dans votre éditeur : « Enregistrer avec l'encodage » → UTF-8)",
        )
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _display(path: Path) -> str:
    """Paths are shown relative to the working directory when they are below it."""
    folder = _display_folder(str(path.parent), os.getcwd())
    if folder is None:
        return str(path)
    return path.name if folder == "." else f"{folder}/{path.name}"


@lru_cache(maxsize=64)
def _display_folder(folder: str, cwd: str) -> str | None:
    """A folder relative to `cwd` (resolved once per folder: every fiche of a plan shares it), or None."""
    try:
        return str(Path(folder).resolve().relative_to(Path(cwd).resolve()))
    except ValueError:
        return None
