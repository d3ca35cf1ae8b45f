"""The event: a summit or a partnering fair, with everything the scheduler needs to know of it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from functools import cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sidelines.domain.delegation import Delegation
from sidelines.domain.errors import DomainError
from sidelines.domain.formats import MeetingFormat, defaults_for
from sidelines.domain.ids import (
    MeetingId,
    PartyId,
    PrincipalId,
    SessionId,
    SpaceId,
    check_url_safe,
)
from sidelines.domain.interpretation import (
    InterpreterPool,
    LanguagePair,
    needs_interpretation,
    pair_label,
)
from sidelines.domain.meeting import Meeting
from sidelines.domain.party import Party
from sidelines.domain.principal import Principal
from sidelines.domain.programme import ProgrammeSession
from sidelines.domain.space import Space, WalkingTimes
from sidelines.domain.terms import DEFAULT_REQUIRED_TERMS, Term
from sidelines.domain.time import TimeSpan


class OrganiserSees(StrEnum):
    BOOKINGS = "bookings"  # summit default: time, space and parties only
    EVERYTHING = "everything"  # B2B default


@dataclass(frozen=True, slots=True)
class EventPolicy:
    """Rules the organiser sets for the whole event.

    ``max_bookings_per_party_per_day`` caps how many meetings in the organiser's rooms one party
    may hold a day (bilateral rooms are scarce at summits). ``fairness_max_spread`` bounds
    max - min breaks over the principals (the "d" of Bofill et al., JAIR 2022).
    ``freeze_window_min``: once published, a meeting that starts within this many minutes from
    now is no longer moved to make room for another (its sides are already on their way).
    ``press_buffer_min``: after a meeting with a pool spray or open press, its space stays
    closed this much longer than its turnover, while the press leaves.
    ``formats`` lists the meeting formats the event offers (empty: every format).
    ``required_terms`` are the terms of a request both sides must agree before the meeting is
    agreed (``domain.terms``; by default the contact, the format and the time).

    Attendance: a scheduled meeting that one side has checked in to and the other has not
    ``no_show_after_min`` minutes after its start is a no-show; the time it frees is offered to
    agreed meetings that wait, whose sides confirm within ``refill_confirm_min`` or lose it.
    Requests: a delegation has at most ``max_open_requests_per_party`` open requests at once, a
    party receives at most ``max_open_requests_per_target`` (None: no cap), and with
    ``one_open_request_per_format`` a delegation has one open request to a party per format;
    the invitee of an
    unanswered request is reminded ``request_reminder_hours`` before it expires.
    """

    max_bookings_per_party_per_day: int | None = None
    fairness_max_spread: int | None = None
    organiser_sees: OrganiserSees = OrganiserSees.BOOKINGS
    freeze_window_min: int = 30
    press_buffer_min: int = 10
    formats: frozenset[MeetingFormat] = frozenset()
    required_terms: tuple[Term, ...] = DEFAULT_REQUIRED_TERMS
    no_show_after_min: int = 10
    refill_confirm_min: int = 10
    max_open_requests_per_party: int | None = None
    max_open_requests_per_target: int | None = None
    one_open_request_per_format: bool = True
    request_reminder_hours: int = 12

    def offers(self, meeting_format: MeetingFormat) -> bool:
        return not self.formats or meeting_format in self.formats

    def __post_init__(self) -> None:
        if Term.CONTACT not in self.required_terms:
            # Without the contact agreed nobody has said yes to meeting at all.
            raise DomainError("the contact is always required", "policy.required_terms")
        cap = self.max_bookings_per_party_per_day
        if cap is not None and cap < 0:
            raise DomainError(
                f"must not be negative, got {cap}", "policy.max_bookings_per_party_per_day"
            )
        if self.fairness_max_spread is not None and self.fairness_max_spread < 0:
            raise DomainError(
                f"must not be negative, got {self.fairness_max_spread}",
                "policy.fairness_max_spread",
            )
        if self.freeze_window_min < 0:
            raise DomainError(
                f"must not be negative, got {self.freeze_window_min}", "policy.freeze_window_min"
            )
        if self.press_buffer_min < 0:
            raise DomainError(
                f"must not be negative, got {self.press_buffer_min}", "policy.press_buffer_min"
            )
        for name in ("no_show_after_min", "refill_confirm_min", "request_reminder_hours"):
            if getattr(self, name) < 0:
                raise DomainError(
                    f"must not be negative, got {getattr(self, name)}", f"policy.{name}"
                )
        for name in ("max_open_requests_per_party", "max_open_requests_per_target"):
            cap = getattr(self, name)
            if cap is not None and cap < 1:
                raise DomainError(f"must be at least 1, got {cap}", f"policy.{name}")


@dataclass(frozen=True, slots=True)
class MeetingDefaults:
    """What a meeting of the event is unless it says otherwise (a fair's 20-minute B2B 1:1s):
    the meetings of an event file, and the requests made later, take them."""

    format: MeetingFormat | None = None
    duration_min: int | None = None
    priority: int | None = None

    def __post_init__(self) -> None:
        if self.duration_min is not None and self.duration_min < 1:
            raise DomainError(
                f"must be at least 1, got {self.duration_min}", "meeting_defaults.duration_min"
            )


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DomainError(f"unknown time zone {name!r}", "timezone") from None


def _unique(ids: Iterable[str], path: str) -> None:
    items = list(ids)
    if len(set(items)) == len(items):
        return  # the common case, found in C; the first duplicate is looked for below
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item in seen:
            raise DomainError(f"duplicate id {item!r}", f"{path}[{index}].id")
        seen.add(item)


@dataclass(frozen=True)
class Event:
    """A summit or fair. Days run from ``day_start`` to ``day_end`` local time; ``morning_ends``
    splits morning from afternoon; every meeting starts and lasts a whole number of
    ``grain_min``-minute steps. ``interpreters`` is the event's interpreter pool, one entry per
    language pair; without any, the event does not provide interpretation and the sides arrange
    their own.
    """

    id: str
    name: str
    timezone: str
    days: tuple[date, ...]
    parties: tuple[Party, ...]
    principals: tuple[Principal, ...]
    meetings: tuple[Meeting, ...] = ()
    delegations: tuple[Delegation, ...] = ()
    programme: tuple[ProgrammeSession, ...] = ()
    spaces: tuple[Space, ...] = ()
    walking_times: WalkingTimes = field(default_factory=WalkingTimes)
    interpreters: tuple[InterpreterPool, ...] = ()
    policy: EventPolicy = field(default_factory=EventPolicy)
    meeting_defaults: MeetingDefaults = field(default_factory=MeetingDefaults)
    day_start: time = time(8, 0)
    day_end: time = time(20, 0)
    morning_ends: time = time(12, 0)
    grain_min: int = 5
    series: str = ""
    host_city: str = ""
    host_country: str = ""
    venue: str = ""

    def __post_init__(self) -> None:
        if not self.id.strip():
            raise DomainError("event id must not be empty", "id")
        check_url_safe(self.id)
        if not self.name.strip():
            raise DomainError("event name must not be empty", "name")
        _zone(self.timezone)
        if not self.days:
            raise DomainError("an event needs at least one day", "days")
        if list(self.days) != sorted(set(self.days)):
            raise DomainError("days must be distinct and in order", "days")
        if self.day_end <= self.day_start:
            raise DomainError("the day must end after it starts", "day_end")
        if self.grain_min < 1 or 60 * 24 % self.grain_min:
            raise DomainError(
                f"grain must divide a day into whole steps, got {self.grain_min} min", "grain_min"
            )
        self._check_references()

    # --- derived views -------------------------------------------------------------------

    @cached_property
    def zone(self) -> ZoneInfo:
        return _zone(self.timezone)

    def local(self, day: date, at: time) -> datetime:
        """A local wall-clock time on one of the event's days, as an aware datetime."""
        return datetime.combine(day, at, tzinfo=self.zone)

    @cached_property
    def day_spans(self) -> tuple[TimeSpan, ...]:
        return tuple(
            TimeSpan(self.local(day, self.day_start), self.local(day, self.day_end))
            for day in self.days
        )

    @cached_property
    def party_by_id(self) -> dict[PartyId, Party]:
        return {party.id: party for party in self.parties}

    @cached_property
    def principal_by_id(self) -> dict[PrincipalId, Principal]:
        return {principal.id: principal for principal in self.principals}

    @cached_property
    def space_by_id(self) -> dict[SpaceId, Space]:
        return {space.id: space for space in self.spaces}

    @cached_property
    def meeting_by_id(self) -> dict[MeetingId, Meeting]:
        return {meeting.id: meeting for meeting in self.meetings}

    @cached_property
    def delegation_by_party(self) -> dict[PartyId, Delegation]:
        return {delegation.party: delegation for delegation in self.delegations}

    @cached_property
    def party_of_principal(self) -> dict[PrincipalId, PartyId]:
        return {principal.id: principal.party for principal in self.principals}

    def parties_of(self, meeting: Meeting) -> tuple[PartyId, ...]:
        """The distinct parties of a meeting's principals, in the order they are listed."""
        party_of = self.party_of_principal
        principals = meeting.principals
        if len(principals) == 2:
            # A bilateral meeting, most of a large event's: two parties, or one.
            first, second = party_of[principals[0]], party_of[principals[1]]
            return (first,) if first == second else (first, second)
        return tuple(dict.fromkeys([party_of[principal_id] for principal_id in principals]))

    @cached_property
    def interpreter_counts(self) -> dict[LanguagePair, int]:
        return {pool.languages: pool.count for pool in self.interpreters}

    def interpretation_of(self, meeting: Meeting) -> frozenset[LanguagePair]:
        """The language pairs the meeting needs from the event's interpreter pool. An event
        that lists no pool leaves interpretation to the sides: its meetings need none from it."""
        if not self.interpreters:
            return frozenset()
        return needs_interpretation(
            [self.principal_by_id[p] for p in meeting.principals],
            meeting.own_interpreters,
            self._pairs_offered,
        )

    @cached_property
    def _pairs_offered(self) -> frozenset[LanguagePair]:
        # A pair listed with no interpreter is not on offer: another pair the principals
        # could use is chosen before it.
        return frozenset(pool.languages for pool in self.interpreters if pool.count > 0)

    @property
    def default_format(self) -> MeetingFormat:
        """The format a request takes when it names none: the event's default, else the one
        format the event offers, else a restricted bilateral."""
        if self.meeting_defaults.format is not None:
            return self.meeting_defaults.format
        if len(self.policy.formats) == 1:
            return next(iter(self.policy.formats))
        return MeetingFormat.BILATERAL_RESTRICTED

    def default_duration_min(self, meeting_format: MeetingFormat) -> int:
        """A meeting's length when it names none: the event's default length, for its default
        format (or any, when the event names no format), else the format's usual length."""
        defaults = self.meeting_defaults
        if defaults.duration_min is not None and defaults.format in (None, meeting_format):
            return defaults.duration_min
        return defaults_for(meeting_format).duration_min

    # --- invariants ----------------------------------------------------------------------

    def _check_references(self) -> None:
        _unique((p.id for p in self.parties), "parties")
        _unique((p.id for p in self.principals), "principals")
        _unique((s.id for s in self.spaces), "spaces")
        _unique((m.id for m in self.meetings), "meetings")
        _unique((s.id for s in self.programme), "programme")
        pairs: set[LanguagePair] = set()
        for index, pool in enumerate(self.interpreters):
            if pool.languages in pairs:
                raise DomainError(
                    f"duplicate language pair {pair_label(pool.languages)}",
                    f"interpreters[{index}].languages",
                )
            pairs.add(pool.languages)
        party_ids = {p.id for p in self.parties}
        principal_ids = {p.id for p in self.principals}
        space_ids = {s.id for s in self.spaces}
        meeting_ids = {m.id for m in self.meetings}
        session_ids = {s.id for s in self.programme}
        for index, principal in enumerate(self.principals):
            if principal.party not in party_ids:
                raise DomainError(
                    f"unknown party {principal.party!r}", f"principals[{index}].party"
                )
        for index, delegation in enumerate(self.delegations):
            if delegation.party not in party_ids:
                raise DomainError(
                    f"unknown party {delegation.party!r}", f"delegations[{index}].party"
                )
        for index, space in enumerate(self.spaces):
            if space.host_party is not None and space.host_party not in party_ids:
                raise DomainError(
                    f"unknown party {space.host_party!r}", f"spaces[{index}].host_party"
                )
        for index, session in enumerate(self.programme):
            for attendee in sorted(session.attendees):
                if attendee not in principal_ids:
                    raise DomainError(
                        f"unknown principal {attendee!r}", f"programme[{index}].attendees"
                    )
        longest_day_min = min(
            (span.end - span.start).total_seconds() / 60 for span in self.day_spans
        )
        for index, meeting in enumerate(self.meetings):
            self._check_meeting(meeting, index, principal_ids, space_ids, meeting_ids, session_ids)
            # The sides matter only to agreed spaces and own interpreters, which most lack.
            sides = (
                set(self.parties_of(meeting)) if meeting.spaces or meeting.own_interpreters else ()
            )
            for position, space_id in enumerate(meeting.spaces):
                # "The host's suite" is agreed as the host's premises: one of the sides'.
                owner = self.space_by_id[space_id].host_party
                if owner is not None and owner not in sides:
                    raise DomainError(
                        f"{space_id!r} belongs to {owner!r}, which is not a side of the meeting",
                        f"meetings[{index}].spaces[{position}]",
                    )
            for position, party in enumerate(meeting.own_interpreters):
                if party not in sides:
                    raise DomainError(
                        f"{party!r} is not a side of the meeting",
                        f"meetings[{index}].own_interpreters[{position}]",
                    )
            duration = meeting.effective_duration_min
            if duration % self.grain_min:
                raise DomainError(
                    f"duration {duration} min is not a whole number of the event's "
                    f"{self.grain_min}-minute steps",
                    f"meetings[{index}].duration_min",
                )
            if duration > longest_day_min:
                raise DomainError(
                    f"duration {duration} min does not fit in a day of the event "
                    f"({self.day_start:%H:%M} to {self.day_end:%H:%M})",
                    f"meetings[{index}].duration_min",
                )
        self._check_precedences_acyclic()

    @staticmethod
    def _check_meeting(
        meeting: Meeting,
        index: int,
        principal_ids: set[PrincipalId],
        space_ids: set[SpaceId],
        meeting_ids: set[MeetingId],
        session_ids: set[SessionId],
    ) -> None:
        # Each list is looked at one by one only when a set says it holds an unknown id (one C
        # call per list instead of a loop, 20,000 meetings and more).
        if not principal_ids.issuperset(meeting.principals):
            for position, principal in enumerate(meeting.principals):
                if principal not in principal_ids:
                    raise DomainError(
                        f"unknown principal {principal!r}",
                        f"meetings[{index}].principals[{position}]",
                    )
        if meeting.after and not meeting_ids.issuperset(meeting.after):
            for position, earlier in enumerate(meeting.after):
                if earlier not in meeting_ids:
                    raise DomainError(
                        f"unknown meeting {earlier!r}", f"meetings[{index}].after[{position}]"
                    )
        if meeting.spaces and not space_ids.issuperset(meeting.spaces):
            for position, space in enumerate(meeting.spaces):
                if space not in space_ids:
                    raise DomainError(
                        f"unknown space {space!r}", f"meetings[{index}].spaces[{position}]"
                    )
        if meeting.locked is None:
            return
        locked_space = meeting.locked.space
        if locked_space is not None and locked_space not in space_ids:
            raise DomainError(f"unknown space {locked_space!r}", f"meetings[{index}].locked.space")
        at_session = meeting.locked.at_session
        if at_session is not None and at_session.session not in session_ids:
            raise DomainError(
                f"unknown programme session {at_session.session!r}",
                f"meetings[{index}].locked.at_session.session",
            )

    def _check_precedences_acyclic(self) -> None:
        # Depth-first search with colours: a grey node met again closes a cycle.
        after = {meeting.id: meeting.after for meeting in self.meetings}
        colour: dict[MeetingId, int] = {}

        def visit(node: MeetingId, trail: list[MeetingId]) -> None:
            colour[node] = 1
            for earlier in after[node]:
                if colour.get(earlier) == 1:
                    cycle = [*trail[trail.index(earlier) :], earlier]
                    raise DomainError(
                        "precedences form a cycle (each must come after the next): "
                        + " -> ".join(cycle),
                        "meetings",
                    )
                if earlier not in colour:
                    visit(earlier, [*trail, earlier])
            colour[node] = 2

        for meeting in self.meetings:
            # One that comes after none closes no cycle, and colours no other meeting: most
            # meetings of a large event are not searched from.
            if meeting.after and meeting.id not in colour:
                visit(meeting.id, [meeting.id])
