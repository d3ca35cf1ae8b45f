"""``UTCDateTime``: aware datetimes in, the same instants out in UTC; naive ones refused."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import StatementError

from sidelines.storage.db import Database
from sidelines.storage.tables import EventRow, MeetingRow
from tests.storage.rows import add_event, add_meeting, at

LIMA = ZoneInfo("America/Lima")  # UTC-5 in November 2016
TOKYO = ZoneInfo("Asia/Tokyo")  # UTC+9


def test_aware_datetime_comes_back_as_the_same_instant_in_utc(database: Database) -> None:
    with database.writing() as session:
        add_event(session, created_at=datetime(2016, 11, 19, 10, 30, 15, 123456, tzinfo=LIMA))

    with database.reading() as session:
        created_at = session.scalars(select(EventRow.created_at)).one()

    assert created_at == datetime(2016, 11, 19, 15, 30, 15, 123456, tzinfo=UTC)
    assert created_at.tzinfo is UTC


def test_no_datetime_stays_none(database: Database) -> None:
    with database.writing() as session:
        add_event(session)
        add_meeting(session)

    with database.reading() as session:
        meeting = session.scalars(select(MeetingRow)).one()

    assert (meeting.starts_at, meeting.ends_at) == (None, None)


def test_naive_datetime_is_refused(database: Database) -> None:
    with database.writing() as session:
        add_event(session)

    with pytest.raises(StatementError) as refused, database.writing() as session:
        session.execute(update(EventRow).values(created_at=datetime(2016, 11, 19, 10, 30)))

    assert isinstance(refused.value.orig, ValueError)
    assert str(refused.value.orig) == (
        "an aware datetime is required, got datetime.datetime(2016, 11, 19, 10, 30)"
    )
    with database.reading() as session:
        assert session.scalars(select(EventRow.created_at)).all() == [at(8)]


def test_comparisons_are_between_instants_not_wall_clocks(database: Database) -> None:
    # 10:00 in Lima is 15:00 UTC; 23:30 the same day in Tokyo is 14:30 UTC, earlier.
    with database.writing() as session:
        add_event(session, "apec-2016", datetime(2016, 11, 19, 10, tzinfo=LIMA))
        add_event(session, "g20-2016", datetime(2016, 11, 19, 23, 30, tzinfo=TOKYO))

    with database.reading() as session:
        in_order = session.scalars(select(EventRow.id).order_by(EventRow.created_at)).all()
        before_3pm_utc = session.scalars(
            select(EventRow.id).where(
                EventRow.created_at < datetime(2016, 11, 20, 0, 0, tzinfo=TOKYO)
            )
        ).all()

    assert in_order == ["g20-2016", "apec-2016"]
    assert before_3pm_utc == ["g20-2016"]
