"""What the writes the load mix sends most cost in SQL statements and transactions, pinned.

A request sent with an Idempotency-Key is one transaction: the key claimed, the event read, the
parties locked and the duplicates looked for, the request, its proposal, sides and terms and its
two audit entries with their audience inserted (a table at a time on SQLite, in one statement
on PostgreSQL), the answer stored with the key, and the outbox's receivers read (its users and
webhooks in one statement). An answer that neither agrees nor counters is one transaction too.
Each route is called once to warm the caches (the event, the token), then counted; ``BEGIN`` is
not counted (SQLite sends it as a statement, PostgreSQL does not).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import event

from sidelines.storage.db import Database
from tests.web.helpers import Lima, lima_api, post_request, request_body, url


@dataclass
class Seen:
    statements: list[str] = field(default_factory=list)
    transactions: int = 0


@contextmanager
def counted(database: Database) -> Iterator[Seen]:
    seen = Seen()

    def statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        if not sql.startswith("BEGIN"):
            seen.statements.append(sql.split()[0])

    def begin(_conn: Any) -> None:
        seen.transactions += 1

    event.listen(database.engine, "before_cursor_execute", statement)
    event.listen(database.engine, "begin", begin)
    try:
        yield seen
    finally:
        event.remove(database.engine, "before_cursor_execute", statement)
        event.remove(database.engine, "begin", begin)


def send(api: Lima, party: str, invitee: str, key: str) -> Callable[[], int]:
    def call() -> int:
        headers = {**api.as_(party), "Idempotency-Key": key}
        response = api.client.post(url("/requests"), json=request_body(invitee), headers=headers)
        return response.status_code

    return call


def test_a_request_sent_with_a_key_is_one_transaction_of_13_statements_or_8_on_postgresql(
    database: Database,
) -> None:
    api = lima_api(database)
    assert send(api, "RUS", "JPN", "warm-up")() == 201

    with counted(database) as seen:
        status = send(api, "RUS", "USA", "rus-usa")()

    assert status == 201
    assert seen.transactions == 1
    # Request, proposal, sides, terms, audit entries and their audience: a statement per table
    # on SQLite, one (a WITH of inserts) on PostgreSQL.
    rows = ["WITH"] if database.dialect == "postgresql" else ["INSERT"] * 6
    assert sorted(seen.statements) == sorted(
        ["INSERT", "UPDATE"]  # the key claimed, then its answer stored
        # The event, the parties locked, the open requests to the invitee, and the invitee's
        # open requests to the requester (a request back in their format is refused).
        + ["SELECT"] * 4
        + rows
        + ["SELECT"]  # the outbox's receivers: users and webhooks in one statement
    )


def test_a_request_sent_again_with_its_key_replays_in_one_transaction_of_2_statements(
    database: Database,
) -> None:
    api = lima_api(database)
    again = send(api, "RUS", "USA", "rus-usa")
    assert again() == 201

    with counted(database) as seen:
        status = again()

    assert status == 201
    assert (seen.transactions, seen.statements) == (1, ["INSERT", "SELECT"])


@pytest.mark.parametrize("what", ["defer", "soft_decline"])
def test_an_answer_that_agrees_nothing_is_one_transaction_of_11_statements(
    database: Database, what: str
) -> None:
    api = lima_api(database)
    warm = post_request(api, "JPN", "USA")
    counted_request = post_request(api, "RUS", "USA")
    body = {"answer": what}
    first = api.client.post(
        url(f"/requests/{warm['id']}/answers"), json=body, headers=api.as_("USA")
    )
    assert first.status_code == 200, first.text

    with counted(database) as seen:
        answered = api.client.post(
            url(f"/requests/{counted_request['id']}/answers"), json=body, headers=api.as_("USA")
        )

    assert answered.status_code == 200, answered.text
    assert seen.transactions == 1
    assert sorted(seen.statements) == sorted(
        ["SELECT"] * 4  # the request locked, its sides, the event, its terms
        + ["UPDATE"] * 2  # the request's state, the answering side
        + ["INSERT"] * 2  # the audit entry and its audience
        + ["SELECT"]  # the proposals, for the view answered
        + ["SELECT"]  # the outbox's receivers: users and webhooks in one statement
    )
