"""``sidelines history import``: a good file is imported once; a bad one is refused whole, each
problem on its own line, with exit code 2."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from sidelines.cli.main import app
from sidelines.storage.db import Database
from sidelines.storage.tables import HistoricalMeetingRow
from tests.web.helpers import row_counts

runner = CliRunner()
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "history-russia-usa.csv"


def test_good_file_is_imported_and_a_second_import_adds_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'history.sqlite3'}"

    first = runner.invoke(app, ["history", "import", str(EXAMPLE), "--database", url])
    again = runner.invoke(app, ["history", "import", str(EXAMPLE), "--database", url])

    assert (first.exit_code, first.stdout) == (
        0,
        f"imported 2 meeting(s) from {EXAMPLE}; 0 already known\n",
    )
    assert (again.exit_code, again.stdout) == (
        0,
        f"imported 0 meeting(s) from {EXAMPLE}; 2 already known\n",
    )


def test_bad_file_is_refused_whole_with_every_problem_by_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'history.sqlite3'}"
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "date,event,parties\n"
        "2016-09-05,G20 summit,RUS;USA\n"
        "2016-09-31,G20 summit,RUS;USA\n"
        "2016-09-05,,RUS;USA\n"
    )

    result = runner.invoke(app, ["history", "import", str(bad), "--database", url])

    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"error: {bad}:3: date: '2016-09-31' is not a valid date (day is out of range for "
        "month)\n"
        f"error: {bad}:4: event: required field is missing\n"
        f"{bad}: nothing imported\n"
    )
    database = Database(url)
    database.upgrade()
    assert row_counts(database, HistoricalMeetingRow) == {"historical_meetings": 0}
    database.dispose()


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "none.json"

    result = runner.invoke(app, ["history", "import", str(missing)])

    assert (result.exit_code, result.stderr) == (
        2,
        f"error: {missing}: no such file\n{missing}: nothing imported\n",
    )


def test_a_folder_is_not_called_an_event_file(tmp_path: Path) -> None:
    folder = tmp_path / "history.csv"
    folder.mkdir()

    result = runner.invoke(app, ["history", "import", str(folder)])

    assert (result.exit_code, result.stderr) == (
        2,
        f"error: {folder}: is a folder, not a file\n{folder}: nothing imported\n",
    )
