"""The published schedule laid out at once is the same board as placed meeting by meeting, and
the meetings' starts a board keeps are those the rules give."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sidelines.scheduling import Problem, SolveOptions, Strategy, build_problem, solve
from sidelines.scheduling.generator import GeneratorSpec, generate_event
from sidelines.scheduling.heuristic.state import CORRIDOR, State, plain_first
from sidelines.scheduling.onsite.board import Board, MaskSource, meeting_masks
from sidelines.scheduling.rules.placement import allowed_starts, possible_starts
from sidelines.scheduling.slots import run_mask
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


def _masks_by_rule(problem: Problem, meeting_idx: int, window: int) -> tuple[tuple[int, int], ...]:
    """Every placement rule asked for every class's first space, one class after the other."""
    meeting = problem.meetings[meeting_idx]
    if meeting.locked_start is not None:
        window &= 1 << meeting.locked_start
    if not meeting.needs_space:
        starts = possible_starts(problem, meeting_idx, None) & window
        return ((CORRIDOR, starts),) if starts else ()
    masks = []
    for class_idx in plain_first(problem):
        space_idx = problem.space_classes[class_idx].spaces[0]
        if meeting.locked_space is not None and space_idx != meeting.locked_space:
            continue
        if starts := allowed_starts(problem, meeting_idx, space_idx) & window:
            masks.append((class_idx, starts))
    return tuple(masks)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_specs(), st.integers(0, 10_000), st.integers(0, 40))
def test_kept_masks_are_those_every_rule_gives_for_each_class(
    spec: GeneratorSpec, seed: int, from_slot: int
) -> None:
    problem = build_problem(generate_event(spec, seed))
    window = run_mask(from_slot, max(0, problem.grid.n_slots - from_slot))
    source = MaskSource(problem)

    for meeting_idx in range(len(problem.meetings)):
        assert source.masks(meeting_idx, window) == _masks_by_rule(problem, meeting_idx, window)
        assert meeting_masks(problem, meeting_idx, window) == _masks_by_rule(
            problem, meeting_idx, window
        )


def test_kept_masks_follow_a_meeting_replaced_in_a_later_problem() -> None:
    problem = build_problem(generate_event(GeneratorSpec(principals=8, requests=12, spaces=3), 1))
    whole = problem.grid.all_slots()
    meeting_idx = next(
        idx for idx, m in enumerate(problem.meetings) if m.needs_space and m.locked_start is None
    )
    source = MaskSource(problem)
    before = source.masks(meeting_idx, whole)
    start = min(starts.bit_length() - 1 for _, starts in before)
    locked = replace(problem.meetings[meeting_idx], locked_start=start)
    later = replace(
        problem,
        meetings=tuple(
            locked if idx == meeting_idx else m for idx, m in enumerate(problem.meetings)
        ),
    )

    source.rebind(later)

    assert source.masks(meeting_idx, whole) == _masks_by_rule(later, meeting_idx, whole)
    assert {starts for _, starts in source.masks(meeting_idx, whole)} <= {1 << start}
    assert source.masks(meeting_idx, whole) != before
