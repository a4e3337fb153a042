"""The only module that knows MkDocs: a generated config on top of the repository's `mkdocs.yml`, then a real
`mkdocs build` in-process with strict semantics (any warning, such as a broken link, fails the build).

Moving the site to another engine means rewriting this module only: `builder.site` hands over a folder of
Markdown pages, a navigation tree and the pages to leave out of it.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from builder.errors import BuildError

if TYPE_CHECKING:
    from builder.site import NavItem, Pages

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "mkdocs.yml"
THEME_DIR = ROOT / "theme" / "site" / "overrides"


class _IgnoreTags(yaml.SafeLoader):
    """Reads `mkdocs.yml` for a few plain settings, whatever Python tags it contains."""


_IgnoreTags.add_multi_constructor("", lambda loader, suffix, node: None)


def read_settings(config: Path = CONFIG) -> dict[str, Any]:
    """The plain settings of `mkdocs.yml` the pages need: site_name, site_url, repo_url, edit_uri, and `extra`
    (where the form editor's forge is configured)."""
    try:
        data = yaml.load(config.read_text(encoding="utf-8"), Loader=_IgnoreTags) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise BuildError(f"{config} : configuration du site illisible ({exc})") from None
    if not isinstance(data, dict):
        raise BuildError(f"{config} : configuration du site illisible (attendu des champs « nom: valeur »)")
    return {key: data.get(key) for key in ("site_name", "site_url", "repo_url", "edit_uri", "extra")}


def site_url(config: Path = CONFIG) -> str | None:
    """The intranet address (`site_url`), read by the brochure's QR code and the feeds; None if unset or unreadable."""
    try:
        url = read_settings(config).get("site_url")
    except BuildError:
        return None
    return (str(url).strip() or None) if url else None


def write_config(pages: Pages, site_dir: Path, target: Path, base: Path = CONFIG) -> Path:
    """The generated config: the repository's `mkdocs.yml` (INHERIT) with the build dirs and the navigation."""
    config = {
        "INHERIT": str(base.resolve()),
        "docs_dir": str(pages.docs.resolve()),
        "site_dir": str(site_dir.resolve()),
        "use_directory_urls": True,
        "theme": {"name": "material", "custom_dir": str(THEME_DIR)},
        "nav": [_nav_entry(item) for item in pages.nav],
        "not_in_nav": "\n".join(pages.not_in_nav),
        "validation": {"omitted_files": "warn", "absolute_links": "warn", "unrecognized_links": "warn",
                       "anchors": "warn", "nav": {"not_found": "warn", "omitted_files": "warn"}},
    }
    target.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def _nav_entry(item: NavItem) -> dict[str, Any]:
    from markupsafe import escape

    title = str(escape(item.title))  # themes print nav titles as HTML
    if item.children:
        return {title: [_nav_entry(child) for child in item.children]}
    return {title: item.path}


def build_site(pages: Pages, site_dir: Path, work: Path) -> None:
    """Run a real, strict `mkdocs build` of `pages` into `site_dir`; `BuildError` in French on any problem."""
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")  # Material 9.8 end-of-life banner
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError, MkDocsException

    config_file = write_config(pages, site_dir, work / "mkdocs.yml")
    logger = logging.getLogger("mkdocs")
    collector = _Collector()
    previous = (logger.level, logger.propagate, list(logger.handlers))
    for handler in previous[2]:
        logger.removeHandler(handler)
    logger.addHandler(collector)
    logger.setLevel(logging.WARNING)
    logger.propagate = False
    from builder import search

    try:
        config = load_config(config_file=str(config_file), strict=True)
        with search.block_boundaries():
            build(config)
        search.finish(site_dir)
    except (Abort, ConfigurationError, MkDocsException, OSError) as exc:
        problems = collector.messages or [str(exc)]
        raise BuildError("le site n'a pas pu être construit (MkDocs, mode strict) :\n"
                         + "\n".join(f"  - {_french(m)}" for m in problems)) from None
    finally:
        logger.removeHandler(collector)
        for handler in previous[2]:
            logger.addHandler(handler)
        logger.setLevel(previous[0])
        logger.propagate = previous[1]


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


_LINK = re.compile(r"Doc file '([^']+)' contains a link '([^']+)', but the target '([^']+)' is not found")
_ANCHOR = re.compile(r"Doc file '([^']+)' contains a link '([^']+)', but the doc '([^']+)' does not contain an "
                     r"anchor '#([^']+)'")


def _french(message: str) -> str:
    """MkDocs' usual warnings in French (others are shown as they are)."""
    if match := _LINK.search(message):
        return f"lien interne cassé : la page {match[1]} renvoie vers « {match[2]} », qui n'existe pas"
    if match := _ANCHOR.search(message):
        return (f"lien interne cassé : la page {match[1]} renvoie vers « {match[2]} », "
                f"mais {match[3]} n'a pas d'ancre « {match[4]} »")
    return message
