"""What became of a meeting, and encounters nobody planned: recorded by the sides or the
organiser, each change audited, the sides' reason kept from everyone else."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from sidelines.domain import MeetingFormat, OrganiserSees
from sidelines.domain.negotiation import MeetingStatus
from sidelines.services import record, statements
from sidelines.services.errors import Conflict, Forbidden, Invalid, NotFound
from sidelines.services.record import EncounterIn, Outcome
from sidelines.services.statements import StatementIn, StatementKind, Visibility
from sidelines.storage.db import Database
from sidelines.storage.tables import AuditRow, MeetingRow
from tests.builders import DAY, at
from tests.services.record_world import record_world


def test_held_meeting_keeps_its_actual_times(database: Database) -> None:
    world = record_world(database)
    outcome = Outcome(MeetingStatus.HELD, started_at=at(10, 5), ended_at=at(10, 40))

    view = record.record_outcome(
        database, world.delegates["A"], world.event_id, world.meeting_id, outcome
    )

    assert (view.status, view.format, view.started_at, view.ended_at) == (
        MeetingStatus.HELD,
        "bilateral_restricted",
        at(10, 5),
        at(10, 40),
    )
    assert record.get_outcome(database, world.delegates["B"], world.event_id, world.meeting_id) == (
        view
    )


def test_downgraded_meeting_says_the_format_it_was_held_in(database: Database) -> None:
    world = record_world(database)
    scheduled(database, world.meeting_id)

    view = record.record_outcome(
        database,
        world.organiser,
        world.event_id,
        world.meeting_id,
        Outcome(MeetingStatus.HELD_AS_DOWNGRADED, held_format=MeetingFormat.BRIEF_CONTACT),
    )

    assert (view.status, view.planned_format, view.format) == (
        MeetingStatus.HELD_AS_DOWNGRADED,
        "bilateral_restricted",
        "brief_contact",
    )


def test_cancellation_reason_is_for_the_two_sides_only(database: Database) -> None:
    world = record_world(database, organiser_sees=OrganiserSees.EVERYTHING)
    cancelled = Outcome(MeetingStatus.CANCELLED, cancelled_by="B", reason="the president is ill")

    record.record_outcome(
        database, world.delegates["A"], world.event_id, world.meeting_id, cancelled
    )

    seen = {
        who: record.get_outcome(database, world.reader(who), world.event_id, world.meeting_id)
        for who in ("A", "B", "organiser")
    }
    assert {who: (v.status, v.cancelled_by, v.reason) for who, v in seen.items()} == {
        "A": (MeetingStatus.CANCELLED, "B", "the president is ill"),
        "B": (MeetingStatus.CANCELLED, "B", "the president is ill"),
        "organiser": (MeetingStatus.CANCELLED, "B", None),
    }
    with database.reading() as session:
        details = session.scalars(
            select(AuditRow.detail).where(AuditRow.action == "meeting.cancelled")
        ).all()
    assert details == [{"held_format": None, "cancelled_by": "B"}]
    for who in ("C", "public"):
        with pytest.raises(NotFound):
            record.get_outcome(database, world.reader(who), world.event_id, world.meeting_id)


@pytest.mark.parametrize(
    ("outcome", "field"),
    [
        (Outcome(MeetingStatus.SCHEDULED), "status"),
        (Outcome(MeetingStatus.HELD, started_at=at(11), ended_at=at(10)), "ended_at"),
        (Outcome(MeetingStatus.HELD, ended_at=at(10)), "started_at"),
        (Outcome(MeetingStatus.HELD, reason="why not"), "reason"),
        (Outcome(MeetingStatus.CANCELLED), "cancelled_by"),
        (Outcome(MeetingStatus.CANCELLED, cancelled_by="C"), "cancelled_by"),
        (Outcome(MeetingStatus.NOT_HELD, started_at=at(10)), "started_at"),
        (Outcome(MeetingStatus.HELD_AS_DOWNGRADED), "held_format"),
        (
            Outcome(
                MeetingStatus.HELD_AS_DOWNGRADED, held_format=MeetingFormat.BILATERAL_RESTRICTED
            ),
            "held_format",
        ),
        (Outcome(MeetingStatus.HELD, held_format=MeetingFormat.PULL_ASIDE), "held_format"),
        # A start after the event's days (a mistyped year), or before them.
        (Outcome(MeetingStatus.HELD, started_at=at(10, day=date(2031, 5, 6))), "started_at"),
        (Outcome(MeetingStatus.HELD, started_at=at(12)), "started_at"),
        (Outcome(MeetingStatus.HELD, started_at=at(10, day=DAY - timedelta(days=1))), "started_at"),
    ],
)
def test_bad_outcome_is_refused_and_nothing_changes(
    database: Database, outcome: Outcome, field: str
) -> None:
    world = record_world(database)

    with pytest.raises(Invalid) as refused:
        record.record_outcome(
            database, world.delegates["A"], world.event_id, world.meeting_id, outcome
        )

    assert refused.value.field == field
    assert status_of(database, world.meeting_id) == "agreed"


def test_outcome_follows_the_meeting_lifecycle_and_can_be_amended(database: Database) -> None:
    world = record_world(database)
    a = world.delegates["A"]

    with pytest.raises(Conflict):  # an agreed meeting never placed cannot be "not held"
        record.record_outcome(
            database, a, world.event_id, world.meeting_id, Outcome(MeetingStatus.NOT_HELD)
        )
    record.record_outcome(
        database, a, world.event_id, world.meeting_id, Outcome(MeetingStatus.HELD)
    )
    amended = record.record_outcome(
        database,
        a,
        world.event_id,
        world.meeting_id,
        Outcome(MeetingStatus.HELD, started_at=at(9, 30), ended_at=at(9, 35)),
    )
    with pytest.raises(Conflict):
        record.record_outcome(
            database,
            a,
            world.event_id,
            world.meeting_id,
            Outcome(MeetingStatus.CANCELLED, cancelled_by="A"),
        )

    assert (amended.status, amended.started_at) == (MeetingStatus.HELD, at(9, 30))
    with database.reading() as session:
        actions = session.scalars(
            select(AuditRow.action)
            .where(AuditRow.subject_type == "meeting")
            .order_by(AuditRow.at, AuditRow.id)
        ).all()
    assert actions == ["meeting.held", "meeting.outcome_amended"]


def test_third_delegation_cannot_record_an_outcome(database: Database) -> None:
    world = record_world(database)

    with pytest.raises(NotFound):
        record.record_outcome(
            database,
            world.delegates["C"],
            world.event_id,
            world.meeting_id,
            Outcome(MeetingStatus.HELD),
        )

    assert status_of(database, world.meeting_id) == "agreed"


def test_encounter_logged_by_a_side_is_seen_by_its_sides_only_until_published(
    database: Database,
) -> None:
    world = record_world(database)
    greeting = EncounterIn(
        parties=("A", "B"),
        started_at=at(9, 0),
        place="corridor by the plenary hall",
        principals=("A", "B"),
        description="greeted each other and spoke briefly",
        topics=("trade",),
    )

    logged = record.log_encounter(database, world.delegates["A"], world.event_id, greeting)

    assert (logged.parties, logged.principals, logged.format, logged.logged_by) == (
        ("A", "B"),
        ("A", "B"),
        "brief_contact",
        "A",
    )
    visible = {
        who: record.list_encounters(database, world.reader(who), world.event_id)
        for who in ("A", "B", "C", "organiser", "public")
    }
    assert visible == {"A": [logged], "B": [logged], "C": [], "organiser": [], "public": []}

    statements.make_statement(
        database,
        world.delegates["B"],
        world.event_id,
        StatementIn(
            StatementKind.CONFIRMATION,
            "The leaders spoke briefly.",
            at(10),
            encounter_id=logged.id,
            visibility=Visibility.PUBLIC,
        ),
    )

    assert record.get_encounter(database, world.reader("public"), world.event_id, logged.id) == (
        logged
    )


def test_organiser_logs_an_encounter_at_a_programme_session(database: Database) -> None:
    world = record_world(database)

    logged = record.log_encounter(
        database,
        world.organiser,
        world.event_id,
        EncounterIn(
            parties=("B", "C"),
            started_at=at(11),
            format=MeetingFormat.PULL_ASIDE,
            place="gala dinner",
        ),
    )

    assert (logged.place, logged.logged_by) == ("gala dinner", None)
    assert record.list_encounters(database, world.organiser, world.event_id) == [logged]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"parties": ("A",)}, "parties"),
        ({"parties": ("A", "Z")}, "parties[1]"),
        ({"principals": ("C",)}, "principals[0]"),
        ({"started_at": at(13)}, "started_at"),
        ({"ended_at": at(8)}, "ended_at"),
        ({"place": ""}, "place"),
        ({"session_id": "nowhere"}, "session_id"),
    ],
)
def test_bad_encounter_is_refused(
    database: Database, changes: dict[str, object], field: str
) -> None:
    world = record_world(database)
    values: dict[str, object] = {"parties": ("A", "B"), "started_at": at(9), "place": "lobby"}
    values.update(changes)

    with pytest.raises(Invalid) as refused:
        record.log_encounter(
            database,
            world.delegates["A"],
            world.event_id,
            EncounterIn(**values),  # type: ignore[arg-type]
        )

    assert refused.value.field == field
    assert record.list_encounters(database, world.delegates["A"], world.event_id) == []


def test_delegation_logs_only_its_own_encounters(database: Database) -> None:
    world = record_world(database)

    with pytest.raises(Forbidden):
        record.log_encounter(
            database,
            world.delegates["C"],
            world.event_id,
            EncounterIn(parties=("A", "B"), started_at=at(9), place="lobby"),
        )


def scheduled(database: Database, meeting_id: int) -> None:
    """Mark a meeting scheduled (no booking needed: it is a status the outcome starts from)."""
    with database.writing() as session:
        row = session.get(MeetingRow, meeting_id)
        assert row is not None
        row.status = str(MeetingStatus.SCHEDULED)


def status_of(database: Database, meeting_id: int) -> str:
    with database.reading() as session:
        row = session.get(MeetingRow, meeting_id)
        assert row is not None
        return row.status


# PostgreSQL only: SQLite takes the writers' lock at BEGIN, so no write commits in between.
@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_two_sides_recording_different_outcomes_at_once_keep_the_first_and_refuse_the_other(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A records the meeting held while B records it cancelled: B's cancellation is sent
    after A read the meeting and before A wrote. One outcome is kept and the other refused
    as out of date, rather than both succeeding and the last one silently staying."""
    world = record_world(database)
    check = record._check_outcome
    other: list[object] = []

    def cancel(by: str) -> object:
        try:
            return record.record_outcome(
                database,
                world.delegates[by],
                world.event_id,
                world.meeting_id,
                Outcome(MeetingStatus.CANCELLED, cancelled_by=by),
            )
        except Conflict as refused:
            return refused

    def then_the_other_side(*args: Any, **kwargs: Any) -> None:
        check(*args, **kwargs)
        if not other:
            other.append(None)
            cancelling = threading.Thread(target=lambda: other.append(cancel("B")))
            cancelling.start()
            # Fixed, the cancellation waits for this outcome's lock on the meeting: let it.
            cancelling.join(timeout=3)
            waiting.append(cancelling)

    waiting: list[threading.Thread] = []
    monkeypatch.setattr(record, "_check_outcome", then_the_other_side)

    held = record.record_outcome(
        database,
        world.delegates["A"],
        world.event_id,
        world.meeting_id,
        Outcome(MeetingStatus.HELD),
    )
    for thread in waiting:
        thread.join()

    assert held.status is MeetingStatus.HELD
    assert isinstance(other[1], Conflict)
    assert status_of(database, world.meeting_id) == "held"
    assert (
        record.get_outcome(database, world.delegates["B"], world.event_id, world.meeting_id).status
        is MeetingStatus.HELD
    )
    with database.reading() as session:
        actions = session.scalars(
            select(AuditRow.action).where(AuditRow.subject_type == "meeting")
        ).all()
    assert actions == ["meeting.held"]
