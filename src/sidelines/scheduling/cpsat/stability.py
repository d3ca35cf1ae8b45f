"""The rules of a re-solve against a published schedule in the CP-SAT model.

A published meeting that may stay has one literal for "at its published place": its published
start in its published space's class, which is a class of its own (``stable_view``), so the
literal decides the concrete space too. ``keep`` fixes that literal; ``minimal`` bounds the sum
of the negations (the moves) by the budget and ranks moves second in the objective
(``objective.set_objective``); forced moves are constants and enter neither.
"""

from __future__ import annotations

from dataclasses import replace

from ortools.sat.python import cp_model

from sidelines.scheduling.cpsat.variables import NO_CLASS, Literal, ModelVariables
from sidelines.scheduling.problem import Problem, PublishedPlace, Stability


def stable_view(problem: Problem) -> Problem:
    """The problem with every space that holds a published meeting that may stay as a class of
    its own; the problem itself when nothing binds."""
    plan = problem.published
    if plan is None or not plan.binding:
        return problem
    spaces = frozenset(
        place.space_idx for place in plan.stays.values() if place.space_idx is not None
    )
    if spaces <= problem.own_class_spaces:
        return problem
    return replace(problem, own_class_spaces=problem.own_class_spaces | spaces)


def stay_literal(
    variables: ModelVariables, problem: Problem, meeting_idx: int, place: PublishedPlace
) -> Literal | None:
    """The literal that holds the meeting at its published place; None when the model has no
    such choice."""
    wanted = NO_CLASS if place.space_idx is None else problem.class_of_space[place.space_idx]
    for start in variables.starts_of(meeting_idx):
        if start.slot == place.start and start.class_idx == wanted:
            return start.var
    return None


def published_meeting_kept(
    model: cp_model.CpModel, variables: ModelVariables, problem: Problem
) -> None:
    plan = problem.published
    if plan is None or plan.stability is not Stability.KEEP:
        return
    for meeting_idx, place in plan.stays.items():
        literal = stay_literal(variables, problem, meeting_idx, place)
        if literal is None:
            model.add_bool_or([])  # cannot stay, although allowed: no schedule
        else:
            model.add(literal == 1)


def published_meeting_still_held(
    model: cp_model.CpModel, variables: ModelVariables, problem: Problem
) -> None:
    plan = problem.published
    if plan is None or not plan.binding:
        return
    for meeting_idx in plan.places:
        if meeting_idx in plan.holdable:
            model.add(variables.scheduled(meeting_idx) == 1)


def move_budget_respected(
    model: cp_model.CpModel, variables: ModelVariables, problem: Problem
) -> None:
    """Also records the moved literals, which the objective ranks second in ``minimal``."""
    plan = problem.published
    if plan is None or plan.stability is not Stability.MINIMAL:
        return
    moved: list[cp_model.LinearExprT] = []
    for meeting_idx, place in sorted(plan.stays.items()):
        literal = stay_literal(variables, problem, meeting_idx, place)
        moved.append(1 if literal is None else 1 - literal)
    variables.moved = moved
    if moved:
        model.add(cp_model.LinearExpr.sum(moved) <= plan.max_moves)


__all__ = [
    "move_budget_respected",
    "published_meeting_kept",
    "published_meeting_still_held",
    "stable_view",
    "stay_literal",
]
