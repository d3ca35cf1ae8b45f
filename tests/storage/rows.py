"""Small builders of table rows for the storage tests, with defaults that make sense."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Column, Connection, MetaData, insert, select, types
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from sidelines.storage.tables import (
    AuditAudienceRow,
    AuditRow,
    EventRow,
    MeetingRow,
    PrincipalBookingRow,
    SpaceBookingRow,
    UserRow,
)

EVENT_ID = "apec-2016"

# Small ids, as the sequences of the revisions before random ids gave them, so that these rows
# can be written into a database at any revision (PostgreSQL's ids were ``integer`` then).
_small_ids = itertools.count(1)


def at(hour: int, minute: int = 0) -> datetime:
    """A moment of the first summit day, in UTC."""
    return datetime(2016, 11, 19, hour, minute, tzinfo=UTC)


def add_event(
    session: Session, event_id: str = EVENT_ID, created_at: datetime | None = None
) -> EventRow:
    """An event, inserted with the columns every revision has (see ``add_meeting``)."""
    values = {
        "id": event_id,
        "name": f"Summit {event_id}",
        "timezone": "America/Lima",
        "organiser_sees": "bookings",
        "request_ttl_hours": None,
        "spec": {"parties": ["RUS", "USA"]},
        "created_at": created_at or at(8),
    }
    session.execute(insert(EventRow.__table__).values(values))
    return EventRow(**values)


def add_user(session: Session, username: str = "protocol.rus", event_id: str = EVENT_ID) -> UserRow:
    """A delegate's account, inserted with the columns every revision has (as ``add_meeting``);
    returned detached, for its id."""
    values = {
        "id": next(_small_ids),
        "username": username,
        "password_hash": "not-a-real-hash",
        "role": "delegate",
        "event_id": event_id,
        "party_id": "RUS",
        "created_at": at(8),
    }
    session.execute(insert(UserRow.__table__).values(values))
    return UserRow(**values)


def add_meeting(session: Session, event_id: str = EVENT_ID) -> MeetingRow:
    """A scheduled meeting, inserted with the columns every revision has (so that the migration
    tests can add it before the later columns exist); returned detached, for its id."""
    values = {
        "id": next(_small_ids),
        "event_id": event_id,
        "format": "pull_aside",
        "duration_min": 30,
        "windows": [],
        "status": "scheduled",
        "weight": 1,
        "topics": ["Ukraine", "Syria"],
        "created_at": at(8),
        "updated_at": at(8),
    }
    table = MeetingRow.__table__
    inserted = session.execute(insert(table).values(values).returning(table.c.id))
    return MeetingRow(**(values | {"id": inserted.scalar_one()}))


def principal_booking(
    meeting: MeetingRow, principal_id: str, starts_at: datetime, ends_at: datetime
) -> PrincipalBookingRow:
    return PrincipalBookingRow(
        id=next(_small_ids),
        event_id=meeting.event_id,
        meeting_id=meeting.id,
        principal_id=principal_id,
        starts_at=starts_at,
        ends_at=ends_at,
    )


def space_booking(
    meeting: MeetingRow, space_id: str, starts_at: datetime, ends_at: datetime
) -> SpaceBookingRow:
    return SpaceBookingRow(
        id=next(_small_ids),
        event_id=meeting.event_id,
        meeting_id=meeting.id,
        space_id=space_id,
        starts_at=starts_at,
        ends_at=ends_at,
    )


def add_audit_entry(session: Session, user: UserRow, audience: list[str]) -> AuditRow:
    """An audit entry, inserted as rows rather than objects (as ``add_meeting``): the messages'
    outbox listens for new entry objects, and its tables do not exist at earlier revisions."""
    values = {
        "id": next(_small_ids),
        "event_id": user.event_id,
        "at": at(9),
        "actor_user_id": user.id,
        "actor_party": user.party_id,
        "action": "request.sent",
        "subject_type": "request",
        "subject_id": "1",
        "channel": "in_person",
        "detail": {"to": "USA"},
    }
    session.execute(insert(AuditRow.__table__).values(values))
    session.execute(
        insert(AuditAudienceRow.__table__),
        [{"entry_id": values["id"], "party_id": party} for party in audience],
    )
    return AuditRow(**values)


class Rows(NamedTuple):
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]


def all_rows(session: Session, like: dict[str, Rows] | None = None) -> dict[str, Rows]:
    """Every row of every table the database has, in primary key order: a snapshot to compare.

    With ``like``, only its tables and columns: what a later migration adds is left out, so that
    a snapshot taken before an upgrade compares with one taken after it. Columns of ``like`` that
    the database no longer has (after a downgrade) are left out too; ``project`` trims the other
    side to match.
    """
    reflected = MetaData()
    reflected.reflect(bind=session.connection())
    snapshot: dict[str, Rows] = {}
    for table in reflected.sorted_tables:
        if table.name == "alembic_version" or (like is not None and table.name not in like):
            continue
        names = (
            tuple(name for name in like[table.name].columns if name in table.columns)
            if like is not None
            else tuple(table.columns.keys())
        )
        query = select(*(table.columns[name] for name in names))
        query = query.order_by(*table.primary_key.columns)
        snapshot[table.name] = Rows(names, [tuple(row) for row in session.execute(query)])
    return snapshot


def project(snapshot: dict[str, Rows], like: dict[str, Rows]) -> dict[str, Rows]:
    """``snapshot`` with only the tables and columns ``like`` has."""
    projected: dict[str, Rows] = {}
    for name, rows in snapshot.items():
        if name not in like:
            continue  # a table a downgrade took away
        keep = [i for i, column in enumerate(rows.columns) if column in like[name].columns]
        projected[name] = Rows(
            tuple(rows.columns[i] for i in keep), [tuple(row[i] for i in keep) for row in rows.rows]
        )
    return projected


def refusal(error: DBAPIError) -> str:
    """What the database said when it refused a change: on PostgreSQL the constraint it names,
    or else its message; on SQLite the trigger's message."""
    diag = getattr(error.orig, "diag", None)
    if diag is not None:
        return str(diag.constraint_name or diag.message_primary)
    return str(error.orig)


