"""Text rules shared by every stage: one accent folding that keeps letters, one slug."""

from __future__ import annotations

import html as html_lib
import re
import unicodedata
from functools import lru_cache

# Letters that NFKD does not decompose: written out so that « Sœur » stays « Soeur », never « Sur ».
_LIGATURES = str.maketrans(
    {
        "œ": "oe",
        "Œ": "OE",
        "æ": "ae",
        "Æ": "AE",
        "ß": "ss",
        "ẞ": "SS",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ł": "l",
        "Ł": "L",
        "ı": "i",
        "þ": "th",
        "Þ": "TH",
        "ð": "d",
        "Ð": "D",
        # dashes and typographic apostrophes become their ASCII separators
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u02bc": "'",
    }
)


def fold(text: str) -> str:
    """`Qualité` → `Qualite`, `Sœur` → `Soeur`, `femmes–hommes` → `femmes-hommes`: accents dropped, ligatures
    written out, dashes as hyphens; case kept. Other characters with no ASCII form are dropped."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    return decomposed.encode("ascii", "ignore").decode()


def slugify(text: str) -> str:
    """`Qualité de vie` → `qualite-de-vie`, `Égalité femmes–hommes` → `egalite-femmes-hommes` (anchors, file
    names); `x` when nothing is left."""
    return "-".join(_words(text)) or "x"


def _words(text: str) -> list[str]:
    """The words of a slug: runs of ASCII letters and digits of the folded, lower-case text."""
    return re.findall(r"[a-z0-9]+", fold(text).lower())


FILE_SLUG_MAX_LENGTH = 60
_STOP_WORDS = {"de", "des", "du", "la", "le", "les", "l", "d", "et", "a", "au", "aux", "en", "un", "une", "pour"}


def file_slug(text: str, max_words: int = 6, max_length: int = FILE_SLUG_MAX_LENGTH) -> str:
    """The `slugify` of a title made short for a file name: `Créer une école interne des managers` →
    `creer-ecole-interne-managers`; at most `max_words` words (small words dropped) and `max_length` characters,
    cut between words (a single longer word is cut), so a long title stays a valid name."""
    words = _words(text)
    kept = [w for w in words if w not in _STOP_WORDS] or words
    slug = ""
    for word in kept[:max_words]:
        longer = f"{slug}-{word}" if slug else word
        if len(longer) > max_length:
            break
        slug = longer
    return slug or (kept[0][:max_length] if kept else "fiche")


# --- French typography ------------------------------------------------------------------------------
# Editors write plain text (« 70 % », « Objectif : », « 2024-2029 »); every output is typeset from it, here and
# only here: the site (a MkDocs hook on each page's HTML), both PDFs (their HTML before WeasyPrint), the feed.

NBSP = "\u00a0"  # no-break space: before « : », « % » and units, after « « »
NNBSP = "\u202f"  # narrow no-break space: before « ; ! ? » », inside numbers (1 850)
_SP = "[ \t\n\u00a0\u202f\u2009]"  # the spaces an editor (or a template) may have typed
_LETTER = r"[^\W\d_]"
_MONTHS = "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
_UNITS = r"k€|M€|€|km|m²|m³|kg|kWh|MWh|GWh|ETP|Mo|Ko|Go|°C|h|min|ans?|jours?|mois|heures?"
# What is never typeset inside a text: addresses (web, mail) and entities left as they are.
_PROTECTED = re.compile(
    r"(?:[a-z][a-z0-9+.-]*://|www\.|mailto:)[^\s<>«»\"']*[^\s<>«»\"'.,;:!?)]"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
    re.I,
)
_DIGITS = re.compile(r"\d")
# (trigger, pattern, replacement): a rule runs only on a text where its trigger is found (most text nodes have none)
_RULES: tuple[tuple[re.Pattern[str], re.Pattern[str], str], ...] = tuple(
    (re.compile(trigger), re.compile(pattern), repl)
    for trigger, pattern, repl in (
        ("'", r"(?<=\w)'(?=\w)", "’"),  # l'action → l’action
        ("«", rf"«{_SP}*", "«" + NBSP),
        ("»", rf"{_SP}*»", NNBSP + "»"),
        ("[;!?]", rf"{_SP}+([;!?])", NNBSP + r"\1"),
        ("[;!?]", rf"(?<={_LETTER})([;!?])(?={_SP}|$|[»)])", NNBSP + r"\1"),  # « Pourquoi? » → « Pourquoi ? »
        (":", rf"{_SP}+:", NBSP + ":"),
        (":", rf"(?<={_LETTER}):(?={_SP}|$)", NBSP + ":"),  # « Objectif: » → « Objectif : »
        ("[%€]", rf"(?<=\d){_SP}*(%|€)", NBSP + r"\1"),  # 70% → 70 %, 12 €
        (r"\d[ \t\n\u00a0\u202f\u2009]+[a-zA-Z€°]", rf"(?<=\d){_SP}+({_UNITS})(?!\w)", NBSP + r"\1"),  # 12 km
        (
            r"(?:19|20)\d\d\D{0,3}[-–]",
            rf"(?<![\w.,/-])\b((?:19|20)\d\d){_SP}*[-–]{_SP}*((?:19|20)\d\d)(?![\w-])",
            r"\1–\2",
        ),  # 2024-2029
        (r"\d-\d", rf"(?<![\w.,-])(\d{{1,2}}(?:er)?)-(\d{{1,2}})(?={_SP}(?:{_MONTHS}))", r"\1–\2"),  # 12-15 mars
        (r"[a-zéû]-[a-zéû]", rf"\b({_MONTHS})-({_MONTHS})\b", r"\1–\2"),  # mars-juin 2025
    )
)
_GROUPED = re.compile(rf"(?<![\d.,])\d{{1,3}}(?:{_SP}\d{{3}})+(?![\d])")  # 1 850, 12 500 000
_GROUP_TRIGGER = re.compile(rf"\d{_SP}\d")
_PROTECTED_TRIGGER = re.compile(r"://|www\.|mailto:|@", re.I)


def _typeset_plain(text: str) -> str:
    for trigger, pattern, repl in _RULES:
        if trigger.search(text):
            text = pattern.sub(repl, text)
    if _GROUP_TRIGGER.search(text):
        text = _GROUPED.sub(lambda m: re.sub(_SP, NNBSP, m[0]), text)
    return text


def typeset(text: str) -> str:
    """French typography of a displayed text: `Objectif : 70 % d'ici 2024-2029 !` →
    `Objectif\u00a0: 70\u00a0% d’ici 2024–2029\u202f!`. Addresses (web, mail) are left byte-exact; applying it twice
    is applying it once."""
    if not text:
        return text
    if not _PROTECTED_TRIGGER.search(text):
        return _typeset_plain(text)
    out, last = [], 0
    for match in _PROTECTED.finditer(text):
        out += [_typeset_plain(text[last : match.start()]), match[0]]
        last = match.end()
    out.append(_typeset_plain(text[last:]))
    return "".join(out)


# Elements whose text is never typeset (code, scripts, form values) and comments; elsewhere, text runs are what lies
# between a tag's `>` and the next `<` (autoescaping writes `>` in attribute values as `&gt;`).
_SKIPPED = re.compile(
    r"<(script|style|textarea|pre|code|kbd|samp|var|math)\b.*?</\1\s*>|<!--.*?-->|<\?.*?\?>", re.S | re.I
)
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);")


def typeset_html(html: str) -> str:
    """`typeset` applied to the text nodes of an HTML (or XML) document only: tags, attribute values, code,
    preformatted text, keyboard input, scripts and styles keep their bytes."""
    out, last = [], 0
    for match in _SKIPPED.finditer(html):
        out += [_typeset_region(html[last : match.start()]), match[0]]
        last = match.end()
    out.append(_typeset_region(html[last:]))
    return "".join(out)


def _typeset_region(html: str) -> str:
    """Each piece after a `<` is a tag up to its `>`, then a text run (a plain split: faster than a regex)."""
    parts = html.split("<")
    out = [_typeset_text_node(parts[0])]
    for part in parts[1:]:
        end = part.find(">") + 1
        out.append(part if end == 0 or end == len(part) else part[:end] + _typeset_text_node(part[end:]))
    return "<".join(out)


@lru_cache(maxsize=1 << 16)  # the navigation's texts are on every page
def _typeset_text_node(text: str) -> str:
    if not text or text.isspace():
        return text
    if "&" not in text:
        return typeset(text)
    # entities (&#39; from autoescaping, &amp;) are read as their characters, and the text written back escaped
    plain = _ENTITY.sub(lambda m: html_lib.unescape(m[0]), text)
    return typeset(plain).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
