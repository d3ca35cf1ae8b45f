"""``sidelines onsite``: the organiser reports a change at the venue from the console and reads
what the schedule did; bad input is refused with exit code 2 and nothing written."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from sidelines.cli.main import app
from sidelines.services import solves
from sidelines.services.onsite_changes import organiser_named
from sidelines.storage.db import Database
from sidelines.storage.tables import MeetingRow, OnsiteChangeRow, SpaceRow
from tests.web.helpers import LIMA, issue_token, row_counts
from tests.web.pages.test_grid_edits import LIMA_ZONE

runner = CliRunner()


def publish(url: str) -> None:
    database = Database(url)
    organiser = organiser_named(database, "protocol")
    run = solves.start_solve(database, organiser, LIMA, time_limit_s=1)
    run = solves.wait_for_run(database, run.id)
    solves.publish(database, organiser, LIMA, run.id)
    database.dispose()


def onsite(url: str, *arguments: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["onsite", *arguments, "--user", "protocol", "--database", url])
    return result.exit_code, result.stdout, result.stderr


def change_id(url: str) -> int:
    """The id of the one change recorded."""
    database = Database(url)
    with database.reading() as session:
        [found] = session.scalars(select(OnsiteChangeRow.id)).all()
    database.dispose()
    return found


def test_a_departure_before_any_schedule_is_recorded(lima_file: str) -> None:
    printed = onsite(
        lima_file, "departure", LIMA, "--party", "USA", "--leaves-at", "2016-11-20T17:00-05:00"
    )

    recorded = change_id(lima_file)
    assert printed == (0, f"recorded departure {recorded}\nno meeting had to change\n", "")


def placed(url: str, meeting_id: int | None = None) -> tuple[int, str, str, str, str]:
    """A meeting in a room (the one in China's suite, unless named): its id, its start, end
    and room, and where it is as the command prints it, in Lima's time with the room's name."""
    database = Database(url)
    with database.reading() as session:
        query = select(MeetingRow).where(MeetingRow.space_id.is_not(None))
        if meeting_id is not None:
            query = query.where(MeetingRow.id == meeting_id)
        else:
            query = query.where(MeetingRow.space_id == "chn-suite")
        row = session.scalars(query).first()
        assert row is not None
        room = session.get(SpaceRow, (LIMA, row.space_id))
    database.dispose()
    assert row.starts_at is not None
    assert row.ends_at is not None
    assert row.space_id is not None
    assert room is not None
    start, end = row.starts_at.astimezone(LIMA_ZONE), row.ends_at.astimezone(LIMA_ZONE)
    said = f"{start:%a %d %b %Y %H:%M}–{end:%H:%M}, {room.name}"
    return row.id, row.starts_at.isoformat(), row.ends_at.isoformat(), row.space_id, said


def test_a_closed_room_prints_the_meeting_that_moved_by_name_in_venue_time(
    lima_file: str,
) -> None:
    publish(lima_file)
    meeting_id, start, end, room, was = placed(lima_file)

    code, out, err = onsite(lima_file, "closure", LIMA, room, "--start", start, "--end", end)

    now = placed(lima_file, meeting_id)[4]
    assert was.startswith("Sat 19 Nov 2016 ")
    assert was.endswith(", Chinese delegation suite")
    assert (code, out, err) == (
        0,
        f"recorded closure {change_id(lima_file)}\nschedule version 2\n"
        f"  Xi-Obama bilateral moved: {was} -> {now}\n",
        "",
    )


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        (
            ("departure", LIMA, "--principal", "nobody", "--leaves-at", "2016-11-20T17:00Z"),
            "error: --principal: no principal 'nobody' at this event\n",
        ),
        (
            ("departure", LIMA, "--party", "USA", "--leaves-at", "2016-11-20T17:00"),
            "error: --leaves-at: must carry a time zone (2016-11-20T10:00-05:00), got "
            "2016-11-20T17:00:00\n",
        ),
        (
            ("departure", LIMA, "--party", "USA", "--leaves-at", "tomorrow"),
            "error: --leaves-at: not an ISO 8601 time: 'tomorrow'\n",
        ),
        (
            ("overrun", LIMA, "karaoke", "15"),
            "error: SESSION: no programme session 'karaoke' at this event\n",
        ),
        (
            (
                "closure",
                LIMA,
                "lcc-bilateral-1",
                "--start",
                "2016-11-20T12:00Z",
                "--end",
                "2016-11-20T11:00Z",
            ),
            "error: --end: the span must end after it starts\n",
        ),
        (
            # Times in the venue's words, as the organiser reads them at the venue.
            ("departure", LIMA, "--party", "USA", "--leaves-at", "2016-11-22T15:00Z"),
            "error: --leaves-at: Tue 22 Nov 2016 10:00 is outside the event, which runs from "
            "Sat 19 Nov 2016 07:00 to Sun 20 Nov 2016 23:00\n",
        ),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(
    lima_file: str, arguments: tuple[str, ...], error: str
) -> None:
    assert onsite(lima_file, *arguments) == (2, "", error)
    database = Database(lima_file)
    assert row_counts(database, OnsiteChangeRow) == {"onsite_changes": 0}
    database.dispose()


def test_an_account_that_is_not_the_organisers_is_refused(lima_file: str) -> None:
    database = Database(lima_file)
    issue_token(database, "russia", "RUS")
    database.dispose()

    result = runner.invoke(
        app,
        ["onsite", "overrun", LIMA, "retreat-1", "15", "--user", "russia", "--database", lima_file],
    )

    assert (result.exit_code, result.stderr) == (
        2,
        "error: --user: no organiser account 'russia'\n",
    )
