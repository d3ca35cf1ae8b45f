"""From space classes to concrete spaces.

Solvers decide only how many meetings each class of interchangeable spaces holds at a time. Any
set of intervals that never needs more than k spaces at once can be given k spaces (interval
graphs are perfect), and the greedy "earliest start first, any free space" colouring finds such an
assignment. A meeting holds its space for its duration plus the space's turnover buffer, and
after a meeting with the press in, the press-out buffer.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass

from sidelines.domain.ids import MeetingId
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.rules.placement import contact_at
from sidelines.scheduling.schedule import Assignment


@dataclass(frozen=True, slots=True)
class ClassChoice:
    """A placed meeting with the class of space it was given (``None``: held in no space)."""

    meeting_idx: int
    start_slot: int
    class_idx: int | None


class SpacesExhausted(RuntimeError):
    """More meetings hold a class at once than it has spaces: the choices broke the class count
    that every strategy must keep, which is a bug in that strategy."""


def assign_spaces(problem: Problem, choices: Iterable[ClassChoice]) -> dict[MeetingId, Assignment]:
    """Give every placed meeting a concrete space of its class, lowest-numbered free space first
    so that the same choices always give the same schedule."""
    schedule: dict[MeetingId, Assignment] = {}
    by_class: dict[int, list[ClassChoice]] = {}
    for choice in choices:
        meeting = problem.meetings[choice.meeting_idx]
        if choice.class_idx is None:
            at_session = contact_at(problem, choice.meeting_idx, choice.start_slot)
            schedule[meeting.id] = Assignment(choice.start_slot, at_session=at_session)
        else:
            by_class.setdefault(choice.class_idx, []).append(choice)
    for class_idx, members in sorted(by_class.items()):
        space_class = problem.space_classes[class_idx]
        turnover = problem.spaces[space_class.spaces[0]].turnover_slots
        free = list(space_class.spaces)  # a heap of space indices
        heapq.heapify(free)
        taken: list[tuple[int, int]] = []  # a heap of (free again from slot, space index)
        for choice in sorted(members, key=lambda c: (c.start_slot, c.meeting_idx)):
            while taken and taken[0][0] <= choice.start_slot:
                heapq.heappush(free, heapq.heappop(taken)[1])
            if not free:
                raise SpacesExhausted(
                    f"no space of class {class_idx} is free at slot {choice.start_slot}"
                )
            space_idx = heapq.heappop(free)
            meeting = problem.meetings[choice.meeting_idx]
            free_from = (
                choice.start_slot + meeting.duration_slots + turnover + meeting.press_buffer_slots
            )
            heapq.heappush(taken, (free_from, space_idx))
            schedule[meeting.id] = Assignment(choice.start_slot, problem.spaces[space_idx].id)
    return schedule


__all__ = ["ClassChoice", "SpacesExhausted", "assign_spaces"]
