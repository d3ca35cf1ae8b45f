"""The capacity LP: never below a real schedule (CP-SAT's optimum on small generated events),
never above the relaxed bound, tighter where space is scarce slot by slot, and honest about
which bound it reports."""

from __future__ import annotations

from dataclasses import replace
from datetime import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sidelines.scheduling.lp_bound as lp_bound
from sidelines.domain import DomainError
from sidelines.scheduling import SolveOptions, SolveStatus, Strategy, build_problem
from sidelines.scheduling.bound import RELAXED_KIND, upper_bound
from sidelines.scheduling.cpsat import solve_cpsat
from sidelines.scheduling.generator import GeneratorSpec, generate_event
from sidelines.scheduling.heuristic.state import placement_masks
from sidelines.scheduling.lp_bound import (
    KIND,
    PRINCIPAL_KIND,
    PRINCIPAL_PART_KIND,
    capacity_bound,
    reported_bound,
)
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.result import Bound
from tests.builders import event, meeting, principal, span, table
from tests.scheduling.heuristic.strategies import small_specs


def one_table_four_pairs() -> Problem:
    """One table open 09:00-10:00 and four pairs wanting a 30-minute meeting: two fit. Per day
    the table has room for two as well; the principals' rows allow all four."""
    return build_problem(
        event(
            ["A", "B", "C", "D", "E", "F", "G", "H"],
            [
                meeting("AB", "A", "B", priority=3),
                meeting("CD", "C", "D", priority=2),
                meeting("EF", "E", "F"),
                meeting("GH", "G", "H"),
            ],
            spaces=[table("T1")],
            day_end=time(10, 0),
        )
    )


def test_capacity_rows_count_a_table_slot_by_slot() -> None:
    problem = one_table_four_pairs()

    result = capacity_bound(problem)

    assert result.complete
    assert result.result is not None
    assert result.result.bound is not None
    assert result.result.bound.weight_scheduled == 5
    # A small event: every principal's rows per slot hold too.
    assert result.result.bound.kind == PRINCIPAL_KIND


def test_capacity_lp_seats_the_heaviest_meetings_that_fit() -> None:
    # Two of the four fit, and the LP seats the two heaviest, AB and CD.
    problem = one_table_four_pairs()

    result = capacity_bound(problem, principal_rows=False)

    assert [problem.meetings[idx].label for idx in sorted(result.seated or ())] == ["AB", "CD"]


def test_capacity_lp_out_of_time_seats_nothing() -> None:
    problem = build_problem(generate_event(GeneratorSpec(principals=20, requests=80, spaces=4), 1))

    result = capacity_bound(problem, time_limit_s=0.0)

    assert result.seated is None


def test_capacity_rows_see_the_slots_where_principals_leave_the_tables_idle() -> None:
    # Two tables, 09:00-10:00, and four pairs who can meet only 09:00-09:30. Per day the
    # tables hold four 30-minute meetings, which is all the relaxed bound sees; at 09:00 they
    # hold two.
    late = (span((9, 30), (10, 0)),)
    principals = [principal(name, unavailable=late) for name in "ABCDEFGH"]
    meetings = [
        meeting("AB", "A", "B", priority=5),
        meeting("CD", "C", "D", priority=4),
        meeting("EF", "E", "F", priority=3),
        meeting("GH", "G", "H", priority=2),
    ]
    problem = build_problem(
        event(principals, meetings, spaces=[table("T1"), table("T2")], day_end=time(10, 0))
    )

    tight = reported_bound(problem)
    relaxed = upper_bound(problem)

    assert tight.bound is not None
    assert tight.bound.weight_scheduled == 9
    assert relaxed.bound is not None
    assert relaxed.bound.weight_scheduled == 14


def _one_principal_twice(late_tables: int) -> Problem:
    """A meets B and C, either at 09:00 or 09:30; D meets E at 09:30 only. Two tables are open
    09:00-09:30 and ``late_tables`` 09:30-10:00."""
    free_early = (span((10, 0), (12, 0)),)
    free_late = (span((9, 0), (9, 30)), span((10, 0), (12, 0)))
    principals = [principal(name, unavailable=free_early) for name in "ABC"]
    principals += [principal(name, unavailable=free_late) for name in "DE"]
    early = (span((9, 0), (9, 30)),)
    late = (span((9, 30), (10, 0)),)
    spaces = [table("T1", opening_hours=early), table("T2", opening_hours=early)]
    spaces += [table(f"L{n}", opening_hours=late) for n in range(late_tables)]
    meetings = [
        meeting("AB", "A", "B", priority=3),
        meeting("AC", "A", "C", priority=3),
        meeting("DE", "D", "E", priority=3),
    ]
    return build_problem(event(principals, meetings, spaces=spaces))


