"""When a report says a contact happened: dates as precise as written ("20 November", "в
сентябре 2016 года" is a month), weekdays and relative days ("on Saturday", "вчера", "on the
eve of the summit") resolved against the report's date and the summit's days."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sidelines.formats.reports import cues
from sidelines.formats.reports.claims import PartialDate, Precision
from sidelines.formats.reports.gazetteer import EventEntry


def _year_for(month: int, published: date, event: EventEntry | None) -> int:
    if event is not None and month in (event.start.month, event.end.month):
        return event.start.year  # "in November" of a summit held in November, even ahead
    year = event.start.year if event else published.year
    return year if date(year, month, 1) <= published + timedelta(days=31) else year - 1


def dates_in(s: str, published: date, event: EventEntry | None) -> list[PartialDate]:
    found: list[tuple[int, PartialDate]] = []

    def add(at: int, year: str | None, month: int, day: int | None) -> None:
        y = int(year) if year else _year_for(month, published, event)
        try:
            value = date(y, month, day or 1)
        except ValueError:
            return
        found.append((at, PartialDate(value, Precision.DAY if day else Precision.MONTH)))

    for m in cues.DAY_MONTH_EN.finditer(s):
        add(m.start(), m.group(3), cues.en_month(m.group(2)), int(m.group(1)))
    for m in cues.MONTH_DAY_EN.finditer(s):
        add(m.start(), m.group(3), cues.en_month(m.group(1)), int(m.group(2)))
    for m in cues.MONTH_YEAR_EN.finditer(s):
        if not any(m.start() <= at < m.end() + 4 for at, _ in found):
            add(m.start(), m.group(2), cues.en_month(m.group(1)), None)
    for m in cues.DAY_MONTH_RU.finditer(s):
        month = _ru_month(m.group(2))
        add(m.start(), m.group(3), month, int(m.group(1)))
    for m in cues.ORDINAL_DAY_MONTH_RU.finditer(s):
        add(m.start(), m.group(4), _ru_month(m.group(3)), _ru_ordinal(m))
    for m in cues.MONTH_YEAR_RU.finditer(s):
        add(m.start(), m.group(2), _ru_month(m.group(1)), None)
    for m in cues.NUMERIC_DATE.finditer(s):
        if m.group("iso_year"):
            add(m.start(), m.group("iso_year"), int(m.group("iso_month")), int(m.group("iso_day")))
        else:
            add(m.start(), m.group("year"), int(m.group("month")), int(m.group("day")))
    for m in cues.SLASH_DATE.finditer(s):
        a, b = int(m.group("a")), int(m.group("b"))
        if a > 12 >= b:
            add(m.start(), m.group("year"), b, a)
        elif b > 12 >= a:
            add(m.start(), m.group("year"), a, b)
    covered: list[PartialDate] = []
    for _, when in sorted(found, key=lambda f: f[0]):
        if when not in covered:
            covered.append(when)
    return covered


def _ru_ordinal(m: re.Match[str]) -> int:
    """The day an ordinal in words names: "третьего" 3, "двадцать второго" 22."""
    word = m.group("ordinal").lower()
    value = next(
        v for stem, v in cues.RU_ORDINALS.items() if re.match(stem + "(?:ого|ьего)$", word)
    )
    tens = (m.group("tens") or "").lower()
    return value + (20 if tens == "двадцать" else 30 if tens == "тридцать" else 0)


def _ru_month(word: str) -> int:
    stem = word.lower()
    for index, prefix in enumerate(cues.MONTHS_RU):
        if stem.startswith(prefix) and (prefix != "ма" or stem[:3] in ("мая", "мае")):
            return index + 1
    raise ValueError(word)


def relative_day(
    s: str, published: date, event: EventEntry, anchor: date | None = None
) -> date | None:
    """The day a sentence names relative to the report's date or the summit's days; "the day
    before" and "earlier that day" are relative to ``anchor``, the day the report spoke of
    last."""
    if cues.EVE.search(s):
        return event.start - timedelta(days=1)
    if cues.FIRST_DAY.search(s):
        return event.start
    if cues.LAST_DAY.search(s):
        return event.end
    if cues.DAY_BEFORE_YESTERDAY.search(s):
        return published - timedelta(days=2)
    if cues.YESTERDAY.search(s):
        return published - timedelta(days=1)
    if cues.TOMORROW.search(s):
        return published + timedelta(days=1)
    if cues.TODAY.search(s):
        return published
    weekday = cues.WEEKDAY.search(s)
    if weekday:
        word = weekday.group(1).lower()
        index = (
            cues.WEEKDAYS_EN.index(word)
            if word in cues.WEEKDAYS_EN
            else cues.WEEKDAYS_RU.index(word)
        )
        # The day of that name nearest the summit, then nearest the report.
        window = [
            event.start + timedelta(days=d) for d in range(-2, (event.end - event.start).days + 2)
        ]
        near = [d for d in window if d.weekday() == index]
        if near:
            return near[0]
        back = (published.weekday() - index) % 7
        return published - timedelta(days=back)
    if anchor is not None and cues.SAME_DAY.search(s):
        return anchor
    if anchor is not None and cues.DAY_BEFORE.search(s):
        return anchor - timedelta(days=1)
    return None
