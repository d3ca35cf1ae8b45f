"""Greedy placement: meetings go on their spaces' packing grid when they can; bumps make
room for a meeting."""

from __future__ import annotations

import random
from datetime import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sidelines.domain import MeetingId, TimeSpan
from sidelines.scheduling import build_problem, validate
from sidelines.scheduling.generator import GeneratorSpec, generate_event
from sidelines.scheduling.heuristic import construct
from sidelines.scheduling.heuristic.construct import (
    best_placement,
    bump_insert,
    class_rank,
    construction_order,
    insert,
    place_locked,
    principal_blockers,
    space_blockers,
)
from sidelines.scheduling.heuristic.state import CORRIDOR, State, placement_masks
from sidelines.scheduling.slots import run_mask
from tests.builders import event, meeting, principal, span, table
from tests.scheduling.heuristic.strategies import small_specs


def grid_starts(mask: int) -> list[int]:
    return [slot for slot in range(mask.bit_length()) if (mask >> slot) & 1]


def test_packing_grid_tiles_a_space_from_each_opening_of_the_day() -> None:
    # 10-minute slots 09:00-12:00; the table opens at 09:10, closes 10:30-10:40.
    hours = (span((9, 10), (10, 30)), span((10, 40), (12, 0)))
    problem = build_problem(
        event(
            ["A", "B"],
            [meeting("AB", "A", "B", duration_min=30)],
            spaces=[table("T1", opening_hours=hours)],
            grain_min=10,
        )
    )
    state = State(problem)

    assert grid_starts(state.packing_grid(0, 3)) == [1, 4, 7, 10, 13, 16]
    assert state.packing_grid(CORRIDOR, 3) == -1


@pytest.mark.parametrize(
    ("unavailable", "start"),
    [
        # A arrives at 09:10: the earliest start would strand the table's 09:00-09:10.
        ((span((9, 0), (9, 10)),), 3),
        # A can meet only 09:10-09:40: no start on the grid (09:00, 09:30) fits, so off it.
        ((span((9, 0), (9, 10)), span((9, 40), (10, 0))), 1),
    ],
    ids=["on the grid rather than earliest", "off the grid when nothing on it fits"],
)
def test_meeting_prefers_the_packing_grid(unavailable: tuple[TimeSpan, ...], start: int) -> None:
    problem = build_problem(
        event(
            [principal("A", unavailable=unavailable), "B"],
            [meeting("AB", "A", "B", duration_min=30)],
            day_end=time(10, 0),
            grain_min=10,
        )
    )
    state = State(problem)

    assert best_placement(state, 0, class_rank(state)) == (start, 0)


def _table_of_two_slots(ab: int, ac: int, de: int) -> State:
    """One table, two slots, the priorities given: A meets C in the first, D meets E in the
    second, AB (meeting 0) left out; a move begun."""
    problem = build_problem(
        event(
            ["A", "B", "C", "D", "E"],
            [
                meeting("AB", "A", "B", priority=ab),
                meeting("AC", "A", "C", priority=ac),
                meeting("DE", "D", "E", priority=de),
            ],
            spaces=[table("T1")],
            day_end=time(10, 0),
        )
    )
    state = State(problem)
    state.place(1, 0, 0)
    state.place(2, 1, 0)
    state.begin()
    return state


@pytest.mark.parametrize(
    ("principals_free", "removed"),
    [(False, ["AC"]), (True, ["DE"])],
    ids=["any start: the cheapest blocker, A's own meeting", "A free: the meeting in the table"],
)
def test_a_bump_with_principals_free_moves_only_what_is_in_the_space(
    principals_free: bool, removed: list[str]
) -> None:
    # AB outweighs both AC and DE: at 09:00 it must push out AC (A's meeting and the
    # table's), at 09:30 only DE.
    state = _table_of_two_slots(ab=5, ac=1, de=2)
    problem = state.problem

    out = bump_insert(
        state, 0, class_rank(state), random.Random(0), principals_free=principals_free
    )

    assert out is not None
    assert [problem.meetings[idx].id for idx in out] == removed
    assert state.is_placed(0)
    assert state.start[0] == (1 if principals_free else 0)


