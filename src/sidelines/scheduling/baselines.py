"""Baselines to measure the engine against.

``first_come_first_served`` is what self-booking matchmaking tools do: each request, in the order
it arrived, takes the earliest time both sides are free, in the first free space. It keeps every
hard rule (it is a baseline, not a cheat): it reads the same incremental state as the heuristic,
so it never double-books, walks too fast, breaks the room policy or the fairness bound. Locked
meetings go in first, where they are locked, and required ones before the rest, as an organiser
pre-books them before opening self-booking; if one of those finds no place it is left out and
the schedule is not valid, which the validator will say.
"""

from __future__ import annotations

from sidelines.domain.ids import MeetingId
from sidelines.scheduling.heuristic.construct import place_locked
from sidelines.scheduling.heuristic.state import CORRIDOR, State
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.schedule import Assignment


def first_come_first_served(problem: Problem) -> dict[MeetingId, Assignment]:
    state = State(problem)
    meetings = problem.meetings
    locked = [idx for idx, meeting in enumerate(meetings) if meeting.locked]
    required = [idx for idx, m in enumerate(meetings) if m.required and not m.locked]
    rest = [idx for idx, m in enumerate(meetings) if not m.required and not m.locked]
    for meeting_idx in locked:
        place_locked(state, meeting_idx)
    for meeting_idx in required + rest:
        placement = _earliest(state, meeting_idx)
        if placement is not None:
            state.place(meeting_idx, *placement)
    return state.schedule()


def _earliest(state: State, meeting_idx: int) -> tuple[int, int | None] | None:
    """The earliest start with a free space, and the free space with the lowest index."""
    candidates = [(option.space_class, option.starts) for option in state.options(meeting_idx)]
    while candidates:
        start = min((starts & -starts).bit_length() - 1 for _, starts in candidates)
        spaces: list[int] = []
        for class_idx, starts in candidates:
            if not (starts >> start) & 1:
                continue
            if class_idx == CORRIDOR:
                return start, None
            space_idx = state.free_space(meeting_idx, class_idx, start, best_fit=False)
            if space_idx is not None:
                spaces.append(space_idx)
        if spaces:
            return start, min(spaces)
        # Every slot has a free space, but none is free throughout: try the next start.
        later = ~(1 << start)
        candidates = [(c, starts & later) for c, starts in candidates if starts & later]
    return None


__all__ = ["first_come_first_served"]
