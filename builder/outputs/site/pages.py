"""Stage 4, site: the intranet pages generated from `Projet` with the Jinja templates of `theme/site/pages/`.

This module knows nothing of the site engine: it writes Markdown pages (front matter + HTML blocks) and a
navigation tree into a build directory, checks every internal link, then hands over to the engine module
(`builder.outputs.site.mkdocs_site`). Every value from the content is escaped (Jinja autoescape); Markdown fields go
through `builder.render.markdown` (sanitised), charts through `builder.render.charts`.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import re
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from builder.content.model import ETATS_CONFORMITE, STATUTS, TYPES_INDICATEUR, Fiche, Projet, theme_key
from builder.content.site_links import DOWNLOAD_FILES, DOWNLOADS, FEED, relative_targets
from builder.errors import BuildError
from builder.fr import date_fr, euros_fr, number_fr, quarter
from builder.outputs.site.mkdocs_site import build_site
from builder.outputs.site.nav import Download, NavItem, Pages, Published
from builder.processes import can_fork
from builder.render.charts import indicator_svg
from builder.render.facts import (
    fiche_facts,
    financements_view,
    historique_rows,
    indicateur_views,
    jalon_rows,
    statut_badge,
    suivi_rows,
)
from builder.render.markdown import inline, link_fiche_numbers, to_html
from builder.settings import Settings
from builder.text import slugify

INDEX_PAGES: tuple[tuple[str, str], ...] = (
    ("directions", "Par direction"),
    ("statuts", "Par statut"),
    ("prioritaires", "Prioritaires"),
    ("collectivites", "Par collectivité"),
    ("themes", "Par thème"),
    ("calendrier", "Calendrier"),
    ("actualites", "Actualités"),
)


# --- entry point --------------------------------------------------------------------------------


def render_site(
    projet: Projet, out: Path, settings: Settings | None = None, published: Published | None = None
) -> None:
    """Build the whole site into `out`, keeping the files already there (`out/telechargements/*`,
    `out/actualites.xml`), which `published` lists."""
    settings = settings or Settings.packaged()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".fiches-site-", dir=out.parent) as tmp:
        work = Path(tmp)
        pages = write_pages(projet, work / "docs", settings, published)
        built = work / "site"
        build_site(pages, built, work, settings)
        publish(built, out)


def write_pages(
    projet: Projet, docs: Path, settings: Settings | None = None, published: Published | None = None
) -> Pages:
    """Generate every page of the site into `docs`; raise `BuildError` if an internal link is broken."""
    settings = settings or Settings.packaged()
    docs.mkdir(parents=True, exist_ok=True)
    renderer = SiteRenderer(projet, docs, settings, published or Published())
    renderer.render_all()
    renderer.check_links()
    fonts = docs / "assets" / "fonts"
    fonts.mkdir(parents=True, exist_ok=True)
    for folder in reversed(settings.theme_folders("fonts")):  # the project's fonts over the packaged ones
        for font in sorted(folder.glob("*.otf")):
            shutil.copyfile(font, fonts / font.name)
    own_css = [f / "extra.css" for f in settings.theme_folders("site/stylesheets") if (f / "extra.css").is_file()]
    if own_css:  # the project's own rules (the packaged theme has none), loaded after fiches' by the config
        (docs / "stylesheets").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(own_css[0], docs / "stylesheets" / "extra.css")
    return Pages(docs, renderer.nav(), ["/fiches/"], content_date(projet), accessibility_state(projet))


def accessibility_state(projet: Projet) -> str:
    """« partiellement conforme »…, as the plan states it, or « non conforme » while no audit backs it (RGAA: a
    state is only claimed on an audit) — the rule of the home page and the accessibility statement."""
    a11y = projet.plan.accessibilite
    audited = a11y is not None and (a11y.date_audit is not None or a11y.taux_conformite is not None)
    state = a11y.etat_conformite if a11y is not None and a11y.etat_conformite and audited else "non_conforme"
    return ETATS_CONFORMITE[state]


def content_date(projet: Projet) -> dt.date | None:
    """The date of the content as a whole: the plan's « état au » (`date_situation`), else the last change of a
    fiche in git, else None. Never the build day: the same content gives the same site."""
    if projet.plan.date_situation is not None:
        return projet.plan.date_situation.last_day()
    changes = [h.derniere_modification for h in projet.history.values() if h.derniere_modification]
    return max(changes) if changes else None


def fiche_date(projet: Projet, fiche: Fiche) -> dt.date | None:
    """The date of a fiche's page: its last change in git, else the content's date."""
    history = projet.history.get(fiche.id)
    return (history.derniere_modification if history else None) or content_date(projet)


def publish(built: Path, out: Path) -> None:
    """Move the built site into `out`: the previous site's pages go, the downloads written before stay."""
    for entry in list(out.iterdir()):
        if entry.name == FEED:
            continue
        if entry.name == DOWNLOADS and entry.is_dir():
            for old in entry.iterdir():
                if old.name == "index.html":
                    old.unlink()
            continue
        shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
    for entry in built.iterdir():
        target = out / entry.name
        if target.exists():  # only `telechargements/`: merge the page into the downloads folder
            for child in entry.iterdir():
                child.replace(target / child.name)
        else:
            entry.replace(target)


