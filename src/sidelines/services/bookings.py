"""Putting a meeting into time and space, with the database as the judge of double booking."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from sidelines.domain import Event, PressPlan, SpaceId
from sidelines.domain.negotiation import MeetingStatus
from sidelines.services.clock import now
from sidelines.services.errors import Conflict
from sidelines.storage.inserts import insert_at_once, table_of
from sidelines.storage.tables import (
    MeetingPrincipalRow,
    MeetingRow,
    PrincipalBookingRow,
    SpaceBookingRow,
    random_id,
)


def book(
    session: Session, event: Event, meeting: MeetingRow, start: datetime, space_id: str | None
) -> None:
    """Place ``meeting`` at ``start`` in ``space_id``. Raises Conflict when a principal or the
    space is already taken: the database refuses the rows, whatever any other writer does. A
    savepoint keeps the refusal to this booking: the transaction goes on without it."""
    links = meeting_links(session, [meeting.id])
    try:
        with session.begin_nested():
            book_all(session, event, [(meeting, start, space_id)], links)
    except Conflict:
        raise Conflict(
            f"meeting {meeting.id} cannot be placed at {start.isoformat()}: a principal or the "
            "space is already booked then"
        ) from None


Booking = tuple[MeetingRow, datetime, str | None]  # a meeting, its start and its space

# The booking tables, written with plain statements (``book_all``, ``unbook_all``).
_PRINCIPAL_BOOKINGS = table_of(PrincipalBookingRow)
_SPACE_BOOKINGS = table_of(SpaceBookingRow)


def book_all(
    session: Session,
    event: Event,
    bookings: Sequence[Booking],
    links: Mapping[int, Sequence[tuple[str, str]]],
) -> None:
    """Place each meeting as ``book`` does, with one INSERT per booking table for them all;
    ``links``: each meeting's principals and their parties (``meeting_links``). Raises Conflict
    when the database refuses a row. No savepoint: the caller rolls the transaction back."""
    principal_rows = []
    space_rows = []
    for meeting, start, space_id in bookings:
        end = start + timedelta(minutes=meeting.duration_min)
        principal_rows += [
            {
                "id": random_id(),
                "event_id": meeting.event_id,
                "meeting_id": meeting.id,
                "principal_id": principal_id,
                "starts_at": start,
                "ends_at": end,
            }
            for principal_id, _ in links.get(meeting.id, ())
        ]
        if space_id is not None:
            space_rows.append(
                {
                    "id": random_id(),
                    "event_id": meeting.event_id,
                    "meeting_id": meeting.id,
                    "space_id": space_id,
                    "starts_at": start,
                    "ends_at": end + _turnover(event, meeting, space_id),
                }
            )
    try:
        # The meetings' rows are written after these, once the database took them. Plain
        # statements on the tables (one for both on PostgreSQL): no ORM object is made of a
        # booking, and the ORM's bulk insert only adds its own work per row.
        with session.no_autoflush:
            insert_at_once(
                session, [(_PRINCIPAL_BOOKINGS, principal_rows), (_SPACE_BOOKINGS, space_rows)]
            )
    except IntegrityError:
        raise Conflict(
            f"meetings {', '.join(str(m.id) for m, *_ in bookings)} cannot be placed where "
            "planned: a principal or a space is already booked then"
        ) from None
    placed = [
        _placed(meeting, start, start + timedelta(minutes=meeting.duration_min), space_id)
        for meeting, start, space_id in bookings
    ]
    if placed:
        # One executemany for the meetings' rows, now rather than with the next flush: the
        # unit of work's CPU per row costs more than the statement does. Not after a flush of
        # the rows' own changes (a meeting moved was taken off first): they are overwritten
        # here, and set as written below.
        with session.no_autoflush:
            session.execute(_PLACE_MEETINGS, placed)
    for meeting, values in zip((m for m, *_ in bookings), placed, strict=True):
        for key in _PLACED_COLUMNS:
            set_committed_value(meeting, key, values[f"new_{key}"])
        # The trigger raised it, as it does on every write of the row: read again if asked.
        session.expire(meeting, ["revision"])


def meeting_links(session: Session, meeting_ids: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
    """Each meeting's principals with their parties, in one read."""
    links: dict[int, list[tuple[str, str]]] = {}
    if meeting_ids:
        for meeting_id, principal_id, party_id in session.execute(
            select(
                MeetingPrincipalRow.meeting_id,
                MeetingPrincipalRow.principal_id,
                MeetingPrincipalRow.party_id,
            )
            .where(MeetingPrincipalRow.meeting_id.in_(meeting_ids))
            .order_by(MeetingPrincipalRow.meeting_id, MeetingPrincipalRow.principal_id)
        ):
            links.setdefault(meeting_id, []).append((principal_id, party_id))
    return links


