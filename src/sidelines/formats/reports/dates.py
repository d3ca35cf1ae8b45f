"""When a report says a contact happened: dates as precise as written ("20 November", "в
сентябре 2016 года" is a month), weekdays and relative days ("on Saturday", "вчера", "on the
eve of the summit") resolved against the report's date and the summit's days."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal

from sidelines.formats.reports import cues
from sidelines.formats.reports.claims import PartialDate, Precision
from sidelines.formats.reports.gazetteer import EventEntry

# What a sentence tells of a contact, which says which way a weekday counts from the report.
Tense = Literal["past", "ahead", "unsaid"]


def _year_for(month: int, published: date, days: tuple[date, date] | None) -> int:
    """The year of a month written without one, for a summit held over ``days`` (first, last)."""
    if days is not None and month in (days[0].month, days[1].month):
        return days[0].year  # "in November" of a summit held in November, even ahead
    year = days[0].year if days else published.year
    return year if date(year, month, 1) <= published + timedelta(days=31) else year - 1


def dates_in(s: str, published: date, event: EventEntry | None) -> list[PartialDate]:
    covered: list[PartialDate] = []
    for _, _, when in _dates_at(s, published, event):
        if when not in covered:
            covered.append(when)
    return covered


def _dates_at(
    s: str, published: date, event: EventEntry | None
) -> tuple[tuple[int, int, PartialDate], ...]:
    """Each date written in ``s`` with where it is written, in the order written."""
    return _dates_written(s, published, (event.start, event.end) if event else None)


# A sentence's dates are asked for several times as it is read (its day, a weekday beside a
# date, a day that is none of the summit's); the patterns run once.
@lru_cache(maxsize=256)
def _dates_written(
    s: str, published: date, days: tuple[date, date] | None
) -> tuple[tuple[int, int, PartialDate], ...]:
    found: list[tuple[int, int, PartialDate]] = []

    def add(m: re.Match[str], year: str | None, month: int, day: int | None) -> None:
        y = int(year) if year else _year_for(month, published, days)
        try:
            value = date(y, month, day or 1)
        except ValueError:
            return
        precision = Precision.DAY if day else Precision.MONTH
        found.append((m.start(), m.end(), PartialDate(value, precision)))

    for m in cues.DAY_MONTH_EN.finditer(s):
        add(m, m.group(3), cues.en_month(m.group(2)), int(m.group(1)))
    for m in cues.MONTH_DAY_EN.finditer(s):
        add(m, m.group(3), cues.en_month(m.group(1)), int(m.group(2)))
    for m in cues.MONTH_YEAR_EN.finditer(s):
        if not any(m.start() <= at < m.end() + 4 for at, _, _ in found):
            add(m, m.group(2), cues.en_month(m.group(1)), None)
    for m in cues.DAY_MONTH_RU.finditer(s):
        add(m, m.group(3), _ru_month(m.group(2)), int(m.group(1)))
    for m in cues.ORDINAL_DAY_MONTH_RU.finditer(s):
        add(m, m.group(4), _ru_month(m.group(3)), _ru_ordinal(m))
    for m in cues.MONTH_YEAR_RU.finditer(s):
        add(m, m.group(2), _ru_month(m.group(1)), None)
    for m in cues.NUMERIC_DATE.finditer(s):
        if m.group("iso_year"):
            add(m, m.group("iso_year"), int(m.group("iso_month")), int(m.group("iso_day")))
        else:
            add(m, m.group("year"), int(m.group("month")), int(m.group("day")))
    for m in cues.SLASH_DATE.finditer(s):
        a, b = int(m.group("a")), int(m.group("b"))
        if a > 12 >= b:
            add(m, m.group("year"), b, a)
        elif b > 12 >= a:
            add(m, m.group("year"), a, b)
    return tuple(sorted(found, key=lambda f: f[0]))


@dataclass(frozen=True, slots=True)
class LabelledDate:
    """A weekday written right beside a date ("on Saturday, November 19", "19 ноября, в
    субботу"): it labels that date, it does not count from the report's date. ``agrees`` is
    whether the date falls on that weekday; ``start`` and ``end`` span both."""

    start: int
    end: int
    weekday: str
    day: date
    agrees: bool


# What may stand between a weekday and the date it labels: a comma, "the", "в".
_LABEL_GAP = re.compile(r"[\s,(]*(?:the\s+|в\s+|во\s+)?", re.IGNORECASE)


def labelled_dates(s: str, published: date, event: EventEntry | None) -> list[LabelledDate]:
    """The days ``s`` writes as a weekday and a date together, each checked against the other."""
    found: list[LabelledDate] = []
    dates = [
        (a, b, d.value)
        for a, b, d in _dates_at(s, published, event)
        if d.precision is Precision.DAY
    ]
    if event is not None:
        # "on Saturday, the 19th", «в субботу, 19-го»: the summit day of that number.
        for m in cues.DAY_OF_MONTH.finditer(s):
            day = _summit_day_numbered(int(m.group("en") or m.group("ru")), event)
            if day is not None:
                dates.append((m.start("en") if m.group("en") else m.start("ru"), m.end(), day))
    for weekday in cues.WEEKDAY.finditer(s):
        word = weekday.group(1)
        at, end = weekday.span(1)
        for start_at, end_at, day in dates:
            before = _LABEL_GAP.fullmatch(s, end, start_at) if end <= start_at else None
            after = _LABEL_GAP.fullmatch(s, end_at, at) if end_at <= at else None
            if before is None and after is None:
                continue
            if after is not None and "(" in after.group(0) and s.startswith(")", end):
                end += 1  # "November 20 (Saturday)": the words it is about, bracket closed
            agrees = day.weekday() == _weekday_index(word)
            found.append(LabelledDate(min(at, start_at), max(end, end_at), word, day, agrees))
            break
    return found


def _summit_day_numbered(number: int, event: EventEntry) -> date | None:
    """The day numbered ``number`` in its month from two days before the summit to the day
    after (as :func:`_of_summit` reaches), if one is."""
    span = (event.end - event.start).days
    near = (event.start + timedelta(days=d) for d in range(-2, span + 2))
    return next((day for day in near if day.day == number), None)


def unlabelled(s: str, published: date, event: EventEntry | None) -> str:
    """``s`` with each weekday that labels a date blanked: "on Saturday, November 26" names the
    26th, not the last Saturday before the report."""
    for labelled in labelled_dates(s, published, event):
        for weekday in cues.WEEKDAY.finditer(s, labelled.start, labelled.end):
            at, end = weekday.span(1)
            s = s[:at] + " " * (end - at) + s[end:]
    return s


# A date a contact is counted from, not held on: "their first talks since September 28, 2015".
_COUNTED_FROM = re.compile(
    r"(?<!\w)(?:since|after|before|until|till|from|с|со|до|после|от)\s+(?:the\s+)?$",
    re.IGNORECASE,
)


def written_days(s: str, published: date, event: EventEntry | None) -> list[date]:
    """The days ``s`` writes as a date on which something happens: not a month alone, not a
    date counted from ("since", «после»)."""
    return [
        when.value
        for at, _, when in _dates_at(s, published, event)
        if when.precision is Precision.DAY and not _COUNTED_FROM.search(s[max(0, at - 12) : at])
    ]


def _weekday_index(word: str) -> int:
    lowered = word.lower()
    if lowered in cues.WEEKDAYS_EN:
        return cues.WEEKDAYS_EN.index(lowered)
    return cues.WEEKDAYS_RU.index(lowered)


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
        return of_summit(published + timedelta(days=1))
    if cues.TODAY.search(s):
        return of_summit(published)
    day_of_month = cues.DAY_OF_MONTH.search(s)
    if day_of_month and not any_day:
        # "on the 19th", «19-го»: the summit day of that number, the month left unsaid.
        return _summit_day_numbered(
            int(day_of_month.group("en") or day_of_month.group("ru")), event
        )
    weekday = cues.WEEKDAY.search(s)
    if weekday:
        index = _weekday_index(weekday.group(1))
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


def hours_of_day(time_of_day: str) -> tuple[float, float] | None:
    """The hours of the clock a claim's time of day spans, from midnight of its day (the night
    runs past the next midnight): "15:00" is that moment, "morning" 5 to 12. None for words
    that are no time of day."""
    clock = re.fullmatch(r"([01]\d|2[0-3]):([0-5]\d)", time_of_day)
    if clock:
        at = int(clock.group(1)) + int(clock.group(2)) / 60
        return at, at
    for name, _, (first, last) in cues.NAMED_TIMES_OF_DAY:
        if name == time_of_day:
            return float(first), float(last)
    return None
