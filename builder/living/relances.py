"""Freshness and reminders (`fiches relances`): what each pilot direction must look at, on a given day.

The rules, shared by the command and the tableau de bord (site and plan PDF), all counted at a reference day
(the day of the run, or `--date`; the plan's « état au » date for the published outputs):

- **fin dépassée**: the planned end (`calendrier.fin`, its last day) is before the day, and the fiche is neither
  réalisée nor abandonnée (the same rule as « en retard » everywhere else);
- **jalon en retard**: a jalon not done whose date (its last day) is before the day (fiches not abandonnées);
- **à actualiser**: a fiche that is followed (en cours, en pause, bloquée, or à venir past its planned start) whose
  last activity is more than `suivi.actualiser_apres_mois` months before the day. Its last activity is the most
  recent of its suivi entries, its indicators' measures and the commits that changed its file (git, author date),
  none counted after the day; its planned start stands in for them when it is more recent (a fiche that started
  two months ago is not late with its news);
- **mesure ancienne**: in a followed fiche, an indicator whose last measure (or, failing one, the fiche's planned
  start) is more than `suivi.mesurer_apres_mois` months before the day (12 by default: many indicators are
  yearly).

Nothing here reads a file but git's log (one call, `builder.living.history`); renderers get plain values.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import sys
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path

from builder.content.model import Direction, Fiche, Indicateur, Mesure, PartialDate, Projet
from builder.errors import BuildError, plural
from builder.fr import date_fr

DONE = ("realisee", "abandonnee")
MOTIFS = {  # code: label, in the order reasons are listed
    "fin_depassee": "Fin prévue dépassée",
    "jalon_en_retard": "Jalon en retard",
    "a_actualiser": "À actualiser",
    "mesure_ancienne": "Mesure ancienne",
}


@dataclass(frozen=True)
class Motif:
    """One reason to look at a fiche: its code (a key of `MOTIFS`) and a French sentence."""

    code: str
    texte: str


@dataclass(frozen=True)
class Activite:
    """A fiche's last known activity on or before the reference day, and where it comes from."""

    date: dt.date
    shown: str  # « 12 mars 2026 », « mars 2026 » (as written)
    source: str  # « entrée de suivi », « mesure », « modification du fichier », « début prévu »


@dataclass(frozen=True)
class FicheRelance:
    fiche: Fiche
    url: str
    motifs: tuple[Motif, ...]


@dataclass(frozen=True)
class DirectionRelance:
    direction: Direction
    fiches: tuple[FicheRelance, ...]


