"""Where fiches finds its own files: the theme (templates, stylesheets, fonts, the starter project of `fiches init`)
and the demo plan. In an installed package they are package data (`builder/theme/`, `builder/demo/`); in the source
checkout they are the repository's top-level `theme/` and `content/` folders, which the wheel maps to those names."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

_PACKAGE = Path(str(files("builder")))


def _resource(packaged: str, checkout: str) -> Path:
    inside = _PACKAGE / packaged
    return inside if inside.is_dir() else _PACKAGE.parent / checkout


def theme_dir() -> Path:
    """The packaged theme: `print/`, `site/`, `partials/`, `fonts/`, `new/`, `init/`."""
    return _resource("theme", "theme")


def demo_dir() -> Path:
    """The demo plan's content folder (`plan.yml`, `fiches/`), copied by `fiches init --demo`."""
    return _resource("demo", "content")
