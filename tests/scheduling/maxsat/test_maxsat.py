"""The MaxSAT strategy: proven optima, infeasibility, and what it refuses."""

from __future__ import annotations

from dataclasses import replace
from datetime import time

import pytest

from sidelines.domain import Event, EventPolicy
from sidelines.scheduling import (
    Bound,
    SolveOptions,
    SolveStatus,
    Strategy,
    build_problem,
    solve,
    validate,
)
from sidelines.scheduling.maxsat import solve_maxsat, unsupported
from tests.builders import event, meeting, principal, span, table

OPTIONS = SolveOptions(time_limit_s=5.0, workers=2)


def a_meets_three(*, required: bool = True) -> Event:
    """A meets B (free from 10:00), C (free at 9:00 only) and D: the optimum has no break."""
    return event(
        [
            "A",
            principal("B", unavailable=(span((9, 0), (10, 0)),)),
            principal("C", unavailable=(span((9, 30), (12, 0)),)),
            "D",
        ],
        [
            meeting("ab", "A", "B", required=True),
            meeting("ac", "A", "C", required=True),
            meeting("ad", "A", "D", required=required),
        ],
        spaces=[table("T1"), table("T2")],
    )


def test_solve_maxsat_finds_the_optimum_without_breaks() -> None:
    problem = build_problem(a_meets_three())

    result = solve_maxsat(problem, OPTIONS)

    assert result.status is SolveStatus.OPTIMAL
    assert result.objective is not None
    assert (result.objective.meetings_scheduled, result.objective.breaks) == (3, 0)
    assert result.bound == Bound(weight_scheduled=3, breaks=0)
    assert validate(problem, result.schedule) == []


def test_solve_maxsat_known_optimum_of_one_break() -> None:
    built = a_meets_three()
    built = replace(built, meetings=built.meetings[:2])
    problem = build_problem(built)

    result = solve_maxsat(problem, OPTIONS)

    assert result.status is SolveStatus.OPTIMAL
    assert result.objective is not None
    assert result.objective.breaks == 1
    assert validate(problem, result.schedule) == []


def test_solve_maxsat_double_booking_is_infeasible() -> None:
    built = event(
        ["A", "B", "C"],
        [meeting("m1", "A", "B", required=True), meeting("m2", "A", "C", required=True)],
        spaces=[table("T1"), table("T2")],
        day_end=time(9, 30),
        morning_ends=time(9, 30),
    )

    result = solve_maxsat(build_problem(built), OPTIONS)

    assert result.status is SolveStatus.INFEASIBLE
    assert (result.schedule, result.objective) == ({}, None)


def test_solve_maxsat_fairness_zero_forbids_any_break() -> None:
    # B and C each hold one meeting (no break ever), so "max - min <= 0" means no break at all;
    # without D, A cannot avoid one.
    built = a_meets_three()
    built = replace(built, meetings=built.meetings[:2], policy=EventPolicy(fairness_max_spread=0))

    result = solve_maxsat(build_problem(built), OPTIONS)

    assert result.status is SolveStatus.INFEASIBLE


def test_unsupported_names_optional_meetings() -> None:
    problem = build_problem(a_meets_three(required=False))

    assert unsupported(problem) == "it needs every meeting to be required"
    with pytest.raises(ValueError, match="needs every meeting to be required"):
        solve_maxsat(problem, OPTIONS)


def test_solve_with_maxsat_strategy_falls_back_to_cpsat_when_unsupported() -> None:
    problem = build_problem(a_meets_three(required=False))

    result = solve(problem, replace(OPTIONS, strategy=Strategy.MAXSAT))

    # The fallback's construction proves its schedule best here, so CP-SAT is not loaded
    # for the same answer: the strategy names the part that found it.
    assert result.strategy == "maxsat:cpsat:heuristic"
    assert result.status is SolveStatus.OPTIMAL
    assert validate(problem, result.schedule) == []
