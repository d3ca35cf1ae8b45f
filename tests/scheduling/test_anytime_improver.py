"""The heuristic beside MaxSAT (``anytime.Improver``): a complete valid schedule early, only
ever better ones after, and a better schedule found elsewhere taken up."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import replace
from itertools import pairwise

import pytest

from sidelines.domain import Event
from sidelines.scheduling import Progress, SolveOptions, Strategy, build_problem, solve, validate
from sidelines.scheduling.anytime import (
    SHARE_COMPLETING,
    SHARE_KEMPE,
    SHARE_STALLED,
    SHORT_SOLVE_S,
    Improver,
)
from sidelines.scheduling.heuristic.kempe import STALL_MOVES
from sidelines.scheduling.spaces import ClassChoice
from tests.builders import event
from tests.builders import meeting as a_meeting
from tests.scheduling.test_anytime_breaks import round_robin


def test_it_holds_a_complete_valid_schedule_after_construction_and_steps() -> None:
    problem = build_problem(round_robin())
    improver = Improver(problem, SolveOptions(), time.monotonic())
    for _ in range(20):
        if improver.complete():
            break
        share = improver.step(time.monotonic() + 0.05)
        # Once complete, the Kempe-chain search works on the breaks (or stops at none).
        assert share in ((SHARE_KEMPE, 0.0) if improver.complete() else (SHARE_COMPLETING,))

    result = improver.result()

    assert result is not None
    assert result.objective is not None
    assert len(result.schedule) == len(problem.meetings)
    assert validate(problem, result.schedule) == []
    assert improver.best_breaks() == result.objective.breaks


def test_its_reports_only_improve() -> None:
    problem = build_problem(round_robin())
    seen: list[Progress] = []
    improver = Improver(problem, SolveOptions(on_progress=seen.append), time.monotonic())
    until = time.monotonic() + 1.0
    while time.monotonic() < until and improver.step(time.monotonic() + 0.05) > 0:
        pass

    keys = [p.objective.key() for p in seen if p.objective is not None]
    assert keys
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)
    assert all(p.objective and p.objective.meetings_scheduled == 12 for p in seen)


def test_a_better_schedule_offered_is_taken_up_and_a_worse_one_is_not() -> None:
    problem = build_problem(round_robin())
    # The optimum, from MaxSAT alone, offered as a search would offer it.
    exact = solve(problem, SolveOptions(strategy=Strategy.CPSAT, time_limit_s=10.0, workers=2))
    assert exact.objective is not None
    choices = []
    for meeting_idx, meeting in enumerate(problem.meetings):
        assignment = exact.schedule[meeting.id]
        space_idx = problem.space_index[assignment.space] if assignment.space else None
        class_idx = None if space_idx is None else problem.class_of_space[space_idx]
        choices.append(ClassChoice(meeting_idx, assignment.start_slot, class_idx))
    improver = Improver(problem, SolveOptions(), time.monotonic())

    improver.offer(choices, exact.objective)
    worse = replace(exact.objective, breaks=exact.objective.breaks + 5)
    improver.offer(choices[:1], worse)

    assert improver.best_breaks() == exact.objective.breaks
    assert validate(problem, improver.schedule()) == []
    assert len(improver.schedule()) == len(problem.meetings)


def test_a_break_problem_reports_one_monotone_series_from_every_part() -> None:
    problem = build_problem(round_robin())
    seen: list[Progress] = []
    options = SolveOptions(
        strategy=Strategy.MAXSAT, time_limit_s=5.0, workers=2, on_progress=seen.append
    )

    result = solve(problem, options)

    assert seen
    assert all(a.elapsed_s <= b.elapsed_s for a, b in pairwise(seen))
    breaks = [p.objective.breaks for p in seen if p.objective is not None]
    assert breaks == sorted(breaks, reverse=True)
    assert {p.found_by for p in seen} <= {"heuristic", "maxsat", "cpsat"}
    bounds = [p.bound.breaks for p in seen if p.bound is not None]
    assert bounds == sorted(bounds)
    assert result.objective is not None
    assert result.objective.breaks <= breaks[-1]
    assert validate(problem, result.schedule) == []


def a_forced_break() -> Event:
    """Four companies in a cycle of four meetings at one table in four slots: one of them
    waits between its two meetings (two meetings in a row share at most one company)."""
    return event(
        ["A", "B", "C", "D"],
        [a_meeting(f"{a}{b}", a, b, required=True) for a, b in ("AB", "BC", "CD", "DA")],
        day_end=dt.time(11, 0),
    )


@pytest.mark.parametrize(("limit_s", "stalled_share"), [(10.0, 1.0), (60.0, SHARE_STALLED)])
def test_in_a_short_solve_the_kempe_search_keeps_the_time_once_stalled(
    limit_s: float, stalled_share: float
) -> None:
    improver = Improver(
        build_problem(a_forced_break()), SolveOptions(time_limit_s=limit_s), time.monotonic()
    )
    while not improver.complete():
        improver.step(time.monotonic() + 0.05)
    kempe = improver.kempe
    assert kempe is not None
    improver.step(time.monotonic() + 0.05)
    assert improver.best_breaks() == 1

    kempe.last_gain = kempe.moves - STALL_MOVES  # no better schedule for that many moves

    assert improver.short is (limit_s < SHORT_SOLVE_S)
    assert improver.step(time.monotonic() + 0.01) == stalled_share
