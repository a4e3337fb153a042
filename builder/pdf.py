"""Stage 4, PDF: the printable plan (A4), and the WeasyPrint plumbing shared with the brochure.

One way to make a PDF: Jinja2 templates in `theme/print/` → HTML, an external print stylesheet (never CSS
pasted into an autoescaped template: WeasyPrint would silently drop `content:` declarations), WeasyPrint
(CSS Paged Media), deterministic metadata (same content → same bytes), a tagged PDF/UA-1 with title and
language, and a content-hash cache so an unchanged PDF is copied instead of rendered again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from builder import fr
from builder.charts import indicator_svg
from builder.facts import (
    fiche_facts,
    financements_view,
    historique_rows,
    indicateur_views,
    jalon_rows,
    statut_badge,
    suivi_rows,
)
from builder.markdown import inline, link_fiche_numbers, to_html
from builder.model import STATUTS, Projet
from builder.tableau_de_bord import print_context

ROOT = Path(__file__).resolve().parent.parent
THEME = ROOT / "theme" / "print"
PARTIALS = ROOT / "theme" / "partials"  # shared with the site
FONTS = ROOT / "theme" / "fonts"
CACHE_ENV = "FICHES_PDF_CACHE"  # overrides the cache directory (tests, CI)
CACHE_KEEP = 4  # cached PDFs kept per kind

# --- templates --------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """Print templates, autoescaped; Markdown only through `builder.markdown`."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader([THEME, PARTIALS]), autoescape=True, trim_blocks=True,
                             lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters.update(date_fr=fr.date_fr, number_fr=fr.number_fr, euros_fr=fr.euros_fr,
                       markdown=lambda text, shift=0: to_html(text, shift), inline=inline)
    # what the shared partials (theme/partials) call, under the same names as in the site's environment
    env.globals.update(inline=inline, indicator_svg=indicator_svg)
    return env


def render_template(name: str, **context: Any) -> str:
    return environment().get_template(name).render(**context)


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
    return {"title": title, "author": projet.plan.collectivite, "description": description,
            "generator": "fiches", "created": stamp, "modified": stamp}


# --- cache ----------------------------------------------------------------------------------------

