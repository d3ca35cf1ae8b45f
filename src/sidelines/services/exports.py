"""Exports, each with only what its reader may see: the event as an event file (the
organiser's), the published schedule as CSV or iCalendar, and the record as JSON or CSV.

The event file is the file ``sidelines event import`` and ``POST /api/events`` accept: its
description as stored (with the organiser's view as it now is) and the meetings agreed before
the system, numbered in the order they were stored so that exporting an event imported from an
export gives the same file again. Meetings that came of the negotiations are not in it: they
belong to the requests, which an event file does not hold.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import select

from sidelines.domain import MeetingId, OrganiserSees
from sidelines.domain.negotiation import MeetingStatus
from sidelines.formats.csv_text import csv_text
from sidelines.formats.event_loader import dump_event
from sidelines.formats.ical import CalendarEntry, calendar_to_ical
from sidelines.services import notice_text
from sidelines.services.actors import Actor
from sidelines.services.errors import Forbidden, Invalid
from sidelines.services.events import domain_event, event_row
from sidelines.services.feeds import meeting_uid
from sidelines.services.history import HistoryEntry, earlier_meetings
from sidelines.services.meetings import MeetingView, list_meetings
from sidelines.services.public_record import public_record
from sidelines.services.record import EncounterView, list_encounters
from sidelines.services.statements import StatementView, list_statements
from sidelines.services.visibility import takes_part
from sidelines.storage.db import Database
from sidelines.storage.event_rows import meetings_as_domain
from sidelines.storage.tables import PartyRow

EVENT_FORMATS = ("yaml", "json")
SCHEDULE_FORMATS = ("json", "csv", "ics")
RECORD_FORMATS = ("json", "csv")
# The meetings of an event file: agreed before the system, and not called off since.
_FILE_STATUSES = tuple(s for s in MeetingStatus if s is not MeetingStatus.CANCELLED)
# What is on the published schedule: placed, or held where it was placed.
_ON_SCHEDULE = frozenset(
    {MeetingStatus.SCHEDULED, MeetingStatus.HELD, MeetingStatus.HELD_AS_DOWNGRADED}
)


def _choice(value: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise Invalid(f"one of {', '.join(choices)}", "format")
    return value


# --- the event file ----------------------------------------------------------------------------


def event_file(db: Database, actor: Actor, event_id: str) -> dict[str, Any]:
    """The event as event-file data (the organiser's alone: it holds every delegation's
    members and every principal's unavailable times)."""
    if not actor.is_organiser:
        raise Forbidden("only the organiser exports the event's file")
    with db.reading() as session:
        row = event_row(session, event_id)
        event = domain_event(session, event_id)
        stored = meetings_as_domain(session, event_id, _FILE_STATUSES)
        sees = OrganiserSees(row.organiser_sees)
    from_file = [(r, m) for r, m in stored if r.request_id is None]
    names = {m.id: MeetingId(f"m{n}") for n, (_, m) in enumerate(from_file, start=1)}
    meetings = tuple(
        replace(m, id=names[m.id], after=tuple(names[a] for a in m.after if a in names))
        for _, m in from_file
    )
    policy = replace(event.policy, organiser_sees=sees)
    return dump_event(replace(event, policy=policy, meetings=meetings))


def render_event_file(data: dict[str, Any], file_format: str) -> str:
    if _choice(file_format, EVENT_FORMATS) == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    text: str = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    return text


# --- the published schedule --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScheduleItem:
    """One line of the schedule: a meeting or a programme session, times in UTC."""

    kind: str  # meeting | programme
    uid: str
    starts_at: datetime
    ends_at: datetime
    title: str
    parties: tuple[str, ...]  # names
    place: str
    status: str


@dataclass(frozen=True, slots=True)
class ScheduleExport:
    event_id: str
    event: str
    timezone: str
    items: list[ScheduleItem]


def _title(format_name: str, parties: list[str]) -> str:
    return f"{notice_text.format_label(format_name)}: {' – '.join(parties)}"


def schedule_export(db: Database, actor: Actor, event_id: str) -> ScheduleExport:
    """The published schedule as ``actor`` may read it: the organiser every placed meeting,
    a delegation its own, the public those a side has put on the public record; with the
    programme (a delegation's: the sessions its principals attend)."""
    party = actor.acts_for(event_id)
    with db.reading() as session:
        row = event_row(session, event_id)
        event = domain_event(session, event_id)
        names = {
            p.id: p.name
            for p in session.scalars(select(PartyRow).where(PartyRow.event_id == event_id))
        }
    items: list[ScheduleItem] = []
    if not takes_part(actor, event_id):
        for item in public_record(db, event_id).items:
            if item.kind != "meeting" or item.starts_at is None or item.ends_at is None:
                continue
            parties = [names.get(p, p) for p in item.parties]
            items.append(
                ScheduleItem(
                    "meeting",
                    meeting_uid(event_id, item.ref),
                    item.starts_at,
                    item.ends_at,
                    _title(item.format, parties),
                    tuple(parties),
                    item.place,
                    item.status,
                )
            )
    else:
        for meeting in list_meetings(db, actor, event_id):
            if meeting.status not in _ON_SCHEDULE or meeting.starts_at is None:
                continue
            items.append(_meeting_item(event_id, meeting, names))
    own = {p.id for p in event.principals if p.party == party}
    for programme_session in event.programme:
        if party is not None and not programme_session.attendees & own:
            continue
        items.append(
            ScheduleItem(
                "programme",
                f"programme-{programme_session.id}@{event_id}.sidelines",
                programme_session.span.start,
                programme_session.span.end,
                programme_session.title,
                (),
                programme_session.venue,
                "scheduled",
            )
        )
    items.sort(key=lambda item: (item.starts_at, item.kind, item.uid))
    return ScheduleExport(event_id, row.name, row.timezone, items)


def _meeting_item(event_id: str, meeting: MeetingView, names: dict[str, str]) -> ScheduleItem:
    assert meeting.starts_at is not None
    assert meeting.ends_at is not None
    parties = [names.get(p, p) for p in meeting.parties]
    return ScheduleItem(
        "meeting",
        meeting_uid(event_id, meeting.id),
        meeting.starts_at,
        meeting.ends_at,
        _title(meeting.format, parties),
        tuple(parties),
        meeting.place or "",
        str(meeting.status),
    )


def render_schedule(export: ScheduleExport, file_format: str) -> str | bytes:
    chosen = _choice(file_format, SCHEDULE_FORMATS)
    if chosen == "ics":
        return calendar_to_ical(
            export.event,
            (
                CalendarEntry(
                    uid=item.uid,
                    start=item.starts_at,
                    end=item.ends_at,
                    summary=item.title,
                    location=item.place or None,
                    status="CONFIRMED",
                )
                for item in export.items
            ),
        )
    rows = [_schedule_row(export, item) for item in export.items]
    if chosen == "json":
        return json.dumps(
            {
                "event_id": export.event_id,
                "event": export.event,
                "timezone": export.timezone,
                "items": rows,
            },
            indent=2,
            ensure_ascii=False,
        )
    return _csv(list(_SCHEDULE_COLUMNS), rows)


# Times are the venue's clock with its UTC offset; the last column names the venue's zone.
_SCHEDULE_COLUMNS = (
    "kind",
    "starts_at",
    "ends_at",
    "title",
    "parties",
    "place",
    "status",
    "uid",
    "timezone",
)


def _local(export_zone: str, at: datetime | None) -> str:
    return _venue_iso(export_zone, at) or ""


def _venue_iso(zone: str, at: datetime | None) -> str | None:
    """``at`` on the venue's clock, as ISO 8601 with the offset the venue had then."""
    return None if at is None else at.astimezone(ZoneInfo(zone)).isoformat()


def _schedule_row(export: ScheduleExport, item: ScheduleItem) -> dict[str, Any]:
    return {
        "kind": item.kind,
        "starts_at": _local(export.timezone, item.starts_at),
        "ends_at": _local(export.timezone, item.ends_at),
        "title": item.title,
        "parties": "; ".join(item.parties),
        "place": item.place,
        "status": item.status,
        "uid": item.uid,
        "timezone": export.timezone,
    }


def _csv(columns: list[str], rows: list[dict[str, Any]]) -> str:
    return csv_text(columns, ([row.get(column, "") for column in columns] for row in rows))


# --- the record --------------------------------------------------------------------------------


def record_export(db: Database, actor: Actor, event_id: str) -> dict[str, Any]:
    """What became of the meetings, the encounters and the statements, as ``actor`` may read
    them: the public the public record; a delegation its own meetings and encounters and the
    statements it may read; the organiser what the event's policy shows it. With the history
    of earlier meetings between the event's parties, which is public. Times are the venue's
    clock with its offset, as the schedule's, and ``timezone`` names the venue's zone."""
    with db.reading() as session:
        row = event_row(session, event_id)
        name, zone = row.name, row.timezone
        parties = list(session.scalars(select(PartyRow.id).where(PartyRow.event_id == event_id)))
    history = [_earlier(entry) for entry in earlier_meetings(db, parties)]
    if not takes_part(actor, event_id):
        record = public_record(db, event_id)
        return {
            "event_id": event_id,
            "event": record.event,
            "timezone": zone,
            "meetings": [
                {
                    "id": item.ref,
                    "status": item.status,
                    "format": item.format,
                    "starts_at": _venue_iso(zone, item.starts_at),
                    "ends_at": _venue_iso(zone, item.ends_at),
                    "place": item.place,
                    "parties": list(item.parties),
                }
                for item in record.items
                if item.kind == "meeting"
            ],
            "encounters": [
                {
                    "id": item.ref,
                    "format": item.format,
                    "started_at": _venue_iso(zone, item.starts_at),
                    "ended_at": _venue_iso(zone, item.ends_at),
                    "place": item.place,
                    "parties": list(item.parties),
                }
                for item in record.items
                if item.kind == "encounter"
            ],
            "statements": [
                _statement(s, zone)
                for s in sorted(
                    [*record.statements, *(s for i in record.items for s in i.statements)],
                    key=lambda s: (s.said_at, s.id),
                )
            ],
            "history": history,
        }
    return {
        "event_id": event_id,
        "event": name,
        "timezone": zone,
        "meetings": [_meeting(m, zone) for m in list_meetings(db, actor, event_id)],
        "encounters": [_encounter(e, zone) for e in list_encounters(db, actor, event_id)],
        "statements": [_statement(s, zone) for s in list_statements(db, actor, event_id)],
        "history": history,
    }


def _earlier(entry: HistoryEntry) -> dict[str, Any]:
    return {
        "event": entry.event,
        "city": entry.city,
        "country": entry.country,
        "held_on": entry.held_on.isoformat(),
        "format": entry.format,
        "place": entry.place,
        "parties": list(entry.parties),
        "topics": list(entry.topics),
        "summary": entry.summary,
        "sources": [source.name for source in entry.sources],
    }


def _meeting(view: MeetingView, zone: str) -> dict[str, Any]:
    return {
        "id": view.id,
        "status": str(view.status),
        "format": view.format,
        "starts_at": _venue_iso(zone, view.starts_at),
        "ends_at": _venue_iso(zone, view.ends_at),
        "place": view.place or "",
        "parties": list(view.parties),
        "principals": list(view.principals),
        "topics": None if view.topics is None else list(view.topics),
    }


def _encounter(view: EncounterView, zone: str) -> dict[str, Any]:
    return {
        "id": view.id,
        "format": view.format,
        "started_at": _venue_iso(zone, view.started_at),
        "ended_at": _venue_iso(zone, view.ended_at),
        "place": view.place,
        "parties": list(view.parties),
        "principals": list(view.principals),
        "description": view.description,
        "topics": list(view.topics),
    }


def _statement(view: StatementView, zone: str) -> dict[str, Any]:
    return {
        "id": view.id,
        "meeting_id": view.meeting_id,
        "encounter_id": view.encounter_id,
        "party": view.party_id,
        "kind": str(view.kind),
        "visibility": str(view.visibility),
        "said_at": _venue_iso(zone, view.said_at),
        "speaker": view.speaker,
        "text": view.text,
        "topics": list(view.topics),
        "sources": [source.name for source in view.sources],
        "about_parties": list(view.about_parties),
    }


# As the schedule's: venue time with its offset, the venue's zone named in the last column (a
# history line's date is the day at its own place, so it names none).
_RECORD_COLUMNS = (
    "kind",
    "id",
    "status",
    "format",
    "starts_at",
    "ends_at",
    "place",
    "parties",
    "about",
    "party",
    "statement_kind",
    "visibility",
    "speaker",
    "text",
    "topics",
    "sources",
    "timezone",
)


def render_record(record: dict[str, Any], file_format: str) -> str:
    """The record as JSON, or as CSV with one line per meeting, encounter and statement."""
    if _choice(file_format, RECORD_FORMATS) == "json":
        return json.dumps(record, indent=2, ensure_ascii=False)
    rows: list[dict[str, Any]] = []
    for meeting in record["meetings"]:
        rows.append(
            {
                "kind": "meeting",
                "id": meeting["id"],
                "status": meeting["status"],
                "format": meeting["format"],
                "starts_at": meeting["starts_at"] or "",
                "ends_at": meeting["ends_at"] or "",
                "place": meeting["place"],
                "parties": "; ".join(meeting["parties"]),
                "topics": "; ".join(meeting.get("topics") or ()),
                "timezone": record["timezone"],
            }
        )
    for encounter in record["encounters"]:
        rows.append(
            {
                "kind": "encounter",
                "id": encounter["id"],
                "status": "held",
                "format": encounter["format"],
                "starts_at": encounter["started_at"] or "",
                "ends_at": encounter["ended_at"] or "",
                "place": encounter["place"],
                "parties": "; ".join(encounter["parties"]),
                "topics": "; ".join(encounter.get("topics") or ()),
                "timezone": record["timezone"],
            }
        )
    for statement in record["statements"]:
        about = (
            f"meeting {statement['meeting_id']}"
            if statement["meeting_id"] is not None
            else f"encounter {statement['encounter_id']}"
            if statement["encounter_id"] is not None
            else "; ".join(statement["about_parties"])
        )
        rows.append(
            {
                "kind": "statement",
                "id": statement["id"],
                "starts_at": statement["said_at"],
                "about": about,
                "party": statement["party"],
                "statement_kind": statement["kind"],
                # Who may read it: a delegation's export holds what only it and its
                # counterpart read beside what the press quoted, and must tell them apart.
                "visibility": statement["visibility"],
                "speaker": statement["speaker"],
                "text": statement["text"],
                "topics": "; ".join(statement["topics"]),
                "sources": "; ".join(statement["sources"]),
                "timezone": record["timezone"],
            }
        )
    for earlier in record["history"]:
        rows.append(
            {
                "kind": "history",
                "format": earlier["format"] or "",
                "starts_at": earlier["held_on"],
                "place": ", ".join(
                    p for p in (earlier["event"], earlier["city"], earlier["country"]) if p
                ),
                "parties": "; ".join(earlier["parties"]),
                "text": earlier["summary"],
                "topics": "; ".join(earlier["topics"]),
                "sources": "; ".join(earlier["sources"]),
            }
        )
    return _csv(list(_RECORD_COLUMNS), rows)


__all__ = [
    "EVENT_FORMATS",
    "RECORD_FORMATS",
    "SCHEDULE_FORMATS",
    "ScheduleExport",
    "ScheduleItem",
    "event_file",
    "record_export",
    "render_event_file",
    "render_record",
    "render_schedule",
    "schedule_export",
]
