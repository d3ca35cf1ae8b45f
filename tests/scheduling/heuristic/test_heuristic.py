"""The constructive heuristic with local search: every hard rule kept, heavier meetings first."""

from __future__ import annotations

import threading
from datetime import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sidelines.scheduling.heuristic as heuristic
from sidelines.domain import EventPolicy, MeetingId, Placement, SpaceId, WalkingTimes
from sidelines.scheduling import (
    Assignment,
    Progress,
    SolveOptions,
    SolveStatus,
    Strategy,
    build_problem,
    validate,
)
from sidelines.scheduling.generator import GeneratorSpec, generate_event
from sidelines.scheduling.heuristic import solve_heuristic
from sidelines.scheduling.heuristic.state import State
from sidelines.scheduling.objective import breaks_by_principal, evaluate
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.result import SolveResult
from tests.builders import at, event, meeting, principal, span, table
from tests.scheduling.heuristic.strategies import small_specs

T1 = SpaceId("T1")


def run(problem: Problem, time_limit_s: float = 0.5, **options: object) -> SolveResult:
    return solve_heuristic(
        problem,
        SolveOptions(strategy=Strategy.HEURISTIC, time_limit_s=time_limit_s, **options),  # type: ignore[arg-type]
    )


def test_heuristic_places_back_to_back_meetings_and_proves_it_optimal() -> None:
    problem = build_problem(
        event(["A", "B", "C"], [meeting("AB", "A", "B"), meeting("BC", "B", "C")])
    )

    result = run(problem)

    assert result.schedule == {
        MeetingId("AB"): Assignment(0, T1),
        MeetingId("BC"): Assignment(1, T1),
    }
    assert result.status is SolveStatus.OPTIMAL
    assert result.objective == evaluate(problem, [(0, 0), (1, 1)])


def test_heuristic_leaves_out_the_lightest_meeting_when_time_runs_short() -> None:
    problem = build_problem(
        event(
            ["A", "B", "C", "D"],
            [
                meeting("AB", "A", "B", priority=1),
                meeting("AC", "A", "C", priority=5),
                meeting("AD", "A", "D", priority=3),
            ],
            day_end=time(10, 0),
        )
    )

    result = run(problem)

    assert sorted(result.schedule) == ["AC", "AD"]
    assert result.objective is not None
    assert (result.objective.weight_scheduled, result.objective.breaks) == (8, 0)
    assert result.status is SolveStatus.OPTIMAL


def test_heuristic_keeps_a_locked_meeting_at_its_slot_and_space() -> None:
    locked = meeting("AB", "A", "B", locked=Placement(at(10, 30), T1))
    problem = build_problem(event(["A", "B"], [locked], spaces=[table("T0"), table("T1")]))

    result = run(problem)

    assert result.schedule == {MeetingId("AB"): Assignment(3, T1)}


def test_heuristic_schedules_a_required_meeting_before_heavier_ones() -> None:
    problem = build_problem(
        event(
            ["A", "B", "C"],
            [meeting("AB", "A", "B", priority=5), meeting("AC", "A", "C", required=True)],
            day_end=time(9, 30),
        )
    )

    result = run(problem)

    assert sorted(result.schedule) == ["AC"]
    assert validate(problem, result.schedule) == []


def test_heuristic_leaves_the_turnover_buffer_free_between_meetings_in_a_space() -> None:
    problem = build_problem(
        event(
            ["A", "B", "C", "D"],
            [meeting("AB", "A", "B"), meeting("CD", "C", "D")],
            spaces=[table("T1", turnover_min=30)],
        )
    )

    result = run(problem)

    assert result.schedule == {
        MeetingId("AB"): Assignment(0, T1),
        MeetingId("CD"): Assignment(2, T1),
    }


def test_heuristic_gives_a_principal_the_walking_time_between_halls() -> None:
    problem = build_problem(
        event(
            ["A", "B", "C"],
            [
                meeting("AB", "A", "B", locked=Placement(at(9), SpaceId("T1"))),
                meeting("AC", "A", "C"),
            ],
            spaces=[table("T1", location="east"), table("T2", location="west", capacity=2)],
            walking_times=WalkingTimes({("east", "west"): 30}),
        )
    )

    result = run(problem)

    # T1 is free at 09:30, but the heuristic prefers no break for A: AC goes right after AB,
    # and only in the same hall.
    assert result.schedule[MeetingId("AC")] == Assignment(1, T1)
    assert validate(problem, result.schedule) == []


