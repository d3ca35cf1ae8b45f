"""``sidelines serve`` sizes each worker's connection pool to what PostgreSQL allows."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from sidelines.cli.main import app
from sidelines.cli.server import forwarding, pool_size_for_server
from sidelines.storage.db import (
    ADMIN_HEADROOM,
    SERVER_POOL_SIZE,
    ConnectionLimits,
    Database,
    connection_limits,
)

on_postgresql = pytest.mark.parametrize("database", ["postgresql"], indirect=True)


def limits_of(database: Database) -> ConnectionLimits:
    limits = connection_limits(database.engine)
    assert limits is not None
    return limits


@on_postgresql
@pytest.mark.parametrize("workers", [1, 4, 16, 40])
def test_default_pool_is_the_largest_equal_share_that_fits(
    database: Database, workers: int
) -> None:
    share = limits_of(database).allowed - ADMIN_HEADROOM

    pool_size = pool_size_for_server(database, workers, None)

    assert workers * pool_size <= share
    assert pool_size == SERVER_POOL_SIZE or workers * (pool_size + 1) > share


@on_postgresql
def test_pools_the_server_can_never_hold_are_refused(
    database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    limits = limits_of(database)
    workers = limits.allowed

    with pytest.raises(typer.Exit) as refused:
        pool_size_for_server(database, workers, 2)

    assert refused.value.exit_code == 2
    assert capsys.readouterr().err.startswith(
        f"error: {workers} workers need {2 * workers} database connections (2 each), more "
        f"than the {limits.allowed} PostgreSQL allows (max_connections = "
    )


@on_postgresql
def test_pools_that_do_not_fit_beside_the_open_connections_are_warned_about(
    database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    workers = limits_of(database).allowed  # one connection each: all of them, and one is held below

    with database.engine.connect():
        pool_size = pool_size_for_server(database, workers, 1)

    assert pool_size == 1
    warning = capsys.readouterr().err
    assert warning.startswith(
        f"warning: {workers} workers need {workers} database connections (1 each), but only "
    )
    assert warning.endswith("under load some requests may be refused with 503\n")


@on_postgresql
def test_a_pool_that_fits_is_kept_without_a_word(
    database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert pool_size_for_server(database, 2, 3) == 3
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_on_sqlite_the_pool_is_as_asked_or_the_default_share(database: Database) -> None:
    assert (pool_size_for_server(database, 4, 3), pool_size_for_server(database, 4, None)) == (
        3,
        SERVER_POOL_SIZE,
    )


def test_forwarded_headers_are_trusted_only_from_the_named_proxy() -> None:
    assert forwarding(None) == {"proxy_headers": False}
    assert forwarding("") == {"proxy_headers": False}
    assert forwarding("10.0.0.5") == {"proxy_headers": True, "forwarded_allow_ips": "10.0.0.5"}


@pytest.mark.parametrize(
    ("where", "said"),
    [
        (".", "--database: {path} is a folder; name the file to write"),
        ("no-such-folder/demo.sqlite3", "--database: cannot open the database: unable to open "
         "database file"),
    ],
    ids=["folder", "missing folder"],
)  # fmt: skip
def test_a_demo_database_that_cannot_be_made_is_one_line(
    tmp_path: Path, where: str, said: str
) -> None:
    path = tmp_path / where if where != "." else tmp_path

    outcome = CliRunner().invoke(app, ["demo", "--no-serve", "--database", str(path)])

    assert (outcome.exit_code, outcome.stdout) == (2, "")
    assert outcome.stderr == "error: " + said.format(path=path) + "\n"


def test_the_demo_s_flags_read_as_they_are_typed() -> None:
    shown = CliRunner().invoke(app, ["demo", "--help"], terminal_width=200).stdout

    assert "--no-serve" in shown
    assert "--no-no-serve" not in shown


def test_user_add_asks_for_the_password_twice_without_an_empty_default(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'users.sqlite3'}"

    outcome = CliRunner().invoke(
        app,
        ["user", "add", "protocol", "--database", url],
        input="long enough password\nlong enough password\n",
    )

    assert outcome.exit_code == 0
    assert outcome.stdout.startswith("Password: \nRepeat for confirmation: \ncreated organiser")


@pytest.mark.parametrize("command", ["serve", "demo"])
@pytest.mark.parametrize("port", ["0", "65536", "99999"])
def test_a_port_no_socket_can_have_is_refused_before_anything_starts(
    tmp_path: Path, command: str, port: str
) -> None:
    # In a process of its own: a server that did start would take over the test's.
    database = tmp_path / "never.sqlite3"
    url = f"sqlite:///{database}" if command == "serve" else str(database)
    source = Path(__file__).resolve().parents[2] / "src"

    outcome = subprocess.run(
        [sys.executable, "-c", "from sidelines.cli.main import main; main()", command,
         "--port", port, "--database", url],
        env={**os.environ, "PYTHONPATH": str(source)},
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip

    assert outcome.returncode == 2
    assert "Invalid value for '--port'" in outcome.stderr
    assert not database.exists()


def test_user_add_names_the_option_that_was_wrong(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'users.sqlite3'}"
    add = ["user", "add", "usa", "--role", "delegate", "--password", "long enough password"]

    outcome = CliRunner().invoke(
        app, [*add, "--event", "nope", "--party", "USA", "--database", url]
    )

    assert (outcome.exit_code, outcome.stderr) == (2, "error: --event: no event 'nope'\n")
