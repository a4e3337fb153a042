"""The yearly review ("bilan"): compare two states of the plan and say, in French Markdown, what changed.

A state is the working tree, a git revision, or a date (the plan as of the last commit before that day).
`compute_bilan` builds a structured `Bilan` from the validated models of both states; `render_markdown`
writes it. The same text is `fiches bilan`'s output, the site's « Bilan <édition> » page and the brochure's
« Ce qui a changé cette année » (through `projet.bilan_markdown`, from `edition_bilan` in `builder.project`).
Every count of the brochure and of the site's Bilan page comes from the one `Bilan` computed here (once per
build): the actions réalisées of the period are the « → Réalisée » group of the statut changes. What the content
dates itself (measures, suivi entries) counts whatever git knows; what only git can tell (statut changes,
creations, renumbering, progress at the start) is reported only as far as the history goes, and the text says so
in plain French (readers do not know what git is).
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from builder.content.load import parse_fiche, parse_yaml
from builder.content.model import Fiche, Indicateur, Mesure, PartialDate, Plan, Projet, Suivi, id_key, situation_date
from builder.errors import BuildError, Report
from builder.fr import date_fr
from builder.living.history import GitError, Repo, find_repo, git, read_blobs, read_log

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
UNKNOWN = (
    "les changements de statut autres que les réalisations, les créations et les renumérotations ne sont "
    "pas connus ; les actions réalisées, les mesures et les entrées de suivi sont établies d'après leurs "
    "dates."
)
# Order of the statut groups in the report: the most telling first.
GROUP_ORDER = ("realisee", "en_cours", "a_venir", "en_pause", "bloquee")


@dataclass
class Etat:
    """One end of the comparison."""

    libelle: str  # e.g. « 1er janvier 2026 », « la version a1b2c3d (12 mars 2026) », « aujourd'hui »
    date: dt.date | None
    projet: Projet | None  # None when this state cannot be known (outside git, shallow clone)
    paths: dict[str, Fiche] = field(default_factory=dict)  # repository path → fiche
    note: str | None = None
    historique_debut: dt.date | None = None  # set when this state is the history's first, after `date`


@dataclass
class Bilan:
    """What changed between two states of the plan."""

    edition: int
    depuis: Etat
    jusqua: Etat
    periode: tuple[dt.date, dt.date | None]
    note: str | None = None  # why the report says less than usual
    creees: list[Fiche] = field(default_factory=list)
    abandonnees: list[tuple[Fiche, str]] = field(default_factory=list)  # (fiche, statut before)
    supprimees: list[Fiche] = field(default_factory=list)  # as they were before
    renumerotees: list[tuple[str, Fiche]] = field(default_factory=list)  # (old id, fiche now)
    statuts: dict[str, list[tuple[Fiche, str | None]]] = field(default_factory=dict)  # new statut → (fiche, old statut)
    axes: list[tuple[str, str, int | None, int]] = field(default_factory=list)  # (numero, titre, then, now)
    ensemble: tuple[int | None, int] = (None, 0)
    indicateurs: list[tuple[Fiche, Indicateur, Mesure | None, Mesure]] = field(default_factory=list)
    suivi: list[tuple[Suivi, Fiche]] = field(default_factory=list)
    pairs: list[tuple[Fiche | None, Fiche]] = field(default_factory=list)  # (fiche then, fiche now)
    # Actions réalisées in the period: (fiche, its latest suivi entry of the period or None, statut before or None)
    realisees: list[tuple[Fiche, Suivi | None, str | None]] = field(default_factory=list)
    mesures: list[tuple[Fiche, Indicateur, Mesure]] = field(default_factory=list)  # measures dated in the period
    # Where the history of modifications starts, when that is after the period's start (or None: it covers it)
    historique_debut: dt.date | None = None

    @property
    def compared(self) -> bool:
        return self.depuis.projet is not None and self.jusqua.projet is not None

    @property
    def start_known(self) -> bool:
        """The plan's state at the start of the period is known (the history covers it)."""
        return self.compared and self.historique_debut is None

    @property
    def changements(self) -> int:
        """Statut changes of the period known: the other groups (when compared), the réalisées, the abandons."""
        return sum(len(v) for v in self.statuts.values()) + len(self.abandonnees)


# --- entry points -------------------------------------------------------------------------------


