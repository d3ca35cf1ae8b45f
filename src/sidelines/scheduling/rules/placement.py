"""Rules about one meeting's own placement: when its principals can be there, where it fits.

DESIGN.md §5: a principal meets only while present (arrival to departure), never during a
programme session it must attend, never in its forbidden windows; a space is used within its
opening hours and fits the meeting's size and needs; "morning/afternoon only" requests hold.
"""

from __future__ import annotations

from abc import abstractmethod

from sidelines.domain.meeting import DayPart
from sidelines.domain.programme import AtSession, SessionEdge
from sidelines.scheduling.problem import AtSessionIdx, PrincipalData, Problem
from sidelines.scheduling.rules.base import Placed, PlacementRule, occupancy, when
from sidelines.scheduling.rules.session_contact import ContactAtSessionFits, held_at_sessions
from sidelines.scheduling.rules.terms import (
    MeetingHasInterpreter,
    MeetingInAgreedSpace,
    PressReadySpace,
)
from sidelines.scheduling.slots import SlotMask, starts_inside, starts_touching


class MeetingWithinOneDay(PlacementRule):
    name = "meeting_within_one_day"
    label = "a meeting starts and ends within one day of the event"

    def allowed_starts(self, problem: Problem, meeting_idx: int, space_idx: int | None) -> SlotMask:
        return problem.grid.day_fit_starts(problem.meetings[meeting_idx].duration_slots)

    def explain(self, problem: Problem, item: Placed) -> str:
        meeting = problem.meetings[item.meeting_idx]
        return f"{meeting.label} at {when(problem, item)} runs past the end of the day"


class MeetingWithinItsWindows(PlacementRule):
    name = "meeting_within_its_windows"
    label = "a meeting keeps to its allowed windows and to morning or afternoon when asked"

    def allowed_starts(self, problem: Problem, meeting_idx: int, space_idx: int | None) -> SlotMask:
        meeting = problem.meetings[meeting_idx]
        window = meeting.window
        if meeting.day_part is DayPart.MORNING:
            window &= problem.grid.morning_slots()
        elif meeting.day_part is DayPart.AFTERNOON:
            window &= problem.grid.afternoon_slots()
        return starts_inside(window, meeting.duration_slots)

    def explain(self, problem: Problem, item: Placed) -> str:
        meeting = problem.meetings[item.meeting_idx]
        wish = "" if meeting.day_part is DayPart.ANY else f" ({meeting.day_part} only)"
        return f"{meeting.label} at {when(problem, item)} is outside its allowed windows{wish}"


class PrincipalPresent(PlacementRule):
    name = "principal_present"
    label = "a principal meets only between its delegation's arrival and departure"

    def allowed_starts(self, problem: Problem, meeting_idx: int, space_idx: int | None) -> SlotMask:
        meeting = problem.meetings[meeting_idx]
        mask = problem.grid.all_slots()
        for principal_idx in meeting.principals:
            mask &= problem.principals[principal_idx].present
        return starts_inside(mask, meeting.duration_slots)

    def explain(self, problem: Problem, item: Placed) -> str:
        meeting = problem.meetings[item.meeting_idx]
        needed = occupancy(problem, item.meeting_idx, item.start)
        absent = [
            problem.principals[p].label
            for p in meeting.principals
            if needed & ~problem.principals[p].present
        ]
        return f"{', '.join(absent)} not present for {meeting.label} at {when(problem, item)}"


class _PrincipalsBlocked(PlacementRule):
    """A meeting may not touch any slot its principals have blocked for one reason."""

    @staticmethod
    @abstractmethod
    def blocked(principal: PrincipalData) -> SlotMask:
        """The principal's slots this rule keeps free of meetings."""

    @abstractmethod
    def blocked_text(self, who: str, meeting: str, at: str) -> str:
        """The violation in words."""

    def allowed_starts(self, problem: Problem, meeting_idx: int, space_idx: int | None) -> SlotMask:
        meeting = problem.meetings[meeting_idx]
        blocked = 0
        for principal_idx in meeting.principals:
            blocked |= self.blocked(problem.principals[principal_idx])
        return problem.grid.all_slots() & ~starts_touching(blocked, meeting.duration_slots)

    def explain(self, problem: Problem, item: Placed) -> str:
        meeting = problem.meetings[item.meeting_idx]
        needed = occupancy(problem, item.meeting_idx, item.start)
        busy = [
            problem.principals[p].label
            for p in meeting.principals
            if needed & self.blocked(problem.principals[p])
        ]
        return self.blocked_text(", ".join(busy), meeting.label, when(problem, item))