def test_rows_per_principal_and_slot_keep_a_principal_at_one_meeting_at_a_time() -> None:
    # Without them the LP seats AB and AC together at 09:00 (two tables) and DE at 09:30: 9.
    # A can hold only one of them at 09:00, and the one late table only one meeting: 6.
    problem = _one_principal_twice(late_tables=1)

    with_rows = capacity_bound(problem, principal_rows=True)
    without = capacity_bound(problem, principal_rows=False)
    optimum = solve_cpsat(problem, SolveOptions(strategy=Strategy.CPSAT, time_limit_s=10.0))

    assert with_rows.result is not None
    assert with_rows.result.bound == Bound(6, 0)
    assert with_rows.result.bound.kind == PRINCIPAL_KIND
    assert with_rows.principal_complete
    assert without.result is not None
    assert without.result.bound == Bound(9, 0)
    assert without.result.bound.kind == KIND
    assert optimum.objective is not None
    assert optimum.objective.weight_scheduled == 6


def test_rows_per_principal_and_slot_leave_a_schedule_that_keeps_them() -> None:
    # With a second late table A meets B at 09:00 and C at 09:30, beside DE: all three fit.
    problem = _one_principal_twice(late_tables=2)

    with_rows = capacity_bound(problem, principal_rows=True)
    optimum = solve_cpsat(problem, SolveOptions(strategy=Strategy.CPSAT, time_limit_s=10.0))

    assert with_rows.result is not None
    assert with_rows.result.bound == Bound(9, 0)
    assert with_rows.result.bound.kind == PRINCIPAL_KIND
    assert optimum.objective is not None
    assert optimum.objective.weight_scheduled == 9


def test_rows_per_principal_and_slot_are_left_out_above_their_size(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(lp_bound, "PRINCIPAL_ROWS_MAX_MEETINGS", 2)
    problem = _one_principal_twice(late_tables=1)

    result = capacity_bound(problem)

    assert result.result is not None
    assert result.result.bound == Bound(9, 0)
    assert result.result.bound.kind == KIND
    assert result.principal_rounds == 0


def test_rows_per_principal_and_slot_cut_short_say_so(monkeypatch: pytest.MonkeyPatch) -> None:
    # One round only: the capacity rows hold, the principal's rows are added but not solved.
    monkeypatch.setattr(lp_bound, "MAX_ROUNDS", 1)
    problem = _one_principal_twice(late_tables=1)

    result = capacity_bound(problem, principal_rows=True)

    assert result.complete
    assert not result.principal_complete
    assert result.result is not None
    assert result.result.bound == Bound(9, 0)
    assert result.result.bound.kind == PRINCIPAL_PART_KIND


def test_rows_per_principal_and_slot_not_started_after_their_time() -> None:
    # In place (the search waiting), the rounds per principal and slot have a time of their own.
    problem = _one_principal_twice(late_tables=1)

    result = capacity_bound(problem, principal_rows=True, principal_time_s=0.0)

    assert result.complete
    assert result.principal_rounds == 0
    assert result.result is not None
    assert result.result.bound == Bound(9, 0)
    assert result.result.bound.kind == PRINCIPAL_PART_KIND


def test_reported_bound_falls_back_to_the_relaxed_one_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    problem = build_problem(generate_event(GeneratorSpec(principals=10, requests=30, spaces=3), 1))
    monkeypatch.setattr(lp_bound, "MAX_VARIABLES", 1)

    result = reported_bound(problem)

    assert result.bound == upper_bound(problem).bound
    assert result.bound is not None
    assert result.bound.kind == f"{RELAXED_KIND}; the capacity LP too large"


def test_reported_bound_out_of_time_is_the_relaxed_one() -> None:
    problem = build_problem(generate_event(GeneratorSpec(principals=10, requests=30, spaces=3), 1))

    result = reported_bound(problem, None, 0.0)

    assert result.bound == upper_bound(problem).bound
    assert result.bound is not None
    assert result.bound.kind.startswith(RELAXED_KIND)


# Small generated events with 0, 2 or 3 space classes, where CP-SAT finds the optimum.
generated_events = given(small_specs(), st.integers(0, 1000), st.sampled_from((0, 2, 3)))
generated_settings = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def generated_problem(spec: GeneratorSpec, seed: int, space_classes: int) -> Problem:
    try:
        return build_problem(generate_event(replace(spec, space_classes=space_classes), seed))
    except DomainError:  # too few spaces for that many classes
        return build_problem(generate_event(spec, seed))


@pytest.mark.slow
@generated_settings
@generated_events
def test_bound_is_at_least_the_optimum_and_at_most_the_relaxed_bound(
    spec: GeneratorSpec, seed: int, space_classes: int
) -> None:
    problem = generated_problem(spec, seed, space_classes)
    masks = placement_masks(problem)

    tight = capacity_bound(problem, masks, 60.0)
    relaxed = upper_bound(problem, masks)
    optimum = solve_cpsat(
        problem, SolveOptions(strategy=Strategy.CPSAT, time_limit_s=20.0, workers=2)
    )

    assert tight.complete
    assert tight.result is not None
    if tight.result.infeasible:
        assert optimum.status in (SolveStatus.INFEASIBLE, SolveStatus.UNKNOWN)
        return
    assert tight.result.bound is not None
    if optimum.objective is not None:
        # Any valid schedule, the optimum included, weighs at most the bound.
        assert optimum.objective.weight_scheduled <= tight.result.bound.weight_scheduled
    if relaxed.bound is not None:
        assert tight.result.bound.weight_scheduled <= relaxed.bound.weight_scheduled
