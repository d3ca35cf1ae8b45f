"""Rows <-> domain objects for events and their meetings: what the engine needs of a stored
meeting, and the stored form of a domain one (DESIGN.md §6: storage maps rows to the domain)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from sidelines.domain import (
    DayPart,
    Event,
    Feature,
    Meeting,
    MeetingFormat,
    MeetingId,
    PartyId,
    Placement,
    PressPlan,
    PrincipalId,
    SpaceId,
    TimeSpan,
)
from sidelines.domain.negotiation import MeetingStatus
from sidelines.formats.event_loader import event_from_data
from sidelines.storage.tables import EventRow, MeetingPrincipalRow, MeetingRow


def spans_to_json(spans: tuple[TimeSpan, ...]) -> list[Any]:
    return [[span.start.isoformat(), span.end.isoformat()] for span in spans]


def spans_from_json(data: list[Any]) -> tuple[TimeSpan, ...]:
    return tuple(TimeSpan(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in data)


def meeting_terms(meeting: Meeting) -> dict[str, Any]:
    """What the engine needs of a meeting beyond its columns; only fields that are set."""
    terms: dict[str, Any] = {}
    if meeting.required:
        terms["required"] = True
    if meeting.day_part is not DayPart.ANY:
        terms["day_part"] = str(meeting.day_part)
    if meeting.preferred:
        terms["preferred"] = spans_to_json(meeting.preferred)
    if meeting.locked is not None:
        terms["locked"] = [meeting.locked.start.isoformat(), meeting.locked.space]
    if meeting.needs_space is not None:
        terms["needs_space"] = meeting.needs_space
    if meeting.size is not None:
        terms["size"] = meeting.size
    if meeting.needs is not None:
        terms["needs"] = sorted(meeting.needs)
    if meeting.host is not None:
        terms["host"] = meeting.host
    if meeting.title:
        terms["title"] = meeting.title
    # The agreed terms that bind the schedule (an agreement writes the same keys).
    if meeting.spaces:
        terms["spaces"] = list(meeting.spaces)
    if meeting.press is not PressPlan.NONE:
        terms["press"] = str(meeting.press)
    if meeting.own_interpreters:
        terms["own_interpreters"] = list(meeting.own_interpreters)
    return terms


def meeting_from_row(row: MeetingRow, principals: list[str], known: set[int]) -> Meeting:
    """The engine's Meeting for a stored one (id = row id). Precedences on meetings outside
    ``known`` (cancelled ones, say) are dropped: they no longer bind. The agreed terms
    ("spaces", "press", "own_interpreters") bind; "attendees" is for people (its size is
    already the "size" term)."""
    terms = row.terms or {}
    locked = terms.get("locked")
    return Meeting(
        id=MeetingId(str(row.id)),
        principals=tuple(PrincipalId(p) for p in sorted(principals)),
        format=MeetingFormat(row.format),
        duration_min=row.duration_min,
        priority=row.weight,
        required=bool(terms.get("required", False)),
        windows=spans_from_json(row.windows),
        day_part=DayPart(terms.get("day_part", DayPart.ANY)),
        preferred=spans_from_json(terms.get("preferred", [])),
        locked=(
            Placement(
                datetime.fromisoformat(locked[0]),
                SpaceId(locked[1]) if locked[1] is not None else None,
            )
            if locked
            else None
        ),
        after=tuple(MeetingId(str(m)) for m in terms.get("after", []) if m in known),
        needs_space=terms.get("needs_space"),
        size=terms.get("size"),
        needs=frozenset(Feature(f) for f in terms["needs"]) if "needs" in terms else None,
        host=PartyId(terms["host"]) if "host" in terms else None,
        title=terms.get("title", ""),
        topics=tuple(row.topics),
        spaces=tuple(SpaceId(s) for s in terms.get("spaces", [])),
        press=PressPlan(terms.get("press", PressPlan.NONE)),
        own_interpreters=tuple(PartyId(p) for p in terms.get("own_interpreters", [])),
    )


# Parsing an event's file takes ~10 ms for a hundred parties, on every agenda read; the file of
# an imported event never changes, so each process keeps the events it has parsed (frozen
# objects, safe to share between threads). ``created_at`` tells apart an event made anew, and
# ``setup_revision`` an event whose description the organiser edited.
_parsed: dict[tuple[str, datetime, int], Event] = {}


def setup_key(row: EventRow) -> tuple[str, datetime, int]:
    """What names one description of an event, for the caches built from it."""
    return (row.id, row.created_at, row.setup_revision)


def event_from_row(row: EventRow) -> Event:
    """The event as the engine knows it, without meetings, from its stored description."""
    key = setup_key(row)
    event = _parsed.get(key)
    if event is None:
        event = event_from_data(row.spec, source=f"event {row.id}")
        _parsed[key] = event
    return event


def meetings_as_domain(
    session: Session, event_id: str, statuses: tuple[MeetingStatus, ...]
) -> list[tuple[MeetingRow, Meeting]]:
    """The event's meetings in the given statuses, as the engine's Meetings (id = row id), in
    the order they were made (ids are random: ``tables.random_id``)."""
    rows = session.scalars(
        select(MeetingRow)
        .where(MeetingRow.event_id == event_id, MeetingRow.status.in_([str(s) for s in statuses]))
        .order_by(MeetingRow.created_at, MeetingRow.id)
    ).all()
    return _with_domain(session, rows)


def meeting_facts_as_domain(
    session: Session, event_id: str, statuses: tuple[MeetingStatus, ...]
) -> list[tuple[MeetingRow, Meeting]]:
    """As ``meetings_as_domain``, read-only: the rows are plain column tuples, not ORM objects.
    Every on-site placement reads all of the event's meetings, and reading them was a third of
    the server's CPU under load (docs/reliability.md); plain rows took building the placement's
    problem from 37-40 to 30-31 ms on the load event. Nothing may be written through them."""
    rows = session.execute(
        select(*MeetingRow.__table__.columns)
        .where(MeetingRow.event_id == event_id, MeetingRow.status.in_([str(s) for s in statuses]))
        .order_by(MeetingRow.created_at, MeetingRow.id)
    ).all()
    # A row has every column of MeetingRow under the same name, which is all a reader asks of it.
    return _with_domain(session, cast("list[MeetingRow]", rows))


def _with_domain(session: Session, rows: Sequence[MeetingRow]) -> list[tuple[MeetingRow, Meeting]]:
    principals: dict[int, list[str]] = {}
    # Plain columns, not ORM objects: read for every placement, and never written through.
    for meeting_id, principal_id in session.execute(
        select(MeetingPrincipalRow.meeting_id, MeetingPrincipalRow.principal_id).where(
            MeetingPrincipalRow.meeting_id.in_([row.id for row in rows])
        )
    ):
        principals.setdefault(meeting_id, []).append(principal_id)
    known = {row.id for row in rows}
    return [(row, meeting_from_row(row, principals[row.id], known)) for row in rows]
