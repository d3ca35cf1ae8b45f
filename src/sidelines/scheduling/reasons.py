"""Why a meeting is not in a schedule, in words a protocol officer can act on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from sidelines.domain.ids import MeetingId
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.result import SolveStatus
from sidelines.scheduling.rules import PLACEMENT_RULES, first_broken_rule
from sidelines.scheduling.rules.base import Placed, when
from sidelines.scheduling.rules.placement import possible_starts
from sidelines.scheduling.rules.terms import missing_interpretation
from sidelines.scheduling.schedule import Assignment
from sidelines.scheduling.slots import iter_slots


def candidate_spaces(problem: Problem, meeting_idx: int) -> list[int | None]:
    """One space of each class a meeting may be given: none for corridor formats."""
    if not problem.meetings[meeting_idx].needs_space:
        return [None]
    return [space_class.spaces[0] for space_class in problem.space_classes]


def never_placeable(
    problem: Problem, meeting_idx: int, *, has_starts: bool | None = None
) -> str | None:
    """If no time and space keep the meeting's own placement rules, say which rule stops it.
    ``has_starts``: whether the meeting's placement masks (``heuristic.state.placement_masks``,
    the same rules per class) hold a start, when the caller has them: then the rules are not
    asked again."""
    meeting = problem.meetings[meeting_idx]
    missing = missing_interpretation(problem, meeting_idx)
    if missing:
        return (
            f"{meeting.label} needs {', '.join(missing)} interpretation, which the event does "
            "not provide and no side brings"
        )
    if has_starts:
        return None
    spaces = candidate_spaces(problem, meeting_idx)
    if not spaces:
        return f"{meeting.label} needs a room and the event has none"
    blockers: list[str] = []
    for space_idx in spaces:
        if possible_starts(problem, meeting_idx, space_idx):
            return None
        rule = first_broken_rule(problem, meeting_idx, space_idx)
        if rule is not None and rule.label not in blockers:
            blockers.append(rule.label)
    return f"{meeting.label} has no possible time and place: " + "; ".join(blockers)


def not_holdable_where_locked(problem: Problem, meeting_idx: int) -> str | None:
    """If a locked meeting's own placement rules do not allow it where it is locked (its
    principal leaves before it ends, its room closes...), say which rule stops it there: such a
    lock leaves no schedule at all, since a locked meeting must be held."""
    meeting = problem.meetings[meeting_idx]
    start = meeting.locked_start
    if start is None:
        return None
    if meeting.locked_space is not None:
        spaces: list[int | None] = [meeting.locked_space]
    elif meeting.locked_session is not None:
        spaces = [None]
    else:
        spaces = candidate_spaces(problem, meeting_idx)
    at = when(problem, Placed(meeting_idx, start, meeting.locked_space))
    if not spaces:
        return (
            f"{meeting.label} cannot be held where it is locked ({at}): it needs a room and the "
            "event has none"
        )
    blockers: list[str] = []
    for space_idx in spaces:
        if possible_starts(problem, meeting_idx, space_idx) >> start & 1:
            return None
        for rule in PLACEMENT_RULES:
            if meeting.locked_session is not None:
                allowed = rule.allows_at_session(
                    problem, meeting_idx, meeting.locked_session, start
                )
            else:
                allowed = bool(rule.allowed_starts(problem, meeting_idx, space_idx) >> start & 1)
            if not allowed:
                if rule.label not in blockers:
                    blockers.append(rule.label)
                break
    if meeting.locked_space is not None:
        space = problem.spaces[meeting.locked_space].label
        return f"{meeting.label} cannot be held where it is locked ({at} in {space}): " + "; ".join(
            blockers
        )
    return f"{meeting.label} cannot be held where it is locked ({at}): " + "; ".join(blockers)


# Starts tried per meeting for one within the fairness bound; past them the meeting is said to
# be kept out by the bound (each try places it and reads every principal's breaks).
FAIR_TRIES = 500


class _FreeTimes:
    """A schedule laid out on the heuristic's state (``heuristic.state``), to ask of a meeting
    left out whether some time and place are free for it under every hard rule but the
    fairness bound, and whether one of them keeps the bound too."""

    def __init__(self, problem: Problem, schedule: Mapping[MeetingId, Assignment]) -> None:
        # Loaded only for a meeting that could be placed.
        from sidelines.scheduling.heuristic.state import State, placement_masks

        self.masks = placement_masks(problem)
        state = State(problem, self.masks)
        # The state keeps each principal's breaks within the bound as it places (stricter
        # than max - min): here the bound is what is asked about, read as the rule reads it.
        state.fairness_cap = None
        state.place_all(
            (
                problem.meeting_index[meeting_id],
                assignment.start_slot,
                problem.space_index[assignment.space] if assignment.space is not None else None,
            )
            for meeting_id, assignment in schedule.items()
        )
        self.problem = problem
        self.state = state
        self.concerned = [idx for idx, items in enumerate(problem.principal_meetings) if items]

    def _spread_with(self, meeting_idx: int, start: int, space_idx: int | None) -> int:
        state = self.state
        state.place(meeting_idx, start, space_idx)
        breaks = [state.calendars[idx].breaks for idx in self.concerned]
        state.unplace(meeting_idx)
        return max(breaks) - min(breaks)

    def has_starts(self, meeting_idx: int) -> bool:
        """Whether the meeting's own placement rules leave it a start in some class."""
        return self.masks.anywhere(meeting_idx) != 0

    def reason(self, meeting_idx: int) -> str | None:
        """Why the meeting is out when times are free for it; None when none is."""
        from sidelines.scheduling.heuristic.state import CORRIDOR

        problem, state = self.problem, self.state
        bound = problem.fairness_max_spread
        meeting = problem.meetings[meeting_idx]
        tries = 0
        for option in state.options(meeting_idx):
            starts = option.starts
            if meeting.locked_start is not None:
                starts &= 1 << meeting.locked_start  # a locked meeting fits where it is locked
            for start in iter_slots(starts):
                space_idx = None
                if option.space_class != CORRIDOR:
                    space_idx = state.free_space(meeting_idx, option.space_class, start)
                    if space_idx is None:
                        continue
                tries += 1
                if bound is None or self._spread_with(meeting_idx, start, space_idx) <= bound:
                    return self._fits_reason(meeting_idx, start, space_idx)
                if tries >= FAIR_TRIES:
                    break
            if tries >= FAIR_TRIES:
                break
        if not tries:
            return None
        return _fairness_reason(meeting.label, bound)

    def _fits_reason(self, meeting_idx: int, start: int, space_idx: int | None) -> str:
        meeting = self.problem.meetings[meeting_idx]
        at = when(self.problem, Placed(meeting_idx, start, space_idx))
        if space_idx is None:
            return f"{meeting.label} fits at {at}, but the solve did not place it"
        space = self.problem.spaces[space_idx].label
        return f"{meeting.label} fits at {at} in {space}, but the solve did not place it"


