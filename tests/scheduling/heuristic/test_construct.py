"""Greedy placement: meetings go on their spaces' packing grid when they can."""

from __future__ import annotations

from datetime import time

import pytest

from sidelines.domain import TimeSpan
from sidelines.scheduling import build_problem
from sidelines.scheduling.heuristic.construct import best_placement, class_rank
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
