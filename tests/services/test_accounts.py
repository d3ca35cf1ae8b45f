"""Token owners kept per process: a token revoked by another process is refused once the
short cache window has passed, and at once by the process that revoked it."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from sidelines.services import accounts
from sidelines.services.actors import Role
from sidelines.services.clock import now
from sidelines.services.errors import Unauthenticated
from sidelines.storage.db import Database
from sidelines.storage.tables import TokenRow
from tests.services.world import make_world


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
