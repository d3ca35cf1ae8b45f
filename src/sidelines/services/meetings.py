"""Meetings once agreed: who may see which, the agenda of a delegation, held or not."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row, Select, bindparam, distinct, func, select, true
from sqlalchemy.orm import Session

from sidelines import i18n
from sidelines.domain import Event, PrincipalId
from sidelines.domain.negotiation import MeetingStatus
from sidelines.services import notice_text
from sidelines.services.actors import Actor
from sidelines.services.errors import Conflict, Forbidden, not_found
from sidelines.services.events import domain_event
from sidelines.services.places import meeting_place
from sidelines.services.record import Outcome, record_outcome
from sidelines.services.recorded_changes import LATEST_CHANGE, as_on_site
from sidelines.services.visibility import (
    meeting_has_side,
    meeting_scope,
    takes_part,
    visible_meeting,
)
from sidelines.storage.db import Database
from sidelines.storage.tables import EventRow, MeetingPrincipalRow, MeetingRow


@dataclass(frozen=True)
class MeetingView:
    """A meeting as one actor may see it. ``topics`` and ``request_id`` are the sides' (and
    an organiser's who sees everything); a bookings-only organiser gets time, place, parties."""

    id: int
    event_id: str
    status: MeetingStatus
    format: str
    duration_min: int
    starts_at: datetime | None
    ends_at: datetime | None
    space_id: str | None
    parties: tuple[str, ...]
    principals: tuple[str, ...]
    topics: tuple[str, ...] | None
    request_id: int | None
    place: str | None = None  # in words (``places.meeting_place``); None while it has no time


@dataclass(frozen=True)
class AgendaItem:
    kind: str  # meeting | programme
    title: str
    starts_at: datetime
    ends_at: datetime
    where: str | None  # in words: the space's name, or the contact's place at a session
    meeting_id: int | None = None
    space_id: str | None = None  # a room meeting's space, by id, for clients
    # The names of the delegation's own people at a meeting: a company with two people at a
    # fair meets at two tables at once, and each reads which meetings are theirs.
    attending: tuple[str, ...] = ()


def _links(session: Session, meeting_ids: list[int]) -> dict[int, list[MeetingPrincipalRow]]:
    links: dict[int, list[MeetingPrincipalRow]] = {}
    for link in session.scalars(
        select(MeetingPrincipalRow).where(MeetingPrincipalRow.meeting_id.in_(meeting_ids))
    ):
        links.setdefault(link.meeting_id, []).append(link)
    return links


def _view(
    row: MeetingRow, links: list[MeetingPrincipalRow], full: bool, event: Event
) -> MeetingView:
    place = meeting_place(
        event,
        row.format,
        row.starts_at,
        row.ends_at,
        row.space_id,
        (link.principal_id for link in links),
    )
    return MeetingView(
        id=row.id,
        event_id=row.event_id,
        status=MeetingStatus(row.status),
        format=row.format,
        duration_min=row.duration_min,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        space_id=row.space_id,
        parties=tuple(sorted({link.party_id for link in links})),
        principals=tuple(sorted(link.principal_id for link in links)),
        topics=tuple(row.topics) if full else None,
        request_id=row.request_id if full else None,
        place=place.text if place is not None else None,
    )


def list_meetings(db: Database, actor: Actor, event_id: str) -> list[MeetingView]:
    with db.reading() as session:
        event = domain_event(session, event_id)
        if not takes_part(actor, event_id):
            return []
        party, full = meeting_scope(session, actor, event_id)
        query = select(MeetingRow).where(MeetingRow.event_id == event_id)
        if party is not None:
            query = query.where(meeting_has_side(party))
        rows = session.scalars(query.order_by(MeetingRow.created_at, MeetingRow.id)).all()
        links = _links(session, [row.id for row in rows])
        return [_view(row, links.get(row.id, []), full, event) for row in rows]


def waiting_for_a_place(db: Database, actor: Actor, event_id: str) -> frozenset[int]:
    """The meetings ``actor`` may see that are agreed and wait for a place: agreed before any
    schedule was published, where nothing fitted, or taken off the schedule. A side reads so
    beside the request that agreed one (its inbox, the thread), not only "accepted"."""
    if not takes_part(actor, event_id):
        return frozenset()
    with db.reading() as session:
        party, _full = meeting_scope(session, actor, event_id)
        query = select(MeetingRow.id).where(
            MeetingRow.event_id == event_id,
            MeetingRow.status == str(MeetingStatus.AGREED),
            MeetingRow.starts_at.is_(None),
        )
        if party is not None:
            query = query.where(meeting_has_side(party))
        return frozenset(session.scalars(query))


