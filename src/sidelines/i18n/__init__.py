"""The languages people read Sidelines in: gettext catalogs (Babel) and dates in the reader's
language.

Texts are marked with ``_`` (``gettext``), ``ngettext`` for counts and ``N_`` for constants that
are translated where they are shown. The catalogs are ``locales/<lang>/LC_MESSAGES/messages.po``
beside this module, read once per process with Babel (no compiled ``.mo`` files to build or to
keep in step with their sources). The language of the moment lives in a context variable: the
pages set it for each request (the user's choice, else the browser's Accept-Language); the API,
the command line and every other caller keep English.
"""

from __future__ import annotations

import gettext as _gettext
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"
DEFAULT = "en"
# The languages with a complete catalog, by code, as each names itself in the chooser.
LANGUAGES = {"en": "English", "ru": "Русский"}

_language: ContextVar[str] = ContextVar("sidelines_language", default=DEFAULT)


def supported(code: str | None) -> str | None:
    """``code`` if a catalog exists for it (``ru-RU`` counts as ``ru``), else None."""
    if not code:
        return None
    base = code.replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else None


def from_accept_language(header: str | None) -> str | None:
    """The best language of an Accept-Language header that has a catalog (RFC 9110 §12.5.4:
    by quality, then by order), or None."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        match = re.search(r"q=([^;\s]*)", params)
        if match:
            try:
                quality = float(match.group(1))
            except ValueError:
                continue
        if quality > 0:
            ranked.append((-quality, position, tag.strip()))
    for _quality, _position, tag in sorted(ranked):
        found = supported(tag)
        if found:
            return found
    return None


def current() -> str:
    """The language texts are given in now."""
    return _language.get()


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Texts and dates in ``language`` within the block."""
    token = _language.set(supported(language) or DEFAULT)
    try:
        yield
    finally:
        _language.reset(token)


def use(language: str) -> None:
    """Texts and dates in ``language`` for the rest of this context (one request)."""
    _language.set(supported(language) or DEFAULT)


@cache
def translations(language: str) -> _gettext.NullTranslations:
    """The catalog of ``language``, compiled in memory from its ``.po`` file once."""
    path = LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.exists():
        return _gettext.NullTranslations()
    with path.open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return _gettext.GNUTranslations(compiled)


