"""Connecting to the database, and the transactions the services run in.

SQLite serialises writers: write transactions start with ``BEGIN IMMEDIATE`` so that a check and
the write that depends on it happen under one lock (the pysqlite driver's own transaction
handling is switched off for that, as SQLAlchemy's SQLite documentation recommends). WAL lets
readers go on while one writer works. PostgreSQL writes run at READ COMMITTED with the database's
constraints as the last word, and are retried on serialisation failures and deadlocks.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from time import monotonic
from typing import Any, TypeVar, TypeVarTuple

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, Row, Select, create_engine, event, text
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

T = TypeVar("T")
Ts = TypeVarTuple("Ts")

DEFAULT_URL = "sqlite:///sidelines.sqlite3"
SQLITE_BUSY_TIMEOUT_MS = 30_000
# What the write-ahead log keeps of its file once a checkpoint has copied it all and a writer
# starts it again: the worker's connection stays open and checkpoints it, so SQLite no longer
# deletes the log when the last connection closes, and without a limit the file would stay at
# the largest size it ever reached (a publish's burst of notices).
SQLITE_WAL_KEPT_BYTES = 4 * 1024 * 1024

# A pool holds at most this many connections to PostgreSQL, with no overflow: SQLAlchemy's
# default of 10 and 20 more on demand, in each of four server processes, could ask for 120
# connections of a server that takes 100 (PostgreSQL's default max_connections), and under load
# the surplus was refused ("sorry, too many clients already") and answered as 503s.
DEFAULT_POOL_SIZE = 10
# A server process serves as many requests at once as it has connections (``web.main``), and
# its Python code runs one thread at a time: beyond a few threads, more of them only stretch
# each request. At 200 clients on two cores, four workers of 4 served 77 requests/s with a p99
# of 9 s where workers of 10 served 69 with 20 s (docs/reliability.md).
SERVER_POOL_SIZE = 4
POSTGRES_DEFAULT_MAX_CONNECTIONS = 100
# Connections left for everything but the server processes: psql, migrations, backups, monitoring.
ADMIN_HEADROOM = 10

# Called before each write transaction begins, in the context of whoever asked for it: the web
# server sets one per request (``web.admission``) that raises, so that nothing is written, when
# the request's client has gone or its deadline has passed. It returns how long that transaction
# may wait for a lock (seconds), or None for as long as it takes: a request's first write may
# wait only until its deadline (PostgreSQL's ``lock_timeout``; past it the transaction fails
# with nothing written, and the request is refused), while a later one, begun after a write
# was committed, finishes whatever it waits for. None as the guard: writes start unchecked.
write_guard: ContextVar[Callable[[], float | None] | None] = ContextVar(
    "sidelines_write_guard", default=None
)


# ``SET LOCAL lock_timeout`` for this transaction, with the time as a parameter: ``SET`` takes
# none, and its text with the time written in was a new statement on every write, compiled
# anew by SQLAlchemy and parsed anew by PostgreSQL; this one is prepared once per connection.
_LOCK_TIMEOUT = text("SELECT set_config('lock_timeout', :ms, true)")


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and pick the psycopg 3 driver for it."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def pool_size_for(
    workers: int, connections: int = POSTGRES_DEFAULT_MAX_CONNECTIONS - ADMIN_HEADROOM
) -> int:
    """Connections per server process: an equal share of ``connections`` among ``workers``
    processes, at most ``SERVER_POOL_SIZE`` and at least one."""
    return max(1, min(SERVER_POOL_SIZE, connections // workers))


@dataclass(frozen=True)
class ConnectionLimits:
    """How many connections a PostgreSQL server lets this login open, read at start-up."""

    max_connections: int
    # Slots the server keeps for superusers (``superuser_reserved_connections``, and
    # ``reserved_connections`` since PostgreSQL 16); none of them for a login that is not one.
    reserved: int
    # Connections others held at the time (the one that asked not counted).
    in_use: int

    @property
    def allowed(self) -> int:
        return self.max_connections - self.reserved

    @property
    def free(self) -> int:
        return self.allowed - self.in_use


def connection_limits(engine: Engine) -> ConnectionLimits | None:
    """The server's connection limits; None for SQLite, which has none."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as connection:
        row = connection.execute(
            text(
                "SELECT current_setting('max_connections')::int,"
                " CASE WHEN current_setting('is_superuser') = 'on' THEN 0"
                " ELSE current_setting('superuser_reserved_connections')::int"
                " + coalesce(current_setting('reserved_connections', true)::int, 0) END,"
                " (SELECT count(*) FROM pg_stat_activity"
                "  WHERE backend_type = 'client backend' AND pid <> pg_backend_pid())"
            )
        ).one()
    return ConnectionLimits(max_connections=row[0], reserved=row[1], in_use=row[2])


