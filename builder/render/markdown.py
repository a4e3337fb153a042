"""Markdown → safe HTML, one way for every output (site pages and both PDFs).

Content is written by editors: raw HTML is allowed only as far as the sanitiser (nh3, a maintained
binding of the Ammonia sanitiser) keeps it: no `<script>`, no event attributes, no `javascript:` links.

Bounded time and depth, whatever the text: python-markdown's link processors look for the `]` that closes each
`[` by scanning to the end of the text (16,000 unmatched `[` take minutes), here a linear scan done once per
text; a link's `(…)` part is looked for within `LINK_SPAN` characters; block nesting (lists, quotes) deeper than
`MAX_NESTING` on one line is rendered flat (python-markdown recurses once per level).
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable
from functools import lru_cache

import markdown as md
import nh3
from markdown.extensions import Extension
from markdown.inlinepatterns import LinkInlineProcessor
from markupsafe import Markup

EXTENSIONS = ["tables", "sane_lists", "smarty"]
EXTENSION_CONFIGS = {
    "smarty": {
        "substitutions": {
            "left-single-quote": "’",
            "right-single-quote": "’",
            "left-double-quote": "« ",
            "right-double-quote": " »",
        }
    }
}

_TAGS = {
    "p",
    "br",
    "hr",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "b",
    "i",
    "u",
    "s",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "abbr",
    "sup",
    "sub",
    "span",
}
_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align", "style"}, "td": {"align", "style"}}


_IMG = re.compile(r"<img\b[^>]*?\balt=\"([^\"]*)\"[^>]*>")


def _image_text(match: re.Match) -> str:
    """Images are not published (an intranet without Internet, no uploaded files): their description stays."""
    alt = html_lib.unescape(match[1]).strip()
    return f"<em>[image non publiée{' : ' + html_lib.escape(alt) if alt else ''}]</em>"


MAX_NESTING = 24  # list or quote levels opened by one line: deeper ones are rendered as text
LINK_SPAN = 4000  # characters after `](` where a link's destination and title must end
LINK_BUDGET = 400_000  # characters the link scans may read in one text (a few times its links' total length)


class _Brackets:
    """Where the `]` that closes each `[` of a text is, for the last text seen (one pass with a stack)."""

    def __init__(self) -> None:
        self.text: str | None = None
        self.close: dict[int, int] = {}
        self.budget = LINK_BUDGET  # reset for each conversion

    def closing(self, data: str, opening: int) -> int | None:
        if data is not self.text:
            close: dict[int, int] = {}
            stack: list[int] = []
            for match in re.finditer(r"[\[\]]", data):
                if match[0] == "[":
                    stack.append(match.start())
                elif stack:
                    close[stack.pop()] = match.start()
            self.text, self.close = data, close
        return self.close.get(opening)


_BRACKETS = _Brackets()


def _get_text(self: LinkInlineProcessor, data: str, index: int) -> tuple[str, int, bool]:
    """`LinkInlineProcessor.getText` (the text between `[` at `index - 1` and its `]`), in constant time."""
    end = _BRACKETS.closing(data, index - 1)
    if end is None:
        return data[index:], len(data), False
    return data[index:end], end + 1, True


_GetLink = Callable[[LinkInlineProcessor, str, int], tuple[str, str | None, int, bool]]


def _get_link(original: _GetLink) -> _GetLink:
    """`LinkInlineProcessor.getLink` (the `(destination "title")` part) that reads at most `LINK_SPAN`
    characters, and nothing once the text's `LINK_BUDGET` is spent: an unclosed `(` is never looked for to the
    end of the text again and again."""

    def get_link(self: LinkInlineProcessor, data: str, index: int) -> tuple[str, str | None, int, bool]:
        end = min(len(data), index + LINK_SPAN)
        if _BRACKETS.budget <= 0 or data.find(")", index, end) < 0:
            return "", None, index, False
        result = original(self, data if end == len(data) else data[:end], index)
        _BRACKETS.budget -= (result[2] - index) if result[3] else (end - index)
        return result

    return get_link


class _BoundedLinks(Extension):
    """The link and image processors of python-markdown with a linear bracket scan and a bounded link scan."""

    def extendMarkdown(self, markdown: md.Markdown) -> None:  # noqa: N802 (python-markdown's name)
        for name in ("reference", "link", "image_link", "image_reference", "short_reference", "short_image_ref"):
            if name not in markdown.inlinePatterns:
                continue
            processor = markdown.inlinePatterns[name]
            if not isinstance(processor, LinkInlineProcessor):  # all six are, unless an extension replaced one
                continue
            bounded = type(
                f"Bounded{type(processor).__name__}",
                (type(processor),),
                {"getText": _get_text, "getLink": _get_link(type(processor).getLink)},
            )
            processor.__class__ = bounded


# Markers that open a block level at the start of a line: `- `, `* `, `+ `, `1. `, `1) `, `>`.
_MARKERS = re.compile(r"[ \t]*(?:[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t])|>)")


def flatten_nesting(text: str) -> str:
    """`text` with the list and quote markers beyond `MAX_NESTING` on one line escaped (shown as text), and
    indentation beyond `MAX_NESTING` levels reduced: the same text, without a recursion per level."""
    if len(text) < 2 * MAX_NESTING:
        return text
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if len(line) < 2 * MAX_NESTING:
            continue
        width = len(line) - len(line.lstrip(" \t"))
        if width > 4 * MAX_NESTING:
            line = " " * (4 * MAX_NESTING) + line.lstrip(" \t")
        pos, depth = 0, min(width, 4 * MAX_NESTING) // 4
        while depth <= MAX_NESTING and (marker := _MARKERS.match(line, pos)):
            depth += 1
            if depth > MAX_NESTING:
                start = marker.end() - len(marker[0].lstrip(" \t"))
                line = line[:start] + "\\" + line[start:]
                break
            pos = marker.end()
        lines[i] = line
    return "\n".join(lines)


def nesting_too_deep(text: str) -> int | None:
    """Index (0-based) of the first line of `text` that `flatten_nesting` changes, or None."""
    if len(text) < 2 * MAX_NESTING:
        return None
    for i, (before, after) in enumerate(zip(text.split("\n"), flatten_nesting(text).split("\n"), strict=True)):
        if before != after:
            return i
    return None


@lru_cache(maxsize=1)
def _converter() -> md.Markdown:
    return md.Markdown(
        extensions=[*EXTENSIONS, _BoundedLinks()], extension_configs=EXTENSION_CONFIGS, output_format="html"
    )


@lru_cache(maxsize=16384)  # the same suivi text is shown on its fiche, the home, the actualités and the feed
def to_html(text: str, shift_headings: int = 0) -> Markup:
    """Convert Markdown to sanitised HTML; `shift_headings=1` turns `##` into `<h3>` (to nest in a page)."""
    if not text or not text.strip():
        return Markup("")
    converter = _converter()
    _BRACKETS.budget = LINK_BUDGET
    html = _IMG.sub(_image_text, converter.reset().convert(flatten_nesting(text)))
    for level in range(5, 0, -1) if shift_headings else ():
        target = min(level + shift_headings, 6)
        html = html.replace(f"<h{level}>", f"<h{target}>").replace(f"</h{level}>", f"</h{target}>")
    clean = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        filter_style_properties={"text-align"},
    )
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
