"""Databases for the tests: every test that takes ``database`` runs on SQLite and on PostgreSQL.

Migrating takes about half a second, too long to repeat for hundreds of tests, so each session
migrates one template per database and every test gets a copy of it: a file copy on SQLite,
``CREATE DATABASE … TEMPLATE`` on PostgreSQL. On PostgreSQL the copy for the next test is made,
and the tests' databases dropped, in the background: a copy takes a fifth of a second, and a
``DROP DATABASE`` waits for a checkpoint (half a second to two on a busy machine), which drops
sent at once share: eight took 11 s one after the other, 0.7 s all together.

PostgreSQL comes from ``SIDELINES_TEST_POSTGRES_URL`` (``scripts/test`` finds or starts a server);
its user must be allowed to create databases. Without it the PostgreSQL tests are skipped, with
the reason, and under ``CI=true`` they fail instead: a CI run must never pass by skipping them.
Database names carry a random prefix, so that several test runs can share one server.
"""

from __future__ import annotations

import itertools
import os
import queue
import shutil
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import NoReturn

import pytest
from argon2 import PasswordHasher, profiles
from hypothesis import settings
from playwright.sync_api import Browser, sync_playwright
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import OperationalError

from sidelines.services import accounts
from sidelines.storage.db import Database, normalise_url

POSTGRES_URL_VARIABLE = "SIDELINES_TEST_POSTGRES_URL"
DIALECTS = ["sqlite", "postgresql"]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1")


# In CI, Hypothesis draws the same examples every run: a red build is reproducible, never luck.
# Locally it keeps exploring new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if in_ci():
    settings.load_profile("ci")


def unavailable(reason: str) -> NoReturn:
    if in_ci():
        pytest.fail(f"{reason} (CI=true: PostgreSQL tests may not be skipped)", pytrace=False)
    pytest.skip(reason)


# The databases dropped together (one checkpoint for all), and how long the first waits for more.
DROPS_AT_ONCE = 8
DROP_WAIT_S = 5.0


class PostgresServer:
    """Creates and drops this session's databases, through the URL's database and user.

    ``copy`` hands out a copy of a template made ahead, while the last test ran, and starts
    the next; ``drop_later`` leaves the drop to a thread of its own. ``close`` waits for both.
    """

    def __init__(self, url: str) -> None:
        self.url = make_url(normalise_url(url))
        self.admin: Engine = create_engine(self.url, isolation_level="AUTOCOMMIT", pool_size=1)
        self.prefix = f"sidelines_{uuid.uuid4().hex[:8]}"
        self._numbers = itertools.count(1)
        self._ahead = ThreadPoolExecutor(max_workers=1)
        self._made_ahead: dict[str, Future[str]] = {}
        self._to_drop: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._drop_errors: list[BaseException] = []
        self._dropper = threading.Thread(target=self._drop_in_turn, daemon=True)
        self._dropper.start()

    def create(self, template: str) -> str:
        name = f"{self.prefix}_{next(self._numbers)}"
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        return name

    def copy(self, template: str) -> str:
        """A new copy of ``template``, which no one may change or connect to meanwhile."""
        made = self._made_ahead.pop(template, None)
        name = made.result() if made is not None else self.create(template)
        self._made_ahead[template] = self._ahead.submit(self.create, template)
        return name

    def drop(self, name: str) -> None:
        # FORCE ends connections a failed test may have left open.
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def drop_later(self, name: str) -> None:
        self._to_drop.put(name)

    def forget(self, template: str) -> None:
        """Drop the copy of ``template`` made ahead, before ``template`` itself is dropped."""
        made = self._made_ahead.pop(template, None)
        if made is not None:
            self.drop(made.result())

    def close(self) -> None:
        for template in list(self._made_ahead):
            self.forget(template)
        self._ahead.shutdown()
        self._to_drop.put(None)
        self._dropper.join()
        self.admin.dispose()
        if self._drop_errors:
            raise self._drop_errors[0]

    def _drop_in_turn(self) -> None:
        """Drop the databases handed over, ``DROPS_AT_ONCE`` at a time (or what came within
        ``DROP_WAIT_S``), until ``None`` comes."""
        engine = create_engine(self.url, isolation_level="AUTOCOMMIT", pool_size=DROPS_AT_ONCE)

        def drop(name: str) -> None:
            try:
                with engine.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            except Exception as error:  # raised again by ``close``
                self._drop_errors.append(error)

        ending = False
        try:
            with ThreadPoolExecutor(max_workers=DROPS_AT_ONCE) as pool:
                while not ending:
                    names: list[str] = []
                    while len(names) < DROPS_AT_ONCE:
                        try:
                            name = self._to_drop.get(timeout=DROP_WAIT_S if names else None)
                        except queue.Empty:
                            break
                        if name is None:
                            ending = True
                            break
                        names.append(name)
                    list(pool.map(drop, names))
        finally:
            engine.dispose()

    def url_of(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        unavailable(f"no PostgreSQL: {POSTGRES_URL_VARIABLE} is not set (scripts/test sets it)")
    server = PostgresServer(url)
    try:
        with server.admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        shown = server.url.render_as_string(hide_password=True)
        unavailable(f"no PostgreSQL: {shown} refuses connections: {error.orig}")
    yield server
    server.close()


@pytest.fixture(scope="session")
def postgres_template(postgres_server: PostgresServer) -> Iterator[str]:
    name = postgres_server.create("template0")
    try:
        migrated = Database(postgres_server.url_of(name))
        migrated.upgrade()
        migrated.dispose()  # a template may have no open connections when it is copied
        yield name
    finally:
        postgres_server.forget(name)
        postgres_server.drop(name)


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashes() -> Iterator[None]:
    """Argon2 at its cheapest in tests: RFC 9106's parameters cost a fifth of a second of CPU
    per login and per account made, which guards nothing a test checks. The parameters are
    written into each hash, so a hash made either way verifies the same."""
    kept = accounts._hasher
    accounts._hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)
    yield
    accounts._hasher = kept


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.sqlite3"
    migrated = Database(f"sqlite:///{path}")
    migrated.upgrade()
    migrated.dispose()
    # Everything into the main file, so that copying the file copies the whole database.
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return path


@pytest.fixture(params=DIALECTS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A fresh database migrated to head, on each of SQLite and PostgreSQL."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "sidelines.sqlite3"
        shutil.copyfile(template, path)
        db = Database(f"sqlite:///{path}")
        yield db
        db.dispose()
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = server.copy(request.getfixturevalue("postgres_template"))
    db = Database(server.url_of(name))
    try:
        yield db
    finally:
        db.dispose()
        server.drop_later(name)


@pytest.fixture(params=DIALECTS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a database with no tables, for the migrations to build."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = server.create("template0")
    try:
        yield server.url_of(name)
    finally:
        server.drop_later(name)


# --- the browser for the page tests ---------------------------------------------------------

# Debian's chromium, driven by Playwright through its executable path: Playwright's own browser
# downloads are impossible on a closed network, and the system browser is what a venue has.
CHROMIUM = Path(os.environ.get("SIDELINES_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


PAGES = Path(__file__).parent / "web" / "pages"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Marks every page test ``browser``, so that the inner loop can leave them out by name:
    those under tests/web/pages, and any other that takes the browser."""
    for item in items:
        if item.path.is_relative_to(PAGES) or "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole session; each test opens its own contexts."""
    if not CHROMIUM.exists():
        reason = f"no browser: {CHROMIUM} is missing (apt-get install chromium)"
        if in_ci():
            pytest.fail(f"{reason} (CI=true: browser tests may not be skipped)", pytrace=False)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()
