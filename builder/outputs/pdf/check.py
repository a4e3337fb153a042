"""Checks on any PDF the project writes, read back with pikepdf: PDF/UA-1 and a print shop's preflight.

No PDF validator (veraPDF) installs here, so the machine-checkable conditions that matter for our files are
checked here, on the written file, independently of the code that wrote it:

- `ua_problems`: the PDF/UA-1 conditions (Matterhorn protocol) a tagged PDF most often breaks: document
  title shown, language, structure tree, figures with alternate text, table headers with a scope, heading
  levels nesting without skips, link annotations with alternate text and tagged, tab order, tagged content
  outside the structure tree, fonts embedded;
- `print_problems`: what a print shop's preflight looks at: PDF/X version and CMYK output intent, any RGB
  object (content streams, images, shadings, groups), fonts embedded, TrimBox/BleedBox and the bleed, page
  count (a multiple of 4 for a saddle-stitched booklet), images under 300 dpi at their printed size, the
  smallest type, text outside the safe zone, small text in four-colour black, annotations on the printed area.

Each problem is one French line; `fiches preflight` prints them, the build refuses a print brochure that has
any, and a conformance claim is written only when its checks find none.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MM = 72 / 25.4
SAFE_ZONE_MM = 5.0
MIN_BLEED_MM = 3.0
MIN_TEXT_PT = 7.0  # the brochure's footer, its smallest type
MIN_DPI = 300


@dataclass(frozen=True, order=True)
class Problem:
    """One problem of a PDF: its page (1-based, None for the whole file), a stable code, a French message."""

    page: int | None
    code: str
    message: str

    def __str__(self) -> str:
        return f"page {self.page} : {self.message}" if self.page else self.message


class PdfUnreadable(Exception):
    """The file is not a PDF pikepdf can open (message in French)."""


def open_pdf(path: Path) -> Any:
    import pikepdf

    try:
        return pikepdf.open(path)
    except FileNotFoundError:
        raise PdfUnreadable(f"{path} : fichier introuvable") from None
    except (pikepdf.PdfError, OSError, ValueError) as exc:
        raise PdfUnreadable(f"{path} : ce n'est pas un PDF lisible ({exc})") from None


# --- claims -----------------------------------------------------------------------------------------

_UA_PART = re.compile(rb"pdfuaid:part(?:=\"|>)\s*(\d)")
_PDFX_VERSION = re.compile(rb"GTS_PDFXVersion(?:=\"|>)\s*(PDF/X-[^<\"]+)")


def _xmp(pdf: Any) -> bytes:
    metadata = pdf.Root.get("/Metadata")
    try:
        return bytes(metadata.read_bytes()) if metadata is not None else b""
    except Exception:  # an unreadable metadata stream is no metadata
        return b""


def claims(pdf: Any) -> dict[str, str | None]:
    """The conformance the file declares: {"ua": "1" or None, "pdfx": "PDF/X-4" or None}."""
    xmp = _xmp(pdf)
    ua = _UA_PART.search(xmp)
    pdfx = _PDFX_VERSION.search(xmp)
    version = pdfx[1].decode().strip() if pdfx else None
    info = pdf.trailer.get("/Info")
    if version is None and info is not None and "/GTS_PDFXVersion" in info:
        version = str(info.GTS_PDFXVersion)
    return {"ua": ua[1].decode() if ua else None, "pdfx": version}


# --- PDF/UA-1 -----------------------------------------------------------------------------------------


@dataclass
class _Tree:
    """The structure tree, walked once in document order."""

    reachable: set[tuple[int, int]] = field(default_factory=set)
    headings: list[tuple[int, int | None]] = field(default_factory=list)  # (level, page)
    counts: dict[tuple[int | None, str], int] = field(default_factory=dict)  # (page, code) → elements

    def count(self, page: int | None, code: str) -> None:
        self.counts[page, code] = self.counts.get((page, code), 0) + 1


_TREE_MESSAGES = {
    "alt": (
        "image sans texte de remplacement (Figure sans /Alt ; une image décorative doit être un artefact)",
        "images sans texte de remplacement (Figure sans /Alt ; une image décorative doit être un artefact)",
    ),
    "th-scope": ("en-tête de tableau sans portée (TH sans /Scope)", "en-têtes de tableau sans portée (TH sans /Scope)"),
}


def ua_problems(pdf: Any) -> list[Problem]:
    """The PDF/UA-1 conditions this project can check by machine; [] when they all hold."""
    import pikepdf

    problems: list[Problem] = []
    root = pdf.Root
    pages = {page.objgen: number for number, page in enumerate(pdf.pages, start=1)}
    if not (root.get("/MarkInfo") or {}).get("/Marked", False):
        problems.append(Problem(None, "marked", "le PDF n'est pas déclaré balisé (MarkInfo /Marked)"))
    lang = str(root.get("/Lang", "")).strip()
    if not lang:
        problems.append(Problem(None, "lang", "langue du document absente (/Lang)"))
    prefs = root.get("/ViewerPreferences") or {}
    if not prefs.get("/DisplayDocTitle", False):
        problems.append(
            Problem(None, "display-title", "le lecteur n'affiche pas le titre du document (DisplayDocTitle absent)")
        )
    if b"<dc:title>" not in _xmp(pdf) or not str((pdf.trailer.get("/Info") or {}).get("/Title", "")).strip():
        problems.append(Problem(None, "title", "titre du document absent (métadonnées XMP dc:title et /Title)"))
    tree_root = root.get("/StructTreeRoot")
    if tree_root is None:
        problems.append(Problem(None, "struct", "pas d'arbre de structure (PDF non balisé)"))
        return problems + _font_problems(pdf)

    role_map = {str(k): str(v) for k, v in (tree_root.get("/RoleMap") or {}).items()}
    tree = _Tree()
    _walk(tree_root.get("/K"), tree, pages, role_map, pikepdf)
    for (page, code), count in sorted(tree.counts.items(), key=lambda item: (item[0][0] or 0, item[0][1])):
        one, many = _TREE_MESSAGES[code]
        problems.append(Problem(page, code, one if count == 1 else f"{count} {many}"))
    problems += _heading_problems(tree.headings)
    problems += _orphan_problems(tree_root, tree, pages)
    problems += _annotation_problems(pdf)
    problems += _font_problems(pdf)
    return problems


def _page_of(element: Any, pages: dict, inherited: int | None) -> int | None:
    page = element.get("/Pg")
    return pages.get(page.objgen, inherited) if page is not None else inherited


def _walk(
    kids: Any,
    tree: _Tree,
    pages: dict,
    role_map: dict[str, str],
    pikepdf: Any,
    page: int | None = None,
    parent_role: str = "",
) -> None:
    """Depth-first, in document order (an explicit stack: the tree of a big plan is deep)."""
    stack: list[tuple[Any, int | None, str]] = [(kids, page, parent_role)]
    while stack:
        item, page, parent_role = stack.pop()
        if item is None:
            continue
        if isinstance(item, pikepdf.Array):
            stack.extend((kid, page, parent_role) for kid in reversed(list(item)))
            continue
        if not isinstance(item, pikepdf.Dictionary):
            continue  # a marked-content id
        kind = item.get("/Type")
        if kind is not None and str(kind) in ("/OBJR", "/MCR"):
            continue
        if "/S" not in item:
            continue
        if item.objgen != (0, 0):
            tree.reachable.add(item.objgen)
        role = str(item.S)
        role = role_map.get(role, role)
        page = _page_of(item, pages, page)
        _check_element(item, role, parent_role, page, tree)
        stack.append((item.get("/K"), page, role))


_HEADING = re.compile(r"^/H([1-6])$")


def _check_element(element: Any, role: str, parent_role: str, page: int | None, tree: _Tree) -> None:
    if role == "/Figure" or role == "/Formula":
        alt = str(element.get("/Alt", "")).strip() or str(element.get("/ActualText", "")).strip()
        if not alt:
            tree.count(page, "alt")
    elif role == "/TH":
        if not _scope(element):
            tree.count(page, "th-scope")
    heading = _HEADING.match(role)
    if heading:
        tree.headings.append((int(heading[1]), page))


def _scope(element: Any) -> str | None:
    import pikepdf

    attributes = element.get("/A")
    items = list(attributes) if isinstance(attributes, pikepdf.Array) else [attributes]
    for attribute in items:
        if isinstance(attribute, pikepdf.Dictionary) and attribute.get("/Scope") is not None:
            return str(attribute.Scope)
    return None


def _heading_problems(headings: list[tuple[int, int | None]]) -> list[Problem]:
    problems = []
    previous = 0
    for level, page in headings:
        if previous == 0 and level != 1:
            problems.append(Problem(page, "heading-first", f"le premier titre est de niveau {level} (H1 attendu)"))
        elif level > previous + 1:
            problems.append(Problem(page, "heading-skip", f"niveau de titre sauté : H{previous} puis H{level}"))
        previous = level
    return problems


def _orphan_problems(tree_root: Any, tree: _Tree, pages: dict) -> list[Problem]:
    """Marked content the ParentTree maps to elements outside the tree: neither tagged nor an artifact."""
    import pikepdf

    orphans: dict[int, int] = {}
    for _, value in _number_tree(tree_root.get("/ParentTree")):
        entries = list(value) if isinstance(value, pikepdf.Array) else [value]
        for entry in entries:
            if not isinstance(entry, pikepdf.Dictionary) or entry.objgen == (0, 0):
                continue
            if entry.objgen not in tree.reachable:
                page = _page_of(entry, pages, None) or 0
                orphans[page] = orphans.get(page, 0) + 1
    return [
        Problem(
            page or None,
            "orphan",
            f"{count} élément{'s' if count > 1 else ''} de contenu balisé hors de "
            "l'arbre de structure (ni balisé ni artefact)",
        )
        for page, count in sorted(orphans.items())
    ]


def _number_tree(node: Any) -> Iterator[tuple[int, Any]]:
    if node is None:
        return
    stack = [node]
    while stack:
        current = stack.pop()
        nums = current.get("/Nums")
        if nums is not None:
            items = list(nums)
            for i in range(0, len(items) - 1, 2):
                yield int(items[i]), items[i + 1]
        for kid in current.get("/Kids") or []:
            stack.append(kid)


def _annotation_problems(pdf: Any) -> list[Problem]:
    problems = []
    for number, page in enumerate(pdf.pages, start=1):
        annots = page.obj.get("/Annots")
        if not annots:
            continue
        if str(page.obj.get("/Tabs", "")) != "/S":
            problems.append(
                Problem(number, "tabs", "page avec liens sans ordre de tabulation de la structure (/Tabs /S)")
            )
        for annot in annots:
            subtype = str(annot.get("/Subtype", ""))
            if subtype == "/Popup":
                continue
            if subtype == "/Link" and not str(annot.get("/Contents", "")).strip():
                problems.append(Problem(number, "link-alt", "lien sans texte de remplacement (/Contents)"))
            if "/StructParent" not in annot:
                problems.append(Problem(number, "link-tag", "annotation absente de l'arbre de structure"))
    return problems


def _fonts(resources: Any, seen: set[tuple[int, int]]) -> Iterator[Any]:
    if resources is None or resources.objgen in seen and resources.objgen != (0, 0):
        return
    seen.add(resources.objgen)
    for font in (resources.get("/Font") or {}).values():
        yield font
        for glyph_proc in (font.get("/CharProcs") or {}).values():  # Type 3 glyphs may use fonts themselves
            yield from _fonts(glyph_proc.get("/Resources"), seen)
    for xobject in (resources.get("/XObject") or {}).values():
        if str(xobject.get("/Subtype")) == "/Form":
            yield from _fonts(xobject.get("/Resources"), seen)
    for pattern in (resources.get("/Pattern") or {}).values():
        yield from _fonts(pattern.get("/Resources"), seen)


def _font_problems(pdf: Any) -> list[Problem]:
    """Every font embedded (Type 3 fonts are drawn by the file itself)."""
    problems: list[Problem] = []
    seen: set[tuple[int, int]] = set()  # pikepdf object ids (objgen)
    checked: set[tuple[int, int]] = set()
    for number, page in enumerate(pdf.pages, start=1):
        for font in _fonts(page.obj.get("/Resources"), seen):
            if font.objgen in checked:
                continue
            checked.add(font.objgen)
            if str(font.get("/Subtype")) == "/Type3":
                continue
            descriptor_font = font.DescendantFonts[0] if "/DescendantFonts" in font else font
            descriptor = descriptor_font.get("/FontDescriptor")
            if descriptor is None or not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                name = str(font.get("/BaseFont", "?")).lstrip("/")
                problems.append(Problem(number, "font", f"police non incorporée : {name}"))
    return problems


# --- print preflight --------------------------------------------------------------------------------

_RGB_SPACES = {"/DeviceRGB", "/CalRGB", "/RGB"}


def _is_rgb_space(space: Any, depth: int = 0) -> bool:
    """DeviceRGB, CalRGB, a three-component ICC profile, or an indexed/separation/DeviceN space over one."""
    import pikepdf

    if space is None or depth > 4:
        return False
    if isinstance(space, pikepdf.Name):
        return str(space) in _RGB_SPACES
    if not isinstance(space, pikepdf.Array) or not len(space):
        return False
    family = str(space[0])
    if family in _RGB_SPACES:
        return True
    if family == "/ICCBased" and len(space) > 1:
        profile = space[1]
        return int(profile.get("/N", 0)) == 3 or _is_rgb_space(profile.get("/Alternate"), depth + 1)
    if family in ("/Indexed", "/Pattern") and len(space) > 1:
        return _is_rgb_space(space[1], depth + 1)
    if family in ("/Separation", "/DeviceN") and len(space) > 2:
        return _is_rgb_space(space[2], depth + 1)
    return False


@dataclass
class _Graphics:
    ctm: tuple[float, ...] = (1, 0, 0, 1, 0, 0)
    fill_space: str = "/DeviceGray"
    fill: tuple[float, ...] = (0,)


@dataclass
class _PageScan:
    """What the content of one page (with its forms and patterns) draws."""

    rgb: set[str] = field(default_factory=set)  # how RGB was set: operators, colour spaces, images
    min_text: float = math.inf
    text_boxes: list[tuple[float, float, float, float]] = field(default_factory=list)
    rich_black_text: int = 0
    low_dpi: list[float] = field(default_factory=list)


def _multiply(m: tuple[float, ...], n: tuple[float, ...]) -> tuple[float, ...]:
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    )


def _apply(m: tuple[float, ...], x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = m
    return a * x + c * y + e, b * x + d * y + f


class _FontMetrics:
    """Advance widths (1/1000 em) and vertical extent of one font, for text positions."""

    def __init__(self, font: Any) -> None:
        import pikepdf

        self.two_bytes = "/DescendantFonts" in font
        self.widths: dict[int, float] = {}
        self.default = 1000.0
        if self.two_bytes:
            cid_font = font.DescendantFonts[0]
            self.default = float(cid_font.get("/DW", 1000))
            array = list(cid_font.get("/W") or [])
            i = 0
            while i < len(array):
                first = int(array[i])
                nxt = array[i + 1]
                if isinstance(nxt, pikepdf.Array):
                    for j, width in enumerate(nxt):
                        self.widths[first + j] = float(width)
                    i += 2
                else:
                    for code in range(first, int(nxt) + 1):
                        self.widths[code] = float(array[i + 2])
                    i += 3
            descriptor = cid_font.get("/FontDescriptor")
        else:
            first = int(font.get("/FirstChar", 0))
            for j, width in enumerate(font.get("/Widths") or []):
                self.widths[first + j] = float(width)
            descriptor = font.get("/FontDescriptor")
            self.default = float((descriptor or {}).get("/MissingWidth", 500)) if descriptor is not None else 500.0
        self.ascent = float(descriptor.get("/Ascent", 800)) / 1000 if descriptor is not None else 0.8
        self.descent = float(descriptor.get("/Descent", -200)) / 1000 if descriptor is not None else -0.2
        if str(font.get("/Subtype")) == "/Type3":  # glyph space is the font matrix's: assume 1/1000 em
            self.ascent, self.descent = 0.8, -0.2

    def advance(self, raw: bytes) -> float:
        """Width of a string in text space units per unit of font size."""
        if self.two_bytes:
            codes = [raw[i] << 8 | raw[i + 1] for i in range(0, len(raw) - 1, 2)]
        else:
            codes = list(raw)
        return sum(self.widths.get(code, self.default) for code in codes) / 1000


def _scan_content(
    content: Any, resources: Any, ctm: tuple[float, ...], scan: _PageScan, pikepdf: Any, metrics: dict, depth: int = 0
) -> None:
    """Interpret one content stream: colours set, text drawn (size, box), images drawn (resolution)."""
    if depth > 8:
        return
    resources = resources if resources is not None else pikepdf.Dictionary()
    spaces = resources.get("/ColorSpace") or {}
    fonts = resources.get("/Font") or {}
    xobjects = resources.get("/XObject") or {}
    state = _Graphics(ctm=ctm)
    stack: list[_Graphics] = []
    tm: tuple[float, ...]  # the text matrix and the text line matrix
    lm: tuple[float, ...]
    tm = lm = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    font_metrics: _FontMetrics | None = None
    size = leading = rise = 0.0
    char_space = word_space = 0.0
    scale = 1.0
    try:
        instructions = pikepdf.parse_content_stream(content)
    except pikepdf.PdfError:
        return
    for instruction in instructions:
        if isinstance(instruction, pikepdf.ContentStreamInlineImage):
            image = instruction.iimage
            if _is_rgb_space(image.obj.get("/CS", image.obj.get("/ColorSpace"))) or str(image.obj.get("/CS", "")) in (
                "/RGB",
            ):
                scan.rgb.add("image en ligne RVB")
            continue
        operands, op = instruction.operands, str(instruction.operator)
        if op == "q":
            stack.append(_Graphics(state.ctm, state.fill_space, state.fill))
        elif op == "Q":
            if stack:
                state = stack.pop()
        elif op == "cm":
            state.ctm = _multiply(tuple(float(v) for v in operands), state.ctm)
        elif op in ("rg", "RG"):
            scan.rgb.add(f"opérateur {op}")
            if op == "rg":
                state.fill_space, state.fill = "/DeviceRGB", tuple(float(v) for v in operands)
        elif op in ("k", "K"):
            if op == "k":
                state.fill_space, state.fill = "/DeviceCMYK", tuple(float(v) for v in operands)
        elif op in ("g", "G"):
            if op == "g":
                state.fill_space, state.fill = "/DeviceGray", tuple(float(v) for v in operands)
        elif op in ("cs", "CS"):
            name = str(operands[0])
            space = spaces.get(name) if name not in ("/DeviceRGB", "/DeviceCMYK", "/DeviceGray", "/Pattern") else name
            if _is_rgb_space(space):
                scan.rgb.add(f"espace de couleur {name.lstrip('/')}")
            if op == "cs":
                state.fill_space = "/DeviceCMYK" if _components(space) == 4 else str(name)
                state.fill = ()
        elif op in ("sc", "scn"):
            values = tuple(float(v) for v in operands if isinstance(v, (int, float)) or _is_number(v))
            state.fill = values
        elif op == "BT":
            tm = lm = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
        elif op == "Tf":
            font = fonts.get(str(operands[0]))
            size = float(operands[1])
            if font is not None:
                key = font.objgen
                if key not in metrics:
                    metrics[key] = _FontMetrics(font)
                font_metrics = metrics[key]
        elif op == "Tm":
            tm = lm = tuple(float(v) for v in operands)
        elif op in ("Td", "TD"):
            tx, ty = float(operands[0]), float(operands[1])
            if op == "TD":
                leading = -ty
            lm = _multiply((1, 0, 0, 1, tx, ty), lm)
            tm = lm
        elif op == "T*":
            lm = _multiply((1, 0, 0, 1, 0, -leading), lm)
            tm = lm
        elif op == "TL":
            leading = float(operands[0])
        elif op == "Tc":
            char_space = float(operands[0])
        elif op == "Tw":
            word_space = float(operands[0])
        elif op == "Tz":
            scale = float(operands[0]) / 100
        elif op == "Ts":
            rise = float(operands[0])
        elif op in ("Tj", "TJ", "'", '"'):
            if op in ("'", '"'):
                lm = _multiply((1, 0, 0, 1, 0, -leading), lm)
                tm = lm
            parts = list(operands[0]) if op == "TJ" else [operands[-1]]
            width = 0.0
            for part in parts:
                if isinstance(part, pikepdf.String):
                    raw = bytes(part)
                    glyphs = len(raw) // 2 if font_metrics and font_metrics.two_bytes else len(raw)
                    width += (
                        font_metrics.advance(raw) * size if font_metrics else 0.5 * size * glyphs
                    ) + char_space * glyphs
                    if font_metrics and not font_metrics.two_bytes:
                        width += word_space * raw.count(b" ")
                else:
                    width -= float(part) / 1000 * size
            width *= scale
            if width == 0 and not parts:
                continue
            trm = _multiply(tm, state.ctm)
            effective = size * math.sqrt(abs(trm[0] * trm[3] - trm[1] * trm[2]))
            if effective > 0:
                scan.min_text = min(scan.min_text, effective)
            ascent = font_metrics.ascent if font_metrics else 0.8
            descent = font_metrics.descent if font_metrics else -0.2
            corners = [
                _apply(trm, x, y)
                for x in (0, width / size if size else 0)
                for y in (descent + rise / (size or 1), ascent + rise / (size or 1))
            ]
            xs, ys = [c[0] for c in corners], [c[1] for c in corners]
            scan.text_boxes.append((min(xs), min(ys), max(xs), max(ys)))
            if _rich_black(state.fill_space, state.fill) and effective < 12:
                scan.rich_black_text += 1
            tm = _multiply((1, 0, 0, 1, width, 0), tm)
        elif op == "Do":
            xobject = xobjects.get(str(operands[0]))
            if xobject is None:
                continue
            subtype = str(xobject.get("/Subtype"))
            if subtype == "/Image":
                _scan_image(xobject, state.ctm, scan)
            elif subtype == "/Form":
                group = xobject.get("/Group")
                if group is not None and _is_rgb_space(group.get("/CS")):
                    scan.rgb.add("groupe de transparence RVB")
                matrix = tuple(float(v) for v in xobject.get("/Matrix", [1, 0, 0, 1, 0, 0]))
                _scan_content(
                    xobject,
                    xobject.get("/Resources") or resources,
                    _multiply(matrix, state.ctm),
                    scan,
                    pikepdf,
                    metrics,
                    depth + 1,
                )
        elif op == "sh":
            shading = (resources.get("/Shading") or {}).get(str(operands[0]))
            if shading is not None and _is_rgb_space(shading.get("/ColorSpace")):
                scan.rgb.add("dégradé RVB")


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _components(space: Any) -> int:
    if space is None:
        return 0
    name = str(space)
    if name == "/DeviceCMYK":
        return 4
    if name.startswith("/"):
        return {"/DeviceRGB": 3, "/DeviceGray": 1}.get(name, 0)
    try:
        items = list(space)
    except TypeError:
        return 0
    if items and str(items[0]) == "/ICCBased":
        return int(items[1].get("/N", 0))
    return 0


def _rich_black(space: str, fill: tuple[float, ...]) -> bool:
    """A dark neutral printed with the three colour inks as well as black: registration risk on small type."""
    if space != "/DeviceCMYK" or len(fill) != 4:
        return False
    c, m, y, k = fill
    return k >= 0.6 and min(c, m, y) >= 0.2


def _scan_image(image: Any, ctm: tuple[float, ...], scan: _PageScan) -> None:
    if _is_rgb_space(image.get("/ColorSpace")):
        scan.rgb.add("image RVB")
    smask = image.get("/SMask")
    if smask is not None and _is_rgb_space(smask.get("/ColorSpace")):
        scan.rgb.add("masque d'image RVB")
    if image.get("/ImageMask", False):
        return
    width_pt = math.hypot(ctm[0], ctm[1])
    height_pt = math.hypot(ctm[2], ctm[3])
    if width_pt <= 0 or height_pt <= 0:
        return
    dpi = min(int(image.get("/Width", 0)) / (width_pt / 72), int(image.get("/Height", 0)) / (height_pt / 72))
    if dpi < MIN_DPI:
        scan.low_dpi.append(dpi)


def _box(page: Any, name: str) -> list[float] | None:
    value = page.obj.get(name)
    return [float(v) for v in value] if value is not None else None


def _fr(value: float, digits: int = 1) -> str:
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:.0f}"
    return text.replace(".", ",")


def print_problems(
    pdf: Any, safe_zone_mm: float = SAFE_ZONE_MM, min_bleed_mm: float = MIN_BLEED_MM, min_text_pt: float = MIN_TEXT_PT
) -> list[Problem]:
    """What a print shop's preflight reports on `pdf`; [] for a file ready to print."""
    import pikepdf

    problems: list[Problem] = []
    declared = claims(pdf)["pdfx"]
    if not declared:
        problems.append(Problem(None, "pdfx", "fichier non déclaré PDF/X (PDF/X-4 ou PDF/X-1a attendu)"))
    elif not declared.startswith(("PDF/X-4", "PDF/X-1a", "PDF/X-3")):
        problems.append(Problem(None, "pdfx", f"version {declared} : PDF/X-4 ou PDF/X-1a attendu"))
    problems += _intent_problems(pdf)
    problems += _object_rgb_problems(pdf, pikepdf)
    problems += _font_problems(pdf)
    count = len(pdf.pages)
    if count % 4:
        target = count + (4 - count % 4)
        problems.append(
            Problem(
                None,
                "pages",
                f"{count} pages : une brochure piquée a un nombre de pages multiple de 4 ({target} par exemple)",
            )
        )
    metrics: dict = {}
    for number, page in enumerate(pdf.pages, start=1):
        problems += _box_problems(page, number, min_bleed_mm)
        scan = _PageScan()
        _scan_content(page, page.obj.get("/Resources"), (1, 0, 0, 1, 0, 0), scan, pikepdf, metrics)
        for pattern in ((page.obj.get("/Resources") or {}).get("/Pattern") or {}).values():
            if _is_rgb_space((pattern.get("/Shading") or {}).get("/ColorSpace")):
                scan.rgb.add("motif RVB")
        if scan.rgb:
            problems.append(
                Problem(number, "rgb", "couleur RVB : " + ", ".join(sorted(scan.rgb)) + " (tout doit être en CMJN)")
            )
        if scan.min_text < min_text_pt - 0.05:
            problems.append(
                Problem(number, "text-size", f"texte en {_fr(scan.min_text)} pt (au moins {_fr(min_text_pt)} pt)")
            )
        if scan.rich_black_text:
            problems.append(
                Problem(
                    number,
                    "rich-black",
                    f"{scan.rich_black_text} ligne(s) de petit texte en noir quadrichromie (noir seul attendu)",
                )
            )
        if scan.low_dpi:
            problems.append(
                Problem(
                    number, "dpi", f"image à {min(scan.low_dpi):.0f} dpi à sa taille imprimée ({MIN_DPI} dpi au moins)"
                )
            )
        trim = _box(page, "/TrimBox") or _box(page, "/MediaBox")
        if trim is not None:
            problems += _safe_zone_problems(scan.text_boxes, trim, number, safe_zone_mm)
        annots = page.obj.get("/Annots") or []
        printed = [a for a in annots if str(a.get("/Subtype", "")) not in ("/PrinterMark", "/TrapNet")]
        if printed:
            problems.append(
                Problem(
                    number, "annot", f"{len(printed)} annotation(s) (liens…) sur la page imprimée : interdit en PDF/X"
                )
            )
    return problems