# --- helpers exposed to the templates -------------------------------------------------------------


def theme_anchors(projet: Projet) -> dict[str, str]:
    """A unique anchor of the thèmes page for each thème (by `theme_key`): its slug, or `theme-N` when the slug is
    empty or taken (`★`, `⚙`)."""
    anchors: dict[str, str] = {}
    used: set[str] = set()
    for number, theme in enumerate(projet.themes(), start=1):
        anchor = slugify(theme)
        if anchor == "x" or anchor in used:
            anchor = f"theme-{number}"
        used.add(anchor)
        anchors[theme_key(theme)] = anchor
    return anchors


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")


def md_text(text: str) -> Markup:
    """Plain text safe to put in a Markdown heading: Markdown syntax neutralised, then HTML-escaped."""
    return Markup(escape(_MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))))


def yaml_str(text: str) -> Markup:
    """A double-quoted YAML scalar holding `text` HTML-escaped (page titles are printed raw by themes)."""
    value = str(escape(" ".join(str(text).split())))
    return Markup(json.dumps(value, ensure_ascii=False).replace("\u2028", " ").replace("\u2029", " "))


def _size_fr(n: int) -> str:
    if n < 1024 * 1024:
        return f"{number_fr(max(1, round(n / 1024)))} Ko"
    return f"{number_fr(round(n / 1024 / 1024, 1))} Mo"


class _Cached:
    """Memoise a Markdown converter: suivi entries appear on their fiche, the home page and the actualités."""

    def __init__(self, function: Any) -> None:
        self.function = function
        self.cache: dict[tuple[Any, ...], Markup] = {}

    def __call__(self, text: str, *args: Any) -> Markup:
        key = (text, *args)
        if key not in self.cache:
            self.cache[key] = self.function(text, *args)
        return self.cache[key]


_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


PARALLEL_MIN = 60  # below this, forking costs more than it saves
_WORKER: SiteRenderer | None = None  # set in a forked worker only (`_adopt`), never in the building process


def _adopt(renderer: SiteRenderer) -> None:
    """A forked worker's initializer: the renderer it inherited (not pickled: fork copies the memory)."""
    global _WORKER
    _WORKER = renderer


def _render_chunk(ids: list[str]) -> tuple[list[tuple[str, str, str]], dict[str, str], dict]:
    """In a forked worker: render these fiches' pages; return the links to check, the pages written and the
    one-line Markdown conversions (the actualités page reuses them)."""
    renderer = _WORKER
    assert renderer is not None
    renderer.links, renderer.pages = [], {}
    for fiche_id in ids:
        renderer.render_fiche(renderer.projet.by_id[fiche_id])
    return renderer.links, renderer.pages, cast(_Cached, renderer.env.globals["inline"]).cache


