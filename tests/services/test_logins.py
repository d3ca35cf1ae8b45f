"""The organiser's list of the delegations' logins: names and sessions, never a secret."""

from __future__ import annotations

import pytest

from sidelines.services import accounts, logins
from sidelines.services.actors import Role
from sidelines.services.errors import Forbidden, NotFound
from sidelines.storage.db import Database
from tests.services.world import make_world


def test_the_organiser_sees_each_delegations_logins_and_their_open_sessions(
    database: Database,
) -> None:
    world = make_world(database, "ev", ["AAA", "BBB"])
    accounts.create_user(
        database, "aaa.sherpa", "a-long-password", Role.DELEGATE, event_id="ev", party_id="AAA"
    )
    accounts.log_in(database, "aaa.sherpa", "a-long-password")

    seen = logins.event_logins(database, world.organiser, "ev")

    assert [(login.party_id, login.username, login.active_sessions) for login in seen] == [
        ("AAA", "aaa.sherpa", 1),
        ("AAA", "ev.AAA", 0),
        ("BBB", "ev.BBB", 0),
    ]


def test_a_delegation_cannot_list_the_logins_and_an_unknown_event_is_not_found(
    database: Database,
) -> None:
    world = make_world(database, "ev", ["AAA", "BBB"])

    with pytest.raises(Forbidden):
        logins.event_logins(database, world.delegates["AAA"], "ev")
    with pytest.raises(NotFound):
        logins.event_logins(database, world.organiser, "no-such-event")
