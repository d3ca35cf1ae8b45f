"""The heuristic's local search."""

from __future__ import annotations

import random
import threading
from pathlib import Path

import pytest

import sidelines.scheduling.heuristic.search as search_module
from sidelines.formats.event_loader import load_event
from sidelines.scheduling import Progress, SolveOptions, Strategy, build_problem, solve, validate
from sidelines.scheduling.heuristic.construct import class_rank
from sidelines.scheduling.heuristic.search import Search
from sidelines.scheduling.heuristic.state import State
from tests.builders import event, meeting, principal, span, table

EXAMPLES = Path(__file__).parents[3] / "examples"


@pytest.mark.slow
def test_stopping_returns_no_worse_than_any_schedule_it_reported() -> None:
    # The first phase of the search may accept moves that add breaks; whenever it is stopped,
    # the answer is the best state it reported, not the one it happened to be in.
    problem = build_problem(load_event(EXAMPLES / "b2b-forum.yaml"))
    reported: list[tuple[int, int, int]] = []

    def collect(progress: Progress) -> None:
        if progress.objective is not None and progress.phase != "done":
            reported.append(progress.objective.key())

    # Stopped within the first, wide phase (0.6 of 60 s), where the current state wanders.
    stop = threading.Event()
    timer = threading.Timer(3.0, stop.set)
    timer.start()
    result = solve(
        problem,
        SolveOptions(strategy=Strategy.HEURISTIC, time_limit_s=60, on_progress=collect, stop=stop),
    )
    timer.cancel()
    assert result.objective is not None
    assert result.objective.key() >= max(reported)


def test_fill_moves_a_meeting_into_an_idle_table_to_make_room() -> None:
    # One table, 09:00-12:00 in 30-minute slots. C and D can meet only at 09:00, where AB sits;
    # AB can move to any idle half-hour of the table, and CD takes 09:00.
    only_nine = (span((9, 30), (12, 0)),)
    problem = build_problem(
        event(
            ["A", "B", principal("C", unavailable=only_nine), "D"],
            [meeting("AB", "A", "B"), meeting("CD", "C", "D")],
        )
    )
    state = State(problem)
    state.place(0, 0, 0)
    search = Search(state, class_rank(state), random.Random(1), lambda: None)
    search.left_out = [1]

    search._fill_idle_space()

    assert state.start[1] == 0
    assert state.start[0] > 0
    assert validate(problem, state.schedule()) == []


def test_guided_search_draws_the_left_out_meetings_the_lp_seats(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Three pairs, nothing placed; the LP seats CD only: with every draw guided, CD is drawn.
    problem = build_problem(
        event(
            ["A", "B", "C", "D", "E", "F"],
            [meeting("AB", "A", "B"), meeting("CD", "C", "D"), meeting("EF", "E", "F")],
        )
    )
    monkeypatch.setattr(search_module, "GUIDE_SHARE", 1.0)
    search = Search(State(problem), [], random.Random(1), lambda: None)
    search.left_out = [0, 1, 2]

    search.guide(frozenset({1}))

    assert {search._pick_left_out() for _ in range(20)} == {1}
    # Once it is placed, the draws fall back on the other left-out meetings.
    search.state.place(1, 0, 0)
    assert search._pick_left_out() in {0, 2}


def test_restore_best_puts_back_the_state_from_before_a_move_that_added_a_break() -> None:
    # A meets B, then C, back to back. In the wide phase the search may move AC away from AB
    # at the same weight (A gets a break); the state before that move is the best seen, and
    # restore_best puts every meeting back where it was, in the same space.
    problem = build_problem(
        event(
            ["A", "B", "C"],
            [meeting("AB", "A", "B"), meeting("AC", "A", "C")],
            spaces=[table("T1"), table("T2")],
        )
    )
    state = State(problem)
    state.place(0, 0, 0)
    state.place(1, 1, 1)
    saved = (list(state.start), list(state.space))
    before = state.key()
    search = Search(state, class_rank(state), random.Random(1), lambda: None)
    search.break_slack = 2
    state.begin()
    state.unplace(1)
    state.place(1, 3, 0)

    search._decide(before, [])

    assert state.key() == (before[0], before[1] - 1, before[2])
    assert search.best == saved
    search.restore_best()
    assert (state.start, state.space) == saved
    assert state.key() == before
