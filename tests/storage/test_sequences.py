"""The database raises a meeting's calendar SEQUENCE on every change a calendar shows."""

from __future__ import annotations

from sqlalchemy import select, update

from sidelines.storage.db import Database
from sidelines.storage.tables import MeetingRow
from tests.storage.rows import add_event, add_meeting, at


def sequence_of(database: Database, meeting_id: int) -> int:
    with database.reading() as session:
        value = session.scalar(
            select(MeetingRow.calendar_sequence).where(MeetingRow.id == meeting_id)
        )
    assert value is not None
    return value


def change(database: Database, meeting_id: int, **values: object) -> None:
    with database.writing() as session:
        session.execute(update(MeetingRow).where(MeetingRow.id == meeting_id).values(**values))


def test_a_new_meeting_starts_at_sequence_zero(database: Database) -> None:
    with database.writing() as session:
        add_event(session)
        meeting_id = add_meeting(session).id

    assert sequence_of(database, meeting_id) == 0


def test_time_place_and_status_changes_each_raise_the_sequence(database: Database) -> None:
    with database.writing() as session:
        add_event(session)
        meeting_id = add_meeting(session).id

    change(database, meeting_id, starts_at=at(9), ends_at=at(9, 30), status="scheduled")
    placed = sequence_of(database, meeting_id)
    change(database, meeting_id, starts_at=at(10), ends_at=at(10, 30))
    moved = sequence_of(database, meeting_id)
    change(database, meeting_id, space_id="bilateral-room-1")
    housed = sequence_of(database, meeting_id)
    change(database, meeting_id, status="cancelled")
    cancelled = sequence_of(database, meeting_id)

    assert [placed, moved, housed, cancelled] == [1, 2, 3, 4]


def test_writes_that_leave_the_shown_columns_alone_keep_the_sequence(database: Database) -> None:
    with database.writing() as session:
        add_event(session)
        meeting_id = add_meeting(session).id
    change(database, meeting_id, starts_at=at(9), ends_at=at(9, 30))

    change(database, meeting_id, topics=["trade"], starts_at=at(9))

    assert sequence_of(database, meeting_id) == 1