def bilan_command(content: Path, depuis: str | None, jusqua: str | None, output: Path | None) -> int:
    """`fiches bilan`: the report on standard output, or in `output`."""
    from builder.project import load_projet

    projet = load_projet(content, history=False, bilan=False)  # the review of this period, not the edition's
    bilan = compute_bilan(content, projet, depuis, jusqua)
    text = render_markdown(bilan, title=True)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        print(f"Bilan écrit : {output}", file=sys.stderr)
    return 0


def edition_bilan(projet: Projet, content: Path) -> Bilan | None:
    """The review of the current edition (1st January of its year → now), for the site and the brochure."""
    try:
        return compute_bilan(content, projet, None, None)
    except (BuildError, GitError, OSError):
        return None


# --- states -------------------------------------------------------------------------------------


def compute_bilan(content: Path, current: Projet, depuis: str | None, jusqua: str | None) -> Bilan:
    """Compare the plan at `depuis` with the plan at `jusqua` (REV or AAAA-MM-JJ; defaults: 1st January of
    the edition year, and the working tree)."""
    edition = current.plan.edition
    depuis = depuis or f"{edition}-01-01"
    repo = find_repo(content)
    for spec, option in ((depuis, "--depuis"), (jusqua, "--jusqua")):
        if spec and not _DATE.match(spec) and repo is None:
            raise BuildError(
                f"{option} {spec} : le dossier {content} n'est pas dans un dépôt git ; indiquez une date AAAA-MM-JJ"
            )
    note = None
    if repo is None:
        note = f"L'historique des modifications du plan n'est pas disponible : {UNKNOWN}"
    try:
        states = _States(repo, current, content) if repo is not None else None
        if states is not None and not states.chain():
            states, note = None, f"L'historique des modifications du plan est encore vide : {UNKNOWN}"
        elif states is not None and repo is not None and repo.shallow:
            note = (
                f"L'historique des modifications disponible commence le {date_fr(states.chain()[-1][1])} : "
                "les états antérieurs du plan ne sont pas connus."
            )
        start = states.resolve(depuis, end=False) if states else _unknown(depuis, "--depuis")
        stop = states.resolve(jusqua, end=True) if states else _working_tree(current, None, content, jusqua)
    except GitError as exc:
        raise BuildError(f"git : {exc}") from None
    if start.date and stop.date and start.date > stop.date:
        raise BuildError(
            f"--depuis ({start.libelle}) est après --jusqua ({stop.libelle}) : "
            "indiquez d'abord le début de la période, puis sa fin"
        )
    # the period ends on the stated date: a revision's day, the --jusqua date, else the content's « état au »
    periode = (start.date or dt.date(edition, 1, 1), stop.date or current.date_situation)
    notes = [n for n in (note, start.note, stop.note) if n]
    bilan = Bilan(edition, start, stop, periode, " ".join(notes) or None)
    bilan.historique_debut = start.historique_debut
    if bilan.compared:
        _compare(bilan, states.renames(start, stop) if states else {})
    _realisees(bilan)
    _progress(bilan)
    _indicators(bilan)
    _suivi(bilan)
    return bilan


