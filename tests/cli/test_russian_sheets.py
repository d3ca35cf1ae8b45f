"""A Russian sheet as PDF: its Cyrillic text is printed with a Unicode font found on the
system, or else the one the ``fontpkg-noto-sans`` package installs; with no Unicode font a
sheet Helvetica cannot print is refused, naming what to install, never printed as question
marks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from sidelines.cli import pdf_fonts, sheets_pdf
from sidelines.cli.main import app
from sidelines.domain.negotiation import MeetingStatus
from sidelines.services import record, sheets
from sidelines.services.onsite_changes import organiser_named
from sidelines.services.record import Outcome
from sidelines.storage.db import Database
from tests.cli.test_sheets import _published
from tests.web.helpers import LIMA, issue_token

runner = CliRunner()


@pytest.fixture(autouse=True)
def _fonts_found_afresh() -> Iterator[None]:
    pdf_fonts.unicode_font.cache_clear()
    yield
    pdf_fonts.unicode_font.cache_clear()


@pytest.fixture
def published(lima_file: str) -> str:
    """Lima published, with the US delegation's account ``usa``; the database's URL."""
    _published(lima_file)
    issue_token(Database(lima_file), "usa", "USA")
    return lima_file


def _print_run_sheet(
    lima_file: str, out: Path, *language: str, day: str = "2016-11-20"
) -> tuple[int, str]:
    result = runner.invoke(
        app,
        ["print", "run-sheet", "--event", LIMA, "--user", "usa", "--day", day,
         "--out", str(out), "--database", lima_file, *language],
    )  # fmt: skip
    return result.exit_code, result.stderr


def _text(out: Path) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(out).pages).split())


def _fonts(out: Path) -> set[str]:
    page = PdfReader(out).pages[0]
    return {str(font["/BaseFont"]) for font in page["/Resources"]["/Font"].values()}


def test_a_russian_run_sheet_prints_its_cyrillic_text_and_version_stamp(
    published: str, tmp_path: Path
) -> None:
    out = tmp_path / "run.pdf"

    code, errors = _print_run_sheet(published, out, "--language", "ru")

    assert code == 0, errors
    text = _text(out)
    assert text.startswith("Распорядок делегации: United States, воскресенье 20 ноября 2016")
    assert "Версия расписания 1, опубликовано" in text
    assert "Время" in text
    assert "/check/" in text


def test_without_a_system_font_the_package_s_noto_sans_prints_cyrillic(
    published: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for look in ("_from_env", "_from_folders", "_from_fontconfig"):
        monkeypatch.setattr(pdf_fonts, look, lambda: None)
    out = tmp_path / "run.pdf"

    code, errors = _print_run_sheet(published, out, "--language", "ru")

    assert code == 0, errors
    assert "Версия расписания 1" in _text(out)
    assert any("NotoSans" in font for font in _fonts(out))


def test_a_font_named_in_the_environment_is_used_if_it_holds_cyrillic(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    found = pdf_fonts._from_package()
    assert found is not None
    latin_only = tmp_path / "not-a-font.ttf"
    latin_only.write_bytes(b"\0" * 64)

    monkeypatch.setenv(pdf_fonts.ENV, str(found.regular))
    named = pdf_fonts._from_env()
    monkeypatch.setenv(pdf_fonts.ENV, str(latin_only))
    broken = pdf_fonts._from_env()

    assert named is not None
    assert (named.regular, named.source) == (found.regular, pdf_fonts.ENV)
    assert broken is None


def test_with_no_unicode_font_a_russian_sheet_is_refused_and_an_english_one_printed(
    published: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sheets_pdf, "unicode_font", lambda: None)
    russian, english = tmp_path / "ru.pdf", tmp_path / "en.pdf"

    refused = _print_run_sheet(published, russian, "--language", "ru")
    printed = _print_run_sheet(published, english, "--language", "en")

    assert refused[0] == 2
    assert "cannot print" in refused[1]
    assert "apt-get install fonts-dejavu-core" in refused[1]
    assert "pip install fontpkg-noto-sans" in refused[1]
    assert not russian.exists()
    assert printed == (0, "")
    assert _fonts(english) == {"/Helvetica", "/Helvetica-Bold"}
    assert "Schedule version 1, published" in _text(english)
    assert "?" not in _text(english).replace("Still current?", "")


def test_the_organiser_s_overview_in_russian_names_its_columns_in_russian(
    published: str, tmp_path: Path
) -> None:
    out = tmp_path / "overview.pdf"

    result = runner.invoke(
        app,
        ["print", "overview", "--event", LIMA, "--user", "protocol", "--day", "2016-11-20",
         "--out", str(out), "--database", published, "--language", "ru"],
    )  # fmt: skip

    assert result.exit_code == 0, result.stderr
    text = _text(out)
    assert text.startswith("Обзор дня, воскресенье 20 ноября 2016")
    assert "без помещения" in text
    assert "no room" not in text


def _hold_a_meeting_of_the_usa(lima_file: str) -> str:
    """The organiser records one of the US delegation's meetings as held; the meeting's day."""
    database = Database(lima_file)
    organiser = organiser_named(database, "protocol")
    day, meeting = next(
        (day, line.meeting)
        for day in (date(2016, 11, 19), date(2016, 11, 20))
        for line in sheets.run_sheet(database, organiser, LIMA, "USA", day).lines
        if line.meeting
    )
    record.record_outcome(
        database, organiser, LIMA, meeting.meeting_id, Outcome(MeetingStatus.HELD)
    )
    database.dispose()
    return day.isoformat()


def test_a_russian_run_sheet_says_meeting_states_and_press_plans_in_russian(
    published: str, tmp_path: Path
) -> None:
    day = _hold_a_meeting_of_the_usa(published)
    russian, english = tmp_path / "ru.pdf", tmp_path / "en.pdf"

    assert _print_run_sheet(published, russian, "--language", "ru", day=day)[0] == 0
    assert _print_run_sheet(published, english, "--language", "en", day=day)[0] == 0

    said, unsaid = _text(russian), _text(english)
    assert "пресса: без прессы" in said
    assert "состоялась" in said
    assert "no press" not in said
    assert "held" not in said
    # The English sheet keeps the English words.
    assert "press: no press" in unsaid
    assert "held" in unsaid
