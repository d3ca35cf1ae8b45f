"""Many delegations acting at the same moment: the database stays consistent.

Eight threads start together (a ``threading.Barrier``) and race for the same thing. Whatever the
interleaving, no principal or space is booked twice, the audit trail has one entry per state
change, and every loser gets a clean ``Conflict`` (409), never a database error.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from sidelines.domain import MeetingFormat
from sidelines.domain.negotiation import Answer, MeetingStatus, RequestState
from sidelines.services import negotiation, placing, schedule_versions, solves
from sidelines.services.clock import now
from sidelines.services.errors import Conflict, ServiceError
from sidelines.services.idempotency import Outcome, fingerprint, once, run_within
from sidelines.services.negotiation import Terms
from sidelines.services.replans import StalePlan
from sidelines.storage.db import Database
from sidelines.storage.tables import (
    AuditRow,
    MeetingRow,
    NoticeRow,
    PrincipalBookingRow,
    RequestPartyRow,
    RequestRow,
    ScheduleVersionRow,
)
from tests import builders
from tests.services.world import World, double_bookings, make_world

THREADS = 8
T = TypeVar("T")


def race(jobs: list[Callable[[], T]]) -> list[T | ServiceError]:
    """Run the jobs at once, one thread each; what each returned, or the service error it got.
    Any other exception fails the test."""
    barrier = threading.Barrier(len(jobs))
    results: list[T | ServiceError | None] = [None] * len(jobs)
    unexpected: list[BaseException] = []

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = jobs[index]()
        except ServiceError as error:
            results[index] = error
        except BaseException as error:
            unexpected.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert unexpected == []
    return [r for r in results if r is not None]


def audit_actions(db: Database, event_id: str) -> Counter[str]:
    with db.reading() as session:
        return Counter(
            session.scalars(select(AuditRow.action).where(AuditRow.event_id == event_id))
        )


def assert_no_double_booking(db: Database, event_id: str) -> None:
    with db.reading() as session:
        assert double_bookings(session, event_id) == []


def publish_empty_schedule(db: Database, world: World) -> None:
    run = solves.start_solve(db, world.organiser, world.event_id, time_limit_s=5)
    run = solves.wait_for_run(db, run.id)
    solves.publish(db, world.organiser, world.event_id, run.id)


def test_accepting_at_once_places_one_meeting_per_principal_slot(database: Database) -> None:
    # Eight delegations each accept a request of HOST's for the same half hour: all of them
    # agree, one meeting gets the slot, the others wait unplaced for the next solve.
    guests = [f"G{i}" for i in range(THREADS)]
    spaces = [builders.table(f"T{i}") for i in range(THREADS)]
    world = make_world(database, "race-accept", ["HOST", *guests], spaces=spaces)
    publish_empty_schedule(database, world)
    first_slot = Terms(format=MeetingFormat.B2B, windows=(builders.span((9, 0), (9, 30)),))
    host = world.delegates["HOST"]
    requests = {
        guest: negotiation.create_request(database, host, world.event_id, [guest], first_slot)
        for guest in guests
    }
    before = audit_actions(database, world.event_id)

    outcomes = race(
        [
            (
                lambda g=guest: negotiation.respond(
                    database, world.delegates[g], world.event_id, requests[g].id, Answer.ACCEPT
                )
            )
            for guest in guests
        ]
    )

    assert [o.state for o in outcomes if not isinstance(o, ServiceError)] == [
        RequestState.ACCEPTED
    ] * THREADS
    with database.reading() as session:
        statuses = Counter(
            session.scalars(select(MeetingRow.status).where(MeetingRow.event_id == world.event_id))
        )
        bookings = session.scalars(
            select(PrincipalBookingRow.principal_id).where(
                PrincipalBookingRow.event_id == world.event_id
            )
        ).all()
    assert statuses == {MeetingStatus.SCHEDULED: 1, MeetingStatus.AGREED: THREADS - 1}
    # HOST and the one guest whose meeting got the slot.
    assert sorted(bookings)[1:] == ["HOST"]
    assert len(bookings) == 2
    assert_no_double_booking(database, world.event_id)
    after = audit_actions(database, world.event_id) - before
    assert after == {
        "request.accept": THREADS,
        "meeting.agreed": THREADS,
        "meeting.scheduled": 1,
        "schedule.published": 1,
    }


def test_acceptances_at_once_all_get_a_place_while_one_is_free(database: Database) -> None:
    # Eight pairs accept at once, each free the whole morning, with room for all of them: the
    # plans collide on the earliest free place, yet no agreement is left waiting unplaced.
    hosts = [f"H{i}" for i in range(THREADS)]
    guests = [f"G{i}" for i in range(THREADS)]
    spaces = [builders.table("T0"), builders.table("T1")]
    world = make_world(database, "race-free-day", [*hosts, *guests], spaces=spaces)
    publish_empty_schedule(database, world)
    morning = Terms(format=MeetingFormat.B2B, windows=(builders.span((9, 0), (12, 0)),))
    requests = [
        negotiation.create_request(
            database, world.delegates[host], world.event_id, [guest], morning
        )
        for host, guest in zip(hosts, guests, strict=True)
    ]

    race(
        [
            (
                lambda g=guest, r=request: negotiation.respond(
                    database, world.delegates[g], world.event_id, r.id, Answer.ACCEPT
                )
            )
            for guest, request in zip(guests, requests, strict=True)
        ]
    )

    with database.reading() as session:
        statuses = Counter(
            session.scalars(select(MeetingRow.status).where(MeetingRow.event_id == world.event_id))
        )
    assert statuses == {MeetingStatus.SCHEDULED: THREADS}
    assert_no_double_booking(database, world.event_id)


def test_a_placement_that_keeps_losing_races_is_planned_with_the_schedule_held(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = make_world(database, "always-stale", ["A", "B"])
    publish_empty_schedule(database, world)
    morning = Terms(format=MeetingFormat.B2B, windows=(builders.span((9, 0), (12, 0)),))
    request = negotiation.create_request(
        database, world.delegates["A"], world.event_id, ["B"], morning
    )
    attempts: list[int] = []

    def always_stale(*args: object, **kwargs: object) -> placing.PlacementView:
        attempts.append(1)
        raise StalePlan("another change came first")

    monkeypatch.setattr(placing, "_place_once", always_stale)

    view = negotiation.respond(
        database, world.delegates["B"], world.event_id, request.id, Answer.ACCEPT
    )

    assert len(attempts) == placing.PLACEMENT_ATTEMPTS
    with database.reading() as session:
        meeting = session.get(MeetingRow, view.meeting_id)
        assert meeting is not None
        assert meeting.status == MeetingStatus.SCHEDULED
        assert meeting.starts_at is not None


@pytest.mark.slow
def test_publishing_two_results_at_once_publishes_each_once(database: Database) -> None:
    parties = ["A", "B", "C", "D"]
    world = make_world(database, "race-publish", parties, spaces=[builders.table("T1")])
    pairs = [("A", "B"), ("C", "D"), ("A", "C"), ("B", "D")]
    for requester, invitee in pairs:
        request = negotiation.create_request(
            database,
            world.delegates[requester],
            world.event_id,
            [invitee],
            Terms(format=MeetingFormat.B2B),
        )
        negotiation.respond(
            database, world.delegates[invitee], world.event_id, request.id, Answer.ACCEPT
        )
    runs = []
    for _ in range(2):
        run = solves.start_solve(database, world.organiser, world.event_id, time_limit_s=5)
        runs.append(solves.wait_for_run(database, run.id))
    assert [run.status for run in runs] == ["done", "done"]

    outcomes = race(
        [
            (lambda r=runs[i % 2].id: solves.publish(database, world.organiser, world.event_id, r))
            for i in range(THREADS)
        ]
    )

    published = [o for o in outcomes if isinstance(o, schedule_versions.ScheduleView)]
    refused = [o for o in outcomes if isinstance(o, ServiceError)]
    assert len(published) == 2
    assert [type(error) for error in refused] == [Conflict] * (THREADS - 2)
    with database.reading() as session:
        versions = session.scalars(
            select(ScheduleVersionRow.number)
            .where(ScheduleVersionRow.event_id == world.event_id)
            .order_by(ScheduleVersionRow.number)
        ).all()
        scheduled = session.scalar(
            select(func.count()).where(
                MeetingRow.event_id == world.event_id, MeetingRow.status == MeetingStatus.SCHEDULED
            )
        )
    assert versions == [1, 2]
    assert scheduled == len(pairs)
    assert_no_double_booking(database, world.event_id)
    assert audit_actions(database, world.event_id)["schedule.published"] == 2
    # Each version books only the meetings it changes: all of them first, then those the
    # second result places elsewhere (each told in a notice of version 2).
    with database.reading() as session:
        changed_again = set(
            session.scalars(
                select(NoticeRow.meeting_id).where(
                    NoticeRow.event_id == world.event_id,
                    NoticeRow.version == 2,
                    NoticeRow.kind != "unplaced",
                )
            )
        )
    assert audit_actions(database, world.event_id)["meeting.scheduled"] == len(pairs) + len(
        changed_again
    )


def test_answering_one_request_at_once_lets_exactly_one_answer_win(database: Database) -> None:
    world = make_world(database, "race-answer", ["A", "B"])
    request = negotiation.create_request(
        database, world.delegates["A"], world.event_id, ["B"], Terms(format=MeetingFormat.B2B)
    )
    answers = [Answer.ACCEPT, Answer.DECLINE] * (THREADS // 2)
    before = audit_actions(database, world.event_id)

    outcomes = race(
        [
            (
                lambda a=answer: negotiation.respond(
                    database, world.delegates["B"], world.event_id, request.id, a
                )
            )
            for answer in answers
        ]
    )

    won = [o for o in outcomes if not isinstance(o, ServiceError)]
    lost = [o for o in outcomes if isinstance(o, ServiceError)]
    assert len(won) == 1
    assert [type(error) for error in lost] == [Conflict] * (THREADS - 1)
    final = negotiation.get_request(database, world.delegates["A"], world.event_id, request.id)
    assert final.state == won[0].state
    assert final.state in (RequestState.ACCEPTED, RequestState.DECLINED)
    with database.reading() as session:
        meetings = session.scalars(
            select(MeetingRow.id).where(MeetingRow.request_id == request.id)
        ).all()
        accepted = dict(
            session.execute(
                select(RequestPartyRow.party_id, RequestPartyRow.accepted_current).where(
                    RequestPartyRow.request_id == request.id
                )
            ).all()
        )
    if final.state is RequestState.ACCEPTED:
        assert len(meetings) == 1
        assert accepted == {"A": True, "B": True}
        expected = {"request.accept": 1, "meeting.agreed": 1}
    else:
        assert meetings == []
        assert accepted == {"A": True, "B": False}
        expected = {"request.decline": 1}
    assert audit_actions(database, world.event_id) - before == expected


def test_both_sides_of_a_trilateral_accepting_at_once_agree_it_once(database: Database) -> None:
    world = make_world(database, "race-trilateral", ["A", "B", "C"])
    request = negotiation.create_request(
        database,
        world.delegates["A"],
        world.event_id,
        ["B", "C"],
        Terms(format=MeetingFormat.TRILATERAL, duration_min=30),
    )

    outcomes = race(
        [
            (
                lambda p=party: negotiation.respond(
                    database, world.delegates[p], world.event_id, request.id, Answer.ACCEPT
                )
            )
            for party in ["B", "C"] * (THREADS // 2)
        ]
    )

    won = [o for o in outcomes if not isinstance(o, ServiceError)]
    lost = [o for o in outcomes if isinstance(o, ServiceError)]
    assert len(won) == 2
    assert [type(error) for error in lost] == [Conflict] * (THREADS - 2)
    final = negotiation.get_request(database, world.delegates["A"], world.event_id, request.id)
    assert final.state is RequestState.ACCEPTED
    assert [side.accepted_current for side in final.sides] == [True, True, True]
    actions = audit_actions(database, world.event_id)
    assert (actions["request.accept"], actions["meeting.agreed"]) == (2, 1)


def test_creating_with_one_idempotency_key_at_once_creates_one_request(
    database: Database,
) -> None:
    world = make_world(database, "race-idempotent", ["A", "B"])
    actor = world.delegates["A"]
    body = {"invitees": ["B"], "proposal": {"format": "b2b"}}
    request_fingerprint = fingerprint("POST", f"/api/events/{world.event_id}/requests", body)

    def body_of(view: negotiation.RequestView) -> dict[str, object]:
        return {"id": view.id}

    def create() -> Outcome:
        kept = once(actor, "key-1", request_fingerprint, 201, body_of)
        return run_within(
            kept,
            201,
            body_of,
            lambda k: negotiation.create_request(
                database, actor, world.event_id, ["B"], Terms(format=MeetingFormat.B2B), once=k
            ),
        )

    outcomes = race([create] * THREADS)

    # A duplicate waits for the first attempt and gets its answer: none is refused.
    done = [o for o in outcomes if isinstance(o, Outcome)]
    assert len(done) == THREADS
    assert [o.replayed for o in done].count(False) == 1
    with database.reading() as session:
        ids = session.scalars(
            select(RequestRow.id).where(RequestRow.event_id == world.event_id)
        ).all()
    assert {o.body["id"] for o in done} == set(ids)
    assert len(ids) == 1
    assert audit_actions(database, world.event_id) == {"request.drafted": 1, "request.sent": 1}


def _answered_between_the_reads(
    db: Database, monkeypatch: pytest.MonkeyPatch, other: Callable[[], object], at_read: int
) -> list[object]:
    """Make ``other`` commit, on another connection, right after the ``at_read``-th time the
    request is read for visibility in this thread: between that read and the row's lock.
    PostgreSQL only: SQLite takes the writers' lock at BEGIN, so no write commits in between."""
    read = negotiation.visible_request
    done: list[object] = []
    reads: list[int] = []

    def then_the_other(*args: Any, **kwargs: Any) -> Any:
        row = read(*args, **kwargs)
        reads.append(1)
        if len(reads) == at_read:
            answering = threading.Thread(target=lambda: done.append(other()))
            answering.start()
            answering.join()
        return row

    monkeypatch.setattr(negotiation, "visible_request", then_the_other)
    return done


