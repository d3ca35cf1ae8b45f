"""Why a meeting is not in a schedule, in words a protocol officer can act on."""

from __future__ import annotations

from collections.abc import Mapping

from sidelines.domain.ids import MeetingId
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.rules import first_broken_rule
from sidelines.scheduling.rules.placement import possible_starts
from sidelines.scheduling.rules.terms import missing_interpretation
from sidelines.scheduling.schedule import Assignment


def candidate_spaces(problem: Problem, meeting_idx: int) -> list[int | None]:
    """One space of each class a meeting may be given: none for corridor formats."""
    if not problem.meetings[meeting_idx].needs_space:
        return [None]
    return [space_class.spaces[0] for space_class in problem.space_classes]


def never_placeable(problem: Problem, meeting_idx: int) -> str | None:
    """If no time and space keep the meeting's own placement rules, say which rule stops it."""
    meeting = problem.meetings[meeting_idx]
    missing = missing_interpretation(problem, meeting_idx)
    if missing:
        return (
            f"{meeting.label} needs {', '.join(missing)} interpretation, which the event does "
            "not provide and no side brings"
        )
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


def left_out_reasons(
    problem: Problem, schedule: Mapping[MeetingId, Assignment]
) -> dict[MeetingId, str]:
    """A reason for every meeting of ``problem`` missing from ``schedule``."""
    reasons: dict[MeetingId, str] = {}
    for meeting_idx, meeting in enumerate(problem.meetings):
        if meeting.id in schedule:
            continue
        reason = never_placeable(problem, meeting_idx)
        if reason is None:
            others = sorted({problem.principals[p].label for p in meeting.principals})
            reason = (
                f"every possible time for {meeting.label} is taken by meetings of equal or "
                f"higher value for {', '.join(others)} or by the spaces it could use"
            )
        reasons[meeting.id] = reason
    return reasons
