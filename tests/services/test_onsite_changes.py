"""Changes at the venue: an earlier departure, a session that overruns, a space taken
away. Each is recorded; the meetings it displaces move, or leave the schedule with the engine's
alternatives when they fit nowhere; both sides of every changed meeting are told; and later
placements and solves respect the change."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from sidelines.domain import Meeting, MeetingFormat, ProgrammeSession, TimeSpan
from sidelines.domain.negotiation import Answer
from sidelines.i18n import speaking
from sidelines.scheduling.explanations import FactKind
from sidelines.services import (
    edits,
    meetings,
    negotiation,
    onsite_changes,
    preview,
    schedule_versions,
    sheets,
    solves,
    visibility,
)
from sidelines.services.actors import Role
from sidelines.services.errors import Conflict, Forbidden, Invalid
from sidelines.services.events import import_event
from sidelines.services.negotiation import Terms
from sidelines.services.placing import MovedView
from sidelines.services.replans import StalePlan
from sidelines.storage.db import Database
from sidelines.storage.tables import (
    AuditAudienceRow,
    AuditRow,
    MeetingPrincipalRow,
    MeetingRow,
    NoticeRow,
    OnsiteChangeRow,
    ScheduleVersionRow,
)
from tests import builders
from tests.services.world import World, add_user, double_bookings
from tests.web.helpers import row_counts

EVENT = "venue"
PARTIES = ("A", "B", "C", "D", "E")
at = builders.at


def make_venue(
    database: Database,
    meetings: Sequence[Meeting],
    *,
    programme: Sequence[ProgrammeSession] = (),
    grain_min: int = 30,
    publish: bool = True,
) -> World:
    """An event of parties A-E (09:00-12:00 UTC, one table T1) with ``meetings`` agreed and,
    unless told otherwise, solved and published."""
    event = replace(
        builders.event(PARTIES, meetings, grain_min=grain_min, programme=tuple(programme)),
        id=EVENT,
    )
    organiser = add_user(database, "venue.protocol", Role.ORGANISER, None, None)
    import_event(database, organiser, event)
    delegates = {p: add_user(database, f"venue.{p}", Role.DELEGATE, EVENT, p) for p in PARTIES}
    world = World(EVENT, organiser, delegates)
    if publish:
        run = solves.start_solve(database, organiser, EVENT, time_limit_s=2)
        run = solves.wait_for_run(database, run.id)
        solves.publish(database, organiser, EVENT, run.id)
    return world


def meeting_of(database: Database, a: str, b: str) -> int:
    with database.reading() as session:
        links = session.scalars(select(MeetingPrincipalRow)).all()
    sides: dict[int, set[str]] = {}
    for link in links:
        sides.setdefault(link.meeting_id, set()).add(link.party_id)
    [found] = [meeting_id for meeting_id, parties in sides.items() if parties == {a, b}]
    return found


def where(database: Database, meeting_id: int) -> tuple[str, datetime | None, str | None]:
    with database.reading() as session:
        row = session.get(MeetingRow, meeting_id)
        assert row is not None
        return row.status, row.starts_at, row.space_id


def placed(start: datetime, space: str | None = "T1", minutes: int = 30) -> list[Any]:
    """A placement as moves and notices write it: ``[starts_at, ends_at, space_id]``."""
    return [start.isoformat(), (start + timedelta(minutes=minutes)).isoformat(), space]


def notices_of(database: Database, world: World, version: int) -> dict[str, list[Any]]:
    """Each party's notices of ``version``, as (meeting, kind)."""
    found = {}
    for party, delegate in world.delegates.items():
        notices = schedule_versions.notices(database, delegate, world.event_id)
        kept = [(n.meeting_id, n.kind) for n in notices if n.version == version]
        if kept:
            found[party] = kept
    return found


def new_actions(database: Database, seen: int) -> list[str]:
    """The actions appended after the first ``seen`` entries, in the order they were."""
    with database.reading() as session:
        query = select(AuditRow.action).order_by(AuditRow.at, AuditRow.id).offset(seen)
        return list(session.scalars(query))


def audit_count(database: Database) -> int:
    with database.reading() as session:
        return len(session.scalars(select(AuditRow.id)).all())


def wanted(start: tuple[int, int], end: tuple[int, int]) -> tuple[TimeSpan, ...]:
    return (builders.span(start, end),)


