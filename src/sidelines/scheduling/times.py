"""Times in the engine's sentences, written as the pages write them: "Sun 20 Nov 09:30–11:45",
on the venue's clock.

The engine says them in English (strftime's own names); the services say a sentence's times in
the reader's language (``i18n.said_times``), which reads back exactly these forms.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sidelines.i18n import zone_marks

# A day as the pages name it: "Sun 20 Nov".
DAY = "%a %d %b"
INSTANT = f"{DAY} %H:%M"


def instant_text(instant: datetime, zone: str | ZoneInfo) -> str:
    """An instant on the venue's clock: "Sun 20 Nov 09:30"."""
    tz = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
    return instant.astimezone(tz).strftime(INSTANT)


def day_text(day: date) -> str:
    """A day of the event: "Sun 20 Nov"."""
    return day.strftime(DAY)


def span_text(start: datetime, end: datetime, zone: str | ZoneInfo) -> str:
    """The span ``[start, end)`` on the venue's clock: "Sun 20 Nov 09:30–11:45"; the end's day
    too when it falls on another ("Sun 20 Nov 23:00–Mon 21 Nov 01:00"), and each end's zone
    where the clock alone would mislead (``zone_marks``)."""
    tz = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
    begin, finish = start.astimezone(tz), end.astimezone(tz)
    before, after = zone_marks(begin, finish, tz)
    end_format = "%H:%M" if begin.date() == finish.date() else INSTANT
    return f"{begin.strftime(INSTANT)}{before}–{finish.strftime(end_format)}{after}"


__all__ = ["DAY", "INSTANT", "day_text", "instant_text", "span_text"]
