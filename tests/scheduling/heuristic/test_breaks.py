"""The heuristic's mask arithmetic for breaks agrees with the objective's slot-by-slot count."""

from __future__ import annotations

from dataclasses import replace
from datetime import time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sidelines.scheduling import build_problem
from sidelines.scheduling.heuristic.breaks import MEMO_SIZE, Calendar, DayMasks, Transparent
from sidelines.scheduling.objective import principal_breaks
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.slots import run_mask
from tests.builders import DAY, event

# Two days of 12 slots each: runs can touch the day boundary from both sides.
PROBLEM = build_problem(event(["A", "B"], days=(DAY, DAY + timedelta(days=1)), day_end=time(15, 0)))
N_SLOTS = PROBLEM.grid.n_slots


def runs(draw: st.DrawFn, most: int) -> int:
    mask = 0
    for _ in range(draw(st.integers(0, most))):
        mask |= run_mask(draw(st.integers(0, N_SLOTS - 1)), draw(st.integers(1, 5)))
    return mask & run_mask(0, N_SLOTS)


@st.composite
def calendars(draw: st.DrawFn) -> tuple[int, int]:
    programme = runs(draw, 3)
    busy = runs(draw, 5) & ~programme
    return busy, programme


def with_programme(problem: Problem, programme: int) -> Problem:
    first = replace(problem.principals[0], programme=programme)
    return replace(problem, principals=(first, *problem.principals[1:]))


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(calendars())
def test_calendar_breaks_equal_the_objectives_count(calendar: tuple[int, int]) -> None:
    busy, programme = calendar
    days = DayMasks.of(PROBLEM.grid)
    mine = Calendar()
    mine.update(busy, Transparent.of(programme, days), days)
    assert mine.breaks == principal_breaks(with_programme(PROBLEM, programme), 0, busy)


@settings(max_examples=200, deadline=None)
@given(calendars(), st.integers(1, 4))
def test_break_deltas_predict_the_change_of_every_free_start(
    calendar: tuple[int, int], length: int
) -> None:
    busy, programme = calendar
    problem = with_programme(PROBLEM, programme)
    days = DayMasks.of(problem.grid)
    mine = Calendar()
    mine.update(busy, Transparent.of(programme, days), days)
    fewer, more = mine.break_deltas(length, days)
    before = principal_breaks(problem, 0, busy)
    for start in range(N_SLOTS - length + 1):
        occupied = run_mask(start, length)
        same_day = problem.grid.day_of(start) == problem.grid.day_of(start + length - 1)
        if occupied & (busy | programme) or not same_day:
            continue
        expected = principal_breaks(problem, 0, busy | occupied) - before
        predicted = -((fewer >> start) & 1) + ((more >> start) & 1)
        assert predicted == expected, start


@settings(max_examples=100, deadline=None)
@given(
    calendars(),
    st.lists(st.integers(0, 40), min_size=1, max_size=60),
    st.lists(st.integers(1, 4), min_size=60, max_size=60),
)
def test_a_calendar_that_remembers_holds_what_one_that_works_it_out_holds(
    calendar: tuple[int, int], picks: list[int], lengths: list[int]
) -> None:
    # Busy masks taken again and again, more of them than the memo keeps (it forgets them all);
    # the break deltas asked twice for each, as the on-site search asks them again: what the
    # calendar kept of its last answer never outlives its busy slots.
    busy, programme = calendar
    days = DayMasks.of(PROBLEM.grid)
    transparent = Transparent.of(programme, days)
    masks = [busy >> shift & ~programme for shift in range(41)]
    remembers = Calendar(memo={})
    for pick, length in zip(picks, lengths, strict=False):
        remembers.update(masks[pick], transparent, days)
        fresh = Calendar()
        fresh.update(masks[pick], transparent, days)

        assert remembers.memo is not None
        assert len(remembers.memo) <= MEMO_SIZE
        assert remembers == fresh
        assert remembers.break_deltas(length, days) == fresh.break_deltas(length, days)
        assert remembers.break_deltas(length, days) == fresh.break_deltas(length, days)
