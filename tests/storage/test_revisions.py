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
