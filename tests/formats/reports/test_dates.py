"""Dates as reports write them: abbreviated English months, Russian ordinals in words."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sidelines.formats.reports import default_gazetteer
from sidelines.formats.reports.cues import WEEKDAYS_EN, WEEKDAYS_RU
from sidelines.formats.reports.dates import dates_in, labelled_dates, relative_day


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


LIMA = default_gazetteer().event("apec-2016-lima")  # Saturday 19 and Sunday 20 November 2016


@pytest.mark.parametrize(
    ("words", "published", "day"),
    [
        ("on Saturday evening", date(2016, 11, 20), date(2016, 11, 19)),
        ("on Sunday", date(2016, 11, 20), date(2016, 11, 20)),
        ("on Saturday", date(2016, 11, 22), date(2016, 11, 19)),
        ("в субботу вечером", date(2016, 11, 20), date(2016, 11, 19)),
        ("в воскресенье", date(2016, 11, 21), date(2016, 11, 20)),
        ("yesterday", date(2016, 11, 20), date(2016, 11, 19)),
        ("last night", date(2016, 11, 21), date(2016, 11, 20)),
        ("вчера вечером", date(2016, 11, 20), date(2016, 11, 19)),
    ],
)
def test_a_relative_day_is_the_last_such_day_on_or_before_the_report(
    words: str, published: date, day: date
) -> None:
    assert LIMA is not None
    assert relative_day(words, published, LIMA) == day


@pytest.mark.parametrize(
    ("words", "published"),
    [
        ("on Monday", date(2016, 11, 20)),  # the 14th, or a Monday still to come: not the summit's
        ("on Saturday", date(2016, 12, 3)),  # the Saturday before the report is the 26th
        ("yesterday", date(2016, 11, 30)),
        ("в понедельник", date(2016, 11, 20)),
        ("вчера", date(2016, 11, 30)),
        ("tomorrow", date(2016, 11, 25)),  # the 26th, a week after the summit's Saturday
        ("завтра", date(2016, 11, 10)),
    ],
)
def test_a_relative_day_outside_the_summit_is_no_day_of_it(words: str, published: date) -> None:
    assert LIMA is not None
    assert relative_day(words, published, LIMA) is None


def test_a_weekday_in_a_preview_is_the_summit_day_of_that_name() -> None:
    assert LIMA is not None
    assert relative_day("on Sunday", date(2016, 11, 17), LIMA, tense="ahead") == date(2016, 11, 20)


def test_a_weekday_of_a_plan_is_the_next_such_day() -> None:
    assert LIMA is not None
    assert relative_day("on Sunday", date(2016, 11, 19), LIMA, tense="ahead") == date(2016, 11, 20)
    assert relative_day("on Sunday", date(2016, 11, 19), LIMA) is None


@given(
    published=st.dates(date(2016, 10, 1), date(2017, 1, 31)),
    weekday=st.sampled_from(
        [*(f"on {d.capitalize()}" for d in WEEKDAYS_EN), *(f"в {d}" for d in WEEKDAYS_RU)]
    ),
)
def test_a_weekday_told_as_held_is_a_summit_day_of_its_name_not_after_the_report(
    published: date, weekday: str
) -> None:
    assert LIMA is not None
    day = relative_day(weekday, published, LIMA)

    if day is not None:
        named = weekday.split()[-1].lower()
        names = WEEKDAYS_EN if named in WEEKDAYS_EN else WEEKDAYS_RU
        assert day.weekday() == names.index(named)
        assert published - timedelta(days=6) <= day <= published
        assert LIMA.start - timedelta(days=2) <= day <= LIMA.end + timedelta(days=1)


def test_tomorrow_is_the_day_after_the_report_when_it_is_a_summit_day() -> None:
    assert LIMA is not None
    assert relative_day("tomorrow", date(2016, 11, 18), LIMA, tense="ahead") == date(2016, 11, 19)
    assert relative_day("завтра", date(2016, 11, 19), LIMA, tense="ahead") == date(2016, 11, 20)


@pytest.mark.parametrize(
    ("text", "labelled"),
    [
        ("met on Saturday, November 19, in Lima", [("Saturday, November 19", "2016-11-19", True)]),
        ("met on Saturday, November 21", [("Saturday, November 21", "2016-11-21", False)]),
        ("met Sunday 20 November 2016", [("Sunday 20 November 2016", "2016-11-20", True)]),
        ("встретились в субботу, 20 ноября", [("субботу, 20 ноября", "2016-11-20", False)]),
        ("встретились 19 ноября, в субботу", [("19 ноября, в субботу", "2016-11-19", True)]),
        ("met on Thursday, 21.11.2030", [("Thursday, 21.11.2030", "2030-11-21", True)]),
        ("met on Saturday after the talks of November 21", []),
        ("met on Sunday, the 19th", [("Sunday, the 19th", "2016-11-19", False)]),
        ("встретились в субботу, 19-го", [("субботу, 19-го", "2016-11-19", True)]),
        ("met on November 20 (Saturday) in", [("November 20 (Saturday)", "2016-11-20", False)]),
    ],
)
def test_a_weekday_written_beside_a_date_labels_it(
    text: str, labelled: list[tuple[str, str, bool]]
) -> None:
    found = labelled_dates(text, date(2016, 11, 20), LIMA)

    assert [(text[x.start : x.end], str(x.day), x.agrees) for x in found] == labelled


@given(
    day=st.dates(date(2016, 1, 1), date(2031, 12, 31)),
    weekday=st.integers(0, 6),
    russian=st.booleans(),
)
def test_a_labelled_date_agrees_exactly_when_it_falls_on_its_weekday(
    day: date, weekday: int, russian: bool
) -> None:
    months_ru = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа"]
    months_ru += ["сентября", "октября", "ноября", "декабря"]
    if russian:
        text = (
            f"встретились в {WEEKDAYS_RU[weekday]}, {day.day} {months_ru[day.month - 1]} {day.year}"
        )
    else:
        text = f"met on {WEEKDAYS_EN[weekday].capitalize()}, {day:%B} {day.day}, {day.year}"

    [labelled] = labelled_dates(text, date(2016, 11, 20), LIMA)

    assert (labelled.day, labelled.agrees) == (day, day.weekday() == weekday)