def gettext(message: str) -> str:
    return translations(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return translations(current()).pgettext(context, message)


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    return translations(current()).npgettext(context, singular, plural, n)


_ = gettext


def N_(message: str) -> str:
    """Marks a constant for extraction; it is translated where it is shown."""
    return message


# strftime directives as CLDR patterns, so that one format string serves every language:
# "%a %d %b" reads "Sun 20 Nov" in English and "вс 20 нояб." in Russian.
_PATTERNS = {
    "a": "EEE",
    "A": "EEEE",
    "d": "dd",
    "b": "MMM",
    "B": "MMMM",
    "m": "MM",
    "Y": "yyyy",
    "H": "HH",
    "M": "mm",
}


@cache
def _pattern(strftime: str) -> str:
    pattern = []
    for piece in re.split(r"(%.)", strftime):
        if piece.startswith("%") and len(piece) == 2:
            pattern.append(_PATTERNS[piece[1]])
        elif piece:
            # Letters are pattern symbols in CLDR: literal text is quoted.
            pattern.append(re.sub(r"([A-Za-z']+)", lambda m: "'" + m.group(1) + "'", piece))
    return "".join(pattern)


def _locale() -> Locale:
    return _parsed(current())


@cache
def _parsed(language: str) -> Locale:
    # Parsed once: a grid page formats hundreds of times.
    try:
        return Locale.parse(language)
    except (ValueError, UnknownLocaleError):
        return Locale.parse(DEFAULT)


def format_instant(instant: datetime, zone: str | ZoneInfo, fmt: str = "%H:%M") -> str:
    """An instant in ``zone`` by a strftime-like ``fmt``, with the reader's month and weekday
    names."""
    tz = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
    if current() == DEFAULT:
        # English names are strftime's own (C locale), and six times quicker than CLDR's.
        return instant.astimezone(tz).strftime(fmt)
    return format_datetime(instant.astimezone(tz), _pattern(fmt), tzinfo=tz, locale=_locale())


def zone_marks(start: datetime, end: datetime, zone: str | ZoneInfo) -> tuple[str, str]:
    """What to add to each end of the span ``[start, end)`` shown on the clock of ``zone``:
    nothing, or, when the end does not come after the start on the clock (the hour lived twice
    when clocks go back), each end's zone abbreviation or UTC offset (" CEST", " CET"), so
    that a 60-minute meeting does not read "02:20–02:20"."""
    tz = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
    begin, finish = start.astimezone(tz), end.astimezone(tz)
    if finish.replace(tzinfo=None) > begin.replace(tzinfo=None):
        return "", ""
    # %Z is the tz database's abbreviation, "CET", or the offset itself ("-03") where the zone
    # has none; the same in every language.
    return f" {begin:%Z}", f" {finish:%Z}"


def format_span(
    start: datetime,
    end: datetime,
    zone: str | ZoneInfo,
    start_fmt: str = "%H:%M",
    end_fmt: str = "%H:%M",
) -> str:
    """The span ``[start, end)`` in ``zone``, "10:00–10:30", each end by its strftime-like
    format; with the zone on both ends where the clock alone would mislead (``zone_marks``)."""
    before, after = zone_marks(start, end, zone)
    begin = format_instant(start, zone, start_fmt)
    return f"{begin}{before}–{format_instant(end, zone, end_fmt)}{after}"


def format_day(day: date, fmt: str = "%a %d %b") -> str:
    """A date by a strftime-like ``fmt``, in the reader's language."""
    if current() == DEFAULT:
        return day.strftime(fmt)
    return format_date(day, _pattern(fmt), locale=_locale())


# The times the engine writes in its English sentences (``scheduling.times``): "Sun 20 Nov
# 09:30", "Sun 20 Nov 09:30–11:45", "Sun 20 Nov 23:00–Mon 21 Nov 01:00", each end with its zone
# where clocks go back (" CEST"); a list of them after commas.
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAY = rf"(?:{'|'.join(_WEEKDAYS)}) \d\d (?:{'|'.join(_MONTHS)})"
_END = r"(?: [A-Z]+|[-+]\d\d)?"
_TIME = rf"(?:{_DAY}(?: \d\d:\d\d{_END}(?:–(?:{_DAY} )?\d\d:\d\d{_END})?)?)"
_TIMES = re.compile(rf"{_TIME}(?:, {_TIME})*")
_DAY_PARTS = re.compile(rf"\b({'|'.join(_WEEKDAYS)}) (\d\d) ({'|'.join(_MONTHS)})\b")


def said_times(text: str) -> str | None:
    """``text``, if it is nothing but the engine's times in English ("Sun 20 Nov 09:30–11:45"),
    with the reader's weekday and month names ("вс 20 нояб. 09:30–11:45"), as the pages write
    them (``format_instant``); None if it is anything else."""
    if not _TIMES.fullmatch(text):
        return None
    if current() == DEFAULT:
        return text
    locale = _locale()
    days = locale.days["format"]["abbreviated"]
    months = locale.months["format"]["abbreviated"]

    def day(match: re.Match[str]) -> str:
        weekday = days[_WEEKDAYS.index(match.group(1))]
        return f"{weekday} {match.group(2)} {months[_MONTHS.index(match.group(3)) + 1]}"

    return _DAY_PARTS.sub(day, text)


def language_name(code: str) -> str:
    """A working language's name in the reader's language ("ru": "Russian", "русский"); the
    code itself when Babel knows no such language."""
    try:
        named = Locale.parse(code.replace("-", "_")).get_display_name(_locale())
    except (ValueError, UnknownLocaleError):
        return code
    return named or code
