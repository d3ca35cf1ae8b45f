"""The database itself refuses double bookings and edits of the audit trail (``guards.py``).

Half-open spans: [9:00, 9:30) and [9:30, 10:00) touch and do not overlap.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from sidelines.storage import guards
from sidelines.storage.db import Database
from sidelines.storage.tables import (
    AuditAudienceRow,
    AuditRow,
    MeetingRow,
    PrincipalBookingRow,
    SpaceBookingRow,
)
from tests.storage.rows import (
    EVENT_ID,
    add_audit_entry,
    add_event,
    add_meeting,
    add_user,
    all_rows,
    at,
    principal_booking,
    refusal,
    space_booking,
)

Booking = PrincipalBookingRow | SpaceBookingRow


@dataclass(frozen=True)
class Bookings:
    """One kind of booking: what it books (two of them, by id), and the name PostgreSQL gives
    its guard."""

    row: type[Booking]
    book: Callable[[MeetingRow, str, datetime, datetime], Booking]
    booked: str
    other: str
    constraint: str

    def refused_as(self, database: Database) -> str:
        return self.constraint if database.dialect == "postgresql" else guards.DOUBLE_BOOKING


# PostgreSQL's message for a transaction it ended to break a deadlock.
DEADLOCK = "deadlock detected"

PRINCIPALS = Bookings(
    PrincipalBookingRow,
    principal_booking,
    booked="RUS/president",
    other="USA/president",
    constraint="principal_bookings_no_overlap",
)
SPACES = Bookings(
    SpaceBookingRow,
    space_booking,
    booked="bilateral-room-1",
    other="bilateral-room-2",
    constraint="space_bookings_no_overlap",
)
KINDS = [pytest.param(PRINCIPALS, id="principal"), pytest.param(SPACES, id="space")]


def add_meetings(database: Database, count: int, event_id: str = EVENT_ID) -> list[MeetingRow]:
    with database.writing() as session:
        return [add_meeting(session, event_id) for _ in range(count)]


@pytest.fixture
def meetings(database: Database) -> list[MeetingRow]:
    with database.writing() as session:
        add_event(session)
    return add_meetings(database, 8)


def book(database: Database, booking: Booking) -> None:
    with database.writing() as session:
        session.add(booking)


def count(database: Database, kind: Bookings) -> int:
    with database.reading() as session:
        return session.scalar(select(func.count()).select_from(kind.row)) or 0


@pytest.mark.parametrize("kind", KINDS)
def test_overlapping_booking_is_refused(
    database: Database, meetings: list[MeetingRow], kind: Bookings
) -> None:
    first, second = meetings[:2]
    book(database, kind.book(first, kind.booked, at(9), at(9, 30)))

    with pytest.raises(IntegrityError) as refused:
        book(database, kind.book(second, kind.booked, at(9, 15), at(9, 45)))

    assert refusal(refused.value) == kind.refused_as(database)
    assert count(database, kind) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_booking_inside_another_is_refused(
    database: Database, meetings: list[MeetingRow], kind: Bookings
) -> None:
    first, second = meetings[:2]
    book(database, kind.book(first, kind.booked, at(9), at(10)))

    with pytest.raises(IntegrityError) as refused:
        book(database, kind.book(second, kind.booked, at(9, 20), at(9, 40)))

    assert refusal(refused.value) == kind.refused_as(database)


@pytest.mark.parametrize("kind", KINDS)
def test_touching_bookings_are_accepted(
    database: Database, meetings: list[MeetingRow], kind: Bookings
) -> None:
    first, second = meetings[:2]

    book(database, kind.book(first, kind.booked, at(9), at(9, 30)))
    book(database, kind.book(second, kind.booked, at(9, 30), at(10)))

    assert count(database, kind) == 2


@pytest.mark.parametrize("kind", KINDS)
def test_bookings_of_others_at_the_same_time_are_accepted(
    database: Database, meetings: list[MeetingRow], kind: Bookings
) -> None:
    first, second = meetings[:2]

    book(database, kind.book(first, kind.booked, at(9), at(9, 30)))
    book(database, kind.book(second, kind.other, at(9), at(9, 30)))

    assert count(database, kind) == 2


@pytest.mark.parametrize("kind", KINDS)
def test_same_id_in_another_event_is_independent(
    database: Database, meetings: list[MeetingRow], kind: Bookings
) -> None:
    with database.writing() as session:
        add_event(session, "g20-2016")
    [elsewhere] = add_meetings(database, 1, event_id="g20-2016")

    book(database, kind.book(meetings[0], kind.booked, at(9), at(9, 30)))
    book(database, kind.book(elsewhere, kind.booked, at(9), at(9, 30)))

    assert count(database, kind) == 2


@pytest.mark.parametrize("kind", KINDS)
def test_moving_a_booking_onto_another_is_refused(
    database: Database, meetings: list[MeetingRow], kind: Bookings
) -> None:
    first, second = meetings[:2]
    book(database, kind.book(first, kind.booked, at(9), at(9, 30)))
    book(database, kind.book(second, kind.booked, at(10), at(10, 30)))

    with pytest.raises(IntegrityError) as refused, database.writing() as session:
        session.execute(
            update(kind.row)
            .where(kind.row.meeting_id == second.id)
            .values(starts_at=at(9, 15), ends_at=at(9, 45))
        )

    assert refusal(refused.value) == kind.refused_as(database)


@pytest.mark.parametrize("kind", KINDS)
def test_concurrent_overlapping_bookings_only_one_is_accepted(
    database: Database, meetings: list[MeetingRow], kind: Bookings
) -> None:
    # Eight clients book the same principal (or space) at the same moment, each for a span that
    # overlaps all the others: whatever the interleaving, the database keeps exactly one.
    clients = len(meetings)
    start = threading.Barrier(clients)
    outcomes = [""] * clients

    def client(index: int) -> None:
        booking = kind.book(meetings[index], kind.booked, at(9, index), at(9, 30 + index))
        start.wait(timeout=30)
        try:
            database.write(lambda session: session.add(booking))
            outcomes[index] = "accepted"
        except DBAPIError as error:
            outcomes[index] = refusal(error)
        except Exception as error:  # shown in the failed assertion below
            outcomes[index] = repr(error)

    threads = [threading.Thread(target=client, args=(index,)) for index in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # PostgreSQL checks an exclusion constraint against the rows of transactions still in
    # flight by waiting for them to end: two inserters that reach that check together wait for
    # each other, and one of them is refused as a deadlock rather than by the constraint's name
    # (seen in CI). Either way nothing of it is written.
    refused = {kind.refused_as(database)}
    if database.dialect == "postgresql":
        refused.add(DEADLOCK)
    assert Counter(outcomes)["accepted"] == 1, outcomes
    assert set(outcomes) - {"accepted"} <= refused, outcomes
    assert count(database, kind) == 1


def add_audit_trail(database: Database) -> None:
    with database.writing() as session:
        add_event(session)
        add_audit_entry(session, add_user(session), audience=["RUS", "USA"])


AUDIT_EDITS: list[Callable[[Session], object]] = [
    lambda session: session.execute(update(AuditRow).values(action="request.withdrawn")),
    lambda session: session.execute(delete(AuditRow)),
    lambda session: session.execute(update(AuditAudienceRow).values(party_id="CHN")),
    lambda session: session.execute(delete(AuditAudienceRow)),
]


@pytest.mark.parametrize(
    "edit",
    AUDIT_EDITS,
    ids=["update-entry", "delete-entry", "update-audience", "delete-audience"],
)
def test_audit_trail_cannot_be_edited(
    database: Database, edit: Callable[[Session], object]
) -> None:
    add_audit_trail(database)
    with database.reading() as session:
        before = all_rows(session)

    with pytest.raises(DBAPIError) as refused, database.writing() as session:
        edit(session)

    assert refusal(refused.value) == guards.AUDIT_APPEND_ONLY
    with database.reading() as session:
        assert all_rows(session) == before