def test_heuristic_keeps_the_room_policy_cap_per_party_and_day() -> None:
    problem = build_problem(
        event(
            ["A", "B", "C"],
            [meeting("AB", "A", "B", priority=2), meeting("AC", "A", "C", priority=1)],
            policy=EventPolicy(max_bookings_per_party_per_day=1),
        )
    )

    result = run(problem)

    assert sorted(result.schedule) == ["AB"]


def test_heuristic_drops_a_meeting_rather_than_break_the_fairness_bound() -> None:
    # B can meet only at 09:00 and C only at 10:00: A would wait in between.
    b = principal("B", unavailable=(span((9, 30), (12, 0)),))
    c = principal("C", unavailable=(span((9, 0), (10, 0)), span((10, 30), (12, 0))))
    meetings = [meeting("AB", "A", "B", priority=2), meeting("AC", "A", "C", priority=1)]

    fair = build_problem(event(["A", b, c], meetings, policy=EventPolicy(fairness_max_spread=0)))
    free = build_problem(event(["A", b, c], meetings))

    assert sorted(run(fair).schedule) == ["AB"]
    assert sorted(run(free).schedule) == ["AB", "AC"]


def test_heuristic_keeps_a_precedence_and_still_places_both_meetings() -> None:
    problem = build_problem(
        event(
            ["A", "B", "C"],
            [
                meeting("AB", "A", "B", priority=1),
                meeting("BC", "B", "C", priority=5, after=(MeetingId("AB"),)),
            ],
        )
    )

    result = run(problem, time_limit_s=1.0)

    assert sorted(result.schedule) == ["AB", "BC"]
    assert result.schedule[MeetingId("BC")].start_slot > result.schedule[MeetingId("AB")].start_slot
    assert validate(problem, result.schedule) == []


def test_heuristic_says_unknown_when_two_locked_meetings_clash() -> None:
    problem = build_problem(
        event(
            ["A", "B", "C"],
            [
                meeting("AB", "A", "B", locked=Placement(at(9), T1)),
                meeting("AC", "A", "C", locked=Placement(at(9), SpaceId("T2"))),
            ],
            spaces=[table("T1"), table("T2")],
        )
    )

    result = run(problem)

    assert result.status is SolveStatus.UNKNOWN
    assert result.schedule == {}
    assert result.reason.startswith("AC is locked at Mon 06 May 09:00 but that place breaks")


def test_heuristic_reports_construction_first_and_done_last() -> None:
    problem = build_problem(event(["A", "B"], [meeting("AB", "A", "B")]))
    reports: list[Progress] = []

    run(problem, on_progress=reports.append)

    assert [report.phase for report in (reports[0], reports[-1])] == ["construct", "done"]


