"""The MaxSAT strategy: the encoding of Bofill et al. (JAIR 74, 2022) solved with RC2, a
core-guided MaxSAT solver (python-sat).

Core-guided search raises a lower bound until a model meets it, so it proves optimality quickly
on the JAIR instances where CP-SAT's search finds good schedules slowly; but it has no schedule to
show until it finishes. It covers problems where every meeting must be held (``unsupported``
says why another one is not), which is the B2B setting of the paper.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping

from pysat.examples.rc2 import RC2

from sidelines.domain.ids import MeetingId
from sidelines.scheduling.cpsat.variables import NO_CLASS
from sidelines.scheduling.maxsat.encoding import encode, unsupported
from sidelines.scheduling.objective import evaluate
from sidelines.scheduling.options import SolveOptions
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.result import Bound, Progress, SolveResult, SolveStatus
from sidelines.scheduling.schedule import Assignment
from sidelines.scheduling.spaces import ClassChoice, assign_spaces

STRATEGY_NAME = "maxsat"
# MapleCM under RC2: on forum-14 (30 s) it was the only one of Glucose 3, 4, 4.2, MapleCM,
# MapleSAT and MiniSat-GH to find the optimum; the others all stopped at the right lower bound
# with no schedule (docs/benchmarks.md).
SAT_SOLVER = "mcm"


def solve_maxsat(
    problem: Problem,
    options: SolveOptions,
    hint: Mapping[MeetingId, Assignment] | None = None,
    *,
    implied: bool = True,
) -> SolveResult:
    """Solve to proven optimality within ``options.time_limit_s``, or report the lower bound.

    ``hint`` sets the SAT solver's first phases. Raises ``ValueError`` for a problem the
    encoding cannot express (see ``unsupported``).
    """
    started = time.monotonic()
    why = unsupported(problem)
    if why is not None:
        raise ValueError(f"the MaxSAT strategy cannot solve {problem.name}: {why}")
    encoding = encode(problem, implied=implied)
    rc2 = RC2(encoding.formula, solver=SAT_SOLVER, adapt=True)
    if hint:
        phases = []
        for meeting_idx, meeting in enumerate(problem.meetings):
            assignment = hint.get(meeting.id)
            for start in encoding.starts[meeting_idx]:
                on = assignment is not None and assignment.start_slot == start.slot
                phases.append(start.literal if on else -start.literal)
        rc2.oracle.set_phases(phases)

    finished = threading.Event()

    def watch() -> None:
        deadline = started + options.time_limit_s
        while not finished.wait(0.05):
            if options.stop.is_set() or time.monotonic() >= deadline:
                rc2.interrupt()
                return

    watcher = threading.Thread(target=watch, name="maxsat-stop", daemon=True)
    watcher.start()
    try:
        model = rc2.compute(expect_interrupt=True)
        interrupted = rc2.interrupted
        lower = rc2.cost
    finally:
        finished.set()
        watcher.join()
        rc2.delete()

    weight = sum(meeting.weight for meeting in problem.meetings)
    # The encoding demands min breaks = 0. That is the true rule when a principal with a single
    # meeting exists (it never has a break); otherwise a schedule where everyone has a break
    # costs at least one per concerned principal, so a cost up to that many is still optimal.
    concerned = [m for m in problem.principal_meetings if m]
    exact = problem.fairness_max_spread is None or any(len(m) == 1 for m in concerned)
    ceiling = None if exact else len(concerned)
    if model is None:
        if interrupted:
            bound = lower if ceiling is None else min(lower, ceiling)
            status, reason = SolveStatus.UNKNOWN, "MaxSAT found no schedule within the time limit"
            proof = Bound(weight, max(0, bound))
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
    true = {literal for literal in model if literal > 0}
    choices = [
        ClassChoice(s.meeting_idx, s.slot, None if s.class_idx == NO_CLASS else s.class_idx)
        for options_of_meeting in encoding.starts
        for s in options_of_meeting
        if s.literal in true
    ]
    objective = evaluate(problem, [(c.meeting_idx, c.start_slot) for c in choices])
    proven = ceiling is None or objective.breaks <= ceiling
    bound = Bound(
        objective.weight_scheduled,
        objective.breaks if proven or ceiling is None else min(objective.breaks, ceiling),
    )
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


__all__ = ["solve_maxsat", "unsupported"]
