"""Markdown → safe HTML, one way for every output (site pages and both PDFs).

Content is written by editors: raw HTML is allowed only as far as the sanitiser (nh3, a maintained
binding of the Ammonia sanitiser) keeps it: no `<script>`, no event attributes, no `javascript:` links.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable
from functools import lru_cache

import markdown as md
import nh3
from markupsafe import Markup

EXTENSIONS = ["tables", "sane_lists", "smarty"]
EXTENSION_CONFIGS = {"smarty": {"substitutions": {
    "left-single-quote": "’", "right-single-quote": "’",
    "left-double-quote": "« ", "right-double-quote": " »"}}}

_TAGS = {"p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "s", "del", "code", "pre",
         "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "abbr", "sup", "sub",
         "span"}
_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align", "style"}, "td": {"align", "style"}}


_IMG = re.compile(r"<img\b[^>]*?\balt=\"([^\"]*)\"[^>]*>")


def _image_text(match: re.Match) -> str:
    """Images are not published (an intranet without Internet, no uploaded files): their description stays."""
    alt = html_lib.unescape(match[1]).strip()
    return f"<em>[image non publiée{' : ' + html_lib.escape(alt) if alt else ''}]</em>"


@lru_cache(maxsize=1)
def _converter() -> md.Markdown:
    return md.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS, output_format="html")


@lru_cache(maxsize=16384)  # the same suivi text is shown on its fiche, the home, the actualités and the feed
def to_html(text: str, shift_headings: int = 0) -> Markup:
    """Convert Markdown to sanitised HTML; `shift_headings=1` turns `##` into `<h3>` (to nest in a page)."""
    if not text or not text.strip():
        return Markup("")
    converter = _converter()
    html = _IMG.sub(_image_text, converter.reset().convert(text))
    for level in range(5, 0, -1) if shift_headings else ():
        target = min(level + shift_headings, 6)
        html = html.replace(f"<h{level}>", f"<h{target}>").replace(f"</h{level}>", f"</h{target}>")
    clean = nh3.clean(html, tags=_TAGS, attributes=_ATTRIBUTES, url_schemes={"http", "https", "mailto"},
                      link_rel="noopener noreferrer", filter_style_properties={"text-align"})
    return Markup(clean)


def inline(text: str) -> Markup:
    """One line of Markdown (a suivi entry, a résumé) without the surrounding paragraph."""
    html = str(to_html(text))
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return Markup(html)


_TAG = re.compile(r"(<[^>]*>)")
_NO_LINK_INSIDE = {"a", "code", "pre"}
# A fiche number in running text: « voir l'action 2.1.3. » (not part of a longer number, a date or a version)
_FICHE_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}\.\d{1,3}\.\d{1,3})(?![\w]|\.\d)")


def link_fiche_numbers(html: str, href_of: Callable[[str], str | None], css_class: str) -> Markup:
    """The fiche numbers written in a converted text (« voir l'action 2.1.3 ») become links to those fiches;
    `href_of(number)` gives the target, or None to leave the number as it is (unknown fiche, the fiche itself).
    Numbers inside links, code and preformatted text are left alone."""
    out: list[str] = []
    depth = 0
    for part in _TAG.split(str(html)):
        if part.startswith("<"):
            name = re.match(r"</?([a-zA-Z0-9]+)", part)
            if name and name[1].lower() in _NO_LINK_INSIDE and not part.endswith("/>"):
                depth = max(0, depth + (-1 if part.startswith("</") else 1))
            out.append(part)
        elif depth or not part:
            out.append(part)
        else:
            out.append(_FICHE_NUMBER.sub(lambda m: _fiche_link(m[1], href_of, css_class), part))
    return Markup("".join(out))


def _fiche_link(number: str, href_of: Callable[[str], str | None], css_class: str) -> str:
    href = href_of(number)
    return f'<a class="{css_class}" href="{html_lib.escape(href)}">{number}</a>' if href else number
