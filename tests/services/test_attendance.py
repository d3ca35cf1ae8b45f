"""Check-in and no-shows: a side that does not come frees the time, which is offered at once to
a meeting that waits; its sides confirm it, or the offer is released."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from sidelines.domain import EventPolicy, TimeSpan
from sidelines.domain.negotiation import MeetingStatus
from sidelines.services import attendance, schedule_versions, solves
from sidelines.services.delivery import MailSettings
from sidelines.services.errors import Conflict, Forbidden, Invalid, NotFound
from sidelines.services.worker import WorkerContext, deliver
from sidelines.storage.db import Database
from sidelines.storage.tables import MeetingRow, NoShowRow, OutcomeRow
from tests import builders
from tests.receivers import smtp_receiver
from tests.services.messaging import FAST, listen
from tests.services.world import World, agree, double_bookings, make_world

START = builders.at(9, 0)
DUE = builders.at(9, 10)  # ten minutes after the start: the policy's default


def _world(database: Database, policy: EventPolicy | None = None) -> tuple[World, int, int]:
    """One table, 10-minute steps. A and B (heavy) hold it 09:00-09:30; C and D want
    09:00-09:40 too and wait. The two meetings' ids."""
    world = make_world(
        database,
        "attend",
        ["A", "B", "C", "D"],
        spaces=[builders.table("T1")],
        grain_min=10,
        policy=policy or EventPolicy(),
    )
    ab = agree(database, world, "A", "B", TimeSpan(START, builders.at(9, 30)), priority=10)
    cd = agree(database, world, "C", "D", TimeSpan(START, builders.at(9, 40)), priority=1)
    run = solves.start_solve(database, world.organiser, world.event_id, time_limit_s=2)
    run = solves.wait_for_run(database, run.id)
    solves.publish(database, world.organiser, world.event_id, run.id)
    return world, ab, cd


def _row(database: Database, meeting_id: int) -> MeetingRow:
    with database.reading() as session:
        row = session.get(MeetingRow, meeting_id)
        assert row is not None
        return row


def _kinds(database: Database, world: World, party: str) -> list[str]:
    return [
        n.kind for n in schedule_versions.notices(database, world.delegates[party], world.event_id)
    ]


def test_a_no_show_is_marked_and_its_time_offered_to_a_waiting_meeting(
    database: Database,
) -> None:
    world, ab, cd = _world(database)
    assert (_row(database, ab).starts_at, _row(database, cd).status) == (START, "agreed")
    attendance.check_in(
        database, world.delegates["A"], world.event_id, ab, channel="page", at=START
    )

    swept = attendance.sweep(database, world.event_id, DUE)

    assert (swept.no_shows, swept.offered, swept.released) == ([ab], [cd], [])
    assert swept.refill_ms is not None
    assert swept.refill_ms < 1000
    assert _row(database, ab).status == MeetingStatus.NOT_HELD
    refilled = _row(database, cd)
    assert (refilled.status, refilled.starts_at, refilled.space_id) == (
        MeetingStatus.SCHEDULED,
        DUE,
        "T1",
    )
    with database.reading() as session:
        no_show = session.get(NoShowRow, ab)
        assert no_show is not None
        assert (no_show.absent, no_show.starts_at, no_show.space_id) == (["B"], START, "T1")
        outcome = session.get(OutcomeRow, ab)
        assert outcome is not None
        assert outcome.status == MeetingStatus.NOT_HELD
        assert double_bookings(session, world.event_id) == []
    assert _kinds(database, world, "A")[-1] == "no_show"
    assert _kinds(database, world, "B")[-1] == "no_show"
    assert _kinds(database, world, "C")[-1] == "offered"
    view = attendance.attendance(database, world.delegates["C"], world.event_id, cd, at=DUE)
    assert view.refill is not None
    assert (view.refill.state, view.refill.freed_by, view.refill.confirmed_by) == (
        "offered",
        ab,
        (),
    )


def test_a_refill_counts_once_both_sides_confirm(database: Database) -> None:
    world, ab, cd = _world(database)
    attendance.check_in(database, world.delegates["A"], world.event_id, ab, at=START)
    attendance.sweep(database, world.event_id, DUE)

    first = attendance.confirm_refill(database, world.delegates["C"], world.event_id, cd, at=DUE)
    second = attendance.confirm_refill(database, world.delegates["D"], world.event_id, cd, at=DUE)

    assert first.refill is not None
    assert (first.refill.state, first.refill.confirmed_by) == ("offered", ("C",))
    assert second.refill is not None
    assert (second.refill.state, second.refill.confirmed_by) == ("confirmed", ("C", "D"))
    # Confirmed, it stays when the confirmation time is over.
    late = attendance.sweep(database, world.event_id, DUE + timedelta(minutes=15))
    assert late.released == []
    assert _row(database, cd).starts_at == DUE


