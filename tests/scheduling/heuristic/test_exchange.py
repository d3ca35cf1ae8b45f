"""The exchange solved exactly in a freed window."""

from __future__ import annotations

import random
from datetime import time

from sidelines.scheduling import Problem, build_problem, validate
from sidelines.scheduling.heuristic.construct import class_rank
from sidelines.scheduling.heuristic.exchange import exchange
from sidelines.scheduling.heuristic.state import State
from tests.builders import event, meeting


def _one_half_hour() -> Problem:
    """One table, one half-hour; AB (priority 5) and AC (priority 1) both want A."""
    return build_problem(
        event(
            ["A", "B", "C"],
            [meeting("AB", "A", "B", priority=5), meeting("AC", "A", "C", priority=1)],
            day_end=time(9, 30),
        )
    )


def test_exchange_seats_a_heavier_meeting_in_place_of_a_lighter_one() -> None:
    # AC holds the table and A; AB is left out.
    problem = _one_half_hour()
    state = State(problem)
    state.place(1, 0, 0)
    state.begin()

    removed = exchange(state, 0, class_rank(state), random.Random(1))

    assert removed == [1]
    assert (state.start, state.space) == ([0, -1], [0, None])
    assert validate(problem, state.schedule()) == []


def test_exchange_changes_nothing_when_nothing_heavier_fits() -> None:
    # AB holds the only half-hour; AC, lighter, cannot take its place.
    problem = _one_half_hour()
    state = State(problem)
    state.place(0, 0, 0)
    state.begin()

    assert exchange(state, 1, class_rank(state), random.Random(1)) is None
    state.rollback()
    assert (state.start, state.space) == ([0, -1], [0, None])