def test_heuristic_reports_a_long_construction_part_way_with_a_smaller_valid_schedule(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    problem = build_problem(
        generate_event(GeneratorSpec(principals=40, requests=400, spaces=10, locked=1), 2)
    )
    monkeypatch.setattr(heuristic, "PARTIAL_REPORT_S", 0.0)
    reports: list[Progress] = []

    # Time enough for the whole construction however busy the machine: one cut short by the
    # time limit reports itself as partial too.
    result = run(problem, time_limit_s=2.0, on_progress=reports.append)

    phases = [report.phase for report in reports]
    assert phases[0] == "construct:partial"
    assert "construct" in phases
    first = reports[0].objective
    assert first is not None
    assert result.objective is not None
    assert first.weight_scheduled <= result.objective.weight_scheduled
    assert validate(problem, result.schedule) == []


def test_heuristic_construction_cut_short_by_the_time_limit_reports_itself_as_partial(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    problem = build_problem(
        generate_event(GeneratorSpec(principals=40, requests=400, spaces=10, locked=1), 2)
    )
    monkeypatch.setattr(heuristic, "CONSTRUCT_MIN_CPU_S", 0.0)
    reports: list[Progress] = []

    result = run(problem, time_limit_s=0.0, on_progress=reports.append)

    assert [report.phase for report in reports] == ["construct:partial", "bound", "done"]
    assert result.objective is not None
    assert 0 < result.objective.meetings_scheduled < len(problem.meetings)
    assert validate(problem, result.schedule) == []


def test_heuristic_construction_with_no_time_left_still_gets_its_minimum() -> None:
    # Handed no time (CP-SAT's fallback after CP-SAT used the limit up), construction goes on
    # for CONSTRUCT_MIN_CPU_S of CPU: far more than the CHECK_EVERY meetings placed before its first
    # look at the clock.
    problem = build_problem(
        generate_event(GeneratorSpec(principals=60, requests=600, spaces=12), 3)
    )

    result = run(problem, time_limit_s=0.0)

    assert result.objective is not None
    assert result.objective.meetings_scheduled > 2 * heuristic.CHECK_EVERY
    assert validate(problem, result.schedule) == []


def test_heuristic_stopped_before_it_starts_returns_a_valid_schedule() -> None:
    problem = build_problem(generate_event(GeneratorSpec(principals=20, requests=60, spaces=3), 1))
    stop = threading.Event()
    stop.set()

    result = run(problem, time_limit_s=10.0, stop=stop)

    assert result.interrupted is True
    assert result.status is SolveStatus.FEASIBLE
    assert validate(problem, result.schedule) == []


def test_heuristic_is_deterministic_for_a_seed_without_local_search_time() -> None:
    problem = build_problem(generate_event(GeneratorSpec(principals=30, requests=150, spaces=4), 7))

    first = run(problem, time_limit_s=0.0)
    second = run(problem, time_limit_s=0.0)

    assert first.schedule == second.schedule


@pytest.mark.slow
@settings(max_examples=40, deadline=None)
@given(small_specs(), st.integers(0, 1000))
def test_heuristic_schedules_of_generated_events_keep_every_rule(
    spec: GeneratorSpec, seed: int
) -> None:
    problem = build_problem(generate_event(spec, seed))

    result = run(problem, time_limit_s=0.1, seed=seed)

    assert result.status in (SolveStatus.FEASIBLE, SolveStatus.OPTIMAL)
    assert validate(problem, result.schedule) == []
    assert result.objective == evaluate(
        problem, [(problem.meeting_index[m], a.start_slot) for m, a in result.schedule.items()]
    )
    assert result.bound is not None
    assert result.objective.weight_scheduled <= result.bound.weight_scheduled
    if problem.fairness_max_spread is not None:
        placed = [(problem.meeting_index[m], a.start_slot) for m, a in result.schedule.items()]
        assert max(breaks_by_principal(problem, placed), default=0) <= problem.fairness_max_spread


def test_heuristic_says_infeasible_when_required_meetings_cannot_share_one_slot() -> None:
    problem = build_problem(
        event(
            ["A", "B", "C"],
            [meeting("AB", "A", "B", required=True), meeting("AC", "A", "C", required=True)],
            day_end=time(9, 30),
        )
    )

    result = run(problem)

    assert (result.status, result.schedule) == (SolveStatus.INFEASIBLE, {})
    assert result.reason == "the required and locked meetings exceed the time or rooms available"


def test_heuristic_books_the_table_that_leaves_no_gap_too_short_for_a_meeting() -> None:
    problem = build_problem(
        event(
            ["A", "B", "C", "D"],
            [meeting("AB", "A", "B"), meeting("CD", "C", "D")],
            spaces=[table("T1"), table("T2")],
        )
    )
    state = State(problem)
    class_idx = problem.class_of_space[0]
    t2 = problem.space_index[SpaceId("T2")]
    length = state.duration[0]
    state.place(0, 0, t2)  # AB from the first slot on T2

    # Right after AB, T2 is booked on one side; T1 would keep its whole day free either way,
    # so T2 wins and T1 stays free for a meeting of any length.
    chosen = state.free_space(1, class_idx, length)

    assert chosen == t2