def test_a_bump_looks_at_no_space_where_the_principals_meetings_already_cost_too_much(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # AC is heavier than AB, DE lighter. At 09:00 AC alone outweighs AB: the table need not
    # be looked at there.
    state = _table_of_two_slots(ab=2, ac=5, de=1)
    looked_at: list[int] = []
    blockers = construct._blockers

    def counting(
        state: State, meeting_idx: int, class_idx: int, start: int, found: set[int]
    ) -> tuple[set[int], int | None] | None:
        looked_at.append(start)
        return blockers(state, meeting_idx, class_idx, start, found)

    monkeypatch.setattr(construct, "_blockers", counting)

    out = bump_insert(state, 0, class_rank(state), random.Random(0))

    assert set(looked_at) == {1}
    assert out == [2]
    assert state.start[0] == 1


def _space_blockers_by_scan(state: State, space_idx: int, start: int, end: int) -> set[int]:
    """``space_blockers`` by a pass over every meeting of the space."""
    turnover = state.class_turnover[state.problem.class_of_space[space_idx]]
    return {
        other
        for other in state.space_meetings[space_idx]
        if state.start[other] < end + turnover
        and start
        < state.start[other] + state.duration[other] + turnover + state.press_buffer[other]
    }


def _principal_blockers_by_scan(
    state: State, meeting_idx: int, class_idx: int, start: int
) -> set[int]:
    """``principal_blockers`` by a pass over every placed meeting of the schedule, walking
    time looked up for each one that shares a principal with the meeting."""
    problem = state.problem
    meeting = problem.meetings[meeting_idx]
    end = start + state.duration[meeting_idx]
    here = state.class_location[class_idx] if class_idx != CORRIDOR else None
    principals = set(meeting.principals)
    found: set[int] = set()
    for other, other_start in enumerate(state.start):
        if other_start < 0 or not principals & set(problem.meetings[other].principals):
            continue
        other_space = state.space[other]
        walk = 0
        if here is not None and other_space is not None:
            there = problem.spaces[other_space].location_idx
            walk = 0 if here == there else problem.walking_slots.get((here, there), 0)
        if other_start - walk < end and start < other_start + state.duration[other] + walk:
            found.add(other)
    for earlier in meeting.after:
        if state.start[earlier] >= 0 and state.start[earlier] + state.duration[earlier] > start:
            found.add(earlier)
    for later in state.successors[meeting_idx]:
        if 0 <= state.start[later] < end:
            found.add(later)
    for pair_idx in meeting.interpretation:
        if state.interpreters_full[pair_idx] & run_mask(start, end - start):
            found.update(
                other
                for other in state.interpreted[pair_idx]
                if state.start[other] < end and start < state.start[other] + state.duration[other]
            )
    return found


@settings(max_examples=30, deadline=None)
@given(small_specs(), st.integers(0, 1000))
def test_blockers_are_the_meetings_a_pass_over_the_schedule_finds(
    spec: GeneratorSpec, seed: int
) -> None:
    problem = build_problem(generate_event(spec, seed))
    state = State(problem)
    ranks = class_rank(state)
    rng = random.Random(seed)
    for meeting_idx in construction_order(state):
        if problem.meetings[meeting_idx].locked:
            place_locked(state, meeting_idx)
        else:
            insert(state, meeting_idx, ranks)
    # A move undone and a move kept: who holds each space must follow both.
    for keep in (False, True):
        state.begin()
        movable = [
            idx for idx, start in enumerate(state.start) if start >= 0 and not state.fixed[idx]
        ]
        for idx in rng.sample(movable, len(movable) // 2):
            state.unplace(idx)
        for idx in rng.sample(range(len(problem.meetings)), len(problem.meetings)):
            if not state.is_placed(idx):
                insert(state, idx, ranks, rng)
        if keep:
            state.commit()
        else:
            state.rollback()

    for meeting_idx in range(len(problem.meetings)):
        end_of = state.duration[meeting_idx] + state.press_buffer[meeting_idx]
        for class_idx, starts in state.allowed[meeting_idx]:
            for start in grid_starts(starts):
                assert principal_blockers(
                    state, meeting_idx, class_idx, start
                ) == _principal_blockers_by_scan(state, meeting_idx, class_idx, start)
                if class_idx == CORRIDOR:
                    continue
                for space_idx in state.class_spaces[class_idx]:
                    assert space_blockers(
                        state, space_idx, start, start + end_of
                    ) == _space_blockers_by_scan(state, space_idx, start, start + end_of)


def test_a_meeting_after_a_lighter_one_is_constructed_after_it() -> None:
    # BC (priority 5) must come after AB (priority 1). Placed first by its weight, BC took
    # the first start and left AB no time before it: the construction placed one meeting of
    # two in six free slots, and only the local search, given the time, placed both.
    problem = build_problem(
        event(
            ["A", "B", "C"],
            [
                meeting("BC", "B", "C", priority=5, after=(MeetingId("AB"),)),
                meeting("AB", "A", "B", priority=1),
            ],
        )
    )
    state = State(problem, placement_masks(problem))
    ranks = class_rank(state)

    assert construction_order(state) == [1, 0]
    for meeting_idx in construction_order(state):
        insert(state, meeting_idx, ranks)
    assert sorted(state.schedule()) == ["AB", "BC"]
    assert validate(problem, state.schedule()) == []