def _intent_problems(pdf: Any) -> list[Problem]:
    intents = [i for i in (pdf.Root.get("/OutputIntents") or []) if str(i.get("/S", "")) == "/GTS_PDFX"]
    if not intents:
        return [
            Problem(
                None,
                "intent",
                "pas de mode de sortie PDF/X (OutputIntent /GTS_PDFX) : le profil CMJN d'impression est absent",
            )
        ]
    profile = intents[0].get("/DestOutputProfile")
    if profile is None:
        return [Problem(None, "intent", "mode de sortie sans profil ICC (DestOutputProfile)")]
    if int(profile.get("/N", 0)) != 4:
        return [Problem(None, "intent", "le profil du mode de sortie n'est pas un profil CMJN")]
    return []


def _object_rgb_problems(pdf: Any, pikepdf: Any) -> list[Problem]:
    """Every object of the file that declares an RGB colour space, drawn or not (a print shop's RIP sees all)."""
    found: set[str] = set()
    for obj in pdf.objects:
        if not isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
            continue
        try:
            kind = str(obj.get("/Type", "")) or str(obj.get("/Subtype", ""))
            if str(obj.get("/Subtype", "")) == "/Image" and _is_rgb_space(obj.get("/ColorSpace")):
                found.add("image RVB")
            elif "/ShadingType" in obj and _is_rgb_space(obj.get("/ColorSpace")):
                found.add("dégradé RVB")
            elif str(obj.get("/S", "")) == "/Transparency" and _is_rgb_space(obj.get("/CS")):
                found.add("groupe de transparence RVB")
            elif kind != "/OutputIntent" and isinstance(obj.get("/ColorSpace"), pikepdf.Dictionary):
                for name, space in obj.ColorSpace.items():
                    if _is_rgb_space(space):
                        found.add(f"espace de couleur RVB déclaré ({name.lstrip('/')})")
        except (pikepdf.PdfError, TypeError, ValueError):
            continue
    return [Problem(None, "rgb", f"{what} dans le fichier (tout doit être en CMJN)") for what in sorted(found)]