def model_fingerprint(projet: Projet) -> dict[str, Any]:
    """Everything of the models a PDF may show, as plain JSON-able data."""
    history = {
        fid: [str(h.derniere_modification),
              [[str(c.date), c.nature, c.avant, c.apres, c.commit] for c in h.changements]]
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


def _files_digest(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def _code_digest() -> str:
    """Templates, CSS, fonts and the code that turns models into HTML: a change there changes the PDFs."""
    builder = ROOT / "builder"
    files = [p for folder in (THEME, PARTIALS) for p in folder.rglob("*") if p.is_file()]
    files += [p for p in FONTS.iterdir() if p.is_file()]
    files += [builder / name for name in ("pdf.py", "brochure.py", "markdown.py", "charts.py", "facts.py", "fr.py",
                                          "model.py")]
    files += [builder / name for name in ("tableau_de_bord.py", "relances.py")]  # the tableau de bord page
    # the libraries that lay out, convert, sanitise, hyphenate and draw: an upgrade may change the PDFs
    from importlib.metadata import PackageNotFoundError, version

    libraries = []
    for name in ("weasyprint", "pydyf", "tinycss2", "pyphen", "fonttools", "Markdown", "nh3", "Jinja2", "segno"):
        try:
            libraries.append(f"{name}={version(name)}")
        except PackageNotFoundError:
            libraries.append(f"{name}=?")
    return _files_digest(p for p in files if p.exists()) + ";".join(libraries)


def content_key(kind: str, projet: Projet, extra: Any = None) -> str:
    """Hash of the models, the templates, the CSS and the code: equal keys give equal PDFs."""
    payload = json.dumps([kind, model_fingerprint(projet), extra, _code_digest()], sort_keys=True,
                         ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def cache_dir() -> Path:
    """`$FICHES_PDF_CACHE`, else `.build/pdf-cache/` in the repository, else the user's cache directory."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    local = ROOT / ".build" / "pdf-cache"
    try:
        local.mkdir(parents=True, exist_ok=True)
        if os.access(local, os.W_OK):
            return local
    except OSError:
        pass
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "fiches" / "pdf"


def _store(kind: str, key: str, pdf: Path) -> None:
    """Keep a copy of a fresh PDF under its key, and only the last few PDFs of each kind."""
    try:
        folder = cache_dir()
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


def cached_render(kind: str, key: str, path: Path, render: Callable[[Path], None]) -> bool:
    """Copy the cached PDF for `key` to `path`, or call `render(path)` and cache the result.

    Returns True when the PDF was rendered, False when it came from the cache.
    """
    cached = cache_dir() / f"{kind}-{key}.pdf"
    path.parent.mkdir(parents=True, exist_ok=True)
    if cached.is_file():
        shutil.copyfile(cached, path)
        os.utime(cached)  # most recently used
        return False
    render(path)
    _store(kind, key, path)
    return True


# --- WeasyPrint -----------------------------------------------------------------------------------

def write_pdf(html: str, path: Path, stylesheets: list[Path], extra_css: str = "") -> None:
    """HTML + external print stylesheets → a tagged PDF/UA-1 at `path`, with deterministic bytes.

    Title, language, author and dates come from the HTML (`<title>`, `lang`, `<meta>`), set by the templates.
    """
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    sheets = [weasyprint.CSS(filename=str(s), font_config=fonts) for s in stylesheets]
    if extra_css:
        sheets.append(weasyprint.CSS(string=extra_css, base_url=str(THEME) + "/", font_config=fonts))
    document = weasyprint.HTML(string=html, base_url=str(THEME) + "/")
    document.write_pdf(str(path), stylesheets=sheets, font_config=fonts, pdf_variant="pdf/ua-1",
                       pdf_identifier=False, uncompressed_pdf=False, optimize_images=True, finisher=_whole_bleed)


def _whole_bleed(document: Any, pdf: Any) -> None:
    """BleedBox = MediaBox: the whole CSS bleed is the bleed the print shop gets (WeasyPrint caps the PDF
    BleedBox at 10 pt, 3.5 mm, from the TrimBox, which would cut a 5 mm bleed short). No-op without bleed."""
    import pydyf

    for obj in pdf.objects:
        if isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/Page" and "MediaBox" in obj:
            obj["BleedBox"] = pydyf.Array(list(obj["MediaBox"]))


# --- the plan -------------------------------------------------------------------------------------

PLAN_CSS = [THEME / "print.css", THEME / "plan.css", THEME / "pilotage.css"]


def axe_css(projet: Projet) -> str:
    """Named pages in each axe's colour, for the chapter openers (colours are validated #rrggbb)."""
    quiet = "color: rgba(255, 255, 255, 0.75)"
    return "\n".join(f"@page axe-{a.numero} {{ background: {a.couleur}; @top-left {{ content: none }} "
                     f"@top-right {{ content: none }} @bottom-left {{ {quiet} }} @bottom-right {{ {quiet} }} }}\n"
                     f".opener-{a.numero} {{ page: axe-{a.numero}; }}" for a in projet.plan.axes)


def plan_context(projet: Projet) -> dict[str, Any]:
    """What the plan template shows, computed once in Python."""
    plan = projet.plan
    chapters = []
    for axe in plan.axes:
        objectifs = [(o, projet.fiches_of_objectif(o.numero)) for o in axe.objectifs]
        chapters.append({"axe": axe, "objectifs": objectifs, "fiches": projet.fiches_of_axe(axe.numero),
                         "progress": projet.progress(projet.fiches_of_axe(axe.numero))})
    by_direction = []
    for direction in plan.directions:
        fiches = [f for f in projet.fiches if f.pilote == direction.code]
        if fiches:
            by_direction.append((direction, fiches))
    title = plan.titre
    return {
        "projet": projet, "plan": plan, "chapters": chapters, "by_direction": by_direction,
        "meta": metadata(projet, title, plan.sous_titre or f"Projet d'administration — {plan.collectivite}"),
        "date_situation": fr.date_fr(projet.date_situation), "stats": projet.stats(),
        **fiche_helpers(projet),
        **print_context(projet),  # the tableau de bord page
    }


def fiche_helpers(projet: Projet) -> dict[str, Any]:
    """The functions of `builder.facts` the print templates and the shared partials call."""
    badges = {code: statut_badge(projet, code) for code in STATUTS}
    return {
        "badge_of": badges.__getitem__, "facts": lambda fiche: fiche_facts(projet, fiche),
        "jalon_rows": lambda fiche: jalon_rows(projet, fiche), "indicateur_views": indicateur_views,
        "suivi_rows": suivi_rows, "historique_rows": lambda fiche: historique_rows(projet, fiche),
        "financements_view": financements_view,
        # numbers of other fiches in a text: clickable, with their page (« voir l'action 2.1.3, p. 41 »)
        "fiche_refs": lambda html, fiche: link_fiche_numbers(
            html, lambda n: f"#fiche-{projet.by_id[n].slug}" if n in projet.by_id and n != fiche.id else None, "ref"),
    }


def plan_html(projet: Projet) -> str:
    """The complete HTML of the plan PDF."""
    return render_template("plan.html.j2", **plan_context(projet))


def render_plan(projet: Projet, path: Path) -> None:
    """Write the plan PDF (A4) to `path`, or copy it from the cache when nothing changed."""
    def render(target: Path) -> None:
        write_pdf(plan_html(projet), target, PLAN_CSS, axe_css(projet))

    cached_render("plan", content_key("plan", projet), path, render)
