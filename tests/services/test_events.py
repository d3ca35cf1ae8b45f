"""An imported event's meetings keep every term the engine needs, through the database."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from sidelines.domain import MeetingId
from sidelines.domain.negotiation import MeetingStatus
from sidelines.formats.event_loader import load_event
from sidelines.scheduling.generator import GeneratorSpec, generate_event
from sidelines.services import accounts, events, solves
from sidelines.services.actors import Actor, Role
from sidelines.storage.db import Database
from tests.services.test_list_statements_count import counted
from tests.storage.test_db import has_statistics

LIMA = Path(__file__).parents[2] / "examples" / "apec-2016-lima.yaml"


def test_imported_meetings_come_back_as_the_file_described_them(database: Database) -> None:
    event = load_event(LIMA)
    accounts.create_user(database, "host", "host-password", Role.ORGANISER)
    organiser = accounts.log_in(database, "host", "host-password").actor
    events.import_event(database, organiser, event)

    with database.reading() as session:
        stored = [
            meeting
            for _, meeting in events.meetings_as_domain(session, event.id, (MeetingStatus.AGREED,))
        ]
    by_title = {meeting.label: meeting for meeting in stored}
    for original in event.meetings:
        back = by_title[original.label]
        # Ids become row ids; everything else the engine reads is kept.
        assert replace(back, id=original.id, after=original.after) == replace(
            original,
            principals=tuple(sorted(original.principals)),
            duration_min=original.effective_duration_min,
        )
        assert len(back.after) == len(original.after)


def test_a_locked_meeting_stays_where_the_file_locked_it(database: Database) -> None:
    event = load_event(LIMA)
    breakfast = event.meeting_by_id[MeetingId("aus-can")]
    assert breakfast.locked is not None
    accounts.create_user(database, "host", "host-password", Role.ORGANISER)
    organiser = accounts.log_in(database, "host", "host-password").actor
    events.import_event(database, organiser, event)

    run = solves.start_solve(database, organiser, event.id, time_limit_s=2)
    run = solves.wait_for_run(database, run.id)
    schedule = solves.publish(database, organiser, event.id, run.id)

    placed = [e for e in schedule.entries if e.parties == ("AUS", "CAN")]
    assert [(e.starts_at, e.space_id) for e in placed] == [
        (breakfast.locked.start, breakfast.locked.space)
    ]


def test_agreed_terms_bind_the_published_schedule_through_the_database(
    database: Database,
) -> None:
    from datetime import timedelta

    from sqlalchemy import select

    from sidelines.domain import InterpreterPool, PartyId, PressPlan, SpaceId
    from sidelines.storage.tables import SpaceBookingRow

    lima = load_event(LIMA)
    terms = {
        # Xi and Obama: agreed in Bilateral room 2, with a pool spray; the US brings its own
        # interpreter, so the pool's zh-en interpreters are not needed.
        "chn-usa": {
            "spaces": (SpaceId("lcc-bilateral-2"),),
            "press": PressPlan.POOL_SPRAY,
            "own_interpreters": (PartyId("USA"),),
        },
    }
    event = replace(
        lima,
        meetings=tuple(replace(m, **terms.get(m.id, {})) for m in lima.meetings),
        interpreters=(InterpreterPool(("en", "zh"), 0),),
    )
    accounts.create_user(database, "host", "host-password", Role.ORGANISER)
    organiser = accounts.log_in(database, "host", "host-password").actor
    events.import_event(database, organiser, event)

    with database.reading() as session:
        stored = {
            m.label: m
            for _, m in events.meetings_as_domain(session, event.id, (MeetingStatus.AGREED,))
        }
        back = events.domain_event(session, event.id)
    xi_obama = stored[event.meeting_by_id[MeetingId("chn-usa")].label]
    assert (xi_obama.spaces, xi_obama.press, xi_obama.own_interpreters) == (
        ("lcc-bilateral-2",),
        PressPlan.POOL_SPRAY,
        ("USA",),
    )
    assert back.interpreters == (InterpreterPool(("en", "zh"), 0),)

    run = solves.start_solve(database, organiser, event.id, time_limit_s=2)
    run = solves.wait_for_run(database, run.id)
    schedule = solves.publish(database, organiser, event.id, run.id)

    placed = [e for e in schedule.entries if e.parties == ("CHN", "USA")]
    assert [e.space_id for e in placed] == ["lcc-bilateral-2"]
    with database.reading() as session:
        booking = session.scalars(
            select(SpaceBookingRow).where(SpaceBookingRow.space_id == "lcc-bilateral-2")
        ).all()
    held = [b for b in booking if b.starts_at == placed[0].starts_at]
    # The room's 10-minute turnover and the 10-minute press-out buffer after the meeting.
    assert [b.ends_at - b.starts_at for b in held] == [timedelta(minutes=60 + 10 + 10)]
    # The pool has no en-zh interpreter: the meetings that need one are all left out.
    needing = {
        int(m.id) for m in stored.values() if back.interpretation_of(m) == {frozenset({"en", "zh"})}
    }
    assert needing
    assert needing.isdisjoint(e.meeting_id for e in schedule.entries)


def test_an_import_sends_as_many_statements_for_many_meetings_as_for_few(
    database: Database,
) -> None:
    # A statement per meeting made a 20,000-meeting import take minutes; batches keep it flat.
    def statements_for(requests: int, event_id: str) -> int:
        spec = GeneratorSpec(principals=20, requests=requests, spaces=3)
        event = replace(generate_event(spec, 1), id=event_id)
        with counted(database) as sent:
            events.import_event(database, Actor(Role.ORGANISER, channel="cli"), event)
        return len(sent)

    assert statements_for(5, "few") == statements_for(60, "many")


def test_a_bulk_import_leaves_the_planner_statistics_of_the_tables_it_wrote(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = load_event(LIMA)
    monkeypatch.setattr(events, "ANALYZE_AFTER_MEETINGS", len(event.meetings))
    accounts.create_user(database, "host", "host-password", Role.ORGANISER)
    organiser = accounts.log_in(database, "host", "host-password").actor

    events.import_event(database, organiser, event)

    assert all(has_statistics(database, table) for table in events.IMPORTED_TABLES)


def test_an_import_of_a_hundred_meetings_leaves_the_planner_statistics(
    database: Database,
) -> None:
    # Without them, an agenda read's freshness statement read the event's meetings, not the
    # party's: at 600 meetings, five times the database's CPU of the read.
    event = generate_event(GeneratorSpec(principals=40, requests=100, spaces=8), 1)
    assert len(event.meetings) == 100
    accounts.create_user(database, "host", "host-password", Role.ORGANISER)
    organiser = accounts.log_in(database, "host", "host-password").actor

    events.import_event(database, organiser, event)

    assert all(has_statistics(database, table) for table in events.IMPORTED_TABLES)


def test_a_small_import_leaves_the_statistics_to_autovacuum(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = load_event(LIMA)
    monkeypatch.setattr(events, "ANALYZE_AFTER_MEETINGS", len(event.meetings) + 1)
    accounts.create_user(database, "host", "host-password", Role.ORGANISER)
    organiser = accounts.log_in(database, "host", "host-password").actor

    events.import_event(database, organiser, event)

    assert not any(has_statistics(database, table) for table in events.IMPORTED_TABLES)
