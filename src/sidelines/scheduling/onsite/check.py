"""The validator's rules run on the part of a schedule a re-plan touched.

Validating a whole 4,000-meeting schedule costs more than placing a meeting in it. A rule of
``RULES`` is either about one meeting, or about meetings that share a principal, a party, a
space or a precedence; for those, checking every meeting tied that way to a meeting whose
placement changed finds every violation the change could have made. The few rules over the whole
schedule (locked meetings kept, required meetings scheduled, breaks fairly spread) run on all of
it. The rules themselves are the validator's, unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable

from sidelines.domain.ids import MeetingId
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.rules import RULES, Placed, Violation
from sidelines.scheduling.schedule import Schedule
from sidelines.scheduling.validator import to_placed

WHOLE_SCHEDULE_RULES = frozenset(
    {
        "locked_meeting_kept",
        "required_meeting_scheduled",
        "breaks_fairly_spread",
        "published_meeting_kept",
        "published_meeting_still_held",
        "move_budget_respected",
    }
)


def neighbourhood(problem: Problem, placed: list[Placed], changed: set[int]) -> list[Placed]:
    """The placed meetings that share a principal, a party's principal, a space or a
    precedence with a changed one (the changed ones included)."""
    principals: set[int] = set()
    parties: set[str] = set()
    spaces: set[int] = set()
    linked: set[int] = set(changed)
    for item in placed:
        if item.meeting_idx in changed:
            meeting = problem.meetings[item.meeting_idx]
            principals.update(meeting.principals)
            parties.update(meeting.parties)
            linked.update(meeting.after)
            if item.space_idx is not None:
                spaces.add(item.space_idx)
    for meeting_idx in changed:
        for other, meeting in enumerate(problem.meetings):
            if meeting_idx in meeting.after:
                linked.add(other)
    principals.update(idx for idx, p in enumerate(problem.principals) if p.party in parties)
    return [
        item
        for item in placed
        if item.meeting_idx in linked
        or item.space_idx in spaces
        or not principals.isdisjoint(problem.meetings[item.meeting_idx].principals)
    ]


def check_changes(
    problem: Problem, schedule: Schedule, changed: Iterable[MeetingId]
) -> list[Violation]:
    """Every violation of ``schedule`` that involves a meeting of ``changed`` or a rule over
    the whole schedule."""
    placed, violations = to_placed(problem, schedule)
    indices = {problem.meeting_index[m] for m in changed if m in problem.meeting_index}
    near = neighbourhood(problem, placed, indices)
    for rule in RULES:
        violations.extend(
            rule.check(problem, placed if rule.name in WHOLE_SCHEDULE_RULES else near)
        )
    return violations


__all__ = ["WHOLE_SCHEDULE_RULES", "check_changes", "neighbourhood"]
