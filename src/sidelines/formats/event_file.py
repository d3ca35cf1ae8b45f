"""The event file: one schema for YAML and JSON, as pydantic models of the file's shape.

These models describe what a person writes, not the domain: times are local wall-clock times of
the event's time zone (``"09:00"``, ``"2016-11-20 09:00"``), references are ids written as
strings, and most fields have defaults so that a small event stays a small file. The loader
(``event_loader``) turns a validated ``EventFile`` into domain objects, resolving references and
converting local times to UTC.

Every model forbids unknown fields, so a misspelt key is an error rather than silently ignored.

A span of time is written in one of three shapes:

* ``{day: 2016-11-20, start: "09:00", end: "10:30"}`` — on one day of the event;
* ``{start: "09:00", end: "10:30"}`` — the same hours on every day of the event;
* ``{start: "2016-11-19 20:00", end: "2016-11-20 08:00"}`` — from one local date-time to another.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    StrictBool,
    StrictInt,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from sidelines.domain.delegation import MemberRole
from sidelines.domain.event import OrganiserSees
from sidelines.domain.formats import MeetingFormat
from sidelines.domain.meeting import MAX_PRIORITY, DayPart, PressPlan
from sidelines.domain.party import PartyKind
from sidelines.domain.principal import Rank
from sidelines.domain.programme import SessionKind
from sidelines.domain.space import Feature, SpaceKind
from sidelines.domain.terms import DEFAULT_REQUIRED_TERMS, Term

# Explicit patterns rather than pydantic's own date/time parsing: pydantic also accepts Unix
# timestamps and fractional seconds, which in a hand-written event file are mistakes, and its
# messages do not show the expected shape.
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_TIME = re.compile(r"(\d{2}):(\d{2})(?::(\d{2}))?")
_DATETIME = re.compile(_DATE.pattern + r"[T ]" + _TIME.pattern)
_DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
_TIME_PATTERN = r"^\d{2}:\d{2}(:\d{2})?$"
_DATETIME_PATTERN = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?$"


# An empty list made anew for each object: pydantic deep-copies a mutable default at every
# validation, which took a sixth of the time to read a large event file. The schema still says
# that the default is an empty list.
EMPTY_LIST: Any = Field(default_factory=list, json_schema_extra={"default": []})


def _bad(kind: str, expected: str, value: object) -> PydanticCustomError:
    return PydanticCustomError(
        "bad_" + kind,
        "expected a {kind} like {expected}, got {value}",
        {"kind": kind.replace("_", " "), "expected": expected, "value": repr(value)},
    )


def _build(kind: str, expected: str, value: object, make: Any, *parts: str | None) -> Any:
    try:
        return make(*(int(part) if part is not None else 0 for part in parts))
    except ValueError as error:  # e.g. month 13, 25:00
        raise PydanticCustomError(
            "bad_" + kind,
            "{value} is not a valid {kind} ({reason})",
            {"value": repr(value), "kind": kind.replace("_", " "), "reason": str(error)},
        ) from None


def parse_date(value: object) -> date:
    if isinstance(value, datetime):
        raise _bad("date", "2016-11-19", value)
    if isinstance(value, date):
        return value
    match = _DATE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise _bad("date", "2016-11-19", value)
    result: date = _build("date", "2016-11-19", value, date, *match.groups())
    return result


def parse_time(value: object) -> time:
    if isinstance(value, time):
        return value
    match = _TIME.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise _bad("time", "'09:30'", value)
    result: time = _build("time", "'09:30'", value, time, *match.groups())
    return result


def parse_datetime(value: object) -> datetime:
    if isinstance(value, datetime):
        return value
    match = _DATETIME.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise _bad("local_date_time", "'2016-11-19 09:30'", value)
    result: datetime = _build(
        "local_date_time", "'2016-11-19 09:30'", value, datetime, *match.groups()
    )
    return result


def parse_clock(value: object) -> time | datetime:
    """A time of day, or a full local date-time; the span that holds it says which it needs."""
    if isinstance(value, time | datetime):
        return value
    if isinstance(value, str):
        return _parse_clock_text(value)
    raise _bad("time", "'09:30' or '2016-11-19 09:30'", value)


@lru_cache(maxsize=4096)
def _parse_clock_text(value: str) -> time | datetime:
    # A large event repeats a few hundred distinct times tens of thousands of times: each is
    # matched and built once (the values are immutable; errors are raised, not cached).
    if _DATETIME.fullmatch(value):
        return parse_datetime(value)
    if _TIME.fullmatch(value):
        return parse_time(value)
    raise _bad("time", "'09:30' or '2016-11-19 09:30'", value)


def format_time(value: time) -> str:
    return value.strftime("%H:%M:%S" if value.second else "%H:%M")


def format_datetime(value: datetime) -> str:
    return f"{value:%Y-%m-%d} {format_time(value.time())}"


def format_clock(value: time | datetime) -> str:
    return format_datetime(value) if isinstance(value, datetime) else format_time(value)


def parse_rank(value: object) -> Rank:
    if isinstance(value, Rank):
        return value
    if isinstance(value, str) and value.upper() in Rank.__members__:
        return Rank[value.upper()]
    raise PydanticCustomError(
        "bad_rank",
        "expected one of {names}, got {value}",
        {"names": ", ".join(name.lower() for name in Rank.__members__), "value": repr(value)},
    )


def parse_attendees(value: object) -> Literal["all"] | list[str]:
    if value == "all":
        return "all"
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    raise PydanticCustomError(
        "bad_attendees",
        "expected 'all' or a list of principal or party ids, got {value}",
        {"value": repr(value)},
    )


LocalDate = Annotated[
    date,
    PlainValidator(parse_date),
    PlainSerializer(lambda value: value.isoformat(), return_type=str),
    WithJsonSchema({"type": "string", "pattern": _DATE_PATTERN, "examples": ["2016-11-19"]}),
]
LocalTime = Annotated[
    time,
    PlainValidator(parse_time),
    PlainSerializer(format_time, return_type=str),
    WithJsonSchema({"type": "string", "pattern": _TIME_PATTERN, "examples": ["09:30"]}),
]
LocalDateTime = Annotated[
    datetime,
    PlainValidator(parse_datetime),
    PlainSerializer(format_datetime, return_type=str),
    WithJsonSchema(
        {"type": "string", "pattern": _DATETIME_PATTERN, "examples": ["2016-11-19 09:30"]}
    ),
]
LocalClock = Annotated[
    time | datetime,
    PlainValidator(parse_clock),
    PlainSerializer(format_clock, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": f"({_TIME_PATTERN})|({_DATETIME_PATTERN})",
            "examples": ["09:30", "2016-11-19 09:30"],
        }
    ),
]
RankName = Annotated[
    Rank,
    PlainValidator(parse_rank),
    PlainSerializer(lambda value: value.name.lower(), return_type=str),
    WithJsonSchema({"enum": [name.lower() for name in Rank.__members__]}),
]
Attendees = Annotated[
    Literal["all"] | list[str],
    PlainValidator(parse_attendees),
    WithJsonSchema({"oneOf": [{"const": "all"}, {"type": "array", "items": {"type": "string"}}]}),
]
# A stretch of time the event's rules take (a turnover, a walk, a freeze window, how long a
# no-show waits) is at most a week, a reminder before a request expires at most a year, a
# meeting's default duration at most a day: more is a typing mistake, and a value past what a
# date can be moved by (10**20 minutes) would break every solve and check of the event later,
# far from where it was written.
WEEK_MIN = 7 * 24 * 60
YEAR_HOURS = 366 * 24
DAY_MIN = 24 * 60
# So is a count past any venue's: a space, or a meeting, of more than ten thousand people,
# more than a thousand interpreters of one language pair, more than ten thousand meetings or
# requests for one party. The lower bounds are the domain's, with its messages.
CAPACITY_MAX = 10_000
INTERPRETERS_MAX = 1_000
COUNT_MAX = 10_000
Minutes = Annotated[StrictInt, Field(ge=0, le=WEEK_MIN)]
Priority = Annotated[StrictInt, Field(le=MAX_PRIORITY)]
# The policy's own lower bounds are the domain's (``domain.EventPolicy``), with its messages.
PolicyMinutes = Annotated[StrictInt, Field(le=WEEK_MIN)]


# Numbers and yes/no are ``StrictInt`` and ``StrictBool`` for the API, which takes these models
# as its bodies: a capacity of ``true`` or ``"10"`` is a client's bug, not the number 1 or 10.
# The loader reads files with ``strict=False``, where a number written as text is common.


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SpanIn(_Model):
    """A span of local time, in one of the three shapes described in the module docstring."""

    day: LocalDate | None = None
    start: LocalClock
    end: LocalClock


class PolicyIn(_Model):
    max_bookings_per_party_per_day: Annotated[StrictInt, Field(le=COUNT_MAX)] | None = None
    fairness_max_spread: Annotated[StrictInt, Field(le=COUNT_MAX)] | None = None
    organiser_sees: OrganiserSees = OrganiserSees.BOOKINGS
    freeze_window_min: PolicyMinutes = 30
    press_buffer_min: PolicyMinutes = 10
    # The formats the event offers (empty: every format), and the terms of a request both
    # sides must agree before the meeting is agreed.
    formats: list[MeetingFormat] = EMPTY_LIST
    required_terms: list[Term] = list(DEFAULT_REQUIRED_TERMS)
    # Check-in and no-shows, and limits on requests (``domain.EventPolicy``).
    no_show_after_min: PolicyMinutes = 10
    refill_confirm_min: PolicyMinutes = 10
    max_open_requests_per_party: Annotated[StrictInt, Field(le=COUNT_MAX)] | None = None
    max_open_requests_per_target: Annotated[StrictInt, Field(le=COUNT_MAX)] | None = None
    one_open_request_per_format: StrictBool = True
    request_reminder_hours: Annotated[StrictInt, Field(le=YEAR_HOURS)] = 12


class PartyIn(_Model):
    id: str
    name: str
    kind: PartyKind = PartyKind.STATE


class PrincipalIn(_Model):
    """A person who meets. ``id`` defaults to the party's id, which suits the common case of one
    principal per party (every B2B company)."""

    id: str | None = None
    party: str
    name: str
    title: str = ""
    rank: RankName = Rank.REPRESENTATIVE
    in_office_since: LocalDate | None = None
    languages: list[str] = EMPTY_LIST
    unavailable: list[SpanIn] = EMPTY_LIST


class MemberIn(_Model):
    name: str
    role: MemberRole
    principal: str | None = None


class DelegationIn(_Model):
    party: str
    arrival: LocalDateTime | None = None
    departure: LocalDateTime | None = None
    members: list[MemberIn] = EMPTY_LIST


class SessionIn(_Model):
    """A programme item on one day. ``id`` defaults to a slug of the title; ``attendees`` to
    every principal of the event (official sessions are for all leaders)."""

    id: str | None = None
    title: str
    kind: SessionKind = SessionKind.OTHER
    day: LocalDate
    start: LocalTime
    end: LocalTime
    attendees: Attendees = "all"
    venue: str = ""


class SpaceIn(_Model):
    id: str
    name: str | None = None  # defaults to the id
    kind: SpaceKind = SpaceKind.BILATERAL_ROOM
    capacity: Annotated[StrictInt, Field(le=CAPACITY_MAX)] = 10
    features: list[Feature] = EMPTY_LIST
    opening_hours: list[SpanIn] = EMPTY_LIST
    turnover_min: Minutes = 0
    location: str = ""
    host_party: str | None = None


class InterpretersIn(_Model):
    """``count`` interpreters between two languages that the event provides."""

    languages: list[str] = Field(min_length=2, max_length=2)
    count: Annotated[StrictInt, Field(ge=0, le=INTERPRETERS_MAX)]


class WalkIn(_Model):
    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    minutes: Minutes


class LockedIn(_Model):
    start: LocalDateTime
    space: str | None = None


class MeetingDefaultsIn(_Model):
    """Values every meeting takes unless it sets its own (e.g. ``format: b2b`` for a fair)."""

    format: MeetingFormat | None = None
    duration_min: Annotated[StrictInt, Field(ge=1, le=DAY_MIN)] | None = None
    priority: Priority | None = None


class MeetingIn(_Model):
    """A requested meeting. ``principals`` lists principal ids or party ids; a party id stands
    for the party's principal when it has exactly one. ``id`` defaults to the references joined
    by ``-``."""

    id: str | None = None
    principals: list[str]
    format: MeetingFormat | None = None
    duration_min: Annotated[StrictInt, Field(le=DAY_MIN)] | None = None
    priority: Priority | None = None
    required: StrictBool = False
    windows: list[SpanIn] = EMPTY_LIST
    day_part: DayPart = DayPart.ANY
    preferred: list[SpanIn] = EMPTY_LIST
    locked: LockedIn | None = None
    after: list[str] = EMPTY_LIST
    needs_space: StrictBool | None = None
    needs: list[Feature] | None = None
    size: Annotated[StrictInt, Field(le=CAPACITY_MAX)] | None = None
    host: str | None = None
    title: str = ""
    topics: list[str] = EMPTY_LIST
    spaces: list[str] = EMPTY_LIST  # the agreed place: only these spaces
    press: PressPlan = PressPlan.NONE
    own_interpreters: list[str] = EMPTY_LIST  # party ids of the sides that bring their own


class EventFile(_Model):
    """An event file. Times are local to ``timezone`` (an IANA name such as ``America/Lima``)."""

    model_config = ConfigDict(
        title="Sidelines event file",
        json_schema_extra={"$schema": "https://json-schema.org/draft/2020-12/schema"},
    )

    id: str
    name: str
    series: str = ""
    host_city: str = ""
    host_country: str = ""
    venue: str = ""
    timezone: str
    days: list[LocalDate]
    day_start: LocalTime = time(8, 0)
    day_end: LocalTime = time(20, 0)
    morning_ends: LocalTime = time(12, 0)
    grain_min: StrictInt = 5
    policy: PolicyIn = PolicyIn()
    parties: list[PartyIn]
    principals: list[PrincipalIn]
    delegations: list[DelegationIn] = EMPTY_LIST
    programme: list[SessionIn] = EMPTY_LIST
    spaces: list[SpaceIn] = EMPTY_LIST
    walking_times: list[WalkIn] = EMPTY_LIST
    interpreters: list[InterpretersIn] = EMPTY_LIST
    meeting_defaults: MeetingDefaultsIn = MeetingDefaultsIn()
    meetings: list[MeetingIn] = EMPTY_LIST


__all__ = [
    "CAPACITY_MAX",
    "COUNT_MAX",
    "INTERPRETERS_MAX",
    "DelegationIn",
    "EventFile",
    "InterpretersIn",
    "LockedIn",
    "MeetingDefaultsIn",
    "MeetingIn",
    "MemberIn",
    "PartyIn",
    "PolicyIn",
    "PrincipalIn",
    "SessionIn",
    "SpaceIn",
    "SpanIn",
    "WalkIn",
    "format_clock",
    "format_datetime",
    "format_time",
]
