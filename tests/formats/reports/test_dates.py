"""Dates as reports write them: abbreviated English months, Russian ordinals in words."""

from __future__ import annotations

from datetime import date

import pytest

from sidelines.formats.reports.dates import dates_in


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Biden and Xi met on Nov. 15 in Woodside", "2023-11-15"),
        ("NEW DELHI, Sept 9 (Reuters)", "2023-09-09"),
        ("on 16 Nov. the leaders", "2023-11-16"),
        ("late in Sept. they spoke", "2023-09"),
        ("переговоры третьего июля", "2023-07-03"),
        ("встреча двадцать второго октября", "2023-10-22"),
        ("тридцать первого августа 2023", "2023-08-31"),
        ("встретились 28-го июня", "2023-06-28"),
        ("met on 28/06/2023", "2023-06-28"),
        ("met on 06/28/2023", "2023-06-28"),
    ],
)
def test_a_date_is_read_as_precisely_as_written(text: str, found: str) -> None:
    assert [str(d) for d in dates_in(text, date(2023, 11, 17), None)] == [found]


def test_a_word_that_only_begins_like_a_month_is_no_date() -> None:
    assert dates_in("Mar-a-Lago 15 guests, Decisions 3", date(2023, 11, 17), None) == []


def test_a_slash_date_either_way_round_is_left_unread() -> None:
    assert dates_in("met on 05/06/2023", date(2023, 11, 17), None) == []
