"""Checking only what a re-plan touched finds every violation the change could have made."""

from __future__ import annotations

from sidelines.domain import InterpreterPool, MeetingId, SpaceId
from sidelines.scheduling import Assignment, build_problem
from sidelines.scheduling.onsite.check import check_changes
from tests.builders import event, meeting, principal, table


def test_check_changes_finds_an_interpreter_taken_by_a_meeting_of_other_principals() -> None:
    problem = build_problem(
        event(
            [
                principal("A", languages=("en",)),
                principal("B", languages=("ru",)),
                principal("C", languages=("en",)),
                principal("D", languages=("ru",)),
            ],
            [meeting("ab", "A", "B"), meeting("cd", "C", "D")],
            spaces=[table("T1"), table("T2")],
            interpreters=(InterpreterPool(("en", "ru"), 1),),
        )
    )
    schedule = {
        MeetingId("ab"): Assignment(0, SpaceId("T1")),
        MeetingId("cd"): Assignment(0, SpaceId("T2")),
    }

    violations = check_changes(problem, schedule, [MeetingId("cd")])

    assert [(v.rule, v.meetings) for v in violations] == [
        ("interpreters_not_overbooked", ("ab", "cd"))
    ]