def get_meeting(db: Database, actor: Actor, event_id: str, meeting_id: int) -> MeetingView:
    with db.reading() as session:
        row = visible_meeting(session, actor, event_id, meeting_id)
        _, full = meeting_scope(session, actor, event_id)
        event = domain_event(session, event_id)
        return _view(row, _links(session, [row.id]).get(row.id, []), full, event)


def set_status(
    db: Database, actor: Actor, event_id: str, meeting_id: int, status: MeetingStatus
) -> MeetingView:
    """Record what became of a meeting with no more detail than its status: an outcome
    (``record.record_outcome``) whose cancelling side is the delegation that says so."""
    if status in MeetingStatus.placeable():
        raise Conflict("scheduling is done through the schedule, not by setting a status")
    cancelled_by = actor.acts_for(event_id) if status is MeetingStatus.CANCELLED else None
    record_outcome(db, actor, event_id, meeting_id, Outcome(status, cancelled_by=cancelled_by))
    return get_meeting(db, actor, event_id, meeting_id)


@dataclass(frozen=True)
class Agenda:
    """A delegation's agenda as of one state of what it is built from (``_freshness_of``)."""

    event_id: str
    party: str
    revision: str
    items: tuple[AgendaItem, ...]

    def __iter__(self) -> Iterator[AgendaItem]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


# Agendas are read far more often than meetings change (every page of every delegation shows
# one): each process keeps the last agenda it built per delegation, and a read costs one query
# while nothing of it changed. Frozen values, safe to share between threads. Kept per language
# too: titles and places are words (the API's in English).
_agendas: dict[tuple[str, str, str], Agenda] = {}
_AGENDAS_KEPT = 10_000


def _freshness_statement() -> Select[datetime, int, int, int | None, int | None]:
    """What a delegation's agenda is built from, in one statement: the event (``created_at``
    tells apart an event deleted and made anew under the same id; ``setup_revision`` its
    description edited) and the delegation's own meetings, how many and the highest revision
    among them. Not the event's revision: every meeting written anywhere raises it, so under
    negotiation every agenda was rebuilt on almost every read, while a delegation's own
    meetings change far less often. The pair tells every change of them: meetings are never
    deleted and their principals never change, so the set only grows (the count), and a
    meeting written gets a revision higher than any before (the highest).

    Built once with the event and the party as parameters (``_freshness_of``): building the
    statement and its cache key anew took about a tenth of an agenda read's CPU.

    The count and the highest come from one pass over the delegation's meeting principals,
    joined to their meetings by key. Asked as two subqueries each over the event's meetings
    ("its meetings whose id is among the party's"), PostgreSQL's generic plan for the prepared
    statement (psycopg prepares a statement from its fifth use) visited every meeting of the
    event twice: about 1,200 index scans and 2.6 ms of the database's CPU per agenda read at
    600 meetings, more than the server's own CPU for it (docs/benchmarks.md)."""
    own = (
        select(
            func.count(distinct(MeetingRow.id)).label("meetings"),
            func.max(MeetingRow.revision).label("highest"),
        )
        .select_from(MeetingPrincipalRow)
        .join(MeetingRow, MeetingRow.id == MeetingPrincipalRow.meeting_id)
        .where(
            MeetingPrincipalRow.party_id == bindparam("party"),
            MeetingRow.event_id == bindparam("event_id"),
        )
        .subquery("own")
    )
    # An aggregate without GROUP BY has exactly one row: joined to the event's row, it adds
    # its columns and no rows.
    # The last change recorded on site: a session that runs over moves its end on the agenda,
    # whether or not it moved a meeting.
    return (
        select(
            EventRow.created_at,
            EventRow.setup_revision,
            own.c.meetings,
            own.c.highest,
            LATEST_CHANGE.label("change"),
        )
        .select_from(EventRow)
        .join(own, true())
        .where(EventRow.id == bindparam("event_id"))
    )


_FRESHNESS = _freshness_statement()


def _freshness_of(event_id: str, party: str) -> dict[str, str]:
    """The parameters of ``_FRESHNESS`` for this delegation's agenda."""
    return {"event_id": event_id, "party": party}


def _revision(row: Row[datetime, int, int, int | None, int | None] | None) -> str | None:
    if row is None:
        return None
    created_at, setup, meetings, highest, change = row
    return f"{created_at.timestamp():.6f}-{setup}-{meetings}-{highest or 0}-{change or 0}"


