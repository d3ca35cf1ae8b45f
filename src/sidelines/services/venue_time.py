"""Instants as people at the venue read them: in the event's zone, with the year unless the
event and the instant are both this year's (a 2016 summit's record must not read as today's)."""

from __future__ import annotations

from datetime import datetime

from sidelines import i18n
from sidelines.domain import Event
from sidelines.services.clock import now


def needs_year(instant: datetime, event: Event) -> bool:
    this_year = now().astimezone(event.zone).year
    return {instant.astimezone(event.zone).year, *(day.year for day in event.days)} != {this_year}


def dated(instant: datetime, event: Event, *, time: bool = True, weekday: bool = False) -> str:
    """ "19 Nov 14:05" for this year's event, "19 Nov 2016 14:05" for another year's; with
    ``weekday`` "Sat 19 Nov 2016 14:05", without ``time`` the day alone; in the reader's
    language (``i18n``)."""
    fmt = "%d %b %Y" if needs_year(instant, event) else "%d %b"
    if weekday:
        fmt = "%a " + fmt
    if time:
        fmt += " %H:%M"
    return i18n.format_instant(instant, event.zone, fmt)


def dated_span(start: datetime, end: datetime, event: Event, *, weekday: bool = False) -> str:
    """ "Sat 19 Nov 2016 10:00–10:30": the start ``dated``, the end on the clock; with the zone
    on both ends where the clock alone would mislead (``i18n.zone_marks``)."""
    before, after = i18n.zone_marks(start, end, event.zone)
    finish = i18n.format_instant(end, event.zone)
    return f"{dated(start, event, weekday=weekday)}{before}–{finish}{after}"
