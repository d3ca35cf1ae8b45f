"""Which threads wait on a delegation: a step by another side that it has not answered; not
its own step, nor a closed thread. What waits comes first; the count reads at a fixed number of
statements."""

from __future__ import annotations

from sqlalchemy import event

from sidelines.domain import EventPolicy, MeetingFormat
from sidelines.domain.negotiation import Answer
from sidelines.services import inbox, negotiation
from sidelines.services.negotiation import Terms
from sidelines.storage.db import Database
from tests.services.world import make_world


def test_a_thread_waits_on_the_side_that_has_not_answered_its_last_step(
    database: Database,
) -> None:
    world = make_world(database, "ev", ["A", "B", "C"])
    a, b = world.delegates["A"], world.delegates["B"]
    asked = negotiation.create_request(database, a, "ev", ["B"], Terms())
    assert (inbox.awaits(asked, "A"), inbox.awaits(asked, "B")) == (False, True)
    assert (inbox.awaiting_count(database, a, "ev"), inbox.awaiting_count(database, b, "ev")) == (
        0,
        1,
    )

    countered = negotiation.respond(database, b, "ev", asked.id, Answer.COUNTER, counter=Terms())
    assert (inbox.awaits(countered, "A"), inbox.awaits(countered, "B")) == (True, False)

    accepted = negotiation.respond(database, a, "ev", asked.id, Answer.ACCEPT)
    assert accepted.state == "accepted"
    assert (inbox.awaits(accepted, "A"), inbox.awaits(accepted, "B")) == (False, False)
    assert inbox.awaiting_count(database, b, "ev") == 0
    assert inbox.awaiting_count(database, world.organiser, "ev") == 0


def test_what_waits_comes_first_then_the_latest_step(database: Database) -> None:
    world = make_world(database, "ev", ["A", "B", "C"])
    a, b, c = (world.delegates[p] for p in "ABC")
    from_c = negotiation.create_request(database, c, "ev", ["A"], Terms())  # waits on A
    from_b = negotiation.create_request(database, b, "ev", ["A"], Terms())
    answered = negotiation.respond(database, a, "ev", from_b.id, Answer.COUNTER, counter=Terms())
    # Another format than C's open request to A, which A could otherwise only answer.
    own = negotiation.create_request(
        database, a, "ev", ["C"], Terms(format=MeetingFormat.BILATERAL_EXPANDED, duration_min=60)
    )  # waits on C
    ordered = inbox.first_awaiting([own, answered, from_c], "A")
    assert [v.id for v in ordered] == [from_c.id, own.id, answered.id]


def test_the_count_reads_at_a_fixed_number_of_statements(database: Database) -> None:
    # Five open requests from A to B: the policy allows repeats here.
    policy = EventPolicy(one_open_request_per_format=False)
    world = make_world(database, "ev", ["A", "B"], policy=policy)
    a, b = world.delegates["A"], world.delegates["B"]

    def statements_counting() -> tuple[int, int]:
        ran: list[str] = []

        def note(*args: object) -> None:
            ran.append(str(args[2]))

        event.listen(database.engine, "before_cursor_execute", note)
        try:
            count = inbox.awaiting_count(database, b, "ev")
        finally:
            event.remove(database.engine, "before_cursor_execute", note)
        return count, len(ran)

    negotiation.create_request(database, a, "ev", ["B"], Terms())
    one, statements_for_one = statements_counting()
    for _ in range(4):
        negotiation.create_request(database, a, "ev", ["B"], Terms())
    assert statements_counting() == (one + 4, statements_for_one)
