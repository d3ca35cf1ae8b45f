"""Why a meeting is not in a schedule: the facts that block each time it could have had.

Every start the meeting's own windows allow (within one day, its windows, morning or afternoon
only) is tried against the schedule, and each fact that alone rules a start out is collected, in
two tiers. First what no schedule can change: a principal absent (arrival, departure),
unavailable, or in a programme session. Only a start that survives those is put to the schedule:
a principal in another meeting, a precedence, every room that fits taken or closed, the room
policy. A fact is listed only if it rules out at least one such start, so an explanation names no
false blocker, and every start is ruled out by at least one listed fact, so it leaves none out.
Times are given in the event's local time, principals and sessions by their names.

Another delegation's meetings are confidential (DESIGN.md section 2): the caller says which
meetings the reader may see by name, and whether priorities may be shown; the others appear as
"another engagement".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sidelines.domain.ids import MeetingId, PartyId
from sidelines.scheduling import times
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.rules.base import Placed
from sidelines.scheduling.rules.placement import (
    MeetingWithinItsWindows,
    MeetingWithinOneDay,
    SpaceFitsMeeting,
    session_contacts,
)
from sidelines.scheduling.rules.terms import (
    MeetingInAgreedSpace,
    PressReadySpace,
    missing_interpretation,
)
from sidelines.scheduling.schedule import Assignment, where
from sidelines.scheduling.slots import iter_slots, run_mask
from sidelines.scheduling.validator import to_placed


class FactKind(StrEnum):
    WINDOW = "window"  # the meeting's own windows or day part
    ABSENT = "absent"  # before a principal's arrival or after its departure
    UNAVAILABLE = "unavailable"  # a principal's forbidden window
    PROGRAMME = "programme"  # a programme session a principal attends
    MEETING = "meeting"  # another meeting of a principal
    NO_ROOM = "no_room"  # no room fits the meeting at all
    ROOMS = "rooms"  # every room that fits is taken or closed
    POLICY = "policy"  # the room policy's daily cap
    PRECEDENCE = "precedence"  # a meeting it must follow or precede
    INTERPRETERS = "interpreters"  # no interpreter of a pair it needs (none, or all taken)
    FREE = "free"  # a time that is still open: nothing blocks it


@dataclass(frozen=True, slots=True)
class Said:
    """A sentence as a page needs it to say it in its reader's language: its English text with
    named placeholders (a text of the catalogs) and the value put in each. The engine knows no
    language but English; the services say the text and its values in the reader's."""

    template: str
    # A value is a text, or a list of texts (meetings, say) said one after another.
    values: tuple[tuple[str, str | tuple[str, ...]], ...] = ()

    @property
    def text(self) -> str:
        return self.template % {
            name: ", ".join(value) if isinstance(value, tuple) else value
            for name, value in self.values
        }


def said(template: str, **values: str | tuple[str, ...]) -> Said:
    return Said(template, tuple(values.items()))


@dataclass(frozen=True, slots=True)
class Fact:
    kind: FactKind
    text: str
    said: Said | None = field(default=None, compare=False)


def fact(kind: FactKind, template: str, **values: str | tuple[str, ...]) -> Fact:
    """A fact in English, with what it takes to say it in another language."""
    sentence = said(template, **values)
    return Fact(kind, sentence.text, sentence)


@dataclass(frozen=True, slots=True)
class Explanation:
    meeting: MeetingId
    scheduled: bool
    facts: tuple[Fact, ...]
    summary: str
    summary_said: Said | None = field(default=None, compare=False)

    @property
    def text(self) -> str:
        if not self.facts:
            return self.summary
        return self.summary + ": " + "; ".join(fact.text for fact in self.facts) + "."


def _explanation(
    meeting_id: MeetingId, scheduled: bool, facts: tuple[Fact, ...], template: str, **values: str
) -> Explanation:
    summary = said(template, **values)
    return Explanation(meeting_id, scheduled, facts, summary.text, summary)


class UnknownMeeting(LookupError):
    """The problem has no meeting of that id."""


def explain(
    problem: Problem,
    schedule: Mapping[MeetingId, Assignment],
    meeting_id: MeetingId,
    *,
    visible: Callable[[MeetingId], bool] = lambda _: True,
    priorities: bool = True,
) -> Explanation:
    """Why ``meeting_id`` is not in ``schedule`` (or where it is, when it is)."""
    meeting_idx = problem.meeting_index.get(meeting_id)
    if meeting_idx is None:
        raise UnknownMeeting(meeting_id)
    return _Explainer(problem, schedule, meeting_idx, visible, priorities).explain()


