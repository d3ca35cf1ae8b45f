"""Guessing passwords: five failures a minute per username, then 429 with Retry-After."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from sidelines.services import accounts, login_limits
from sidelines.services.actors import Role
from sidelines.storage.db import Database
from sidelines.storage.tables import LoginFailureRow
from sidelines.web.app import create_app
from tests.web.helpers import LIMA, TestClient, import_lima

PASSWORD = "kremlin-lima-2016"
ADDRESS = "testclient"  # the client address Starlette's test client reports


def client_with_login(database: Database) -> TestClient:
    import_lima(database)
    accounts.create_user(database, "russia", PASSWORD, Role.DELEGATE, event_id=LIMA, party_id="RUS")
    return TestClient(create_app(database))


def log_in(
    client: TestClient, password: str, username: str = "russia"
) -> tuple[int, dict[str, str]]:
    response = client.post("/api/auth/token", json={"username": username, "password": password})
    return response.status_code, dict(response.headers)


def fail_logins(database: Database, times: int, username: str, address: str) -> None:
    """Count failed logins as ``log_in`` does, without hashing a password for each."""
    for _ in range(times):
        database.write(lambda session: login_limits.record_failure(session, username, address))


def age_failures(database: Database, by: timedelta) -> None:
    """Let time pass for the failures counted so far."""
    with database.writing() as session:
        for failure in session.scalars(select(LoginFailureRow)):
            failure.at -= by


def test_brute_force_gets_429_even_with_the_right_password(database: Database) -> None:
    client = client_with_login(database)

    failures = [log_in(client, f"guess-{n}")[0] for n in range(5)]
    status, headers = log_in(client, PASSWORD)

    assert failures == [401] * 5
    assert status == 429
    assert 1 <= int(headers["retry-after"]) <= 60


def test_a_correct_login_after_the_window_works(database: Database) -> None:
    client = client_with_login(database)
    fail_logins(database, 5, "russia", "10.0.0.1")
    assert log_in(client, PASSWORD)[0] == 429

    age_failures(database, timedelta(seconds=61))

    assert log_in(client, PASSWORD)[0] == 201


def test_failures_for_one_username_leave_another_alone(database: Database) -> None:
    client = client_with_login(database)
    accounts.create_user(
        database, "usa", "white-house-lima", Role.DELEGATE, event_id=LIMA, party_id="USA"
    )
    fail_logins(database, 5, "russia", "10.0.0.1")

    assert log_in(client, "white-house-lima", username="usa")[0] == 201


def test_one_address_trying_many_usernames_is_stopped(database: Database) -> None:
    client = client_with_login(database)
    for n in range(19):
        fail_logins(database, 1, f"user-{n}", ADDRESS)

    last_guess = log_in(client, "guess", username="user-19")[0]

    assert (last_guess, log_in(client, PASSWORD)[0]) == (401, 429)
