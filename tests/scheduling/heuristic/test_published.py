"""The heuristic's construction against a published schedule: the budget, and moves put back."""

from __future__ import annotations

import time as clock
from datetime import time

from sidelines.domain import MeetingId, SpaceId
from sidelines.scheduling import build_problem
from sidelines.scheduling.heuristic.construct import class_rank
from sidelines.scheduling.heuristic.published import StableConstruction
from sidelines.scheduling.heuristic.state import State, placement_masks
from sidelines.scheduling.schedule import Assignment
from sidelines.scheduling.stability import Published, Stability, with_published
from tests.builders import event, meeting, span


def construction(stability: Stability, max_moves: int) -> StableConstruction:
    """One table, three half-hour slots from 09:00. m1 (A-B) was published at 09:00; m2 (A-C,
    weight 5) can only be held at 09:00; m3 (D-E) is agreed too."""
    built = event(
        ["A", "B", "C", "D", "E"],
        [
            meeting("m1", "A", "B"),
            meeting("m2", "A", "C", priority=5, windows=(span((9, 0), (9, 30)),)),
            meeting("m3", "D", "E"),
        ],
        day_end=time(10, 30),
        morning_ends=time(10, 30),
    )
    published = Published({MeetingId("m1"): Assignment(0, SpaceId("T1"))}, stability, max_moves)
    problem = with_published(build_problem(built), published)
    state = State(problem, placement_masks(problem))
    stable = StableConstruction(problem, state, class_rank(state))
    assert stable.construct(clock.perf_counter() + 5.0, lambda: False) == []
    return stable


def test_minimal_moves_the_published_meeting_for_the_heavier_one_and_fixes_it() -> None:
    stable = construction(Stability.MINIMAL, 1)
    state = stable.state
    assert state.start[1] == 0
    assert state.start[0] != 0
    assert stable.moved == {0}
    assert state.fixed[0]  # the local search leaves published meetings alone
    assert not state.fixed[1]


def test_minimal_without_budget_and_keep_leave_the_heavier_one_out() -> None:
    for stability, budget in ((Stability.MINIMAL, 0), (Stability.KEEP, 5)):
        stable = construction(stability, budget)
        assert stable.state.start[0] == 0
        assert not stable.state.is_placed(1)
        assert stable.moved == set()


def test_a_moved_meeting_goes_back_when_its_place_is_free_again() -> None:
    stable = construction(Stability.MINIMAL, 1)
    state = stable.state
    state.unplace(1)  # as if the search had taken the heavier meeting out
    assert stable.revert_moves(clock.perf_counter() + 1.0) == 1
    assert (state.start[0], state.space[0]) == (0, 0)
    assert stable.moved == set()


def test_a_meeting_that_was_not_published_steps_aside_for_a_move_to_be_undone() -> None:
    stable = construction(Stability.MINIMAL, 1)
    state = stable.state
    state.unplace(1)
    if state.is_placed(2):
        state.unplace(2)
    state.place(2, 0, 0)  # m3 takes m1's published place; a slot stays free for it
    assert stable.revert_moves(clock.perf_counter() + 1.0) == 1
    assert (state.start[0], state.space[0]) == (0, 0)
    assert state.is_placed(2)
    assert state.start[2] != 0


def test_a_move_is_not_undone_when_the_meeting_in_its_place_cannot_step_aside() -> None:
    stable = construction(Stability.MINIMAL, 1)
    # m2 (not published) holds m1's place and has nowhere else to go: m1 stays moved.
    assert stable.revert_moves(clock.perf_counter() + 1.0) == 0
    assert stable.moved == {0}