def _fairness_reason(label: str, bound: int | None) -> str:
    return (
        f"{label} has free times, but at each the principals' breaks would spread more than "
        f"the event's fairness bound (max - min {bound}) allows"
    )


def _room_policy_reason(label: str, cap: int) -> str:
    return (
        f"{label} has free times, but its sides have used the bookings of the organiser's rooms "
        f"the room policy allows them that day (at most {cap} per party a day)"
    )


def _no_schedule_reason(label: str, status: SolveStatus | None) -> str | None:
    """Why a meeting that could be placed on its own is out of a solve that has no schedule at
    all (the result's own reason says more): not because other meetings took its times."""
    if status == SolveStatus.INFEASIBLE:
        return (
            f"{label} could be placed on its own, but no schedule keeps every locked and "
            "required meeting within the rules"
        )
    if status == SolveStatus.UNKNOWN:
        return f"{label} could be placed on its own, but the solve found no schedule"
    return None


def _taken_reason(problem: Problem, meeting_idx: int) -> str:
    meeting = problem.meetings[meeting_idx]
    others = ", ".join(sorted({problem.principals[p].label for p in meeting.principals}))
    return (
        f"every possible time for {meeting.label} is taken by meetings of equal or higher "
        f"value for {others} or by the spaces it could use"
    )


def left_out_reasons(
    problem: Problem,
    schedule: Mapping[MeetingId, Assignment],
    no_schedule: SolveStatus | None = None,
) -> dict[MeetingId, str]:
    """A reason for every meeting of ``problem`` missing from ``schedule``. ``no_schedule`` is
    the status of a solve that has no schedule at all (infeasible or unknown), if it has none."""
    reasons: dict[MeetingId, str] = {}
    free: _FreeTimes | None = None
    if no_schedule is None and len(schedule) < len(problem.meetings):
        # Laid out first: its placement masks (those the heuristic just worked out, not worked
        # out again: ``placement_masks``) say which meetings have a start at all, so that the
        # rules are asked again, one by one, only of those that have none.
        free = _FreeTimes(problem, schedule)
    unrationed: _FreeTimes | None = None  # the same, without the room policy
    for meeting_idx, meeting in enumerate(problem.meetings):
        if meeting.id in schedule:
            continue
        has_starts = free.has_starts(meeting_idx) if free is not None else None
        reason = never_placeable(
            problem, meeting_idx, has_starts=has_starts
        ) or not_holdable_where_locked(problem, meeting_idx)
        if reason is None:
            reason = _no_schedule_reason(meeting.label, no_schedule)
        if reason is None and free is not None:
            # A meeting may be out with its times free: a solve cut short by its time limit
            # left it out, or the fairness bound, not the other meetings, keeps it out.
            reason = free.reason(meeting_idx)
            cap = problem.max_bookings_per_party_per_day
            if reason is None and cap is not None:
                # Times free but for the room policy: the sides' bookings, not the other
                # meetings' times, keep it out.
                if unrationed is None:
                    unrationed = _FreeTimes(
                        replace(problem, max_bookings_per_party_per_day=None), schedule
                    )
                if unrationed.reason(meeting_idx) is not None:
                    reason = _room_policy_reason(meeting.label, cap)
        if reason is None:
            reason = _taken_reason(problem, meeting_idx)
        reasons[meeting.id] = reason
    return reasons
