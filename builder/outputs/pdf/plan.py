"""Stage 4, PDF: the printable plan (A4), and the WeasyPrint plumbing shared with the brochure.

One way to make a PDF: Jinja2 templates in `theme/print/` → HTML, an external print stylesheet (never CSS
pasted into an autoescaped template: WeasyPrint would silently drop `content:` declarations), WeasyPrint
(CSS Paged Media), deterministic metadata (same content → same bytes), a tagged PDF/UA-1 with title and
language, and a content-hash cache so an unchanged PDF is copied instead of rendered again.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from builder import fr
from builder.content.model import STATUTS, Fiche, Projet
from builder.outputs.pdf.urls import page_base, resolve_links, url_fetcher
from builder.render.charts import indicator_svg
from builder.render.facts import (
    Badge,
    chart_alt,
    fiche_facts,
    financements_view,
    historique_rows,
    indicateur_views,
    jalon_rows,
    statut_badge,
    suivi_rows,
)
from builder.render.markdown import inline, link_fiche_numbers, to_html
from builder.render.tableau_de_bord import print_context
from builder.resources import theme_dir
from builder.settings import CACHE_ENV, Settings  # noqa: F401  (CACHE_ENV: the tests set it)
from builder.text import typeset, typeset_html

PACKAGE = Path(__file__).resolve().parents[2]  # builder/
THEME = theme_dir() / "print"  # the packaged print theme: the base of relative URLs (fonts, colour profiles)
CACHE_KEEP = 4  # cached PDFs kept per kind

# --- templates --------------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def environment(folders: tuple[Path, ...]) -> jinja2.Environment:
    """Print templates from `folders` (the theme layers' `print/` then `partials/`), autoescaped; Markdown only
    through `builder.render.markdown`."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folders),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(
        date_fr=fr.date_fr,
        number_fr=fr.number_fr,
        euros_fr=fr.euros_fr,
        markdown=lambda text, level=2: nest_headings(to_html(text, shift_headings=1), level),
        inline=inline,
        typo=typeset,
    )  # attribute values shown by the CSS (`string-set: … attr(data-title)`)
    # what the shared partials (theme/partials) call, under the same names as in the site's environment
    env.globals.update(inline=inline, indicator_svg=titled_chart)
    return env


_HEADING_TAG = re.compile(r"<(/?)h([1-6])>")


def nest_headings(html: Markup, level: int) -> Markup:
    """The headings of a converted text nested under the page's: the first one at `level`, each deeper one at most
    one level below the one before (a text that jumps from `##` to `####` must not skip a level: PDF/UA), none
    deeper than `<h6>`."""
    stack: list[int] = []
    opened: list[int] = []

    def replace(match: re.Match) -> str:
        if match[1]:
            return f"</h{opened.pop() if opened else level}>"
        original = int(match[2])
        while stack and stack[-1] >= original:
            stack.pop()
        stack.append(original)
        target = min(6, level + len(stack) - 1)
        opened.append(target)
        return f"<h{target}>"

    return Markup(_HEADING_TAG.sub(replace, str(html)))


def titled_chart(
    ind: Any, width: int = 340, height: int = 140, colour: str = "#0b5cad", font_size: float = 9, fluid: bool = False
) -> Markup:
    """The shared chart, titled with a sentence that gives its data: WeasyPrint makes an SVG's <title> the /Alt
    of its Figure, and a reader of the PDF hears the values, not just the indicator's name."""
    svg = str(indicator_svg(ind, width, height, colour, font_size, fluid))
    if not svg:
        return Markup("")
    title = f"<title>{escape(chart_alt(ind))}</title>"
    svg = re.sub(r"<title>.*?</title>", "", svg, count=1, flags=re.S)
    head_end = svg.index(">", svg.index("<svg")) + 1
    return Markup(svg[:head_end] + title + svg[head_end:])


def decorative_icon(svg: str, convert: Callable[[str], str] | None = None) -> Markup:
    """A decorative inline SVG (a statut icon next to its word) as a CSS background: WeasyPrint paints
    backgrounds as artifacts, where an inline SVG would be a Figure without alternate text. `convert` rewrites its
    colours (the print version's CMYK) before it is sealed in a data URL."""
    svg = re.sub(r"^<svg\b", '<svg xmlns="http://www.w3.org/2000/svg"', svg) if "xmlns=" not in svg else svg
    if convert is not None:
        svg = convert(svg)
    data = base64.b64encode(svg.encode()).decode()
    return Markup(
        f'<span class="fa-statut__icon" style="background-image: url(data:image/svg+xml;base64,{data})"></span>'
    )


