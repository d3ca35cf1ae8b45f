"""The results report: what each delegation asked and got, as each reader may read it, with
fairness for the organiser; a fixed number of statements whatever the event's size."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, func, select

from sidelines import i18n
from sidelines.domain import EventPolicy, MeetingFormat, OrganiserSees, TimeSpan
from sidelines.domain.negotiation import Answer
from sidelines.i18n import service_texts
from sidelines.services import attendance, negotiation, results, solves
from sidelines.services.actors import PUBLIC
from sidelines.services.errors import NotFound
from sidelines.services.negotiation import Terms
from sidelines.services.results import WAITING_REASON
from sidelines.storage.db import Database
from sidelines.storage.tables import SolveRunRow
from tests import builders
from tests.services.world import World, agree, make_world

START = builders.at(9, 0)
DUE = builders.at(9, 10)


def _world(
    database: Database, sees: OrganiserSees = OrganiserSees.BOOKINGS
) -> tuple[World, int, int]:
    """A and B meet 09:00 (published, then B does not come); C and D wait for a place; E asked
    F, who declined."""
    world = make_world(
        database,
        "results",
        ["A", "B", "C", "D", "E", "F"],
        organiser_sees=sees,
        spaces=[builders.table("T1")],
        grain_min=10,
        policy=EventPolicy(),
    )
    ab = agree(database, world, "A", "B", TimeSpan(START, builders.at(9, 30)), priority=10)
    cd = agree(database, world, "C", "D", TimeSpan(START, builders.at(9, 30)), priority=1)
    declined = negotiation.create_request(
        database, world.delegates["E"], world.event_id, ["F"], Terms(format=MeetingFormat.B2B)
    )
    negotiation.respond(database, world.delegates["F"], world.event_id, declined.id, Answer.DECLINE)
    run = solves.start_solve(database, world.organiser, world.event_id, time_limit_s=2)
    solves.publish(
        database, world.organiser, world.event_id, solves.wait_for_run(database, run.id).id
    )
    attendance.check_in(database, world.delegates["A"], world.event_id, ab, at=START)
    return world, ab, cd


def _last_run(database: Database, world: World) -> solves.SolveRunView:
    with database.reading() as session:
        run_id = session.scalar(select(func.max(SolveRunRow.id)))
    assert run_id is not None
    return solves.get_run(database, world.organiser, world.event_id, run_id)


def _line(view: results.ResultsView, party: str) -> results.DelegationResult:
    [line] = [line for line in view.lines if line.party == party]
    return line


def test_a_delegation_reads_its_own_line_with_its_priorities(database: Database) -> None:
    world, _, _ = _world(database)

    view = results.results(database, world.delegates["B"], world.event_id, at=DUE)

    assert [line.party for line in view.lines] == ["B"]
    line = view.lines[0]
    assert (line.requested, line.received, line.accepted) == (0, 1, 1)
    assert (line.agreed, line.placed, line.held, line.no_show_absent) == (1, 1, 0, 1)
    assert (line.priority_asked, line.priority_met) == (0, 0)
    a = results.results(database, world.delegates["A"], world.event_id, at=DUE).lines[0]
    assert (a.requested, a.no_show_other, a.priority_asked, a.priority_met) == (1, 1, 10, 10)


def test_a_meeting_left_out_carries_the_engine_reason(database: Database) -> None:
    world, _, cd = _world(database)

    line = results.results(database, world.delegates["C"], world.event_id, at=START).lines[0]

    assert [(item.meeting_id, item.label) for item in line.left_out] == [(cd, "Meeting with D")]
    assert line.left_out[0].reason != WAITING_REASON
    assert line.left_out[0].reason != ""
    assert (line.priority_asked, line.priority_met) == (1, 0)


def test_a_meeting_left_out_reads_its_reason_in_russian_for_a_reader_who_chose_it(
    database: Database,
) -> None:
    world, _, cd = _world(database)
    english = results.results(database, world.delegates["C"], world.event_id, at=START)

    with i18n.speaking("ru"):
        view = results.results(database, world.delegates["C"], world.event_id, at=START)
        runs = solves.left_out(database, world.organiser, _last_run(database, world))

    [item] = _line(view, "C").left_out
    assert _line(english, "C").left_out[0].reason == (
        "every possible time for Meeting, C and D is taken by meetings of equal or higher "
        "value for C, D or by the spaces it could use"
    )
    assert item.reason == (
        "всё возможное время для встречи «Встреча: C и D» занято: у участников (C, D) — "  # noqa: RUF001
        "встречами той же или большей ценности, либо заняты все подходящие ей помещения"
    )
    assert [(r.meeting_id, r.label, r.reason) for r in runs] == [
        (cd, "Встреча: C и D", item.reason)
    ]


def test_the_organiser_who_sees_bookings_reads_no_request_and_no_priority(
    database: Database,
) -> None:
    world, _, _ = _world(database)

    view = results.results(database, world.organiser, world.event_id, at=START)

    assert [line.party for line in view.lines] == ["A", "B", "C", "D", "E", "F"]
    assert not view.requests_shown
    assert {(line.requested, line.received, line.priority_asked) for line in view.lines} == {
        (None, None, None)
    }
    assert [(line.party, line.share) for line in view.least_served] == [
        ("C", 0.0),
        ("D", 0.0),
        ("A", 1.0),
        ("B", 1.0),
    ]
    csv_lines = results.as_csv(view).splitlines()
    assert csv_lines[0].startswith("party,name,requested,received,accepted,agreed,placed")
    assert csv_lines[1] == "A,A,,,,1,1,0,0,0,0,1.00,,"


def test_the_organiser_who_sees_everything_reads_the_requests(database: Database) -> None:
    world, _, _ = _world(database, OrganiserSees.EVERYTHING)

    view = results.results(database, world.organiser, world.event_id, at=START)

    assert view.requests_shown
    assert [(line.party, line.requested, line.received, line.accepted) for line in view.lines] == [
        ("A", 1, 0, 1),
        ("B", 0, 1, 1),
        ("C", 1, 0, 1),
        ("D", 0, 1, 1),
        ("E", 1, 0, 0),
        ("F", 0, 1, 0),
    ]
    assert [line.party for line in view.least_served][:3] == ["C", "E", "A"]
    assert {line.priority_asked for line in view.lines} == {None}


def test_a_delegation_s_share_counts_what_it_asked_not_what_others_asked_of_it(
    database: Database,
) -> None:
    """A asked two meetings and got one; B's request of A was placed too. A was served half
    of what it asked, not all of it: what others asked of it is theirs."""
    world = make_world(
        database,
        "share",
        ["A", "B", "C"],
        organiser_sees=OrganiserSees.EVERYTHING,
        spaces=[builders.table("T1")],
        policy=EventPolicy(),
    )
    agree(database, world, "A", "C", TimeSpan(START, builders.at(9, 30)), priority=5)
    agree(database, world, "B", "A", TimeSpan(builders.at(10, 0), builders.at(10, 30)))
    # Asked for the same half hour as A and C: the one table holds only one of them.
    agree(database, world, "A", "B", TimeSpan(START, builders.at(9, 30)), priority=1)
    run = solves.start_solve(database, world.organiser, world.event_id, time_limit_s=2)
    solves.publish(
        database, world.organiser, world.event_id, solves.wait_for_run(database, run.id).id
    )

    organiser = results.results(database, world.organiser, world.event_id, at=START)
    own = results.results(database, world.delegates["A"], world.event_id, at=START)

    a = _line(organiser, "A")
    assert (a.requested, a.agreed, a.placed, len(a.left_out)) == (2, 3, 2, 1)
    assert a.share == 0.5
    assert _line(own, "A").share == 0.5
    assert [(line.party, line.share) for line in organiser.least_served] == [
        ("A", 0.5),
        ("B", 1.0),
    ]
    assert results.as_csv(organiser).splitlines()[1] == "A,A,2,1,3,3,2,0,0,0,1,0.50,,"


def test_the_public_reads_no_results(database: Database) -> None:
    world, _, _ = _world(database)

    with pytest.raises(NotFound):
        results.results(database, PUBLIC, world.event_id, at=START)


@contextmanager
def _counted(database: Database) -> Iterator[list[str]]:
    sent: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement)

    event.listen(database.engine, "before_cursor_execute", seen)
    try:
        yield sent
    finally:
        event.remove(database.engine, "before_cursor_execute", seen)


@pytest.mark.parametrize("reader", ["organiser", "A"])
def test_reading_the_results_sends_as_many_statements_for_many_meetings_as_for_few(
    database: Database, reader: str
) -> None:
    world, _, _ = _world(database, OrganiserSees.EVERYTHING)
    actor = world.organiser if reader == "organiser" else world.delegates["A"]
    results.results(database, actor, world.event_id, at=START)  # warm the caches
    with _counted(database) as few:
        results.results(database, actor, world.event_id, at=START)
    for other in ("C", "D", "E"):
        agree(database, world, "A", other, TimeSpan(builders.at(10, 0), builders.at(12, 0)))

    with _counted(database) as many:
        results.results(database, actor, world.event_id, at=START)

    assert len(many) == len(few)


def test_the_reason_a_meeting_agreed_after_the_solve_waits_is_said_in_the_reader_s_language() -> (
    None
):
    with i18n.speaking("ru"):
        said = service_texts.translate(WAITING_REASON)

    assert said == "согласована после последнего расчёта: ждёт следующего или места на площадке"


def test_a_delegation_name_that_reads_as_a_formula_is_quoted_and_counts_stay_numbers() -> None:
    view = results.ResultsView(
        "e", "E", None, False, [results.DelegationResult("A", "=cmd|' /C calc'!A0", agreed=2)]
    )

    assert results.as_csv(view).splitlines()[1] == "A,'=cmd|' /C calc'!A0,,,,2,0,0,0,0,0,0.00,,"