def test_an_unconfirmed_refill_is_released_and_waits_again(database: Database) -> None:
    world, ab, cd = _world(database)
    attendance.check_in(database, world.delegates["A"], world.event_id, ab, at=START)
    attendance.sweep(database, world.event_id, DUE)
    attendance.confirm_refill(database, world.delegates["C"], world.event_id, cd, at=DUE)

    late = attendance.sweep(database, world.event_id, DUE + timedelta(minutes=10))

    assert (late.no_shows, late.offered, late.released) == ([], [], [cd])
    row = _row(database, cd)
    assert (row.status, row.starts_at) == (MeetingStatus.AGREED, None)
    assert _kinds(database, world, "D")[-1] == "released"
    with pytest.raises(Conflict):
        attendance.confirm_refill(
            database, world.delegates["D"], world.event_id, cd, at=DUE + timedelta(minutes=11)
        )


def test_the_time_of_a_released_refill_is_offered_to_the_next_meeting_that_waits(
    database: Database,
) -> None:
    """A and B hold the table 09:00-09:30; C and D (preferred) and E and F wait for it. B does
    not come: C and D are offered 09:10 and let it lapse; at 09:20 E and F are offered what is
    left of that time, and C and D are not offered it again."""
    world = make_world(
        database,
        "attend",
        ["A", "B", "C", "D", "E", "F"],
        spaces=[builders.table("T1")],
        grain_min=10,
        policy=EventPolicy(),
    )
    ab = agree(database, world, "A", "B", TimeSpan(START, builders.at(9, 30)), priority=10)
    cd = agree(database, world, "C", "D", TimeSpan(START, builders.at(9, 40)), priority=5)
    ef = agree(database, world, "E", "F", TimeSpan(START, builders.at(9, 50)), priority=1)
    run = solves.start_solve(database, world.organiser, world.event_id, time_limit_s=2)
    run = solves.wait_for_run(database, run.id)
    solves.publish(database, world.organiser, world.event_id, run.id)
    assert [_row(database, m).status for m in (cd, ef)] == ["agreed", "agreed"]
    attendance.check_in(database, world.delegates["A"], world.event_id, ab, at=START)
    first = attendance.sweep(database, world.event_id, DUE)
    assert (first.no_shows, first.offered) == ([ab], [cd])

    lapsed_at = DUE + timedelta(minutes=10)
    late = attendance.sweep(database, world.event_id, lapsed_at)

    assert (late.no_shows, late.released, late.offered) == ([], [cd], [ef])
    assert (_row(database, cd).status, _row(database, cd).starts_at) == ("agreed", None)
    refilled = _row(database, ef)
    assert (refilled.status, refilled.starts_at, refilled.space_id) == (
        MeetingStatus.SCHEDULED,
        lapsed_at,
        "T1",
    )
    assert _kinds(database, world, "C")[-1] == "released"
    assert _kinds(database, world, "E")[-1] == "offered"
    view = attendance.attendance(database, world.delegates["E"], world.event_id, ef, at=lapsed_at)
    assert view.refill is not None
    assert (view.refill.state, view.refill.freed_by) == ("offered", ab)
    with database.reading() as session:
        assert double_bookings(session, world.event_id) == []


@pytest.mark.parametrize(
    ("checked_in", "at"),
    [
        ((), DUE),  # nobody checked in: the event may not use check-in; nothing is marked
        (("A", "B"), DUE),  # both came
        (("A",), DUE - timedelta(minutes=1)),  # not yet ten minutes
    ],
)
def test_no_no_show_without_a_missing_side_after_the_wait(
    database: Database, checked_in: tuple[str, ...], at: datetime
) -> None:
    world, ab, cd = _world(database)
    for party in checked_in:
        attendance.check_in(database, world.delegates[party], world.event_id, ab, at=START)

    assert attendance.sweep(database, world.event_id, at) == attendance.SweepView()
    assert attendance.sweep_if_due(database, world.event_id, at) is None
    assert _row(database, ab).status == MeetingStatus.SCHEDULED
    assert _row(database, cd).status == MeetingStatus.AGREED


