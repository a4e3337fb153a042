"""One copy of each font in a PDF assembled from parts.

WeasyPrint embeds, in each part, a subset of every font the part uses; put end to end, the plan would carry one
copy per part and per font (four weights of Inter in 60 parts: about 3.6 MB of fonts). The subsets keep the font's
own glyph numbers (a subset's glyph order is the start of the font's), so a single program serves them all: the
theme's font file itself, embedded once and shared by every part's font descriptor. A subset whose font file is
not found among the theme layers, or whose glyph order is not the start of that file's, is left as it was.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def share_fonts(pdf: Any, candidates: Sequence[Path]) -> int:
    """Point every font descriptor of `pdf` (pikepdf) whose subset comes from one of `candidates` (font files, the
    first of a PostScript name wins: the project's layer before the packaged one) at one shared copy of that file.
    Returns the number of descriptors changed; the replaced subsets are dropped when the PDF is saved."""
    import pikepdf
    from fontTools.ttLib import TTFont

    files: dict[str, Path] = {}
    for path in candidates:
        name = _postscript_name(TTFont, path)
        if name and name not in files:
            files[name] = path
    orders: dict[str, list[str]] = {}
    shared: dict[str, Any] = {}
    changed = 0
    descriptors = [
        o
        for o in pdf.objects
        if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/FontDescriptor" and "/FontFile3" in o
    ]
    for descriptor in descriptors:
        program = descriptor.FontFile3
        if program.get("/Subtype") != "/OpenType":
            continue
        subset = TTFont(io.BytesIO(program.read_bytes()), lazy=True)
        name = subset["name"].getDebugName(6)
        if name not in files:
            continue
        if name not in orders:
            orders[name] = TTFont(files[name], lazy=True).getGlyphOrder()
        order = subset.getGlyphOrder()
        if order != orders[name][: len(order)]:
            continue
        if name not in shared:
            shared[name] = pdf.make_stream(files[name].read_bytes(), Subtype=pikepdf.Name.OpenType)
        descriptor.FontFile3 = shared[name]
        if "/CIDSet" in descriptor:  # it listed the subset's glyphs; the program now has them all
            del descriptor["/CIDSet"]
        changed += 1
    return changed


def _postscript_name(ttfont: Any, path: Path) -> str | None:
    try:
        return ttfont(path, lazy=True)["name"].getDebugName(6)
    except Exception:  # not a font fontTools reads: simply not a candidate
        return None
