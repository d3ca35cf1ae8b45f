"""Undoing a search's moves: the pairs of moves that cancel out are not undone."""

from __future__ import annotations

import copy
from typing import Any

from sidelines.scheduling import build_problem
from sidelines.scheduling.heuristic.state import State
from sidelines.scheduling.onsite.insertion import cancelled, undo_to
from tests.builders import event, meeting, table


def _board() -> tuple[State, list[Any]]:
    """A state with AB at 09:00 in T1 and AC at 10:00 in T2 (so A has a break), and what it
    holds, to compare with after an undo."""
    problem = build_problem(
        event(
            ["A", "B", "C"],
            [meeting("AB", "A", "B"), meeting("AC", "A", "C")],
            spaces=[table("T1"), table("T2")],
        )
    )
    state = State(problem)
    state.place(0, 0, 0)
    state.place(1, 2, 1)
    return state, _held(state)


def _held(state: State) -> list[Any]:
    return copy.deepcopy(
        [
            state.start,
            state.space,
            state.total_breaks,
            state.n_scheduled,
            [(c.busy, c.breaks, c.busy_days) for c in state.calendars],
            state.free,
            state.full,
            state.principal_meetings,
            state.space_meetings,
        ]
    )


def test_cancelled_drops_a_meeting_taken_out_and_put_back_where_it_stood() -> None:
    moves = [(False, 0, 4, 1), (True, 0, 4, 1)]

    assert cancelled(moves) == []


def test_cancelled_drops_pairs_nested_inside_each_other_and_keeps_real_moves() -> None:
    moves = [
        (False, 0, 4, 1),  # 0 out of 4 ...
        (False, 1, 6, None),
        (True, 1, 6, None),  # 1 back where it stood
        (True, 0, 4, 1),  # ... and 0 back too
        (False, 2, 8, 0),
        (True, 2, 9, 0),  # 2 moved one slot later: kept
        (True, 3, 1, 1),
        (False, 3, 1, 1),  # 3 put in and taken out again
    ]

    assert cancelled(moves) == [(False, 2, 8, 0), (True, 2, 9, 0)]


def test_cancelled_keeps_a_meeting_put_back_in_another_space() -> None:
    moves = [(False, 0, 4, 1), (True, 0, 4, 0)]

    assert cancelled(moves) == moves


def test_undo_to_leaves_the_board_as_it_was_before_the_moves() -> None:
    state, before = _board()
    state.begin()
    journal = state.journal
    assert journal is not None
    state.unplace(1)
    state.place(1, 2, 1)  # back where it stood: cancelled, not undone
    state.unplace(0)
    state.place(0, 1, 0)  # a real move: AB to 09:30, next to AC

    assert state.total_breaks == 0
    undo_to(state, 0)

    assert journal == []
    assert _held(state) == before
