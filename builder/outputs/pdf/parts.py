"""Stage 4, PDF: the plan assembled from cached parts.

The plan's HTML (`plan.html.j2`) is rendered part by part (`part=`): the cover, the sommaire, the tableau de bord,
the introduction (édito, valeurs, démarche), each axe opener, each fiche, the annexes. Each part is laid out alone
by WeasyPrint in worker processes (both cores) and cached under a hash of its HTML and of the code that lays it
out; the parts are then put end to end by `builder.outputs.pdf.assemble` (one structure tree, one parent tree, named
destinations, bookmarks).

Page numbers, in two kinds:

- the numbers a part *shows* (sommaire, « p. N » after a fiche reference, annexes) are written in its HTML
  (`data-page`, shown by `parts.css`), computed from where every part starts, i.e. from the other parts' page counts.
  That is a fixpoint: the parts are rendered with the page map of the previous build (or none), the map is computed
  again from their page counts and named destinations, and the parts whose HTML changed with it are rendered again,
  until the map no longer moves. Only the edited parts and those whose printed numbers moved are laid out again;
  the result depends only on the final HTML of each part, so an incremental build gives the bytes of a cold one.
- the footer's « Page N / total » is not in any part: it is stamped at assembly, from one small document of empty
  pages with only that footer (laid out with the plan's own `@page` rules, cached by the total), each of its pages
  overlaid on the plan's page as an artifact. A part's PDF therefore does not depend on where it starts: a fiche
  that grows by a page moves every later page, but re-renders only the parts that print a moved number.

Links to another part's anchors are written `fiches-part:<anchor>` (WeasyPrint drops an internal link whose target
is not in the document); the assembly turns them into links to the plan's named destination.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from builder.content.model import Projet
from builder.errors import BuildError
from builder.outputs.pdf.plan import (
    PLAN_CSS,
    THEME,
    axe_css,
    claim_or_warn,
    code_digest,
    link_sections,
    plan_context,
    prepared_stylesheets,
    render_template,
    write_document,
)
from builder.outputs.pdf.urls import page_base, resolve_links
from builder.processes import usable_cpus, worker_pool
from builder.settings import Settings
from builder.text import typeset

PARTS_CSS = (*PLAN_CSS, "print/parts.css")
STAMP_CSS = (*PLAN_CSS, "print/stamp.css")
EXTERNAL = "fiches-part:"  # a link to an anchor of another part, until the assembly
FOLDER = "plan-parts"  # under the cache folder
MAX_PASSES = 6

_LINK = re.compile(r'<a\b([^>]*?)\shref="#([^"]+)"([^>]*)>')
_ID = re.compile(r'\sid="([^"]+)"')
_SHOWS_PAGE = re.compile(r'\sclass="(?:[^"]*\s)?(?:ref|toc-link)(?:\s[^"]*)?"')


@dataclass(frozen=True)
class Part:
    name: str  # couverture, sommaire, tableau, intro, axe-1, fiche-1.2.3, annexes
    outline_level: int  # the bookmark level of its first bookmark
    quiet: bool = False  # footer in white (axe openers)


def parts_of(projet: Projet) -> list[Part]:
    """The parts of the plan, in order."""
    parts = [Part("couverture", 1), Part("sommaire", 1), Part("tableau", 1)]
    plan = projet.plan
    if plan.edito or plan.valeurs or plan.demarche:
        parts.append(Part("intro", 1))
    for axe in projet.plan.axes:
        parts.append(Part(f"axe-{axe.numero}", 1, quiet=True))
        for objectif in axe.objectifs:
            for n, fiche in enumerate(projet.fiches_of_objectif(objectif.numero)):
                parts.append(Part(f"fiche-{fiche.id}", 2 if n == 0 else 3))
    parts.append(Part("annexes", 1))
    return parts


class PartsHtml:
    """Each part's HTML for a page map (anchor → page number in the plan); the template context once."""

    def __init__(self, projet: Projet, settings: Settings) -> None:
        self.projet, self.settings = projet, settings
        self.base = page_base(settings.site_url, "")
        self.context = plan_context(projet, settings.site_url)
        self.axes = {f"fiche-{f.id}": projet.axe_of(f) for f in projet.fiches}

    def raw(self, part: Part) -> str:
        axe = self.axes.get(part.name)
        label = f"Axe {axe.numero} · {axe.titre}" if axe is not None else ""
        html = render_template("plan.html.j2", self.settings, **self.context, part=part.name, part_axe=label)
        return resolve_links(html, self.base)

    def html(self, raw: str, pages: dict[str, int]) -> str:
        """`raw` with the page of each link's target (`data-page`) and the links to other parts marked."""
        own = set(_ID.findall(raw))

        def link(match: re.Match) -> str:
            target = match[2]
            page = pages.get(target)
            # only where a number is printed (a sommaire or annex line, a « p. N » reference): another link's HTML
            # does not change when its target moves
            shown = _SHOWS_PAGE.search(match[1] + match[3]) is not None
            number = "" if not shown else f' data-page="{page}"' if page is not None else ' data-page=""'
            href = f"#{target}" if target in own else f"{EXTERNAL}{target}"
            return f'<a{match[1]} href="{href}"{number}{match[3]}>'

        return _LINK.sub(link, raw)


