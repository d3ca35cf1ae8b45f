"""Events of unusual shapes for property tests, drawn from one random stream: a day of one
slot or a few, days with gaps between them and across a change of clocks, no spaces at all or
spaces open in pieces of a day, meetings of three and four parties or longer than any room is
open, walking times, turnover, press buffers, principals present on some days only, locks,
required meetings, precedences, a room policy and a fairness bound."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sidelines.domain import (
    Delegation,
    Event,
    EventPolicy,
    MeetingFormat,
    MeetingId,
    PartyId,
    PrincipalId,
    SessionId,
    SpaceId,
    TimeSpan,
)
from sidelines.domain.meeting import DayPart, Meeting, Placement, PressPlan
from sidelines.domain.party import Party
from sidelines.domain.principal import Principal
from sidelines.domain.programme import ProgrammeSession
from sidelines.domain.space import Feature, Space, SpaceKind, WalkingTimes

FIRST_DAYS = (date(2030, 5, 6), date(2030, 3, 30), date(2030, 10, 26))  # clocks change after two


class _Shape:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.zone = ZoneInfo(rng.choice(("UTC", "Europe/Lisbon", "Asia/Tokyo")))
        self.grain = rng.choice((5, 10, 15, 30, 60))
        self.slots = rng.choice((1, 2, 3, 4, 6, 8, 12, 16, 24))
        self.start_min = rng.choice((0, 1, 8, 9)) * 60
        self.end_min = min(self.start_min + self.slots * self.grain, 24 * 60 - self.grain)
        day = rng.choice(FIRST_DAYS)
        self.days = [day]
        for _ in range(rng.choice((0, 0, 1, 2))):
            day += timedelta(days=rng.choice((1, 1, 2, 5)))
            self.days.append(day)

    def at(self, day: date, minute: int) -> datetime:
        return datetime.combine(day, time(0), tzinfo=self.zone) + timedelta(minutes=minute)

    def span(self) -> TimeSpan:
        """A span of one to four grains on one of the days, now and then off the grain."""
        rng = self.rng
        first = self.start_min + self.grain * rng.randrange(self.slots + 1)
        first += rng.choice((0, 0, 0, 1, 7))
        day = rng.choice(self.days)
        return TimeSpan(self.at(day, first), self.at(day, first + self.grain * rng.randint(1, 4)))

    def event(self) -> Event:
        rng = self.rng
        parties = [Party(PartyId(f"P{i}"), f"P{i}") for i in range(rng.randint(2, 5))]
        principals = [
            Principal(
                PrincipalId(f"p{i}"),
                parties[i % len(parties)].id,
                f"p{i}",
                unavailable=tuple(self.span() for _ in range(rng.choice((0, 0, 1, 2)))),
            )
            for i in range(rng.randint(2, 6))
        ]
        spaces = [self.space(i, parties) for i in range(rng.choice((0, 0, 1, 1, 2, 3)))]
        meetings: list[Meeting] = []
        for i in range(rng.randint(0, 12)):
            meetings.append(self.meeting(i, principals, spaces, meetings))
        return Event(
            id="shape",
            name="Shape",
            timezone=str(self.zone),
            days=tuple(self.days),
            parties=tuple(parties),
            principals=tuple(principals),
            meetings=tuple(meetings),
            delegations=tuple(self.delegation(p.id) for p in parties if rng.random() < 0.4),
            programme=tuple(
                ProgrammeSession(
                    SessionId(f"s{i}"),
                    f"s{i}",
                    self.span(),
                    attendees=frozenset(
                        p.id for p in rng.sample(principals, rng.randint(1, len(principals)))
                    ),
                )
                for i in range(rng.choice((0, 0, 1, 2)))
            ),
            spaces=tuple(spaces),
            walking_times=(
                WalkingTimes({("A", "B"): rng.choice((5, self.grain, 3 * self.grain))})
                if rng.random() < 0.5
                else WalkingTimes()
            ),
            policy=EventPolicy(
                max_bookings_per_party_per_day=rng.choice((None, None, 0, 1, 2)),
                fairness_max_spread=rng.choice((None, None, 0, 1)),
                press_buffer_min=rng.choice((0, 10, self.grain, 25)),
            ),
            day_start=time(self.start_min // 60, self.start_min % 60),
            day_end=time(self.end_min // 60, self.end_min % 60),
            morning_ends=time((self.start_min + self.end_min) // 120),
            grain_min=self.grain,
        )

    def space(self, i: int, parties: list[Party]) -> Space:
        rng = self.rng
        kind = rng.choice(list(SpaceKind))
        host = (
            rng.choice(parties).id
            if kind is SpaceKind.DELEGATION_PREMISES
            else rng.choice((None, None, parties[0].id))
        )
        return Space(
            SpaceId(f"S{i}"),
            f"S{i}",
            kind=kind,
            capacity=rng.choice((1, 2, 4, 10)),
            features=frozenset(rng.sample(list(Feature), rng.randint(0, 2))),
            opening_hours=(
                tuple(self.span() for _ in range(rng.randint(1, 3))) if rng.random() < 0.5 else ()
            ),
            turnover_min=rng.choice((0, 0, self.grain, 2 * self.grain, 7)),
            location=rng.choice(("", "A", "B")),
            host_party=host,
        )

    def delegation(self, party: PartyId) -> Delegation:
        rng = self.rng
        arrival = departure = None
        if rng.random() < 0.5:
            arrival = self.at(
                rng.choice(self.days), self.start_min + self.grain * rng.randint(0, 3)
            )
        if rng.random() < 0.5:
            departure = self.at(
                rng.choice(self.days), self.end_min - self.grain * rng.randint(0, 3)
            )
        if arrival is not None and departure is not None and departure <= arrival:
            departure = None
        return Delegation(party, arrival, departure)

    def meeting(
        self, i: int, principals: list[Principal], spaces: list[Space], before: list[Meeting]
    ) -> Meeting:
        rng = self.rng
        sides = rng.sample(principals, min(rng.choice((2, 2, 2, 3, 4)), len(principals)))
        longest = self.slots if rng.random() < 0.9 else 99
        duration = min(rng.choice((1, 1, 2, 3, 5)), longest) * self.grain
        fields: dict[str, object] = {}
        if rng.random() < 0.3:
            fields["windows"] = tuple(self.span() for _ in range(rng.randint(1, 2)))
        if rng.random() < 0.2:
            fields["preferred"] = (self.span(),)
        if rng.random() < 0.2:
            fields["day_part"] = rng.choice(list(DayPart))
        if rng.random() < 0.2:
            fields["needs_space"] = rng.random() < 0.5
        if spaces and rng.random() < 0.2:
            fields["press"] = rng.choice(list(PressPlan))
        if spaces and rng.random() < 0.15:
            fields["spaces"] = (rng.choice(spaces).id,)
        if before and rng.random() < 0.2:
            fields["after"] = (rng.choice(before).id,)
        if rng.random() < 0.2:
            fields["size"] = rng.randint(1, 6)
        if rng.random() < 0.05:
            start = self.at(
                rng.choice(self.days), self.start_min + self.grain * rng.randrange(self.slots)
            )
            space = rng.choice([None, *(s.id for s in spaces)])
            fields["locked"] = Placement(start, space)
        return Meeting(
            id=MeetingId(f"m{i}"),
            principals=tuple(p.id for p in sides),
            format=rng.choice(list(MeetingFormat)),
            duration_min=duration,
            priority=rng.randint(1, 5),
            required=rng.random() < 0.08,
            **fields,  # type: ignore[arg-type]
        )


def shaped_event(seed: int) -> Event:
    """An event of an unusual shape (``DomainError`` when the draw breaks an invariant)."""
    return _Shape(random.Random(seed)).event()


def changed(event: Event, seed: int) -> Event:
    """The event after a change or three, as before a re-plan: a meeting added or withdrawn,
    a principal's hour taken, a longer turnover or meeting, a space gone, a shorter day."""
    rng = random.Random(seed)
    meetings = list(event.meetings)
    principals = list(event.principals)
    spaces = list(event.spaces)
    grain = timedelta(minutes=event.grain_min)
    for _ in range(rng.randint(1, 3)):
        what = rng.randrange(7)
        if what == 0 and meetings:
            copied = rng.choice(meetings)
            meetings.append(replace(copied, id=MeetingId(f"{copied.id}+"), locked=None, after=()))
        elif what == 1 and meetings:
            gone = meetings.pop(rng.randrange(len(meetings))).id
            meetings = [replace(m, after=tuple(a for a in m.after if a != gone)) for m in meetings]
        elif what == 2:
            idx = rng.randrange(len(principals))
            start = datetime.combine(rng.choice(event.days), event.day_start, tzinfo=event.zone)
            taken = TimeSpan(start, start + grain * rng.randint(1, 3))
            principals[idx] = replace(
                principals[idx], unavailable=(*principals[idx].unavailable, taken)
            )
        elif what == 3 and spaces:
            idx = rng.randrange(len(spaces))
            spaces[idx] = replace(spaces[idx], turnover_min=spaces[idx].turnover_min + 2 * 5)
        elif what == 4 and meetings:
            idx = rng.randrange(len(meetings))
            longer = meetings[idx].effective_duration_min + event.grain_min
            meetings[idx] = replace(meetings[idx], duration_min=longer, required=True)
        elif what == 5 and spaces:
            gone_space = spaces.pop().id
            meetings = [
                replace(
                    m,
                    spaces=tuple(s for s in m.spaces if s != gone_space),
                    locked=(
                        replace(m.locked, space=None)
                        if m.locked is not None and m.locked.space == gone_space
                        else m.locked
                    ),
                )
                for m in meetings
            ]
        elif what == 6:
            end = datetime.combine(event.days[0], event.day_end) - grain
            event = replace(event, day_end=end.time())
    return replace(
        event, meetings=tuple(meetings), principals=tuple(principals), spaces=tuple(spaces)
    )