def _box_problems(page: Any, number: int, min_bleed_mm: float) -> list[Problem]:
    media = _box(page, "/MediaBox")
    trim = _box(page, "/TrimBox")
    bleed = _box(page, "/BleedBox")
    if trim is None:
        return [Problem(number, "trimbox", "pas de format fini (TrimBox absente)")]
    if bleed is None:
        return [Problem(number, "bleedbox", "pas de fond perdu déclaré (BleedBox absente)")]
    problems = []
    margins = [trim[0] - bleed[0], trim[1] - bleed[1], bleed[2] - trim[2], bleed[3] - trim[3]]
    smallest = min(margins) / MM
    if smallest < min_bleed_mm - 0.05:
        problems.append(
            Problem(
                number, "bleed", f"fond perdu de {_fr(max(smallest, 0))} mm ({_fr(min_bleed_mm)} mm au moins attendus)"
            )
        )
    if media is not None and (
        bleed[0] < media[0] - 0.01
        or bleed[1] < media[1] - 0.01
        or bleed[2] > media[2] + 0.01
        or bleed[3] > media[3] + 0.01
    ):
        problems.append(Problem(number, "bleedbox", "la BleedBox dépasse la page (MediaBox)"))
    return problems


def _safe_zone_problems(
    boxes: Iterable[tuple[float, float, float, float]], trim: list[float], number: int, safe_zone_mm: float
) -> list[Problem]:
    inset = safe_zone_mm * MM
    left, bottom, right, top = trim[0] + inset, trim[1] + inset, trim[2] - inset, trim[3] - inset
    closest = math.inf
    outside = 0
    for x0, y0, x1, y1 in boxes:
        if x1 - x0 <= 0.01:
            continue
        gap = min(x0 - trim[0], y0 - trim[1], trim[2] - x1, trim[3] - y1)
        if x0 < left - 0.2 or y0 < bottom - 0.2 or x1 > right + 0.2 or y1 > top + 0.2:
            outside += 1
            closest = min(closest, gap)
    if not outside:
        return []
    where = "hors de la page finie" if closest < 0 else f"à {_fr(closest / MM)} mm du bord de coupe"
    return [
        Problem(number, "safe-zone", f"{outside} ligne(s) de texte {where} (zone de sécurité : {_fr(safe_zone_mm)} mm)")
    ]


