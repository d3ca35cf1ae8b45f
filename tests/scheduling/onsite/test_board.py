"""The published schedule laid out at once is the same board as placed meeting by meeting."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sidelines.scheduling import SolveOptions, Strategy, build_problem, solve
from sidelines.scheduling.generator import GeneratorSpec, generate_event
from sidelines.scheduling.heuristic.state import State
from sidelines.scheduling.onsite.board import Board
from tests.scheduling.heuristic.strategies import small_specs


def _snapshot(state: State) -> dict[str, object]:
    return {
        "calendars": list(state.calendars),
        "principal_meetings": state.principal_meetings,
        "space_meetings": state.space_meetings,
        "free": state.free,
        "full": state.full,
        "bookings": {k: v for k, v in state.bookings.items() if v},
        "start": state.start,
        "space": state.space,
        "objective": (
            state.total_weight,
            state.total_breaks,
            state.preferences_met,
            state.n_scheduled,
        ),
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_specs(), st.integers(0, 10_000))
def test_place_all_leaves_the_state_placing_one_by_one_leaves(
    spec: GeneratorSpec, seed: int
) -> None:
    problem = build_problem(generate_event(spec, seed))
    schedule = solve(problem, SolveOptions(strategy=Strategy.HEURISTIC, time_limit_s=0.05)).schedule

    board = Board(problem, schedule, now=None, freeze_window_min=0)
    one_by_one = State(problem)
    for meeting_id, assignment in schedule.items():
        space_idx = problem.space_index[assignment.space] if assignment.space is not None else None
        one_by_one.place(problem.meeting_index[meeting_id], assignment.start_slot, space_idx)

    assert _snapshot(board.state) == _snapshot(one_by_one)
    assert board.state.schedule() == dict(schedule)