def _day(spec: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(spec)
    except ValueError:
        raise BuildError(f"{option} : date impossible « {spec} » (attendu AAAA-MM-JJ)") from None


def _unknown(spec: str, option: str) -> Etat:
    """A past state that cannot be read (outside git): only its date is known."""
    date = _day(spec, option)
    return Etat(date_fr(date), date, None)


def _working_tree(projet: Projet, repo: Repo | None, content: Path, until: str | None = None) -> Etat:
    """The current content, as of its « état au » date; outside git, `until` (a date) only ends the period:
    suivi entries and measures stop there, progress is the current one."""
    date = _day(until, "--jusqua") if until else None
    paths = {}
    for fiche in projet.fiches:
        try:
            key = Path(fiche.source).resolve().relative_to(repo.top).as_posix() if repo else fiche.source
        except ValueError:
            key = fiche.source
        paths[key] = fiche
    etat = Etat(date_fr(date or projet.date_situation), date, projet, paths)
    if date is not None:
        etat.note = "L'avancement indiqué est celui du contenu actuel."
    return etat


class _States:
    """States of the plan read from git: a handful of git calls whatever the size of the history."""

    def __init__(self, repo: Repo, current: Projet, content: Path) -> None:
        self.repo, self.current, self.content = repo, current, content
        self._chain: list[tuple[str, dt.date]] | None = None
        self.commits: dict[int, str | None] = {}  # id(Etat) → commit

    def chain(self) -> list[tuple[str, dt.date]]:
        """The first-parent chain of HEAD (commits that touched the content), newest first, with author dates."""
        if self._chain is None:
            try:
                out = git(
                    self.repo.top, "log", "--first-parent", "--format=%H %as", "HEAD", "--", self.repo.content or "."
                ).decode()
            except GitError:  # no commit yet
                out = ""
            self._chain = [(line[:40], dt.date.fromisoformat(line[41:51])) for line in out.splitlines() if line]
        return self._chain

    def resolve(self, spec: str | None, end: bool) -> Etat:
        if spec is None:
            etat = _working_tree(self.current, self.repo, self.content)
            self.commits[id(etat)] = None
            return etat
        if _DATE.match(spec):
            date = _day(spec, "--jusqua" if end else "--depuis")
            chain = self.chain()
            found = next((c for c in chain if (c[1] <= date if end else c[1] < date)), None)
            label = date_fr(date)
            if found is None and chain and not end and not self.repo.shallow:
                # The history starts after that date (the plan was put in git later): compare with its first
                # committed state rather than call every fiche « created ».
                first = chain[-1]
                etat = self._at(first[0], label, date)
                etat.historique_debut = first[1]
                etat.note = (
                    f"L'historique des modifications du plan commence le {date_fr(first[1])} : les "
                    "changements de statut, créations et renumérotations antérieurs ne sont pas "
                    "connus ; les actions réalisées, les mesures et les entrées de suivi de la période "
                    "sont établies d'après leurs dates."
                )
                return etat
            if found is None and end and not self.repo.shallow:
                raise BuildError(
                    f"--jusqua {spec} : le plan n'était pas encore enregistré dans git à cette date "
                    f"(premier enregistrement : {date_fr(chain[-1][1])})"
                )
            if found is None:  # beyond a shallow clone's history: unknown
                etat = Etat(label, date, None)
                self.commits[id(etat)] = None
                return etat
            etat = self._at(found[0], label, date)
            return etat
        try:
            sha = git(self.repo.top, "rev-parse", "--verify", "--quiet", f"{spec}^{{commit}}").decode().strip()
        except GitError:
            raise BuildError(
                f"révision inconnue : « {spec} » (attendu une révision git ou une date AAAA-MM-JJ)"
            ) from None
        date = dt.date.fromisoformat(git(self.repo.top, "log", "-1", "--format=%as", sha).decode().strip())
        return self._at(sha, f"la version {sha[:7]} ({date_fr(date)})", date)

    def _at(self, sha: str, label: str, date: dt.date) -> Etat:
        """The plan as committed in `sha` (fiches that did not validate then are left out)."""
        out = git(
            self.repo.top, "ls-tree", "-r", "-z", sha, "--", self.repo.path("plan.yml"), self.repo.path("fiches") + "/"
        )
        entries = {}
        for item in out.decode("utf-8", "surrogateescape").split("\0"):
            if "\t" in item:
                meta, path = item.split("\t", 1)
                entries[path] = meta.split()[2]
        blobs = read_blobs(self.repo.top, set(entries.values()))
        plan = self.current.plan
        plan_sha = entries.pop(self.repo.path("plan.yml"), None)
        if plan_sha in blobs:
            source = parse_yaml(_text(blobs[plan_sha]), "plan.yml", 0, Report())
            try:
                plan = Plan.model_validate(source.data) if source and isinstance(source.data, dict) else plan
            except ValueError:
                pass
        situation = situation_date(plan, date)
        paths = {}
        for path, blob in entries.items():
            if not path.endswith(".md") or blob not in blobs:
                continue
            source = parse_fiche(_text(blobs[blob]), path, Report())
            if source is None or not isinstance(source.data, dict):
                continue
            try:
                fiche = Fiche.read(source.data, body=source.body, source=path, situation=situation)
            except ValueError:
                continue
            paths[path] = fiche
        projet = Projet(plan, list(paths.values()), date)
        etat = Etat(label, date, projet, paths)
        self.commits[id(etat)] = sha
        return etat

    def renames(self, start: Etat, stop: Etat) -> dict[str, str | None]:
        """Path in `stop` → path in `start` of the fiche files renamed (or None: added) between the two
        states, following each commit's own rename detection (one git call)."""
        old = self.commits.get(id(start))
        if old is None:
            return {}
        new = self.commits.get(id(stop)) or "HEAD"
        origin: dict[str, str | None] = {}
        for commit in read_log(self.repo, f"{old}..{new}"):
            for status, _, _, old_path, new_path in commit.changes:
                if status == "A":
                    origin[new_path] = None
                elif status == "D":
                    origin.pop(old_path, None)
                elif status in "RC":
                    origin[new_path] = origin.pop(old_path, old_path) if status == "R" else None
        return origin


def _text(blob: bytes) -> str:
    return blob.decode("utf-8", "replace").lstrip("\ufeff").replace("\r\n", "\n")


# --- comparisons --------------------------------------------------------------------------------


def _compare(bilan: Bilan, renames: dict[str, str | None]) -> None:
    """Match each fiche of `jusqua` with its earlier self (same file, renamed file, then same id)."""
    before, after = bilan.depuis, bilan.jusqua
    old_by_path = dict(before.paths)
    pairs: list[tuple[Fiche | None, Fiche]] = []
    unmatched: list[Fiche] = []
    for path, fiche in sorted(after.paths.items(), key=lambda kv: id_key(kv[1].id)):
        origin = renames.get(path, path)  # None: added since
        old = old_by_path.pop(origin, None) if origin is not None else None
        if old is None:
            unmatched.append(fiche)
        else:
            pairs.append((old, fiche))
    old_by_id = {f.id: p for p, f in old_by_path.items()}
    for fiche in unmatched:
        old_path = old_by_id.get(fiche.id)
        pairs.append((old_by_path.pop(old_path) if old_path else None, fiche))
    bilan.supprimees = sorted(old_by_path.values(), key=lambda f: id_key(f.id))
    groups: dict[str, list[tuple[Fiche, str | None]]] = {}
    for old, fiche in sorted(pairs, key=lambda p: id_key(p[1].id)):
        if old is None:
            bilan.creees.append(fiche)
            continue
        if old.id != fiche.id:
            bilan.renumerotees.append((old.id, fiche))
        if old.statut != fiche.statut:
            if fiche.statut == "abandonnee":
                bilan.abandonnees.append((fiche, old.statut))
            else:
                groups.setdefault(fiche.statut, []).append((fiche, old.statut))
    bilan.statuts = {code: groups[code] for code in GROUP_ORDER if code in groups}
    bilan.pairs = pairs


def _realisees(bilan: Bilan) -> None:
    """The actions réalisées during the period: réalisée now and not at the start (the history says so), or, where
    the history does not reach (outside git, or réalisée already in its first version), whose latest suivi entry
    up to the period's end is dated in the period. They are also the « → Réalisée » group of the statut changes."""
    now = bilan.jusqua.projet
    if now is None:
        return
    start, stop = bilan.periode
    before = {id(fiche): old for old, fiche in bilan.pairs}
    out: list[tuple[Fiche, Suivi | None, str | None]] = []
    for fiche in now.fiches:
        if fiche.statut != "realisee":
            continue
        known = [s for s in fiche.suivi if stop is None or s.date.first_day() <= stop]
        latest = max(known, key=lambda s: s.date) if known else None
        entry = latest if latest is not None and _in_period(latest.date, start, stop) else None
        if bilan.compared and id(fiche) in before:
            old = before[id(fiche)]
            if old is None or old.statut != "realisee":  # became réalisée within the known history
                out.append((fiche, entry, old.statut if old else None))
                continue
            if bilan.historique_debut is None:  # réalisée already when the period started
                continue
        if entry is not None:
            out.append((fiche, entry, None))
    bilan.realisees = out
    groups = dict(bilan.statuts)
    groups.pop("realisee", None)
    if out:
        groups["realisee"] = [(f, old) for f, _, old in out]
    bilan.statuts = {code: groups[code] for code in GROUP_ORDER if code in groups}


def _progress(bilan: Bilan) -> None:
    """Progress now, by axe and overall; at the start too when the plan's state then is known."""
    now = bilan.jusqua.projet
    then = bilan.depuis.projet if bilan.start_known else None
    if now is None:
        return
    for axe in now.plan.axes:
        before = then.progress(then.fiches_of_axe(axe.numero)) if then and then.fiches_of_axe(axe.numero) else None
        bilan.axes.append((axe.numero, axe.titre, before, now.progress(now.fiches_of_axe(axe.numero))))
    bilan.ensemble = (then.progress() if then and then.fiches else None, now.progress())


def _indicators(bilan: Bilan) -> None:
    """The measures dated in the period (the content dates them: no history needed), and for each indicator
    measured in the period its latest measure there, with the latest one before the period (else the first of
    the period)."""
    now = bilan.jusqua.projet
    if now is None:
        return
    start, stop = bilan.periode
    for fiche in now.fiches:
        for ind in fiche.indicateurs:
            inside = sorted((m for m in ind.mesures if _in_period(m.date, start, stop)), key=lambda m: m.date)
            if not inside:
                continue
            bilan.mesures += [(fiche, ind, m) for m in inside]
            earlier = [m for m in ind.mesures if m.date.last_day() < start]
            first = max(earlier, key=lambda m: m.date) if earlier else inside[0] if len(inside) > 1 else None
            bilan.indicateurs.append((fiche, ind, first, inside[-1]))


def _suivi(bilan: Bilan) -> None:
    now = bilan.jusqua.projet
    if now is None:
        return
    start, stop = bilan.periode
    entries = [(s, f) for s, f in now.suivi_entries() if _in_period(s.date, start, stop)]
    bilan.suivi = sorted(entries, key=lambda e: (e[0].date, id_key(e[1].id)))


def _in_period(date: PartialDate, start: dt.date, stop: dt.date | None) -> bool:
    return date.last_day() >= start and (stop is None or date.first_day() <= stop)


# --- Markdown -----------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def _esc(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def _fiche(f: Fiche) -> str:
    return f"**{f.id}** {_esc(f.titre)}"


def _pct(value: int | None) -> str:
    return "—" if value is None else f"{value} %"


def _delta(then: int | None, now: int) -> str:
    if then is None:
        return "—"
    d = now - then
    return f"{'+' if d > 0 else ''}{d} point{'s' if abs(d) > 1 else ''}"


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n < 2 else many}"


