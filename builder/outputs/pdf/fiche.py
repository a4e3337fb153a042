"""Stage 4, PDF: one PDF per fiche (`telechargements/fiches/<id>.pdf`), the fiche's pages of the plan on their own.

The same article as in the plan (`theme/print/_fiche.html.j2`) in its own document (`fiche.html.j2`): A4, the plan's
stylesheets plus `fiche.css` (a heading line with the plan's title and « état au » date, « Fiche 2.3.1 — page 1 / 2 »),
tagged PDF/UA-1 (claim checked on the written file, as for the plan), reproducible.

Each fiche's PDF is cached under a hash of its HTML (everything it shows: content, dates, history) with the digest of
the templates, CSS, fonts, code and libraries. The fiches to lay out go to worker processes (`forkserver`: started
clean, not forked from a process that may hold threads); each worker imports WeasyPrint and parses the stylesheets
once, then lays out fiche after fiche (memory is released after each small document).
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import os
import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from builder import fr
from builder.content.model import Fiche, Projet
from builder.errors import BuildError
from builder.outputs.pdf.plan import (
    PLAN_CSS,
    THEME,
    cached_render,
    claim_or_warn,
    code_digest,
    fiche_helpers,
    metadata,
    prepared_stylesheets,
    render_template,
    store_cached,
    write_document,
)
from builder.processes import usable_cpus, worker_pool
from builder.settings import Settings

FICHE_CSS = (*PLAN_CSS, "print/fiche.css")  # in the theme layers
FOLDER = "fiches"  # under telechargements/
CACHE_KIND = "fiche"


def pdf_name(fiche: Fiche) -> str:
    """`2.3.1.pdf`."""
    return f"{fiche.id}.pdf"


# --- HTML and key (main process) ---------------------------------------------------------------------


class FicheHtml:
    """The HTML of each fiche alone; the helpers (statut badges…) are computed once for all fiches."""

    def __init__(self, projet: Projet, settings: Settings) -> None:
        self.projet, self.settings = projet, settings
        helpers = fiche_helpers(projet, settings.site_url, number_links=False)  # alone: no page to link to
        self.context = {
            "projet": projet,
            "plan": projet.plan,
            "date_situation": fr.date_fr(projet.date_situation),
            "standalone": True,
            "first_of_objectif": True,
            **helpers,
        }

    def html(self, fiche: Fiche) -> str:
        projet = self.projet
        title = f"Fiche {fiche.id} — {fiche.titre}"
        meta = metadata(projet, title, f"{projet.plan.titre} — état au {fr.date_fr(projet.date_situation)}")
        return render_template(
            "fiche.html.j2",
            self.settings,
            **self.context,
            f=fiche,
            o=projet.objectif_of(fiche),
            axe=projet.axe_of(fiche),
            meta=meta,
        )


@lru_cache(maxsize=1)
def _module_digest() -> str:
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def fiche_key(html: str, settings: Settings) -> str:
    """What a fiche's PDF shows (its HTML) and what lays it out (templates, CSS, fonts, code, libraries)."""
    payload = "\0".join([CACHE_KIND, html, code_digest(settings.layers), _module_digest()])
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


# --- layout (worker processes, or the main one for a single fiche) -------------------------------------


def _init_worker(paths: tuple[str, ...]) -> None:
    prepared_stylesheets(paths)  # import WeasyPrint, load the fonts and parse the CSS before the first fiche


def stylesheets(settings: Settings) -> tuple[str, ...]:
    return tuple(str(settings.theme_file(name)) for name in FICHE_CSS)


def lay_out(html: str, path: str, label: str, paths: tuple[str, ...]) -> int:
    """Write the tagged PDF of one fiche's HTML to `path` (PDF/UA-1 claimed only if the checks pass); returns its
    size in bytes."""
    import weasyprint

    fonts, sheets, fetcher = prepared_stylesheets(paths)
    document = weasyprint.HTML(string=html, base_url=str(THEME) + "/", url_fetcher=fetcher).render(
        stylesheets=sheets, font_config=fonts
    )
    target = Path(path)
    write_document(document, target, html)
    claim_or_warn(target, label)
    return target.stat().st_size


# --- all fiches ----------------------------------------------------------------------------------


@dataclass
class _Job:
    fiche: Fiche
    key: str
    path: Path
    future: concurrent.futures.Future | None = None


