"""Generated partnering events: over-subscribed, weighted, deterministic from a seed.

Real B2B fairs are lopsided: a few exhibitors attract most of the requests, most requests carry
a low priority, and principals are not there all the time. ``generate_event`` reproduces that
shape at any size, for benchmarks and property tests; it returns plain domain objects, so every
generated event goes through the same validation as one read from a file.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sidelines.domain.errors import DomainError
from sidelines.domain.event import Event, EventPolicy, OrganiserSees
from sidelines.domain.formats import MeetingFormat
from sidelines.domain.ids import MeetingId, PartyId, PrincipalId, SessionId, SpaceId
from sidelines.domain.interpretation import InterpreterPool
from sidelines.domain.meeting import DayPart, Meeting, Placement, PressPlan
from sidelines.domain.party import Party, PartyKind
from sidelines.domain.principal import Principal, Rank
from sidelines.domain.programme import ProgrammeSession, SessionKind
from sidelines.domain.space import Feature, Space, SpaceKind, WalkingTimes
from sidelines.domain.time import TimeSpan

FIRST_DAY = date(2030, 6, 3)
# Priorities 1 (nice to have) to 5 (must try hard): most requests are casual.
PRIORITY_WEIGHTS = (0.40, 0.25, 0.17, 0.11, 0.07)
# Working languages of generated principals, the most common first.
LANGUAGES = ("en", "es", "fr", "de", "zh", "ja", "ru", "ar")


@dataclass(frozen=True, slots=True)
class GeneratorSpec:
    """The shape of a generated event.

    ``availability`` is the fraction of the event's hours each principal is present and not
    forbidden, on average. ``popularity_skew`` is the exponent of the Zipf law by which some
    principals attract more requests than others (0: uniform).

    Agreed terms, all off by default: ``press_share`` of the requests have a pool spray (every
    third room is press-ready), ``agreed_place_share`` are agreed for one or two of the spaces
    that fit them, ``languages`` working languages are spread over the principals (0: none
    known), with ``interpreters_per_pair`` interpreters for each pair of them (0: no pool; the
    sides arrange their own) and a side bringing its own to ``own_interpreter_share`` of the
    requests.

    ``space_classes`` (0: off, the plain rooms and tables) varies the spaces' opening hours and
    extra features (press, secure) so that they form exactly that many classes of
    interchangeable spaces (locked spaces and, with several locations, each location's spaces
    apart). ``days`` may be 1 (a one-day event) or more.
    """

    principals: int
    requests: int
    spaces: int
    days: int = 2
    grain_min: int = 10
    durations_min: tuple[int, ...] = (30,)
    day_start: time = time(9, 0)
    day_end: time = time(18, 0)
    morning_ends: time = time(12, 30)
    trilateral_share: float = 0.02
    room_share: float = 0.1  # spaces that are rooms (bigger, some with interpretation)
    interpretation_share: float = 0.02  # requests that need an interpreted room
    availability: float = 0.8
    programme_sessions: int = 3
    day_part_share: float = 0.1  # morning-only or afternoon-only requests
    preferred_share: float = 0.05
    locked: int = 0
    precedences: int = 0
    popularity_skew: float = 0.8
    locations: int = 1
    walking_min: int = 10
    turnover_min: int = 0  # rooms' turnover buffer; tables turn over at once
    max_bookings_per_party_per_day: int | None = None
    fairness_max_spread: int | None = None
    timezone: str = "Europe/Lisbon"
    press_share: float = 0.0
    agreed_place_share: float = 0.0
    languages: int = 0
    interpreters_per_pair: int = 0
    own_interpreter_share: float = 0.3
    space_classes: int = 0

    def __post_init__(self) -> None:
        if self.principals < 3:
            raise DomainError(f"needs at least 3 principals, got {self.principals}", "principals")
        if self.requests < 0 or self.spaces < 1 or self.days < 1:
            raise DomainError("requests must be >= 0, spaces and days >= 1", "spec")
        if not 0.0 < self.availability <= 1.0:
            raise DomainError(f"must be in (0, 1], got {self.availability}", "availability")
        if not self.durations_min or any(d % self.grain_min for d in self.durations_min):
            raise DomainError("durations must be whole numbers of grains", "durations_min")
        day_min = (self.day_end.hour - self.day_start.hour) * 60 + (
            self.day_end.minute - self.day_start.minute
        )
        if day_min <= 0:
            raise DomainError("the day must end after it starts", "day_end")
        if max(self.durations_min) > day_min:
            raise DomainError(
                f"durations must fit in a day of {day_min} min, got {max(self.durations_min)}",
                "durations_min",
            )
        if self.locations < 1:
            raise DomainError("needs at least one location", "locations")
        if not 0 <= self.languages <= len(LANGUAGES):
            raise DomainError(f"must be 0 to {len(LANGUAGES)}, got {self.languages}", "languages")
        if not 0 <= self.space_classes <= self.spaces:
            raise DomainError(
                f"must be 0 to the number of spaces, got {self.space_classes}", "space_classes"
            )


def generate_event(spec: GeneratorSpec, seed: int) -> Event:
    """A partnering event of the given shape; the same spec and seed give the same event."""
    # The varied spaces draw from a stream of their own too, so that without them (and with
    # them, apart from the spaces and the locks placed in them) the event stays the same.
    event = _Builder(spec, random.Random(seed), random.Random(f"spaces-{seed}")).build()
    if spec.press_share or spec.agreed_place_share or spec.languages:
        # A random stream of their own, so that the rest of the event stays as without terms.
        event = _with_terms(event, spec, random.Random(f"terms-{seed}"))
    return event


def _with_terms(event: Event, spec: GeneratorSpec, rng: random.Random) -> Event:
    """The event with the agreed terms of ``spec`` laid over it."""
    languages = LANGUAGES[: spec.languages]
    principals = event.principals
    pools: tuple[InterpreterPool, ...] = ()
    if languages:
        principals = tuple(
            replace(
                p, languages=tuple(rng.sample(languages, min(len(languages), rng.choice((1, 2)))))
            )
            for p in principals
        )
        if spec.interpreters_per_pair > 0:
            pools = tuple(
                InterpreterPool(frozenset({a, b}), spec.interpreters_per_pair)
                for index, a in enumerate(languages)
                for b in languages[index + 1 :]
            )
    spaces = event.spaces
    if spec.press_share:
        rooms = [s for s in spaces if s.kind is SpaceKind.BILATERAL_ROOM]
        press_ready = {s.id for s in rooms[::3]}
        spaces = tuple(
            replace(s, features=s.features | {Feature.PRESS}) if s.id in press_ready else s
            for s in spaces
        )
    party_of = {p.id: p.party for p in principals}
    meetings: list[Meeting] = []
    for meeting in event.meetings:
        if meeting.locked is not None:
            meetings.append(meeting)
            continue
        press = PressPlan.POOL_SPRAY if rng.random() < spec.press_share else PressPlan.NONE
        own: tuple[PartyId, ...] = ()
        if languages and rng.random() < spec.own_interpreter_share:
            own = (party_of[rng.choice(meeting.principals)],)
        agreed: tuple[SpaceId, ...] = ()
        if rng.random() < spec.agreed_place_share:
            size = meeting.effective_size(len({party_of[p] for p in meeting.principals}))
            needs = meeting.effective_needs | (
                {Feature.PRESS} if press is not PressPlan.NONE else set()
            )
            fitting = [s.id for s in spaces if s.capacity >= size and needs <= s.features]
            if fitting:
                agreed = tuple(rng.sample(fitting, min(len(fitting), rng.choice((1, 2)))))
        meetings.append(replace(meeting, press=press, own_interpreters=own, spaces=agreed))
    return replace(
        event,
        principals=principals,
        spaces=spaces,
        meetings=tuple(meetings),
        interpreters=pools,
    )


class _Builder:
    def __init__(self, spec: GeneratorSpec, rng: random.Random, spaces_rng: random.Random) -> None:
        self.spec = spec
        self.rng = rng
        self.spaces_rng = spaces_rng
        self.zone = ZoneInfo(spec.timezone)
        self.days = tuple(FIRST_DAY + timedelta(days=i) for i in range(spec.days))
        self.grain = timedelta(minutes=spec.grain_min)

    def local(self, day: date, at: time) -> datetime:
        return datetime.combine(day, at, tzinfo=self.zone)

    def day_grains(self) -> int:
        start = self.local(self.days[0], self.spec.day_start)
        end = self.local(self.days[0], self.spec.day_end)
        return int((end - start) / self.grain)

    def at_grain(self, day: date, grain: int) -> datetime:
        return self.local(day, self.spec.day_start) + grain * self.grain

    # --- parts ---------------------------------------------------------------------------

    def build(self) -> Event:
        spec = self.spec
        parties = tuple(
            Party(PartyId(f"C{i:05d}"), f"Company {i}", PartyKind.COMPANY)
            for i in range(spec.principals)
        )
        principals = tuple(self.principal(i) for i in range(spec.principals))
        spaces = self.spaces()
        if spec.space_classes:
            spaces = self.varied(spaces)
        programme = self.programme(principals)
        meetings = self.lock_some(self.meetings(principals), principals, spaces, programme)
        walking: dict[tuple[str, str], int] = {}
        for a in range(spec.locations):
            for b in range(a + 1, spec.locations):
                walking[(f"hall-{a}", f"hall-{b}")] = spec.walking_min * (b - a)
        return Event(
            id=f"generated-{spec.principals}-{spec.requests}",
            name=f"Generated fair ({spec.principals} principals, {spec.requests} requests)",
            timezone=spec.timezone,
            days=self.days,
            parties=parties,
            principals=principals,
            meetings=meetings,
            programme=programme,
            spaces=spaces,
            walking_times=WalkingTimes(walking),
            policy=EventPolicy(
                max_bookings_per_party_per_day=spec.max_bookings_per_party_per_day,
                fairness_max_spread=spec.fairness_max_spread,
                organiser_sees=OrganiserSees.EVERYTHING,
            ),
            day_start=spec.day_start,
            day_end=spec.day_end,
            morning_ends=spec.morning_ends,
            grain_min=spec.grain_min,
            series="generated",
        )

    def principal(self, index: int) -> Principal:
        # Absence is cut into blocks of 30-120 minutes until the wanted share is reached; blocks
        # may overlap, so real availability ends a little above the spec's.
        spec = self.spec
        grains = self.day_grains()
        absent_target = round((1.0 - spec.availability) * grains * spec.days)
        unavailable: list[TimeSpan] = []
        absent = 0
        while absent < absent_target:
            length = min(absent_target - absent, self.rng.randint(30, 120) // spec.grain_min or 1)
            length = max(1, min(length, grains))
            day = self.rng.choice(self.days)
            first = self.rng.randrange(0, grains - length + 1)
            unavailable.append(
                TimeSpan(self.at_grain(day, first), self.at_grain(day, first + length))
            )
            absent += length
        return Principal(
            id=PrincipalId(f"P{index:05d}"),
            party=PartyId(f"C{index:05d}"),
            name=f"Executive {index}",
            rank=Rank.EXECUTIVE,
            unavailable=tuple(unavailable),
        )

    def spaces(self) -> tuple[Space, ...]:
        spec = self.spec
        n_rooms = round(spec.spaces * spec.room_share)
        if spec.trilateral_share > 0 or spec.interpretation_share > 0:
            n_rooms = max(n_rooms, 1)
        n_rooms = min(n_rooms, spec.spaces)
        result: list[Space] = []
        for index in range(spec.spaces):
            location = f"hall-{index % spec.locations}"
            if index < n_rooms:
                # Every other room has interpreters' booths: interpreted meetings are rarer.
                features = frozenset({Feature.INTERPRETATION}) if index % 2 == 0 else frozenset()
                result.append(
                    Space(
                        id=SpaceId(f"R{index:04d}"),
                        name=f"Room {index}",
                        kind=SpaceKind.BILATERAL_ROOM,
                        capacity=12,
                        features=features,
                        turnover_min=spec.turnover_min,
                        location=location,
                    )
                )
            else:
                result.append(
                    Space(
                        id=SpaceId(f"T{index:04d}"),
                        name=f"Table {index}",
                        kind=SpaceKind.TABLE,
                        capacity=4,
                        location=location,
                    )
                )
        return tuple(result)

    def varied(self, spaces: tuple[Space, ...]) -> tuple[Space, ...]:
        """The spaces, each plain group (same kind and features) split into variants of opening
        hours and extra features, so that there are ``space_classes`` classes in all: every group
        gets a share of the classes in proportion to its size, at least one, its first variant
        the plain one (open all the time, no extras)."""
        spec = self.spec
        groups: dict[tuple[object, ...], list[int]] = {}
        for index, space in enumerate(spaces):
            groups.setdefault((space.kind, space.capacity, space.features), []).append(index)
        members = list(groups.values())
        if spec.space_classes < len(members):
            raise DomainError(
                f"needs at least {len(members)} classes (one per kind of space), "
                f"got {spec.space_classes}",
                "space_classes",
            )
        shares = [1] * len(members)
        # One more class to the group with the most spaces per class, until the total is reached.
        while sum(shares) < spec.space_classes:
            open_groups = [i for i in range(len(members)) if shares[i] < len(members[i])]
            grow = max(open_groups, key=lambda i: (len(members[i]) / shares[i], -i))
            shares[grow] += 1
        extras: tuple[frozenset[Feature], ...] = (
            frozenset(),
            frozenset({Feature.PRESS}),
            frozenset({Feature.SECURE}),
            frozenset({Feature.PRESS, Feature.SECURE}),
        )
        hours = self.opening_patterns(-(-max(shares) // len(extras)))
        result = list(spaces)
        for group, share in zip(members, shares, strict=True):
            for position, index in enumerate(group):
                variant = position % share
                # Extras cycle fastest: variant v has hours v // 4 and extras v % 4, all distinct.
                opening = hours[variant // len(extras)]
                extra = extras[variant % len(extras)]
                space = spaces[index]
                result[index] = replace(
                    space, features=space.features | extra, opening_hours=opening
                )
        return tuple(result)

    def opening_patterns(self, count: int) -> list[tuple[TimeSpan, ...]]:
        """``count`` distinct opening hours: the first open whenever the event runs, the others
        not all the time. Each day opens in its first third and closes in its last, on whole
        grains."""
        grains = self.day_grains()
        seen: set[tuple[tuple[int, int], ...]] = set()
        patterns: list[tuple[TimeSpan, ...]] = [()]
        while len(patterns) < count:
            windows = tuple(
                (
                    self.spaces_rng.randrange(0, grains // 3 + 1),
                    grains - self.spaces_rng.randrange(0, grains // 3 + 1),
                )
                for _ in self.days
            )
            if windows in seen or all(w == (0, grains) for w in windows):
                continue
            seen.add(windows)
            patterns.append(
                tuple(
                    TimeSpan(self.at_grain(day, first), self.at_grain(day, last))
                    for day, (first, last) in zip(self.days, windows, strict=True)
                )
            )
        return patterns

    def programme(self, principals: tuple[Principal, ...]) -> tuple[ProgrammeSession, ...]:
        spec = self.spec
        grains = self.day_grains()
        sessions: list[ProgrammeSession] = []
        for index in range(spec.programme_sessions):
            length = max(1, self.rng.choice((30, 45, 60, 90)) // spec.grain_min)
            length = min(length, grains)
            day = self.rng.choice(self.days)
            first = self.rng.randrange(0, grains - length + 1)
            share = self.rng.uniform(0.1, 0.5)
            attendees = frozenset(p.id for p in principals if self.rng.random() < share)
            sessions.append(
                ProgrammeSession(
                    id=SessionId(f"S{index:03d}"),
                    title=f"Session {index}",
                    span=TimeSpan(self.at_grain(day, first), self.at_grain(day, first + length)),
                    attendees=attendees,
                    kind=SessionKind.PLENARY,
                )
            )
        return tuple(sessions)

    def meetings(self, principals: tuple[Principal, ...]) -> list[Meeting]:
        spec = self.spec
        n = len(principals)
        # Zipf popularity: who gets asked. Askers are uniform, as at real fairs.
        popularity = [1.0 / (rank + 1) ** spec.popularity_skew for rank in range(n)]
        order = list(range(n))
        self.rng.shuffle(order)
        weights = [0.0] * n
        for rank, idx in enumerate(order):
            weights[idx] = popularity[rank]
        cumulative: list[float] = []
        total = 0.0
        for value in weights:
            total += value
            cumulative.append(total)
        seen: set[frozenset[int]] = set()
        meetings: list[Meeting] = []
        attempts = 0
        while len(meetings) < spec.requests and attempts < spec.requests * 20:
            attempts += 1
            asker = self.rng.randrange(n)
            trilateral = self.rng.random() < spec.trilateral_share
            wanted = 3 if trilateral else 2
            group = {asker}
            while len(group) < wanted:
                group.add(self.rng.choices(range(n), cum_weights=cumulative)[0])
            key = frozenset(group)
            if key in seen:
                continue
            seen.add(key)
            meetings.append(self.meeting(len(meetings), [asker, *sorted(group - {asker})]))
        return self.add_precedences(meetings)

    def meeting(self, index: int, group: list[int]) -> Meeting:
        spec = self.spec
        rng = self.rng
        priority = rng.choices(range(1, 6), weights=PRIORITY_WEIGHTS)[0]
        day_part = DayPart.ANY
        if rng.random() < spec.day_part_share:
            day_part = rng.choice((DayPart.MORNING, DayPart.AFTERNOON))
        preferred: tuple[TimeSpan, ...] = ()
        if rng.random() < spec.preferred_share:
            day = rng.choice(self.days)
            grains = self.day_grains()
            length = min(grains, 180 // spec.grain_min)
            first = rng.randrange(0, grains - length + 1)
            preferred = (TimeSpan(self.at_grain(day, first), self.at_grain(day, first + length)),)
        needs = None
        if rng.random() < spec.interpretation_share:
            needs = frozenset({Feature.INTERPRETATION})
        return Meeting(
            id=MeetingId(f"M{index:06d}"),
            principals=tuple(PrincipalId(f"P{i:05d}") for i in group),
            format=MeetingFormat.TRILATERAL if len(group) == 3 else MeetingFormat.B2B,
            duration_min=rng.choice(spec.durations_min),
            priority=priority,
            day_part=day_part,
            preferred=preferred,
            needs=needs,
        )

    def add_precedences(self, meetings: list[Meeting]) -> list[Meeting]:
        """A later request of a pair's principal may have to follow an earlier one (a debrief
        after a first contact). Only later-after-earlier links, so there are no cycles."""
        if self.spec.precedences <= 0 or len(meetings) < 2:
            return meetings
        by_principal: dict[PrincipalId, list[int]] = {}
        for idx, meeting in enumerate(meetings):
            for principal in meeting.principals:
                by_principal.setdefault(principal, []).append(idx)
        linked = list(meetings)
        added = 0
        for _ in range(self.spec.precedences * 10):
            if added >= self.spec.precedences:
                break
            later = self.rng.randrange(1, len(meetings))
            candidates = [
                idx
                for principal in meetings[later].principals
                for idx in by_principal[principal]
                if idx < later
            ]
            if not candidates:
                continue
            earlier = meetings[self.rng.choice(candidates)].id
            if earlier in linked[later].after:
                continue
            linked[later] = _with(linked[later], after=(*linked[later].after, earlier))
            added += 1
        return linked

    def lock_some(
        self,
        meetings: list[Meeting],
        principals: tuple[Principal, ...],
        spaces: tuple[Space, ...],
        programme: tuple[ProgrammeSession, ...],
    ) -> tuple[Meeting, ...]:
        """Lock a few meetings where they certainly fit: principals of different locked meetings
        are distinct, each locked meeting gets its own space, at a time all its principals are
        free. Meetings that must follow others are not locked, so locks never pin each other."""
        spec = self.spec
        if spec.locked <= 0:
            return tuple(meetings)
        by_id = {p.id: p for p in principals}
        blocked: dict[PrincipalId, list[TimeSpan]] = {p.id: list(p.unavailable) for p in principals}
        for session in programme:
            for attendee in session.attendees:
                blocked[attendee].append(session.span)
        locked_ids: set[MeetingId] = set()
        used_principals: set[PrincipalId] = set()
        used_spaces: set[SpaceId] = set()
        result = list(meetings)
        cap = spec.max_bookings_per_party_per_day
        grains = self.day_grains()
        for idx in self.rng.sample(range(len(meetings)), len(meetings)):
            if len(locked_ids) >= spec.locked:
                break
            meeting = meetings[idx]
            if used_principals & set(meeting.principals) or meeting.after:
                continue
            if cap == 0:
                break
            size = meeting.effective_size(len(meeting.principals))
            needs = meeting.effective_needs
            fitting = [
                s
                for s in spaces
                if s.id not in used_spaces and s.capacity >= size and needs <= s.features
            ]
            if not fitting:
                continue
            length = meeting.effective_duration_min // spec.grain_min
            for _ in range(20):
                day = self.rng.choice(self.days)
                first = self.rng.randrange(0, grains - length + 1)
                when = TimeSpan(self.at_grain(day, first), self.at_grain(day, first + length))
                noon = self.local(day, spec.morning_ends)
                if meeting.day_part is DayPart.MORNING and when.end > noon:
                    continue
                if meeting.day_part is DayPart.AFTERNOON and when.start < noon:
                    continue
                if any(when.overlaps(other) for p in meeting.principals for other in blocked[p]):
                    continue
                space = next((s for s in fitting if _is_open(s, when)), None)
                if space is None:
                    continue
                assert all(p in by_id for p in meeting.principals)
                result[idx] = _with(meeting, locked=Placement(when.start, space.id))
                locked_ids.add(meeting.id)
                used_principals.update(meeting.principals)
                used_spaces.add(space.id)
                break
        return tuple(result)


def _is_open(space: Space, when: TimeSpan) -> bool:
    """Whether the space is open for all of ``when`` (no opening hours: open all the time)."""
    if not space.opening_hours:
        return True
    return any(span.contains(when) for span in space.opening_hours)


def _with(meeting: Meeting, **changes: object) -> Meeting:
    return replace(meeting, **changes)  # type: ignore[arg-type]


__all__ = ["GeneratorSpec", "generate_event"]