class _Explainer:
    def __init__(
        self,
        problem: Problem,
        schedule: Mapping[MeetingId, Assignment],
        meeting_idx: int,
        visible: Callable[[MeetingId], bool],
        priorities: bool,
    ) -> None:
        self.problem = problem
        self.schedule = schedule
        self.meeting_idx = meeting_idx
        self.meeting = problem.meetings[meeting_idx]
        self.visible = visible
        self.priorities = priorities
        self.zone = ZoneInfo(problem.timezone)
        others = {m: a for m, a in schedule.items() if m != self.meeting.id}
        self.placed, _ = to_placed(problem, others)
        self.by_meeting = {item.meeting_idx: item for item in self.placed}
        # Keys of the facts found, in the order they are shown, with their texts.
        self.found: dict[tuple[object, ...], Fact] = {}
        self.rooms_blocked: list[int] = []  # starts where every fitting room is taken or closed

    # --- the walk over possible starts -----------------------------------------------------

    def explain(self) -> Explanation:
        meeting = self.meeting
        assignment = self.schedule.get(meeting.id)
        if assignment is not None:
            at = self.span_text(assignment.start_slot, meeting.duration_slots)
            return _explanation(
                meeting.id,
                True,
                (),
                "%(meeting)s is scheduled %(span)s, %(place)s",
                meeting=meeting.label,
                span=at,
                place=self.where(assignment),
            )
        starts = MeetingWithinOneDay().allowed_starts(self.problem, self.meeting_idx, None)
        starts &= MeetingWithinItsWindows().allowed_starts(self.problem, self.meeting_idx, None)
        window = self.window_fact(starts)
        if window is not None:
            self.found[("window",)] = window
        contacts = session_contacts(self.problem, self.meeting_idx)
        fitting = self.fitting_spaces()
        missing = missing_interpretation(self.problem, self.meeting_idx)
        if missing:
            self.found[("no_interpreter",)] = fact(
                FactKind.INTERPRETERS,
                "it needs %(languages)s interpretation, which the event does not provide and no "
                "side brings",
                languages=", ".join(missing),
            )
        elif meeting.needs_space and not fitting:
            self.found[("no_room",)] = self.no_room_fact()
        else:
            free: list[int] = []
            for start in iter_slots(starts):
                if not self.blocked_at(start, fitting, in_session=False):
                    free.append(start)
            for start in contacts:
                if not self.blocked_at(start, [], in_session=True):
                    free.append(start)
            self.add_rooms_facts(fitting)
            if free:
                times = ", ".join(self.slot_text(start) for start in sorted(free)[:3])
                # Walking time between rooms and the fairness bound are not read here, so a
                # time this finds open is said to be open only as far as the facts above go.
                self.found[("free",)] = fact(
                    FactKind.FREE,
                    "as far as its principals, rooms and the room policy go it could be held at "
                    "%(times)s; the solver left it out for meetings of more value, for walking "
                    "time between rooms or to keep breaks fair",
                    times=times,
                )
        facts = tuple(self.found.values())
        return _explanation(
            meeting.id, False, facts, "%(meeting)s cannot be placed", meeting=meeting.label
        )

    def blocked_at(self, start: int, fitting: list[int], *, in_session: bool) -> bool:
        """Record every fact that rules ``start`` out; whether any does."""
        problem = self.problem
        meeting = self.meeting
        length = meeting.duration_slots
        needed = run_mask(start, length)
        keys: list[tuple[object, ...]] = []
        for principal_idx in meeting.principals:
            principal = problem.principals[principal_idx]
            if needed & ~principal.present:
                keys.append(self.absent(principal_idx, start))
            if needed & principal.forbidden:
                keys.append(self.unavailable(principal_idx, needed))
            if not in_session:
                for session_idx, session in enumerate(problem.sessions):
                    if principal_idx in session.attendees and needed & session.touching:
                        keys.append(self.in_session(principal_idx, session_idx))
        if keys:
            # A time the principals cannot have whatever the schedule is explained by that
            # alone: the meetings also there would add words, not reasons.
            return True
        for principal_idx in meeting.principals:
            for item in self.placed:
                other = problem.meetings[item.meeting_idx]
                if principal_idx in other.principals and self.overlaps(item, start, length):
                    keys.append(self.other_meeting(principal_idx, item))
        for earlier_idx in meeting.after:
            earlier = self.by_meeting.get(earlier_idx)
            if earlier is not None and start < earlier.end(problem):
                keys.append(self.precedence(earlier, before=True))
        for later_idx, later in enumerate(problem.meetings):
            follower = self.by_meeting.get(later_idx)
            if (
                self.meeting_idx in later.after
                and follower is not None
                and follower.start < start + length
            ):
                keys.append(self.precedence(follower, before=False))
        for pair_idx in meeting.interpretation:
            if self.interpreters_taken(pair_idx, start, length):
                keys.append(self.interpreters_fact(pair_idx))
        if meeting.needs_space and not keys:
            room = self.room_problem(start, fitting)
            if room is not None:
                keys.append(room)
        return bool(keys)

    def interpreters_fact(self, pair_idx: int) -> tuple[object, ...]:
        label = self.problem.interpreters[pair_idx].label
        return self.add(
            ("interpreters", pair_idx),
            lambda: fact(
                FactKind.INTERPRETERS,
                "every %(languages)s interpreter of the event is in another meeting then",
                languages=label,
            ),
        )

    def interpreters_taken(self, pair_idx: int, start: int, length: int) -> bool:
        """Whether every interpreter of the pair is busy in some slot of ``[start, +length)``."""
        count = self.problem.interpreters[pair_idx].count
        users = [
            item
            for item in self.placed
            if pair_idx in self.problem.meetings[item.meeting_idx].interpretation
            and self.overlaps(item, start, length)
        ]
        return any(
            sum(1 for item in users if item.start <= slot < item.end(self.problem)) >= count
            for slot in range(start, start + length)
        )

    def overlaps(self, item: Placed, start: int, length: int) -> bool:
        return item.start < start + length and start < item.end(self.problem)

    # --- facts -----------------------------------------------------------------------------

    def add(self, key: tuple[object, ...], make: Callable[[], Fact]) -> tuple[object, ...]:
        if key not in self.found:
            self.found[key] = make()
        return key

    def absent(self, principal_idx: int, start: int) -> tuple[object, ...]:
        principal = self.problem.principals[principal_idx]
        present = principal.present
        if not present:
            return self.add(
                ("absent", principal_idx),
                lambda: fact(
                    FactKind.ABSENT, "%(principal)s is not at the event", principal=principal.label
                ),
            )
        first = (present & -present).bit_length() - 1
        last = present.bit_length() - 1
        grid = self.problem.grid
        if start < first:
            arrival = self.instant_text(grid.start_of(first))
            return self.add(
                ("arrives", principal_idx),
                lambda: fact(
                    FactKind.ABSENT,
                    "%(principal)s arrives at %(time)s",
                    principal=principal.label,
                    time=arrival,
                ),
            )
        departure = self.instant_text(grid.end_of(last))
        return self.add(
            ("departs", principal_idx),
            lambda: fact(
                FactKind.ABSENT,
                "%(principal)s departs at %(time)s",
                principal=principal.label,
                time=departure,
            ),
        )

    def unavailable(self, principal_idx: int, needed: int) -> tuple[object, ...]:
        principal = self.problem.principals[principal_idx]
        first, end = _run_around(principal.forbidden, needed & principal.forbidden)
        return self.add(
            ("unavailable", principal_idx, first),
            lambda: fact(
                FactKind.UNAVAILABLE,
                "%(principal)s is unavailable %(span)s",
                principal=principal.label,
                span=self.span_text(first, end - first),
            ),
        )

    def in_session(self, principal_idx: int, session_idx: int) -> tuple[object, ...]:
        principal = self.problem.principals[principal_idx]
        session = self.problem.sessions[session_idx]
        first, end = _run_around(session.touching, session.touching)
        return self.add(
            ("session", principal_idx, session_idx),
            lambda: fact(
                FactKind.PROGRAMME,
                "%(principal)s is in %(session)s %(span)s",
                principal=principal.label,
                session=session.label,
                span=self.span_text(first, end - first),
            ),
        )

    def other_meeting(self, principal_idx: int, item: Placed) -> tuple[object, ...]:
        principal = self.problem.principals[principal_idx]
        other = self.problem.meetings[item.meeting_idx]
        at = self.span_text(item.start, other.duration_slots)
        if not self.visible(other.id):
            return self.add(
                ("meeting", principal_idx, item.meeting_idx),
                lambda: fact(
                    FactKind.MEETING,
                    "%(principal)s has another engagement %(span)s",
                    principal=principal.label,
                    span=at,
                ),
            )
        return self.add(
            ("meeting", principal_idx, item.meeting_idx),
            lambda: fact(
                FactKind.MEETING,
                "%(principal)s is in %(meeting)s %(span)s",
                principal=principal.label,
                meeting=self.meeting_text(item.meeting_idx),
                span=at,
            ),
        )

    def precedence(self, item: Placed, *, before: bool) -> tuple[object, ...]:
        return self.add(
            ("precedence", item.meeting_idx), lambda: self.precedence_fact(item, before=before)
        )

    def precedence_fact(self, item: Placed, *, before: bool) -> Fact:
        other = self.problem.meetings[item.meeting_idx]
        at = self.span_text(item.start, other.duration_slots)
        kind = FactKind.PRECEDENCE
        if not self.visible(other.id):
            if before:
                return fact(kind, "it must come after a meeting %(span)s", span=at)
            return fact(kind, "it must come before a meeting %(span)s", span=at)
        name = self.meeting_text(item.meeting_idx)
        if before:
            return fact(kind, "it must come after %(meeting)s %(span)s", meeting=name, span=at)
        return fact(kind, "it must come before %(meeting)s %(span)s", meeting=name, span=at)

    def window_fact(self, starts: int) -> Fact | None:
        meeting = self.meeting
        if not starts:
            return fact(FactKind.WINDOW, "its windows leave no time for the whole meeting")
        if meeting.window == self.problem.grid.all_slots() and meeting.day_part == "any":
            return None
        runs = _runs(starts)
        spans = ", ".join(
            self.span_text(first, end - 1 - first + meeting.duration_slots) for first, end in runs
        )
        if meeting.day_part == "morning":
            return fact(
                FactKind.WINDOW, "it may only be held %(spans)s (morning only)", spans=spans
            )
        if meeting.day_part == "afternoon":
            return fact(
                FactKind.WINDOW, "it may only be held %(spans)s (afternoon only)", spans=spans
            )
        return fact(FactKind.WINDOW, "it may only be held %(spans)s", spans=spans)

    # --- rooms -----------------------------------------------------------------------------

    def fitting_spaces(self) -> list[int]:
        if not self.meeting.needs_space:
            return []
        rules = (SpaceFitsMeeting(), MeetingInAgreedSpace(), PressReadySpace())
        return [
            space_idx
            for space_idx in range(len(self.problem.spaces))
            if all(rule.allowed_starts(self.problem, self.meeting_idx, space_idx) for rule in rules)
        ]

    def no_room_fact(self) -> Fact:
        meeting = self.meeting
        size = str(meeting.size)
        needs = ", ".join(sorted(meeting.needs | ({"press"} if meeting.press else set())))
        agreed = ", ".join(sorted(self.problem.spaces[s].label for s in meeting.agreed_spaces))
        kind = FactKind.NO_ROOM
        if needs and agreed:
            return fact(
                kind,
                "no room seats %(size)s with %(needs)s and belongs to no other party in its "
                "agreed place (%(agreed)s)",
                size=size,
                needs=needs,
                agreed=agreed,
            )
        if needs:
            return fact(
                kind,
                "no room seats %(size)s with %(needs)s and belongs to no other party",
                size=size,
                needs=needs,
            )
        if agreed:
            return fact(
                kind,
                "no room seats %(size)s and belongs to no other party in its agreed place "
                "(%(agreed)s)",
                size=size,
                agreed=agreed,
            )
        return fact(kind, "no room seats %(size)s and belongs to no other party", size=size)

    def room_problem(self, start: int, fitting: list[int]) -> tuple[object, ...] | None:
        """None when some fitting room is open and free for the meeting at ``start`` within
        the room policy; else the fact (room policy) or a note to describe the rooms later."""
        problem = self.problem
        length = self.meeting.duration_slots
        policy_blocked = False
        for space_idx in fitting:
            space = problem.spaces[space_idx]
            if run_mask(start, length) & ~space.open:
                continue
            # Each meeting holds the room for its turnover, and one with the press in while
            # the press leaves.
            busy = any(
                item.space_idx == space_idx
                and item.start
                < start + length + space.turnover_slots + self.meeting.press_buffer_slots
                and start
                < item.end(problem)
                + space.turnover_slots
                + problem.meetings[item.meeting_idx].press_buffer_slots
                for item in self.placed
            )
            if busy:
                continue
            party = self.policy_party(start) if space.organiser_run else None
            if party is None:
                return None
            policy_blocked = True
        if policy_blocked:
            party = self.policy_party(start)
            assert party is not None  # as the loop found it
            day = problem.grid.day_of(start)
            cap = problem.max_bookings_per_party_per_day
            return self.add(
                ("policy", party, day.index),
                lambda: fact(
                    FactKind.POLICY,
                    "%(party)s already holds %(count)s meetings in the organiser's rooms on "
                    "%(day)s, all the room policy allows",
                    party=problem.party_label(party),
                    count=str(cap),
                    day=times.day_text(day.date),
                ),
            )
        self.rooms_blocked.append(start)
        return ("rooms", start)

    def policy_party(self, start: int) -> PartyId | None:
        cap = self.problem.max_bookings_per_party_per_day
        if cap is None:
            return None
        day = self.problem.grid.day_of(start).index
        for party in self.meeting.parties:
            booked = sum(
                1
                for item in self.placed
                if item.space_idx is not None
                and self.problem.spaces[item.space_idx].organiser_run
                and self.problem.grid.day_of(item.start).index == day
                and party in self.problem.meetings[item.meeting_idx].parties
            )
            if booked >= cap:
                return party
        return None

    def add_rooms_facts(self, fitting: list[int]) -> None:
        """One fact per run of starts at which every room that fits is taken or closed."""
        problem = self.problem
        length = self.meeting.duration_slots
        for first, end in _runs(sum(1 << start for start in set(self.rooms_blocked))):
            span_end = end - 1 + length
            takers = sorted(
                {
                    item.meeting_idx
                    for item in self.placed
                    if item.space_idx in fitting
                    and item.start < span_end
                    and first
                    < item.end(problem)
                    + problem.spaces[item.space_idx].turnover_slots
                    + problem.meetings[item.meeting_idx].press_buffer_slots
                },
                key=lambda idx: (self.by_meeting[idx].start, idx),
            )
            at = first, span_end - first
            if not takers:
                # Closed: for as long as the rooms are, not for the meeting's length around it.
                window = run_mask(first, span_end - first)
                closed = 0
                for space_idx in fitting:
                    closed |= window & ~problem.spaces[space_idx].open
                if closed:
                    low = (closed & -closed).bit_length() - 1
                    at = low, closed.bit_length() - low
            self.found[("rooms", first)] = self.rooms_fact(takers, self.span_text(*at))

    def rooms_fact(self, takers: list[int], at: str) -> Fact:
        """Every room that fits is closed, or taken by ``takers``: those the reader may see by
        name."""
        problem = self.problem
        kind = FactKind.ROOMS
        if not takers:
            return fact(kind, "every room that fits is closed %(span)s", span=at)
        names = tuple(self.taker_text(idx) for idx in takers)
        weights = [problem.meetings[idx].weight for idx in takers]
        if self.priorities and min(weights) > self.meeting.weight:
            return fact(
                kind,
                "every room that fits is taken %(span)s by meetings of higher priority: "
                "%(meetings)s",
                span=at,
                meetings=names,
            )
        if self.priorities and min(weights) >= self.meeting.weight:
            return fact(
                kind,
                "every room that fits is taken %(span)s by meetings of equal or higher "
                "priority: %(meetings)s",
                span=at,
                meetings=names,
            )
        return fact(
            kind,
            "every room that fits is taken %(span)s by meetings: %(meetings)s",
            span=at,
            meetings=names,
        )

    # --- words -----------------------------------------------------------------------------

    def taker_text(self, meeting_idx: int) -> str:
        if not self.visible(self.problem.meetings[meeting_idx].id):
            return "another meeting"
        return self.meeting_text(meeting_idx)

    def meeting_text(self, meeting_idx: int) -> str:
        other = self.problem.meetings[meeting_idx]
        if self.priorities:
            return f"{other.label} (priority {other.weight})"
        return other.label

    def where(self, assignment: Assignment) -> str:
        return where(self.problem, assignment)

    def instant_text(self, instant: datetime) -> str:
        return times.instant_text(instant, self.zone)

    def slot_text(self, slot: int) -> str:
        return self.instant_text(self.problem.grid.start_of(slot))

    def span_text(self, start: int, length: int) -> str:
        """'Sun 20 Nov 09:30–11:45' (``times.span_text``)."""
        begin = self.problem.grid.start_of(start)
        return times.span_text(begin, self.problem.grid.end_of(start + length - 1), self.zone)


def _runs(mask: int) -> list[tuple[int, int]]:
    """Maximal runs ``[first, end)`` of set bits."""
    runs: list[tuple[int, int]] = []
    while mask:
        first = (mask & -mask).bit_length() - 1
        end = first
        while (mask >> end) & 1:
            end += 1
        runs.append((first, end))
        mask &= ~run_mask(first, end - first)
    return runs


def _run_around(mask: int, touched: int) -> tuple[int, int]:
    """The run of ``mask`` that holds the lowest slot of ``touched``."""
    first = end = (touched & -touched).bit_length() - 1
    while first > 0 and (mask >> (first - 1)) & 1:
        first -= 1
    while (mask >> end) & 1:
        end += 1
    return first, end


__all__ = ["Explanation", "Fact", "FactKind", "Said", "UnknownMeeting", "explain", "fact", "said"]
