"""A short time limit hands back what the construction has, never an empty schedule while a
meeting fits; the first progress report carries that schedule."""

from __future__ import annotations

import pytest

from sidelines.scheduling import (
    Progress,
    SolveOptions,
    Strategy,
    build_problem,
    solve,
    validate,
)
from sidelines.scheduling.generator import GeneratorSpec, generate_event
from sidelines.scheduling.problem import Problem


@pytest.fixture(scope="module")
def problem() -> Problem:
    spec = GeneratorSpec(principals=60, requests=400, spaces=8)
    return build_problem(generate_event(spec, seed=5))


@pytest.mark.parametrize("strategy", [Strategy.HEURISTIC, Strategy.AUTO])
def test_time_already_up_still_gives_a_valid_schedule_with_a_meeting(
    problem: Problem, strategy: Strategy
) -> None:
    options = SolveOptions(strategy=strategy, time_limit_s=0.001, workers=1)
    options.stop.set()  # as if the time had gone on reading the event

    result = solve(problem, options)

    assert len(result.schedule) >= 1
    assert validate(problem, result.schedule) == []
    assert result.objective is not None
    assert result.objective.meetings_scheduled == len(result.schedule)


def test_a_tiny_time_limit_returns_a_partial_schedule_and_reports_it_first(
    problem: Problem,
) -> None:
    seen: list[Progress] = []
    options = SolveOptions(time_limit_s=0.01, workers=1, on_progress=seen.append)

    result = solve(problem, options)

    assert 1 <= len(result.schedule) <= len(problem.meetings)
    assert validate(problem, result.schedule) == []
    assert seen
    first = seen[0].objective
    assert first is not None
    assert first.meetings_scheduled >= 1