# Values that the tables' CHECK constraints need where a generic value would not do: an
# on-site change of a known kind, open-ended; a statement about a meeting, not also an encounter.
CHECKED_VALUES: dict[tuple[str, str], Any] = {
    ("onsite_changes", "kind"): "departure",
    ("onsite_changes", "ends_at"): None,
    ("statements", "encounter_id"): None,
    ("refills", "state"): "offered",
}


def sample_value(column: Column[Any]) -> Any:
    """A value of the column's type that no default would give."""
    kind = column.type
    if isinstance(kind, types.Boolean):
        return True
    if isinstance(kind, types.Integer):
        return 7
    if isinstance(kind, types.DateTime):
        return at(10, 15)
    if isinstance(kind, types.Date):
        return date(2016, 11, 20)
    if isinstance(kind, types.JSON):
        return {"sample": column.name}
    if isinstance(kind, types.Float | types.Numeric):
        return 1.5
    if isinstance(kind, types.String):
        return column.name[: kind.length or 64]
    return column.name


def fill_every_table(connection: Connection) -> list[str]:
    """One row in every table of the database that has none, whichever revision it is at:
    every column given a value (references the first row of the table they point to). The
    tables filled, in order."""
    reflected = MetaData()
    reflected.reflect(bind=connection)
    filled = []
    for table in reflected.sorted_tables:
        if table.name == "alembic_version" or connection.scalar(select(table).limit(1)):
            continue
        values: dict[str, Any] = {}
        for column in table.columns:
            if (table.name, column.name) in CHECKED_VALUES:
                values[column.name] = CHECKED_VALUES[(table.name, column.name)]
            elif column.foreign_keys:
                target = next(iter(column.foreign_keys)).column
                values[column.name] = connection.scalar(select(target).limit(1))
            elif column.primary_key and isinstance(column.type, types.Integer):
                # Given, not generated: from revision 0012 on no sequence makes ids.
                values[column.name] = next(_small_ids)
            else:
                values[column.name] = sample_value(column)
        connection.execute(insert(table).values(values))
        filled.append(table.name)
    return filled
