"""The only module that knows MkDocs: a generated config (fiches' own, under the project's `mkdocs.yml`), then a real
`mkdocs build` in-process with strict semantics (any warning, such as a broken link, fails the build).

Moving the site to another engine means rewriting this module only: `builder.outputs.site.pages` hands over a folder of
Markdown pages, a navigation tree and the pages to leave out of it.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from builder.errors import BuildError, oserror_fr
from builder.settings import Settings, merged_folder

if TYPE_CHECKING:
    from builder.outputs.site.nav import NavItem, Pages

HOOKS = Path(__file__).resolve().parent / "mkdocs_hooks.py"


def base_config(settings: Settings) -> dict[str, Any]:
    """fiches' own MkDocs configuration (the packaged `site/mkdocs.yml`, or a project's copy of it)."""
    path = settings.theme_file("site/mkdocs.yml")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise BuildError(f"{path} : configuration du site illisible ({exc})") from None
    return data if isinstance(data, dict) else {}


def write_config(pages: Pages, site_dir: Path, target: Path, settings: Settings) -> Path:
    """The generated config: fiches' configuration under the project's `mkdocs.yml` (INHERIT: what the project
    sets wins), the build dirs, the merged theme overrides and the navigation."""
    own = settings.mkdocs | {k: v for k, v in settings.identity.items() if v is not None and k != "extra"}
    config: dict[str, Any] = {}
    if settings.config is not None:
        config["INHERIT"] = str(settings.config.resolve())
    base = base_config(settings)
    for key, value in base.items():  # the project's keys win whole, except the theme's, which merge key by key
        if key == "theme" and isinstance(own.get("theme"), dict):
            config["theme"] = {k: v for k, v in value.items() if k not in own["theme"]}
        elif key not in own:
            config[key] = value
    if settings.config is None:
        config.update({k: v for k, v in settings.identity.items() if v is not None and k != "extra"})
    overrides = merged_folder(settings, "site/overrides", target.parent / "overrides")
    config["theme"] = {**config.get("theme", {}), "name": "material", "custom_dir": str(overrides.resolve())}
    extra_css = pages.docs / "stylesheets" / "extra.css"
    if extra_css.is_file():  # the project's own rules, loaded after fiches'
        listed = own.get("extra_css")
        listed = listed if isinstance(listed, list) else base.get("extra_css") or []
        config["extra_css"] = [*listed, "stylesheets/extra.css"]
    extra = settings.mkdocs.get("extra")
    extra = extra if isinstance(extra, dict) else {}
    config["extra"] = {**base.get("extra", {}), **extra, "fiches_accessibilite": pages.accessibility}  # the footer
    config.update(
        {
            "docs_dir": str(pages.docs.resolve()),
            "site_dir": str(site_dir.resolve()),
            "use_directory_urls": True,
            "hooks": [str(HOOKS)],  # French typography of every page (builder.text.typeset_html)
            "nav": [_nav_entry(item) for item in pages.nav],
            "not_in_nav": "\n".join(pages.not_in_nav),
            "validation": {
                "omitted_files": "warn",
                "absolute_links": "warn",
                "unrecognized_links": "warn",
                "anchors": "warn",
                "nav": {"not_found": "warn", "omitted_files": "warn"},
            },
        }
    )
    target.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def _nav_entry(item: NavItem) -> dict[str, Any]:
    from markupsafe import escape

    title = str(escape(item.title))  # themes print nav titles as HTML
    if item.children:
        return {title: [_nav_entry(child) for child in item.children]}
    return {title: item.path}


def build_site(pages: Pages, site_dir: Path, work: Path, settings: Settings) -> None:
    """Run a real, strict `mkdocs build` of `pages` into `site_dir`; `BuildError` in French on any problem."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError, MkDocsException

    config_file = write_config(pages, site_dir, work / "mkdocs.yml", settings)
    # MkDocs dates each page, and the sitemap.xml.gz header, with the build day unless SOURCE_DATE_EPOCH is
    # set: the content's date instead (0, « no date » for gzip, when the content has none)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None:
        day = pages.date
        os.environ["SOURCE_DATE_EPOCH"] = (
            str(int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())) if day else "0"
        )
    logger = logging.getLogger("mkdocs")
    collector = _Collector()
    previous = (logger.level, logger.propagate, list(logger.handlers))
    for handler in previous[2]:
        logger.removeHandler(handler)
    logger.addHandler(collector)
    logger.setLevel(logging.WARNING)
    logger.propagate = False
    from builder.outputs.site import search

    banner = os.environ.get(_BANNER)
    os.environ[_BANNER] = "1"  # Material 9.8's end-of-life banner, printed by its plugins during the build
    try:
        config = load_config(config_file=str(config_file), strict=True)
        with search.block_boundaries():
            build(config)
        search.finish(site_dir)
    except OSError as exc:  # a full disk, a file that cannot be written: the system's reason, in French
        raise BuildError(f"le site n'a pas pu être écrit : {oserror_fr(exc)}") from None
    except (Abort, ConfigurationError, MkDocsException) as exc:
        problems = collector.messages or [str(exc)]
        raise BuildError(
            "le site n'a pas pu être construit (MkDocs, mode strict) :\n"
            + "\n".join(f"  - {_french(m)}" for m in problems)
        ) from None
    finally:
        if banner is None:
            os.environ.pop(_BANNER, None)
        else:
            os.environ[_BANNER] = banner
        if epoch is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        logger.removeHandler(collector)
        for handler in previous[2]:
            logger.addHandler(handler)
        logger.setLevel(previous[0])
        logger.propagate = previous[1]


_BANNER = "NO_MKDOCS_2_WARNING"


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


_LINK = re.compile(r"Doc file '([^']+)' contains a link '([^']+)', but the target '([^']+)' is not found")
_ANCHOR = re.compile(
    r"Doc file '([^']+)' contains a link '([^']+)', but the doc '([^']+)' does not contain an "
    r"anchor '#([^']+)'"
)


def _french(message: str) -> str:
    """MkDocs' usual warnings in French (others are shown as they are)."""
    if match := _LINK.search(message):
        return f"lien interne cassé : la page {match[1]} renvoie vers « {match[2]} », qui n'existe pas"
    if match := _ANCHOR.search(message):
        return (
            f"lien interne cassé : la page {match[1]} renvoie vers « {match[2]} », "
            f"mais {match[3]} n'a pas d'ancre « {match[4]} »"
        )
    return message