def render_markdown(bilan: Bilan, title: bool = True, compact: bool = False, period: bool = True) -> str:
    """The report in French Markdown; `title=False` starts at level-1 sections (to nest in a page);
    `compact=True` keeps what fits a printed brochure: no empty lists, no indicator or suivi detail;
    `period=False` leaves out the opening sentence that states the period (the page around it states it)."""
    h = "##" if title else "#"
    now = bilan.jusqua.projet
    label = (lambda code: now.statut(code).libelle) if now else (lambda code: code)
    out: list[str] = []
    if title:
        out += [f"# Bilan {bilan.edition} : ce qui a changé", ""]
    if period:
        out += [_period(bilan.depuis.libelle, bilan.jusqua.libelle) + ".", ""]
    if bilan.note:
        out += [f"*{bilan.note}*", ""]

    out += [f"{h} En bref", ""]
    n_real = len(bilan.realisees)
    out.append(f"- {_count(n_real, 'action réalisée', 'actions réalisées')} sur la période.")
    if bilan.compared:
        since = (
            f"Depuis le début de l'historique des modifications ({date_fr(bilan.historique_debut)}) : "
            if bilan.historique_debut
            else ""
        )
        out.append(
            f"- {since}{_count(len(bilan.creees), 'fiche créée', 'fiches créées')}, "
            f"{_count(len(bilan.abandonnees), 'abandonnée', 'abandonnées')}, "
            f"{_count(len(bilan.renumerotees), 'renumérotée', 'renumérotées')}"
            + (f", {_count(len(bilan.supprimees), 'retirée du plan', 'retirées du plan')}" if bilan.supprimees else "")
            + "."
        )
        out.append(
            f"- {_count(bilan.changements, 'changement de statut', 'changements de statut')}"
            + (f", dont {n_real} vers « {label('realisee').lower()} »" if n_real else "")
            + "."
        )
    then_all, now_all = bilan.ensemble
    if now is not None:
        progress = f"{_pct(then_all)} → {_pct(now_all)}" if then_all is not None else _pct(now_all)
        out.append(f"- Avancement moyen du plan : {progress}.")
    n_ind = len(bilan.indicateurs)
    out.append(
        f"- {_count(len(bilan.mesures), 'mesure', 'mesures')} d'indicateurs sur la période"
        + (f" ({_count(n_ind, 'indicateur', 'indicateurs')})" if n_ind else "")
        + "."
    )
    out.append(f"- {_count(len(bilan.suivi), 'entrée de suivi', 'entrées de suivi')} sur la période.")
    out.append("")

    if bilan.compared:
        for heading, lines in (
            ("Fiches créées", [f"- {_fiche(f)} ({label(f.statut)})" for f in bilan.creees]),
            (
                "Fiches abandonnées",
                [f"- {_fiche(f)} (auparavant : {label(old).lower()})" for f, old in bilan.abandonnees],
            ),
            ("Fiches renumérotées", [f"- {old} → {_fiche(f)}" for old, f in bilan.renumerotees]),
        ):
            if lines or not compact:
                out += [f"{h} {heading}", "", *(lines or ["Aucune."]), ""]
        if bilan.supprimees:
            out += [f"{h} Fiches retirées du plan", ""]
            out += [f"- {_fiche(f)}" for f in bilan.supprimees]
            out.append("")
    if now is not None:
        out += [f"{h} Changements de statut", ""]
        if not bilan.compared:
            out += ["Seules les actions réalisées sur la période sont connues.", ""]
        if not bilan.statuts and not bilan.abandonnees:
            out += ["Aucun.", ""]
        for code, items in bilan.statuts.items():
            out += [f"{h}# → {label(code)} ({len(items)})", ""]
            if compact and code == "realisee":  # the brochure presents them on its « Réalisé en » pages
                out += [f"Présentées dans « Réalisé en {bilan.edition} » : {', '.join(f.id for f, _ in items)}.", ""]
                continue
            out += [f"- {_fiche(f)} ({_before(label, old)} → {label(code).lower()})" for f, old in items]
            out.append("")
        if bilan.abandonnees:
            out += [f"{h}# → {label('abandonnee')} ({len(bilan.abandonnees)})", ""]
            out += [
                f"- {_fiche(f)} ({label(old).lower()} → {label('abandonnee').lower()})" for f, old in bilan.abandonnees
            ]
            out.append("")

    if now is not None:
        out += [f"{h} Avancement par axe", ""]
        if then_all is not None:
            out += [
                f"| Axe | {_cap(bilan.depuis.libelle)} | {_cap(bilan.jusqua.libelle)} | Évolution |",
                "|---|---:|---:|---:|",
            ]
            out += [f"| {n}. {_esc(t)} | {_pct(a)} | {_pct(b)} | {_delta(a, b)} |" for n, t, a, b in bilan.axes]
            out.append(f"| **Ensemble du plan** | {_pct(then_all)} | {_pct(now_all)} | {_delta(then_all, now_all)} |")
        else:
            out += [f"| Axe | {_cap(bilan.jusqua.libelle)} |", "|---|---:|"]
            out += [f"| {n}. {_esc(t)} | {_pct(b)} |" for n, t, _, b in bilan.axes]
            out.append(f"| **Ensemble du plan** | {_pct(now_all)} |")
        out.append("")

    if compact:
        return "\n".join(out).rstrip("\n") + "\n"
    out += [f"{h} Indicateurs", ""]
    lines = []
    for f, ind, old, new in bilan.indicateurs:
        unit = f"\u00a0{ind.unite}" if ind.unite else ""
        before = f"{_value(old.valeur)}{unit} ({date_fr(old.date)}) → " if old else ""
        lines.append(f"- {_fiche(f)} — {_esc(ind.nom)} : {before}{_value(new.valeur)}{unit} ({date_fr(new.date)})")
    out += lines or ["Aucune nouvelle mesure."]
    out.append("")

    out += [f"{h} Suivi de la période", ""]
    out += [f"- {date_fr(s.date)} — {_fiche(f)} : {' '.join(s.texte.split())}" for s, f in bilan.suivi] or [
        "Aucune entrée."
    ]
    return "\n".join(out).rstrip("\n") + "\n"


def _before(label: Callable[[str], str], old: str | None) -> str:
    return label(old).lower() if old else "statut antérieur non connu"


def _period(start: str, stop: str) -> str:
    """« Du 1er janvier 2026 au 15 octobre 2026 », « Depuis la version a1b2c3d (…) jusqu'au 15 octobre 2026 »."""
    opening = f"Du {start}" if start[:1].isdigit() else f"Depuis {start}"
    if not stop[:1].isdigit():
        return f"{opening} jusqu'à {stop}"
    return f"{opening} {'au' if opening.startswith('Du') else 'jusqu’au'} {stop}"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _value(value: float) -> str:
    from builder.fr import number_fr

    return number_fr(value)
