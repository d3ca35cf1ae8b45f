"""Events in the database: importing one from its file, reading it back as a domain Event."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import MAXYEAR, MINYEAR, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sidelines.domain import (
    Event,
    Meeting,
    OrganiserSees,
)
from sidelines.domain.negotiation import MeetingStatus
from sidelines.formats.event_loader import dump_event
from sidelines.services import audit
from sidelines.services.actors import Actor
from sidelines.services.clock import now
from sidelines.services.errors import Conflict, Forbidden, Invalid, not_found
from sidelines.services.idempotency import Once
from sidelines.storage.db import Database

# The mapping between rows and domain objects lives in storage; these names stay importable
# from here for the services written against them.
from sidelines.storage.event_rows import event_from_row
from sidelines.storage.event_rows import meeting_facts_as_domain as meeting_facts_as_domain
from sidelines.storage.event_rows import meeting_from_row as meeting_from_row
from sidelines.storage.event_rows import meeting_terms as meeting_terms
from sidelines.storage.event_rows import meetings_as_domain as meetings_as_domain
from sidelines.storage.event_rows import setup_key as setup_key
from sidelines.storage.event_rows import spans_from_json as spans_from_json
from sidelines.storage.event_rows import spans_to_json as spans_to_json
from sidelines.storage.tables import (
    EventRow,
    MeetingPrincipalRow,
    MeetingRow,
    PartyRow,
    PrincipalRow,
    RequestRow,
    SpaceRow,
    random_id,
)

# How many hours a sent request waits for answers before it expires, unless the event says.
DEFAULT_REQUEST_TTL_HOURS: int | None = None
# The longest wait the organiser may set: a request older than a month is not a sideline.
MAX_REQUEST_TTL_HOURS = 24 * 31
# An import of this many meetings or more is followed by an analysis of the tables it wrote
# (``Database.analyze``), so that the planner does not meet them without statistics and
# autovacuum does not analyse them during the event's first solve; a smaller one is left to
# autovacuum. Without statistics at 600 meetings, every agenda read's freshness statement and
# a delegation's meetings were planned from the event's meetings rather than the party's, five
# times the database's CPU (docs/benchmarks.md); an analysis of tables that size costs a few
# milliseconds, of large ones a few tenths of a second.
ANALYZE_AFTER_MEETINGS = 100
IMPORTED_TABLES = (
    EventRow.__tablename__,
    PartyRow.__tablename__,
    PrincipalRow.__tablename__,
    SpaceRow.__tablename__,
    MeetingRow.__tablename__,
    MeetingPrincipalRow.__tablename__,
)


def import_event(
    db: Database,
    actor: Actor,
    event: Event,
    *,
    with_meetings: bool = True,
    audited: bool = False,
    once: Once[str] | None = None,
) -> str:
    """Store an event with its parties, principals and spaces. Its meetings, if kept, become
    agreed meetings that the organiser may schedule (they were agreed before the system).
    ``audited``: the import is an audit entry (``event.created``), as a creation through the
    API is. With ``once``, the request's idempotency key is kept in the same transaction."""
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
                meeting.id: meeting_row(event, meeting, created + timedelta(microseconds=n))
                for n, meeting in enumerate(event.meetings)
            }
            # "After" names the file's meeting ids; stored, it names the meetings' rows.
            for meeting in event.meetings:
                if meeting.after:
                    rows[meeting.id].terms = {
                        **rows[meeting.id].terms,
                        "after": [rows[earlier].id for earlier in meeting.after],
                    }
            # Two flushes for all the meetings, not one per meeting: the ids are drawn here,
            # so the inserts go out in batches (20,000 meetings took minutes one by one).
            session.add_all(rows.values())
            session.flush()
            session.add_all(
                side
                for meeting in event.meetings
                for side in meeting_principals(event, meeting, rows[meeting.id].id)
            )
        if audited:
            audit.record(session, actor, event.id, "event.created", "event", event.id)
        return event.id

    imported = db.write(once.guard(work) if once is not None else work)
    if with_meetings and len(event.meetings) >= ANALYZE_AFTER_MEETINGS:
        db.analyze(IMPORTED_TABLES)
    return imported


def add_agreed_meeting(
    session: Session, event: Event, meeting: Meeting, at: datetime, **links: int | None
) -> MeetingRow:
    """The agreed ``meeting`` written with its sides; ``links``: its ``request_id`` and
    ``proposal_id``, if it came from a request."""
    row = meeting_row(event, meeting, at, **links)
    session.add(row)
    session.flush()
    session.add_all(meeting_principals(event, meeting, row.id))
    return row


def meeting_row(
    event: Event,
    meeting: Meeting,
    at: datetime,
    *,
    request_id: int | None = None,
    proposal_id: int | None = None,
) -> MeetingRow:
    """The agreed ``meeting`` as a row, its id drawn already."""
    return MeetingRow(
        id=random_id(),
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


def meeting_principals(event: Event, meeting: Meeting, row_id: int) -> list[MeetingPrincipalRow]:
    return [
        MeetingPrincipalRow(
            meeting_id=row_id,
            principal_id=principal_id,
            party_id=event.principal_by_id[principal_id].party,
        )
        for principal_id in meeting.principals
    ]


def event_row(session: Session, event_id: str) -> EventRow:
    row = session.get(EventRow, event_id)
    if row is None:
        raise not_found("event", event_id)
    return row


def domain_event(session: Session, event_id: str) -> Event:
    """The event as the engine knows it, without meetings."""
    return event_from_row(event_row(session, event_id))


def near_the_event(event: Event) -> tuple[date, date]:
    """The days a text about the event may bear (a report, a side's statement): from a year
    before its first day (a preview) to a year after its last (a look back). A date outside is
    a mistyped year: as a held meeting's actual start is kept within the event's days, so is
    what is said about it kept near them."""
    return _years_from(event.days[0], -1), _years_from(event.days[-1], 1)


def _years_from(day: date, years: int) -> date:
    """The same day ``years`` later (28 February for a 29th), within the calendar's years."""
    year = day.year + years
    if not MINYEAR <= year <= MAXYEAR:
        return date.min if years < 0 else date.max
    return day.replace(year=year, day=28 if (day.month, day.day) == (2, 29) else day.day)


def list_events(db: Database) -> list[EventRow]:
    with db.reading() as session:
        return list(session.scalars(select(EventRow).order_by(EventRow.id)))


@dataclass(frozen=True, slots=True)
class EventSummary:
    """What anyone may read of an event: its name, time zone and the organiser's policy."""

    id: str
    name: str
    timezone: str
    organiser_sees: str


def _summary(row: EventRow) -> EventSummary:
    return EventSummary(row.id, row.name, row.timezone, row.organiser_sees)


def event_summaries(db: Database) -> list[EventSummary]:
    return [_summary(row) for row in list_events(db)]


def event_summary(db: Database, event_id: str) -> EventSummary:
    with db.reading() as session:
        return _summary(event_row(session, event_id))


@dataclass(frozen=True, slots=True)
class ProgrammeItemView:
    id: str
    title: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    attendees: list[str]


def programme(db: Database, event_id: str) -> list[ProgrammeItemView]:
    """The official programme in time order, public as it is at every summit."""
    with db.reading() as session:
        event = domain_event(session, event_id)
    return [
        ProgrammeItemView(
            id=item.id,
            title=item.title,
            kind=str(item.kind),
            starts_at=item.span.start,
            ends_at=item.span.end,
            attendees=sorted(item.attendees),
        )
        for item in sorted(event.programme, key=lambda item: item.span.start)
    ]


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
