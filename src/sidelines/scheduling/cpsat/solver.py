"""Running CP-SAT: parameters, warm start, progress reports, stopping, and reading the answer.

The score of the returned schedule comes from ``sidelines.scheduling.objective.evaluate`` (the
validator's code), never from the solver's objective value, so every strategy is scored alike.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

from ortools.sat.python import cp_model

from sidelines.domain.ids import MeetingId
from sidelines.scheduling.cpsat.constraints import add_constraints
from sidelines.scheduling.cpsat.objective import ObjectiveTooLarge, Weights, set_objective
from sidelines.scheduling.cpsat.stability import stable_view
from sidelines.scheduling.cpsat.variables import NO_CLASS, ModelVariables, build_variables
from sidelines.scheduling.objective import ObjectiveValue, evaluate
from sidelines.scheduling.options import SolveOptions
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.result import Bound, Progress, SolveResult, SolveStatus
from sidelines.scheduling.schedule import Assignment
from sidelines.scheduling.spaces import ClassChoice, assign_spaces
from sidelines.scheduling.stability import published_schedule, with_moves

STRATEGY_NAME = "cpsat"
_STOP_POLL_S = 0.05


@dataclass(frozen=True)
class CpsatModel:
    model: cp_model.CpModel
    variables: ModelVariables
    weights: Weights


def build_model(
    problem: Problem, *, implied: bool = True, until: float | None = None
) -> CpsatModel | None:
    """The model, or None when ``until`` (a ``time.monotonic()`` instant) passes between its
    parts: on an event of a few hundred meetings building takes a second of CPU, more than a
    short time limit, and searching after that would only make the answer late."""
    model = cp_model.CpModel()
    variables = build_variables(model, problem, until)
    if variables is None or (until is not None and time.monotonic() >= until):
        return None
    add_constraints(model, variables, problem, implied=implied)
    if until is not None and time.monotonic() >= until:
        return None
    weights = set_objective(model, variables, problem)
    return CpsatModel(model, variables, weights)


def add_hint(built: CpsatModel, problem: Problem, hint: Mapping[MeetingId, Assignment]) -> None:
    """Suggest ``hint`` as the first solution: its meetings where it puts them, the rest out."""
    for meeting_idx, meeting in enumerate(problem.meetings):
        assignment = hint.get(meeting.id)
        wanted_class: int | None = None
        if assignment is not None and assignment.space is not None:
            space_idx = problem.space_index.get(assignment.space)
            if space_idx is not None:
                wanted_class = problem.class_of_space[space_idx]
        chosen = False
        for start in built.variables.starts_of(meeting_idx):
            pick = (
                not chosen
                and assignment is not None
                and start.slot == assignment.start_slot
                and (wanted_class is None or start.class_idx == wanted_class)
            )
            chosen = chosen or pick
            built.model.add_hint(start.var, pick)


def _placed(
    variables: ModelVariables, value: cp_model.CpSolver | cp_model.CpSolverSolutionCallback
) -> list[ClassChoice]:
    return [
        ClassChoice(
            start.meeting_idx, start.slot, None if start.class_idx == NO_CLASS else start.class_idx
        )
        for start in variables.all_start_literals()
        if value.boolean_value(start.var)
    ]


class _Reporter(cp_model.CpSolverSolutionCallback):
    """Reports each improving solution and honours ``options.stop`` between them."""

    def __init__(
        self, problem: Problem, built: CpsatModel, options: SolveOptions, started: float
    ) -> None:
        super().__init__()
        self.problem = problem
        self.built = built
        self.options = options
        self.started = started

    def on_solution_callback(self) -> None:
        if self.options.stop.is_set():
            self.stop_search()
        if self.options.on_progress is None:
            return
        choices = _placed(self.built.variables, self)
        objective = evaluate(self.problem, [(c.meeting_idx, c.start_slot) for c in choices])
        if self.problem.published is not None:
            # The moves count as in the result, where ``minimal`` ranks them second.
            objective = with_moves(self.problem, objective, assign_spaces(self.problem, choices))
        self.options.on_progress(
            Progress(
                elapsed_s=time.monotonic() - self.started,
                objective=objective,
                bound=self.built.weights.bound(self.best_objective_bound),
                phase=STRATEGY_NAME,
            )
        )


_STATUS = {
    cp_model.OPTIMAL: SolveStatus.OPTIMAL,
    cp_model.FEASIBLE: SolveStatus.FEASIBLE,
    cp_model.INFEASIBLE: SolveStatus.INFEASIBLE,
    cp_model.UNKNOWN: SolveStatus.UNKNOWN,
}


def _parameters(solver: cp_model.CpSolver, options: SolveOptions) -> None:
    solver.parameters.max_time_in_seconds = max(0.01, options.time_limit_s)
    solver.parameters.num_workers = max(1, options.workers)
    solver.parameters.random_seed = options.seed
    solver.parameters.log_search_progress = False


def _no_search(started: float, reason: str) -> SolveResult:
    """An unknown result without a schedule: CP-SAT did not search, for ``reason``."""
    return SolveResult(
        status=SolveStatus.UNKNOWN,
        schedule={},
        objective=None,
        bound=None,
        wall_time_s=time.monotonic() - started,
        strategy=STRATEGY_NAME,
        reason=reason,
    )


def solve_cpsat(
    problem: Problem,
    options: SolveOptions,
    hint: Mapping[MeetingId, Assignment] | None = None,
    *,
    implied: bool = True,
) -> SolveResult:
    """Solve with CP-SAT within ``options.time_limit_s``; infeasible and unknown are statuses.

    Against a published schedule, without a ``hint`` of its own, the published placements are
    the hint (``keep`` and ``minimal`` start from them)."""
    started = time.monotonic()
    problem = stable_view(problem)
    if hint is None and problem.published is not None:
        hint = published_schedule(problem)
    try:
        built = build_model(problem, implied=implied, until=started + options.time_limit_s)
    except ObjectiveTooLarge as error:
        return _no_search(started, str(error))
    if built is None:
        return _no_search(
            started, f"CP-SAT's model was not built within {options.time_limit_s:g} s"
        )
    if hint is not None:
        add_hint(built, problem, hint)
    solver = cp_model.CpSolver()
    _parameters(solver, options)
    # Remaining time after building the model, so the limit covers the whole call.
    solver.parameters.max_time_in_seconds = max(
        0.01, options.time_limit_s - (time.monotonic() - started)
    )

    finished = threading.Event()

    def watch_stop() -> None:
        # The callback fires only on new solutions; a proof can run long without one.
        while not finished.wait(_STOP_POLL_S):
            if options.stop.is_set():
                solver.stop_search()
                return

    watcher = threading.Thread(target=watch_stop, name="cpsat-stop", daemon=True)
    watcher.start()
    try:
        code = solver.solve(built.model, _Reporter(problem, built, options, started))
    finally:
        finished.set()
        watcher.join()

    if code == cp_model.MODEL_INVALID:  # a bug in the model, not a property of the event
        raise RuntimeError(f"CP-SAT rejected the model: {built.model.validate()}")
    status = _STATUS[code]
    schedule: dict[MeetingId, Assignment] = {}
    objective: ObjectiveValue | None = None
    bound: Bound | None = None
    reason = ""
    if status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
        choices = _placed(built.variables, solver)
        schedule = assign_spaces(problem, choices)
        objective = with_moves(
            problem, evaluate(problem, [(c.meeting_idx, c.start_slot) for c in choices]), schedule
        )
        if status is SolveStatus.OPTIMAL:
            bound = Bound(objective.weight_scheduled, objective.breaks)
        else:
            bound = built.weights.bound(solver.best_objective_bound)
    elif status is SolveStatus.INFEASIBLE:
        reason = "CP-SAT proved that the required and locked meetings cannot all be placed"
    else:
        reason = (
            "stopped before CP-SAT found a schedule"
            if options.stop.is_set()
            else f"CP-SAT found no schedule within {options.time_limit_s:g} s"
        )
    return SolveResult(
        status=status,
        schedule=schedule,
        objective=objective,
        bound=bound,
        wall_time_s=time.monotonic() - started,
        strategy=STRATEGY_NAME,
        reason=reason,
        interrupted=options.stop.is_set(),
    )


__all__ = ["CpsatModel", "add_hint", "build_model", "solve_cpsat"]