# --- files ------------------------------------------------------------------------------------------


def check_pdf(path: Path, print_shop: bool = True, ua: bool | None = None) -> list[Problem]:
    """The problems of the PDF at `path`: the print preflight (`print_shop`), the PDF/UA-1 checks (`ua`;
    by default when the file claims PDF/UA). Raises `PdfUnreadable` for a file that is not a PDF."""
    with open_pdf(path) as pdf:
        problems: list[Problem] = []
        if print_shop:
            problems += print_problems(pdf)
        if ua or (ua is None and claims(pdf)["ua"]):
            problems += [p for p in ua_problems(pdf) if not (print_shop and p.code == "font")]
        return sorted(set(problems), key=lambda p: (p.page or 0, p.code, p.message))


def describe(path: Path) -> str:
    """One line about a PDF for a passed check: its conformance, its page count, its output condition."""
    with open_pdf(path) as pdf:
        declared = claims(pdf)
        parts = [declared["pdfx"]] if declared["pdfx"] else []
        if declared["ua"]:
            parts.append(f"PDF/UA-{declared['ua']}")
        parts.append(f"{len(pdf.pages)} pages")
        intents = [i for i in (pdf.Root.get("/OutputIntents") or []) if str(i.get("/S", "")) == "/GTS_PDFX"]
        if intents:
            parts.append(f"profil {intents[0].get('/OutputConditionIdentifier', '?')}")
        return ", ".join(parts)
