"""``sidelines attendance sweep``: the organiser runs once what is due at a moment and reads
what it did; a bad moment is refused with exit code 2."""

from __future__ import annotations

from datetime import timedelta

from typer.testing import CliRunner

from sidelines.cli.main import app
from sidelines.services import attendance
from sidelines.services.onsite_changes import organiser_named
from sidelines.storage.db import Database
from sidelines.storage.tables import MeetingRow
from tests.cli.test_onsite import placed, publish
from tests.web.helpers import LIMA

runner = CliRunner()


def sweep(url: str, *arguments: str) -> tuple[int, str, str]:
    result = runner.invoke(
        app, ["attendance", "sweep", LIMA, *arguments, "--user", "protocol", "--database", url]
    )
    return result.exit_code, result.stdout, result.stderr


def test_the_sweep_marks_a_no_show_and_says_so(lima_file: str) -> None:
    publish(lima_file)
    meeting_id, start, *_ = placed(lima_file)
    database = Database(lima_file)
    with database.reading() as session:
        row = session.get(MeetingRow, meeting_id)
        assert row is not None
        assert row.starts_at is not None
        begins = row.starts_at
    [side, *_] = attendance.attendance(
        database, organiser_named(database, "protocol"), LIMA, meeting_id, at=begins
    ).sides
    attendance.check_in_by_code(
        database,
        organiser_named(database, "protocol"),
        LIMA,
        attendance.door_code(LIMA, meeting_id),
        side,
        at=begins,
    )
    database.dispose()

    before = sweep(lima_file, "--at", (begins + timedelta(minutes=9)).isoformat())
    due = sweep(lima_file, "--at", (begins + timedelta(minutes=10)).isoformat())

    assert before == (0, "nothing was due\n", "")
    assert due[0] == 0
    # The meeting by its title, as the organiser knows it, not by its row number.
    assert due[1].splitlines()[:2] == ["Xi-Obama bilateral: no-show", "schedule version 2"]
    assert start == begins.isoformat()


def test_a_moment_that_is_no_time_is_refused(lima_file: str) -> None:
    assert sweep(lima_file, "--at", "tomorrow")[0] == 2


def test_a_moment_without_its_zone_is_refused_naming_it(lima_file: str) -> None:
    code, out, err = sweep(lima_file, "--at", "2016-11-20T10:00")

    assert (code, out) == (2, "")
    assert err == (
        "error: --at: must carry a time zone (2016-11-20T10:00-05:00), got 2016-11-20T10:00:00\n"
    )