# --- an earlier departure ----------------------------------------------------------------------


def test_a_departure_moves_a_meeting_earlier_and_tells_both_sides(database: Database) -> None:
    world = make_venue(
        database,
        [
            builders.meeting("ab", "A", "B", preferred=wanted((11, 30), (12, 0))),
            builders.meeting("cd", "C", "D", windows=wanted((11, 0), (11, 30))),
        ],
    )
    ab, cd = meeting_of(database, "A", "B"), meeting_of(database, "C", "D")
    assert where(database, ab) == ("scheduled", at(11, 30), "T1")
    audit_before = audit_count(database)

    view = onsite_changes.report_departure(
        database, world.organiser, EVENT, principal_id="A", leaves_at=at(11, 30)
    )

    assert (view.version, view.unplaced) == (2, [])
    assert view.moved == [MovedView(ab, placed(at(11, 30)), placed(at(9, 0)))]
    assert where(database, ab) == ("scheduled", at(9, 0), "T1")
    assert where(database, cd) == ("scheduled", at(11, 0), "T1")
    assert notices_of(database, world, 2) == {"A": [(ab, "moved")], "B": [(ab, "moved")]}
    assert new_actions(database, audit_before) == [
        "onsite_change.reported",
        "meeting.scheduled",
        "schedule.published",
    ]
    [change] = onsite_changes.list_changes(database, world.organiser, EVENT)
    assert (change.kind, change.principal_id, change.starts_at, change.version) == (
        "departure",
        "A",
        at(11, 30),
        2,
    )
    with database.reading() as session:
        assert double_bookings(session, EVENT) == []
        # The organiser reads its own report under the summit default policy (bookings only).
        organisers_share = session.scalars(
            visibility.audit_entries_seen_by(session, EVENT, None, False)
        ).all()
        assert [entry.action for entry in organisers_share][-3:] == [
            "onsite_change.reported",
            "meeting.scheduled",
            "schedule.published",
        ]


def test_a_departure_that_leaves_a_meeting_nowhere_takes_it_off_with_alternatives(
    database: Database,
) -> None:
    # Five-minute steps: a ten-minute pull-aside fits before the departure, the bilateral not.
    world = make_venue(
        database, [builders.meeting("ab", "A", "B", windows=wanted((11, 0), (12, 0)))], grain_min=5
    )
    ab = meeting_of(database, "A", "B")
    _, published_at, _ = where(database, ab)
    assert published_at is not None
    audit_before = audit_count(database)

    view = onsite_changes.report_departure(
        database, world.organiser, EVENT, party_id="A", leaves_at=at(11, 15)
    )

    assert (view.version, view.moved) == (2, [])
    [unplaced] = view.unplaced
    assert (unplaced.meeting_id, unplaced.before) == (ab, placed(published_at))
    assert [
        (a.kind, a.format, a.starts_at, a.ends_at, a.space_id) for a in unplaced.alternatives
    ] == [
        ("format", "pull_aside", at(11, 0), at(11, 10), None),
        # Outside the window the sides asked for, before the departure.
        ("day", None, at(9, 0), at(9, 30), "T1"),
    ]
    assert unplaced.explanation.scheduled is False
    assert [(f.kind, f.text) for f in unplaced.explanation.facts] == [
        (FactKind.WINDOW, "it may only be held Mon 06 May 11:00–12:00"),
        (FactKind.ABSENT, "A departs at Mon 06 May 11:15"),
    ]
    # Agreed again, with no place: the organiser decides.
    assert where(database, ab) == ("agreed", None, None)
    assert notices_of(database, world, 2) == {"A": [(ab, "unplaced")], "B": [(ab, "unplaced")]}
    assert new_actions(database, audit_before) == [
        "onsite_change.reported",
        "meeting.unscheduled",
        "schedule.published",
    ]
    with database.reading() as session:
        unscheduled = session.scalars(
            select(AuditRow).where(AuditRow.action == "meeting.unscheduled")
        ).one()
        audience = session.scalars(
            select(AuditAudienceRow.party_id).where(AuditAudienceRow.entry_id == unscheduled.id)
        ).all()
    assert (unscheduled.subject_id, sorted(audience)) == (str(ab), ["A", "B"])


