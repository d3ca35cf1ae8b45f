"""An upper bound on the weight any schedule can reach, from a linear relaxation.

Events too large for CP-SAT still deserve an honest "how far from the best can this be". The LP
below relaxes the schedule to fractions of meetings per day-part: ``y[m, r]`` is how much of
meeting ``m`` starts in day-part ``r`` (a morning or an afternoon), ``sum_r y[m, r] <= 1``, and
``= 1`` for required and locked meetings. What it keeps of the hard rules:

- per principal and day-part, and per principal and day: the meetings' slots fit in the slots
  where the principal can meet them (present, not forbidden, not in the programme, within the
  meetings' windows), and their number fits in those runs of free slots (a 30-minute meeting
  cannot use a 20-minute gap);
- per set of space classes and day: the meetings that can use only those classes fit in their
  open hours, turnover included;
- per party and day, the room policy's cap on bookings in the organiser's rooms.

Breaks are bounded by 0: a relaxation that knows nothing of order cannot say more. GLOP solves
it; the bound is the LP optimum rounded down, weights being whole numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from sidelines.scheduling.problem import Problem
from sidelines.scheduling.result import Bound
from sidelines.scheduling.rules.placement import allowed_starts, possible_starts
from sidelines.scheduling.slots import run_mask

LP_TIME_LIMIT_MS = 60_000
# GLOP's optimum is exact to about 1e-7 relative; the margin keeps a true 41.9999999 at 41.
ROUNDING_MARGIN = 1e-5
# How ``Bound.kind`` names this bound (``lp_bound.py`` has the tighter one).
RELAXED_KIND = "relaxed (half-days, space per day)"

Options = Sequence[tuple[int, int]]  # (space class, allowed starts), CORRIDOR = -1


@dataclass(frozen=True, slots=True)
class BoundResult:
    """The bound, or ``infeasible`` when even the relaxation cannot hold every required and
    locked meeting (which proves the problem infeasible)."""

    bound: Bound | None
    infeasible: bool = False
    reason: str = ""


def upper_bound(problem: Problem, options: Sequence[Options] | None = None) -> BoundResult:
    """The LP bound. ``options`` are the meetings' placement masks per space class when the
    caller has them (the heuristic does); otherwise they are computed from the rules."""
    if options is None:
        options = _placement_options(problem)
    return _Relaxation(problem, options).solve()


def _placement_options(problem: Problem) -> list[list[tuple[int, int]]]:
    result: list[list[tuple[int, int]]] = []
    for meeting_idx, meeting in enumerate(problem.meetings):
        if not meeting.needs_space:
            starts = possible_starts(problem, meeting_idx, None)
            result.append([(-1, starts)] if starts else [])
            continue
        per_class = []
        for space_class in problem.space_classes:
            starts = allowed_starts(problem, meeting_idx, space_class.spaces[0])
            if starts:
                per_class.append((space_class.index, starts))
        result.append(per_class)
    return result


def _occupancy(starts: int, length: int) -> int:
    occupied = starts
    for offset in range(1, length):
        occupied |= starts << offset
    return occupied


def _runs(mask: int) -> list[int]:
    """Lengths of the maximal runs of set bits."""
    lengths: list[int] = []
    while mask:
        low = mask & -mask
        start = low.bit_length() - 1
        run = ((mask >> start) + 1) & ~(mask >> start)  # the first unset bit above the run
        length = run.bit_length() - 1
        lengths.append(length)
        mask &= ~run_mask(start, length)
    return lengths


class _Relaxation:
    def __init__(self, problem: Problem, options: Sequence[Options]) -> None:
        self.problem = problem
        self.options = options
        grid = problem.grid
        # Day-parts: each day's morning and afternoon, by start slot.
        self.parts: list[tuple[int, int]] = []  # (day index, mask)
        for day in grid.days:
            for first, end in (
                (day.first_slot, day.afternoon_slot),
                (day.afternoon_slot, day.end_slot),
            ):
                if end > first:
                    self.parts.append((day.index, run_mask(first, end - first)))
        # Imported here: loading OR-Tools takes a noticeable part of a second, which a solve
        # should not pay before its first schedule.
        from ortools.linear_solver import pywraplp

        self.pywraplp = pywraplp
        self.solver = pywraplp.Solver.CreateSolver("GLOP")

    def solve(self) -> BoundResult:
        problem = self.problem
        solver = self.solver
        # variables[m] = [(part index, variable, starts in that part)]
        variables: list[list[tuple[int, object, int]]] = []
        objective = solver.Objective()
        for meeting_idx, meeting in enumerate(problem.meetings):
            anywhere = 0
            for _, starts in self.options[meeting_idx]:
                anywhere |= starts
            own: list[tuple[int, object, int]] = []
            for part_idx, (_, mask) in enumerate(self.parts):
                starts = anywhere & mask
                if starts:
                    variable = solver.NumVar(0.0, 1.0, "")
                    objective.SetCoefficient(variable, meeting.weight)
                    own.append((part_idx, variable, starts))
            if meeting.locked_start is not None:
                locked_part = [v for p, v, s in own if (s >> meeting.locked_start) & 1]
                if not locked_part:
                    return BoundResult(
                        None, True, f"{meeting.label} cannot be held where it is locked"
                    )
                locked_part[0].SetLb(1.0)  # type: ignore[attr-defined]
            if meeting.required or meeting.locked:
                if not own:
                    return BoundResult(None, True, f"{meeting.label} is required but has no place")
                row = solver.Constraint(1.0, 1.0)
            else:
                row = solver.Constraint(0.0, 1.0) if len(own) > 1 else None
            if row is not None:
                for _, variable, _ in own:
                    row.SetCoefficient(variable, 1.0)
            variables.append(own)
        objective.SetMaximization()
        self._principal_rows(variables)
        self._space_rows(variables)
        self._policy_rows(variables)
        solver.SetTimeLimit(LP_TIME_LIMIT_MS)
        status = solver.Solve()
        pywraplp = self.pywraplp
        if status == pywraplp.Solver.INFEASIBLE:
            return BoundResult(
                None, True, "the required and locked meetings exceed the time or rooms available"
            )
        if status != pywraplp.Solver.OPTIMAL:
            return BoundResult(None, False, "the LP relaxation was not solved to optimality")
        value = objective.Value()
        return BoundResult(Bound(math.floor(value + ROUNDING_MARGIN), 0, RELAXED_KIND))

    def _principal_rows(self, variables: list[list[tuple[int, object, int]]]) -> None:
        problem = self.problem
        for principal_meetings in problem.principal_meetings:
            per_part: dict[int, list[tuple[int, object, int]]] = {}
            for meeting_idx in principal_meetings:
                length = problem.meetings[meeting_idx].duration_slots
                for part_idx, variable, starts in variables[meeting_idx]:
                    per_part.setdefault(part_idx, []).append((length, variable, starts))
            per_day: dict[int, list[list[tuple[int, object, int]]]] = {}
            for part_idx, terms in per_part.items():
                per_day.setdefault(self.parts[part_idx][0], []).append(terms)
                self._fit_rows(terms)
            # A day's two parts share the slots around noon; the day as a whole counts them once.
            for parts in per_day.values():
                if len(parts) > 1:
                    self._fit_rows([term for terms in parts for term in terms])

    def _fit_rows(self, terms: list[tuple[int, object, int]]) -> None:
        """Meetings of one principal in one span: their slots, and their number, fit."""
        usable = 0
        total = 0
        shortest = None
        for length, _, starts in terms:
            usable |= _occupancy(starts, length)
            total += length
            shortest = length if shortest is None else min(shortest, length)
        assert shortest is not None
        capacity = usable.bit_count()
        if total > capacity:
            row = self.solver.Constraint(0.0, float(capacity))
            for length, variable, _ in terms:
                row.SetCoefficient(variable, float(length))
        most = sum(run // shortest for run in _runs(usable))
        if len(terms) > most:
            row = self.solver.Constraint(0.0, float(most))
            for _, variable, _ in terms:
                row.SetCoefficient(variable, 1.0)

    def _space_rows(self, variables: list[list[tuple[int, object, int]]]) -> None:
        problem = self.problem
        classes = problem.space_classes
        # Meetings grouped by the set of classes they can use, per day.
        groups: dict[frozenset[int], dict[int, list[tuple[int, object]]]] = {}
        for meeting_idx, meeting in enumerate(problem.meetings):
            if not meeting.needs_space or not variables[meeting_idx]:
                continue
            usable = frozenset(c for c, _ in self.options[meeting_idx])
            by_day = groups.setdefault(usable, {})
            for part_idx, variable, _ in variables[meeting_idx]:
                by_day.setdefault(self.parts[part_idx][0], []).append(
                    (meeting.duration_slots, variable)
                )
        days = problem.grid.days
        for class_set in groups:
            members = [meetings for other, meetings in groups.items() if other <= class_set]
            turnover = min(problem.spaces[classes[c].spaces[0]].turnover_slots for c in class_set)
            for day in days:
                day_mask = run_mask(day.first_slot, day.end_slot - day.first_slot)
                capacity = 0
                for class_idx in class_set:
                    space = problem.spaces[classes[class_idx].spaces[0]]
                    open_today = space.open & day_mask
                    runs = _runs(open_today)
                    capacity += classes[class_idx].size * (
                        open_today.bit_count() + space.turnover_slots * len(runs)
                    )
                terms = [term for by_day in members for term in by_day.get(day.index, [])]
                if sum(length + turnover for length, _ in terms) <= capacity:
                    continue
                row = self.solver.Constraint(0.0, float(capacity))
                for length, variable in terms:
                    row.SetCoefficient(variable, float(length + turnover))

    def _policy_rows(self, variables: list[list[tuple[int, object, int]]]) -> None:
        problem = self.problem
        cap = problem.max_bookings_per_party_per_day
        if cap is None:
            return
        classes = problem.space_classes
        organiser = [problem.spaces[c.spaces[0]].organiser_run for c in classes]
        per_party_day: dict[tuple[str, int], list[object]] = {}
        for meeting_idx, meeting in enumerate(problem.meetings):
            if not meeting.needs_space or not self.options[meeting_idx]:
                continue
            if not all(organiser[c] for c, _ in self.options[meeting_idx]):
                continue
            for part_idx, variable, _ in variables[meeting_idx]:
                for party in meeting.parties:
                    per_party_day.setdefault((party, self.parts[part_idx][0]), []).append(variable)
        for terms in per_party_day.values():
            if len(terms) > cap:
                row = self.solver.Constraint(0.0, float(cap))
                for variable in terms:
                    row.SetCoefficient(variable, 1.0)


__all__ = ["RELAXED_KIND", "BoundResult", "upper_bound"]
