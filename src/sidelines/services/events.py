"""Events in the database: importing one from its file, reading it back as a domain Event."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
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
    OrganiserSees,
    PartyId,
    Placement,
    PressPlan,
    PrincipalId,
    SpaceId,
    TimeSpan,
)
from sidelines.domain.negotiation import MeetingStatus
from sidelines.formats.event_loader import dump_event, event_from_data
from sidelines.services import audit
from sidelines.services.actors import Actor
from sidelines.services.clock import now
from sidelines.services.errors import Conflict, Forbidden, Invalid, not_found
from sidelines.storage.db import Database
from sidelines.storage.tables import (
    EventRow,
    MeetingPrincipalRow,
    MeetingRow,
    PartyRow,
    PrincipalRow,
    RequestRow,
    SpaceRow,
)

# How many hours a sent request waits for answers before it expires, unless the event says.
DEFAULT_REQUEST_TTL_HOURS: int | None = None
# The longest wait the organiser may set: a request older than a month is not a sideline.
MAX_REQUEST_TTL_HOURS = 24 * 31


def spans_to_json(spans: tuple[TimeSpan, ...]) -> list[Any]:
    return [[span.start.isoformat(), span.end.isoformat()] for span in spans]


def spans_from_json(data: list[Any]) -> tuple[TimeSpan, ...]:
    return tuple(TimeSpan(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in data)


def import_event(
    db: Database, actor: Actor, event: Event, *, with_meetings: bool = True, audited: bool = False
) -> str:
    """Store an event with its parties, principals and spaces. Its meetings, if kept, become
    agreed meetings that the organiser may schedule (they were agreed before the system).
    ``audited``: the import is an audit entry (``event.created``), as a creation through the
    API is."""
    if not actor.is_organiser:
        raise Forbidden("only the organiser can set up an event")
    spec = dump_event(replace(event, meetings=()))

    def work(session: Session) -> str:
        if session.get(EventRow, event.id) is not None:
            raise Conflict(f"an event {event.id!r} exists already", "id")
        created = now()
        session.add(
            EventRow(
                id=event.id,
                name=event.name,
                timezone=event.timezone,
                organiser_sees=str(event.policy.organiser_sees),
                request_ttl_hours=DEFAULT_REQUEST_TTL_HOURS,
                spec=spec,
                created_at=created,
            )
        )
        session.flush()
        session.add_all(
            PartyRow(event_id=event.id, id=p.id, name=p.name, kind=str(p.kind))
            for p in event.parties
        )
        session.flush()
        session.add_all(
            PrincipalRow(
                event_id=event.id,
                id=p.id,
                party_id=p.party,
                name=p.name,
                title=p.title,
                rank=p.rank.name.lower(),
            )
            for p in event.principals
        )
        session.add_all(
            SpaceRow(event_id=event.id, id=s.id, name=s.name, kind=str(s.kind))
            for s in event.spaces
        )
        if with_meetings:
            # A microsecond apart, so that lists ordered by creation keep the file's order
            # (ids are random, and cannot break the tie).
            rows = {
                meeting.id: add_agreed_meeting(
                    session, event, meeting, created + timedelta(microseconds=n)
                )
                for n, meeting in enumerate(event.meetings)
            }
            # "After" names the file's meeting ids; stored, it names the meetings' rows.
            for meeting in event.meetings:
                if meeting.after:
                    rows[meeting.id].terms = {
                        **rows[meeting.id].terms,
                        "after": [rows[earlier].id for earlier in meeting.after],
                    }
        if audited:
            audit.record(session, actor, event.id, "event.created", "event", event.id)
        return event.id

    return db.write(work)


def add_agreed_meeting(
    session: Session,
    event: Event,
    meeting: Meeting,
    at: datetime,
    *,
    request_id: int | None = None,
    proposal_id: int | None = None,
) -> MeetingRow:
    row = MeetingRow(
        event_id=event.id,
        request_id=request_id,
        proposal_id=proposal_id,
        format=str(meeting.format),
        duration_min=meeting.effective_duration_min,
        windows=spans_to_json(meeting.windows),
        status=str(MeetingStatus.AGREED),
        weight=meeting.priority,
        topics=list(meeting.topics),
        terms=meeting_terms(meeting),
        created_at=at,
        updated_at=at,
    )
    session.add(row)
    session.flush()
    for principal_id in meeting.principals:
        session.add(
            MeetingPrincipalRow(
                meeting_id=row.id,
                principal_id=principal_id,
                party_id=event.principal_by_id[principal_id].party,
            )
        )
    return row


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


def event_row(session: Session, event_id: str) -> EventRow:
    row = session.get(EventRow, event_id)
    if row is None:
        raise not_found("event", event_id)
    return row


# Parsing an event's file takes ~10 ms for a hundred parties, on every agenda read; the file of
# an imported event never changes, so each process keeps the events it has parsed (frozen
# objects, safe to share between threads). ``created_at`` tells apart an event made anew, and
# ``setup_revision`` an event whose description the organiser edited.
_parsed: dict[tuple[str, datetime, int], Event] = {}


def setup_key(row: EventRow) -> tuple[str, datetime, int]:
    """What names one description of an event, for the caches built from it."""
    return (row.id, row.created_at, row.setup_revision)


def domain_event(session: Session, event_id: str) -> Event:
    """The event as the engine knows it, without meetings."""
    row = event_row(session, event_id)
    key = setup_key(row)
    event = _parsed.get(key)
    if event is None:
        event = event_from_data(row.spec, source=f"event {event_id}")
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


def list_events(db: Database) -> list[EventRow]:
    with db.reading() as session:
        return list(session.scalars(select(EventRow).order_by(EventRow.id)))


@dataclass(frozen=True, slots=True)
class PolicyView:
    """The event's policy as stored, which the organiser may change after the import."""

    organiser_sees: OrganiserSees
    request_ttl_hours: int | None