# --- layout (worker processes) ----------------------------------------------------------------------------


def _init_worker(paths: tuple[str, ...], extra_css: str) -> None:
    prepared_stylesheets(paths, extra_css)  # import WeasyPrint, load the fonts, parse the CSS before the first part


class LinkText:
    """The alternate text of a part's links (picklable: sent to the workers)."""

    def __init__(self, sections: dict[str, str]) -> None:
        self.sections = sections

    def __call__(self, target: str, internal: bool) -> str:
        if target.startswith(EXTERNAL):
            target, internal = target[len(EXTERNAL) :], True
        if not internal:
            return f"Lien vers {target}"
        return f"Aller à : {self.sections[target]}" if target in self.sections else f"Aller à « {target} »"


def lay_out_part(
    html: str,
    path: str,
    paths: tuple[str, ...],
    extra_css: str,
    sections: dict[str, str] | None,
    probe: bool = False,
) -> tuple[int, dict[str, int]] | None:
    """One part's tagged PDF at `path`. `sections=None`: the footer stamp (no tags). `probe`: only laid out, not
    written; returns its page count and the page index of each anchor."""
    import weasyprint

    fonts, sheets, fetcher = prepared_stylesheets(paths, extra_css)
    document = weasyprint.HTML(string=html, base_url=str(THEME) + "/", url_fetcher=fetcher).render(
        stylesheets=sheets, font_config=fonts
    )
    if probe:
        anchors: dict[str, int] = {}
        for index, page in enumerate(document.pages):
            for name in page.anchors:
                anchors.setdefault(name, index)
        return len(document.pages), anchors
    fd, tmp = tempfile.mkstemp(dir=Path(path).parent, suffix=".tmp")
    os.close(fd)
    if sections is None:
        document.write_pdf(tmp, pdf_identifier=True, uncompressed_pdf=False)
    else:
        write_document(document, Path(tmp), html, link_text=LinkText(sections))
    os.replace(tmp, path)
    return None


# --- reading the parts back ---------------------------------------------------------------------------------


def part_anchors(path: Path) -> tuple[int, dict[str, int]]:
    """(page count, named destination → page index in the part) of a part's PDF."""
    import pikepdf

    from builder.outputs.pdf.assemble import _names

    with pikepdf.open(path) as pdf:
        index = {page.objgen: n for n, page in enumerate(pdf.pages)}
        names = pdf.Root.get("/Names")
        anchors = {}
        if names is not None and "/Dests" in names:
            for name, dest in _names(names.Dests):
                if isinstance(dest, pikepdf.Dictionary):
                    dest = dest.D
                anchors[name] = index.get(dest[0].objgen, 0)
        return len(pdf.pages), anchors


