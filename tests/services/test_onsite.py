"""Agreed on site: the meeting is agreed and placed at once, moving as few meetings as it must,
with change notices for everyone whose meeting moved; alternatives when it fits nowhere."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, select

from sidelines.domain import OrganiserSees, TimeSpan
from sidelines.domain.negotiation import Answer, RequestState
from sidelines.services import negotiation, placing, schedule_versions, solves
from sidelines.services.errors import Conflict, NotFound
from sidelines.storage.db import Database
from sidelines.storage.tables import MeetingRow
from tests import builders
from tests.services.world import World, agree, ask, double_bookings, make_world

EARLY = builders.at(9, 0)
LATE = builders.at(10, 0)
MORNING = TimeSpan(EARLY, LATE)


def _published_world(database: Database, policy: OrganiserSees) -> tuple[World, int, datetime]:
    """Parties A-E, one table; C and D's meeting (low priority) agreed for 09:00-10:00 and
    published; the meeting and where it starts."""
    world = make_world(
        database,
        "onsite",
        ["A", "B", "C", "D", "E"],
        organiser_sees=policy,
        spaces=[builders.table("T1")],
    )
    meeting_id = agree(database, world, "C", "D", MORNING, priority=1)
    run = solves.start_solve(database, world.organiser, world.event_id, time_limit_s=2)
    run = solves.wait_for_run(database, run.id)
    solves.publish(database, world.organiser, world.event_id, run.id)
    return world, meeting_id, _starts(database, meeting_id)


def _starts(database: Database, meeting_id: int) -> datetime:
    with database.reading() as session:
        row = session.get(MeetingRow, meeting_id)
        assert row is not None
        assert row.starts_at is not None
        return row.starts_at


def _request(database: Database, world: World, a: str, b: str, window: TimeSpan) -> int:
    return ask(database, world, a, b, window, priority=10)


def _slot(start: datetime) -> TimeSpan:
    return TimeSpan(start, start + timedelta(minutes=30))


def test_agreed_on_site_moves_a_meeting_and_notifies_every_side(database: Database) -> None:
    world, cd, cd_start = _published_world(database, OrganiserSees.BOOKINGS)
    other = EARLY if cd_start != EARLY else EARLY + timedelta(minutes=30)
    request_id = _request(database, world, "A", "B", _slot(cd_start))

    view, placement = negotiation.agree_on_site(
        database, world.delegates["B"], world.event_id, request_id
    )

    assert view.state is RequestState.ACCEPTED
    assert view.on_site
    assert placement is not None
    assert (placement.placed, placement.starts_at, placement.space_id, placement.version) == (
        True,
        cd_start,
        "T1",
        2,
    )
    # B learns nothing of C and D's meeting, which moved to make room.
    assert placement.moved == []
    assert _starts(database, cd) == other
    for party, kind in (("A", "placed"), ("B", "placed"), ("C", "moved"), ("D", "moved")):
        notices = schedule_versions.notices(database, world.delegates[party], world.event_id)
        assert [(n.version, n.kind) for n in notices if n.version == 2] == [(2, kind)]
    assert schedule_versions.notices(database, world.delegates["E"], world.event_id) == []
    assert schedule_versions.versions_count(database, world.event_id) == 2
    with database.reading() as session:
        assert double_bookings(session, world.event_id) == []


def test_the_organiser_who_sees_everything_sees_what_moved(database: Database) -> None:
    world, cd, cd_start = _published_world(database, OrganiserSees.EVERYTHING)
    other = EARLY if cd_start != EARLY else EARLY + timedelta(minutes=30)
    request_id = _request(database, world, "A", "B", _slot(cd_start))

    _, placement = negotiation.agree_on_site(database, world.organiser, world.event_id, request_id)

    assert placement is not None
    assert [
        (m.meeting_id, m.before[0], m.after[0] if m.after else None) for m in placement.moved
    ] == [(cd, cd_start.isoformat(), other.isoformat())]


def test_a_meeting_in_the_freeze_window_stays_and_alternatives_are_offered(
    database: Database,
) -> None:
    world, cd, cd_start = _published_world(database, OrganiserSees.BOOKINGS)
    request_id = _request(database, world, "A", "B", _slot(cd_start))

    view, placement = negotiation.agree_on_site(
        database,
        world.delegates["A"],
        world.event_id,
        request_id,
        at=cd_start - timedelta(minutes=15),  # C and D are on their way
    )

    assert view.state is RequestState.ACCEPTED
    assert placement is not None
    assert not placement.placed
    assert placement.version is None
    assert _starts(database, cd) == cd_start
    assert schedule_versions.versions_count(database, world.event_id) == 1
    assert [(a.kind, a.format, a.starts_at, a.space_id) for a in placement.alternatives] == [
        ("format", "pull_aside", cd_start, None)
    ]


def test_meetings_that_would_give_way_are_shown_to_the_organiser_only(
    database: Database,
) -> None:
    world = make_world(
        database,
        "onsite",
        ["A", "B", "C", "D"],
        organiser_sees=OrganiserSees.EVERYTHING,
        spaces=[builders.table("T1")],
    )
    nine = _slot(EARLY)
    cd = agree(database, world, "C", "D", nine, priority=1)
    run = solves.start_solve(database, world.organiser, world.event_id, time_limit_s=2)
    run = solves.wait_for_run(database, run.id)
    solves.publish(database, world.organiser, world.event_id, run.id)
    request_id = _request(database, world, "A", "B", nine)

    view, for_a = negotiation.agree_on_site(
        database, world.delegates["A"], world.event_id, request_id
    )
    assert view.meeting_id is not None
    for_organiser = placing.place_agreed(database, world.organiser, world.event_id, view.meeting_id)

    assert for_a is not None
    assert [a.kind for a in for_a.alternatives] == ["format"]
    assert [a.kind for a in for_organiser.alternatives] == ["format", "give_way"]
    give_way = for_organiser.alternatives[1]
    assert (give_way.starts_at, give_way.space_id) == (EARLY, "T1")
    assert [(m.meeting_id, m.after) for m in give_way.moves] == [(cd, None)]
    assert _starts(database, cd) == EARLY


def test_a_third_delegation_cannot_record_an_agreement_it_cannot_see(database: Database) -> None:
    world, _, cd_start = _published_world(database, OrganiserSees.BOOKINGS)
    request_id = _request(database, world, "A", "B", _slot(cd_start))

    with pytest.raises(NotFound):
        negotiation.agree_on_site(database, world.delegates["E"], world.event_id, request_id)
    with pytest.raises(NotFound):
        negotiation.agree_on_site(database, world.organiser, world.event_id, request_id)
    view = negotiation.get_request(database, world.delegates["A"], world.event_id, request_id)
    assert view.state is RequestState.SENT


def test_a_closed_request_cannot_be_agreed_on_site(database: Database) -> None:
    world, _, cd_start = _published_world(database, OrganiserSees.BOOKINGS)
    request_id = _request(database, world, "A", "B", _slot(cd_start))
    negotiation.respond(database, world.delegates["B"], world.event_id, request_id, Answer.DECLINE)

    with pytest.raises(Conflict) as refused:
        negotiation.agree_on_site(database, world.delegates["A"], world.event_id, request_id)

    assert refused.value.field == "state"
    with database.reading() as session:
        assert (
            session.scalars(select(MeetingRow).where(MeetingRow.request_id == request_id)).all()
            == []
        )


# The statements of an answer that agrees on site and moves a meeting to place its own, by
# transaction: the agreement (the request locked with the event's row, its sides, proposals
# and terms, the terms, meeting, request, principals and side written, the audit entries), the
# placement's read, and the booking (the schedule's lock, the fresh rows, the old bookings off,
# the new ones in, the meetings' rows, the current version, the new one, the audit entries and
# notices, the outbox's receivers). On PostgreSQL the booking tables are written and cleared
# with one statement for both, and the audit entries go with their notices and audience in one
# (``inserts.insert_at_once``).
AGREE_AND_PLACE_STATEMENTS = {"sqlite": [11, 1, 13], "postgresql": [10, 1, 9]}


def test_an_answer_that_agrees_and_places_costs_a_fixed_count_of_statements(
    database: Database,
) -> None:
    world, cd, cd_start = _published_world(database, OrganiserSees.EVERYTHING)
    warm = _request(database, world, "A", "E", _slot(cd_start + timedelta(hours=2)))
    negotiation.agree_on_site(database, world.organiser, world.event_id, warm)
    request_id = _request(database, world, "A", "B", _slot(cd_start))
    counts = [0]

    def statement(_conn: object, _cursor: object, sql: str, *_: object) -> None:
        if not sql.startswith("BEGIN"):  # SQLite sends it as a statement, PostgreSQL does not
            counts[-1] += 1

    def commit(*_: object) -> None:
        counts.append(0)

    event.listen(database.engine, "before_cursor_execute", statement)
    event.listen(database.engine, "commit", commit)
    try:
        _, placement = negotiation.agree_on_site(
            database, world.organiser, world.event_id, request_id
        )
    finally:
        event.remove(database.engine, "before_cursor_execute", statement)
        event.remove(database.engine, "commit", commit)

    assert placement is not None
    assert [m.meeting_id for m in placement.moved] == [cd]
    assert counts[:-1] == AGREE_AND_PLACE_STATEMENTS[database.dialect]
    with database.reading() as session:
        assert double_bookings(session, world.event_id) == []
