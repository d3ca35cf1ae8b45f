"""``inserts.insert_at_once``: the rows of several tables with one statement on PostgreSQL, the
same rows as an INSERT per table writes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import event, insert, text
from sqlalchemy.exc import StatementError

from sidelines.storage.db import Database
from sidelines.storage.inserts import insert_at_once, table_of
from sidelines.storage.tables import AuditAudienceRow, AuditRow, NoticeRow
from tests.storage.rows import EVENT_ID, add_event, add_meeting, at

ENTRIES, AUDIENCE, NOTICES = table_of(AuditRow), table_of(AuditAudienceRow), table_of(NoticeRow)


def _rows(first_id: int, meeting_id: int) -> list[tuple[Any, list[dict[str, Any]]]]:
    """An audit entry with its audience and two notices (one with no place before: JSON's
    null), with ids from ``first_id``."""
    entry = {
        "id": first_id,
        "event_id": EVENT_ID,
        "at": at(9, 15),
        "actor_user_id": None,
        "actor_party": "RUS",
        "action": "meeting.scheduled",
        "subject_type": "meeting",
        "subject_id": str(meeting_id),
        "channel": "api",
        "detail": {"reason": "agreed on site", "moved": [1, 2], "note": "Señor"},
    }
    notices = [
        {
            "id": first_id + index,
            "event_id": EVENT_ID,
            "party_id": party,
            "version": 2,
            "meeting_id": meeting_id,
            "kind": "placed",
            "before": None,
            "after": [at(10).isoformat(), at(10, 30).isoformat(), "T1"],
            "created_at": at(9, 15),
        }
        for index, party in ((1, "RUS"), (2, "USA"))
    ]
    audience = [{"entry_id": first_id, "party_id": party} for party in ("RUS", "USA")]
    return [(ENTRIES, [entry]), (NOTICES, notices), (AUDIENCE, audience)]


# Each column as its text, JSON's null told from SQL's NULL.
_WRITTEN = {
    "audit_entries": "SELECT id - :first, event_id, at, actor_party, action, subject_id, channel, "
    "CAST(detail AS TEXT) FROM audit_entries WHERE id >= :first AND id < :first + 10",
    "change_notices": "SELECT id - :first, party_id, version, kind, before IS NULL, "
    "CAST(before AS TEXT), CAST(after AS TEXT), created_at FROM change_notices "
    "WHERE id >= :first AND id < :first + 10 ORDER BY id",
    "audit_audience": "SELECT entry_id - :first, party_id FROM audit_audience "
    "WHERE entry_id >= :first AND entry_id < :first + 10 ORDER BY party_id",
}


def test_rows_inserted_at_once_are_those_an_insert_per_table_writes(database: Database) -> None:
    with database.writing() as session:
        add_event(session)
        meeting_id = add_meeting(session).id
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, sql: str, *_: object) -> None:
        if not sql.startswith("BEGIN"):
            statements.append(sql.split()[0])

    with database.writing() as session:
        for table, rows in _rows(100, meeting_id):
            session.execute(insert(table), rows)
    event.listen(database.engine, "before_cursor_execute", seen)
    try:
        with database.writing() as session:
            insert_at_once(session, _rows(200, meeting_id))
    finally:
        event.remove(database.engine, "before_cursor_execute", seen)

    with database.reading() as session:
        for query in _WRITTEN.values():
            one_by_one = session.execute(text(query), {"first": 100}).all()
            at_once = session.execute(text(query), {"first": 200}).all()
            assert at_once == one_by_one
            assert at_once != []
    expected = {"postgresql": ["WITH"], "sqlite": ["INSERT"] * 3}[database.dialect]
    assert statements == expected


def test_a_naive_time_is_refused_at_once_as_by_an_insert(database: Database) -> None:
    with database.writing() as session:
        add_event(session)
        meeting_id = add_meeting(session).id
    rows = _rows(300, meeting_id)
    rows[0][1][0]["at"] = datetime(2016, 11, 19, 9, 15)  # no time zone

    # SQLAlchemy wraps the refusal of ``types.UTCDateTime`` in a StatementError.
    with (
        pytest.raises((ValueError, StatementError), match="an aware datetime is required"),
        database.writing() as session,
    ):
        insert_at_once(session, rows)
