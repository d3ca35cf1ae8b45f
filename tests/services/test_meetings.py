"""A delegation's agenda is kept while nothing of it changes (``meetings.agenda``): meetings of
other delegations do not make it be built again, its own do."""

from __future__ import annotations

from sidelines.domain import MeetingFormat
from sidelines.domain.negotiation import Answer
from sidelines.services import meetings, negotiation, solves
from sidelines.services.negotiation import Terms
from sidelines.storage.db import Database
from tests import builders
from tests.services.world import World, make_world, two_people_company

EVENT = "agenda-kept"


def published_world(database: Database) -> World:
    spaces = [builders.table(f"T{i}") for i in range(3)]
    world = make_world(database, EVENT, ["HOST", "G1", "G2", "G3"], spaces=spaces)
    run = solves.start_solve(database, world.organiser, EVENT, time_limit_s=5)
    solves.publish(database, world.organiser, EVENT, solves.wait_for_run(database, run.id).id)
    return world


def agree(database: Database, world: World, requester: str, invitee: str, hour: int) -> None:
    """A meeting of the two, agreed and so placed in the published schedule."""
    terms = Terms(format=MeetingFormat.B2B, windows=(builders.span((hour, 0), (hour, 30)),))
    request = negotiation.create_request(
        database, world.delegates[requester], EVENT, [invitee], terms
    )
    negotiation.respond(database, world.delegates[invitee], EVENT, request.id, Answer.ACCEPT)


def test_an_agenda_is_kept_while_only_other_delegations_meetings_change(
    database: Database,
) -> None:
    world = published_world(database)
    agree(database, world, "HOST", "G1", 9)
    first = meetings.agenda(database, world.delegates["G1"], EVENT)

    agree(database, world, "G2", "G3", 10)  # the event's meetings change, not G1's

    assert meetings.agenda(database, world.delegates["G1"], EVENT) is first


def test_an_agenda_is_built_again_when_a_meeting_of_its_own_changes(database: Database) -> None:
    world = published_world(database)
    agree(database, world, "HOST", "G1", 9)
    first = meetings.agenda(database, world.delegates["G1"], EVENT)

    agree(database, world, "G1", "G2", 11)

    again = meetings.agenda(database, world.delegates["G1"], EVENT)
    assert again is not first
    assert len(again.items) == len(first.items) + 1


def test_an_agenda_says_which_of_two_representatives_goes_to_each_meeting(
    database: Database,
) -> None:
    # A company with two people at a fair holds meetings at the same time at two tables:
    # each of them must read on the company's agenda which meetings are theirs.
    company = two_people_company(database)

    items = meetings.agenda(database, company, "two-people").items

    assert sorted((item.title, item.attending) for item in items) == [
        ("Meeting with B", ("Ana Ruiz",)),
        ("Meeting with C", ("Ben Ode",)),
    ]