def workers_for(jobs: int) -> int:
    """Both cores (or what the process may use), never more processes than fiches to lay out."""
    return max(1, min(jobs, usable_cpus()))


class FichePdfs:
    """Every fiche's PDF into `folder`: copied from the cache, or laid out by worker processes that run while the
    caller does something else (the plan); `wait()` returns when all are written (`BuildError` otherwise)."""

    def __init__(
        self, projet: Projet, folder: Path, workers: int | None = None, settings: Settings | None = None
    ) -> None:
        settings = settings or Settings.packaged()
        folder.mkdir(parents=True, exist_ok=True)
        self.folder, self.cache = folder, settings.cache
        current = {pdf_name(f) for f in projet.fiches}
        for stale in folder.glob("*.pdf"):  # a fiche removed or renumbered since the output was built
            if stale.name not in current:
                stale.unlink()
        self.rendered: list[str] = []
        self.pool: concurrent.futures.ProcessPoolExecutor | None = None
        self.jobs: list[_Job] = []
        source = FicheHtml(projet, settings)
        cache = settings.cache
        paths = stylesheets(settings)
        todo: list[tuple[_Job, str]] = []
        for fiche in projet.fiches:
            html = source.html(fiche)
            job = _Job(fiche, fiche_key(html, settings), folder / pdf_name(fiche))
            cached = cache / f"{CACHE_KIND}-{fiche.id}-{job.key}.pdf"
            if cached.is_file():
                shutil.copyfile(cached, job.path)
                os.utime(cached)
            else:
                todo.append((job, html))
            self.jobs.append(job)
        if not todo:
            return
        self.pool = worker_pool(workers or workers_for(len(todo)), _init_worker, (paths,))
        for job, html in todo:
            job.future = self.pool.submit(lay_out, html, str(job.path), f"fiches/{pdf_name(job.fiche)}", paths)

    def wait(self) -> list[str]:
        """Wait for the fiches being laid out, cache them; returns the ids of those that were laid out."""
        if self.pool is None:
            return []
        failed = []
        try:
            for job in self.jobs:
                if job.future is None:
                    continue
                try:
                    job.future.result()
                except Exception as exc:  # a worker that failed or died: say which fiche
                    failed.append(f"{job.fiche.id} ({type(exc).__name__} : {exc})")
                    continue
                store_cached(self.cache, f"{CACHE_KIND}-{job.fiche.id}", job.key, job.path)
                self.rendered.append(job.fiche.id)
        finally:
            self.stop()
        if failed:
            raise BuildError("le PDF de ces fiches n'a pas pu être produit : " + ", ".join(failed))
        return self.rendered

    def stop(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


def render_fiche_pdfs(
    projet: Projet, folder: Path, workers: int | None = None, settings: Settings | None = None
) -> list[str]:
    """Every fiche's PDF into `folder` (`<id>.pdf`); returns the ids laid out (the others came from the cache)."""
    return FichePdfs(projet, folder, workers, settings).wait()


def unknown_fiche(projet: Projet, fiche_id: str | None) -> str:
    """The French message for `fiches pdf fiche` without a known fiche number."""
    known = ", ".join(f.id for f in projet.fiches[:6]) + (" …" if len(projet.fiches) > 6 else "")
    if not fiche_id:
        example = projet.fiches[0].id if projet.fiches else "1.1.1"
        return f"précisez le numéro de la fiche, par exemple : fiches pdf fiche {example}"
    return f"aucune fiche n'a le numéro « {fiche_id} » (numéros du plan : {known})"


def render_fiche_pdf(projet: Projet, fiche_id: str, path: Path, settings: Settings | None = None) -> None:
    """One fiche's PDF at `path` (`fiches pdf fiche 2.3.1`), from the cache when it holds it; laid out here."""
    settings = settings or Settings.packaged()
    fiche = projet.by_id.get(fiche_id)
    if fiche is None:
        raise BuildError(unknown_fiche(projet, fiche_id))
    html = FicheHtml(projet, settings).html(fiche)
    cached_render(
        f"{CACHE_KIND}-{fiche.id}",
        fiche_key(html, settings),
        path,
        lambda target: lay_out(html, str(target), pdf_name(fiche), stylesheets(settings)),
        settings.cache,
    )