def test_alternatives_read_in_the_readers_language_with_days_as_the_pages_write_them(
    database: Database,
) -> None:
    """The alternatives offered for a meeting a change left nowhere are said as the rest of the
    answer is: in the reader's language, a day by its weekday and month ("Mon 06 May"), never
    an ISO date."""

    def summaries(language: str) -> list[str]:
        with speaking(language):
            view = onsite_changes.report_departure(
                database, world.organiser, EVENT, party_id="A", leaves_at=at(11, 15)
            )
        [unplaced] = view.unplaced
        return [unplaced.reason, *(a.summary for a in unplaced.alternatives)]

    world = make_venue(
        database, [builders.meeting("ab", "A", "B", windows=wanted((11, 0), (12, 0)))], grain_min=5
    )
    assert summaries("ru") == [
        "ни свободного места, ни такого, которое открыло бы перемещение не более 2 "
        "незафиксированных встреч",
        "как 10-минутный разговор «на ходу» без помещения",
        "в другой день: пн 06 мая",
    ]


def test_alternatives_name_a_day_by_its_weekday_and_month_in_english(database: Database) -> None:
    world = make_venue(
        database, [builders.meeting("ab", "A", "B", windows=wanted((11, 0), (12, 0)))], grain_min=5
    )

    view = onsite_changes.report_departure(
        database, world.organiser, EVENT, party_id="A", leaves_at=at(11, 15)
    )

    [unplaced] = view.unplaced
    assert [a.summary for a in unplaced.alternatives] == [
        "as a 10-minute pull-aside without a room",
        "on Mon 06 May instead",
    ]


# --- a programme session that runs over ----------------------------------------------------


def test_an_overrun_moves_its_attendees_meeting_out_of_the_extra_time(database: Database) -> None:
    plenary = builders.session("plenary", ["A", "B"], (9, 0), (10, 0))
    world = make_venue(
        database,
        [
            builders.meeting("ab", "A", "B", preferred=wanted((10, 0), (10, 30))),
            builders.meeting("cd", "C", "D", windows=wanted((9, 0), (9, 30))),
        ],
        programme=[plenary],
    )
    ab, cd = meeting_of(database, "A", "B"), meeting_of(database, "C", "D")
    assert where(database, ab) == ("scheduled", at(10, 0), "T1")

    view = onsite_changes.report_overrun(
        database, world.organiser, EVENT, session_id="plenary", extra_min=30
    )

    assert view.moved == [MovedView(ab, placed(at(10, 0)), placed(at(10, 30)))]
    assert (view.change.starts_at, view.change.ends_at) == (at(10, 0), at(10, 30))
    assert where(database, cd) == ("scheduled", at(9, 0), "T1")
    assert notices_of(database, world, 2) == {"A": [(ab, "moved")], "B": [(ab, "moved")]}


def _after_the_plenary(database: Database) -> World:
    """A and B in a plenary 09:00-10:00, their meeting wanted 11:00-12:00, published."""
    plenary = builders.session("plenary", ["A", "B"], (9, 0), (10, 0))
    return make_venue(
        database,
        [builders.meeting("ab", "A", "B", windows=wanted((11, 0), (12, 0)))],
        programme=[plenary],
    )


def test_an_overrun_that_touches_no_meeting_is_recorded_without_a_new_version(
    database: Database,
) -> None:
    world = _after_the_plenary(database)

    view = onsite_changes.report_overrun(
        database, world.organiser, EVENT, session_id="plenary", extra_min=15
    )

    assert (view.version, view.moved, view.unplaced) == (None, [], [])
    assert schedule_versions.versions_count(database, EVENT) == 1
    assert [c.id for c in onsite_changes.list_changes(database, world.organiser, EVENT)] == [
        view.change.id
    ]


def test_an_overrun_that_moves_no_meeting_tells_the_attendees_delegations_only(
    database: Database,
) -> None:
    """No meeting moves, so no change notice is made; the delegations whose principals attend
    the session still learn that it runs over (the report's entry, in their trail and live
    stream), and no other delegation does."""
    world = _after_the_plenary(database)

    view = onsite_changes.report_overrun(
        database, world.organiser, EVENT, session_id="plenary", extra_min=15
    )

    def told(party: str) -> list[tuple[str, str]]:
        with database.reading() as session:
            return [
                (entry.action, entry.subject_id)
                for entry in session.scalars(
                    visibility.audit_entries_seen_by(session, EVENT, party, False)
                )
                if entry.action == "onsite_change.reported"
            ]

    assert view.version is None
    assert told("A") == told("B") == [("onsite_change.reported", str(view.change.id))]
    assert told("C") == told("D") == told("E") == []


