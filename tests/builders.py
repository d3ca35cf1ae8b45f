"""Small builders of real domain objects for tests: no mocks, defaults that make sense."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from sidelines.domain import (
    Event,
    EventPolicy,
    Meeting,
    MeetingFormat,
    MeetingId,
    Party,
    PartyId,
    Principal,
    PrincipalId,
    ProgrammeSession,
    SessionId,
    Space,
    SpaceId,
    SpaceKind,
    TimeSpan,
)

DAY = date(2030, 5, 6)


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    """An instant on the test event's day (its zone is UTC)."""
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def span(start: tuple[int, int], end: tuple[int, int], day: date = DAY) -> TimeSpan:
    return TimeSpan(at(*start, day=day), at(*end, day=day))


def principal(name: str, **fields: Any) -> Principal:
    """Principal ``name`` of party ``name`` (one principal per party)."""
    return Principal(id=PrincipalId(name), party=PartyId(name), name=name, **fields)


def meeting(meeting_id: str, *principals: str, **fields: Any) -> Meeting:
    fields.setdefault("format", MeetingFormat.B2B)
    return Meeting(
        id=MeetingId(meeting_id),
        principals=tuple(PrincipalId(p) for p in principals),
        **fields,
    )


def table(space_id: str, **fields: Any) -> Space:
    fields.setdefault("kind", SpaceKind.TABLE)
    fields.setdefault("name", space_id)
    return Space(id=SpaceId(space_id), **fields)


def session(
    session_id: str, attendees: Iterable[str], start: tuple[int, int], end: tuple[int, int]
) -> ProgrammeSession:
    return ProgrammeSession(
        id=SessionId(session_id),
        title=session_id,
        span=span(start, end),
        attendees=frozenset(PrincipalId(a) for a in attendees),
    )


def event(
    principals: Sequence[str | Principal],
    meetings: Sequence[Meeting] = (),
    *,
    spaces: Sequence[Space] | None = None,
    days: Sequence[date] = (DAY,),
    day_start: time = time(9, 0),
    day_end: time = time(12, 0),
    morning_ends: time = time(10, 30),
    grain_min: int = 30,
    policy: EventPolicy | None = None,
    **fields: Any,
) -> Event:
    """A one-day UTC event, 09:00-12:00 in 30-minute slots and one table by default."""
    people = [p if isinstance(p, Principal) else principal(p) for p in principals]
    return Event(
        id="test",
        name="Test event",
        timezone="UTC",
        days=tuple(days),
        parties=tuple(Party(id=p.party, name=p.party) for p in people),
        principals=tuple(people),
        meetings=tuple(meetings),
        spaces=tuple(spaces) if spaces is not None else (table("T1"),),
        policy=policy or EventPolicy(),
        day_start=day_start,
        day_end=day_end,
        morning_ends=morning_ends,
        grain_min=grain_min,
        **fields,
    )
