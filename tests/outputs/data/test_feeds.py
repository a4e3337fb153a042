"""The Atom feed of the suivi entries and the iCalendar file of the jalons, parsed by real readers."""

from __future__ import annotations

from pathlib import Path

import feedparser
import icalendar
import pytest
from lxml import etree

from builder.content.model import Projet
from builder.outputs.data.export import write_downloads
from builder.outputs.data.feeds import atom_feed
from builder.outputs.data.feeds import icalendar as ics_text
from builder.project import load_projet
from tests.conftest import DEMO, MINI


@pytest.fixture(scope="module", params=["mini", "demo"])
def projet(request: pytest.FixtureRequest) -> Projet:
    root = MINI if request.param == "mini" else DEMO
    return load_projet(root, history=False, bilan=False)


def test_atom_feed_has_one_entry_per_suivi(projet: Projet) -> None:
    text = atom_feed(projet, "https://intranet.example/pa/")
    etree.fromstring(text.encode("utf-8"))  # well-formed XML
    feed = feedparser.parse(text)
    assert not feed.bozo, feed.get("bozo_exception")
    entries = projet.suivi_entries()
    assert len(feed.entries) == len(entries) > 0
    ids = [e.id for e in feed.entries]
    assert len(set(ids)) == len(ids) and all(i.startswith("urn:uuid:") for i in ids)
    first_suivi, first_fiche = entries[0]
    assert feed.entries[0].link == f"https://intranet.example/pa/fiches/{first_fiche.slug}/"
    assert feed.entries[0].published.startswith(str(first_suivi.date.first_day()))
    assert feed.feed.title.startswith("Actualités — ")
    assert atom_feed(projet, "https://intranet.example/pa/") == text  # reproducible bytes


def test_feed_without_site_url_links_relative_pages() -> None:
    projet = load_projet(MINI, history=False, bilan=False)
    feed = feedparser.parse(atom_feed(projet))
    assert [e.link for e in feed.entries] == ["fiches/1-10-1/", "fiches/1-1-1/"]
    assert "<strong>diffusée</strong>" in feed.entries[1].content[0].value


def test_icalendar_has_one_event_per_jalon_and_end_date(projet: Projet) -> None:
    text = ics_text(projet, "https://intranet.example/pa/")
    raw = text.encode("utf-8")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    calendar = icalendar.Calendar.from_ical(raw)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    events = list(calendar.walk("VEVENT"))
    jalons = [e for e in events if str(e["CATEGORIES"].cats[0]) == "Jalon"]
    ends = [e for e in events if str(e["CATEGORIES"].cats[0]) == "Fin de fiche"]
    assert len(jalons) == sum(len(f.jalons) for f in projet.fiches) > 0
    assert len(ends) == sum(1 for f in projet.fiches if f.calendrier.fin)
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == len(uids)
    for event in events:
        assert event["DTSTAMP"].dt.date() == projet.date_situation
        start, end = event["DTSTART"].dt, event["DTEND"].dt
        assert not hasattr(start, "hour") and (end - start).days == 1  # all-day events


def test_icalendar_dates_and_text_of_the_mini_plan() -> None:
    projet = load_projet(MINI, history=False, bilan=False)
    events = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(ics_text(projet)).walk("VEVENT")}
    impression = next(e for e in events.values() if str(e["SUMMARY"]) == "Impression (1.1.1)")
    assert impression["DTSTART"].dt.isoformat() == "2025-02-28"  # a month-precision jalon: its last day
    assert "en retard" in str(impression["DESCRIPTION"])
    assert events["fin-2.1.1@fiches.invalid"]["DTSTART"].dt.isoformat() == "2026-12-31"


def test_write_downloads_writes_every_file(tmp_path: Path) -> None:
    projet = load_projet(MINI, history=False, bilan=False)
    write_downloads(projet, tmp_path)
    names = sorted(p.name for p in (tmp_path / "telechargements").iterdir())
    assert names == ["fiches-excel.csv", "fiches.csv", "fiches.xlsx", "jalons.ics", "plan.json", "plan.schema.json"]
    assert feedparser.parse((tmp_path / "actualites.xml").read_bytes()).entries
    first = {p.name: p.read_bytes() for p in (tmp_path / "telechargements").iterdir()}
    write_downloads(projet, tmp_path)
    assert first == {p.name: p.read_bytes() for p in (tmp_path / "telechargements").iterdir()}  # reproducible


def _ids_by_text(projet: Projet) -> tuple[dict[str, str], dict[str, str]]:
    """Atom entry id by suivi text, and iCalendar UID by summary."""
    feed = feedparser.parse(atom_feed(projet))
    entries = {e.content[0].value: e.id for e in feed.entries}
    events = {str(e["SUMMARY"]): str(e["UID"]) for e in icalendar.Calendar.from_ical(ics_text(projet)).walk("VEVENT")}
    return entries, events


def test_ids_survive_the_usual_edits(mini_copy: Path) -> None:
    entries, events = _ids_by_text(load_projet(mini_copy, history=False, bilan=False))
    fiche = mini_copy / "fiches" / "1.1.1-livret-accueil.md"
    text = fiche.read_text(encoding="utf-8")
    assert "  - date: 2025-02\n    libelle: Impression\n" in text and "\nsuivi:\n" in text
    # a jalon inserted first, the other jalon slipping by two months, a suivi entry added on another day
    text = text.replace("jalons:\n", "jalons:\n  - {date: 2024-12-01, libelle: Cahier des charges, fait: oui}\n", 1)
    text = text.replace("  - date: 2025-02\n    libelle: Impression\n", "  - date: 2025-04\n    libelle: Impression\n")
    text = text.replace("suivi:\n", "suivi:\n  - {date: 2025-06-02, texte: Nouvelle entrée.}\n", 1)
    fiche.write_text(text, encoding="utf-8")
    entries_after, events_after = _ids_by_text(load_projet(mini_copy, history=False, bilan=False))
    assert len(events_after) == len(events) + 1 and len(entries_after) == len(entries) + 1
    assert {k: v for k, v in entries_after.items() if k in entries} == entries
    assert {k: v for k, v in events_after.items() if k in events} == events
    assert events_after["Impression (1.1.1)"] == events["Impression (1.1.1)"]  # moved, same event