def _meetings_of(db: Database, request_id: int) -> list[int]:
    with db.reading() as session:
        return list(
            session.scalars(select(MeetingRow.id).where(MeetingRow.request_id == request_id))
        )


def _withdraw(db: Database, world: World, request_id: int) -> object:
    return negotiation.withdraw_request(db, world.delegates["A"], world.event_id, request_id)


def _counter(db: Database, world: World, request_id: int) -> object:
    later = negotiation.TermCounter(windows=(builders.span((11, 0), (12, 0)),))
    return negotiation.answer_terms(db, world.delegates["A"], world.event_id, request_id, [], later)


# PostgreSQL only: SQLite takes the writers' lock at BEGIN, so no write commits in between.
@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
@pytest.mark.parametrize("act", [_withdraw, _counter])
def test_an_answer_read_before_the_other_side_accepts_is_refused(
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
    act: Callable[[Database, World, int], object],
) -> None:
    """The requester withdraws or counters while the other side accepts: the acceptance
    commits after the requester's action read the request, before it locked it. The action
    finds the request accepted (the row is read again under the lock), and is refused."""
    world = make_world(database, "race-read-then-lock", ["A", "B"])
    request = negotiation.create_request(
        database, world.delegates["A"], world.event_id, ["B"], Terms(format=MeetingFormat.B2B)
    )
    # The first read is the expiry check's, in a transaction of its own; the second is the
    # action's, before it locks the request.
    accepted = _answered_between_the_reads(
        database,
        monkeypatch,
        lambda: negotiation.respond(
            database, world.delegates["B"], world.event_id, request.id, Answer.ACCEPT
        ),
        at_read=2,
    )

    with pytest.raises(Conflict):
        act(database, world, request.id)

    assert len(accepted) == 1
    final = negotiation.get_request(database, world.delegates["A"], world.event_id, request.id)
    assert final.state is RequestState.ACCEPTED
    assert len(_meetings_of(database, request.id)) == 1


