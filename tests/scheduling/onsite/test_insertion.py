"""The insertion's steps: undoing a search's moves (the pairs that cancel out are not undone),
the order of the starts it tries, and the polish's result on a small board."""

from __future__ import annotations

import copy
import random
import time
from datetime import timedelta
from typing import Any

import pytest

from sidelines.domain.ids import MeetingId, SpaceId
from sidelines.scheduling import build_problem, validate
from sidelines.scheduling.baselines import first_come_first_served
from sidelines.scheduling.generator import GeneratorSpec, generate_event
from sidelines.scheduling.heuristic.state import State
from sidelines.scheduling.onsite import NewMeeting, OnsiteOptions, OnsiteResult, replan
from sidelines.scheduling.onsite import insertion as insertion_module
from sidelines.scheduling.onsite.board import Board
from sidelines.scheduling.onsite.insertion import (
    Insertion,
    cancelled,
    first_ranked,
    ranked_starts,
    undo_to,
)
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.schedule import Assignment
from sidelines.scheduling.slots import run_mask
from tests.builders import DAY, event, meeting, table


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


def test_ranked_starts_from_an_anchor_go_nearest_first_on_its_day_then_on_the_others() -> None:
    problem = build_problem(
        event(
            ["A", "B"],
            [meeting("AB", "A", "B")],
            spaces=[table("T1")],
            days=(DAY, DAY + timedelta(days=1)),
        )
    )
    state = State(problem)
    first, _ = state.day_bounds[1]
    anchor = first + 3
    mask = run_mask(0, state.n_slots) & ~(1 << (anchor + 1))

    ranked = list(ranked_starts(state, 0, mask, anchor))

    # No meeting placed: every start adds the same (no) breaks, one level, sorted as the
    # search always has: its own day first, then the nearest, the earlier of two as near.
    expected = sorted(
        range(state.n_slots),
        key=lambda start: (state.day_of_slot[start] != 1, abs(start - anchor), start),
    )
    expected.remove(anchor + 1)
    assert ranked == expected
    assert ranked[:4] == [anchor, anchor - 1, anchor - 2, anchor + 2]


def test_the_polish_closes_the_gap_a_new_meeting_leaves_by_moving_a_published_one() -> None:
    # A meets B at 09:00 and C at 11:00 (a break in between); AD fits best right after AB,
    # and moving AC to 10:00 then closes A's gap: the polish's result, pinned.
    problem = build_problem(
        event(
            ["A", "B", "C", "D"],
            [meeting("AB", "A", "B"), meeting("AC", "A", "C"), meeting("AD", "A", "D")],
            spaces=[table("T1")],
        )
    )
    published = {
        MeetingId("AB"): Assignment(0, SpaceId("T1")),
        MeetingId("AC"): Assignment(4, SpaceId("T1")),
    }
    board = Board(problem, published, now=None, freeze_window_min=0, targets=[MeetingId("AD")])
    state = board.state
    assert state.total_breaks == 1
    state.begin()
    insertion = Insertion(board, time.perf_counter() + 60.0, max_moves=2, break_moves=2)

    assert insertion.place_fewest_breaks(problem.meeting_index[MeetingId("AD")])

    assert state.total_breaks == 0
    assert {problem.meetings[idx].id: state.start[idx] for idx in range(3)} == {
        MeetingId("AB"): 0,
        MeetingId("AC"): 2,
        MeetingId("AD"): 1,
    }


def test_with_no_break_anywhere_the_meeting_is_placed_without_the_polish(
    monkeypatch: Any,
) -> None:
    problem = build_problem(
        event(
            ["A", "B", "D"],
            [meeting("AB", "A", "B"), meeting("AD", "A", "D")],
            spaces=[table("T1")],
        )
    )
    published = {MeetingId("AB"): Assignment(0, SpaceId("T1"))}
    board = Board(problem, published, now=None, freeze_window_min=0, targets=[MeetingId("AD")])
    board.state.begin()
    insertion = Insertion(board, time.perf_counter() + 60.0, max_moves=2, break_moves=2)

    def fail(*_: Any, **__: Any) -> int:
        raise AssertionError("the polish ran with no break to close")

    monkeypatch.setattr(Insertion, "close_gaps", fail)

    assert insertion.place_fewest_breaks(problem.meeting_index[MeetingId("AD")])
    assert board.state.start[problem.meeting_index[MeetingId("AD")]] == 1
    assert board.state.total_breaks == 0


