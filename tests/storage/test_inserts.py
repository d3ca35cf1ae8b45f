"""New rows written without the unit of work: ``insert_together`` writes what ``insert_rows``
writes, value for value, and ``insert_at_once`` what an INSERT per table writes, each in one
statement on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, insert, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError
from sqlalchemy.orm import Session

from sidelines.storage.db import Database
from sidelines.storage.inserts import insert_at_once, insert_rows, insert_together, table_of
from sidelines.storage.tables import (
    AuditAudienceRow,
    AuditRow,
    Base,
    NoticeRow,
    ProposalRow,
    RequestPartyRow,
    RequestRow,
    RequestTermRow,
)
from tests.storage.rows import EVENT_ID, add_event, add_meeting, add_user, at

LIMA = ZoneInfo("America/Lima")
TABLES = (RequestRow, RequestPartyRow, ProposalRow, RequestTermRow, AuditRow, AuditAudienceRow)


def request_rows(request_id: int, user_id: int) -> list[Base]:
    """A request to two parties with the values that differ most in how they are written: an
    aware datetime not in UTC, None in plain and JSON columns, JSON lists, objects, strings and
    numbers, booleans, a text with quotes and a non-ASCII letter."""
    return [
        RequestRow(
            id=request_id,
            event_id=EVENT_ID,
            requester_party="RUS",
            state="sent",
            channel="api",
            created_by=user_id,
            created_at=datetime(2016, 11, 19, 4, 30, 15, 123456, tzinfo=LIMA),
            updated_at=at(9),
            sent_at=at(9),
            expires_at=None,
            on_site=True,
        ),
        *(
            RequestPartyRow(
                request_id=request_id,
                party_id=party,
                event_id=EVENT_ID,
                role=role,
                principal_id=f"{party}/president",
                priority=priority,
                note='a "quoted" note, Perú',
                accepted_current=role == "requester",
                answer=None,
                answer_reason=None,
            )
            for party, role, priority in (("RUS", "requester", 7), ("USA", "invitee", None))
        ),
        ProposalRow(
            id=request_id + 1,
            request_id=request_id,
            seq=1,
            by_party="RUS",
            format="pull_aside",
            duration_min=15,
            windows=[["2016-11-19T14:00:00+00:00", "2016-11-19T15:00:00+00:00"]],
            space_id=None,
            host_party=None,
            press_plan="none",
            topics=["Ukraine", "Syria"],
            message="",
            created_at=at(9),
            host_suite=False,
            attendees=None,
            own_interpreters=["RUS"],
        ),
        *(
            RequestTermRow(
                request_id=request_id,
                term=term,
                value=value,
                proposed_by="RUS",
                proposed_in=1,
                agreed_by=["RUS"],
            )
            for term, value in (
                ("contact", True),
                ("format", {"format": "pull_aside", "duration_min": 15}),
                ("place", None),
                ("press", "none"),
            )
        ),
        AuditRow(
            id=request_id + 2,
            event_id=EVENT_ID,
            at=at(9),
            actor_user_id=user_id,
            actor_party="RUS",
            action="request.sent",
            subject_type="request",
            subject_id=str(request_id),
            channel="api",
            detail={},
        ),
        *(AuditAudienceRow(entry_id=request_id + 2, party_id=p) for p in ("RUS", "USA")),
    ]


def stored(session: Session, request_id: int) -> dict[str, list[dict[str, Any]]]:
    """The rows of ``request_rows(request_id, …)`` as read back, with whether each JSON column
    holds SQL NULL (a JSON ``null`` reads back as None too); ids made relative."""
    ids: dict[Any, str] = {
        request_id: "request",
        request_id + 1: "proposal",
        request_id + 2: "entry",
    }
    ids[str(request_id)] = "request"  # an entry's subject
    found: dict[str, list[dict[str, Any]]] = {}
    for model in TABLES:
        table = table_of(model)
        nulls = [c.is_(None).label(f"{c.name} is null") for c in table.c if c.name in JSONS]
        rows = session.execute(select(table, *nulls).order_by(*table.primary_key)).mappings()
        found[table.name] = [
            {key: ids.get(value, value) if key in IDS else value for key, value in row.items()}
            for row in rows
            if any(row[key] in ids for key in IDS if key in row)
        ]
    return found


def a_user(database: Database) -> int:
    """The event and a delegate's account, for the rows that name them; the account's id."""
    with database.writing() as session:
        add_event(session)
        return add_user(session).id


JSONS = {"windows", "topics", "attendees", "own_interpreters", "value", "agreed_by", "detail"}
IDS = {"id", "request_id", "entry_id", "subject_id"}


def test_rows_inserted_together_read_back_as_rows_inserted_a_table_at_a_time(
    database: Database,
) -> None:
    user_id = a_user(database)
    with database.writing() as session:
        insert_rows(session, request_rows(1000, user_id))
    with database.writing() as session:
        insert_together(session, request_rows(2000, user_id))

    with database.reading() as session:
        one_by_one, together = stored(session, 1000), stored(session, 2000)

    assert together == one_by_one
    assert [len(rows) for rows in together.values()] == [1, 2, 1, 4, 1, 2]
    assert together["meeting_requests"][0]["created_at"] == datetime(
        2016, 11, 19, 9, 30, 15, 123456, tzinfo=UTC
    )
    # A JSON null stays a JSON value, as the JSON type writes None; not SQL NULL.
    assert [(r["term"], r["value"], r["value is null"]) for r in together["request_terms"]] == [
        ("contact", True, False),
        ("format", {"format": "pull_aside", "duration_min": 15}, False),
        ("place", None, False),
        ("press", "none", False),
    ]
    assert together["proposals"][0]["attendees is null"] is False


def test_rows_inserted_together_refuse_a_duplicate_key_and_write_nothing(
    database: Database,
) -> None:
    user_id = a_user(database)
    rows = request_rows(1000, user_id)
    duplicated = [*rows, RequestPartyRow(**_values(rows[1]))]

    with pytest.raises(IntegrityError), database.writing() as session:
        insert_together(session, duplicated)

    with database.reading() as session:
        assert session.scalars(select(RequestRow.id)).all() == []


# Only on PostgreSQL: SQLite does not enforce a VARCHAR's length.
@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_a_string_too_long_for_its_column_is_refused_not_cut_on_postgresql(
    database: Database,
) -> None:
    user_id = a_user(database)
    rows = request_rows(1000, user_id)
    rows[0].channel = "x" * 33  # String(32)

    with pytest.raises(DBAPIError, match="too long"), database.writing() as session:
        insert_together(session, rows)


def _values(row: Base) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in table_of(type(row)).c}


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
