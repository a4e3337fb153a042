"""The rules between files of a plan, written once: `validate` checks the content with them, `new` the fiche it
is asked to create, `import` the rows of a spreadsheet.

Each rule answers with its French message (None: the rule holds); the caller says where (file and line, or
spreadsheet row and column).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any

from builder.content.load import Content
from builder.content.model import ID_PATTERN, Fiche, elu_is_code, id_key
from builder.errors import did_you_mean

ELU_EXAMPLE = "(ex. « Mme Durand, adjointe aux finances »)"


# --- numbers ------------------------------------------------------------------------------------


def valid_id(text: str) -> bool:
    """A fiche's number `N.M.K`: ASCII digits, no leading zero, nothing around it (`fullmatch`: `$` alone would
    accept a final newline)."""
    return re.fullmatch(ID_PATTERN, text) is not None


def objectif_of(fiche_id: str) -> str:
    """`2.3.1` → `2.3`."""
    return fiche_id.rsplit(".", 1)[0]


def axe_of(numero: str) -> str:
    """`2.3.1` or `2.3` → `2`."""
    return numero.split(".", 1)[0]


def missing_objectif(fiche_id: str, objectifs: Collection[str], creatable: bool = False) -> str | None:
    """The fiche's objectif must be one of plan.yml's; the import can create it (`creatable`: the message says
    how)."""
    objectif = objectif_of(fiche_id)
    if objectif in objectifs:
        return None
    if creatable:
        return (
            f"l'objectif {objectif} n'existe pas dans plan.yml ; indiquez son intitulé dans cette colonne pour le créer"
        )
    return (
        f"l'objectif {objectif} n'existe pas dans plan.yml ; objectifs existants : "
        f"{', '.join(sorted(objectifs, key=id_key))}"
    )


def missing_axe(numero: str, axes: Collection[str]) -> str | None:
    """The import creates an objectif only in an axe that exists or that it creates too."""
    axe = axe_of(numero)
    if axe in axes:
        return None
    return f"l'axe {axe} n'existe pas dans plan.yml ; indiquez son intitulé dans cette colonne pour le créer"


# --- codes of plan.yml --------------------------------------------------------------------------


def duplicate_codes(values: Iterable[str]) -> list[tuple[int, int, str]]:
    """(index, index of the first, its spelling) of each value already in the list, without case: `DRH` and `drh`
    would give the same anchor and the same search word."""
    seen: dict[str, tuple[int, str]] = {}
    out = []
    for i, value in enumerate(values):
        key = value.casefold()
        if key in seen:
            out.append((i, *seen[key]))
        seen.setdefault(key, (i, value))
    return out


def duplicate_message(what: str, value: str, first: str, first_line: int | None) -> str:
    """`code de direction « drh » en double (déjà ligne 4 : « DRH », les majuscules ne comptent pas)`."""
    spelled = "" if first == value else f" : « {first} », les majuscules ne comptent pas"
    return f"{what} « {value} » en double (déjà ligne {first_line}{spelled})"


def unknown_code(code: str, known: list[str], what: str) -> str | None:
    """A fiche's `pilote`, `contributeurs`, `collectivites` must be codes of plan.yml (`what`: direction,
    collectivité)."""
    if code in known:
        return None
    return (
        f"« {code} » n'est pas un code de {what} de plan.yml ; codes possibles : {', '.join(known)}"
        f"{did_you_mean(code, known)}"
    )


def unknown_elu(value: str, known: list[str]) -> str | None:
    """An élu written as one word is a code of plan.yml's `elus`; with a space, free text (always accepted)."""
    if not elu_is_code(value) or value in known:
        return None
    known = list(dict.fromkeys(known))  # a code written twice in plan.yml is reported there
    if known:
        return (
            f"« {value} » n'est pas un code d'élu de plan.yml ; codes possibles : {', '.join(known)}"
            f"{did_you_mean(value, known)} ; pour un autre élu, écrivez son nom et sa fonction en toutes "
            f"lettres {ELU_EXAMPLE}"
        )
    return (
        f"« {value} » ressemble à un code d'élu, mais plan.yml n'a pas de liste « elus » ; ajoutez-y cet "
        f"élu (code, nom, délégation), ou écrivez son nom et sa fonction en toutes lettres {ELU_EXAMPLE}"
    )


# --- fiches -------------------------------------------------------------------------------------


def bad_link(target: str, fiche_id: str | None, known: Collection[str], among: str = "") -> str | None:
    """A fiche's `liens` name other fiches that exist (`among`: where they were looked for, when it is not only
    the content)."""
    if target == fiche_id:
        return "une fiche ne peut pas être liée à elle-même"
    if target in known:
        return None
    if among:
        return f"la fiche « {target} » n'existe pas ({among})"
    return f"la fiche « {target} » n'existe pas{did_you_mean(target, sorted(known))}"


def fiche_rules(fiche: Fiche) -> list[tuple[tuple[str, ...], str]]:
    """Rules between fields of one valid fiche, as (location, message)."""
    problems: list[tuple[tuple[str, ...], str]] = []
    cal = fiche.calendrier
    if cal.debut and cal.fin and cal.fin.last_day() < cal.debut.first_day():
        problems.append((("calendrier", "fin"), f"la fin ({cal.fin}) est avant le début ({cal.debut})"))
    return problems


def existing_fiches(folder: Path, content: Content) -> dict[str, str]:
    """The fiches already in the content, by number: from their `id` field, then from their file name (a file
    that does not load still holds its number)."""
    found: dict[str, str] = {}
    for source in content.fiches:
        data: Any = source.data
        if isinstance(data, dict) and data.get("id"):
            found.setdefault(str(data["id"]), source.path)
    for path in sorted((folder / "fiches").glob("*.md")):
        found.setdefault(path.name.split("-", 1)[0].removesuffix(".md"), str(path))
    return found