def _fair(seed: int) -> tuple[Problem, dict[MeetingId, Assignment], list[MeetingId]]:
    """A generated fair with programme sessions, scheduled first come first served: half of
    what it placed published, the two-principal meetings of the other half to insert."""
    spec = GeneratorSpec(principals=40, requests=320, spaces=8, days=2)
    problem = build_problem(generate_event(spec, seed))
    placed = first_come_first_served(problem)
    held = sorted(placed)
    random.Random(seed).shuffle(held)
    published = {m: placed[m] for m in held[: len(held) // 2]}
    later = [
        m
        for m in held[len(held) // 2 :]
        if len(problem.meetings[problem.meeting_index[m]].principals) == 2
        and not problem.meetings[problem.meeting_index[m]].locked
    ]
    return problem, published, later[:25]


def _insert_all(
    problem: Problem, published: dict[MeetingId, Assignment], later: list[MeetingId]
) -> list[OnsiteResult]:
    """Each of ``later`` placed in turn, on the schedule the last left; the search's time
    limit far past what it needs, so that only its steps bound it."""
    options = OnsiteOptions(time_limit_s=600.0)
    results = []
    schedule = published
    for meeting_id in later:
        result = replan(problem, schedule, NewMeeting(meeting_id), options)
        results.append(result)
        schedule = dict(result.schedule)
    return results


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_first_ranked_is_the_first_start_ranked_wherever_it_answers(seed: int) -> None:
    problem, published, later = _fair(seed)
    board = Board(problem, published, now=None, freeze_window_min=0, targets=later)
    state = board.state
    state.begin()
    rng = random.Random(seed)
    asked = answered = 0
    for meeting_id in later:
        meeting_idx = problem.meeting_index[meeting_id]
        # Every placed meeting of the new one's principals taken out in turn, as the polish
        # does, and the new one itself, from where they were and from nowhere.
        others = set().union(
            *(state.principal_meetings[p] for p in problem.meetings[meeting_idx].principals)
        )
        for idx in sorted(others) or [meeting_idx]:
            origin = state.start[idx]
            if origin >= 0:
                space_idx = state.space[idx]
                state.unplace(idx)
            union = 0
            for option in state.options(idx):
                union |= option.starts
            for mask in (union, union & rng.getrandbits(state.n_slots)):
                for anchor in (None, origin if origin >= 0 else None, rng.randrange(state.n_slots)):
                    found = first_ranked(state, idx, mask, anchor)
                    ranked = next(ranked_starts(state, idx, mask, anchor), None)
                    asked += 1
                    if found is not None:
                        answered += 1
                        assert found == ranked
            if origin >= 0:
                state.place(idx, origin, space_idx)
        Insertion(board, time.perf_counter() + 600.0).place(meeting_idx)

    # It answers for about half of these (more of the polish's own asks): taken, not only
    # sound.
    assert answered > asked / 3


@pytest.mark.parametrize("seed", [1, 2])
def test_the_search_decides_as_the_full_ranking_does_on_a_sequence_of_insertions(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    problem, published, later = _fair(seed)

    quick = _insert_all(problem, published, later)
    calls = {"first_ranked": 0}

    def rank_all(*_: Any) -> None:
        calls["first_ranked"] += 1
        return None  # The shortcut never answers: every start ranked, as before it.

    monkeypatch.setattr(insertion_module, "first_ranked", rank_all)
    ranked = _insert_all(problem, published, later)

    assert calls["first_ranked"] > 0
    assert [(r.placed, r.moved, r.unplaced, r.schedule) for r in quick] == [
        (r.placed, r.moved, r.unplaced, r.schedule) for r in ranked
    ]
    # The polish moved published meetings, so the comparison covers its moves too.
    assert sum(len(r.moved) for r in quick) > 0
    assert all(validate(problem, r.schedule) == [] for r in quick)