def make_engine(
    url: str = DEFAULT_URL, pool_size: int = DEFAULT_POOL_SIZE, **kwargs: Any
) -> Engine:
    """An engine for ``url``. On PostgreSQL it holds at most ``pool_size`` connections. A
    SQLite file keeps up to ``pool_size`` connections open between uses and opens more when
    more are wanted at once (closing those after use): SQLite has no server to overload, and a
    connection opened anew costs each transaction its schema read, three files and a
    checkpoint when it is the last to close (docs/benchmarks.md)."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        file_pool: dict[str, Any] = (
            {"poolclass": QueuePool, "pool_size": pool_size, "max_overflow": -1}
            if ":memory:" not in url and "mode=memory" not in url and "poolclass" not in kwargs
            else {}
        )
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            **(file_pool | kwargs),
        )
        _sqlite_transactions(engine)
        if file_pool:
            _not_across_forks(engine)
        return engine
    kwargs.setdefault("max_overflow", 0)
    kwargs.setdefault("json_deserializer", _json_from_utf8)
    engine = create_engine(url, pool_size=pool_size, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        _ping_when_idle(engine)
    return engine


_JSON = json.JSONDecoder()


def _json_from_utf8(data: bytes) -> Any:
    """A JSON column's value from PostgreSQL, in the connection's encoding, UTF-8, as
    ``json.loads`` on bytes assumed too (it refuses any other 8-bit encoding): it first guesses
    among UTF-8, 16 and 32, which costs more than decoding a short value, and a page of 20
    requests holds about 240 of them."""
    return _JSON.decode(data.decode())


# A pooled connection idle longer than this is tested (``SELECT 1``) before it is handed out; one
# in use moments ago is not. SQLAlchemy's ``pool_pre_ping`` tests every checkout: a round trip
# for each transaction, up to three per API request (the token, a revision, the work) and a
# tenth of the server's CPU at 150 requests/s. A connection that broke while in use (the
# database restarted under load) fails its statement instead, answered 503 "unavailable";
# SQLAlchemy then discards every connection of the pool made before, so the next requests
# connect anew.
PING_IDLE_S = 1.0


def _ping_when_idle(engine: Engine) -> None:
    @event.listens_for(engine, "checkin")
    def on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = monotonic()

    @event.listens_for(engine, "checkout")
    def on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or monotonic() - idle_since < PING_IDLE_S:
            return  # a new connection, or one in use a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            # The pool drops this connection and hands out another (SQLAlchemy's recipe for
            # "pessimistic" disconnect handling, done by hand).
            raise DisconnectionError() from error


def _not_across_forks(engine: Engine) -> None:
    """A process forked from one that had pooled connections does not use them: two processes
    on one SQLite handle corrupt its locks (SQLite's "How To Corrupt" page, 2.6). The child
    opens its own; the parent's stay the parent's (SQLAlchemy's recipe for pools and fork)."""

    @event.listens_for(engine, "connect")
    def on_connect(_dbapi_connection: Any, record: Any) -> None:
        record.info["pid"] = os.getpid()

    @event.listens_for(engine, "checkout")
    def on_checkout(_dbapi_connection: Any, record: Any, proxy: Any) -> None:
        if record.info["pid"] != os.getpid():
            # Not closed here (that would close the parent's handle): dropped and replaced.
            record.dbapi_connection = proxy.dbapi_connection = None
            raise DisconnectionError("connection made in another process")


def _sqlite_transactions(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute(f"PRAGMA journal_size_limit = {SQLITE_WAL_KEPT_BYTES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """The engine and the two kinds of transaction the services use."""

    def __init__(
        self, url: str = DEFAULT_URL, pool_size: int = DEFAULT_POOL_SIZE, **engine_kwargs: Any
    ) -> None:
        self.url = normalise_url(url)
        self.pool_size = pool_size
        self.engine = make_engine(self.url, pool_size, **engine_kwargs)
        self.dialect = self.engine.dialect.name
        writer = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        # "reading": what a read transaction saw was committed, so a process may keep what it
        # computed from it (``services.event_state``); a writer's own writes may roll back.
        self._reads = sessionmaker(self.engine, expire_on_commit=False, info={"reading": True})
        self._writes = sessionmaker(writer, expire_on_commit=False)
        # One statement is atomic by itself: on PostgreSQL, running it outside a transaction
        # saves the BEGIN and COMMIT round trips (SQLite has none to save).
        self._single = (
            self.engine.execution_options(isolation_level="AUTOCOMMIT")
            if self.dialect == "postgresql"
            else self.engine
        )

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self._reads() as session, session.begin():
            yield session

    def read_one(
        self, statement: Select[*Ts], params: Mapping[str, Any] | None = None
    ) -> Row[*Ts] | None:
        """The first row of one statement (with its bound ``params``), read on its own: the
        cheapest read there is, for the hot paths that only check whether something changed
        (an event's revision)."""
        if self.dialect != "postgresql":
            with self.reading() as session:
                return session.execute(statement, params).first()
        with self._single.connect() as connection:
            return connection.execute(statement, params).first()

    @contextmanager
    def writing(self) -> Iterator[Session]:
        guard = write_guard.get()
        lock_wait_s = guard() if guard is not None else None
        with self._writes() as session, session.begin():
            if lock_wait_s is not None and self.dialect == "postgresql":
                # Whole milliseconds, at least one: 0 would mean no limit at all.
                waited = max(1, int(lock_wait_s * 1000))
                session.execute(_LOCK_TIMEOUT, {"ms": str(waited)})
            yield session

    def write(self, work: Callable[[Session], T], attempts: int = 8) -> T:
        """Run ``work`` in a write transaction, retrying when the database asks to (PostgreSQL
        serialisation failures and deadlocks, SQLite "database is locked").

        Two writers inserting bookings that clash can deadlock on PostgreSQL while each checks
        the other's row against the exclusion constraint; the database aborts one, which tries
        again after a random pause (jitter keeps the retries from colliding in step) and then
        meets the other's committed row as a plain refusal.
        """
        for attempt in range(attempts):
            try:
                with self.writing() as session:
                    return work(session)
            except (OperationalError, DBAPIError) as error:
                if attempt + 1 == attempts or not is_retryable(error):
                    raise
                time.sleep(random.uniform(0.005, 0.01 * 2 ** min(attempt, 5)))
        raise AssertionError("unreachable")

    def analyze(self, tables: Iterable[str]) -> None:
        """Refresh the query planner's statistics of ``tables``, after a bulk write.

        PostgreSQL plans with no statistics of a table until autovacuum analyses it, at most a
        minute after the write (``autovacuum_naptime``) and then in the middle of whatever comes
        next, such as the first solve of an event just imported; with autovacuum off, never.
        SQLite keeps none until asked (``sqlite_stat1``). Outside a transaction on PostgreSQL;
        on SQLite under the writers' lock."""
        names = sorted(set(tables))
        if not names:
            return
        if self.dialect == "postgresql":
            with self._single.connect() as connection:
                connection.execute(text(f"ANALYZE {', '.join(names)}"))
            return
        with self.writing() as session:
            for name in names:
                session.execute(text(f"ANALYZE {name}"))

    def upgrade(self, revision: str = "head") -> None:
        upgrade(self.engine, revision)

    def dispose(self) -> None:
        self.engine.dispose()


def is_retryable(error: DBAPIError) -> bool:
    code = getattr(error.orig, "sqlstate", None)
    if code in ("40001", "40P01"):  # serialization_failure, deadlock_detected
        return True
    return "database is locked" in str(error.orig)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    command.downgrade(alembic_config(engine), revision)
