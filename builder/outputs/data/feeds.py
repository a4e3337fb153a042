"""Feeds and calendars: an Atom feed of the suivi entries and an iCalendar file of the jalons and end dates.

Both are written by hand (small, standard formats) and are reproducible: the same content gives the same
bytes (timestamps come from the plan's `date_situation`, never from the clock). Ids are name-based and survive
the usual edits: a suivi entry is its fiche, its date and its rank among that fiche's entries of that day (a
typo fixed in its text keeps the id; an entry added on another day changes no other id); a jalon is its fiche
and its libellé (a jalon that slips keeps its UID, so calendars move the event instead of adding one).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from urllib.parse import urlsplit
from xml.sax import saxutils

from builder.content.model import Fiche, PartialDate, Projet
from builder.render.markdown import inline
from builder.text import typeset, typeset_html

PRODID = "-//fiches//Projet d'administration//FR"

# Characters XML 1.0 does not allow in a document at all, not even as references (§2.2): they are left out.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def escape(text: str) -> str:
    """Text of the feed: escaped, without the characters XML 1.0 forbids (the feed stays well-formed)."""
    return saxutils.escape(_NOT_XML.sub("", text))


def quoteattr(text: str) -> str:
    """An attribute value of the feed, quoted, under the same rule as `escape`."""
    return saxutils.quoteattr(_NOT_XML.sub("", text))


def _stamp(date: dt.date) -> str:
    return f"{date.isoformat()}T00:00:00Z"


def _fiche_url(fiche: Fiche, site_url: str | None) -> str:
    return f"{(site_url or '').rstrip('/')}/fiches/{fiche.slug}/" if site_url else f"fiches/{fiche.slug}/"


def entry_id(projet: Projet, fiche: Fiche, date: PartialDate, index: int) -> str:
    """Stable id of a suivi entry: a name-based UUID of the collectivité, fiche id, date and rank that day."""
    name = f"fiches:{projet.plan.collectivite}:{fiche.id}:{date}:{index}"
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def atom_feed(projet: Projet, site_url: str | None = None) -> str:
    """The Atom (RFC 4287) feed of every suivi entry, newest first; links to the fiche pages."""
    plan = projet.plan
    entries = projet.suivi_entries()
    rank: dict[tuple[str, PartialDate], int] = {}
    ranks = {}
    for fiche in projet.fiches:  # rank of each entry among the entries of its fiche on the same date
        for suivi in fiche.suivi:
            key = (fiche.id, suivi.date)
            rank[key] = rank.get(key, 0) + 1
            ranks[id(suivi)] = rank[key]
    updated = max([projet.date_situation] + [s.date.first_day() for s, _ in entries])
    base = (site_url or "").rstrip("/")
    subtitle = f"Le suivi des fiches-actions du projet d’administration ({plan.collectivite})"
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr">',
        f"  <id>urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'fiches:{plan.collectivite}:actualites')}</id>",
        f"  <title>{escape(typeset(f'Actualités — {plan.titre}'))}</title>",
        f"  <subtitle>{escape(typeset(subtitle))}</subtitle>",
        f"  <updated>{_stamp(updated)}</updated>",
        f"  <author><name>{escape(plan.collectivite)}</name></author>",
        "  <generator>fiches</generator>",
    ]
    if site_url:
        lines.append(f'  <link rel="self" type="application/atom+xml" href={quoteattr(base + "/actualites.xml")}/>')
        lines.append(f'  <link rel="alternate" type="text/html" href={quoteattr(base + "/actualites/")}/>')
    for suivi, fiche in entries:
        when = _stamp(suivi.date.first_day())
        lines += [
            "  <entry>",
            f"    <id>{entry_id(projet, fiche, suivi.date, ranks[id(suivi)])}</id>",
            f"    <title>{escape(typeset(f'{fiche.id} — {fiche.titre}'))}</title>",
            f'    <link rel="alternate" type="text/html" href={quoteattr(_fiche_url(fiche, site_url))}/>',
            f"    <published>{when}</published>",
            f"    <updated>{when}</updated>",
            f"    <category term={quoteattr(projet.statut(fiche.statut).libelle)}/>",
            f'    <content type="html">{escape(typeset_html(str(inline(suivi.texte))))}</content>',
            "  </entry>",
        ]
    lines.append("</feed>")
    return "\n".join(lines) + "\n"


# --- iCalendar (RFC 5545) -----------------------------------------------------------------------

_ICS_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f]")  # RFC 5545 §3.3.11: no CONTROL in TEXT but HTAB


def _ics_text(value: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): `\\`, `;` and `,` escaped, every line break (CRLF, LF or a lone CR)
    written `\\n`, other control characters left out, so a value can never end its content line. The same rule
    as the `icalendar` library's `vText` (tested against it)."""
    text = (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )
    return _ICS_CONTROL.sub("", text)


