"""``sidelines schedule``: the organiser solves against the published schedule from the console,
reads the preview as a table and publishes what it confirmed; bad input exits with code 2 and
writes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from sidelines.cli.main import app
from sidelines.storage.db import Database
from sidelines.storage.tables import NoticeRow, ScheduleVersionRow, SolveRunRow
from tests.web.helpers import LIMA

runner = CliRunner()


def schedule(url: str, *arguments: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["schedule", *arguments, "--user", "protocol", "--database", url])
    return result.exit_code, result.stdout, result.stderr


def count(url: str, table: type[ScheduleVersionRow | NoticeRow | SolveRunRow]) -> int:
    database = Database(url)
    with database.reading() as session:
        found = session.scalar(select(func.count()).select_from(table)) or 0
    database.dispose()
    return found


def run_ids(url: str) -> list[int]:
    """The event's solve runs, in the order they were started (ids are random)."""
    database = Database(url)
    with database.reading() as session:
        ids = list(session.scalars(select(SolveRunRow.id).order_by(SolveRunRow.started_at)))
    database.dispose()
    return ids


def test_a_solve_prints_its_preview_and_publishing_it_sends_those_notices(lima_file: str) -> None:
    code, out, err = schedule(lima_file, "solve", LIMA, "--time-limit", "1")
    lines = out.splitlines()
    digest = lines[-1].removeprefix("confirm with: --confirm ")
    added = sum(1 for line in lines if " added " in f" {line} ")
    [run_id] = run_ids(lima_file)

    published = schedule(lima_file, "publish", LIMA, str(run_id), "--confirm", digest)

    assert (code, err) == (0, "")
    assert lines[0] == (
        f"solve {run_id} against nothing published: {added} added, 0 moved, 0 left out, "
        f"notices to {lines[0].split('notices to ')[1]}"
    )
    assert lines[1].startswith("weight ")
    assert lines[2].split() == ["meeting", "change", "what", "was", "now", "notice", "to"]
    assert added == 3
    assert published == (0, "published version 1\n", "")
    assert count(lima_file, NoticeRow) == 6


@pytest.mark.slow
def test_a_re_solve_with_keep_moves_nothing(lima_file: str) -> None:
    _, out, _ = schedule(lima_file, "solve", LIMA, "--time-limit", "1")
    [first] = run_ids(lima_file)
    schedule(lima_file, "publish", LIMA, str(first), "--confirm", out.splitlines()[-1].split()[-1])

    code, out, _ = schedule(lima_file, "solve", LIMA, "--time-limit", "1", "--stability", "keep")

    assert code == 0
    assert out.splitlines()[0] == (
        f"solve {run_ids(lima_file)[1]} against published version 1: 0 added, 0 moved, 0 left out, "
        "notices to 0 delegations"
    )


def test_publishing_with_another_confirmation_writes_nothing(lima_file: str) -> None:
    schedule(lima_file, "solve", LIMA, "--time-limit", "1")
    [run_id] = run_ids(lima_file)

    code, out, err = schedule(lima_file, "publish", LIMA, str(run_id), "--confirm", "0000")

    assert (code, out) == (2, "")
    assert err.startswith("error: the schedule to publish changed since the preview was shown")
    assert count(lima_file, ScheduleVersionRow) == 0


def test_a_bad_stability_is_refused_naming_it(lima_file: str) -> None:
    code, out, err = schedule(lima_file, "solve", LIMA, "--stability", "sometimes")

    assert (code, out) == (2, "")
    assert err == "error: --stability: stability must be one of keep, minimal, free\n"
    assert count(lima_file, SolveRunRow) == 0


@pytest.mark.parametrize("seconds", ["0", "-1", "601"])
def test_a_time_limit_out_of_range_is_refused_before_a_solve_starts(
    lima_file: str, seconds: str
) -> None:
    code, out, err = schedule(lima_file, "solve", LIMA, "--time-limit", seconds)

    assert (code, out) == (2, "")
    assert "Invalid value for '--time-limit'" in err
    assert count(lima_file, SolveRunRow) == 0


def test_ctrl_c_while_waiting_for_a_solve_records_it_stopped_and_says_so(
    lima_file: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C while the console waits for its solve: the run is recorded as stopped (failed,
    with why), as a solve whose process died is, rather than left running until the next solve
    of the event clears it; one line says so, and the exit is 130 as for any Ctrl-C."""
    from sidelines.services import solves

    def interrupted(*_args: object, **_kwargs: object) -> solves.SolveRunView:
        raise KeyboardInterrupt

    monkeypatch.setattr(solves, "wait_for_run", interrupted)

    code, out, err = schedule(lima_file, "solve", LIMA, "--time-limit", "30")
    [run_id] = run_ids(lima_file)
    database = Database(lima_file)
    with database.reading() as session:
        run = session.get(SolveRunRow, run_id)
        assert run is not None
        status, finished, error = run.status, run.finished_at, run.progress.get("error")
    database.dispose()

    assert (code, out) == (130, "")
    assert err == f"interrupted: solve {run_id} stopped\n"
    assert (status, finished is not None, error) == ("failed", True, "interrupted")
