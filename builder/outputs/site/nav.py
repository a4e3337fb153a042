"""What the site's pages hand over to the site engine: the pages written, the navigation, the downloads listed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class NavItem:
    """One entry of the global navigation: a page (`path`, a Markdown file of the build dir) or a section."""

    title: str
    path: str | None = None
    children: list[NavItem] = field(default_factory=list)


@dataclass
class Download:
    name: str
    label: str
    description: str
    size: str


@dataclass
class Pages:
    """What the engine needs: the generated pages in `docs`, the navigation, the files not to put in it."""

    docs: Path
    nav: list[NavItem]
    not_in_nav: list[str]
    date: dt.date | None = None  # the content's date (`content_date`): the sitemap's, never the build day's
    accessibility: str = "non conforme"  # the conformity state every page's footer states (`accessibility_state`)


@dataclass(frozen=True)
class Published:
    """The files the build has put next to the pages (relative path → size in bytes), as the orchestrator tells
    them: the site never looks into the output folder. `before` holds what was there when the pages started (the
    PDFs, the files a partial build kept); `after()` returns every file once the data files written meanwhile (by
    a second process) are there."""

    before: Mapping[str, int] = field(default_factory=dict)
    after: Callable[[], Mapping[str, int]] | None = None

    def complete(self) -> Mapping[str, int]:
        return self.after() if self.after is not None else self.before
