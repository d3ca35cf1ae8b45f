"""Breaks and the lexicographic objective in the CP-SAT model.

Breaks are counted exactly as ``sidelines.scheduling.objective`` counts them: per principal and
day, the day's slots with the principal's programme sessions removed are read in order, and
breaks = blocks - 1 on days with a meeting (Bofill et al., JAIR 74 (2022), Definition 2.3). Both
directions of every equivalence are posted: the fairness rule bounds max - min breaks, and a
one-sided encoding would let the solver inflate some principal's breaks to meet it.

The three terms (weight scheduled, breaks, preferences met) go into one weighted sum whose
multipliers are large enough that no amount of a later term can pay for one unit of an earlier one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ortools.sat.python import cp_model

from sidelines.scheduling.cpsat.variables import Literal, ModelVariables
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.result import Bound
from sidelines.scheduling.slots import run_mask


def define_breaks(model: cp_model.CpModel, variables: ModelVariables, problem: Problem) -> None:
    """Create ``block_start``, ``active`` and ``breaks`` and tie them to ``busy``: a block
    starts at a busy kept slot after an idle one, a day is active when some slot is busy, and
    breaks = block starts - active days. (Counting "block starts after an earlier busy slot"
    directly, as the MaxSAT encoding does, measured no better here.)"""
    for principal_idx, meetings in enumerate(problem.principal_meetings):
        if len(meetings) < 2:
            continue
        programme = problem.principals[principal_idx].programme
        block_starts: list[Literal] = []
        actives: list[Literal] = []
        for day in problem.grid.days:
            previous: Literal | None = None  # None: the previous kept slot is surely idle
            day_busy: list[Literal] = []
            for slot in day.slots:
                if programme >> slot & 1:
                    continue
                busy = variables.busy.get((principal_idx, slot))
                if busy is None:
                    previous = None
                    continue
                day_busy.append(busy)
                if previous is None:
                    block_start = busy
                else:
                    block_start = model.new_bool_var(f"block_start[{principal_idx},{slot}]")
                    model.add_implication(block_start, busy)
                    model.add_implication(block_start, previous.Not())
                    model.add_bool_or([block_start, busy.Not(), previous])
                block_starts.append(block_start)
                previous = busy
            if not day_busy:
                continue
            active = model.new_bool_var(f"active[{principal_idx},{day.index}]")
            for busy in day_busy:
                model.add_implication(busy, active)
            model.add_bool_or(day_busy).only_enforce_if(active)
            actives.append(active)
        ceiling = min(max(0, len(block_starts) - 1), len(meetings) - 1)
        breaks = model.new_int_var(0, ceiling, f"breaks[{principal_idx}]")
        model.add(
            breaks == cp_model.LinearExpr.sum(block_starts) - cp_model.LinearExpr.sum(actives)
        )
        variables.breaks[principal_idx] = breaks
        variables.breaks_ceiling[principal_idx] = ceiling


# CP-SAT reports its objective's bound as a double: past 2**53 the weighted sum's terms can no
# longer be read back from it exactly (and past 2**63 CP-SAT refuses the model).
MAX_OBJECTIVE = 2**53


class ObjectiveTooLarge(ValueError):
    """The weighted sum of a problem's objective does not fit CP-SAT's exact range."""


@dataclass(frozen=True, slots=True)
class Weights:
    """Multipliers of the weighted sum:
    ``weight * scheduled - moves_unit * moves - breaks_unit * breaks + prefs``; moves enter only
    a minimal re-solve (``max_moves`` 0 otherwise)."""

    weight: int
    breaks_unit: int
    max_breaks: int
    max_preferences: int
    moves_unit: int = 0
    max_moves: int = 0
    total_weight: int | None = None  # of every meeting: no schedule weighs more

    def bound(self, best_bound: float) -> Bound:
        """Turn the solver's bound on the weighted sum into a ``Bound`` term by term.

        Every schedule has ``W * weight - M * moves_unit - B * breaks_unit + P <= best_bound``
        with ``M <= max_moves``, ``B <= max_breaks`` and ``P >= 0``, so ``W <= (best_bound +
        max_moves * moves_unit + max_breaks * breaks_unit) / weight``, and at that weight
        ``B >= (W * weight - max_moves * moves_unit - best_bound) / breaks_unit``. Early in a
        search the solver's bound can claim more weight than all meetings have: ``W`` is
        then their total weight.
        """
        # The objective is integral; the tolerance absorbs the bound's floating-point noise.
        ceiling = math.floor(best_bound + 1e-6)
        slack = self.max_moves * self.moves_unit
        weight = (ceiling + slack + self.max_breaks * self.breaks_unit) // self.weight
        if self.total_weight is not None:
            weight = min(weight, self.total_weight)
        breaks = -((ceiling + slack - weight * self.weight) // self.breaks_unit)
        return Bound(weight_scheduled=weight, breaks=max(0, breaks))


def preference_literals(variables: ModelVariables, problem: Problem) -> list[Literal]:
    """Start literals that place a meeting wholly inside its preferred windows."""
    literals: list[Literal] = []
    for meeting_idx, meeting in enumerate(problem.meetings):
        if not meeting.preferred:
            continue
        for start in variables.starts_of(meeting_idx):
            occupied = run_mask(start.slot, meeting.duration_slots)
            if occupied & meeting.preferred == occupied:
                literals.append(start.var)
    return literals


def set_objective(model: cp_model.CpModel, variables: ModelVariables, problem: Problem) -> Weights:
    """Maximise weight scheduled, then (in a minimal re-solve) minimise moves, then minimise
    breaks, then maximise preferences met."""
    max_preferences = sum(1 for meeting in problem.meetings if meeting.preferred)
    max_breaks = sum(variables.breaks_ceiling.values())
    breaks_unit = max_preferences + 1
    moves_unit = breaks_unit * (max_breaks + 1)
    # The budget caps the moves (``move_budget_respected``): a smaller multiplier for weight,
    # and a tighter bound read back from the solver's.
    plan = problem.published
    max_moves = min(len(variables.moved), plan.max_moves) if plan is not None else 0
    weights = Weights(
        weight=moves_unit * (max_moves + 1),
        breaks_unit=breaks_unit,
        max_breaks=max_breaks,
        max_preferences=max_preferences,
        moves_unit=moves_unit,
        max_moves=max_moves,
        total_weight=sum(meeting.weight for meeting in problem.meetings),
    )
    largest = (
        weights.weight * (weights.total_weight or 0)
        + moves_unit * max_moves
        + breaks_unit * max_breaks
        + max_preferences
    )
    if largest >= MAX_OBJECTIVE:
        raise ObjectiveTooLarge(
            "the meetings' weights are too large for CP-SAT's objective "
            "(it reads at most 2**53 back exactly)"
        )
    scheduled = cp_model.LinearExpr.weighted_sum(
        [variables.scheduled(meeting_idx) for meeting_idx in range(len(problem.meetings))],
        [meeting.weight for meeting in problem.meetings],
    )
    model.maximize(
        weights.weight * scheduled
        - moves_unit * cp_model.LinearExpr.sum(variables.moved)
        - breaks_unit * cp_model.LinearExpr.sum(list(variables.breaks.values()))
        + cp_model.LinearExpr.sum(preference_literals(variables, problem))
    )
    return weights


__all__ = [
    "MAX_OBJECTIVE",
    "ObjectiveTooLarge",
    "Weights",
    "define_breaks",
    "preference_literals",
    "set_objective",
]
