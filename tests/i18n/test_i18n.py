"""Texts and dates in the reader's language; English wherever none was set."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from sidelines import i18n
from sidelines.formats.reports.gazetteer import default_gazetteer
from sidelines.i18n.words import words


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("ru-RU,ru;q=0.9,en-US;q=0.8", "ru"),
        ("de-DE, en;q=0.7, ru;q=0.8", "ru"),
        ("en-GB,ru;q=0.5", "en"),
        ("ru;q=0", None),
        ("fr, de", None),
        ("", None),
        (None, None),
        ("ru;q=abc, en", "en"),
    ],
)
def test_accept_language_picks_the_best_language_with_a_catalog(
    header: str | None, expected: str | None
) -> None:
    assert i18n.from_accept_language(header) == expected


def test_english_is_the_language_when_none_was_set() -> None:
    assert i18n.current() == "en"
    assert i18n.gettext("Inbox") == "Inbox"


def test_russian_texts_and_plural_forms() -> None:
    with i18n.speaking("ru"):
        assert i18n.gettext("Inbox") == "Входящие"
        steps = [
            i18n.ngettext("%(num)d step", "%(num)d steps", n) % {"num": n} for n in (1, 3, 5, 21)
        ]
        assert steps == ["1 шаг", "3 шага", "5 шагов", "21 шаг"]
        assert i18n.pgettext("term", "agreed") == "согласовано"
    assert i18n.gettext("Inbox") == "Inbox"


def test_dates_and_times_read_in_the_venue_zone_with_the_reader_month_names() -> None:
    instant = datetime(2016, 11, 20, 13, 30, tzinfo=UTC)  # 08:30 in Lima

    english = i18n.format_instant(instant, "America/Lima", "%a %d %b %H:%M")
    with i18n.speaking("ru"):
        russian = i18n.format_instant(instant, "America/Lima", "%a %d %b %H:%M")
        day = i18n.format_day(date(2016, 11, 20), "%A %d %B %Y")

    assert english == instant.astimezone(i18n.ZoneInfo("America/Lima")).strftime("%a %d %b %H:%M")
    assert english == "Sun 20 Nov 08:30"
    assert russian == "вс 20 нояб. 08:30"
    assert day == "воскресенье 20 ноября 2016"


def test_english_names_are_the_same_by_cldr_and_by_strftime() -> None:
    # English takes strftime's quicker way; CLDR's English must read the same.
    instant = datetime(2016, 9, 4, 13, 5, tzinfo=UTC)
    for fmt in ("%a %d %b %H:%M", "%A %d %B %Y", "%d %b %Y %H:%M", "%H:%M"):
        english = i18n.format_instant(instant, "Asia/Shanghai", fmt)
        cldr = i18n.format_datetime(
            instant.astimezone(i18n.ZoneInfo("Asia/Shanghai")),
            i18n._pattern(fmt),
            tzinfo=i18n.ZoneInfo("Asia/Shanghai"),
            locale="en",
        )
        assert english == cldr, fmt


def test_an_unknown_language_speaks_english() -> None:
    with i18n.speaking("xx"):
        assert i18n.current() == "en"
        assert i18n.format_day(date(2016, 11, 20), "%d %B") == "20 November"


@pytest.mark.parametrize(
    ("kind", "english", "russian"),
    [
        ("run-sheet", "run-sheet", "распорядок делегации"),
        ("door-sheet", "door sheet", "лист у входа"),
        ("overview", "day overview", "обзор дня"),
    ],
)
def test_a_printed_sheet_s_kind_reads_in_words(kind: str, english: str, russian: str) -> None:
    # The sheet's check names its kind: "The sheet (run-sheet, Saturday 19 November 2016)".
    assert words(kind) == english
    with i18n.speaking("ru"):
        assert words(kind) == russian


def test_every_post_of_the_report_roster_reads_in_russian() -> None:
    # Who confirmed a meeting is shown by post ("Dmitry Peskov, press secretary"): a Russian
    # page must not say it in English.
    roster = default_gazetteer()
    posts = {p.role for p in roster.people} | {o.role for o in roster.offices} | {"principal"}

    with i18n.speaking("ru"):
        in_english = sorted(post for post in posts if words(post) == post)

    assert (in_english, words("press secretary")) == ([], "press secretary")
    with i18n.speaking("ru"):
        assert words("foreign ministry spokeswoman") == "официальный представитель МИД"


def test_a_working_language_reads_by_its_name_in_the_reader_s_language() -> None:
    assert [i18n.language_name(code) for code in ("en", "ru", "zh", "xx-nonsense")] == [
        "English",
        "Russian",
        "Chinese",
        "xx-nonsense",
    ]
    with i18n.speaking("ru"):
        assert [i18n.language_name(code) for code in ("en", "ru")] == ["английский", "русский"]


# Clocks in Berlin go back at 03:00 CEST on 25 Oct 2026 (01:00 UTC): 02:00-03:00 is lived twice.
FIRST_0220 = datetime(2026, 10, 25, 0, 20, tzinfo=UTC)  # 02:20 CEST
SECOND_0220 = datetime(2026, 10, 25, 1, 20, tzinfo=UTC)  # 02:20 CET, an hour later


def test_a_span_in_the_repeated_hour_shows_the_zone_on_both_ends() -> None:
    assert i18n.format_span(FIRST_0220, SECOND_0220, "Europe/Berlin") == "02:20 CEST–02:20 CET"


def test_a_span_ending_before_its_start_on_the_clock_shows_the_zone_on_both_ends() -> None:
    end = datetime(2026, 10, 25, 1, 10, tzinfo=UTC)  # 02:10 CET, 50 minutes later

    assert i18n.format_span(FIRST_0220, end, "Europe/Berlin") == "02:20 CEST–02:10 CET"


def test_a_span_that_reads_forward_on_the_clock_shows_bare_times() -> None:
    across = datetime(2026, 10, 24, 23, 50, tzinfo=UTC)  # 01:50 CEST, to 02:50 CET
    midnight = datetime(2026, 10, 23, 21, 30, tzinfo=UTC)  # 23:30 CEST, to 00:30 the next day

    assert i18n.format_span(across, SECOND_0220 + timedelta(minutes=30), "Europe/Berlin") == (
        "01:50–02:50"
    )
    assert i18n.format_span(midnight, midnight + timedelta(hours=1), "Europe/Berlin") == (
        "23:30–00:30"
    )


def test_a_span_keeps_the_formats_of_its_ends_in_the_reader_language() -> None:
    with i18n.speaking("ru"):
        said = i18n.format_span(FIRST_0220, SECOND_0220, "Europe/Berlin", "%a %d %b %H:%M")

    assert said == "вс 25 окт. 02:20 CEST–02:20 CET"


def test_a_zone_without_an_abbreviation_shows_the_utc_offset() -> None:
    # Chile goes back an hour at 00:00 local on 5 Apr 2026 (03:00 UTC): -03 then -04.
    start = datetime(2026, 4, 5, 2, 40, tzinfo=UTC)  # 23:40 -03

    said = i18n.format_span(start, start + timedelta(minutes=30), "America/Santiago")

    assert said == "23:40 -03–23:10 -04"
