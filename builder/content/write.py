"""Writing content files the way `load` reads them back: the YAML (plain scalars stay text, block lists), a
fiche's file (front matter in the models' field order, then its text) and its name (`1.2.3-creer-ecole.md`).
Used by `fiches new`, `fiches import` and the form editor's backend, so all three write the same files."""

from __future__ import annotations

from typing import Any

import yaml

from builder.content.load import plain_scalar_tag
from builder.content.model import Fiche
from builder.text import file_slug

FICHE_ORDER = list(Fiche.model_fields)


def fiche_file_name(fiche_id: str, titre: str) -> str:
    """`1.2.3` and `Créer une école interne des managers` → `1.2.3-creer-ecole-interne-managers.md`."""
    return f"{fiche_id}-{file_slug(titre)}.md"


class _Dumper(yaml.SafeDumper):
    """Writes YAML that `builder.content.load` reads back as the same text: plain scalars when they stay text
    (so `1.10` is written `1.10`), block lists indented under their key."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: tuple[bool, bool]) -> str:  # PyYAML's signature
        if kind is yaml.ScalarNode and implicit[0]:
            return plain_scalar_tag(value)
        return super().resolve(kind, value, implicit)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


def _short_scalars(values: list) -> bool:
    return all(isinstance(v, str) and "\n" not in v for v in values) and sum(len(v) + 2 for v in values) < 80


def _represent_list(dumper: yaml.SafeDumper, value: list) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=_short_scalars(value))


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(list, _represent_list)


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10_000, default_flow_style=False)


def fiche_text(data: dict[str, Any], body: str) -> str:
    ordered = {k: data[k] for k in FICHE_ORDER if k in data}
    return "---\n" + dump_yaml(ordered) + "---\n\n" + (body.strip("\n") + "\n" if body.strip() else "")
