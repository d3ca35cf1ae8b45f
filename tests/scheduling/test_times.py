from __future__ import annotations

from datetime import UTC, datetime

from sidelines.scheduling.times import instant_text, span_text


def test_a_span_reads_as_the_pages_write_it_on_the_venues_clock() -> None:
    start = datetime(2016, 11, 20, 14, 30, tzinfo=UTC)
    end = datetime(2016, 11, 20, 16, 45, tzinfo=UTC)
    assert span_text(start, end, "America/Lima") == "Sun 20 Nov 09:30–11:45"
    assert instant_text(start, "America/Lima") == "Sun 20 Nov 09:30"


def test_a_span_past_midnight_names_the_day_it_ends() -> None:
    start = datetime(2016, 11, 20, 23, 0, tzinfo=UTC)
    end = datetime(2016, 11, 21, 1, 0, tzinfo=UTC)
    assert span_text(start, end, "UTC") == "Sun 20 Nov 23:00–Mon 21 Nov 01:00"
