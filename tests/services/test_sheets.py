"""Printed sheets hold only what their reader may see, carry the version they were printed from,
and their check says when a newer version changed them."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from sidelines.domain.negotiation import Answer
from sidelines.services import edits, events, meetings, negotiation, sheets
from sidelines.services.accounts import actor_for_token
from sidelines.services.actors import Actor
from sidelines.services.edits import Target
from sidelines.services.errors import Invalid, NotFound
from sidelines.services.meetings import MeetingView
from sidelines.services.negotiation import Terms
from sidelines.services.sheets import SheetKind, SheetRef
from sidelines.storage.db import Database
from tests.web.helpers import LIMA, Lima, lima_api, solve_and_publish

SAT = date(2016, 11, 19)
SUN = date(2016, 11, 20)


def _actors(api: Lima) -> dict[str, Actor]:
    found = {party: actor_for_token(api.database, token) for party, token in api.tokens.items()}
    found["organiser"] = actor_for_token(api.database, api.organiser)
    return found


def _published_with_russia_us(database: Database) -> tuple[MeetingView, dict[str, Actor]]:
    """Version 1 from the solver (China–US, Japan–Peru, Australia–Canada), then version 2: a
    Russia–US bilateral agreed and placed; the Russia–US meeting as the US sees it. The
    solver's placements vary from run to run, so tests read where things went."""
    api = lima_api(database)
    solve_and_publish(api)
    who = _actors(api)
    asked = negotiation.create_request(
        database, who["RUS"], LIMA, ["USA"], Terms(topics=("Syria", "Ukraine"))
    )
    negotiation.respond(database, who["USA"], LIMA, asked.id, Answer.ACCEPT)
    meeting = _russia_us(database, who)
    if meeting.starts_at is None:
        # Placing at once has a fraction of a second; on a loaded machine the organiser places it.
        fitting = edits.meeting_places(database, who["organiser"], LIMA, meeting.id)
        spot = next(p for p in fitting.places if p.fits)
        edits.place(
            database, who["organiser"], LIMA, meeting.id, Target(spot.starts_at, spot.space_id)
        )
        meeting = _russia_us(database, who)
    return meeting, who


def _russia_us(database: Database, who: dict[str, Actor]) -> MeetingView:
    return next(m for m in meetings.list_meetings(database, who["USA"], LIMA) if "RUS" in m.parties)


def _day(meeting: MeetingView) -> date:
    assert meeting.starts_at is not None
    return meeting.starts_at.astimezone(ZoneInfo("America/Lima")).date()


def _lines(database: Database, actor: Actor, party: str) -> list[sheets.SheetLine]:
    return [
        line
        for day in (SAT, SUN)
        for line in sheets.run_sheet(database, actor, LIMA, party, day).lines
    ]


def test_a_run_sheet_names_counterparts_terms_and_programme_for_its_delegation(
    database: Database,
) -> None:
    meeting, who = _published_with_russia_us(database)

    sheet = sheets.run_sheet(database, who["USA"], LIMA, "USA", _day(meeting))

    assert sheet.version.number == 2
    assert sheet.ref.code == f"r2-{_day(meeting):%Y%m%d}-USA"
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
    _, who = _published_with_russia_us(database)

    titles = {line.meeting.title for line in _lines(database, who["USA"], "USA") if line.meeting}
    japan = [line.meeting.title for line in _lines(database, who["JPN"], "JPN") if line.meeting]

    assert titles == {"Expanded bilateral with People's Republic of China", "Bilateral with Russia"}
    assert japan == ["Courtesy call with Peru"]
    with pytest.raises(NotFound):
        sheets.run_sheet(database, who["JPN"], LIMA, "USA", SAT)


def test_a_delegation_reads_no_door_sheet_overview_or_other_s_check(database: Database) -> None:
    _, who = _published_with_russia_us(database)

    with pytest.raises(NotFound):
        sheets.door_sheet(database, who["USA"], LIMA, "rus-suite", SAT)
    with pytest.raises(NotFound):
        sheets.overview(database, who["USA"], LIMA, SAT)
    with pytest.raises(NotFound):
        sheets.check(database, who["USA"], LIMA, SheetRef(SheetKind.RUN_SHEET, SAT, 1, "RUS"))


def test_a_bookings_only_organiser_reads_no_terms_or_topics(database: Database) -> None:
    meeting, who = _published_with_russia_us(database)
    assert meeting.space_id is not None

    door = sheets.door_sheet(database, who["organiser"], LIMA, meeting.space_id, _day(meeting))
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
    who = _actors(api)
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
    meeting, who = _published_with_russia_us(database)
    assert meeting.starts_at is not None
    assert meeting.space_id is not None

    sheet = sheets.overview(database, who["organiser"], LIMA, _day(meeting))

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
    meeting, who = _published_with_russia_us(database)
    day = _day(meeting)

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


def test_a_delegation_s_version_moves_only_with_its_own_meetings(database: Database) -> None:
    _, who = _published_with_russia_us(database)

    japan = sheets.run_sheet(database, who["JPN"], LIMA, "JPN", SAT)
    checked = sheets.check(database, who["JPN"], LIMA, japan.ref)

    assert japan.version.number == 1
    assert (checked.current, checked.latest.number) == (True, 1)


def test_a_check_of_a_version_not_yet_published_is_not_found(database: Database) -> None:
    _, who = _published_with_russia_us(database)

    with pytest.raises(NotFound):
        sheets.check(database, who["organiser"], LIMA, SheetRef(SheetKind.OVERVIEW, SAT, 3))


@pytest.mark.parametrize(
    "ref",
    [
        SheetRef(SheetKind.RUN_SHEET, SAT, 2, "USA"),
        SheetRef(SheetKind.DOOR_SHEET, SUN, 12, "lcc-bilateral-1"),
        SheetRef(SheetKind.OVERVIEW, SUN, 0),
    ],
)
def test_a_check_code_names_its_sheet(ref: SheetRef) -> None:
    assert sheets.parse_code(ref.code) == ref


@pytest.mark.parametrize("code", ["r2-20161119", "o2-20161119-USA", "x2-20161119", "r2-20161340-A"])
def test_a_code_that_names_no_sheet_is_refused(code: str) -> None:
    with pytest.raises(Invalid) as refused:
        sheets.parse_code(code)
    assert refused.value.field == "code"
