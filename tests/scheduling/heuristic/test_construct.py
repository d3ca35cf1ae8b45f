"""Greedy placement: meetings go on their spaces' packing grid when they can; bumps make
room for a meeting."""

from __future__ import annotations

import random
from datetime import time

import pytest

from sidelines.domain import TimeSpan
from sidelines.scheduling import build_problem
from sidelines.scheduling.heuristic.construct import best_placement, bump_insert, class_rank
from sidelines.scheduling.heuristic.state import CORRIDOR, State
from tests.builders import event, meeting, principal, span, table


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


@pytest.mark.parametrize(
    ("principals_free", "removed"),
    [(False, ["AC"]), (True, ["DE"])],
    ids=["any start: the cheapest blocker, A's own meeting", "A free: the meeting in the table"],
)
def test_a_bump_with_principals_free_moves_only_what_is_in_the_space(
    principals_free: bool, removed: list[str]
) -> None:
    # One table, two slots. A meets C in the first; D meets E in the second. AB outweighs
    # both: at 09:00 it must push out AC (A's meeting and the table's), at 09:30 only DE.
    problem = build_problem(
        event(
            ["A", "B", "C", "D", "E"],
            [
                meeting("AB", "A", "B", priority=5),
                meeting("AC", "A", "C", priority=1),
                meeting("DE", "D", "E", priority=2),
            ],
            spaces=[table("T1")],
            day_end=time(10, 0),
        )
    )
    state = State(problem)
    state.place(1, 0, 0)
    state.place(2, 1, 0)
    state.begin()

    out = bump_insert(
        state, 0, class_rank(state), random.Random(0), principals_free=principals_free
    )

    assert out is not None
    assert [problem.meetings[idx].id for idx in out] == removed
    assert state.is_placed(0)
    assert state.start[0] == (1 if principals_free else 0)
