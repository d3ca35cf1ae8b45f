"""The migrations build exactly the tables of ``tables.py``, keep rows, and go back and forth."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Engine, Integer, MetaData, Table, delete, inspect
from sqlalchemy.exc import IntegrityError

from sidelines.storage.db import Database, alembic_config, downgrade, make_engine
from sidelines.storage.tables import Base, PrincipalBookingRow
from tests.storage.rows import (
    EVENT_ID,
    Rows,
    add_audit_entry,
    add_event,
    add_meeting,
    add_user,
    all_rows,
    at,
    fill_every_table,
    principal_booking,
    project,
    space_booking,
)

# The revision before the guards against double booking and audit edits.
BEFORE_GUARDS = "0001"


def head_and_previous() -> tuple[str, str]:
    scripts = ScriptDirectory.from_config(alembic_config(make_engine("sqlite://")))
    head = scripts.get_revision("head")
    assert head is not None
    assert isinstance(head.down_revision, str)
    return head.revision, head.down_revision


HEAD, PREVIOUS = head_and_previous()


def earlier_revisions() -> list[str]:
    """Every revision before the head, oldest first."""
    scripts = ScriptDirectory.from_config(alembic_config(make_engine("sqlite://")))
    return [script.revision for script in reversed(list(scripts.walk_revisions()))][:-1]


@pytest.fixture
def empty_database(empty_database_url: str) -> Iterator[Database]:
    database = Database(empty_database_url)
    yield database
    database.dispose()


def revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def differences(engine: Engine, metadata: MetaData) -> list[Any]:
    """What autogenerate would write into a new migration to make the database match."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))


def add_rows(database: Database) -> int:
    """An event with a booked meeting and an audit entry; the meeting's id."""
    with database.writing() as session:
        add_event(session)
        meeting = add_meeting(session)
        session.add(principal_booking(meeting, "RUS/president", at(9), at(9, 30)))
        session.add(space_booking(meeting, "bilateral-room-1", at(9), at(9, 30)))
        add_audit_entry(session, add_user(session), audience=["RUS", "USA"])
        return meeting.id


def double_booking(meeting_id: int) -> PrincipalBookingRow:
    """A booking overlapping the one ``add_rows`` made (with an id the revisions before random
    ids can hold)."""
    return PrincipalBookingRow(
        id=999_999,
        event_id=EVENT_ID,
        meeting_id=meeting_id,
        principal_id="RUS/president",
        starts_at=at(9, 15),
        ends_at=at(9, 45),
    )


def test_upgrade_to_head_creates_every_table(empty_database: Database) -> None:
    empty_database.upgrade()

    assert revision(empty_database.engine) == HEAD
    assert sorted(inspect(empty_database.engine).get_table_names()) == sorted(
        [*Base.metadata.tables, "alembic_version"]
    )


def test_head_matches_the_tables(empty_database: Database) -> None:
    # A change to tables.py without its migration shows up here.
    empty_database.upgrade()

    assert differences(empty_database.engine, Base.metadata) == []


def test_comparison_notices_a_table_without_migration(empty_database: Database) -> None:
    # The check above is only worth something if the comparison sees a real difference.
    empty_database.upgrade()
    metadata = MetaData()
    for table in Base.metadata.sorted_tables:
        table.to_metadata(metadata)
    Table("forgotten", metadata, Column("id", Integer, primary_key=True))

    [(operation, table)] = differences(empty_database.engine, metadata)

    assert (operation, table.name) == ("add_table", "forgotten")


@pytest.mark.slow  # seconds on its own, idle: scripts/test runs it
@pytest.mark.parametrize("earlier", earlier_revisions())
def test_upgrade_from_every_earlier_revision_keeps_every_row(
    empty_database: Database, earlier: str
) -> None:
    empty_database.upgrade(earlier)
    add_rows(empty_database)
    with empty_database.engine.begin() as connection:
        fill_every_table(connection)
    with empty_database.reading() as session:
        before = all_rows(session)
    assert all(rows.rows for rows in before.values()), "a table was left empty"

    empty_database.upgrade()

    assert revision(empty_database.engine) == HEAD
    with empty_database.reading() as session:
        assert all_rows(session, like=before) == before


@pytest.mark.slow  # seconds on its own, idle: scripts/test runs it
def test_downgrade_to_before_the_guards_and_back(empty_database: Database) -> None:
    empty_database.upgrade()
    meeting_id = add_rows(empty_database)
    with empty_database.reading() as session:
        before = all_rows(session)

    downgrade(empty_database.engine, BEFORE_GUARDS)

    assert revision(empty_database.engine) == BEFORE_GUARDS
    with empty_database.reading() as session:
        after = all_rows(session, like=before)
        assert after == project(before, after)
    # Without its guards the database takes a double booking; take it out to go back up.
    with empty_database.writing() as session:
        unguarded = double_booking(meeting_id)
        session.add(unguarded)
    with empty_database.writing() as session:
        session.execute(delete(PrincipalBookingRow).where(PrincipalBookingRow.id == unguarded.id))

    empty_database.upgrade()

    assert revision(empty_database.engine) == HEAD
    with empty_database.reading() as session:
        back = all_rows(session, like=before)
    # An event's revision is a counter for caches, not data: it starts again from 0 when its
    # migration runs again (servers are stopped while the schema changes).
    at = back["events"].columns.index("revision")
    assert [row[at] for row in back["events"].rows] == [0]
    assert without_revision(back) == without_revision(before)
    with pytest.raises(IntegrityError), empty_database.writing() as session:
        session.add(double_booking(meeting_id))


# The counters of an event's caches (its meetings' revision, its setup's, each meeting's
# own), not data.
COUNTERS = ("revision", "setup_revision")


def without_revision(snapshot: dict[str, Rows]) -> dict[str, Rows]:
    assert "revision" in snapshot["events"].columns
    trimmed = dict(snapshot)
    for table in ("events", "meetings"):
        rows = snapshot[table]
        kept = [i for i, column in enumerate(rows.columns) if column not in COUNTERS]
        trimmed[table] = Rows(
            tuple(rows.columns[i] for i in kept),
            [tuple(row[i] for i in kept) for row in rows.rows],
        )
    return trimmed


def test_downgrade_to_base_removes_every_table(empty_database: Database) -> None:
    empty_database.upgrade()
    add_rows(empty_database)

    downgrade(empty_database.engine, "base")

    assert revision(empty_database.engine) is None
    assert inspect(empty_database.engine).get_table_names() == ["alembic_version"]


def test_upgrade_gives_each_side_of_a_request_the_request_s_event(
    empty_database: Database,
) -> None:
    empty_database.upgrade("0017")
    with empty_database.engine.begin() as connection:
        fill_every_table(connection)

    empty_database.upgrade("0018")

    with empty_database.engine.connect() as connection:
        pairs = connection.exec_driver_sql(
            "SELECT request_parties.event_id, meeting_requests.event_id FROM request_parties "
            "JOIN meeting_requests ON meeting_requests.id = request_parties.request_id"
        ).all()
    assert len(pairs) == 1
    assert pairs[0][0] == pairs[0][1]
