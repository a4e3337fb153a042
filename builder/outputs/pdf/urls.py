"""What a PDF may point to, and what WeasyPrint may open while it lays one out.

A PDF leaves the intranet (it is mailed, printed, downloaded): a link in it must work from anywhere and must
not name the build machine. Relative and protocol-relative links written by editors (`../1-1-2/`,
`//serveur/partage`) are therefore made absolute against the site's address (`site_url`), or, without one,
kept as plain text; internal links (`#fiche-…`) stay; any other scheme (`file:`…) becomes plain text. WeasyPrint
opens only the theme's own files (stylesheets, fonts, colour profiles) and `data:` images.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from builder.resources import theme_dir

THEME_ROOT = theme_dir().resolve()  # the packaged theme
WEB_SCHEMES = ("http", "https", "mailto")

_A_TAG = re.compile(r"<a\b[^>]*>|</a\s*>", re.IGNORECASE)
_HREF_ATTR = re.compile(r"""\shref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_UNESCAPE = {"&amp;": "&", "&quot;": '"', "&#39;": "'", "&#x27;": "'", "&lt;": "<", "&gt;": ">"}


def _unescape(value: str) -> str:
    for entity, char in _UNESCAPE.items():
        value = value.replace(entity, char)
    return value


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


def absolute_url(href: str, base: str | None) -> str | None:
    """The address a PDF link to `href` gets: itself when internal (`#x`) or absolute on the web, resolved
    against `base` (an http(s) address) when relative or protocol-relative, None when it cannot be published
    (no base, another scheme)."""
    href = href.strip()
    if href.startswith("#"):
        return href
    scheme = _SCHEME.match(href)
    if scheme:
        return href if scheme[1].lower() in WEB_SCHEMES else None
    if not base or (_SCHEME.match(base) or ["", ""])[1].lower() not in ("http", "https"):
        return None
    resolved = urljoin(base, href)
    found = _SCHEME.match(resolved)
    return resolved if found and found[1].lower() in ("http", "https") else None


def page_base(site_url: str | None, page: str) -> str | None:
    """The address of a site page (`fiches/1-1-1/`) under `site_url`, the base of the links written on it."""
    return site_url.rstrip("/") + "/" + page if site_url else None


def resolve_links(html: str, base: str | None) -> str:
    """Every `<a href>` of `html` made absolute against `base` (see `absolute_url`); a link that cannot be
    published becomes a `<span>` around the same text."""
    out: list[str] = []
    pos = 0
    dropped = False
    for match in _A_TAG.finditer(html):
        out.append(html[pos : match.start()])
        pos = match.end()
        tag = match[0]
        if tag.startswith("</"):
            out.append("</span>" if dropped else tag)
            dropped = False
            continue
        attr = _HREF_ATTR.search(tag)
        if attr is None:
            out.append(tag)
            continue
        href = _unescape(next(g for g in attr.groups() if g is not None))
        target = absolute_url(href, base)
        if target is None:
            out.append('<span class="lien-non-publie">')
            dropped = True
        else:
            out.append(tag[: attr.start()] + f' href="{_escape(target)}"' + tag[attr.end() :])
            dropped = False
    out.append(html[pos:])
    return "".join(out)


def _theme_file(url: str, roots: tuple[Path, ...] = (THEME_ROOT,)) -> Path | None:
    """The theme file a `file:` URL names, or None when it names anything else (another folder, a host)."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        return None
    path = Path(unquote(parts.path)).resolve()
    return path if any(path.is_relative_to(root) for root in roots) and path.is_file() else None


def url_fetcher(layers: tuple[Path, ...] = ()) -> Any:
    """A WeasyPrint fetcher that serves the files of the theme layers (the packaged theme and `layers`, a
    project's own `theme/`) and `data:` URLs, and refuses everything else (no network, no other file)."""
    roots = (THEME_ROOT, *(layer.resolve() for layer in layers))
    from weasyprint.urls import URLFetcher, URLFetchingError

    class ThemeOnly(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            scheme = (_SCHEME.match(url) or ["", ""])[1].lower()
            if scheme == "data" or (scheme == "file" and _theme_file(url, roots) is not None):
                return super().fetch(url, headers)
            raise URLFetchingError(f"ressource refusée (hors du thème) : {url[:200]}")

    return ThemeOnly(allowed_protocols=("file", "data"))