def print_badges(projet: Projet, convert: Callable[[str], str] | None = None) -> dict[str, Badge]:
    """The statut badges of the PDFs: the shared ones, with their icon as an artifact."""
    badges = {}
    for code in STATUTS:
        badge = statut_badge(projet, code)
        badges[code] = replace(badge, icon=decorative_icon(str(badge.icon), convert))
    return badges


def render_template(name: str, settings: Settings, **context: Any) -> str:
    """A print template's HTML, typeset in French (`builder.text.typeset_html`: text nodes only)."""
    folders = tuple(settings.theme_folders("print") + settings.theme_folders("partials"))
    return typeset_html(environment(folders).get_template(name).render(**context))


# --- metadata -------------------------------------------------------------------------------------


def build_date(projet: Projet) -> dt.datetime:
    """The date written in the PDF: `SOURCE_DATE_EPOCH` if set, else the plan's « état au » date."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    day = projet.date_situation
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def metadata(projet: Projet, title: str, description: str = "") -> dict[str, str]:
    """`<meta>` values WeasyPrint reads into the PDF's information and XMP metadata."""
    stamp = build_date(projet).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "title": title,
        "author": projet.plan.collectivite,
        "description": description,
        "generator": "fiches",
        "created": stamp,
        "modified": stamp,
    }


# --- cache ----------------------------------------------------------------------------------------


def model_fingerprint(projet: Projet) -> dict[str, Any]:
    """Everything of the models a PDF may show, as plain JSON-able data."""
    history = {
        fid: [
            str(h.derniere_modification),
            [[str(c.date), c.nature, c.avant, c.apres, c.commit] for c in h.changements],
        ]
        for fid, h in sorted(projet.history.items())
    }
    return {
        "plan": projet.plan.model_dump(mode="json"),
        "fiches": [[f.model_dump(mode="json"), f.body] for f in projet.fiches],
        "history": history,
        "modifications": {fid: [str(d) for d in h.modifications] for fid, h in sorted(projet.history.items())},
        "bilan": projet.bilan_markdown,
        "date_situation": projet.date_situation.isoformat(),
        "source_date_epoch": os.environ.get("SOURCE_DATE_EPOCH", ""),
    }