class PrincipalAvailable(_PrincipalsBlocked):
    name = "principal_available"
    label = "a principal never meets in its forbidden windows"

    @staticmethod
    def blocked(principal: PrincipalData) -> SlotMask:
        return principal.forbidden

    def blocked_text(self, who: str, meeting: str, at: str) -> str:
        return f"{who} unavailable (forbidden window) for {meeting} at {at}"


class PrincipalNotInProgrammeSession(_PrincipalsBlocked):
    name = "principal_not_in_programme_session"
    label = "a principal never meets during a programme session it must attend"

    @staticmethod
    def blocked(principal: PrincipalData) -> SlotMask:
        return principal.programme

    def blocked_text(self, who: str, meeting: str, at: str) -> str:
        return f"{who} must attend a programme session during {meeting} at {at}"

    # A contact held at a session takes place inside it: only the principals' other sessions
    # keep it out.

    def allows_at_session(
        self, problem: Problem, meeting_idx: int, at: AtSessionIdx, start: int
    ) -> bool:
        needed = occupancy(problem, meeting_idx, start)
        return not any(
            needed & _other_sessions(problem, p, at.session_idx)
            for p in problem.meetings[meeting_idx].principals
        )

    def explain(self, problem: Problem, item: Placed) -> str:
        if item.session is None:
            return super().explain(problem, item)
        meeting = problem.meetings[item.meeting_idx]
        needed = occupancy(problem, item.meeting_idx, item.start)
        busy = [
            problem.principals[p].label
            for p in meeting.principals
            if needed & _other_sessions(problem, p, item.session.session_idx)
        ]
        return self.blocked_text(", ".join(busy), meeting.label, when(problem, item))


def _other_sessions(problem: Problem, principal_idx: int, session_idx: int) -> SlotMask:
    """The slots of the sessions the principal attends, but for one."""
    mask = 0
    for other_idx, session in enumerate(problem.sessions):
        if other_idx != session_idx and principal_idx in session.attendees:
            mask |= session.touching
    return mask


class MeetingHasSpaceWhenNeeded(PlacementRule):
    name = "meeting_has_space_when_needed"
    label = "a meeting that needs a room is given one"

    def allowed_starts(self, problem: Problem, meeting_idx: int, space_idx: int | None) -> SlotMask:
        if space_idx is None and problem.meetings[meeting_idx].needs_space:
            return 0
        return problem.grid.all_slots()

    def explain(self, problem: Problem, item: Placed) -> str:
        return f"{problem.meetings[item.meeting_idx].label} needs a room but was given none"


class SpaceFitsMeeting(PlacementRule):
    name = "space_fits_meeting"
    reads_space = True
    label = "a space seats the meeting, has the features it needs, and belongs to one of its sides"

    def allowed_starts(self, problem: Problem, meeting_idx: int, space_idx: int | None) -> SlotMask:
        if space_idx is None or self._misfit(problem, meeting_idx, space_idx) is None:
            return problem.grid.all_slots()
        return 0

    @staticmethod
    def _misfit(problem: Problem, meeting_idx: int, space_idx: int) -> str | None:
        meeting = problem.meetings[meeting_idx]
        space = problem.spaces[space_idx]
        if space.capacity < meeting.size:
            return f"seats {space.capacity}, the meeting needs {meeting.size}"
        missing = meeting.needs - space.features
        if missing:
            return "lacks " + ", ".join(sorted(missing))
        if space.host_party is not None and space.host_party not in meeting.parties:
            return f"belongs to {space.host_party}, which is not in the meeting"
        return None

    def explain(self, problem: Problem, item: Placed) -> str:
        assert item.space_idx is not None  # a missing space never breaks this rule
        space = problem.spaces[item.space_idx]
        reason = self._misfit(problem, item.meeting_idx, item.space_idx)
        return f"{space.label} does not fit {problem.meetings[item.meeting_idx].label}: {reason}"


class SpaceOpen(PlacementRule):
    name = "space_open"
    reads_space = True
    label = "a space is used only within its opening hours"

    def allowed_starts(self, problem: Problem, meeting_idx: int, space_idx: int | None) -> SlotMask:
        if space_idx is None:
            return problem.grid.all_slots()
        length = problem.meetings[meeting_idx].duration_slots
        return starts_inside(problem.spaces[space_idx].open, length)

    def explain(self, problem: Problem, item: Placed) -> str:
        assert item.space_idx is not None
        space = problem.spaces[item.space_idx]
        return (
            f"{space.label} is closed during {problem.meetings[item.meeting_idx].label} "
            f"at {when(problem, item)}"
        )