def page_map(parts: list[Part], infos: dict[str, tuple[int, dict[str, int]]]) -> tuple[dict[str, int], list[int]]:
    """(anchor → page number in the plan, first page index of each part)."""
    pages: dict[str, int] = {}
    starts = []
    start = 0
    for part in parts:
        count, anchors = infos[part.name]
        starts.append(start)
        for name, offset in anchors.items():
            pages.setdefault(name, start + offset + 1)
        start += count
    return pages, starts


# --- the plan ----------------------------------------------------------------------------------------


def _key(html: str, salt: str) -> str:
    return hashlib.sha256("\0".join([html, salt]).encode()).hexdigest()[:40]


class PlanBuilder:
    """Lays out the parts (fixpoint on the page map), stamps the footers and assembles the plan."""

    def __init__(self, projet: Projet, settings: Settings, workers: int | None = None) -> None:
        self.projet, self.settings = projet, settings
        self.folder = settings.cache / FOLDER
        self.folder.mkdir(parents=True, exist_ok=True)
        self.paths = tuple(str(settings.theme_file(n)) for n in PARTS_CSS)
        self.stamp_paths = tuple(str(settings.theme_file(n)) for n in STAMP_CSS)
        self.extra_css = axe_css(projet)
        self.salt = (
            code_digest(settings.layers) + self.extra_css + hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
        )
        self.sections = link_sections(projet)
        self.workers = workers or max(1, usable_cpus())
        self.pool: concurrent.futures.ProcessPoolExecutor | None = None
        self.rendered: list[str] = []  # names of the parts laid out (a part laid out twice appears twice)
        self.passes = 0
        self.started = time.time()

    def _pool(self) -> concurrent.futures.ProcessPoolExecutor:
        if self.pool is None:
            self.pool = worker_pool(self.workers, _init_worker, (self.paths, self.extra_css))
        return self.pool

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def _render(
        self,
        jobs: list[tuple[str, str, Path]],
        paths: tuple[str, ...],
        sections: dict[str, str] | None,
        probe: frozenset[str] | set[str] = frozenset(),
    ) -> dict[str, tuple[int, dict[str, int]]]:
        """Lay out (label, html, path) jobs not in the cache; in the workers when there are several. The parts named
        in `probe` are only laid out (not written): their page counts and anchors are returned."""
        todo = [(label, html, path) for label, html, path in jobs if not path.is_file()]
        probed: dict[str, tuple[int, dict[str, int]]] = {}
        if not todo:
            return probed
        if self.pool is None and len(todo) == 1:
            label, html, path = todo[0]
            lay_out_part(html, str(path), paths, self.extra_css, sections)
            self.rendered.append(label)
            return probed
        pool = self._pool()
        futures = [
            (
                label,
                pool.submit(lay_out_part, html, str(path), paths, self.extra_css, sections, label in probe),
            )
            for label, html, path in todo
        ]
        failed = []
        for label, future in futures:
            try:
                result = future.result()
                if label in probe and result is not None:
                    probed[label] = result
                    self.rendered.append(f"{label} (pages seulement)")
                else:
                    self.rendered.append(label)
            except Exception as exc:  # a worker that failed or died: say which part
                failed.append(f"{label} ({type(exc).__name__} : {exc})")
        if failed:
            raise BuildError("ces parties du plan n'ont pas pu être mises en page : " + ", ".join(failed))
        return probed

    def build(self, target: Path) -> list[int]:
        """Write the assembled plan at `target`; returns each part's first page index."""
        parts = parts_of(self.projet)
        self._pool()  # the workers import WeasyPrint and parse the stylesheets while the HTML is made
        source = PartsHtml(self.projet, self.settings)
        raws = {p.name: source.raw(p) for p in parts}
        memo = self.folder / "pages.json"
        try:
            pages = {k: int(v) for k, v in json.loads(memo.read_text(encoding="utf-8")).items()}
        except (OSError, ValueError, AttributeError):
            pages = {}
        try:
            for self.passes in range(1, MAX_PASSES + 1):
                files = {}
                jobs = []
                for part in parts:
                    html = source.html(raws[part.name], pages)
                    path = self.folder / f"{_key(html, self.salt)}.pdf"
                    files[part.name] = path
                    jobs.append((part.name, html, path))
                # without any page number yet (cold cache), a part that prints numbers is laid out only to count
                # its pages: it will be laid out again with them
                probe = {label for label, html, _ in jobs if ' data-page=""' in html} if not pages else set()
                probed = self._render(jobs, self.paths, self.sections, probe)
                infos = {**self._read([job for job in jobs if job[0] not in probed]), **probed}
                new, starts = page_map(parts, infos)
                if new == pages:
                    break
                pages = new
            else:  # a layout that oscillates (a number that moves a line that moves the number…): said, not hidden
                print(
                    "plan : les numéros de page imprimés n'ont pas pu être stabilisés après "
                    f"{MAX_PASSES} mises en page ; vérifiez le sommaire [avertissement]",
                    file=sys.stderr,
                )
            total = sum(infos[p.name][0] for p in parts)
            stamp = self._stamp(parts, infos, total)
        finally:
            self.close()
        from builder.outputs.pdf.assemble import assemble

        used = [files[p.name] for p in parts]
        tmp = target.with_name(target.name + ".parts.tmp")
        try:
            fonts = [f for folder in self.settings.theme_folders("fonts") for f in sorted(folder.glob("*.otf"))]
            starts = assemble(
                used,
                tmp,
                title=typeset(self.projet.plan.titre),
                outline_levels=[p.outline_level for p in parts],
                stamp=stamp,
                fonts=fonts,
            )
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        try:
            memo.write_text(json.dumps(pages, sort_keys=True), encoding="utf-8")
        except OSError:
            pass
        self._prune({*used, stamp})
        return starts

    def _read(self, jobs: list[tuple[str, str, Path]]) -> dict[str, tuple[int, dict[str, int]]]:
        """Each part's page count and anchors; a cached part that cannot be read (damaged) is laid out again."""
        infos = {}
        for attempt in (1, 2):
            damaged = []
            for label, html, path in jobs:
                if label in infos:
                    continue
                try:
                    infos[label] = part_anchors(path)
                except Exception:  # a truncated or damaged file in the cache
                    path.unlink(missing_ok=True)
                    damaged.append((label, html, path))
            if not damaged:
                break
            if attempt == 2:
                raise BuildError(
                    "ces parties du plan n'ont pas pu être relues : " + ", ".join(label for label, _, _ in damaged)
                )
            self._render(damaged, self.paths, self.sections)
        return infos

    def _stamp(self, parts: list[Part], infos: dict[str, tuple[int, dict[str, int]]], total: int) -> Path:
        """The footers' document: one empty page per page of the plan, with « Page N / total »."""
        kinds = []
        for part in parts:
            count = infos[part.name][0]
            for _ in range(count):
                kinds.append(
                    "stamp-none" if part.name == "couverture" else "stamp-quiet" if part.quiet else "stamp-page"
                )
        body = "".join(f'<div class="stamp {k}"></div>' for k in kinds)
        html = f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"></head><body>{body}</body></html>'
        path = self.folder / f"stamp-{_key(html, self.salt)}.pdf"
        self._render([("stamp", html, path)], self.stamp_paths, None)
        return path

    def _prune(self, keep: set[Path]) -> None:
        """Only the parts of the last plan stay in the cache (a part of an older state would only cost space), and
        those written since this build started (another build of the same cache may be using them)."""
        for path in self.folder.glob("*.pdf"):
            try:
                if path not in keep and path.stat().st_mtime < self.started:
                    path.unlink(missing_ok=True)
            except OSError:
                pass


def render_plan_parts(projet: Projet, path: Path, settings: Settings, workers: int | None = None) -> list[str]:
    """The plan PDF at `path`, assembled from cached parts; its PDF/UA-1 claim checked on the written file. Returns
    the names of the parts laid out."""
    builder = PlanBuilder(projet, settings, workers)
    path.parent.mkdir(parents=True, exist_ok=True)
    builder.build(path)
    claim_or_warn(path, f"plan-{projet.plan.edition}.pdf")
    return builder.rendered
