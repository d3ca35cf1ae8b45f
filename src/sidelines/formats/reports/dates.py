"""When a report says a contact happened: dates as precise as written ("20 November", "в
сентябре 2016 года" is a month), weekdays and relative days ("on Saturday", "вчера", "on the
eve of the summit") resolved against the report's date and the summit's days."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Literal

from sidelines.formats.reports import cues
from sidelines.formats.reports.claims import PartialDate, Precision
from sidelines.formats.reports.gazetteer import EventEntry

# What a sentence tells of a contact, which says which way a weekday counts from the report.
Tense = Literal["past", "ahead", "unsaid"]


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


def _of_summit(day: date, event: EventEntry) -> date | None:
    """``day`` if it is one of the summit's days, or close enough to be a contact on its
    sidelines (two days before, for arrivals and a General Assembly's first bilaterals, or the
    day after); otherwise the word speaks of another occasion, and the contact's day is left
    for a person to say rather than guessed."""
    if event.start - timedelta(days=2) <= day <= event.end + timedelta(days=1):
        return day
    return None


def relative_day(
    s: str,
    published: date,
    event: EventEntry,
    anchor: date | None = None,
    *,
    tense: Tense = "past",
    any_day: bool = False,
) -> date | None:
    """The day a sentence names relative to the report's date or the summit's days; "the day
    before" and "earlier that day" are relative to ``anchor``, the day the report spoke of
    last. "Yesterday" counts back from the report's date; a weekday is the last such day on or
    before it when the sentence tells a contact held (``tense`` "past"), the next such day (else
    the last) when it tells a plan or one called off ("ahead"), the last (else the next) when it
    tells neither ("unsaid"). None when that day is no day of the summit (unless ``any_day``,
    for the day a saying is dated): a person says which it was rather than the reader guessing
    another."""

    def of_summit(day: date) -> date | None:
        return day if any_day else _of_summit(day, event)

    if cues.EVE.search(s):
        return event.start - timedelta(days=1)
    if cues.FIRST_DAY.search(s):
        return event.start
    if cues.LAST_DAY.search(s):
        return event.end
    if cues.DAY_BEFORE_YESTERDAY.search(s):
        return of_summit(published - timedelta(days=2))
    if cues.YESTERDAY.search(s):
        return of_summit(published - timedelta(days=1))
    if cues.TOMORROW.search(s):
        return published + timedelta(days=1)
    if cues.TODAY.search(s):
        return of_summit(published)
    weekday = cues.WEEKDAY.search(s)
    if weekday:
        word = weekday.group(1).lower()
        index = (
            cues.WEEKDAYS_EN.index(word)
            if word in cues.WEEKDAYS_EN
            else cues.WEEKDAYS_RU.index(word)
        )
        last = of_summit(published - timedelta(days=(published.weekday() - index) % 7))
        following = of_summit(published + timedelta(days=(index - published.weekday()) % 7))
        if tense == "past":
            # A report tells what happened: "met on Saturday" in a report of Sunday the 20th is
            # the 19th, the last Saturday on or before the report's date, never one to come.
            return last
        if tense == "ahead":
            # A plan, or one called off: "will meet on Sunday", "was to take place on Saturday".
            return following or last
        return last or following
    if anchor is not None and cues.SAME_DAY.search(s):
        return anchor
    if anchor is not None and cues.DAY_BEFORE.search(s):
        return anchor - timedelta(days=1)
    return None
