"""The connection pool: sized per server process, never more connections than it was given;
the planner's statistics refreshed on demand."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, bindparam, cast, create_engine, event, select, text
from sqlalchemy.exc import TimeoutError as PoolTimeout

from sidelines.services.clock import now
from sidelines.storage import db as db_module
from sidelines.storage.db import (
    SERVER_POOL_SIZE,
    ConnectionLimits,
    Database,
    connection_limits,
    pool_size_for,
)
from sidelines.storage.tables import UserRow


@pytest.mark.parametrize(
    ("workers", "connections", "expected"),
    [
        (1, 90, SERVER_POOL_SIZE),
        (4, 90, SERVER_POOL_SIZE),
        (30, 90, 3),
        (4, 10, 2),
        (200, 90, 1),
    ],
)
def test_pool_size_for_workers_is_an_equal_share_capped_at_the_default(
    workers: int, connections: int, expected: int
) -> None:
    assert pool_size_for(workers, connections) == expected


def test_pool_size_for_four_workers_fits_postgresqls_default_max_connections() -> None:
    # The default of 100 connections less room for psql and migrations: four workers used to
    # ask for 4 * (10 + 20 overflow) = 120.
    assert 4 * pool_size_for(4) <= 90


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_a_postgresql_pool_holds_no_more_than_its_size(database: Database) -> None:
    pooled = Database(database.url, pool_size=2, pool_timeout=0.2)
    first, second = pooled.engine.connect(), pooled.engine.connect()

    with pytest.raises(PoolTimeout):
        pooled.engine.connect()

    first.close()
    second.close()
    pooled.dispose()


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_connection_limits_read_max_connections_and_count_the_others(
    database: Database,
) -> None:
    with database.engine.connect() as connection:
        max_connections = int(connection.execute(text("SHOW max_connections")).scalar_one())

        limits = connection_limits(database.engine)

    assert limits is not None
    assert limits.max_connections == max_connections
    assert 0 <= limits.reserved < max_connections
    assert limits.in_use >= 1  # the connection held open above


def test_connection_limits_on_sqlite_are_none(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/limits.sqlite3")

    assert connection_limits(engine) is None
    engine.dispose()


def test_connections_allowed_and_free_leave_out_reserved_and_used_slots() -> None:
    limits = ConnectionLimits(max_connections=100, reserved=3, in_use=12)

    assert (limits.allowed, limits.free) == (97, 85)


def has_statistics(database: Database, table: str) -> bool:
    """Whether the planner holds statistics of ``table``'s columns or indexes."""
    with database.reading() as session:
        if database.dialect == "postgresql":
            found = session.scalar(
                text("SELECT count(*) FROM pg_stats WHERE tablename = :table"), {"table": table}
            )
            return bool(found)
        if not session.scalar(
            text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        ):
            return False
        return bool(
            session.scalar(text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = :t"), {"t": table})
        )


def test_analyze_gives_the_planner_statistics_of_the_tables_named(database: Database) -> None:
    with database.writing() as session:
        session.add_all(
            UserRow(username=f"user-{n}", password_hash="-", role="organiser", created_at=now())
            for n in range(20)
        )
    assert not has_statistics(database, "users")

    database.analyze(["users"])

    assert has_statistics(database, "users")
    assert not has_statistics(database, "api_tokens")  # only those named


def test_analyze_of_no_table_analyses_nothing(database: Database) -> None:
    database.analyze([])

    assert not has_statistics(database, "users")


# SQLite opens a connection per use: nothing is pooled, pinged or kept broken.
@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_a_pooled_connection_is_pinged_only_after_it_sat_idle(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings: list[Any] = []
    ping = database.engine.dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        pings.append(dbapi_connection)
        return ping(dbapi_connection)

    monkeypatch.setattr(database.engine.dialect, "do_ping", counted)
    clock = [1000.0]
    monkeypatch.setattr(db_module, "monotonic", lambda: clock[0])
    with database.reading() as session:
        session.execute(text("SELECT 1"))  # a new connection, not pinged
    clock[0] += db_module.PING_IDLE_S / 2
    with database.reading() as session:
        session.execute(text("SELECT 1"))  # in use a moment ago
    assert pings == []

    clock[0] += db_module.PING_IDLE_S + 1
    with database.reading() as session:
        session.execute(text("SELECT 1"))
    assert len(pings) == 1


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_a_connection_that_broke_while_idle_is_replaced_before_it_is_used(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1000.0]
    monkeypatch.setattr(db_module, "monotonic", lambda: clock[0])
    with database.reading() as session:
        broken = session.connection().connection.dbapi_connection
    assert broken is not None
    broken.close()  # as when the database restarted meanwhile
    clock[0] += db_module.PING_IDLE_S + 1

    with database.reading() as session:
        assert session.execute(text("SELECT 1")).scalar_one() == 1
        assert session.connection().connection.dbapi_connection is not broken


def _connections_made(db: Database) -> list[int]:
    made: list[int] = []
    event.listen(db.engine, "connect", lambda *_: made.append(os.getpid()))
    return made


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_a_sqlite_file_keeps_its_connection_between_transactions(database: Database) -> None:
    made = _connections_made(database)

    for _ in range(3):
        with database.reading() as session:
            session.execute(select(UserRow.id)).first()
    database.write(lambda session: session.execute(select(UserRow.id)).first())

    assert len(made) == 1


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_a_pooled_sqlite_connection_holds_no_transaction_between_uses(
    database: Database, tmp_path: Path
) -> None:
    database.write(lambda session: session.execute(text("CREATE TABLE probe (x INTEGER)")))
    with database.reading() as session:
        session.execute(select(UserRow.id)).first()
    with database.engine.connect() as connection:  # begun, and never committed
        connection.execute(select(UserRow.id)).first()

    with database.engine.connect() as connection:
        assert not connection.connection.dbapi_connection.in_transaction  # type: ignore[union-attr]
    # A checkpoint that must wait for every reader completes: none is left holding a snapshot.
    other = sqlite3.connect(tmp_path / "sidelines.sqlite3")
    busy, _, _ = other.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    other.close()
    assert busy == 0


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_a_forked_process_opens_its_own_sqlite_connection(database: Database) -> None:
    with database.reading() as session:
        session.execute(select(UserRow.id)).first()
    made = _connections_made(database)
    context = multiprocessing.get_context("fork")
    answers = context.Queue()

    def child() -> None:
        with database.reading() as session:
            session.execute(select(UserRow.id)).first()
        answers.put(made.count(os.getpid()))

    process = context.Process(target=child)
    process.start()
    process.join(timeout=30)

    assert answers.get(timeout=5) == 1
    assert made == []  # the parent's connection stays the parent's, still open
    with database.reading() as session:
        session.execute(select(UserRow.id)).first()
    assert made == []


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_the_write_ahead_log_shrinks_back_once_checkpointed(
    database: Database, tmp_path: Path
) -> None:
    wal = tmp_path / "sidelines.sqlite3-wal"
    database.write(lambda session: session.execute(text("CREATE TABLE probe (x BLOB)")))
    database.write(lambda session: session.execute(text("CREATE TABLE mark (x INTEGER)")))

    def burst(session: Any) -> None:
        for _ in range(40):
            session.execute(text("INSERT INTO probe VALUES (randomblob(262144))"))

    database.write(burst)  # about 10 MB through the log
    grown = wal.stat().st_size
    checkpointer = sqlite3.connect(tmp_path / "sidelines.sqlite3")  # as the worker's own
    assert checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[0] == 0
    checkpointer.close()
    # The next writer starts the log again from its beginning and cuts the file to the limit.
    database.write(lambda session: session.execute(text("INSERT INTO mark VALUES (1)")))

    assert grown > 2 * db_module.SQLITE_WAL_KEPT_BYTES
    assert wal.stat().st_size <= db_module.SQLITE_WAL_KEPT_BYTES


# PostgreSQL's JSON reaches Python through the engine's own decoder (``db._json_from_utf8``).
@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_json_values_read_back_as_written_beyond_ascii(database: Database) -> None:
    written = {"topics": ["Ukraine", "Сирия", "Perú", "会谈 🤝"], "plus": 2, "none": None}
    value = cast(bindparam("value", written, type_=JSON), JSON)

    with database.engine.connect() as connection:
        read = connection.execute(select(value)).scalar_one()

    assert read == written
