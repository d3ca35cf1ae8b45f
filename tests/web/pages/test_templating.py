"""The filters pages show times with: a span in the event's zone reads forward on the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sidelines import i18n
from sidelines.web.pages.templating import templates

# Clocks in Berlin go back at 03:00 CEST on 25 Oct 2026 (01:00 UTC): 02:00-03:00 is lived twice.
FIRST_0220 = datetime(2026, 10, 25, 0, 20, tzinfo=UTC)
HOUR = timedelta(hours=1)
ZONE = "Europe/Berlin"


def shown(source: str, **context: object) -> str:
    return templates.env.from_string(source).render(zone=ZONE, **context)


def test_a_meeting_in_the_repeated_hour_shows_the_zone_on_both_ends() -> None:
    said = shown("{{ start | span(end, zone) }}", start=FIRST_0220, end=FIRST_0220 + HOUR)

    assert said == "02:20 CEST–02:20 CET"


def test_a_meeting_an_hour_before_reads_on_the_clock_alone() -> None:
    start = FIRST_0220 - HOUR  # 01:20 CEST to 02:20 CEST

    assert shown("{{ start | span(end, zone) }}", start=start, end=start + HOUR) == "01:20–02:20"


def test_an_agenda_line_marks_each_time_element() -> None:
    # The agenda's markup: each end in its own <time>, the zone mark inside it.
    source = (
        "{% set marks = zone_marks(start, end, zone) %}"
        "<time>{{ start | local(zone) }}{{ marks[0] }}</time>–"
        "<time>{{ end | local(zone) }}{{ marks[1] }}</time>"
    )

    said = shown(source, start=FIRST_0220, end=FIRST_0220 + HOUR)

    assert said == "<time>02:20 CEST</time>–<time>02:20 CET</time>"


def test_a_span_with_a_weekday_reads_in_russian() -> None:
    with i18n.speaking("ru"):
        said = shown(
            "{{ start | span(end, zone, '%a %d %H:%M') }}", start=FIRST_0220, end=FIRST_0220 + HOUR
        )

    assert said == "вс 25 02:20 CEST–02:20 CET"
