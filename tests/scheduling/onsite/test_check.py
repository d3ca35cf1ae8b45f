"""Checking only what a re-plan touched finds every violation the change could have made."""

from __future__ import annotations

from sidelines.domain import InterpreterPool, MeetingId, SpaceId
from sidelines.scheduling import Assignment, build_problem
from sidelines.scheduling.baselines import first_come_first_served
from sidelines.scheduling.generator import GeneratorSpec, generate_event
from sidelines.scheduling.onsite.check import WHOLE_SCHEDULE_RULES, check_changes, neighbourhood
from sidelines.scheduling.rules import RULES
from sidelines.scheduling.rules.base import PlacementRule
from sidelines.scheduling.validator import to_placed
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


def test_check_changes_finds_what_resolving_the_whole_schedule_finds() -> None:
    event = generate_event(
        GeneratorSpec(principals=30, requests=160, spaces=6, days=1, locked=2), 5
    )
    problem = build_problem(event)
    schedule = dict(first_come_first_served(problem))
    first, second, third = list(schedule)[:3]
    # Two meetings on top of a third, and one left out (a locked one, when there is one).
    schedule[first] = schedule[third]
    schedule[second] = schedule[third]
    locked = [m.id for m in problem.meetings if m.locked_start is not None and m.id in schedule]
    for meeting_id in locked[:1]:
        del schedule[meeting_id]
    changed = [first, second, *locked[:1]]
    placed, expected = to_placed(problem, schedule)
    near = neighbourhood(problem, placed, {problem.meeting_index[m] for m in changed})
    own = [item for item in near if problem.meetings[item.meeting_idx].id in changed]
    for rule in RULES:
        if rule.name in WHOLE_SCHEDULE_RULES:
            expected.extend(rule.check(problem, placed))
        else:
            expected.extend(rule.check(problem, own if isinstance(rule, PlacementRule) else near))

    found = check_changes(problem, schedule, changed)

    assert {v.rule for v in expected} >= {"locked_meeting_kept"}
    assert sorted(map(repr, found)) == sorted(map(repr, expected))
