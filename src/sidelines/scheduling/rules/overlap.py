"""Rules between meetings that share a principal or a space.

DESIGN.md §5: a principal attends at most one meeting at a time and needs the walking time between
two consecutive meetings in different spaces; a space holds at most one meeting at a time, with its
turnover buffer between meetings.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from sidelines.scheduling.problem import Problem
from sidelines.scheduling.rules.base import Placed, Rule, Violation, when


def _by_principal(problem: Problem, placed: list[Placed]) -> dict[int, list[Placed]]:
    groups: dict[int, list[Placed]] = {}
    for item in placed:
        for principal_idx in problem.meetings[item.meeting_idx].principals:
            groups.setdefault(principal_idx, []).append(item)
    for items in groups.values():
        items.sort(key=lambda item: (item.start, item.meeting_idx))
    return groups


class PrincipalNotDoubleBooked(Rule):
    name = "principal_not_double_booked"
    label = "a principal attends at most one meeting at a time"

    def check(self, problem: Problem, placed: list[Placed]) -> Iterator[Violation]:
        for principal_idx, items in sorted(_by_principal(problem, placed).items()):
            principal = problem.principals[principal_idx]
            latest = items[0] if items else None
            for item in items[1:]:
                assert latest is not None
                if item.start < latest.end(problem):
                    first = problem.meetings[latest.meeting_idx]
                    second = problem.meetings[item.meeting_idx]
                    yield Violation(
                        self.name,
                        f"{principal.label} double-booked at {problem.describe_slot(item.start)}: "
                        f"{first.label} ({when(problem, latest)}) and "
                        f"{second.label} ({when(problem, item)})",
                        (first.id, second.id),
                    )
                if item.end(problem) > latest.end(problem):
                    latest = item


class WalkingTimeRespected(Rule):
    name = "walking_time_respected"
    label = "a principal has the walking time between consecutive meetings in different places"

    def check(self, problem: Problem, placed: list[Placed]) -> Iterator[Violation]:
        if not problem.has_walking:
            return
        for principal_idx, items in sorted(_by_principal(problem, placed).items()):
            for before, after in itertools.pairwise(items):
                walk = problem.walking(before.space_idx, after.space_idx)
                gap = after.start - before.end(problem)
                if walk and 0 <= gap < walk:
                    assert before.space_idx is not None
                    assert after.space_idx is not None
                    yield Violation(
                        self.name,
                        f"{problem.principals[principal_idx].label} cannot walk from "
                        f"{problem.spaces[before.space_idx].label} to "
                        f"{problem.spaces[after.space_idx].label} in time: "
                        f"{gap * problem.grid.grain_min} min between "
                        f"{problem.meetings[before.meeting_idx].label} and "
                        f"{problem.meetings[after.meeting_idx].label}, "
                        f"{walk * problem.grid.grain_min} min needed",
                        (
                            problem.meetings[before.meeting_idx].id,
                            problem.meetings[after.meeting_idx].id,
                        ),
                    )


class SpaceNotDoubleBooked(Rule):
    name = "space_not_double_booked"
    label = "a space holds one meeting at a time, with its turnover buffer between meetings"

    def check(self, problem: Problem, placed: list[Placed]) -> Iterator[Violation]:
        groups: dict[int, list[Placed]] = {}
        for item in placed:
            if item.space_idx is not None:
                groups.setdefault(item.space_idx, []).append(item)
        for space_idx, items in sorted(groups.items()):
            space = problem.spaces[space_idx]
            items.sort(key=lambda item: (item.start, item.meeting_idx))
            # Compare each meeting with the one that keeps the space busy longest so far, so a
            # short meeting nested in a long one does not hide a third overlapping the long one.
            holder = items[0]
            for item in items[1:]:
                free_from = holder.end(problem) + space.turnover_slots
                if item.start < free_from:
                    first = problem.meetings[holder.meeting_idx]
                    second = problem.meetings[item.meeting_idx]
                    buffer = (
                        f" (turnover {space.turnover_slots * problem.grid.grain_min} min)"
                        if item.start >= holder.end(problem)
                        else ""
                    )
                    yield Violation(
                        self.name,
                        f"{space.label} double-booked{buffer}: {first.label} "
                        f"({when(problem, holder)}) and {second.label} ({when(problem, item)})",
                        (first.id, second.id),
                    )
                if item.end(problem) > holder.end(problem):
                    holder = item


OVERLAP_RULES: tuple[Rule, ...] = (
    PrincipalNotDoubleBooked(),
    SpaceNotDoubleBooked(),
    WalkingTimeRespected(),
)
