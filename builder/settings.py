"""The project's settings, read once: where the project is, the site's identity, the theme layers, the cache.

A project is the folder that holds `content/` (the working folder, or the parent of `--content`): its optional
`mkdocs.yml` (site identity and any MkDocs option), its optional `theme/` (files layered over the theme packaged
with fiches, one by one) and its cache (`.build/`). Every renderer receives this object; none reads a
configuration file itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from builder.errors import BuildError
from builder.resources import theme_dir

CONFIG_NAME = "mkdocs.yml"
CACHE_ENV = "FICHES_PDF_CACHE"  # overrides the PDF cache folder (tests, CI)
IDENTITY = ("site_name", "site_description", "site_url", "repo_url", "edit_uri", "copyright")


class _IgnoreTags(yaml.SafeLoader):
    """Reads `mkdocs.yml` whatever Python tags it contains (`!!python/name:…` of Material's examples)."""


_IgnoreTags.add_multi_constructor("", lambda loader, suffix, node: None)


@dataclass(frozen=True)
class Settings:
    """One project's settings (see the module's docstring)."""

    root: Path
    content: Path
    site_name: str = "Projet d'administration"
    site_description: str = ""
    site_url: str | None = None
    repo_url: str | None = None
    edit_uri: str | None = None
    copyright: str = ""
    config: Path | None = None  # the project's mkdocs.yml, when it has one
    mkdocs: dict[str, Any] = field(default_factory=dict)  # its other options, for the site engine only
    layers: tuple[Path, ...] = ()  # theme folders, the project's first, the packaged theme last

    @classmethod
    def packaged(cls, root: Path | None = None) -> Settings:
        """Settings with nothing of a project's own: the packaged theme, no site address (a renderer called
        without settings, in a test for instance, never reads a configuration file)."""
        base = (root or Path.cwd()).resolve()
        return cls(root=base, content=base / "content", layers=(theme_dir().resolve(),))

    @property
    def identity(self) -> dict[str, Any]:
        """What the site's pages and the form editor show: name, address, forge, `extra`."""
        return {
            "site_name": self.site_name,
            "site_url": self.site_url,
            "repo_url": self.repo_url,
            "edit_uri": self.edit_uri,
            "extra": self.mkdocs.get("extra"),
        }

    @property
    def cache(self) -> Path:
        """Where PDFs and their parts are cached: `$FICHES_PDF_CACHE`, else the project's `.build/pdf-cache/`."""
        return Path(os.environ[CACHE_ENV]) if os.environ.get(CACHE_ENV) else self.root / ".build" / "pdf-cache"

    def theme_folders(self, name: str) -> list[Path]:
        """`name` (`print`, `site/pages`, `partials`…) in every theme layer that has it, the project's first."""
        return [layer / name for layer in self.layers if (layer / name).is_dir()]

    def theme_file(self, name: str) -> Path:
        """The first layer's copy of a theme file (`print/plan.css`): the project's own wins."""
        for layer in self.layers:
            if (layer / name).is_file():
                return layer / name
        raise BuildError(f"fichier du thème introuvable : {name}")

    def theme_files(self) -> list[Path]:
        """Every file of every layer (what the PDFs' cache key covers)."""
        return sorted({p for layer in self.layers for p in layer.rglob("*") if p.is_file()})


def merged_folder(settings: Settings, name: str, target: Path) -> Path:
    """One folder made of `name` in every theme layer, the project's files over the packaged ones (MkDocs'
    `custom_dir` takes a single folder)."""
    import shutil

    target.mkdir(parents=True, exist_ok=True)
    for folder in reversed(settings.theme_folders(name)):
        shutil.copytree(folder, target, dirs_exist_ok=True)
    return target


def read_settings(content: Path) -> Settings:
    """The settings of the project that holds `content`; `BuildError` in French if its mkdocs.yml is unreadable."""
    root = content.resolve().parent
    config = root / CONFIG_NAME
    data: dict[str, Any] = {}
    if config.is_file():
        try:
            loaded = yaml.load(config.read_text(encoding="utf-8"), Loader=_IgnoreTags) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise BuildError(f"{_shown(config)} : configuration du site illisible ({exc})") from None
        if not isinstance(loaded, dict):
            raise BuildError(f"{_shown(config)} : configuration du site illisible (attendu des champs « nom: valeur »)")
        data = loaded
    identity = {key: _text(data.get(key)) for key in IDENTITY}
    packaged = theme_dir().resolve()
    own = (root / "theme").resolve()
    layers = (own, packaged) if own.is_dir() and own != packaged else (packaged,)
    return Settings(
        root=root,
        content=content,
        site_name=identity["site_name"] or "Projet d'administration",
        site_description=identity["site_description"] or "",
        site_url=identity["site_url"],
        repo_url=identity["repo_url"],
        edit_uri=str(data["edit_uri"]).strip() if data.get("edit_uri") is not None else None,
        copyright=identity["copyright"] or "",
        config=config if config.is_file() else None,
        mkdocs={k: v for k, v in data.items() if k not in IDENTITY},
        layers=layers,
    )


def _text(value: Any) -> str | None:
    return (str(value).strip() or None) if value is not None else None


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
