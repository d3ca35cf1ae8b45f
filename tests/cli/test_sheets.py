"""``sidelines print``: a sheet as PDF, read from the event's database as the named account may
see it, with the version stamp, the names and the link to check it is current."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from sidelines.cli.main import app
from sidelines.services import sheet_links, sheets, solves
from sidelines.services.onsite_changes import organiser_named
from sidelines.storage.db import Database
from sidelines.web.settings import Settings
from tests.web.helpers import LIMA, issue_token

runner = CliRunner()


def _published(url: str) -> sheets.DoorSheet:
    """Publish a solve; the Chinese suite's door sheet of the day its meeting went to."""
    database = Database(url)
    organiser = organiser_named(database, "protocol")
    run = solves.wait_for_run(
        database, solves.start_solve(database, organiser, LIMA, time_limit_s=1).id
    )
    solves.publish(database, organiser, LIMA, run.id)
    door = next(
        sheet
        for day in (date(2016, 11, 19), date(2016, 11, 20))
        if (sheet := sheets.door_sheet(database, organiser, LIMA, "chn-suite", day)).meetings
    )
    database.dispose()
    return door


def _text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_a_door_sheet_pdf_carries_the_version_stamp_names_and_check_link(
    lima_file: str, tmp_path: Path
) -> None:
    door = _published(lima_file)
    out = tmp_path / "door.pdf"

    result = runner.invoke(
        app,
        [
            "print", "door-sheet", "--event", LIMA, "--user", "protocol",
            "--space", "chn-suite", "--day", door.day.isoformat(), "--out", str(out),
            "--base-url", "https://sidelines.example", "--database", lima_file,
        ],
    )  # fmt: skip

    assert (result.exit_code, result.stdout) == (0, f"wrote {out} (1 page)\n")
    assert len(PdfReader(out).pages) == 1
    text = " ".join(_text(out).split())
    assert "Chinese delegation suite" in text
    assert "Schedule version 1, published" in text
    link = sheet_links.check_path(Settings().secret_key.encode(), LIMA, door.ref)
    assert f"https://sidelines.example{link}" in text
    assert "Expanded bilateral, People's Republic of China and United States" in text
    assert "Xi Jinping, President (People's Republic of China)" in text
    # The host's protocol service sees bookings only: not the sides' topics.
    assert "South China Sea" not in text


def test_a_delegation_s_run_sheet_pdf_has_a_page_a_day_with_its_topics(
    lima_file: str, tmp_path: Path
) -> None:
    _published(lima_file)
    issue_token(Database(lima_file), "usa", "USA")
    out = tmp_path / "run.pdf"

    result = runner.invoke(
        app,
        ["print", "run-sheet", "--event", LIMA, "--user", "usa", "--out", str(out),
         "--database", lima_file],
    )  # fmt: skip

    assert result.exit_code == 0, result.stderr
    pages = [" ".join(page.extract_text().split()) for page in PdfReader(out).pages]
    assert [page.split(", ")[0] for page in pages] == ["Run-sheet of United States"] * 2
    assert ["Saturday 19 November 2016" in pages[0], "Sunday 20 November 2016" in pages[1]] == [
        True,
        True,
    ]
    assert all("Schedule version 1, published" in page for page in pages)
    assert "South China Sea" in " ".join(pages)


def test_a_delegation_cannot_print_the_organiser_s_overview(lima_file: str, tmp_path: Path) -> None:
    _published(lima_file)
    issue_token(Database(lima_file), "usa", "USA")
    out = tmp_path / "overview.pdf"

    result = runner.invoke(
        app,
        ["print", "overview", "--event", LIMA, "--user", "usa", "--out", str(out),
         "--database", lima_file],
    )  # fmt: skip

    assert (result.exit_code, result.stderr) == (
        2,
        "error: door sheets, the day overview and others' run-sheets are the organiser's\n",
    )
    assert not out.exists()


def test_a_day_not_of_the_event_is_refused(lima_file: str, tmp_path: Path) -> None:
    out = tmp_path / "overview.pdf"

    result = runner.invoke(
        app,
        ["print", "overview", "--event", LIMA, "--user", "protocol", "--day", "2016-11-21",
         "--out", str(out), "--database", lima_file],
    )  # fmt: skip

    assert (result.exit_code, result.stderr) == (
        2,
        "error: --day: 2016-11-21 is not a day of the event\n",
    )
    assert not out.exists()


@pytest.mark.parametrize(
    ("out", "said"),
    [
        (".", "--out: {out} is a folder; name the file to write"),
        ("no-such-folder/overview.pdf", "{out}: cannot write: No such file or directory"),
    ],
    ids=["folder", "missing folder"],
)
def test_an_out_that_cannot_be_written_is_refused_naming_it(
    lima_file: str, tmp_path: Path, out: str, said: str
) -> None:
    path = tmp_path / out if out != "." else tmp_path

    result = runner.invoke(
        app,
        ["print", "overview", "--event", LIMA, "--user", "protocol", "--out", str(path),
         "--database", lima_file],
    )  # fmt: skip

    assert (result.exit_code, result.stdout, result.stderr) == (
        2,
        "",
        "error: " + said.format(out=path) + "\n",
    )
