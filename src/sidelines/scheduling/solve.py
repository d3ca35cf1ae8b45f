"""``solve(problem, options) -> SolveResult``: the engine's one entry point.

``auto`` runs the constructive heuristic first, which answers within a second or two even on very
large events. When the CP-SAT model is small enough for CP-SAT to search it well, the heuristic
gets half of the time and hands its schedule to CP-SAT as a hint for the rest, and the better of
the two schedules is returned; otherwise the heuristic's local search uses all of it (on
generated events of 100 principals and more CP-SAT ends far below the heuristic, see
docs/benchmarks.md). Where every meeting is required (breaks the only question), MaxSAT proves
the optimum with the heuristic beside it (``_solve_maxsat_or_cpsat``). Whatever happens (time
limit, ``options.stop``), the best valid schedule found so far is returned.
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import replace
from typing import TYPE_CHECKING

from sidelines.scheduling.objective import ObjectiveValue
from sidelines.scheduling.options import SolveOptions, Strategy
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.reasons import (
    left_out_reasons,
    never_placeable,
    not_holdable_where_locked,
)
from sidelines.scheduling.result import Bound, SolveResult, SolveStatus
from sidelines.scheduling.series import ProgressSeries, tighter
from sidelines.scheduling.spaces import ClassChoice
from sidelines.scheduling.stability import with_moves

if TYPE_CHECKING:
    from sidelines.scheduling.anytime import Improver

# Above this many start-time variables the CP-SAT model takes longer to build and presolve than
# the heuristic's local search needs to improve on it (measured in docs/benchmarks.md).
CPSAT_MAX_VARIABLES = 400_000
# Above this many (estimated) start literals, on events where meetings may be left out, CP-SAT
# warm-started from the heuristic did not improve on it within 30 s (100 principals x 700
# requests, about 220,000: docs/benchmarks.md), so the heuristic keeps all of the time.
CPSAT_HINT_MAX_VARIABLES = 50_000
# In ``auto``, CP-SAT is loaded after the heuristic's half only when at least this much of the
# time limit is left: loading takes 0.4 s of CPU (up to a second on a busy machine), and
# CP-SAT needs some time after it to improve on the heuristic.
CPSAT_LOAD_MIN_S = 0.6
# On problems where every meeting is required (breaks the only question), the heuristic works
# alone until its first complete schedule, for at most this share of the time limit and this
# much CPU time (it completes 21-22-slot JAIR originals in 0.05-0.2 s, and fails on the tight
# 10-slot ones, where RC2's first plain SAT call gives a schedule in 0.1-2 s of CPU: so both
# soon run side by side); then MaxSAT with the heuristic beside it for this share of what is
# left, and CP-SAT for the rest.
EARLY_SHARE = 0.05
EARLY_CPU_S = 0.05
EARLY_SLICE_S = 0.05
MAXSAT_SHARE = 0.9
# CP-SAT (about 0.4 s of CPU to import) is loaded beside the searches once the heuristic holds
# a complete schedule, if that comes within this share of the time limit.
PREPARE_SHARE = 0.5


# Statuses that are proofs: a schedule proven best (an empty one when nothing fits at all),
# or proven impossible.
_PROOFS = (SolveStatus.OPTIMAL, SolveStatus.INFEASIBLE)


def _anchored_never_placeable(problem: Problem) -> list[str]:
    """Why a required meeting has no time and place at all, or a locked one none where it is
    locked: either leaves no schedule, whatever the other meetings do."""
    reasons = []
    for meeting_idx in problem.anchored_meetings:
        if problem.meetings[meeting_idx].locked:
            reason = not_holdable_where_locked(problem, meeting_idx)
        else:
            reason = never_placeable(problem, meeting_idx)
        if reason is not None:
            reasons.append(reason)
    return reasons


def _better(a: SolveResult, b: SolveResult) -> SolveResult:
    """The result with the better schedule; a proof (status, bound) from either is kept."""
    if a.objective is None:
        return b
    if b.objective is None:
        return a
    return a if a.objective.key() >= b.objective.key() else b


def solve(problem: Problem, options: SolveOptions | None = None) -> SolveResult:
    # The solvers are imported where they are used, not at the top: OR-Tools and PySAT take
    # most of a second to load, which reading an event file, printing ``--help`` or a large
    # event's first schedule (the heuristic's) should not pay.
    options = options or SolveOptions()
    started = time.monotonic()
    if options.on_progress is not None:
        # One series for the whole solve, whichever parts run: time from here, best so far.
        options = replace(options, on_progress=ProgressSeries(options.on_progress, started))
    impossible = _anchored_never_placeable(problem)
    if impossible:
        reason = "a required or locked meeting cannot be placed: " + "; ".join(impossible)
        return replace(
            _no_schedule(SolveStatus.INFEASIBLE, str(options.strategy), reason, started),
            left_out=left_out_reasons(problem, {}, SolveStatus.INFEASIBLE),
        )

    if options.strategy is Strategy.HEURISTIC:
        result = _solve_heuristic(problem, options, started)
    elif options.strategy is Strategy.CPSAT:
        result = _solve_cpsat_alone(problem, options, started)
    elif options.strategy is Strategy.MAXSAT:
        result = _solve_maxsat_or_cpsat(problem, options, started)
    else:
        result = _solve_auto(problem, options, started)

    objective = result.objective
    if objective is not None:
        objective = with_moves(problem, objective, result.schedule)
    return replace(
        result,
        objective=objective,
        wall_time_s=time.monotonic() - started,
        left_out=left_out_reasons(
            problem, result.schedule, None if result.objective is not None else result.status
        ),
    )


def _solve_heuristic(problem: Problem, options: SolveOptions, started: float) -> SolveResult:
    """The heuristic; where its construction leaves a required meeting out (tight events where
    every meeting is required, such as the JAIR instances: it gave up within 0.02-0.6 s), the
    route that completes them for the rest of the limit: the local search beside MaxSAT's
    first plain SAT call (``_solve_maxsat_or_cpsat``, ``anytime.Improver``), or where MaxSAT
    cannot express the problem, the local search alone."""
    from sidelines.scheduling.heuristic import solve_heuristic

    result = solve_heuristic(problem, options)
    if result.schedule or result.status is not SolveStatus.UNKNOWN:
        return result
    if not any(meeting.required for meeting in problem.meetings):
        return result
    if problem.published is not None and problem.published.binding:
        # The completing searches start afresh, blind to the published places and the move
        # budget: their schedule would leave out or move what keep and minimal hold. The
        # construction from the published schedule (ejection chains included) had its say.
        return result
    from sidelines.scheduling.maxsat import unsupported

    if unsupported(problem) is None:
        completed = _solve_maxsat_or_cpsat(problem, options, started)
    else:
        completed = _complete_alone(problem, options, started)
    if not completed.schedule:
        return result
    return replace(completed, strategy=f"{result.strategy}:{completed.strategy}")


def _complete_alone(problem: Problem, options: SolveOptions, started: float) -> SolveResult:
    """``anytime.Improver`` alone until the limit: its local search puts the required meetings
    in, then improves the complete schedule."""
    from sidelines.scheduling.anytime import Improver

    improver = Improver(problem, options, started)
    deadline = started + options.time_limit_s
    while (now := time.monotonic()) < deadline and not options.stop.is_set():
        if improver.step(min(deadline, now + EARLY_SLICE_S)) <= 0:
            break
    completed = improver.result()
    if completed is None:
        reason = "no schedule with every required meeting was found within the time limit"
        return _no_schedule(SolveStatus.UNKNOWN, "heuristic", reason, started)
    return completed


def _solve_cpsat_alone(problem: Problem, options: SolveOptions, started: float) -> SolveResult:
    """The heuristic's construction first (hundredths of a second on a small event; at most a
    tenth of a second of CPU on a large one, then what it has), then CP-SAT, warm-started from
    it, within what is left of the limit (loading OR-Tools counts: seconds on a busy machine),
    with the heuristic's local search beside it (``_beside_cpsat``); the best schedule of the
    three, with the tightest bound. On a short limit CP-SAT spends most of it building and
    presolving the model, and found no schedule, or one far below the construction: of 40
    requests, 21 meetings or a single one in a second with two workers, where the construction
    places 33 (and one worker, finding none, answered with the construction); on larger models
    it kept the construction's schedule where the local search improved it (459 against 476 at
    60 principals x 400 requests in 5 s). Never empty while a meeting fits, never below the
    best schedule any part found. CP-SAT is not loaded when the construction proved its answer
    (best, or that the locked and required meetings cannot all be placed: it took the import's
    0.4-1 s past a 1-s limit to come to the same answer), nor with too little of the limit
    left to load it and search (as in ``auto``): the construction is the answer (loading took
    1.5-4 s on a busy machine, for a limit of 0 s)."""
    from sidelines.scheduling.heuristic import solve_heuristic

    constructed = solve_heuristic(problem, replace(options, time_limit_s=0.0))
    remaining = max(0.0, options.time_limit_s - (time.monotonic() - started))
    loaded = "sidelines.scheduling.cpsat.solver" in sys.modules
    if (
        constructed.status in _PROOFS
        or remaining <= (0.1 if loaded else CPSAT_LOAD_MIN_S)
        or options.stop.is_set()
    ):
        return replace(constructed, strategy="cpsat:heuristic", interrupted=options.stop.is_set())
    if constructed.schedule and constructed.status not in _PROOFS:
        result, searched = _beside_cpsat(problem, options, started, constructed)
        if searched.objective is not None and _better(searched, constructed) is searched:
            constructed = searched
    else:
        from sidelines.scheduling.cpsat import solve_cpsat

        remaining = max(0.0, options.time_limit_s - (time.monotonic() - started))
        result = solve_cpsat(problem, replace(options, time_limit_s=remaining))
    if result.status in _PROOFS:
        return result
    if result.status is SolveStatus.UNKNOWN and not result.schedule:
        # An empty construction is an answer only with a proof: nothing fits at all (optimal
        # and empty), or the locked and required meetings cannot all be placed (infeasible).
        if not constructed.schedule and constructed.status not in _PROOFS:
            return result
        return replace(
            constructed,
            strategy=f"{result.strategy}:heuristic",
            bound=tighter(result.bound, constructed.bound),
            interrupted=result.interrupted or constructed.interrupted,
        )
    # On a tie the heuristic's schedule is kept when it carries a proof (its bound met).
    if constructed.status is SolveStatus.OPTIMAL:
        best = _better(constructed, result)
    else:
        best = _better(result, constructed)
    strategy = result.strategy if best is result else f"{result.strategy}:heuristic"
    return replace(
        best,
        bound=tighter(result.bound, constructed.bound),
        strategy=strategy,
        interrupted=result.interrupted or constructed.interrupted,
    )


class _EitherStop(threading.Event):
    """The stop of one of two searches side by side: set by the other one (its answer proven,
    nothing left to search for) or by the caller's ``options.stop``."""

    def __init__(self, caller: threading.Event) -> None:
        super().__init__()
        self.caller = caller

    def is_set(self) -> bool:
        return super().is_set() or self.caller.is_set()


