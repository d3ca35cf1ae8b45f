"""The constructive heuristic with large neighbourhood search.

It answers in a second or two on events with thousands of principals, for instant schedules,
very large events and on-site insertions, and proves nothing: its status is FEASIBLE unless the
LP bound (``bound.py``) is met on every objective term.

1. Construction (``construct.py``): locked meetings at their place, then required ones, then the
   rest by weight, hardest first, each where it adds the fewest breaks. Every hard rule is kept
   at every step (``state.py``), so the first complete pass is already a valid schedule, and so
   is every partial one once the locked and required meetings are in (reported as
   ``construct:partial`` when construction runs long).
2. The LP bound, to know when to stop and how far from the best the schedule can be. On large
   events it takes seconds (GLOP on tens of thousands of variables), so with two workers or
   more it runs in a separate process (``parallel.py``), started before construction when a
   core is free for it (else right after it), while construction and the local search go on;
   each better bound it has arrives as a progress report of its own. When the time is up the
   best bound it has so far is reported (its ``kind`` says which) and the process is killed:
   the answer does not wait for it.
3. Local search (``search.py``) until the time limit, ``options.stop`` or a proven optimum.
"""

from __future__ import annotations

import os
import random
import sys
import time
from typing import TYPE_CHECKING

from sidelines.scheduling.bound import BoundResult, counting_bound, upper_bound
from sidelines.scheduling.heuristic.construct import (
    bump_insert,
    class_rank,
    construction_order,
    insert,
    place_locked,
)
from sidelines.scheduling.heuristic.parallel import BoundProcess
from sidelines.scheduling.heuristic.search import Search
from sidelines.scheduling.heuristic.state import State, placement_masks
from sidelines.scheduling.objective import ObjectiveValue, evaluate
from sidelines.scheduling.options import SolveOptions
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.result import Bound, Progress, SolveResult, SolveStatus
from sidelines.scheduling.stability import with_moves

if TYPE_CHECKING:
    from sidelines.scheduling.heuristic.published import StableConstruction

STRATEGY = "heuristic"
PROGRESS_INTERVAL_S = 0.1  # improvements come in bursts; report at most ten a second
CHECK_EVERY = 128  # meetings placed between looks at the clock during construction
# Construction goes on for at least this much CPU time from the start of the run, even past
# the time limit: a run handed no time at all (CP-SAT's fallback when CP-SAT used the limit up)
# placed only its first CHECK_EVERY meetings, 128 of the 1,597 that construction places on an
# event of 2,000 requests (docs/benchmarks.md). CPU time, so that a busy machine does not cut
# it to nothing.
CONSTRUCT_MIN_CPU_S = 0.1
# A construction still running after this long (a very large event on a busy machine) reports
# the valid schedule it has so far (locked, required and the heaviest meetings), so a caller
# always has one to show within a second or two; the complete construction follows.
PARTIAL_REPORT_S = 1.2
# Below this many meetings the LP bound (``lp_bound.py``) takes well under a second: computed
# in place, where starting a process would cost more.
PARALLEL_BOUND_MIN_MEETINGS = 300
# In place, the capacity LP gets at most this share of the time limit before the relaxed bound
# is taken instead (the search waits for it).
IN_PLACE_BOUND_SHARE = 0.2
# Below this many meetings the relaxed bound (``bound.py``) takes 0.1-0.2 s of CPU, loading
# OR-Tools included: computed in place at the end when the bound's process has none yet (on a
# busy machine it may not have had the CPU for it within a 5-s solve).
RELAXED_IN_PLACE_MAX_MEETINGS = 2_000
# How often the search looks at the bound's process for a better bound so far.
BOUND_POLL_S = 0.25
# Loading OR-Tools' model builder and NumPy under it, which every LP bound needs, takes 0.3 s
# of CPU (a second or more on a busy machine). An LP is started, in place or in the bound's
# process, only with at least this much of the time limit left (or in place once it is
# loaded); a solve with less ends with the counting bound (``bound.counting_bound``), which
# needs no LP: a limit of 0 had its answer 0.3-0.6 s late for the LP's import alone.
LP_LOAD_MIN_S = 0.5
# After the search, with no bound from an LP yet, the relaxed LP is computed in place (loading
# OR-Tools past the limit) only for a limit of at least this long, where that load is a small
# share of it; a shorter one takes the counting bound.
LATE_LP_MIN_LIMIT_S = 2.0
LP_MODULE = "ortools.linear_solver.python.model_builder_helper"


def _lp_loaded() -> bool:
    return LP_MODULE in sys.modules