def _fold(line: str) -> str:
    """Lines longer than 75 octets are folded (CRLF + space), never inside a UTF-8 character."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts, start, limit = [], 0, 75
    while len(data) - start > limit:
        end = start + limit
        while data[end] & 0xC0 == 0x80:  # a continuation byte: cut before its character
            end -= 1
        parts.append(data[start:end])
        start, limit = end, 74  # the next line starts with a space
    parts.append(data[start:])
    return b"\r\n ".join(parts).decode("utf-8")


def _event(
    uid: str, stamp: str, day: dt.date, summary: str, description: str, url: str | None, category: str
) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{stamp}",
        f"DTSTART;VALUE=DATE:{day.strftime('%Y%m%d')}",
        f"DTEND;VALUE=DATE:{(day + dt.timedelta(days=1)).strftime('%Y%m%d')}",
        f"SUMMARY:{_ics_text(summary)}",
        f"DESCRIPTION:{_ics_text(description)}",
        f"CATEGORIES:{_ics_text(category)}",
        "TRANSP:TRANSPARENT",
    ]
    if url:
        lines.append(f"URL:{url}")
    return lines + ["END:VEVENT"]


def jalon_uid(projet: Projet, fiche: Fiche, libelle: str, seen: dict[str, int], domain: str) -> str:
    """UID of a jalon: its fiche and its libellé (whitespace and case folded); a libellé repeated in one fiche
    gets its rank among the repeats."""
    key = " ".join(libelle.split()).casefold()
    seen[key] = seen.get(key, 0) + 1
    name = f"fiches:{projet.plan.collectivite}:{fiche.id}:jalon:{key}" + (f":{seen[key]}" if seen[key] > 1 else "")
    return f"jalon-{uuid.uuid5(uuid.NAMESPACE_URL, name)}@{domain}"


def icalendar(projet: Projet, site_url: str | None = None) -> str:
    """All-day events: every jalon, and every fiche's planned end; stable UIDs, DTSTAMP = date_situation."""
    host = urlsplit(site_url).hostname if site_url else None
    domain = host or "fiches.invalid"
    stamp = projet.date_situation.strftime("%Y%m%dT000000Z")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_ics_text(f'Jalons — {projet.plan.titre}')}",
    ]
    for fiche in projet.fiches:
        url = _fiche_url(fiche, site_url) if site_url else None
        statut = projet.statut(fiche.statut).libelle
        seen: dict[str, int] = {}
        for jalon in fiche.jalons:
            state = "atteint" if jalon.fait else ("en retard" if projet.jalon_en_retard(jalon) else "à venir")
            lines += _event(
                jalon_uid(projet, fiche, jalon.libelle, seen, domain),
                stamp,
                jalon.date.last_day(),
                f"{jalon.libelle} ({fiche.id})",
                f"Jalon de la fiche {fiche.id} « {fiche.titre} » ({statut}) : {state}. Échéance : {jalon.date}.",
                url,
                "Jalon",
            )
        if fiche.calendrier.fin is not None:
            lines += _event(
                f"fin-{fiche.id}@{domain}",
                stamp,
                fiche.calendrier.fin.last_day(),
                f"Fin prévue : {fiche.id} {fiche.titre}",
                f"Fin prévue de la fiche {fiche.id} « {fiche.titre} » ({statut}). Échéance : {fiche.calendrier.fin}.",
                url,
                "Fin de fiche",
            )
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)
