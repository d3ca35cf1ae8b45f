"""CSV as the exports write it: text a spreadsheet would run as a formula is defused, numbers
stay numbers."""

from __future__ import annotations

import csv
import io

import pytest

from sidelines.formats.csv_text import csv_text, spreadsheet_safe


@pytest.mark.parametrize(
    "text",
    ['=HYPERLINK("http://x","y")', "+1+1", "-1+cmd|' /C calc'!A0", "@SUM(A1)", "\tx", "\rx"],
)
def test_a_cell_a_spreadsheet_would_run_gets_a_leading_quote(text: str) -> None:
    assert spreadsheet_safe(text) == "'" + text


@pytest.mark.parametrize("value", [-3, 2.5, "-3", "-0.50", "+7", "Ukraine", "", None])
def test_numbers_and_plain_text_stay_as_they_are(value: object) -> None:
    assert spreadsheet_safe(value) == value


def test_csv_text_guards_every_cell_but_the_header() -> None:
    text = csv_text(["kind", "text", "count"], [["statement", "=1+2", -4]])

    assert list(csv.reader(io.StringIO(text))) == [
        ["kind", "text", "count"],
        ["statement", "'=1+2", "-4"],
    ]