def test_an_overrun_runs_on_in_the_agenda_and_the_run_sheet_of_its_attendees(
    database: Database,
) -> None:
    world = _after_the_plenary(database)
    a = world.delegates["A"]

    def programme_ends() -> tuple[list[datetime], list[datetime]]:
        agenda = meetings.agenda(database, a, EVENT)
        sheet = sheets.run_sheet(database, a, EVENT, "A", builders.DAY)
        return (
            [item.ends_at for item in agenda if item.kind == "programme"],
            [line.ends_at for line in sheet.lines if line.meeting is None],
        )

    assert programme_ends() == ([at(10, 0)], [at(10, 0)])  # read once: the agenda is kept
    onsite_changes.report_overrun(
        database, world.organiser, EVENT, session_id="plenary", extra_min=15
    )

    # No meeting moved, so no version: the plenary's new end is all there is to tell.
    assert programme_ends() == ([at(10, 15)], [at(10, 15)])


def test_a_run_sheet_printed_before_an_overrun_is_no_longer_current(database: Database) -> None:
    """No meeting moves, so no version is made; the sheet in the hand still shows the plenary
    ending at 10:00, and its check must say so rather than "current"."""
    world = _after_the_plenary(database)
    a = world.delegates["A"]
    printed = sheets.run_sheet(database, a, EVENT, "A", builders.DAY)
    assert sheets.check(database, a, EVENT, printed.ref).current is True

    onsite_changes.report_overrun(
        database, world.organiser, EVENT, session_id="plenary", extra_min=15
    )

    before = sheets.check(database, a, EVENT, printed.ref)
    anyone = sheets.public_check(database, EVENT, printed.ref)
    reprinted = sheets.run_sheet(database, a, EVENT, "A", builders.DAY)
    after = sheets.check(database, a, EVENT, reprinted.ref)
    # Another delegation's sheet shows nothing of the plenary: still current.
    c = world.delegates["C"]
    other = sheets.check(
        database, c, EVENT, sheets.run_sheet(database, c, EVENT, "C", builders.DAY).ref
    )
    assert (before.current, before.latest.number, before.changes) == (False, 1, ())
    assert before.onsite == ("plenary runs over, until Mon 06 May 10:15",)
    assert (anyone.current, anyone.changed, anyone.onsite) == (False, True, ())
    assert (after.current, after.onsite) == (True, ())
    assert sheets.parse_code(reprinted.ref.code) == reprinted.ref
    assert other.current is True


def test_a_sheet_check_reads_in_russian_what_changed_on_site_and_by_version(
    database: Database,
) -> None:
    plenary = builders.session("plenary", ["A", "B"], (9, 0), (10, 0))
    world = make_venue(
        database,
        [builders.meeting("ab", "A", "B", preferred=wanted((10, 0), (10, 30)))],
        programme=[plenary],
    )
    a = world.delegates["A"]
    printed = sheets.run_sheet(database, a, EVENT, "A", builders.DAY)

    onsite_changes.report_overrun(
        database, world.organiser, EVENT, session_id="plenary", extra_min=30
    )

    with speaking("ru"):
        check = sheets.check(database, a, EVENT, printed.ref)
    assert check.onsite == ("plenary затягивается, до пн 06 мая 10:30",)
    [change] = check.changes
    assert change.startswith("Версия 2: ")


# --- a space taken away ------------------------------------------------------------------------


def test_a_closed_room_sends_its_meeting_to_a_time_it_is_open(database: Database) -> None:
    world = make_venue(
        database, [builders.meeting("ab", "A", "B", preferred=wanted((10, 0), (10, 30)))]
    )
    ab = meeting_of(database, "A", "B")
    assert where(database, ab) == ("scheduled", at(10, 0), "T1")

    view = onsite_changes.report_closure(
        database, world.organiser, EVENT, space_id="T1", start=at(9, 30), end=at(10, 30)
    )

    assert view.moved == [MovedView(ab, placed(at(10, 0)), placed(at(9, 0)))]
    assert where(database, ab) == ("scheduled", at(9, 0), "T1")