def test_a_no_show_waits_as_many_minutes_as_the_events_policy_says(database: Database) -> None:
    world, ab, cd = _world(database, EventPolicy(no_show_after_min=20))
    assert _row(database, ab).status == MeetingStatus.SCHEDULED
    attendance.check_in(database, world.delegates["A"], world.event_id, ab, at=START)

    assert attendance.sweep(database, world.event_id, builders.at(9, 19)) == attendance.SweepView()
    swept = attendance.sweep(database, world.event_id, builders.at(9, 20))

    assert swept.no_shows == [ab]
    assert _row(database, ab).status == MeetingStatus.NOT_HELD
    # C and D asked for 09:00-09:40: the 20 minutes left of it are too short for their meeting.
    assert (swept.offered, _row(database, cd).status) == ([], MeetingStatus.AGREED)


def test_the_organiser_scans_the_door_code_for_a_side(database: Database) -> None:
    world, ab, _ = _world(database)
    code = attendance.door_code(world.event_id, ab)

    view = attendance.check_in_by_code(
        database, world.organiser, world.event_id, code, "B", at=START
    )
    again = attendance.check_in(database, world.delegates["B"], world.event_id, ab, at=DUE)

    assert view.checked_in == (("B", START),)
    assert again.checked_in == (("B", START),)  # the first arrival stands
    assert view.code == code


@pytest.mark.parametrize(
    ("who", "party", "error", "field"),
    [
        ("C", None, NotFound, ""),  # not a side: the meeting is not theirs to see
        ("A", "B", Forbidden, ""),  # a delegation checks in for itself only
        ("organiser", None, Invalid, "party"),
        ("organiser", "C", Invalid, "party"),
    ],
)
def test_a_check_in_by_the_wrong_actor_is_refused_and_writes_nothing(
    database: Database, who: str, party: str | None, error: type[Exception], field: str
) -> None:
    world, ab, _ = _world(database)
    actor = world.organiser if who == "organiser" else world.delegates[who]

    with pytest.raises(error) as raised:
        attendance.check_in(database, actor, world.event_id, ab, party=party, at=START)

    assert getattr(raised.value, "field", "") == field
    view = attendance.attendance(database, world.organiser, world.event_id, ab, at=START)
    assert view.checked_in == ()


def test_a_check_in_outside_the_meeting_or_with_a_bad_code_is_refused(
    database: Database,
) -> None:
    world, ab, cd = _world(database)

    with pytest.raises(Conflict):
        attendance.check_in(
            database, world.delegates["A"], world.event_id, ab, at=START - timedelta(hours=2)
        )
    with pytest.raises(Conflict):
        attendance.check_in(database, world.delegates["C"], world.event_id, cd, at=START)
    with pytest.raises(Invalid) as bad:
        attendance.check_in_by_code(
            database, world.organiser, world.event_id, f"{ab}-0000", "A", at=START
        )
    assert bad.value.field == "code"
    with database.reading() as session:
        assert session.scalars(select(NoShowRow)).all() == []


def test_both_sides_checking_in_to_a_refill_confirm_it(database: Database) -> None:
    world, ab, cd = _world(database)
    attendance.check_in(database, world.delegates["A"], world.event_id, ab, at=START)
    attendance.sweep(database, world.event_id, DUE)

    attendance.check_in(database, world.delegates["C"], world.event_id, cd, at=DUE)
    view = attendance.check_in(database, world.delegates["D"], world.event_id, cd, at=DUE)

    assert view.refill is not None
    assert (view.refill.state, view.refill.confirmed_by) == ("confirmed", ("C", "D"))
    later = attendance.sweep(database, world.event_id, DUE + timedelta(minutes=20))
    assert later == attendance.SweepView()


def test_a_no_show_is_told_by_email_to_both_sides_and_the_offer_to_the_waiting_ones(
    database: Database,
) -> None:
    world, ab, _ = _world(database)
    for party in ("A", "B", "C"):
        listen(database, world, party, f"{party.lower()}@example.org")
    attendance.check_in(database, world.delegates["A"], world.event_id, ab, at=START)
    with smtp_receiver() as smtp:
        context = WorkerContext(database, MailSettings(port=smtp.port), FAST, name="test-worker")
        context.open()
        try:
            deliver(context)  # what the publish owed
            smtp.mails.clear()
            attendance.sweep(database, world.event_id, DUE)
            assert deliver(context) == 3
        finally:
            context.close()

    told = sorted((mail.to, mail.body("plain")) for mail in smtp.mails)
    assert [(to, "marked a no-show" in text, "offered" in text) for to, text in told] == [
        (["a@example.org"], True, False),
        (["b@example.org"], True, False),
        (["c@example.org"], False, True),
    ]
