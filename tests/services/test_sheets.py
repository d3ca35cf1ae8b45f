"""Printed sheets hold only what their reader may see, carry the version they were printed from,
and their check says when a newer version changed them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from sidelines.domain import TimeSpan
from sidelines.domain.negotiation import MeetingStatus
from sidelines.services import events, meetings, schedule_versions, sheets, solves
from sidelines.services.actors import Actor, Role
from sidelines.services.errors import Forbidden, Invalid, NotFound
from sidelines.services.sheets import SheetKind, SheetRef
from sidelines.storage.db import Database
from tests import builders
from tests.services.sheet_world import actors, local_day, published_with_russia_us
from tests.services.world import add_user
from tests.web.helpers import LIMA, lima_api, solve_and_publish

SAT = date(2016, 11, 19)
SUN = date(2016, 11, 20)


def _lines(database: Database, actor: Actor, party: str) -> list[sheets.SheetLine]:
    return [
        line
        for day in (SAT, SUN)
        for line in sheets.run_sheet(database, actor, LIMA, party, day).lines
    ]


def test_a_run_sheet_names_counterparts_terms_and_programme_for_its_delegation(
    database: Database,
) -> None:
    meeting, who = published_with_russia_us(lima_api(database))

    sheet = sheets.run_sheet(database, who["USA"], LIMA, "USA", local_day(meeting))

    assert sheet.version.number == 2
    assert sheet.ref.code == f"r2-{local_day(meeting):%Y%m%d}-USA"
    [russia] = [
        line.meeting
        for line in sheet.lines
        if line.meeting and line.meeting.meeting_id == meeting.id
    ]
    assert (russia.title, russia.format, russia.place) == (
        "Bilateral with Russia",
        "Bilateral",
        meeting.place,
    )
    assert russia.people == (
        "Vladimir Putin, President (Russia)",
        "Barack Obama, President (United States)",
    )
    assert (russia.press, russia.topics) == ("no press", ("Syria", "Ukraine"))
    assert [line.title for line in _lines(database, who["USA"], "USA") if not line.meeting] == [
        "Informal dialogue of APEC leaders with the APEC Business Advisory Council",
        "Leaders' gala dinner hosted by President Kuczynski",
        "Leaders' retreat, session I",
        "Family photo",
        "Leaders' working lunch",
        "Leaders' retreat, session II",
        "Closing session and adoption of the Leaders' Declaration",
    ]


def test_a_run_sheet_holds_only_its_delegation_s_meetings(database: Database) -> None:
    _, who = published_with_russia_us(lima_api(database))

    titles = {line.meeting.title for line in _lines(database, who["USA"], "USA") if line.meeting}
    japan = [line.meeting.title for line in _lines(database, who["JPN"], "JPN") if line.meeting]

    assert titles == {"Expanded bilateral with People's Republic of China", "Bilateral with Russia"}
    assert japan == ["Courtesy call with Peru"]
    with pytest.raises(NotFound):
        sheets.run_sheet(database, who["JPN"], LIMA, "USA", SAT)


def test_a_delegation_reads_no_door_sheet_overview_or_other_s_check(database: Database) -> None:
    _, who = published_with_russia_us(lima_api(database))

    with pytest.raises(Forbidden):
        sheets.door_sheet(database, who["USA"], LIMA, "rus-suite", SAT)
    with pytest.raises(Forbidden):
        sheets.overview(database, who["USA"], LIMA, SAT)
    with pytest.raises(NotFound):
        sheets.check(database, who["USA"], LIMA, SheetRef(SheetKind.RUN_SHEET, SAT, 1, "RUS"))


def test_a_bookings_only_organiser_reads_no_terms_or_topics(database: Database) -> None:
    meeting, who = published_with_russia_us(lima_api(database))
    assert meeting.space_id is not None

    door = sheets.door_sheet(database, who["organiser"], LIMA, meeting.space_id, local_day(meeting))
    run = _lines(database, who["organiser"], "USA")

    [held] = [m for m in door.meetings if m.meeting_id == meeting.id]
    assert held.title == "Bilateral, Russia and United States"
    assert held.people == (
        "Vladimir Putin, President (Russia)",
        "Barack Obama, President (United States)",
    )
    assert (held.host, held.press, held.topics) == (None, None, None)
    assert {(m.press, m.topics) for line in run if (m := line.meeting)} == {(None, None)}


def test_an_organiser_who_sees_everything_reads_the_terms(database: Database) -> None:
    api = lima_api(database)
    who = actors(api)
    events.set_policy(database, who["organiser"], LIMA, "everything", None)
    solve_and_publish(api)

    run = _lines(database, who["organiser"], "USA")

    [china] = [line.meeting for line in run if line.meeting]
    assert china.press == "no press"
    assert china.topics == (
        "US presidential transition",
        "South China Sea",
        "Paris Agreement",
        "Korean Peninsula",
    )


def test_the_overview_puts_each_meeting_in_its_space_s_column(database: Database) -> None:
    meeting, who = published_with_russia_us(lima_api(database))
    assert meeting.starts_at is not None
    assert meeting.space_id is not None

    sheet = sheets.overview(database, who["organiser"], LIMA, local_day(meeting))

    column = [s.id for s in sheet.event.spaces].index(meeting.space_id)
    started = [
        (row.starts_at, cell.starts)
        for row in sheet.rows
        if "Bilateral, Russia and United States" in (cell := row.cells[column]).starts
    ]
    assert started == [(meeting.starts_at, ("Bilateral, Russia and United States",))]
    assert sheet.columns[column] == meeting.place
    assert sheet.columns[-1] == "no room"


def test_a_sheet_is_superseded_once_a_version_changes_it(database: Database) -> None:
    meeting, who = published_with_russia_us(lima_api(database))
    day = local_day(meeting)

    old = sheets.check(database, who["USA"], LIMA, SheetRef(SheetKind.RUN_SHEET, day, 1, "USA"))
    new = sheets.check(database, who["USA"], LIMA, SheetRef(SheetKind.RUN_SHEET, day, 2, "USA"))
    # The Australian suite holds only the locked Australia–Canada breakfast: unchanged.
    suite = sheets.check(
        database, who["organiser"], LIMA, SheetRef(SheetKind.DOOR_SHEET, SAT, 1, "aus-suite")
    )

    assert (old.current, old.latest.number) == (False, 2)
    assert any(
        change.startswith("Version 2: Bilateral with Russia placed on ") for change in old.changes
    )
    assert (new.current, new.changes) == (True, ())
    assert (suite.current, suite.latest.number, suite.changes) == (False, 2, ())


@pytest.mark.parametrize(
    ("status", "said"),
    [(MeetingStatus.CANCELLED, "cancelled"), (MeetingStatus.NOT_HELD, "not held")],
)
def test_a_placed_meeting_that_does_not_happen_supersedes_the_sheets_it_was_on(
    database: Database, status: MeetingStatus, said: str
) -> None:
    meeting, who = published_with_russia_us(lima_api(database))
    day = local_day(meeting)
    assert meeting.space_id is not None
    printed = sheets.run_sheet(database, who["USA"], LIMA, "USA", day)
    door = sheets.door_sheet(database, who["organiser"], LIMA, meeting.space_id, day)

    meetings.set_status(database, who["RUS"], LIMA, meeting.id, status)

    run_check = sheets.check(database, who["USA"], LIMA, printed.ref)
    door_check = sheets.check(database, who["organiser"], LIMA, door.ref)
    assert (run_check.current, run_check.latest.number) == (False, 3)
    [change] = run_check.changes
    assert change.startswith(f"Version 3: Bilateral with Russia {said} (was ")
    assert door_check.current is False
    # Both sides read it among their change notices, the latest about the meeting.
    for party, other in (("USA", "Russia"), ("RUS", "United States")):
        latest = [
            n
            for n in schedule_versions.notices(database, who[party], LIMA)
            if n.meeting_id == meeting.id
        ][-1]
        assert (latest.kind, latest.summary.split(" (was ")[0]) == (
            str(status),
            f"Bilateral with {other} {said}",
        )


def test_a_delegation_s_version_moves_only_with_its_own_meetings(database: Database) -> None:
    _, who = published_with_russia_us(lima_api(database))

    japan = sheets.run_sheet(database, who["JPN"], LIMA, "JPN", SAT)
    checked = sheets.check(database, who["JPN"], LIMA, japan.ref)

    assert japan.version.number == 1
    assert (checked.current, checked.latest.number) == (True, 1)


def test_a_check_of_a_version_not_yet_published_is_not_found(database: Database) -> None:
    _, who = published_with_russia_us(lima_api(database))

    with pytest.raises(NotFound):
        sheets.check(database, who["organiser"], LIMA, SheetRef(SheetKind.OVERVIEW, SAT, 3))


@pytest.mark.parametrize(
    "ref",
    [
        SheetRef(SheetKind.RUN_SHEET, SAT, 2, "USA"),
        SheetRef(SheetKind.DOOR_SHEET, SUN, 12, "lcc-bilateral-1"),
        SheetRef(SheetKind.OVERVIEW, SUN, 0),
        # A run-sheet that showed two changes reported on site: "r2.2-20161119-USA".
        SheetRef(SheetKind.RUN_SHEET, SAT, 2, "USA", 2),
    ],
)
def test_a_check_code_names_its_sheet(ref: SheetRef) -> None:
    assert sheets.parse_code(ref.code) == ref


@pytest.mark.parametrize("code", ["r2-20161119", "o2-20161119-USA", "x2-20161119", "r2-20161340-A"])
def test_a_code_that_names_no_sheet_is_refused(code: str) -> None:
    with pytest.raises(Invalid) as refused:
        sheets.parse_code(code)
    assert refused.value.field == "code"


def test_the_overview_of_the_night_the_clocks_go_back_has_its_hour_lived_twice(
    database: Database,
) -> None:
    """Los Angeles, 3 November 2030: 01:00 comes twice, first in PDT, then in PST. The meeting
    at the second 01:00 starts on the overview's row of that instant, among rows a half hour
    apart in real time."""
    fall_back = date(2030, 11, 3)
    second_one_o_clock = datetime(2030, 11, 3, 9, 0, tzinfo=UTC)
    event = replace(
        builders.event(
            ["A", "B"],
            [
                builders.meeting(
                    "ab",
                    "A",
                    "B",
                    windows=(
                        TimeSpan(second_one_o_clock, second_one_o_clock + timedelta(minutes=30)),
                    ),
                )
            ],
            days=(fall_back,),
            day_start=time(0, 0),
            day_end=time(3, 0),
            morning_ends=time(1, 0),
        ),
        id="night",
        timezone="America/Los_Angeles",
    )
    organiser = add_user(database, "night.protocol", Role.ORGANISER, None, None)
    events.import_event(database, organiser, event)
    run = solves.start_solve(database, organiser, "night", time_limit_s=1)
    solves.publish(database, organiser, "night", solves.wait_for_run(database, run.id).id)

    sheet = sheets.overview(database, organiser, "night", fall_back)

    # The sheet runs from the first thing of the day, the meeting, to its end: one row.
    assert [(row.starts_at, [c.starts for c in row.cells if c.starts]) for row in sheet.rows] == [
        (second_one_o_clock, [("Meeting, A and B",)])
    ]