def test_a_locked_meeting_a_closed_room_takes_off_is_unlocked_and_the_next_solve_places_it(
    database: Database,
) -> None:
    world = make_venue(
        database,
        [
            builders.meeting("ab", "A", "B", preferred=wanted((10, 0), (10, 30))),
            builders.meeting("cd", "C", "D", preferred=wanted((11, 0), (11, 30))),
        ],
    )
    ab = meeting_of(database, "A", "B")
    edits.lock(database, world.organiser, EVENT, ab, locked=True)

    view = onsite_changes.report_closure(
        database, world.organiser, EVENT, space_id="T1", start=at(10, 0), end=at(10, 30)
    )

    assert [u.meeting_id for u in view.unplaced] == [ab]
    # Its place is gone, and its lock with it: a lock there would leave no schedule at all.
    assert edits.locked_meetings(database, world.organiser, EVENT) == set()
    run = solves.start_solve(database, world.organiser, EVENT, time_limit_s=2)
    run = solves.wait_for_run(database, run.id)
    shown = preview.preview(database, world.organiser, EVENT, run.id)
    assert (shown.counts["added"], shown.counts["moved"], shown.counts["left_out"]) == (1, 0, 0)


def test_a_room_closed_all_day_leaves_its_meeting_a_corridor_alternative(
    database: Database,
) -> None:
    world = make_venue(
        database, [builders.meeting("ab", "A", "B", preferred=wanted((10, 0), (10, 30)))]
    )
    ab = meeting_of(database, "A", "B")

    view = onsite_changes.report_closure(
        database, world.organiser, EVENT, space_id="T1", start=at(9, 0), end=at(12, 0)
    )

    [unplaced] = view.unplaced
    assert (unplaced.meeting_id, unplaced.before) == (ab, placed(at(10, 0)))
    assert [(a.kind, a.format, a.space_id) for a in unplaced.alternatives] == [
        ("format", "pull_aside", None)
    ]
    assert [f.kind for f in unplaced.explanation.facts] == [FactKind.ROOMS]
    assert where(database, ab) == ("agreed", None, None)
    assert notices_of(database, world, 2) == {"A": [(ab, "unplaced")], "B": [(ab, "unplaced")]}


def test_a_door_sheet_says_when_its_room_is_closed_on_site(database: Database) -> None:
    world = make_venue(
        database, [builders.meeting("ab", "A", "B", preferred=wanted((10, 0), (10, 30)))]
    )
    printed = sheets.door_sheet(database, world.organiser, EVENT, "T1", builders.DAY)
    assert printed.closed == ()

    onsite_changes.report_closure(
        database, world.organiser, EVENT, space_id="T1", start=at(9, 30), end=at(10, 30)
    )

    door = sheets.door_sheet(database, world.organiser, EVENT, "T1", builders.DAY)
    assert door.closed == (TimeSpan(at(9, 30), at(10, 30)),)
    check = sheets.check(database, world.organiser, EVENT, printed.ref)
    assert check.current is False
    assert check.onsite == ("T1 is closed Mon 06 May 09:30–10:30",)


def test_a_closure_reported_late_leaves_a_meeting_that_already_ended_where_it_was(
    database: Database,
) -> None:
    """At 09:45 the organiser reports the room closed since 09:00. The 09:00 meeting is over:
    it happened there (or not, for the door to say), and is not taken off the schedule and
    offered again; the 10:30 one, still to come, is."""
    world = make_venue(
        database,
        [
            builders.meeting("ab", "A", "B", preferred=wanted((9, 0), (9, 30))),
            builders.meeting("cd", "C", "D", preferred=wanted((10, 30), (11, 0))),
        ],
    )
    ab, cd = meeting_of(database, "A", "B"), meeting_of(database, "C", "D")

    view = onsite_changes.report_closure(
        database,
        world.organiser,
        EVENT,
        space_id="T1",
        start=at(9, 0),
        end=at(12, 0),
        at=at(9, 45),
    )

    assert [u.meeting_id for u in view.unplaced] == [cd]
    assert where(database, ab) == ("scheduled", at(9, 0), "T1")
    assert notices_of(database, world, 2) == {"C": [(cd, "unplaced")], "D": [(cd, "unplaced")]}


# --- what comes later respects the change ------------------------------------------------------


def agree_on_site(database: Database, world: World, a: str, b: str, window: TimeSpan) -> Any:
    request = negotiation.create_request(
        database,
        world.delegates[a],
        EVENT,
        [b],
        Terms(format=MeetingFormat.B2B, windows=(window,)),
    )
    _, placement = negotiation.agree_on_site(database, world.delegates[b], EVENT, request.id)
    assert placement is not None
    return placement


