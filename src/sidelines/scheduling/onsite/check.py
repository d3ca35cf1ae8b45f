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

from sidelines.domain.ids import MeetingId, SpaceId
from sidelines.scheduling.heuristic.state import State
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.rules import RULES, Placed, Violation
from sidelines.scheduling.rules.base import PlacementRule
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
    """The placed meetings that share a principal, a party's principal, a space, a precedence
    or a language pair of interpretation with a changed one (the changed ones included)."""
    principals: set[int] = set()
    parties: set[str] = set()
    spaces: set[int] = set()
    pairs: set[int] = set()
    linked: set[int] = set(changed)
    for item in placed:
        if item.meeting_idx in changed:
            meeting = problem.meetings[item.meeting_idx]
            principals.update(meeting.principals)
            parties.update(meeting.parties)
            linked.update(meeting.after)
            pairs.update(meeting.interpretation)
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
        or not pairs.isdisjoint(problem.meetings[item.meeting_idx].interpretation)
    ]


def linked(
    problem: Problem, schedule: Schedule, changed: set[int], state: State | None = None
) -> set[MeetingId]:
    """The meetings of ``schedule`` that ``neighbourhood`` keeps (the changed ones included),
    found without resolving the whole schedule. ``state``: the search's state holding
    ``schedule`` placed, whose indices (each principal's and space's meetings, each meeting's
    successors) then find them without a pass over every meeting."""
    meetings = problem.meetings
    principals: set[int] = set()
    parties: set[str] = set()
    spaces: set[str] = set()
    pairs: set[int] = set()
    found: set[int] = set(changed)
    for meeting_idx in changed:
        meeting = meetings[meeting_idx]
        assignment = schedule.get(meeting.id)
        if assignment is None:
            continue
        principals.update(meeting.principals)
        parties.update(meeting.parties)
        found.update(meeting.after)
        pairs.update(meeting.interpretation)
        if assignment.space is not None:
            spaces.add(assignment.space)
    if state is not None and not pairs:
        for party in parties:
            principals.update(state.party_principals.get(party, ()))
        for principal_idx in principals:
            found |= state.principal_meetings[principal_idx]
        for meeting_idx in changed:
            found.update(state.successors[meeting_idx])
        for space in spaces:
            found |= state.space_meetings[problem.space_index[SpaceId(space)]]
        return {meetings[idx].id for idx in found} & schedule.keys()
    principals.update(idx for idx, p in enumerate(problem.principals) if p.party in parties)
    for meeting_idx, meeting in enumerate(meetings):
        if (
            not principals.isdisjoint(meeting.principals)
            or (meeting.after and not changed.isdisjoint(meeting.after))
            or (pairs and not pairs.isdisjoint(meeting.interpretation))
        ):
            found.add(meeting_idx)
    ids = {meetings[idx].id for idx in found}
    if spaces:
        ids.update(m for m, assignment in schedule.items() if assignment.space in spaces)
    return {m for m in ids if m in schedule}


def check_changes(
    problem: Problem,
    schedule: Schedule,
    changed: Iterable[MeetingId],
    state: State | None = None,
) -> list[Violation]:
    """Every violation of ``schedule`` that involves a meeting of ``changed`` or a rule over
    the whole schedule (a placement rule: a meeting of ``changed`` that breaks it).
    ``state``: as ``linked`` takes it (every meeting of ``schedule`` is then one of
    ``problem``'s)."""
    indices = {problem.meeting_index[m] for m in changed if m in problem.meeting_index}
    if (
        problem.fairness_max_spread is not None
        or problem.published is not None
        # Every meeting of the schedule is known: so where a state holds it placed; else a
        # comparison of key sets (in C, but of every meeting: not when a state vouches).
        or (state is None and not problem.meeting_index.keys() >= schedule.keys())
    ):
        # Rules that read every meeting's place (or ids to report): the whole schedule.
        placed, violations = to_placed(problem, schedule)
        near = neighbourhood(problem, placed, indices)
    else:
        # The other whole-schedule rules read the locked and the required meetings only:
        # resolving those and the neighbourhood, not thousands of meetings, is enough.
        near_ids = linked(problem, schedule, indices, state)
        near, violations = to_placed(problem, {m: schedule[m] for m in near_ids})
        anchored = (problem.meetings[idx].id for idx in problem.anchored_meetings)
        kept = [m for m in anchored if m in schedule]
        extra, more = to_placed(problem, {m: schedule[m] for m in kept if m not in near_ids})
        violations += more
        placed = near + extra
    # A placement rule reads one meeting and the problem only: the meetings that did not
    # change keep it as they did.
    own = [item for item in near if item.meeting_idx in indices]
    for rule in RULES:
        if rule.name in WHOLE_SCHEDULE_RULES:
            violations.extend(rule.check(problem, placed))
        else:
            violations.extend(rule.check(problem, own if isinstance(rule, PlacementRule) else near))
    return violations


__all__ = ["WHOLE_SCHEDULE_RULES", "check_changes", "linked", "neighbourhood"]