def _beside_cpsat(
    problem: Problem, options: SolveOptions, started: float, constructed: SolveResult
) -> tuple[SolveResult, SolveResult]:
    """CP-SAT, warm-started from the construction, in a thread (it leaves the interpreter
    while it searches), and the heuristic (construction again, a few hundredths of a second,
    then its local search) in this one until the same deadline: CP-SAT's answer and the
    heuristic's. Whichever proves its schedule best first stops the other. Both are
    ``interrupted`` only when the caller stopped them."""
    from sidelines.scheduling.cpsat import solve_cpsat
    from sidelines.scheduling.heuristic import solve_heuristic

    cpsat_stop = _EitherStop(options.stop)
    heuristic_stop = _EitherStop(options.stop)
    answers: list[SolveResult] = []
    remaining = max(0.0, options.time_limit_s - (time.monotonic() - started))

    errors: list[BaseException] = []

    def run_cpsat() -> None:
        try:
            answer = solve_cpsat(
                problem,
                replace(options, time_limit_s=remaining, stop=cpsat_stop),
                hint=constructed.schedule,
            )
        except BaseException as error:
            errors.append(error)  # raised again in the caller's thread, once the search is back
            heuristic_stop.set()
            return
        answers.append(answer)
        if answer.status in _PROOFS:
            heuristic_stop.set()

    thread = threading.Thread(target=run_cpsat, name="cpsat", daemon=True)
    thread.start()
    try:
        # One worker: CP-SAT has the others (its bound comes in place, not from a process).
        searched = solve_heuristic(
            problem,
            replace(
                options,
                time_limit_s=max(0.0, options.time_limit_s - (time.monotonic() - started)),
                stop=heuristic_stop,
                workers=1,
            ),
        )
        if searched.status is SolveStatus.OPTIMAL:
            cpsat_stop.set()
    finally:
        thread.join()
    if errors:
        raise errors[0]
    caller_stopped = options.stop.is_set()
    return (
        replace(answers[0], interrupted=caller_stopped),
        replace(searched, interrupted=caller_stopped),
    )


