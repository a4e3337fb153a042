"""Search as agents type: the offline search that Material for MkDocs ships (lunr in a web worker), tuned for
French and for the plan.

- Index (Python side): Material's HTML parser glues the text of adjacent elements (« Valeur initiale41 »);
  during the build, `block_boundaries()` makes it keep every element boundary but inline formatting as a
  space, and skips SVG (the charts' data is in their tables).
- Index and query (browser side): `theme/site/search/fold.js` is appended to the French language file the
  worker imports. It folds every token (accents, œ/æ: the same mapping as `builder.text.fold`, generated
  here from it) before French stemming, and folds and stems the query terms the same way.
- `finish()` rewrites the index's settings: a separator that also splits on apostrophes, parentheses and
  French punctuation but keeps fiche numbers (« 2.3.1 ») whole, and the French stemmer in the pipeline.

Only `builder.outputs.site.mkdocs_site` calls this module (it is Material-specific).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from builder.errors import BuildError
from builder.resources import theme_dir
from builder.text import fold

FOLD_JS = theme_dir() / "site" / "search" / "fold.js"
LANGUAGE_FILE = Path("assets") / "javascripts" / "lunr" / "min" / "lunr.fr.min.js"
INDEX_FILE = Path("search") / "search_index.json"

# Word separators (a JavaScript regular expression): spaces, dashes, apostrophes, brackets, French punctuation;
# a full stop only when it is not between two digits, so that « 2.3.1 » stays one word.
SEPARATOR = (
    r"[\s\-\u2010-\u2015,;:!?()\[\]{}«»\"'\u2018\u2019\u201c\u201d/|\u00b7\u2022\u2026&=]+"
    r"|\.(?!\d)|(?<!\d)\."
)
PIPELINE = ["stemmer", "stopWordFilter"]

# Elements whose text runs on with its neighbours' (inline formatting); every other element boundary is a space.
INLINE = frozenset(
    {
        "a",
        "abbr",
        "b",
        "bdi",
        "bdo",
        "cite",
        "code",
        "data",
        "del",
        "dfn",
        "em",
        "i",
        "ins",
        "kbd",
        "mark",
        "q",
        "s",
        "samp",
        "small",
        "strong",
        "sub",
        "sup",
        "u",
        "var",
        "wbr",
    }
)

# Characters whose folding the browser must reproduce: Latin letters, ligatures, punctuation.
_FOLDED_RANGES = ((0x00A0, 0x024F), (0x1E00, 0x1EFF), (0x2000, 0x206F), (0x2212, 0x2212), (0xFB00, 0xFB06))


def fold_map() -> dict[str, str]:
    """Every character of `_FOLDED_RANGES` that `builder.text.fold` changes, with what it becomes."""
    table = {}
    for low, high in _FOLDED_RANGES:
        for code in range(low, high + 1):
            char = chr(code)
            if fold(char) != char:
                table[char] = fold(char)
    return table


def fold_script() -> str:
    """The browser side of the folding, with `fold_map()` written in."""
    source = FOLD_JS.read_text(encoding="utf-8")
    return source.replace("/*FOLD_MAP*/{}", json.dumps(fold_map(), ensure_ascii=True, sort_keys=True))


@contextmanager
def block_boundaries() -> Iterator[None]:
    """While the site is built, Material's search parser keeps element boundaries as spaces and skips SVG."""
    from material.plugins.search import plugin as search_plugin

    base = search_plugin.Parser

    class Parser(search_plugin.Parser):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)
            self.skip.add("svg")

        def handle_starttag(self, tag: str, attrs: list) -> None:
            if tag not in INLINE and self.section is not None:
                self.handle_data(" ")
            super().handle_starttag(tag, attrs)
            if tag not in INLINE and tag not in search_plugin.void and self.context and self.context[-1] == tag:
                self.handle_data(" ")

        def handle_endtag(self, tag: str) -> None:
            boundary = tag not in INLINE and bool(self.context) and self.context[-1] == tag
            if boundary:
                self.handle_data(" ")
            super().handle_endtag(tag)
            if tag == "svg":
                self.skip.add("svg")  # Material removes a skipped tag from its list once closed
            if boundary:
                self.handle_data(" ")

    search_plugin.Parser = Parser
    try:
        yield
    finally:
        search_plugin.Parser = base


def finish(site: Path) -> None:
    """Tune the built site's search: index settings, titles as text, the folding in the worker's language file."""
    index_path = site / INDEX_FILE
    language = site / LANGUAGE_FILE
    if not index_path.is_file() or not language.is_file():
        raise BuildError(
            "la recherche du site n'a pas pu être préparée : "
            f"{INDEX_FILE} ou {LANGUAGE_FILE} manque (thème Material incomplet ?)"
        )
    data = json.loads(index_path.read_text(encoding="utf-8"))
    data["config"]["separator"] = SEPARATOR
    data["config"]["pipeline"] = PIPELINE
    for doc in data["docs"]:
        doc["title"] = html.escape(html.unescape(doc.get("title", "")), quote=False)
        doc["text"] = re.sub(r"[ \t\r\n\f\v]+", " ", doc.get("text", "")).strip()
    index_path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    script = language.read_text(encoding="utf-8")
    if "fichesFold" not in script:
        language.write_text(script.rstrip() + "\n" + fold_script(), encoding="utf-8")