def agenda(db: Database, actor: Actor, event_id: str) -> Agenda:
    """A delegation's day: its scheduled meetings and the programme sessions its principals
    attend, in time order (times in UTC; pages show them in the event's zone)."""
    party = actor.acts_for(event_id)
    if party is None:
        raise Forbidden("an agenda belongs to a delegation")
    key = (event_id, party, i18n.current())
    cached = _agendas.get(key)
    revision: str | None = None
    if cached is not None:
        revision = _revision(db.read_one(_FRESHNESS, _freshness_of(event_id, party)))
        if revision is None:
            raise not_found("event", event_id)
        if cached.revision == revision:
            return cached
    with db.reading() as session:
        # What it is built from first, then the meetings: a write committed in between is seen
        # by the meetings query and kept under the older state, which the next read replaces;
        # never the other way round. The state just read outside this transaction came first
        # too, and serves.
        if revision is None:
            revision = _revision(
                session.execute(_FRESHNESS, _freshness_of(event_id, party)).first()
            )
        if revision is None:
            raise not_found("event", event_id)
        built = Agenda(event_id, party, revision, _agenda_items(session, event_id, party))
    if len(_agendas) >= _AGENDAS_KEPT:
        _agendas.clear()
    _agendas[key] = built
    return built


@dataclass(frozen=True, slots=True)
class _Scheduled:
    """What an agenda shows of a scheduled meeting, and who takes part (principal, party)."""

    format: str
    starts_at: datetime
    ends_at: datetime
    space_id: str | None
    sides: list[tuple[str, str]]


def _scheduled_of(session: Session, event_id: str, party: str) -> dict[int, _Scheduled]:
    """The party's scheduled meetings with every side of each, in one statement of plain
    columns (an agenda is rebuilt whenever any meeting of the event is written)."""
    theirs = select(MeetingPrincipalRow.meeting_id).where(MeetingPrincipalRow.party_id == party)
    rows = session.execute(
        select(
            MeetingRow.id,
            MeetingRow.format,
            MeetingRow.starts_at,
            MeetingRow.ends_at,
            MeetingRow.space_id,
            MeetingPrincipalRow.principal_id,
            MeetingPrincipalRow.party_id,
        )
        .join(MeetingPrincipalRow, MeetingPrincipalRow.meeting_id == MeetingRow.id)
        .where(
            MeetingRow.event_id == event_id,
            MeetingRow.starts_at.is_not(None),
            MeetingRow.id.in_(theirs),
        )
        .order_by(MeetingRow.id, MeetingPrincipalRow.principal_id)
    )
    scheduled: dict[int, _Scheduled] = {}
    for meeting_id, format_, starts_at, ends_at, space_id, principal_id, party_id in rows:
        meeting = scheduled.get(meeting_id)
        if meeting is None:
            assert starts_at is not None  # the query's own condition
            assert ends_at is not None  # scheduled meetings have both ends
            meeting = scheduled[meeting_id] = _Scheduled(format_, starts_at, ends_at, space_id, [])
        meeting.sides.append((principal_id, party_id))
    return scheduled


def _agenda_items(session: Session, event_id: str, party: str) -> tuple[AgendaItem, ...]:
    # The programme as it runs on site: a session reported to run over ends later.
    event = as_on_site(session, domain_event(session, event_id))
    own = {p.id for p in event.principals if p.party == party}
    items = [
        AgendaItem("programme", s.title, s.span.start, s.span.end, s.venue or None)
        for s in event.programme
        if s.attendees & own
    ]
    for meeting_id, row in _scheduled_of(session, event_id, party).items():
        sides = tuple(sorted({side for _, side in row.sides}))
        # A room meeting names its space (and keeps its id for clients); a contact at a
        # programme session says which, and at which edge.
        if row.space_id is not None:
            where: str | None = notice_text.where(event, (None, None, row.space_id))
        else:
            place = meeting_place(
                event,
                row.format,
                row.starts_at,
                row.ends_at,
                None,
                (principal for principal, _ in row.sides),
            )
            where = place.location if place is not None else None
        items.append(
            AgendaItem(
                "meeting",
                notice_text.meeting_label(
                    event, notice_text.MeetingLabel(row.format, sides), party
                ),
                row.starts_at,
                row.ends_at,
                where,
                meeting_id,
                row.space_id,
                tuple(
                    event.principal_by_id[PrincipalId(principal)].name
                    for principal, side in row.sides
                    if side == party
                ),
            )
        )
    return tuple(sorted(items, key=lambda item: (item.starts_at, item.kind)))
