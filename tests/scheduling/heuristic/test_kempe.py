"""The Kempe-chain search on breaks: only valid, fair schedules, fewer breaks than it started
from, its own counts kept in step with the schedule, and the problems it declines."""

from __future__ import annotations

import random
from datetime import time
from typing import Any

from sidelines.domain import Event
from sidelines.scheduling import build_problem, validate
from sidelines.scheduling.heuristic.kempe import KempeSearch, unfit
from sidelines.scheduling.objective import breaks_by_principal, evaluate
from sidelines.scheduling.spaces import assign_spaces
from tests.builders import event, meeting, table

NAMES = ["A", "B", "C", "D", "E", "F"]
PAIRS = [("A", "B"), ("A", "C"), ("A", "D"), ("B", "C"), ("B", "E"), ("C", "F"), ("D", "E")]
PAIRS += [("D", "F"), ("E", "F"), ("A", "E"), ("B", "F"), ("C", "D")]


def b2b(**fields: Any) -> Event:
    """Six companies, twelve required meetings, three tables, a morning of eight slots."""
    meetings = [meeting(f"{a}{b}", a, b, required=True) for a, b in PAIRS]
    return event(NAMES, meetings, spaces=[table("T1"), table("T2"), table("T3")], **fields)


def spread_out(problem_slots: int) -> list[tuple[int, int]]:
    """Every meeting in its own slot, as far apart as the grid allows: many breaks."""
    return [(idx, (idx * 5) % problem_slots) for idx in range(len(PAIRS))]


def test_it_removes_breaks_and_keeps_a_valid_fair_schedule() -> None:
    problem = build_problem(b2b(day_end=time(21, 0)))
    start = spread_out(problem.grid.n_slots)
    assert len({slot for _, slot in start}) == len(start)
    search = KempeSearch(problem, random.Random(1))
    search.load(start)
    before = search.best_breaks
    assert before == evaluate(problem, start).breaks > 0

    for _ in range(20):
        search.run(2_000)

    choices = search.choices()
    schedule = assign_spaces(problem, choices)
    objective = evaluate(problem, [(c.meeting_idx, c.start_slot) for c in choices])
    assert search.best_breaks is not None
    assert search.best_breaks < before
    assert objective.breaks == search.best_breaks
    assert validate(problem, schedule) == []


def test_its_counts_follow_every_move() -> None:
    problem = build_problem(b2b(day_end=time(21, 0)))
    search = KempeSearch(problem, random.Random(7))
    search.load(spread_out(problem.grid.n_slots))

    search.run(5_000)  # hot: most moves accepted, better or not

    placed = list(enumerate(search.slot))
    assert search.breaks == breaks_by_principal(problem, placed)
    assert search.total == sum(search.breaks)
    for class_counts in search.count:
        assert all(0 <= n <= len(problem.spaces) for n in class_counts)
        assert sum(class_counts) == len(problem.meetings)
    for principal_idx, row in enumerate(search.occupant):
        for slot, meeting_idx in enumerate(row):
            if meeting_idx >= 0:
                assert search.slot[meeting_idx] == slot
                assert principal_idx in problem.meetings[meeting_idx].principals


def test_it_declines_problems_where_a_meeting_may_be_left_out() -> None:
    meetings = [meeting("AB", "A", "B", required=True), meeting("CD", "C", "D")]
    problem = build_problem(event(["A", "B", "C", "D"], meetings, spaces=[table("T1")]))

    assert unfit(problem) == "a meeting may be left out"


def test_it_takes_the_break_problems_it_was_made_for() -> None:
    assert unfit(build_problem(b2b())) is None