def _policy_of(row: EventRow) -> PolicyView:
    return PolicyView(OrganiserSees(row.organiser_sees), row.request_ttl_hours)


def event_policy(db: Database, actor: Actor, event_id: str) -> PolicyView:
    if not actor.is_organiser:
        raise Forbidden("only the organiser reads the event's policy")
    with db.reading() as session:
        return _policy_of(event_row(session, event_id))


def _refuse_widening_after_requests(session: Session, event_id: str) -> None:
    sent = session.scalar(select(RequestRow.id).where(RequestRow.event_id == event_id).limit(1))
    if sent is not None:
        raise Conflict(
            "the delegations sent requests trusting that the organiser sees bookings only; "
            "the organiser's view cannot widen once the event has requests",
            "organiser_sees",
        )


def set_policy(
    db: Database,
    actor: Actor,
    event_id: str,
    organiser_sees: str,
    request_ttl_hours: int | None,
) -> PolicyView:
    """Change what the organiser sees and how long a sent request waits for its answers (None:
    until answered); requests already sent keep the expiry they were sent with.

    The delegations send their requests trusting what the organiser may read, so the policy
    is part of their trust: once the event has a request, the organiser's view may narrow
    (to bookings) but never widen (Conflict), and every change is an audit entry addressed to
    every delegation of the event, saying what the organiser could read before and after
    and, by its time, from when."""
    if not actor.is_organiser:
        raise Forbidden("only the organiser can change the event's policy")
    try:
        sees = OrganiserSees(organiser_sees)
    except ValueError:
        choices = ", ".join(str(s) for s in OrganiserSees)
        raise Invalid(f"the organiser sees one of {choices}", "organiser_sees") from None
    if request_ttl_hours is not None and not 1 <= request_ttl_hours <= MAX_REQUEST_TTL_HOURS:
        raise Invalid(
            f"a request waits between 1 and {MAX_REQUEST_TTL_HOURS} hours", "request_ttl_hours"
        )

    def work(session: Session) -> PolicyView:
        row = event_row(session, event_id)
        before = _policy_of(row)
        if sees != before.organiser_sees and sees is OrganiserSees.EVERYTHING:
            _refuse_widening_after_requests(session, event_id)
        row.organiser_sees = str(sees)
        row.request_ttl_hours = request_ttl_hours
        after = _policy_of(row)
        if after != before:
            audit.record(
                session,
                actor,
                event_id,
                "event.policy_set",
                "event",
                event_id,
                sorted(session.scalars(select(PartyRow.id).where(PartyRow.event_id == event_id))),
                organiser_sees=str(sees),
                request_ttl_hours=request_ttl_hours,
                was_organiser_sees=str(before.organiser_sees),
                was_request_ttl_hours=before.request_ttl_hours,
            )
        return after

    return db.write(work)
