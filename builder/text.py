"""Text rules shared by every stage: one accent folding that keeps letters, one slug."""

from __future__ import annotations

import re
import unicodedata

# Letters that NFKD does not decompose: written out so that « Sœur » stays « Soeur », never « Sur ».
_LIGATURES = str.maketrans({
    "œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ẞ": "SS", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D",
    "ł": "l", "Ł": "L", "ı": "i", "þ": "th", "Þ": "TH", "ð": "d", "Ð": "D",
    # dashes and typographic apostrophes become their ASCII separators
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u2018": "'", "\u2019": "'", "\u02bc": "'",
})


def fold(text: str) -> str:
    """`Qualité` → `Qualite`, `Sœur` → `Soeur`, `femmes–hommes` → `femmes-hommes`: accents dropped, ligatures
    written out, dashes as hyphens; case kept. Other characters with no ASCII form are dropped."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    return decomposed.encode("ascii", "ignore").decode()


def slugify(text: str) -> str:
    """`Qualité de vie` → `qualite-de-vie`, `Égalité femmes–hommes` → `egalite-femmes-hommes` (anchors, file
    names); `x` when nothing is left."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text).lower()).strip("-") or "x"