def test_a_later_agreement_on_site_is_placed_before_a_recorded_departure(
    database: Database,
) -> None:
    world = make_venue(
        database, [builders.meeting("ab", "A", "B", windows=wanted((11, 0), (12, 0)))]
    )
    onsite_changes.report_departure(
        database, world.organiser, EVENT, principal_id="C", leaves_at=at(10, 0)
    )

    before_departure = agree_on_site(database, world, "C", "D", builders.span((9, 30), (12, 0)))
    after_departure = agree_on_site(database, world, "C", "E", builders.span((10, 0), (12, 0)))

    assert (before_departure.placed, before_departure.starts_at, before_departure.ends_at) == (
        True,
        at(9, 30),
        at(10, 0),
    )
    assert (after_departure.placed, after_departure.version) == (False, None)
    assert where(database, after_departure.meeting_id) == ("agreed", None, None)


def test_a_solve_started_after_a_departure_respects_it(database: Database) -> None:
    world = make_venue(database, [builders.meeting("ab", "A", "B")], publish=False)
    ab = meeting_of(database, "A", "B")
    onsite_changes.report_departure(
        database, world.organiser, EVENT, party_id="B", leaves_at=at(9, 30)
    )

    run = solves.start_solve(database, world.organiser, EVENT, time_limit_s=2)
    run = solves.wait_for_run(database, run.id)
    solves.publish(database, world.organiser, EVENT, run.id)

    assert where(database, ab) == ("scheduled", at(9, 0), "T1")


def test_a_solve_started_before_a_change_cannot_be_published(database: Database) -> None:
    world = make_venue(
        database, [builders.meeting("ab", "A", "B", preferred=wanted((11, 0), (11, 30)))]
    )
    ab = meeting_of(database, "A", "B")
    run = solves.start_solve(database, world.organiser, EVENT, time_limit_s=2)
    run = solves.wait_for_run(database, run.id)
    onsite_changes.report_departure(
        database, world.organiser, EVENT, principal_id="A", leaves_at=at(10, 0)
    )
    _, moved_to, _ = where(database, ab)

    with pytest.raises(Conflict):
        solves.publish(database, world.organiser, EVENT, run.id)

    assert where(database, ab) == ("scheduled", moved_to, "T1")
    assert schedule_versions.versions_count(database, EVENT) == 2


# --- who may report, and what is refused -----------------------------------------------------


CHANGE_TABLES = (OnsiteChangeRow, AuditRow, ScheduleVersionRow, NoticeRow)


def test_only_the_organiser_reports_changes(database: Database) -> None:
    world = make_venue(database, [builders.meeting("ab", "A", "B")])
    before = row_counts(database, *CHANGE_TABLES)

    with pytest.raises(Forbidden):
        onsite_changes.report_departure(
            database, world.delegates["A"], EVENT, party_id="A", leaves_at=at(10, 0)
        )
    with pytest.raises(Forbidden):
        onsite_changes.list_changes(database, world.delegates["A"], EVENT)

    assert row_counts(database, *CHANGE_TABLES) == before


Report = Callable[[Database, World], object]


def departure(**fields: Any) -> Report:
    return lambda database, world: onsite_changes.report_departure(
        database, world.organiser, EVENT, **{"leaves_at": at(10, 0), **fields}
    )


def overrun(**fields: Any) -> Report:
    return lambda database, world: onsite_changes.report_overrun(
        database, world.organiser, EVENT, **{"session_id": "plenary", "extra_min": 15, **fields}
    )


def closure(**fields: Any) -> Report:
    return lambda database, world: onsite_changes.report_closure(
        database,
        world.organiser,
        EVENT,
        **{"space_id": "T1", "start": at(10, 0), "end": at(11, 0), **fields},
    )


