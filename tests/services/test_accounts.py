"""Token owners kept per process: a token revoked by another process is refused once the
short cache window has passed, and at once by the process that revoked it."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from sidelines.services import accounts
from sidelines.services.actors import Role
from sidelines.services.clock import now
from sidelines.services.errors import Conflict, ServiceError, Unauthenticated
from sidelines.storage.db import Database
from sidelines.storage.tables import TokenRow
from tests.services.world import make_world

# How long the second account may take while the first waits uncommitted.
WAIT_S = 5


def _revoke_elsewhere(database: Database, token: str) -> None:
    """What another worker process does: the row changes, this process's cache does not."""
    digest = accounts.hash_token(token)

    def work(session: Session) -> None:
        session.execute(
            update(TokenRow).where(TokenRow.token_hash == digest).values(revoked_at=now())
        )

    database.write(work)


def test_a_token_revoked_by_another_process_is_refused_after_the_cache_window(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_world(database, "ev", ["AAA"])
    accounts.create_user(
        database, "aaa.sherpa", "a-long-password", Role.DELEGATE, event_id="ev", party_id="AAA"
    )
    token = accounts.log_in(database, "aaa.sherpa", "a-long-password").token
    clock = [1000.0]
    monkeypatch.setattr(accounts.time, "monotonic", lambda: clock[0])
    assert accounts.actor_for_token(database, token).party_id == "AAA"

    _revoke_elsewhere(database, token)
    clock[0] += accounts.TOKEN_CACHE_S - 0.5
    assert accounts.known_actor(token) is not None  # still within the window

    clock[0] += 1.0
    assert accounts.known_actor(token) is None
    with pytest.raises(Unauthenticated):
        accounts.actor_for_token(database, token)


def test_the_process_that_revokes_a_token_refuses_it_at_once(database: Database) -> None:
    make_world(database, "ev", ["AAA"])
    accounts.create_user(
        database, "aaa.sherpa", "a-long-password", Role.DELEGATE, event_id="ev", party_id="AAA"
    )
    token = accounts.log_in(database, "aaa.sherpa", "a-long-password").token
    accounts.actor_for_token(database, token)

    accounts.revoke_token(database, token)

    assert accounts.known_actor(token) is None
    with pytest.raises(Unauthenticated):
        accounts.actor_for_token(database, token)


def test_a_lookup_checks_again_the_other_tokens_in_use_and_drops_the_revoked(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_world(database, "ev", ["AAA", "BBB", "CCC"])
    tokens = {}
    for party in ("AAA", "BBB", "CCC"):
        username = f"{party.lower()}.sherpa"
        accounts.create_user(
            database, username, "a-long-password", Role.DELEGATE, event_id="ev", party_id=party
        )
        tokens[party] = accounts.log_in(database, username, "a-long-password").token
    clock = [1000.0]
    monkeypatch.setattr(accounts.time, "monotonic", lambda: clock[0])
    accounts.actor_for_token(database, tokens["AAA"])
    clock[0] += 2.0
    accounts.actor_for_token(database, tokens["BBB"])
    accounts.actor_for_token(database, tokens["CCC"])
    _revoke_elsewhere(database, tokens["CCC"])

    clock[0] += 4.0  # AAA's entry has expired, BBB's and CCC's are past half-way
    assert accounts.actor_for_token(database, tokens["AAA"]).party_id == "AAA"

    assert accounts.known_actor(tokens["CCC"]) is None  # refused sooner than its window
    clock[0] += accounts.TOKEN_CACHE_S - 0.5  # BBB's entry was checked with AAA's
    known = accounts.known_actor(tokens["BBB"])
    assert known is not None
    assert known.party_id == "BBB"


# PostgreSQL only: SQLite takes the writers' lock at BEGIN, so no write commits in between.
@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_one_username_taken_twice_at_the_same_moment_is_refused_as_taken(
    database: Database,
) -> None:
    """The second account is written after the first's was inserted and before it committed:
    the second looked for the name before the first's row could be seen, and finds it taken
    only when the database refuses its row. It is refused as taken, not as a server error."""
    second: list[int | ServiceError] = []

    def create_second() -> None:
        try:
            second.append(accounts.create_user(database, "desk", "a-long-password", Role.ORGANISER))
        except ServiceError as error:
            second.append(error)

    creating = threading.Thread(target=create_second)

    def meanwhile(_session: Session, _user_id: int) -> None:
        # The second waits for the first's row (the unique username): it finishes once this
        # transaction commits.
        creating.start()
        creating.join(WAIT_S)

    first = accounts.create_user(
        database, "desk", "a-long-password", Role.ORGANISER, also=meanwhile
    )
    creating.join(60)

    assert isinstance(first, int)
    assert [type(outcome) for outcome in second] == [Conflict]
