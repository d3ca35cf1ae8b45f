"""A thread's timestamps name the year unless the event and the instant are both this year's."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sidelines.services.clock import now
from sidelines.web.pages.templating import stamp
from tests import builders


def test_this_year_s_event_reads_without_the_year() -> None:
    today = now().date()
    event = builders.event(["a"], days=(today,))
    at = datetime(today.year, today.month, today.day, 9, 5, tzinfo=UTC).astimezone(event.zone)
    assert stamp(at, event) == at.strftime("%d %b %H:%M")


def test_a_past_event_s_thread_carries_the_year() -> None:
    event = builders.event(["a"], days=(date(2016, 11, 19),))
    at = datetime(2016, 11, 19, 14, 5, tzinfo=UTC)
    assert stamp(at, event) == at.astimezone(event.zone).strftime("%d %b 2016 %H:%M")


def test_a_request_made_now_for_a_past_event_carries_the_year() -> None:
    event = builders.event(["a"], days=(date(2016, 11, 19),))
    at = now()
    assert stamp(at, event) == at.astimezone(event.zone).strftime(
        f"%d %b {at.astimezone(event.zone).year} %H:%M"
    )


def test_the_public_record_s_day_carries_the_weekday_and_the_year_of_a_past_event() -> None:
    event = builders.event(["a"], days=(date(2016, 11, 19),))
    at = datetime(2016, 11, 17, 9, 0, tzinfo=UTC)  # 04:00 in the builder's zone or another
    local = at.astimezone(event.zone)
    assert stamp(at, event, time=False, weekday=True) == local.strftime("%a %d %b 2016")
    assert stamp(at, event, weekday=True) == local.strftime("%a %d %b 2016 %H:%M")