PLACEMENT_RULES: tuple[PlacementRule, ...] = (
    MeetingWithinOneDay(),
    MeetingHasInterpreter(),
    MeetingWithinItsWindows(),
    PrincipalPresent(),
    PrincipalAvailable(),
    PrincipalNotInProgrammeSession(),
    ContactAtSessionFits(),
    MeetingHasSpaceWhenNeeded(),
    MeetingInAgreedSpace(),
    PressReadySpace(),
    SpaceFitsMeeting(),
    SpaceOpen(),
)


def _starts_under(
    rules: tuple[PlacementRule, ...], problem: Problem, meeting_idx: int, space_idx: int | None
) -> SlotMask:
    mask = problem.grid.all_slots()
    for rule in rules:
        mask &= rule.allowed_starts(problem, meeting_idx, space_idx)
        if not mask:
            break
    return mask


def allowed_starts(problem: Problem, meeting_idx: int, space_idx: int | None) -> SlotMask:
    """Start slots at which the meeting keeps every placement rule in that space."""
    return _starts_under(PLACEMENT_RULES, problem, meeting_idx, space_idx)


_MEETING_RULES = tuple(rule for rule in PLACEMENT_RULES if not rule.reads_space)
_SPACE_RULES = tuple(rule for rule in PLACEMENT_RULES if rule.reads_space)


def meeting_starts(problem: Problem, meeting_idx: int, space_idx: int | None) -> SlotMask:
    """The starts of ``allowed_starts`` as far as the rules that do not read which space say:
    the same for every space (``space_idx`` says only whether there is one)."""
    return _starts_under(_MEETING_RULES, problem, meeting_idx, space_idx)


def space_starts(problem: Problem, meeting_idx: int, space_idx: int) -> SlotMask:
    """The starts of ``allowed_starts`` as far as the rules that read the space say (its fit,
    the agreed place, press-ready, opening hours); ``allowed_starts`` is both parts."""
    return _starts_under(_SPACE_RULES, problem, meeting_idx, space_idx)


def first_broken_rule(
    problem: Problem, meeting_idx: int, space_idx: int | None
) -> PlacementRule | None:
    """The first placement rule that leaves the meeting no start at all in that space."""
    mask = problem.grid.all_slots()
    for rule in PLACEMENT_RULES:
        mask &= rule.allowed_starts(problem, meeting_idx, space_idx)
        if not mask:
            return rule
    return None


def session_contacts(problem: Problem, meeting_idx: int) -> dict[int, AtSessionIdx]:
    """Start slot -> session edge, for every programme session start or end at which the
    meeting may be held as a contact, keeping every placement rule. Where two edges give one
    start, the earlier session in the programme and its start win; a lock names its own."""
    meeting = problem.meetings[meeting_idx]
    if not problem.sessions or not held_at_sessions(meeting, problem.grid.grain_min):
        return {}
    principals = set(meeting.principals)
    contacts: dict[int, AtSessionIdx] = {}
    for session_idx, session in enumerate(problem.sessions):
        if not principals <= session.attendees:
            continue
        for edge in SessionEdge:
            at = AtSessionIdx(session_idx, edge)
            if meeting.locked_session is not None and at != meeting.locked_session:
                continue
            start = problem.contact_start(at, meeting.duration_slots)
            if start is None or start in contacts:
                continue
            if all(
                rule.allows_at_session(problem, meeting_idx, at, start) for rule in PLACEMENT_RULES
            ):
                contacts[start] = at
    return contacts


def possible_starts(problem: Problem, meeting_idx: int, space_idx: int | None) -> SlotMask:
    """Start slots at which the meeting keeps every placement rule in that space; with no space,
    in a corridor or as a contact at a programme session. What every solver may choose from."""
    mask = allowed_starts(problem, meeting_idx, space_idx)
    if space_idx is None:
        for start in session_contacts(problem, meeting_idx):
            mask |= 1 << start
    return mask


def contact_at(problem: Problem, meeting_idx: int, start: int) -> AtSession | None:
    """The session edge a meeting held in no space at ``start`` sits at, if it is a contact
    there: solvers choose start slots, and a schedule names the session."""
    at = session_contacts(problem, meeting_idx).get(start)
    return None if at is None else problem.at_session(at)


__all__ = [
    "PLACEMENT_RULES",
    "allowed_starts",
    "contact_at",
    "first_broken_rule",
    "meeting_starts",
    "possible_starts",
    "session_contacts",
    "space_starts",
]