def _turnover(event: Event, meeting: MeetingRow, space_id: str) -> timedelta:
    """How long the space stays booked after the meeting: its turnover, and the press buffer
    when the press comes (press_out_buffer_respected: the press leaves before it turns over)."""
    turnover = timedelta(minutes=event.space_by_id[SpaceId(space_id)].turnover_min)
    if (meeting.terms or {}).get("press", PressPlan.NONE) != PressPlan.NONE:
        turnover += timedelta(minutes=event.policy.press_buffer_min)
    return turnover


_PLACED_COLUMNS = ("starts_at", "ends_at", "space_id", "status", "updated_at")
# The booked meetings' rows, every placed column written (a meeting moved was scheduled
# already): one statement of the same columns for all. Built once.
_PLACE_MEETINGS = (
    update(table_of(MeetingRow))
    .where(MeetingRow.__table__.c.id == bindparam("meeting_id"))
    .values({key: bindparam(f"new_{key}") for key in _PLACED_COLUMNS})
)


def _placed(
    meeting: MeetingRow, start: datetime, end: datetime, space_id: str | None
) -> dict[str, Any]:
    """The values ``_PLACE_MEETINGS`` writes for the meeting."""
    return {
        "meeting_id": meeting.id,
        "new_starts_at": start,
        "new_ends_at": end,
        "new_space_id": space_id,
        "new_status": str(MeetingStatus.SCHEDULED),
        "new_updated_at": now(),
    }


def unbook(session: Session, meeting: MeetingRow) -> None:
    unbook_all(session, [meeting])


def unbook_all(
    session: Session, meetings: Sequence[MeetingRow], *, booked_again: Collection[int] = ()
) -> None:
    """Take the meetings off the schedule: one DELETE per booking table for them all. The
    meetings of ``booked_again`` (ids) keep their rows' placed columns as they are: the caller
    books them again (``book_all``), which writes those columns and sets them as written."""
    if not meetings:
        return
    ids = [meeting.id for meeting in meetings]
    # On the tables, not through the ORM: no booking is ever loaded as an object, so there is
    # nothing in the session for the ORM's delete to look for.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_UNBOOK_AT_ONCE, {"meeting_ids": ids})
    else:
        for statement in _UNBOOK:
            session.execute(statement, {"meeting_ids": ids})
    for meeting in meetings:
        # A row changed through the ORM stays the unit of work's to compare at the next flush
        # even once ``book_all`` sets its columns as written: that costs the CPU of a flush
        # of every such row, with no statement to send.
        if meeting.id not in booked_again:
            _unplaced(meeting)


# Built once, the meetings as an expanding parameter: building a statement and its cache key
# costs about what running it does.
_UNBOOK = tuple(
    delete(table).where(table.c.meeting_id.in_(bindparam("meeting_ids", expanding=True)))
    for table in (_PRINCIPAL_BOOKINGS, _SPACE_BOOKINGS)
)
# PostgreSQL's one statement for both: the principals' bookings deleted by a data-modifying
# WITH query, each statement costing the server's process a few hundred µs of CPU
# (docs/benchmarks.md, issue 14). The new bookings go in by a later statement, which sees the
# old ones gone (a statement's WITH queries and its main query do not see each other's rows).
_UNBOOK_AT_ONCE = text(
    f"WITH unbooked AS (DELETE FROM {_PRINCIPAL_BOOKINGS.name} "
    "WHERE meeting_id = ANY(CAST(:meeting_ids AS bigint[]))) "
    f"DELETE FROM {_SPACE_BOOKINGS.name} WHERE meeting_id = ANY(CAST(:meeting_ids AS bigint[]))"
)


def _unplaced(meeting: MeetingRow) -> None:
    meeting.starts_at = None
    meeting.ends_at = None
    meeting.space_id = None
    if meeting.status == MeetingStatus.SCHEDULED:
        meeting.status = str(MeetingStatus.AGREED)
    meeting.updated_at = now()
