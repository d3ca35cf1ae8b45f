"""Solving with CP-SAT: the objective's terms, bounds, progress, stopping and warm starts."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

from sidelines.domain import DayPart, Event, EventPolicy, MeetingId
from sidelines.scheduling import (
    Assignment,
    Bound,
    Progress,
    SolveOptions,
    SolveStatus,
    build_problem,
    validate,
)
from sidelines.scheduling.cpsat import estimate_model_size, solve_cpsat
from sidelines.scheduling.cpsat.solver import build_model
from sidelines.scheduling.cpsat.variables import count_start_literals
from sidelines.scheduling.generator import GeneratorSpec, generate_event
from tests.builders import event, meeting, principal, span, table

OPTIONS = SolveOptions(time_limit_s=5.0, workers=2)


def three_meetings_of_a(with_d: bool) -> Event:
    """A meets B (free from 10:00 only), C (free at 9:00 only) and, when asked, D (free all day).

    Without D, A's 9:00 and 10:00+ meetings leave a hole: one break. With D filling 9:30 the
    day is one block: no break.
    """
    people = [
        "A",
        principal("B", unavailable=(span((9, 0), (10, 0)),)),
        principal("C", unavailable=(span((9, 30), (12, 0)),)),
        "D",
    ]
    meetings = [meeting("ab", "A", "B", required=True), meeting("ac", "A", "C", required=True)]
    if with_d:
        meetings.append(meeting("ad", "A", "D", required=True))
    return event(people, meetings, spaces=[table("T1"), table("T2")])


def test_solve_cpsat_known_optimum_of_one_break() -> None:
    problem = build_problem(three_meetings_of_a(with_d=False))

    result = solve_cpsat(problem, OPTIONS)

    assert result.status is SolveStatus.OPTIMAL
    assert result.objective is not None
    assert (result.objective.meetings_scheduled, result.objective.breaks) == (2, 1)
    assert result.bound == Bound(weight_scheduled=2, breaks=1)
    assert result.gap == 0.0
    assert validate(problem, result.schedule) == []


def test_solve_cpsat_known_optimum_without_breaks() -> None:
    problem = build_problem(three_meetings_of_a(with_d=True))

    result = solve_cpsat(problem, OPTIONS)

    assert result.status is SolveStatus.OPTIMAL
    assert result.schedule == {
        MeetingId("ac"): Assignment(0, "T1"),
        MeetingId("ad"): Assignment(1, "T1"),
        MeetingId("ab"): Assignment(2, "T1"),
    }
    assert result.objective is not None
    assert result.objective.breaks == 0


def test_solve_cpsat_prefers_higher_priority_when_not_all_fit() -> None:
    # One slot, one table: only one of the two meetings can be held.
    built = event(
        ["A", "B", "C", "D"],
        [meeting("low", "A", "B", priority=1), meeting("high", "C", "D", priority=3)],
        day_end=span((9, 0), (9, 30)).end.time(),
        morning_ends=span((9, 0), (9, 30)).end.time(),
    )
    problem = build_problem(built)

    result = solve_cpsat(problem, OPTIONS)

    assert result.status is SolveStatus.OPTIMAL
    assert list(result.schedule) == ["high"]
    assert result.objective is not None
    assert result.objective.weight_scheduled == 3


def test_solve_cpsat_meets_preferred_windows_without_adding_breaks() -> None:
    built = event(["A", "B"], [meeting("m", "A", "B", preferred=(span((11, 0), (11, 30)),))])
    problem = build_problem(built)

    result = solve_cpsat(problem, OPTIONS)

    assert result.schedule == {MeetingId("m"): Assignment(4, "T1")}
    assert result.objective is not None
    assert result.objective.preferences_met == 1


def test_solve_cpsat_fairness_spreads_breaks() -> None:
    # With d = 0 and principals with a single meeting, nobody may have a break at all.
    built = replace(three_meetings_of_a(with_d=True), policy=EventPolicy(fairness_max_spread=0))
    problem = build_problem(built)

    result = solve_cpsat(problem, OPTIONS)

    assert result.status is SolveStatus.OPTIMAL
    assert result.objective is not None
    assert result.objective.breaks_spread == 0


def test_solve_cpsat_reports_progress() -> None:
    reports: list[Progress] = []
    problem = build_problem(three_meetings_of_a(with_d=True))

    solve_cpsat(problem, replace(OPTIONS, on_progress=reports.append))

    assert reports
    assert {report.phase for report in reports} == {"cpsat"}
    assert reports[-1].objective is not None
    assert reports[-1].objective.meetings_scheduled == 3


def test_solve_cpsat_stop_set_marks_result_interrupted() -> None:
    stop = threading.Event()
    stop.set()
    problem = build_problem(three_meetings_of_a(with_d=True))

    result = solve_cpsat(problem, replace(OPTIONS, stop=stop))

    assert result.interrupted is True
    assert validate(problem, result.schedule) == [] or result.objective is None


def test_solve_cpsat_follows_a_hint_to_the_optimum() -> None:
    problem = build_problem(three_meetings_of_a(with_d=True))
    hint = {
        MeetingId("ac"): Assignment(0, "T2"),
        MeetingId("ad"): Assignment(1, "T2"),
        MeetingId("ab"): Assignment(2, "T2"),
    }

    result = solve_cpsat(problem, OPTIONS, hint=hint)

    assert result.status is SolveStatus.OPTIMAL
    assert result.objective is not None
    assert result.objective.breaks == 0


def test_solve_cpsat_infeasible_result_has_reason_and_no_schedule() -> None:
    built = event(
        ["A", "B", "C"],
        [meeting("m1", "A", "B", required=True), meeting("m2", "A", "C", required=True)],
        day_end=span((9, 0), (9, 30)).end.time(),
        morning_ends=span((9, 0), (9, 30)).end.time(),
    )

    result = solve_cpsat(build_problem(built), OPTIONS)

    assert result.status is SolveStatus.INFEASIBLE
    assert (result.schedule, result.objective, result.bound) == ({}, None, None)
    assert (
        result.reason == "CP-SAT proved that the required and locked meetings cannot all be placed"
    )


def test_model_size_counts_allowed_starts_per_class_and_estimate_bounds_it() -> None:
    # Six slots; the morning-only meeting has three starts, the other six, in one table class.
    built = event(
        ["A", "B", "C"],
        [meeting("m1", "A", "B", day_part=DayPart.MORNING), meeting("m2", "A", "C")],
        spaces=[table("T1"), table("T2")],
    )
    problem = build_problem(built)
    assert count_start_literals(problem) == 9
    # The cheap estimate ignores the morning-only wish: six starts each.
    assert estimate_model_size(problem) == 12


def test_model_not_built_in_time_gives_no_model_and_an_unknown_result() -> None:
    # Building takes a second of CPU on a few hundred meetings: past the limit, CP-SAT does not
    # search at all (``solve`` then answers with the heuristic's construction).
    problem = build_problem(
        generate_event(GeneratorSpec(principals=20, requests=60, spaces=4, days=1), seed=1)
    )
    assert build_model(problem, until=time.monotonic()) is None
    result = solve_cpsat(problem, SolveOptions(time_limit_s=0.0))
    assert (result.status, result.schedule, result.reason) == (
        SolveStatus.UNKNOWN,
        {},
        "CP-SAT's model was not built within 0 s",
    )


def test_weights_too_large_for_the_objective_give_an_unknown_result_not_an_error() -> None:
    # A problem built by hand with priorities of 10**18: CP-SAT refused the model ("possible
    # integer overflow in objective") and the error escaped ``solve``.
    problem = build_problem(
        event(["A", "B", "C"], [meeting("ab", "A", "B"), meeting("bc", "B", "C")])
    )
    heavy = replace(problem, meetings=tuple(replace(m, weight=10**18) for m in problem.meetings))

    result = solve_cpsat(heavy, OPTIONS)

    assert (result.status, result.schedule) == (SolveStatus.UNKNOWN, {})
    assert result.reason == (
        "the meetings' weights are too large for CP-SAT's objective "
        "(it reads at most 2**53 back exactly)"
    )