def _busy() -> bool:
    """Whether the machine has no core to spare: a load average at or above its cores."""
    try:
        return os.getloadavg()[0] >= (os.cpu_count() or 1)
    except OSError:
        return False


def solve_heuristic(problem: Problem, options: SolveOptions) -> SolveResult:
    return _Run(problem, options).solve()


class _Run:
    def __init__(self, problem: Problem, options: SolveOptions) -> None:
        self.problem = problem
        self.options = options
        self.started = time.monotonic()
        self.cpu_started = time.process_time()
        self.deadline = self.started + options.time_limit_s
        self.rng = random.Random(options.seed)
        self.state = State(problem, placement_masks(problem))
        self.ranks = class_rank(self.state)
        self.bound: Bound | None = None
        self.pending: BoundProcess | None = None
        self.polled = 0.0  # when the bound's process was last looked at
        self.last_report = -1.0
        self.reported_key: tuple[int, int, int, int] | None = None
        self.stable: StableConstruction | None = None  # against a published schedule
        self.cut_short = False  # construction stopped by the time limit before its end
        self.searching: Search | None = None  # the local search, while it runs
        # An upper bound on preferences met: every meeting with a wish placed in it.
        self.wishes = sum(1 for meeting in problem.meetings if meeting.preferred)

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def out_of_time(self) -> bool:
        return time.monotonic() >= self.deadline or self.options.stop.is_set()

    def construction_over(self) -> bool:
        """Whether construction stops here: the time is up, but not before CONSTRUCT_MIN_CPU_S
        of CPU from the start; at once when asked to stop."""
        if self.options.stop.is_set():
            return True
        cpu = time.process_time() - self.cpu_started
        return time.monotonic() >= self.deadline and cpu >= CONSTRUCT_MIN_CPU_S

    # --- the run ---------------------------------------------------------------------------

    def solve(self) -> SolveResult:
        try:
            self.start_bound()
            return self.run()
        finally:
            if self.pending is not None:
                self.pending.close()
                self.pending = None

    def start_bound(self, *, constructed: bool = False) -> None:
        """The bound's process, when the bound is worth a process: started before construction
        when a core is free for it (its imports overlap with construction), else once the first
        schedule is there (on a busy machine the two processes share one scheduling group's
        CPU, and the first schedule comes first). It is handed the problem only once the first
        schedule is there: writing it takes a fifth of a second of this core on a large event."""
        if (
            self.pending is None
            and self.options.workers >= 2
            and len(self.problem.meetings) >= PARALLEL_BOUND_MIN_MEETINGS
            and self.deadline - time.monotonic() >= LP_LOAD_MIN_S
            and not self.options.stop.is_set()
        ):
            if not constructed and _busy():
                return
            # The capacity LP gets until the answer is due; what it has then is reported.
            remaining = self.deadline - time.monotonic()
            self.pending = BoundProcess(None, None, remaining)
        pending = self.pending
        if constructed and pending is not None and not pending.written and not self.out_of_time():
            pending.write(self.problem, self.state.allowed)

    def run(self) -> SolveResult:
        failures = self.construct()
        if failures:
            # The heuristic proves nothing, but the LP relaxation may: if even fractions of the
            # required and locked meetings do not fit, no schedule exists.
            relaxed = upper_bound(self.problem, self.state.allowed)
            if relaxed.infeasible:
                return self.without_schedule(SolveStatus.INFEASIBLE, relaxed.reason)
            return self.without_schedule(SolveStatus.UNKNOWN, "; ".join(failures))
        if not self.state.fair():
            return self.without_schedule(
                SolveStatus.UNKNOWN,
                "the locked and required meetings alone give some principal more breaks "
                "than the fairness bound allows",
            )
        # A construction cut short by the time limit is valid but partial, and says so.
        self.report("construct:partial" if self.cut_short else "construct", force=True)
        if not self.options.stop.is_set():
            self.start_bound(constructed=True)
            # Not when construction used up the time: building the capacity LP takes a few
            # tenths of a second even when it gets none to solve, and the relaxed bound comes
            # at the end in its place (``final_bound``).
            if (
                self.pending is None
                and (
                    self.options.workers < 2
                    or len(self.problem.meetings) < PARALLEL_BOUND_MIN_MEETINGS
                )
                and not self.out_of_time()
                and (_lp_loaded() or self.deadline - time.monotonic() >= LP_LOAD_MIN_S)
            ):
                from sidelines.scheduling.lp_bound import reported_bound

                share = IN_PLACE_BOUND_SHARE * self.options.time_limit_s
                self.set_bound(reported_bound(self.problem, self.state.allowed, share))
            try:
                if not self.out_of_time():
                    # Not when construction used up the time: setting the search up takes a
                    # look at every meeting's masks (a second on a busy machine at 20,000).
                    self.search()
            finally:
                if self.stable is not None:
                    from sidelines.scheduling.heuristic.published import REVERT_TIME_S

                    self.stable.revert_moves(time.perf_counter() + REVERT_TIME_S)
            if not self.options.stop.is_set():
                self.final_bound()
        interrupted = self.options.stop.is_set()
        schedule = self.state.schedule()
        objective = with_moves(
            self.problem, evaluate(self.problem, self.state.placed_pairs()), schedule
        )
        self.report("done", force=True, objective=objective)
        status = SolveStatus.OPTIMAL if self.proven_optimal() else SolveStatus.FEASIBLE
        return SolveResult(
            status=status,
            schedule=schedule,
            objective=objective,
            bound=self.bound,
            wall_time_s=self.elapsed(),
            strategy=STRATEGY,
            interrupted=interrupted,
        )

    def search(self) -> None:
        search = Search(self.state, self.ranks, self.rng, lambda: self.report("search"))
        self.searching = search
        try:
            search.run(self.deadline, self.options.stop, self.done)
        finally:
            self.searching = None
            search.restore_best()

    def final_bound(self) -> None:
        """The bound of the answer, without waiting: the process's result if it is done, else
        the best it has so far (its kind says which), else (none yet, or no process started:
        the time was up at the start) on a small event the relaxed bound computed in place
        (0.1 s of CPU once OR-Tools is loaded, 0.3 s more to load it: only on a limit long
        enough for that, else the counting bound, which needs no LP); the process is killed."""
        pending = self.pending
        received = None
        if pending is not None:
            self.pending = None
            received = pending.result(timeout=0.0)
            if received is None:
                received = pending.latest()
            pending.close()
        elif self.bound is not None:
            return  # computed in place
        if received is None and len(self.problem.meetings) < RELAXED_IN_PLACE_MAX_MEETINGS:
            if _lp_loaded() or self.options.time_limit_s >= LATE_LP_MIN_LIMIT_S:
                from sidelines.scheduling.lp_bound import instead_of_lp

                received = instead_of_lp(upper_bound(self.problem, self.state.allowed))
            else:
                received = BoundResult(counting_bound(self.problem, self.state.allowed))
        if received is not None and (received.infeasible or self.tighter(received.bound)):
            self.set_bound(received)

    def construct(self) -> list[str]:
        """Place everything greedily; the reasons why a locked or required meeting could not be
        placed, if any. Against a published schedule in ``keep`` or ``minimal``, from that
        schedule (``published.py``)."""
        plan = self.problem.published
        if plan is not None and plan.binding:
            # Loaded only here: with the on-site search it uses, a few hundredths of a second
            # before the first schedule of an event with nothing published.
            from sidelines.scheduling.heuristic.published import (
                EJECTION_SHARE,
                StableConstruction,
            )

            stable = StableConstruction(self.problem, self.state, self.ranks)
            self.stable = stable
            ejection_until = time.perf_counter() + EJECTION_SHARE * max(
                0.0, self.deadline - time.monotonic()
            )
            return stable.construct(ejection_until, self.out_of_time)
        state = self.state
        problem = self.problem
        failures: list[str] = []
        for count, meeting_idx in enumerate(construction_order(state)):
            meeting = problem.meetings[meeting_idx]
            if meeting.locked:
                if not place_locked(state, meeting_idx):
                    failures.append(
                        f"{meeting.label} is locked at "
                        f"{problem.describe_slot(meeting.locked_start or 0)} but that place "
                        "breaks a hard rule or clashes with another locked meeting"
                    )
            elif meeting.required:
                if not insert(state, meeting_idx, self.ranks) and not self.repair(meeting_idx):
                    failures.append(
                        f"{meeting.label} is required but found no place among the locked "
                        "and required meetings"
                    )
            else:
                # Stopping early still leaves a valid schedule: locked and required ones are in.
                # It never stops before one meeting is in, though: a short time limit, spent
                # on reading and setting up, must not hand back an empty schedule while the
                # heaviest meeting fits (a look at each meeting costs little).
                if count % CHECK_EVERY == 0 or state.n_scheduled == 0:
                    if state.n_scheduled > 0 and self.construction_over():
                        self.cut_short = True
                        break
                    if (
                        not failures
                        and self.options.on_progress is not None
                        and self.last_report < 0
                        and state.n_scheduled > 0
                        and self.elapsed() >= PARTIAL_REPORT_S
                        and state.fair()
                    ):
                        self.report("construct:partial", force=True)
                insert(state, meeting_idx, self.ranks)
        return failures

    def repair(self, meeting_idx: int) -> bool:
        """Place a required meeting by moving others out of its way and back in elsewhere."""
        state = self.state
        for _ in range(20):
            state.begin()
            removed = bump_insert(state, meeting_idx, self.ranks, self.rng, samples=48)
            if removed is not None:
                for other in removed:
                    insert(state, other, self.ranks)
                required_back = all(
                    state.is_placed(other)
                    for other in removed
                    if self.problem.meetings[other].required
                )
                if required_back:
                    state.commit()
                    return True
            state.rollback()
        return False

    def set_bound(self, bounded: BoundResult) -> None:
        if bounded.infeasible:
            # Cannot happen with a valid schedule in hand unless the LP is numerically off; the
            # schedule is the stronger evidence.
            bounded = BoundResult(None, False, bounded.reason)
        self.bound = bounded.bound
        self.report("bound", force=True)

    def tighter(self, bound: Bound | None) -> bool:
        """Whether ``bound`` is worth reporting over the one held: a smaller weight, or the same
        from another relaxation (the capacity LP's after the relaxed one's)."""
        held = self.bound
        if bound is None:
            return False
        if held is None:
            return True
        if bound.weight_scheduled != held.weight_scheduled:
            return bound.weight_scheduled < held.weight_scheduled
        return bound.kind != held.kind

    def done(self) -> bool:
        """Whether the search may stop: the bound (once it has arrived) is met. The bound's
        process is looked at now and then: its final bound ends it, a better bound so far (the
        relaxed one first, then the capacity LP's) is reported."""
        pending = self.pending
        if pending is not None and time.monotonic() - self.polled >= BOUND_POLL_S:
            self.polled = time.monotonic()
            received = pending.result(timeout=0.0)
            if received is not None:
                pending.close()
                self.pending = None
                self.set_bound(received)
            else:
                latest = pending.latest()
                if latest is not None and self.tighter(latest.bound):
                    self.set_bound(latest)
            self.guide(pending)
        return self.proven_optimal()

    def guide(self, pending: BoundProcess) -> None:
        """Once the capacity LP has a solution, the search draws most of its left-out meetings
        among those it seats (``Search.guide``)."""
        search = self.searching
        if search is not None and search.seated is None:
            seated = pending.seated()
            if seated is not None:
                search.guide(seated)

    # --- reporting -------------------------------------------------------------------------

    def proven_optimal(self) -> bool:
        if self.bound is None:
            return False
        if self.stable is not None and self.stable.moved:
            # The bound says nothing of moves: fewer might reach the same weight.
            return False
        state = self.state
        return (
            state.total_weight >= self.bound.weight_scheduled
            and state.total_breaks <= self.bound.breaks
            and state.preferences_met >= self.wishes
        )

    def current_objective(self) -> ObjectiveValue:
        state = self.state
        concerned = [
            state.calendars[idx].breaks
            for idx, meetings in enumerate(self.problem.principal_meetings)
            if meetings
        ]
        objective = ObjectiveValue(
            weight_scheduled=state.total_weight,
            meetings_scheduled=state.n_scheduled,
            breaks=state.total_breaks,
            breaks_spread=max(concerned) - min(concerned) if concerned else 0,
            preferences_met=state.preferences_met,
        )
        plan = self.problem.published
        if plan is None:
            return objective
        # In a re-solve the moves count as in the result (ranked second in ``minimal``):
        # reported without them, a schedule ranked above itself in the result. Only the
        # published meetings' places are read.
        meetings = self.problem.meetings
        published = {
            meetings[idx].id: state.assignment(idx) for idx in plan.places if state.start[idx] >= 0
        }
        return with_moves(self.problem, objective, published)

    def report(
        self, phase: str, *, force: bool = False, objective: ObjectiveValue | None = None
    ) -> None:
        callback = self.options.on_progress
        if callback is None:
            return
        now = self.elapsed()
        if not force and now - self.last_report < PROGRESS_INTERVAL_S:
            return
        self.last_report = now
        callback(Progress(now, objective or self.current_objective(), self.bound, phase))

    def without_schedule(self, status: SolveStatus, reason: str) -> SolveResult:
        return SolveResult(
            status=status,
            schedule={},
            objective=None,
            bound=self.bound,
            wall_time_s=self.elapsed(),
            strategy=STRATEGY,
            reason=reason,
        )


__all__ = ["solve_heuristic"]
