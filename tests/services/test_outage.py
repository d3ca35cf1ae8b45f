"""The database lost between an agreement and its placement: the agreement stands, as answered."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.exc import OperationalError

from sidelines.services import negotiation, placing
from sidelines.services.actors import Actor
from sidelines.services.negotiation import RequestState, Terms
from sidelines.storage.db import Database
from tests.services.world import make_world


@pytest.fixture
def database_lost_after_agreeing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every placement finds the database gone, as when PostgreSQL stops just after the
    agreement's transaction committed."""

    def unavailable(
        _db: Database, _actor: Actor, _event_id: str, _meeting_id: int, _at: datetime
    ) -> placing.PlacementView:
        raise OperationalError("SELECT 1", None, ConnectionError("server closed the connection"))

    monkeypatch.setattr(placing, "_place_once", unavailable)


@pytest.mark.usefixtures("database_lost_after_agreeing")
def test_an_acceptance_is_answered_as_done_when_its_placement_finds_no_database(
    database: Database,
) -> None:
    world = make_world(database, "ev", ["AAA", "BBB"])
    asked = negotiation.create_request(database, world.delegates["AAA"], "ev", ["BBB"], Terms())

    accepted = negotiation.respond(
        database, world.delegates["BBB"], "ev", asked.id, negotiation.Answer.ACCEPT
    )

    assert accepted.state is RequestState.ACCEPTED
    assert accepted.meeting_id is not None
    seen = negotiation.get_request(database, world.delegates["AAA"], "ev", asked.id)
    assert seen.state is RequestState.ACCEPTED


@pytest.mark.usefixtures("database_lost_after_agreeing")
def test_an_agreement_on_site_says_its_meeting_waits_when_the_database_is_lost(
    database: Database,
) -> None:
    world = make_world(database, "ev", ["AAA", "BBB"])
    asked = negotiation.create_request(database, world.delegates["AAA"], "ev", ["BBB"], Terms())

    view, placement = negotiation.agree_on_site(database, world.delegates["AAA"], "ev", asked.id)

    assert view.state is RequestState.ACCEPTED
    assert placement is not None
    assert (placement.placed, placement.reason) == (False, "the database was unavailable")