# PostgreSQL only: SQLite takes the writers' lock at BEGIN, so no write commits in between.
@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_an_expiry_noticed_by_two_answers_at_once_is_recorded_once(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both sides act on a request past its expiry: the invitee's answer records the expiry
    after the requester's withdrawal read the request and before it locked it to record the
    same expiry. The withdrawal finds it recorded (the row read again under the lock)."""
    world = make_world(database, "race-expiry", ["A", "B"])
    request = negotiation.create_request(
        database, world.delegates["A"], world.event_id, ["B"], Terms(format=MeetingFormat.B2B)
    )

    def overdue(session: Session) -> None:
        session.execute(
            update(RequestRow)
            .where(RequestRow.id == request.id)
            .values(expires_at=now() - timedelta(minutes=1))
        )

    database.write(overdue)
    answered = _answered_between_the_reads(
        database,
        monkeypatch,
        lambda: _refused(
            lambda: negotiation.respond(
                database, world.delegates["B"], world.event_id, request.id, Answer.ACCEPT
            )
        ),
        at_read=1,
    )

    with pytest.raises(Conflict):
        _withdraw(database, world, request.id)

    assert [type(error) for error in answered] == [Conflict]
    final = negotiation.get_request(database, world.delegates["A"], world.event_id, request.id)
    assert final.state is RequestState.EXPIRED
    assert audit_actions(database, world.event_id)["request.expired"] == 1


def _refused(action: Callable[[], object]) -> object:
    try:
        return action()
    except ServiceError as error:
        return error
