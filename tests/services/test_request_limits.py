"""The event's limits on open requests: a cap per delegation, a cap per party invited, and no
second open request between two parties for the same format; each refused with nothing
written, each with its feasible twin."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from sidelines.domain import EventPolicy, MeetingFormat
from sidelines.domain.negotiation import Answer
from sidelines.services import negotiation
from sidelines.services.negotiation import Terms
from sidelines.services.request_limits import DuplicateRequest, RequestLimit
from sidelines.storage.db import Database
from sidelines.storage.tables import RequestRow
from tests.services.world import World, make_world

B2B = Terms(format=MeetingFormat.B2B)
BILATERAL = Terms(format=MeetingFormat.BILATERAL_RESTRICTED)


def _world(database: Database, **policy: int | bool) -> World:
    return make_world(database, "limits", ["A", "B", "C", "D"], policy=EventPolicy(**policy))


def _ask(database: Database, world: World, a: str, b: str, terms: Terms = B2B) -> int:
    return negotiation.create_request(database, world.delegates[a], world.event_id, [b], terms).id


def _requests(database: Database) -> int:
    with database.reading() as session:
        return session.scalar(select(func.count()).select_from(RequestRow)) or 0


def test_a_second_open_request_for_the_same_format_points_at_the_first(
    database: Database,
) -> None:
    world = _world(database)
    first = _ask(database, world, "A", "B")

    with pytest.raises(DuplicateRequest) as refused:
        _ask(database, world, "A", "B")

    assert (refused.value.request_id, refused.value.field) == (first, "invitees[0]")
    assert refused.value.details() == {"request_id": first}
    assert _requests(database) == 1


def test_the_other_side_may_ask_back_and_the_policy_may_allow_repeats(
    database: Database,
) -> None:
    world = _world(database, one_open_request_per_format=False)
    first = _ask(database, world, "A", "B")

    back = _ask(database, world, "B", "A")
    repeat = _ask(database, world, "A", "B")

    assert len({first, back, repeat}) == 3
    assert _requests(database) == 3


def test_another_format_or_a_closed_first_request_is_no_duplicate(database: Database) -> None:
    world = _world(database)
    first = _ask(database, world, "A", "B")

    other_format = _ask(database, world, "A", "B", BILATERAL)
    negotiation.respond(database, world.delegates["B"], world.event_id, first, Answer.DECLINE)
    again = _ask(database, world, "A", "B")

    assert len({first, other_format, again}) == 3
    assert _requests(database) == 3


def test_a_delegation_at_its_cap_is_refused_until_one_closes(database: Database) -> None:
    world = _world(database, max_open_requests_per_party=2)
    first = _ask(database, world, "A", "B")
    _ask(database, world, "A", "C")

    with pytest.raises(RequestLimit) as refused:
        _ask(database, world, "A", "D")
    negotiation.withdraw_request(database, world.delegates["A"], world.event_id, first)
    allowed = _ask(database, world, "A", "D")

    assert refused.value.field == "invitees"
    assert refused.value.status == 409
    assert allowed != first  # a new request, not the withdrawn one again
    assert _requests(database) == 3


def test_a_party_at_its_cap_of_requests_to_answer_is_refused(database: Database) -> None:
    world = _world(database, max_open_requests_per_target=1)
    _ask(database, world, "A", "B")

    with pytest.raises(RequestLimit) as refused:
        negotiation.create_request(database, world.delegates["C"], world.event_id, ["D", "B"], B2B)
    allowed = _ask(database, world, "C", "D")

    assert refused.value.field == "invitees[1]"
    assert allowed > 0
    assert _requests(database) == 2


def test_a_draft_is_checked_when_it_is_sent(database: Database) -> None:
    world = _world(database)
    _ask(database, world, "A", "B")
    draft = negotiation.create_request(
        database, world.delegates["A"], world.event_id, ["B"], B2B, send_now=False
    )

    with pytest.raises(DuplicateRequest):
        negotiation.send_request(database, world.delegates["A"], world.event_id, draft.id)

    view = negotiation.get_request(database, world.delegates["A"], world.event_id, draft.id)
    assert view.state == "draft"


def test_asking_back_while_the_other_sides_request_is_open_points_at_it(
    database: Database,
) -> None:
    # At a partnering fair both companies often pick each other: two requests accepted would
    # be two meetings of the same pair, and one of the tables' slots wasted.
    world = _world(database)
    first = _ask(database, world, "A", "B")

    with pytest.raises(DuplicateRequest) as refused:
        _ask(database, world, "B", "A")

    assert (refused.value.request_id, refused.value.field) == (first, "invitees[0]")
    assert refused.value.message == (
        f"A has asked you for this format already (request {first}); answer it instead"
    )
    assert _requests(database) == 1
