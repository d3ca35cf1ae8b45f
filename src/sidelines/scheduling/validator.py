"""The independent validator: checks any schedule against every hard rule and scores it.

It shares the rule definitions with the solvers but none of their code paths, so a schedule from
the CP-SAT model, the heuristic, a file or another tool is judged the same way.
"""

from __future__ import annotations

from sidelines.scheduling.objective import ObjectiveValue, evaluate
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.rules import RULES, Placed, Violation
from sidelines.scheduling.schedule import Schedule
from sidelines.scheduling.stability import with_moves

SCHEDULE_REFERS_TO_KNOWN_OBJECTS = "schedule_refers_to_known_objects"


def to_placed(problem: Problem, schedule: Schedule) -> tuple[list[Placed], list[Violation]]:
    """Resolve ids to indices, reporting assignments that name unknown meetings, spaces or
    sessions, or start off the grid."""
    placed: list[Placed] = []
    problems: list[Violation] = []
    n_slots = problem.grid.n_slots
    for meeting_id, assignment in schedule.items():
        meeting_idx = problem.meeting_index.get(meeting_id)
        if meeting_idx is None:
            problems.append(
                Violation(
                    SCHEDULE_REFERS_TO_KNOWN_OBJECTS,
                    f"unknown meeting {meeting_id!r}",
                    (meeting_id,),
                )
            )
            continue
        space_idx = None
        if assignment.space is not None:
            space_idx = problem.space_index.get(assignment.space)
            if space_idx is None:
                problems.append(
                    Violation(
                        SCHEDULE_REFERS_TO_KNOWN_OBJECTS,
                        f"{problem.meetings[meeting_idx].label} placed in unknown space "
                        f"{assignment.space!r}",
                        (meeting_id,),
                    )
                )
                continue
        session = None
        if assignment.at_session is not None:
            session = problem.at_session_idx(assignment.at_session)
            if session is None or space_idx is not None:
                what = (
                    f"at unknown programme session {assignment.at_session.session!r}"
                    if session is None
                    else "both in a space and at a programme session"
                )
                problems.append(
                    Violation(
                        SCHEDULE_REFERS_TO_KNOWN_OBJECTS,
                        f"{problem.meetings[meeting_idx].label} placed {what}",
                        (meeting_id,),
                    )
                )
                continue
        duration = problem.meetings[meeting_idx].duration_slots
        if not 0 <= assignment.start_slot <= n_slots - duration:
            problems.append(
                Violation(
                    SCHEDULE_REFERS_TO_KNOWN_OBJECTS,
                    f"{problem.meetings[meeting_idx].label} starts at slot "
                    f"{assignment.start_slot}, outside the event's {n_slots} slots",
                    (meeting_id,),
                )
            )
            continue
        placed.append(Placed(meeting_idx, assignment.start_slot, space_idx, session))
    return placed, problems


def validate(problem: Problem, schedule: Schedule) -> list[Violation]:
    """Every violation of every hard rule in ``schedule``; empty when it is valid."""
    placed, violations = to_placed(problem, schedule)
    for rule in RULES:
        violations.extend(rule.check(problem, placed))
    return violations


def score(problem: Problem, schedule: Schedule) -> ObjectiveValue:
    """The objective of ``schedule``, term by term (assignments that name unknown meetings or
    lie off the grid do not count), with the published meetings it moves or leaves out when
    the problem re-plans a published schedule."""
    placed, _ = to_placed(problem, schedule)
    objective = evaluate(problem, ((item.meeting_idx, item.start) for item in placed))
    return with_moves(problem, objective, schedule)