class _Preparing:
    """The heuristic beside the searches (``anytime.Improver``), which also loads CP-SAT for
    the last stage once it holds a complete schedule: OR-Tools takes about 0.4 s of CPU to
    import, which should come neither before the first schedule nor after the MaxSAT share
    (on a busy machine it took seconds past the time limit there)."""

    def __init__(self, improver: Improver, prepare_by: float) -> None:
        self.improver = improver
        self.prepare_by = prepare_by  # later, the import would delay the searches' end
        self.prepared = False

    def step(self, until: float) -> float:
        if not self.prepared and self.improver.complete() and time.monotonic() < self.prepare_by:
            self.prepared = True
            import sidelines.scheduling.cpsat.solver  # noqa: F401  (loaded for later)
        return self.improver.step(until)

    def best_breaks(self) -> int | None:
        return self.improver.best_breaks()

    def offer(self, choices: list[ClassChoice], objective: ObjectiveValue) -> None:
        self.improver.offer(choices, objective)


def _solve_maxsat_or_cpsat(problem: Problem, options: SolveOptions, started: float) -> SolveResult:
    """MaxSAT (RC2 for the proof) with the heuristic beside it (``anytime.Improver``: a
    complete schedule from the first moment, then break repair, offered every better schedule
    RC2 finds); when that has not proven its answer (or cannot express the problem), CP-SAT gets
    the rest of the time (not where the Kempe-chain search of ``heuristic.kempe`` applies: it
    keeps all of it), warm-started from the best schedule so far (skipped when a schedule
    exists but came too late to load OR-Tools beside the searches: ``_Preparing``). The
    answer is never worse than the best schedule any part found, and carries the best bound
    any part proved."""
    # CP-SAT is imported only when it runs: OR-Tools' model loads pandas, about 0.4 s of CPU
    # that would come before the heuristic's first schedule (seconds on a busy machine).
    from sidelines.scheduling.anytime import Improver
    from sidelines.scheduling.maxsat import solve_maxsat, unsupported

    if unsupported(problem) is not None:
        result = _solve_cpsat_alone(problem, options, started)
        return replace(result, strategy=f"maxsat:{result.strategy}")
    improver = Improver(problem, options, started)
    # Construction leaves a required meeting or two out on tight events; the local search
    # puts them in, alone for a moment (a complete schedule spares the searches their plain SAT
    # call for one, and gives RC2 its phases), even when asked to stop at once. The moment is
    # CPU time, so that a busy machine does not cut it.
    cpu_until = time.process_time() + min(EARLY_SHARE * options.time_limit_s, EARLY_CPU_S)
    deadline = started + options.time_limit_s
    while not improver.complete():
        now = time.monotonic()
        if time.process_time() >= cpu_until or now >= deadline:
            break
        if improver.step(min(deadline, now + EARLY_SLICE_S)) <= 0:
            break
    fallback = improver.result()
    if fallback is not None and fallback.status is SolveStatus.OPTIMAL:
        assert fallback.objective is not None
        return _with_bound(fallback, Bound(fallback.objective.weight_scheduled, 0), "maxsat")
    remaining = options.time_limit_s - (time.monotonic() - started)
    if remaining <= 0.1 or options.stop.is_set():
        return _heuristic_only(improver.result(), started)
    # Where the Kempe-chain search works on the breaks (``heuristic.kempe``), it keeps the
    # time CP-SAT would get: a warm start in the last tenth seldom improved on it, and loading
    # OR-Tools took the heuristic's CPU for seconds on a busy machine (docs/benchmarks.md).
    kempe = improver.kempe is not None
    first = solve_maxsat(
        problem,
        replace(options, time_limit_s=remaining * (1.0 if kempe else MAXSAT_SHARE)),
        hint=improver.schedule(),
        side=improver
        if kempe
        else _Preparing(improver, started + PREPARE_SHARE * options.time_limit_s),
        first_model=not improver.complete(),
        background=kempe and improver.short,
    )
    fallback = improver.result()
    if first.status is SolveStatus.INFEASIBLE and fallback is None:
        return first
    best_so_far = first if fallback is None else _better(first, fallback)
    if _closed(best_so_far, first.bound):
        return _with_bound(best_so_far, first.bound, "maxsat")
    remaining = options.time_limit_s - (time.monotonic() - started)
    if remaining <= 0.1 or options.stop.is_set():
        return _with_bound(best_so_far, first.bound, "maxsat+heuristic")
    if best_so_far.objective is not None and (
        kempe or "sidelines.scheduling.cpsat.solver" not in sys.modules
    ):
        # The schedule came late (no time to load CP-SAT beside the searches): a warm start
        # in the last tenth seldom improves it, and loading OR-Tools now would overrun.
        return _with_bound(best_so_far, first.bound, "maxsat+heuristic")
    from sidelines.scheduling.cpsat import solve_cpsat

    # When the heuristic had no complete schedule, the import came only now and took its
    # time (on a busy machine, seconds): CP-SAT gets what is left after it, if anything.
    remaining = options.time_limit_s - (time.monotonic() - started)
    if remaining <= 0.1:
        return _with_bound(best_so_far, first.bound, "maxsat+heuristic")
    second = solve_cpsat(
        problem, replace(options, time_limit_s=remaining), hint=best_so_far.schedule or None
    )
    if second.status is SolveStatus.INFEASIBLE:
        return replace(second, strategy="maxsat+cpsat")
    best = _better(best_so_far, second)
    bound = second.bound
    if first.bound is not None and (bound is None or first.bound.breaks > bound.breaks):
        bound = first.bound
    return _with_bound(best, bound, "maxsat+cpsat")