# --- dates --------------------------------------------------------------------------------------


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` months earlier (the last day of that month when it is shorter: 31 août → 28 février)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _seen(date: PartialDate, day: dt.date) -> dt.date | None:
    """A written date as activity: its last day (capped at `day`), or None when it starts after `day`."""
    if date.first_day() > day:
        return None
    return min(date.last_day(), day)


# --- the rules ----------------------------------------------------------------------------------


def followed(fiche: Fiche, day: dt.date) -> bool:
    """Fiches whose news are expected: not finished, and started (à venir only past its planned start)."""
    if fiche.statut in DONE:
        return False
    if fiche.statut == "a_venir":
        debut = fiche.calendrier.debut
        return debut is not None and debut.first_day() <= day
    return True


def derniere_activite(projet: Projet, fiche: Fiche, day: dt.date) -> Activite | None:
    """The most recent of the fiche's suivi, measures, file commits and planned start, on or before `day`."""
    found: list[Activite] = []
    for entry in fiche.suivi:
        if (seen := _seen(entry.date, day)) is not None:
            found.append(Activite(seen, date_fr(entry.date), "entrée de suivi"))
    for ind in fiche.indicateurs:
        for mesure in ind.mesures:
            if (seen := _seen(mesure.date, day)) is not None:
                found.append(Activite(seen, date_fr(mesure.date), "mesure d'indicateur"))
    historique = projet.historique(fiche)
    commits = [d for d in (historique.modifications if historique else []) if d <= day]
    if commits:
        found.append(Activite(max(commits), date_fr(max(commits)), "modification du fichier"))
    debut = fiche.calendrier.debut
    if debut is not None and debut.first_day() <= day:
        found.append(Activite(debut.first_day(), date_fr(debut), "début prévu"))
    return max(found, key=lambda a: a.date) if found else None


def a_actualiser(projet: Projet, fiche: Fiche, day: dt.date) -> bool:
    """No news for more than `suivi.actualiser_apres_mois` months before `day` (see the module's rules)."""
    if not followed(fiche, day):
        return False
    last = derniere_activite(projet, fiche, day)
    return last is None or last.date < months_before(day, projet.plan.suivi.actualiser_apres_mois)


def en_retard(fiche: Fiche, day: dt.date) -> bool:
    fin = fiche.calendrier.fin
    return bool(fin and fin.last_day() < day and fiche.statut not in DONE)


def motifs(projet: Projet, fiche: Fiche, day: dt.date) -> list[Motif]:
    """Every reason for the fiche's pilot to look at it on `day`, in the order of `MOTIFS`."""
    months = projet.plan.suivi.actualiser_apres_mois
    limit = months_before(day, months)
    out: list[Motif] = []
    if en_retard(fiche, day):
        statut = projet.statut(fiche.statut).libelle
        out.append(
            Motif(
                "fin_depassee",
                f"fin prévue {_when(fiche.calendrier.fin)} dépassée (statut : {statut}, "
                f"avancement {fiche.progression}\u00a0%)",
            )
        )
    if fiche.statut != "abandonnee":
        for jalon in sorted(fiche.jalons, key=lambda j: j.date):
            if not jalon.fait and jalon.date.last_day() < day:
                out.append(
                    Motif("jalon_en_retard", f"jalon « {jalon.libelle} » prévu {_when(jalon.date)}, non atteint")
                )
    if not followed(fiche, day):
        return out
    last = derniere_activite(projet, fiche, day)
    if last is None:
        out.append(Motif("a_actualiser", "à actualiser : aucune entrée de suivi, aucune mesure ni modification connue"))
    elif last.date < limit:
        out.append(
            Motif(
                "a_actualiser",
                f"à actualiser : rien de neuf depuis {_since(last)} ({last.source}), "
                f"plus de {plural(months, 'mois', 'mois')}",
            )
        )
    debut = fiche.calendrier.debut
    start = debut.first_day() if debut is not None and debut.first_day() <= day else None
    measure_months = projet.plan.suivi.mesurer_apres_mois
    limit = months_before(day, measure_months)
    for ind in fiche.indicateurs:
        mesure = _derniere_mesure(ind, day)
        seen = _seen(mesure.date, day) if mesure else None
        if max(d for d in (seen, start, dt.date.min) if d is not None) >= limit:
            continue
        if mesure is None:
            out.append(Motif("mesure_ancienne", f"indicateur « {ind.nom} » : aucune mesure"))
        else:
            out.append(
                Motif(
                    "mesure_ancienne",
                    f"indicateur « {ind.nom} » : dernière mesure {_when(mesure.date)}, "
                    f"plus de {plural(measure_months, 'mois', 'mois')}",
                )
            )
    return out


def _derniere_mesure(ind: Indicateur, day: dt.date) -> Mesure | None:
    mesures = [m for m in ind.mesures if m.date.first_day() <= day]
    return max(mesures, key=lambda m: m.date) if mesures else None


def _when(date: PartialDate | None) -> str:
    """`le 15 mars 2026`, `en mars 2026`, `en 2026`."""
    if date is None:
        return ""
    return f"le {date_fr(date)}" if date.day else f"en {date_fr(date)}"


def _since(activite: Activite) -> str:
    return f"le {activite.shown}" if activite.shown[:1].isdigit() and " " in activite.shown else activite.shown


# --- per direction ------------------------------------------------------------------------------


def fiche_url(base: str | None, fiche: Fiche) -> str:
    """The fiche's intranet address (`site_url` of mkdocs.yml), or its path on the site when it is unknown."""
    path = f"fiches/{fiche.slug}/"
    return (base.rstrip("/") + "/" + path) if base else path


def relances(
    projet: Projet, day: dt.date, base_url: str | None = None, direction: str | None = None
) -> list[DirectionRelance]:
    """The pilot directions (in plan.yml's order) with the fiches that need their attention on `day`."""
    out = []
    for d in projet.plan.directions:
        if direction is not None and d.code != direction:
            continue
        fiches = tuple(
            FicheRelance(f, fiche_url(base_url, f), tuple(found))
            for f in projet.fiches
            if f.pilote == d.code and (found := motifs(projet, f, day))
        )
        if fiches:
            out.append(DirectionRelance(d, fiches))
    return out


# --- formats ------------------------------------------------------------------------------------


def _fiche_lines(item: FicheRelance) -> list[str]:
    return [f"{item.fiche.id} — {item.fiche.titre}", f"  {item.url}"] + [f"  - {m.texte}" for m in item.motifs]


def _heading(projet: Projet, day: dt.date) -> str:
    months = projet.plan.suivi.actualiser_apres_mois
    return (
        f"Relances au {date_fr(day)} (une fiche suivie est à actualiser après "
        f"{plural(months, 'mois', 'mois')} sans nouvelles)"
    )


def to_text(projet: Projet, day: dt.date, groups: list[DirectionRelance], direction: str | None = None) -> str:
    """One block per direction, ready to paste into a message."""
    lines = [_heading(projet, day), ""]
    for group in groups:
        d = group.direction
        lines.append(f"{d.code} — {d.nom} : {plural(len(group.fiches), 'fiche')}")
        for item in group.fiches:
            lines += ["", *(f"  {line}" for line in _fiche_lines(item))]
        lines.append("")
    n = sum(len(g.fiches) for g in groups)
    if n:
        lines.append(f"{plural(n, 'fiche')} à relancer, {plural(len(groups), 'direction')}.")
    elif direction:
        lines.append(f"Rien à relancer pour la direction {direction}.")
    else:
        lines.append("Rien à relancer : toutes les fiches sont à jour.")
    return "\n".join(lines) + "\n"


CSV_COLUMNS = ("direction", "nom de la direction", "contact", "fiche", "titre", "motif", "détail", "adresse")


def to_csv(groups: list[DirectionRelance]) -> bytes:
    """One row per reason (UTF-8, comma)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for group in groups:
        d = group.direction
        for item in group.fiches:
            for m in item.motifs:
                writer.writerow(
                    [d.code, d.nom, d.contact or "", item.fiche.id, item.fiche.titre, MOTIFS[m.code], m.texte, item.url]
                )
    return buffer.getvalue().encode("utf-8")


def to_email(projet: Projet, day: dt.date, group: DirectionRelance) -> EmailMessage:
    """A ready-to-send message (a draft: `X-Unsent`) to the direction's `contact` address."""
    d = group.direction
    n = len(group.fiches)
    message = EmailMessage(policy=SMTP)
    message["To"] = Address(d.nom, addr_spec=d.contact or "")
    if projet.plan.suivi.expediteur:
        message["From"] = Address(projet.plan.titre, addr_spec=projet.plan.suivi.expediteur)
    message["Subject"] = f"{projet.plan.titre} : {plural(n, 'fiche')} à mettre à jour (relance au {date_fr(day)})"
    message["Date"] = format_datetime(dt.datetime(day.year, day.month, day.day, 8, 0, tzinfo=dt.UTC))
    message["X-Unsent"] = "1"  # opened as a draft to send, not as a received message
    body = [
        "Bonjour,",
        "",
        f"Voici {'la fiche-action' if n == 1 else f'les {n} fiches-actions'} du projet d'administration dont "
        f"votre direction ({d.nom}, {d.code}) est pilote et qui demande{'nt' if n > 1 else ''} votre attention "
        f"au {date_fr(day)} :",
        "",
    ]
    for item in group.fiches:
        body += _fiche_lines(item) + [""]
    months = projet.plan.suivi.actualiser_apres_mois
    body += [
        f"Merci de les mettre à jour (statut, avancement, jalons, suivi, mesures des indicateurs) : une fiche "
        f"sans nouvelles depuis plus de {plural(months, 'mois', 'mois')} est signalée « à actualiser » sur le "
        "tableau de bord du plan.",
        "",
        "Bien cordialement,",
        "",
        "-- ",
        "Message préparé par « fiches relances ».",
    ]
    message.set_content("\n".join(body) + "\n")
    return message


def write_emails(projet: Projet, day: dt.date, groups: list[DirectionRelance], folder: Path) -> list[Path]:
    """One `.eml` file per direction that has a `contact` address; the others are named on standard error."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for group in groups:
        if not group.direction.contact:
            continue
        path = folder / f"relance-{group.direction.code}-{day.isoformat()}.eml"
        path.write_bytes(to_email(projet, day, group).as_bytes())
        written.append(path)
    return written


# --- the command --------------------------------------------------------------------------------


def load_for_relances(content: Path) -> Projet:
    """The validated plan with the dates of the commits of each fiche (no file version read: fast)."""
    from builder.project import load_projet

    return load_projet(content, changes=False, bilan=False)


def relances_command(
    content: Path,
    day: dt.date | None,
    direction: str | None,
    fmt: str,
    output: Path | None,
    exit_code: bool,
    site_url: str | None = None,
) -> int:
    """`fiches relances`: 0, or 1 with `--exit-code` when a fiche needs attention; 2 for an unknown direction.
    Fiches are given by their address on the site `site_url`."""
    projet = load_for_relances(content)
    day = day or dt.date.today()
    if direction is not None and direction not in projet.directions:
        from builder.errors import did_you_mean

        codes = list(projet.directions)
        print(
            f"fiches relances : erreur : « {direction} » n'est pas un code de direction de plan.yml ; codes "
            f"possibles : {', '.join(codes)}{did_you_mean(direction, codes)}",
            file=sys.stderr,
        )
        return 2
    base = site_url
    if base is None:
        print(
            "Attention : pas d'adresse du site (site_url dans mkdocs.yml) : les adresses des fiches sont données "
            "depuis la racine du site.",
            file=sys.stderr,
        )
    groups = relances(projet, day, base, direction)
    n = sum(len(g.fiches) for g in groups)
    if fmt == "eml":
        folder = output or Path("relances")
        if folder.exists() and not folder.is_dir():
            raise BuildError(f"{folder} existe et n'est pas un dossier ; avec --format eml, -o désigne un dossier")
        for path in write_emails(projet, day, groups, folder):
            print(f"Message écrit : {path}", file=sys.stderr)
        without = [g.direction.code for g in groups if not g.direction.contact]
        if without:
            print(
                f"Sans adresse « contact » dans plan.yml, aucun message pour : {', '.join(without)} ; "
                "utilisez --format texte pour leur relance.",
                file=sys.stderr,
            )
        if not groups:
            print(to_text(projet, day, groups, direction).strip().splitlines()[-1], file=sys.stderr)
    else:
        data = to_text(projet, day, groups, direction).encode("utf-8") if fmt == "texte" else to_csv(groups)
        if output is None:
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:
            output.write_bytes(data)
            print(f"Relances écrites : {output} ({plural(n, 'fiche')})", file=sys.stderr)
    return 1 if exit_code and n else 0


def parse_day(text: str) -> dt.date:
    """`--date AAAA-MM-JJ`."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        import argparse

        raise argparse.ArgumentTypeError(f"« {text} » n'est pas une date AAAA-MM-JJ (ex. 2026-06-30)") from None
