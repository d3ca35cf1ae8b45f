"""``solve_maxsat``: RC2 and the linear search on the encoding (``encoding``), side by side
(``portfolio``)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Protocol

from sidelines.domain.ids import MeetingId
from sidelines.scheduling.maxsat.encoding import encode
from sidelines.scheduling.maxsat.portfolio import Formula, SideWork, run_portfolio
from sidelines.scheduling.maxsat.scope import unsupported
from sidelines.scheduling.objective import ObjectiveValue, evaluate
from sidelines.scheduling.options import SolveOptions
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.result import Bound, Progress, SolveResult, SolveStatus
from sidelines.scheduling.schedule import Assignment
from sidelines.scheduling.spaces import ClassChoice, assign_spaces
from sidelines.scheduling.starts import NO_CLASS

STRATEGY_NAME = "maxsat"
# One process per worker, in this order: RC2 on CaDiCaL 1.9.5, RC2 on MapleCM (their times differ
# tenfold in both directions from one JAIR instance to the next), then a linear search on CaDiCaL
# for schedules early. On two shared cores a third process slowed the others down more than it
# helped (docs/benchmarks.md).
SEARCHES = ("rc2:cd19", "rc2:mcm", "lsu:cd19")
# The niceness added to the searches after the first when the caller asks for them in the
# background (``solve_maxsat``).
BACKGROUND_NICE = 10


class Side(SideWork, Protocol):
    """The heuristic beside the searches: it also takes their better schedules to work on."""

    def offer(self, choices: list[ClassChoice], objective: ObjectiveValue) -> None: ...


def solve_maxsat(
    problem: Problem,
    options: SolveOptions,
    hint: Mapping[MeetingId, Assignment] | None = None,
    *,
    implied: bool = True,
    searches: tuple[str, ...] | None = None,
    side: Side | None = None,
    first_model: bool = False,
    background: bool = False,
) -> SolveResult:
    """Solve to proven optimality within ``options.time_limit_s``, or report the lower bound.

    ``hint`` sets the SAT solver's first phases; ``searches`` replaces the default choice of
    searches (one per worker, from ``SEARCHES``). ``side`` works between looks at the searches
    and is offered every better schedule they find; when its own schedule meets the lower
    bound, the searches stop and the result (interrupted, with the bound) says so by its bound
    alone: the caller keeps the side's schedule. ``first_model`` asks the last search for a
    schedule of any cost before its proof. With ``background`` the searches after the first
    run at a lower priority once their plain SAT call is done: on a busy machine they take only
    the CPU that the first search and the side work leave. Raises ``ValueError`` for a problem
    the encoding cannot express (see ``unsupported``).
    """
    started = time.monotonic()
    why = unsupported(problem)
    if why is not None:
        raise ValueError(f"the MaxSAT strategy cannot solve {problem.name}: {why}")
    hinted = dict(hint) if hint else None
    # The encoding is built in each search's process (``run_portfolio``), which sends a model
    # as the meetings' places: the caller's side work (the heuristic) starts at once instead of
    # after 0.05-0.2 s of CPU of encoding on the JAIR instances, and so does the search's plain
    # SAT call for a first schedule.
    decoding: dict[int, ClassChoice] = {}  # filled in the search's process

    def build() -> Formula:
        encoding = encode(problem, implied=implied)
        for options_of_meeting in encoding.starts:
            for s in options_of_meeting:
                class_idx = None if s.class_idx == NO_CLASS else s.class_idx
                decoding[s.literal] = ClassChoice(s.meeting_idx, s.slot, class_idx)
        phases: list[int] = []
        if hinted:
            for meeting_idx, meeting in enumerate(problem.meetings):
                assignment = hinted.get(meeting.id)
                for start in encoding.starts[meeting_idx]:
                    on = assignment is not None and assignment.start_slot == start.slot
                    phases.append(start.literal if on else -start.literal)
        return Formula(encoding.formula, encoding.redundant, sorted(decoding), phases)

    def choices_of(kept: list[int]) -> list[ClassChoice]:
        return [decoding[literal] for literal in kept]

    weight = sum(meeting.weight for meeting in problem.meetings)
    # The encoding demands min breaks = 0. That is the true rule when a principal with a single
    # meeting exists (it never has a break); otherwise a schedule where everyone has a break
    # costs at least one per concerned principal, so a cost up to that many is still optimal.
    concerned = [m for m in problem.principal_meetings if m]
    exact = problem.fairness_max_spread is None or any(len(m) == 1 for m in concerned)
    ceiling = None if exact else len(concerned)
    best: list[ObjectiveValue] = []

    def objective_of(choices: list[ClassChoice]) -> ObjectiveValue:
        return evaluate(problem, [(c.meeting_idx, c.start_slot) for c in choices])

    def score(choices: list[ClassChoice], cost: int) -> int:
        objective = objective_of(choices)
        if not best or objective.key() > best[0].key():
            best[:] = [objective]
            if side is not None:
                side.offer(choices, objective)
            if options.on_progress is not None:
                options.on_progress(
                    Progress(time.monotonic() - started, objective, None, phase=STRATEGY_NAME)
                )
        return objective.breaks

    def on_bound(lower: int) -> None:
        if options.on_progress is not None:
            known = lower if ceiling is None else min(lower, ceiling)
            options.on_progress(
                Progress(time.monotonic() - started, None, Bound(weight, known), STRATEGY_NAME)
            )

    if searches is None:
        searches = SEARCHES[: max(1, options.workers)]
    outcome = run_portfolio(
        build,
        searches=searches,
        deadline=started + options.time_limit_s,
        should_stop=options.stop.is_set,
        on_model=score,
        on_bound=on_bound,
        side=side,
        first_model=first_model,
        proves_up_to=ceiling,
        decode=choices_of,
        background=BACKGROUND_NICE if background else 0,
    )
    model: list[ClassChoice] | None = None
    if outcome.models:
        model = min(outcome.models, key=lambda item: objective_of(item[0]).breaks)[0]
    interrupted = not outcome.finished and not outcome.optimal
    lower = outcome.lower
    if model is None:
        if interrupted:
            known = lower if ceiling is None else min(lower, ceiling)
            status, reason = SolveStatus.UNKNOWN, "MaxSAT found no schedule within the time limit"
            proof = Bound(weight, max(0, known))
        elif exact:
            status = SolveStatus.INFEASIBLE
            reason = "MaxSAT proved that the required and locked meetings cannot all be placed"
            proof = None
        else:
            status = SolveStatus.UNKNOWN
            reason = "MaxSAT proved only that no schedule gives every principal few breaks enough"
            proof = Bound(weight, ceiling or 0)
        return SolveResult(
            status=status,
            schedule={},
            objective=None,
            bound=proof,
            wall_time_s=time.monotonic() - started,
            strategy=STRATEGY_NAME,
            reason=reason,
            interrupted=options.stop.is_set(),
        )
    choices = model
    objective = evaluate(problem, [(c.meeting_idx, c.start_slot) for c in choices])
    # ``lower`` bounds the encoding (every principal at most d breaks); the true rule also
    # allows schedules where everyone has a break, which cost at least ``ceiling``.
    lower = lower if ceiling is None else min(lower, ceiling)
    proven = objective.breaks <= lower
    bound = Bound(objective.weight_scheduled, min(objective.breaks, lower))
    if options.on_progress is not None:
        options.on_progress(
            Progress(time.monotonic() - started, objective, bound, phase=STRATEGY_NAME)
        )
    return SolveResult(
        status=SolveStatus.OPTIMAL if proven else SolveStatus.FEASIBLE,
        schedule=assign_spaces(problem, choices),
        objective=objective,
        bound=bound,
        wall_time_s=time.monotonic() - started,
        strategy=STRATEGY_NAME,
    )


__all__ = ["Side", "solve_maxsat"]