def _files_digest(paths: Iterable[tuple[str, Path]]) -> str:
    digest = hashlib.sha256()
    for name, path in sorted(paths):
        digest.update(name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@lru_cache(maxsize=4)
def code_digest(layers: tuple[Path, ...]) -> str:
    """Every file of the theme layers and every Python file of the package (whatever its folder): a change there
    may change the PDFs. Paths are hashed relative to their root, so the key does not depend on where fiches or the
    project lives."""
    files = [
        (f"{n}:{p.relative_to(layer)}", p)
        for n, layer in enumerate(layers)
        for p in layer.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    ]
    files += [
        (f"builder:{p.relative_to(PACKAGE)}", p)
        for p in PACKAGE.rglob("*.py")
        if not any(part in ("theme", "demo", "vendor") for part in p.relative_to(PACKAGE).parts)
    ]
    # the libraries that lay out, convert, sanitise, hyphenate and draw: an upgrade may change the PDFs
    from importlib.metadata import PackageNotFoundError, version

    libraries = []
    for name in (
        "weasyprint",
        "pydyf",
        "tinycss2",
        "pyphen",
        "fonttools",
        "Markdown",
        "nh3",
        "Jinja2",
        "segno",
        "pillow",
        "pikepdf",
    ):
        try:
            libraries.append(f"{name}={version(name)}")
        except PackageNotFoundError:
            libraries.append(f"{name}=?")
    return _files_digest(files) + ";".join(libraries)


def content_key(kind: str, projet: Projet, settings: Settings, extra: Any = None) -> str:
    """Hash of the models, the templates, the CSS and the code: equal keys give equal PDFs."""
    payload = json.dumps(
        [kind, model_fingerprint(projet), extra, code_digest(settings.layers)],
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def store_cached(folder: Path, kind: str, key: str, pdf: Path) -> None:
    """Keep a copy of a fresh PDF under its key, and only the last few PDFs of each kind."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        os.close(fd)
        shutil.copyfile(pdf, tmp)
        os.replace(tmp, folder / f"{kind}-{key}.pdf")
        old = sorted(folder.glob(f"{kind}-*.pdf"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in old[CACHE_KEEP:]:
            stale.unlink(missing_ok=True)
    except OSError:  # a cache that cannot be written only costs time
        pass


def cached_render(kind: str, key: str, path: Path, render: Callable[[Path], object], cache: Path) -> bool:
    """Copy the PDF cached in `cache` for `key` to `path`, or call `render(path)` and cache the result.

    Returns True when the PDF was rendered, False when it came from the cache.
    """
    cached = cache / f"{kind}-{key}.pdf"
    path.parent.mkdir(parents=True, exist_ok=True)
    if cached.is_file():
        shutil.copyfile(cached, path)
        os.utime(cached)  # most recently used
        return False
    render(path)
    store_cached(cache, kind, key, path)
    return True


# --- WeasyPrint -----------------------------------------------------------------------------------

UA = "pdf/ua-1"  # the plan and the screen brochure: tagged, accessible
PDFX = "pdf/x-4"  # the print-shop brochure: CMYK with an output intent, no annotation


@dataclass(frozen=True)
class PrintSetup:
    """What the print-shop PDF needs beyond the screen one: CMYK colours, its output intent, its bleed."""

    paper: str  # key of builder.outputs.pdf.cmyk.PROFILES
    bleed_mm: float


def write_pdf(
    html: str,
    path: Path,
    stylesheets: list[Path],
    extra_css: str = "",
    *,
    link_text: Callable[[str, bool], str] | None = None,
    print_setup: PrintSetup | None = None,
    site_url: str | None = None,
) -> None:
    """HTML + external print stylesheets → a tagged PDF at `path`, with deterministic bytes.

    Title, language, author and dates come from the HTML (`<title>`, `lang`, `<meta>`), set by the templates.
    Without `print_setup`: PDF/UA-1 (its claim is written, then checked: see `claim_or_warn`). With it: PDF/X-4,
    every colour of the CSS and of the HTML converted to CMYK, the output intent of the chosen paper, no link.
    `link_text(target, internal)` gives each link its alternate text; links that are not internal are made
    absolute against `site_url`, or kept as plain text without it (`builder.outputs.pdf.urls`)."""
    document = render_document(html, stylesheets, extra_css, print_setup, site_url=site_url)
    write_document(document, path, html, link_text=link_text, print_setup=print_setup)


def render_document(
    html: str,
    stylesheets: list[Path],
    extra_css: str = "",
    print_setup: PrintSetup | None = None,
    *,
    site_url: str | None = None,
) -> Any:
    """The laid-out WeasyPrint document (its pages can be counted, or some of them kept, before writing). Its
    links point to the web or inside the document, never to a file (see `builder.outputs.pdf.urls`); WeasyPrint opens
    only the theme's files."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    html = resolve_links(html, page_base(site_url, ""))
    # a project's stylesheet (`theme/print/x.css`) may load its own files: its layer is allowed too
    fetcher = url_fetcher(tuple(Path(s).resolve().parent.parent for s in stylesheets))
    fonts = FontConfiguration()
    profiles: dict[str, Any] = {}  # filled by `@color-profile` rules
    if print_setup is None:
        sheets = [weasyprint.CSS(filename=str(s), font_config=fonts, url_fetcher=fetcher) for s in stylesheets]
    else:
        from builder.outputs.pdf.cmyk import cmyk_css, cmyk_html, profile_path

        sheets = [
            weasyprint.CSS(
                string=cmyk_css(s.read_text(encoding="utf-8"), print_setup.paper),
                base_url=str(s.parent) + "/",
                font_config=fonts,
                color_profiles=profiles,
                url_fetcher=fetcher,
            )
            for s in stylesheets
        ]
        profile = profile_path(print_setup.paper).relative_to(THEME)
        extra_css = (
            f"@color-profile device-cmyk {{ src: url({profile}); "
            "components: cyan, magenta, yellow, black; }\n" + cmyk_css(extra_css, print_setup.paper)
        )
        html = cmyk_html(html, print_setup.paper)
    if extra_css:
        sheets.append(
            weasyprint.CSS(
                string=extra_css,
                base_url=str(THEME) + "/",
                font_config=fonts,
                color_profiles=profiles,
                url_fetcher=fetcher,
            )
        )
    return weasyprint.HTML(string=html, base_url=str(THEME) + "/", url_fetcher=fetcher).render(
        stylesheets=sheets, font_config=fonts, color_profiles=profiles
    )


@lru_cache(maxsize=4)
def prepared_stylesheets(paths: tuple[str, ...], extra_css: str = "") -> tuple[Any, list[Any], Any]:
    """(font configuration, parsed stylesheets, fetcher) for screen PDFs laid out many times in one process (the
    plan's parts, the fiches' PDFs): parsed once per process. The fetcher is `render_document`'s: WeasyPrint opens
    only the files of the theme layers the stylesheets come from."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    fetcher = url_fetcher(tuple(Path(s).resolve().parent.parent for s in paths))
    fonts = FontConfiguration()
    sheets = [weasyprint.CSS(filename=s, font_config=fonts, url_fetcher=fetcher) for s in paths]
    if extra_css:
        sheets.append(
            weasyprint.CSS(string=extra_css, base_url=str(THEME) + "/", font_config=fonts, url_fetcher=fetcher)
        )
    return fonts, sheets, fetcher


def write_document(
    document: Any,
    path: Path,
    html: str,
    *,
    link_text: Callable[[str, bool], str] | None = None,
    print_setup: PrintSetup | None = None,
) -> None:
    """Write a laid-out document: PDF/UA-1, or PDF/X-4 with `print_setup` (see `write_pdf`)."""
    variant = PDFX if print_setup else UA
    document.write_pdf(
        str(path),
        pdf_variant=variant,
        pdf_tags=True,
        pdf_identifier=True,
        uncompressed_pdf=False,
        optimize_images=True,
        finisher=lambda doc, pdf: _finish(pdf, html, link_text, print_setup),
    )


def _finish(pdf: Any, html: str, link_text: Callable[[str, bool], str] | None, print_setup: PrintSetup | None) -> None:
    """What WeasyPrint leaves to do, on its PDF objects before they are written."""
    objects = _Objects(pdf)
    _bleed_boxes(pdf, print_setup.bleed_mm if print_setup else None)
    tree = objects.get(pdf.catalog.get("StructTreeRoot"))
    if tree is not None:
        _margin_boxes_as_artifacts(objects, tree)
        _table_header_scopes(objects, tree)
    if print_setup is not None:
        _remove_links(pdf, objects)
        _output_intent(pdf, objects, print_setup)
        _deterministic_document_id(objects, pdf, html)
    else:
        _link_texts(pdf, objects, link_text)


class _Objects:
    """pydyf objects by reference (`b"12 0 R"`)."""

    def __init__(self, pdf: Any) -> None:
        self.pdf = pdf

    def get(self, reference: Any) -> Any:
        if not isinstance(reference, (bytes, str)):
            return None
        text = reference.decode() if isinstance(reference, bytes) else reference
        parts = text.split()
        if len(parts) != 3 or parts[2] != "R":
            return None
        return self.pdf.objects[int(parts[0])]


def _bleed_boxes(pdf: Any, bleed_mm: float | None) -> None:
    """BleedBox = TrimBox grown by the bleed the print shop asked for (WeasyPrint caps it at 10 pt, 3.5 mm, and
    the MediaBox also holds the slug with the crop marks); without a bleed, BleedBox = MediaBox."""
    import pydyf

    grow = (bleed_mm or 0) * 72 / 25.4
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/Page" and "MediaBox" in obj:
            media = [float(v) for v in obj["MediaBox"]]
            if bleed_mm is None or "TrimBox" not in obj:
                obj["BleedBox"] = pydyf.Array(media)
                continue
            trim = [float(v) for v in obj["TrimBox"]]
            obj["BleedBox"] = pydyf.Array(
                [
                    max(media[0], trim[0] - grow),
                    max(media[1], trim[1] - grow),
                    min(media[2], trim[2] + grow),
                    min(media[3], trim[3] + grow),
                ]
            )


def _numbers(array: Any) -> list[int]:
    """Object numbers of the references in a pydyf array of `b"N 0 R"` items."""
    out = []
    for item in array or ():
        if isinstance(item, bytes) and item.endswith(b" R"):
            out.append(int(item.split()[0]))
    return out


def _margin_boxes_as_artifacts(objects: _Objects, tree: Any) -> None:
    """Running headers, footers and page numbers (CSS margin boxes) as artifacts.

    WeasyPrint 70 tags their text but leaves the elements out of the structure tree ("it could be included as
    Artifact, but that's only allowed in PDF 2.0"): marked content that is neither in the tree nor an artifact.
    In PDF 1.7 an artifact is a marked-content sequence `/Artifact BMC`: their sequences become that, their
    elements are dropped, and so are their entries of the parent tree."""
    import pydyf

    pdf = objects.pdf
    reachable: set[int] = set()
    stack = _numbers(tree.get("K"))
    while stack:
        number = stack.pop()
        if number in reachable:
            continue
        reachable.add(number)
        element = pdf.objects[number]
        if isinstance(element, pydyf.Dictionary):
            stack.extend(_numbers(element.get("K")))
    mapping = objects.get(tree.get("ParentTree"))
    if mapping is None:
        return
    nums = mapping["Nums"]
    pages = {ref: number for number, ref in enumerate(pdf.page_references)}
    orphan_mcids: dict[int, set[int]] = {}  # page index → marked-content ids to turn into artifacts
    for i in range(0, len(nums) - 1, 2):
        key, value = nums[i], nums[i + 1]
        if not isinstance(value, pydyf.Array):
            continue  # an annotation's entry
        for mcid, reference in enumerate(value):
            found = _numbers([reference])
            if found and found[0] not in reachable:
                element = pdf.objects[found[0]]
                orphan_mcids.setdefault(pages.get(element.get("Pg"), key), set()).add(mcid)
                element.free = "f"
                value[mcid] = "null"
    for page_index, mcids in orphan_mcids.items():
        page = objects.get(pdf.page_references[page_index])
        stream = objects.get(page["Contents"])
        items = stream.stream
        for i, item in enumerate(items):
            if (
                isinstance(item, pydyf.Dictionary)
                and item.get("MCID") in mcids
                and i + 1 < len(items)
                and items[i + 1] == b"BDC"
            ):
                items[i - 1], items[i], items[i + 1] = "/Artifact", b"", b"BMC"
    # the dropped elements' parents (those not in the tree either) go too
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/StructElem" and obj.number not in reachable:
            obj.free = "f"


def _table_header_scopes(objects: _Objects, tree: Any) -> None:
    """Each table header cell with its scope: a column header in the table head, else a row header."""
    import pydyf

    for obj in objects.pdf.objects:
        if isinstance(obj, pydyf.Dictionary) and obj.get("S") == "/TH" and obj.free != "f":
            row = objects.get(obj.get("P"))
            group = objects.get(row.get("P")) if row is not None else None
            in_head = group is not None and group.get("S") == "/THead"
            attributes = obj.get("A")
            if not isinstance(attributes, pydyf.Dictionary):
                attributes = obj["A"] = pydyf.Dictionary({"O": "/Table"})
            attributes["Scope"] = "/Column" if in_head else "/Row"


def _link_texts(pdf: Any, objects: _Objects, link_text: Callable[[str, bool], str] | None) -> None:
    """Every link annotation's alternate text (/Contents): where it goes, in words."""
    import pydyf

    for obj in pdf.objects:
        if isinstance(obj, pydyf.Dictionary) and obj.get("Subtype") == "/Link":
            internal = "Dest" in obj
            target = _pdf_string(obj["Dest"]) if internal else _pdf_string(obj["A"]["URI"])
            text = link_text(target, internal) if link_text else None
            obj["Contents"] = pydyf.String(text or (f"Aller à « {target} »" if internal else f"Lien vers {target}"))


def _pdf_string(value: Any) -> str:
    return value.string if hasattr(value, "string") else str(value)


def _remove_links(pdf: Any, objects: _Objects) -> None:
    """No annotation on a printed page (PDF/X): the links go, their text stays, tagged as plain spans."""
    import pydyf

    for obj in pdf.objects:
        if isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/Page" and "Annots" in obj:
            for number in _numbers(obj["Annots"]):
                pdf.objects[number].free = "f"
            del obj["Annots"]
        elif isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/OBJR":
            obj.free = "f"
    kept = set()
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/StructElem" and "K" in obj:
            obj["K"] = pydyf.Array(
                [
                    k
                    for k in obj["K"]
                    if not (
                        isinstance(k, bytes)
                        and k.endswith(b" R")
                        and pdf.objects[int(k.split()[0])].free == "f"
                        and pdf.objects[int(k.split()[0])].get("Type") == "/OBJR"
                    )
                ]
            )
            if obj.get("S") == "/Link":
                obj["S"] = "/Span"
            kept.add(obj.number)
    tree = objects.get(pdf.catalog.get("StructTreeRoot"))
    mapping = objects.get(tree.get("ParentTree")) if tree is not None else None
    if mapping is not None:
        nums = mapping["Nums"]
        pairs = [(nums[i], nums[i + 1]) for i in range(0, len(nums) - 1, 2)]
        mapping["Nums"] = pydyf.Array(
            [x for key, value in pairs if isinstance(value, pydyf.Array) for x in (key, value)]
        )


def _output_intent(pdf: Any, objects: _Objects, print_setup: PrintSetup) -> None:
    """The output intent names its registered printing condition (FOGRA39…), as preflight tools expect."""
    import pydyf

    from builder.outputs.pdf.cmyk import PROFILES

    _, condition, description = PROFILES[print_setup.paper]
    for intent in pdf.catalog.get("OutputIntents") or []:
        intent["OutputConditionIdentifier"] = pydyf.String(condition)
        intent["OutputCondition"] = pydyf.String(description)
        intent["Info"] = pydyf.String(description)
        intent["RegistryName"] = pydyf.String("http://www.color.org")


def _deterministic_document_id(objects: _Objects, pdf: Any, html: str) -> None:
    """WeasyPrint's PDF/X metadata carries a random document id: one derived from the content instead (same
    content, same bytes)."""
    metadata = objects.get(pdf.catalog.get("Metadata"))
    if metadata is None:
        return
    digest = hashlib.sha256(html.encode()).hexdigest()
    stable = f"xmp.did:{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}".encode()
    metadata.stream = [re.sub(rb"xmp\.did:[0-9a-f-]{36}", stable, _bytes(item)) for item in metadata.stream]


def _bytes(item: Any) -> bytes:
    return item if isinstance(item, bytes) else str(item).encode()


# --- conformance claims -------------------------------------------------------------------------------


def ua_check(path: Path) -> list[str]:
    """The PDF/UA-1 problems of a PDF the project wrote (French lines; [] when none)."""
    from builder.outputs.pdf.check import check_pdf

    return [str(p) for p in check_pdf(path, print_shop=False, ua=True)]


def claim_or_warn(path: Path, label: str) -> bool:
    """Keep the PDF/UA-1 claim of a freshly written PDF only if the checks find nothing; otherwise remove it and
    warn with the problems. Returns True when the claim stays."""
    problems = ua_check(path)
    if not problems:
        return True
    _remove_ua_claim(path)
    print(
        f"{label} : PDF/UA-1 non revendiqué, {len(problems)} problème{'s' if len(problems) > 1 else ''} "
        "d'accessibilité [avertissement]",
        file=sys.stderr,
    )
    for problem in problems[:20]:
        print(f"  {label} : {problem}", file=sys.stderr)
    return False


def _remove_ua_claim(path: Path) -> None:
    import pikepdf

    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            if "pdfuaid:part" in meta:
                del meta["pdfuaid:part"]
        pdf.save(path, deterministic_id=True)


# --- the plan -------------------------------------------------------------------------------------

PLAN_CSS = ("print/print.css", "print/plan.css", "print/pilotage.css")  # in the theme layers


def axe_css(projet: Projet) -> str:
    """Named pages in each axe's colour, for the chapter openers (colours are validated #rrggbb)."""
    quiet = "color: rgba(255, 255, 255, 0.75)"
    return "\n".join(
        f"@page axe-{a.numero} {{ background: {a.couleur}; @top-left {{ content: none }} "
        f"@top-right {{ content: none }} @bottom-left {{ {quiet} }} @bottom-right {{ {quiet} }} }}\n"
        f".opener-{a.numero} {{ page: axe-{a.numero}; }}"
        for a in projet.plan.axes
    )


def plan_context(projet: Projet, url: str | None = None) -> dict[str, Any]:
    """What the plan template shows, computed once in Python."""
    plan = projet.plan
    chapters = []
    for axe in plan.axes:
        objectifs = [(o, projet.fiches_of_objectif(o.numero)) for o in axe.objectifs]
        chapters.append(
            {
                "axe": axe,
                "objectifs": objectifs,
                "fiches": projet.fiches_of_axe(axe.numero),
                "progress": projet.progress(projet.fiches_of_axe(axe.numero)),
            }
        )
    by_direction = []
    for direction in plan.directions:
        fiches = [f for f in projet.fiches if f.pilote == direction.code]
        if fiches:
            by_direction.append((direction, fiches))
    title = plan.titre
    return {
        "projet": projet,
        "plan": plan,
        "chapters": chapters,
        "by_direction": by_direction,
        "meta": metadata(projet, title, plan.sous_titre or f"Projet d'administration — {plan.collectivite}"),
        "date_situation": fr.date_fr(projet.date_situation),
        "stats": projet.stats(),
        **fiche_helpers(projet, url),
        **print_context(projet),  # the tableau de bord page
    }


def fiche_helpers(projet: Projet, url: str | None = None, number_links: bool = True) -> dict[str, Any]:
    """The functions of `builder.render.facts` the print templates and the shared partials call; `url` is the site's
    address, the base of the relative links a fiche's text holds (as on its page of the site). `number_links`: the
    numbers of other fiches in a text link to their pages (in the plan; a fiche's PDF alone has no page to link
    to)."""
    badges = print_badges(projet)

    def fiche_refs(html: Markup, fiche: Fiche) -> Markup:
        resolved = Markup(resolve_links(html, page_base(url, f"fiches/{fiche.slug}/")))
        if not number_links:
            return resolved
        return link_fiche_numbers(
            resolved,
            lambda n: f"#fiche-{projet.by_id[n].slug}" if n in projet.by_id and n != fiche.id else None,
            "ref",
        )

    return {
        "badge_of": badges.__getitem__,
        "facts": lambda fiche: fiche_facts(projet, fiche),
        "jalon_rows": lambda fiche: jalon_rows(projet, fiche),
        "indicateur_views": indicateur_views,
        "suivi_rows": suivi_rows,
        "historique_rows": lambda fiche: historique_rows(projet, fiche),
        "financements_view": financements_view,
        # relative links made absolute; numbers of other fiches clickable, with their page (« 2.1.3, p. 41 »)
        "fiche_refs": fiche_refs,
    }


def plan_html(projet: Projet, settings: Settings, url: str | None = None) -> str:
    """The complete HTML of the plan PDF; `url` is the site's address (the base of relative links)."""
    return render_template("plan.html.j2", settings, **plan_context(projet, url))


def link_sections(projet: Projet) -> dict[str, str]:
    """What each anchor of the plan is, in words (the alternate text of the links to it)."""
    sections = {
        "sommaire": "Sommaire",
        "edito": "Édito",
        "valeurs": "Nos valeurs",
        "demarche": "La démarche",
        "annexes": "Annexes",
        "tableau-de-bord": "Tableau de bord",
    }
    for fiche in projet.fiches:
        sections[f"fiche-{fiche.slug}"] = f"Fiche {fiche.id} : {fiche.titre}"
    for axe in projet.plan.axes:
        sections[f"axe-{axe.numero}"] = f"Axe {axe.numero} : {axe.titre}"
    return sections


def link_texts(projet: Projet) -> Callable[[str, bool], str]:
    """The alternate text of the plan's links (PDF/UA: a link says where it goes)."""
    sections = link_sections(projet)

    def text(target: str, internal: bool) -> str:
        if not internal:
            return f"Lien vers {target}"
        return f"Aller à : {sections[target]}" if target in sections else f"Aller à « {target} »"

    return text


def render_plan(projet: Projet, path: Path, settings: Settings | None = None) -> None:
    """Write the plan PDF (A4) to `path`, or copy it from the cache when nothing changed. Its PDF/UA-1 claim is
    checked on the written file and kept only when the checks pass. Relative links are resolved against the
    project's `site_url`."""
    settings = settings or Settings.packaged()
    url = settings.site_url

    def render(target: Path) -> None:
        from builder.outputs.pdf.parts import render_plan_parts

        render_plan_parts(projet, target, settings)

    cached_render("plan", content_key("plan", projet, settings, url), path, render, settings.cache)


def render_plan_whole(projet: Projet, path: Path, settings: Settings | None = None) -> None:
    """The plan laid out in one WeasyPrint document, not cached (the benchmark's anchor)."""
    settings = settings or Settings.packaged()
    url = settings.site_url
    sheets = [settings.theme_file(name) for name in PLAN_CSS]
    write_pdf(
        plan_html(projet, settings, url), path, sheets, axe_css(projet), link_text=link_texts(projet), site_url=url
    )
    claim_or_warn(path, f"plan-{projet.plan.edition}.pdf")