BAD_REPORTS: dict[str, tuple[Report, str]] = {
    "unknown principal": (departure(principal_id="Z"), "principal_id"),
    "unknown party": (departure(party_id="Z"), "party_id"),
    "principal and party": (departure(principal_id="A", party_id="A"), "principal_id"),
    "nobody leaves": (departure(), "principal_id"),
    "naive departure": (departure(party_id="A", leaves_at=datetime(2030, 5, 6, 10)), "leaves_at"),
    "departure after the event": (departure(party_id="A", leaves_at=at(12, 0)), "leaves_at"),
    "departure before the event": (departure(party_id="A", leaves_at=at(8, 0)), "leaves_at"),
    "unknown session": (overrun(session_id="gala"), "session_id"),
    "no extra time": (overrun(extra_min=0), "extra_min"),
    "unknown space": (closure(space_id="T9"), "space_id"),
    "naive start": (closure(start=datetime(2030, 5, 6, 10)), "start"),
    "empty span": (closure(end=at(10, 0)), "end"),
    "span before the event": (closure(start=at(8, 0)), "start"),
    "span past the event": (closure(end=at(12, 30)), "end"),
}


@pytest.mark.parametrize("case", BAD_REPORTS)
def test_a_bad_report_names_its_field_and_writes_nothing(database: Database, case: str) -> None:
    plenary = builders.session("plenary", ["A", "B"], (9, 0), (10, 0))
    world = make_venue(database, [builders.meeting("ab", "A", "B")], programme=[plenary])
    report, field = BAD_REPORTS[case]
    before = row_counts(database, *CHANGE_TABLES)

    with pytest.raises(Invalid) as refused:
        report(database, world)

    assert refused.value.field == field
    assert row_counts(database, *CHANGE_TABLES) == before


# --- changes racing other writes ---------------------------------------------------------------


def test_a_meeting_placed_while_a_closure_is_planned_is_not_left_in_the_closed_room(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A and B agree, and their meeting is placed in T1 at 09:00, after the closure of T1 at
    that hour was planned on the schedule as it was (without their meeting) and before the
    closure is booked: the closure is planned again with the meeting in it."""
    world = make_venue(
        database, [builders.meeting("cd", "C", "D", preferred=wanted((10, 0), (10, 30)))]
    )
    request = negotiation.create_request(
        database,
        world.delegates["A"],
        EVENT,
        ["B"],
        Terms(format=MeetingFormat.B2B, windows=wanted((9, 0), (9, 30))),
    )
    planned = onsite_changes.onsite_problem
    agreed: list[negotiation.RequestView] = []

    def agreed_and_placed_meanwhile(*args: Any, **kwargs: Any) -> Any:
        found = planned(*args, **kwargs)
        if not agreed:
            # Another connection, another thread: B accepts, and the meeting is placed.
            answering = threading.Thread(
                target=lambda: agreed.append(
                    negotiation.respond(
                        database, world.delegates["B"], EVENT, request.id, Answer.ACCEPT
                    )
                )
            )
            answering.start()
            answering.join()
        return found

    monkeypatch.setattr(onsite_changes, "onsite_problem", agreed_and_placed_meanwhile)

    onsite_changes.report_closure(
        database, world.organiser, EVENT, space_id="T1", start=at(9, 0), end=at(9, 30)
    )

    assert len(agreed) == 1
    assert agreed[0].meeting_id is not None
    _, starts_at, space = where(database, agreed[0].meeting_id)
    assert (starts_at, space) != (at(9, 0), "T1")
    with database.reading() as session:
        assert double_bookings(session, EVENT) == []


def test_a_closure_whose_plans_keep_going_stale_is_planned_with_the_schedule_held(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The schedule changes under every plan of the change (as under a stream of placements):
    the change happened at the venue all the same, so it is planned and booked once more with
    the schedule held still, not refused."""
    world = make_venue(
        database, [builders.meeting("ab", "A", "B", preferred=wanted((10, 0), (10, 30)))]
    )
    ab = meeting_of(database, "A", "B")
    booked = onsite_changes.book_replan
    attempts: list[int] = []

    def stale_until_held(*args: Any, **kwargs: Any) -> Any:
        attempts.append(1)
        if len(attempts) <= onsite_changes.PLACEMENT_ATTEMPTS:
            raise StalePlan("another change came first")
        return booked(*args, **kwargs)

    monkeypatch.setattr(onsite_changes, "book_replan", stale_until_held)

    view = onsite_changes.report_closure(
        database, world.organiser, EVENT, space_id="T1", start=at(9, 30), end=at(10, 30)
    )

    assert len(attempts) == onsite_changes.PLACEMENT_ATTEMPTS + 1
    assert view.moved == [MovedView(ab, placed(at(10, 0)), placed(at(9, 0)))]
    assert where(database, ab) == ("scheduled", at(9, 0), "T1")
