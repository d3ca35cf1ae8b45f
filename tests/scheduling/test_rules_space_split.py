"""The placement rules split into those that read the space and those that do not."""

from __future__ import annotations

from hypothesis import given, settings

from sidelines.scheduling import build_problem
from sidelines.scheduling.generator import GeneratorSpec, generate_event
from sidelines.scheduling.rules.placement import (
    PLACEMENT_RULES,
    allowed_starts,
    meeting_starts,
    space_starts,
)
from tests.scheduling.heuristic.strategies import small_specs


def test_the_rules_that_read_the_space_are_the_space_and_agreed_terms_rules() -> None:
    assert sorted(rule.name for rule in PLACEMENT_RULES if rule.reads_space) == [
        "meeting_in_agreed_space",
        "press_ready_space",
        "space_fits_meeting",
        "space_open",
    ]


@settings(max_examples=30, deadline=None)
@given(small_specs())
def test_a_rule_that_does_not_read_the_space_allows_the_same_starts_in_every_space(
    spec: GeneratorSpec,
) -> None:
    problem = build_problem(generate_event(spec, seed=2))
    space_blind = [rule for rule in PLACEMENT_RULES if not rule.reads_space]

    for meeting_idx in range(len(problem.meetings)):
        for rule in space_blind:
            starts = {
                rule.allowed_starts(problem, meeting_idx, space_idx)
                for space_idx in range(len(problem.spaces))
            }
            assert len(starts) <= 1, rule.name
        for space_idx in range(len(problem.spaces)):
            assert allowed_starts(problem, meeting_idx, space_idx) == meeting_starts(
                problem, meeting_idx, space_idx
            ) & space_starts(problem, meeting_idx, space_idx)