class SiteRenderer:
    """Renders the pages by template name; keeps the current page to write relative links and check them."""

    def __init__(self, projet: Projet, docs: Path, settings: Settings, published: Published) -> None:
        self.projet, self.docs, self.settings, self.published = projet, docs, settings, published
        folders = settings.theme_folders("site/pages") + settings.theme_folders("partials")
        self.env = Environment(
            loader=FileSystemLoader([str(f) for f in folders]),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.globals.update(
            url=self.url,
            statut=projet.statut,
            date_fr=date_fr,
            number_fr=number_fr,
            euros_fr=euros_fr,
            md=_Cached(to_html),
            inline=_Cached(inline),
            indicator_svg=indicator_svg,
            md_text=md_text,
            yaml_str=yaml_str,
            slugify=slugify,
            theme_anchor=self.theme_anchor,
            theme_url=lambda theme: self.url("themes/#" + self.theme_anchor(theme)),
            badge_of={code: statut_badge(projet, code) for code in STATUTS}.__getitem__,
            projet=projet,
            plan=projet.plan,
            STATUTS=STATUTS,
            TYPES_INDICATEUR=TYPES_INDICATEUR,
            direction_nom=self.direction_nom,
            fiche_url=self.fiche_url,
            axe_url=self.axe_url,
            fiche_refs=self.fiche_refs,
        )
        self.current = ""  # URL of the page being rendered, e.g. `fiches/1-1-1/`
        self.prefix = ""  # from the current page to the site root
        self.current_source = ""
        self.pages: dict[str, str] = {}  # URL → title
        self.links: list[tuple[str, str, str]] = []  # (source shown in errors, page URL, target URL)
        self.downloads: list[Download] = []  # read once they are written (`read_downloads`)
        self.feed = False
        self.theme_anchors = theme_anchors(projet)
        self.fiche_index = {f.id: i for i, f in enumerate(projet.fiches)}
        self.date = content_date(projet)

    def read_downloads(self, files: Mapping[str, int]) -> None:
        """The downloads written next to the site, with their sizes; their pages become link targets."""
        edition = self.projet.plan.edition
        for name, label, description in DOWNLOAD_FILES:
            name, label = name.format(edition=edition), label.format(edition=edition)
            size = files.get(f"{DOWNLOADS}/{name}")
            if size is not None:
                self.downloads.append(Download(name, label, description, _size_fr(size)))
        self.feed = FEED in files
        self.pages.update({f"{DOWNLOADS}/{d.name}": d.label for d in self.downloads})
        if self.feed:
            self.pages[FEED] = "Flux Atom"

    # links
    def url(self, target: str) -> str:
        """Relative link from the current page to `target` (a site URL such as `fiches/1-1-1/`), recorded."""
        page = target.split("#", 1)[0]
        self.links.append((self.current_source, self.current, page))
        if not self.current:
            return target or "./"
        return self.prefix + target  # `../../` from `fiches/1-1-1/`: fast, and valid from any page

    def fiche_url(self, fiche: Fiche) -> str:
        return self.url(f"fiches/{fiche.slug}/")

    def fiche_refs(self, html: str, fiche: Fiche) -> Markup:
        """A fiche's text with the numbers of other fiches linked to their pages."""
        by_id = self.projet.by_id
        return link_fiche_numbers(
            html, lambda n: self.fiche_url(by_id[n]) if n in by_id and n != fiche.id else None, "fa-xref"
        )

    def axe_url(self, numero: str, anchor: str = "") -> str:
        return self.url(f"axes/{numero}/" + (f"#{anchor}" if anchor else ""))

    def theme_anchor(self, theme: str) -> str:
        return self.theme_anchors[theme_key(theme)]

    def direction_nom(self, code: str) -> str:
        direction = self.projet.directions.get(code)
        return direction.nom if direction else code

    # pages
    def page(
        self, path: str, template: str, title: str, source: str = "", *, lastmod: dt.date | None = None, **context: Any
    ) -> None:
        """Render `template` into `docs/path` (a `.md` file); its URL is derived the usual way. Its date in the
        sitemap (`lastmod` in its front matter) is `lastmod`, else the content's date."""
        url = "" if path == "index.md" else path[:-3] + "/"
        self.current, self.current_source = url, source
        self.prefix = "../" * url.count("/")
        self.pages[url] = title
        text = self.env.get_template(template).render(page_title=title, page_url=url, **context)
        date = lastmod or self.date
        if date is not None and text.startswith("---\n"):
            text = f"---\nlastmod: {date.isoformat()}\n" + text[4:]
        target = self.docs / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        if source:  # links written by editors in Markdown fields
            for _, link in relative_targets(text, url):  # the rule `fiches check` applies too
                self.links.append((source, url, link))

    def render_all(self) -> None:
        """Every page; the ones that list the downloads last, once the files they list are all written (the
        exports may be written by another process meanwhile)."""
        p = self.projet
        for axe in p.plan.axes:
            self.page(
                f"axes/{axe.numero}.md",
                "axe.md.j2",
                f"Axe {axe.numero} — {axe.titre}",
                "plan.yml",
                axe=axe,
                fiches=p.fiches_of_axe(axe.numero),
            )
        self.render_fiches(p.fiches)
        self.page("directions.md", "directions.md.j2", "Fiches par direction", groups=self._by_direction())
        self.page("statuts.md", "statuts.md.j2", "Fiches par statut", groups=p.by_statut())
        self.page("prioritaires.md", "prioritaires.md.j2", "Fiches prioritaires", fiches=p.prioritaires)
        self.page("collectivites.md", "collectivites.md.j2", "Fiches par collectivité", groups=self._by_collectivite())
        self.page("themes.md", "themes.md.j2", "Fiches par thème", groups=p.themes())
        self.page("calendrier.md", "calendrier.md.j2", "Calendrier des fiches", **self._calendar())
        self.render_tableau_de_bord()
        self.read_downloads(self.published.complete())  # waits for the data files
        self.page(
            "index.md",
            "accueil.md.j2",
            p.plan.titre,
            stats=p.stats(),
            downloads=self.downloads,
            actualites=p.suivi_entries()[:5],
            by_statut=p.by_statut(),
        )
        self.page("actualites.md", "actualites.md.j2", "Actualités", entries=p.suivi_entries(), feed=self.feed)
        if p.bilan_markdown is not None:
            self.page(
                f"bilan-{p.plan.edition}.md",
                "bilan.md.j2",
                f"Bilan {p.plan.edition}",
                body=to_html(p.bilan_markdown, shift_headings=1),
            )
        self.page(
            f"{DOWNLOADS}.md",
            "telechargements.md.j2",
            "Téléchargements",
            downloads=self.downloads,
            feed=self.feed,
            fiche_pdfs=self.fiche_pdfs(),
        )
        self.page("accessibilite.md", "accessibilite.md.j2", "Accessibilité")

    def render_tableau_de_bord(self) -> None:
        from builder.render.tableau_de_bord import statuts_svg, tableau_de_bord

        t = tableau_de_bord(self.projet)
        self.page(
            "tableau-de-bord.md",
            "tableau-de-bord.md.j2",
            "Tableau de bord",
            t=t,
            chart=statuts_svg(t),
            axe_link=lambda axe: self.axe_url(axe.numero),
        )

    def render_fiche(self, fiche: Fiche) -> None:
        p = self.projet
        index = self.fiche_index[fiche.id]
        self.page(
            f"fiches/{fiche.slug}.md",
            "fiche.md.j2",
            f"{fiche.id} {fiche.titre}",
            fiche.source,
            lastmod=fiche_date(p, fiche),
            fiche=fiche,
            axe=p.axe_of(fiche),
            objectif=p.objectif_of(fiche),
            edit_url=self.edit_url(fiche),
            facts=fiche_facts(p, fiche),
            jalon_rows=jalon_rows(p, fiche),
            indicateurs=indicateur_views(fiche),
            suivi_rows=suivi_rows(fiche),
            historique_rows=historique_rows(p, fiche),
            financements=financements_view(fiche),
            fiche_pdf=self.fiche_pdf(fiche),
            previous=p.fiches[index - 1] if index else None,  # plan order (`Projet.fiches`)
            next=p.fiches[index + 1] if index + 1 < len(p.fiches) else None,
        )

    def fiche_pdf(self, fiche: Fiche) -> Download | None:
        """The fiche's own PDF (`telechargements/fiches/<id>.pdf`, written with the plan), when it is there."""
        name = f"{DOWNLOADS}/fiches/{fiche.id}.pdf"
        size = self.published.before.get(name)
        if size is None:
            return None
        self.pages[name] = f"Fiche {fiche.id} (PDF)"
        return Download(name, f"{fiche.id} {fiche.titre}", "", _size_fr(size))

    def fiche_pdfs(self) -> list[Download]:
        """Every fiche's PDF there is, for the Téléchargements page."""
        return [d for d in (self.fiche_pdf(f) for f in self.projet.fiches) if d is not None]

    def render_fiches(self, fiches: Sequence[Fiche]) -> None:
        """One page per fiche; big plans use a second CPU (a forked worker renders every other fiche)."""
        if len(fiches) < PARALLEL_MIN or not can_fork():
            for fiche in fiches:
                self.render_fiche(fiche)
            return
        with multiprocessing.get_context("fork").Pool(1, initializer=_adopt, initargs=(self,)) as pool:
            other = pool.apply_async(_render_chunk, ([f.id for f in fiches[1::2]],))
            for fiche in fiches[::2]:
                self.render_fiche(fiche)
            links, pages, inlines = other.get()
        self.links += links
        self.pages.update(pages)
        cast(_Cached, self.env.globals["inline"]).cache.update(inlines)  # jinja2 types its globals as objects

    def nav(self) -> list[NavItem]:
        p = self.projet
        items = [
            NavItem("Accueil", "index.md"),
            NavItem("Tableau de bord", "tableau-de-bord.md"),
            NavItem(
                "Axes", children=[NavItem(f"Axe {a.numero} — {a.titre}", f"axes/{a.numero}.md") for a in p.plan.axes]
            ),
            NavItem("Index", children=[NavItem(title, f"{name}.md") for name, title in INDEX_PAGES]),
        ]
        if p.bilan_markdown is not None:
            items.append(NavItem(f"Bilan {p.plan.edition}", f"bilan-{p.plan.edition}.md"))
        items += [NavItem("Téléchargements", f"{DOWNLOADS}.md"), NavItem("Accessibilité", "accessibilite.md")]
        return items

    def edit_url(self, fiche: Fiche) -> str | None:
        repo, edit = self.settings.repo_url, self.settings.edit_uri
        if not repo or edit is None:
            return None
        base = edit if _SCHEME.match(edit) else repo.rstrip("/") + "/" + edit.lstrip("/")
        return base.rstrip("/") + "/fiches/" + Path(fiche.source).name

    def check_links(self) -> None:
        broken = [(source, page, target) for source, page, target in self.links if target not in self.pages]
        if broken:
            lines = [
                f"{source or 'site'} : la page « {page or 'accueil'} » a un lien vers « {target} », qui n'existe pas"
                for source, page, target in dict.fromkeys(broken)
            ]
            raise BuildError("lien interne cassé, le site n'est pas construit :\n" + "\n".join(lines))

    # groupings for the index pages
    def _by_direction(self) -> list[dict[str, Any]]:
        pilote: dict[str, list[Fiche]] = defaultdict(list)
        contrib: dict[str, list[Fiche]] = defaultdict(list)
        for f in self.projet.fiches:
            pilote[f.pilote].append(f)
            for code in f.contributeurs:
                contrib[code].append(f)
        return [
            {"direction": d, "anchor": slugify(d.code), "pilote": pilote[d.code], "contributeur": contrib[d.code]}
            for d in self.projet.plan.directions
            if pilote[d.code] or contrib[d.code]
        ]

    def _by_collectivite(self) -> list[dict[str, Any]]:
        groups: list[dict[str, Any]] = [
            {"collectivite": c, "anchor": slugify(c.code), "fiches": []} for c in self.projet.plan.collectivites
        ]
        by_code = {g["collectivite"].code: g for g in groups}
        for f in self.projet.fiches:
            for c in self.projet.collectivites_of(f):
                by_code[c.code]["fiches"].append(f)
        return [g for g in groups if g["fiches"]]

    def _calendar(self) -> dict[str, Any]:
        """Fiches on a time axis by quarter: each row has its first and last quarter as grid positions."""
        dated, undated = [], []
        for f in self.projet.fiches:
            cal = f.calendrier
            since, until = cal.debut or cal.fin, cal.fin or cal.debut
            if since is not None and until is not None:
                start = quarter(since.first_day())
                end = quarter(until.last_day())
                dated.append((f, start, max(start, end)))
            else:
                undated.append(f)
        periode = self.projet.plan.periode
        first = min([(periode.debut, 1)] + [s for _, s, _ in dated])
        last = max([(periode.fin, 4)] + [e for _, _, e in dated])
        quarters = [(y, q) for y in range(first[0], last[0] + 1) for q in range(1, 5) if first <= (y, q) <= last]
        index = {q: i for i, q in enumerate(quarters)}
        now = quarter(self.projet.date_situation)
        rows = [
            {"fiche": f, "start": s, "end": e, "col": index[s] + 1, "span": index[e] - index[s] + 1}
            for f, s, e in dated
        ]
        years = [(y, sum(1 for q in quarters if q[0] == y)) for y in range(first[0], last[0] + 1)]
        return {"rows": rows, "undated": undated, "quarters": quarters, "years": years, "now": index.get(now, -1) + 1}