def _closed(best: SolveResult, bound: Bound | None) -> bool:
    return (
        best.objective is not None and bound is not None and best.objective.breaks <= bound.breaks
    )


def _heuristic_only(result: SolveResult | None, started: float) -> SolveResult:
    if result is not None:
        return replace(result, strategy="maxsat:heuristic")
    reason = "no complete schedule was found within the time limit"
    return _no_schedule(SolveStatus.UNKNOWN, "maxsat:heuristic", reason, started)


def _no_schedule(status: SolveStatus, strategy: str, reason: str, started: float) -> SolveResult:
    return SolveResult(
        status=status,
        schedule={},
        objective=None,
        bound=None,
        wall_time_s=time.monotonic() - started,
        strategy=strategy,
        reason=reason,
    )


def _with_bound(best: SolveResult, bound: Bound | None, strategy: str) -> SolveResult:
    """``best`` with ``bound`` (a proof from another part), its status set by whether the
    bound closes the breaks."""
    status = best.status
    if best.objective is not None and bound is not None:
        proven = best.objective.breaks <= bound.breaks
        status = SolveStatus.OPTIMAL if proven else SolveStatus.FEASIBLE
    return replace(best, bound=bound, status=status, strategy=strategy)


def _solve_auto(problem: Problem, options: SolveOptions, started: float) -> SolveResult:
    from sidelines.scheduling.cpsat import estimate_model_size
    from sidelines.scheduling.heuristic import solve_heuristic

    size = estimate_model_size(problem)
    if size > CPSAT_MAX_VARIABLES:
        return replace(solve_heuristic(problem, options), strategy="auto:heuristic")
    from sidelines.scheduling.maxsat import unsupported

    if unsupported(problem) is None:
        # Every meeting required, breaks the only question: MaxSAT measured best (JAIR section
        # of docs/benchmarks.md).
        return replace(_solve_maxsat_or_cpsat(problem, options, started), strategy="auto:maxsat")
    if size > CPSAT_HINT_MAX_VARIABLES:
        return replace(solve_heuristic(problem, options), strategy="auto:heuristic")
    # The heuristic's half (construction and local search) gives CP-SAT a full starting point;
    # the better schedule of the two is returned.
    first = solve_heuristic(problem, replace(options, time_limit_s=options.time_limit_s * 0.5))
    remaining = options.time_limit_s - (time.monotonic() - started)
    # Asked before CP-SAT is loaded (OR-Tools' model takes 0.4 s of CPU to import, a second
    # on a busy machine): with nothing left to prove (the heuristic's schedule proven best, or
    # its proof that the locked and required meetings cannot all be placed, which CP-SAT,
    # out of time, would otherwise turn into "unknown"), or too little time left to load it and
    # still search, the import would only make the answer late (measured in the event shapes
    # section of docs/benchmarks.md: up to a second past 0.5-s and 1-s limits).
    loaded = "sidelines.scheduling.cpsat.solver" in sys.modules
    if (
        first.status in _PROOFS
        or remaining <= (0.1 if loaded else CPSAT_LOAD_MIN_S)
        or options.stop.is_set()
    ):
        return replace(first, strategy="auto:heuristic")
    from sidelines.scheduling.cpsat import solve_cpsat

    # The import took its time: CP-SAT gets what is left after it, if anything.
    remaining = options.time_limit_s - (time.monotonic() - started)
    if remaining <= 0.1:
        return replace(first, strategy="auto:heuristic")
    second = solve_cpsat(
        problem, replace(options, time_limit_s=remaining), hint=first.schedule or None
    )
    best = _better(second, first)
    status = second.status
    if status is SolveStatus.UNKNOWN and best.objective is not None:
        status = SolveStatus.FEASIBLE
    bounds = [b for b in (first.bound, second.bound) if b is not None]
    # Both bounds are proofs; the tighter weight bound wins (the heuristic's LP bound is often
    # the only one CP-SAT has not beaten on a large model).
    bound = min(bounds, key=lambda b: (b.weight_scheduled, -b.breaks)) if bounds else None
    return replace(best, status=status, bound=bound, strategy="auto:heuristic+cpsat")
