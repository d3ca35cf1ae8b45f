"""Every write of a meeting raises its event's revision, in the writer's transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from sidelines.storage.db import Database
from sidelines.storage.tables import EventRow, MeetingRow
from tests.storage.rows import EVENT_ID, add_event, add_meeting

OTHER_EVENT = "g20-2016-hangzhou"


def revision_of(database: Database, event_id: str = EVENT_ID) -> int:
    with database.reading() as session:
        value = session.scalar(select(EventRow.revision).where(EventRow.id == event_id))
    assert value is not None
    return value


def test_a_new_event_starts_at_revision_zero(database: Database) -> None:
    with database.writing() as session:
        add_event(session)
    assert revision_of(database) == 0


def test_inserting_changing_and_deleting_a_meeting_each_raise_the_revision(
    database: Database,
) -> None:
    with database.writing() as session:
        add_event(session)
        add_event(session, OTHER_EVENT)
    with database.writing() as session:
        meeting_id = add_meeting(session).id
    assert revision_of(database) == 1

    with database.writing() as session:
        session.execute(
            update(MeetingRow).where(MeetingRow.id == meeting_id).values(status="scheduled")
        )
    assert revision_of(database) == 2

    with database.writing() as session:
        session.execute(delete(MeetingRow).where(MeetingRow.id == meeting_id))
    assert revision_of(database) == 3
    assert revision_of(database, OTHER_EVENT) == 0


def test_a_rolled_back_write_leaves_the_revision_as_it_was(database: Database) -> None:
    with database.writing() as session:
        add_event(session)

    def give_up(session: Session) -> None:
        add_meeting(session)
        raise RuntimeError("the writer gives up")

    with pytest.raises(RuntimeError):
        database.write(give_up)
    assert revision_of(database) == 0


def meeting_revision(database: Database, meeting_id: int) -> int:
    with database.reading() as session:
        value = session.scalar(select(MeetingRow.revision).where(MeetingRow.id == meeting_id))
    assert value is not None
    return value


def test_each_meeting_carries_the_revision_of_its_last_write(database: Database) -> None:
    with database.writing() as session:
        add_event(session)
    with database.writing() as session:
        first = add_meeting(session).id
    with database.writing() as session:
        second = add_meeting(session).id
    with database.writing() as session:
        session.execute(update(MeetingRow).where(MeetingRow.id == first).values(status="scheduled"))

    assert (meeting_revision(database, first), meeting_revision(database, second)) == (3, 2)
    assert revision_of(database) == 3
    with database.reading() as session:
        since = session.scalars(select(MeetingRow.id).where(MeetingRow.revision > 2)).all()
    assert since == [first]
