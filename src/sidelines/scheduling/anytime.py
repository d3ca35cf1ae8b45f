"""The heuristic beside the core-guided search, on problems where every meeting is required.

RC2 holds no schedule until it has proven its optimum, and on a busy machine it may not get
there. ``Improver`` keeps a complete valid schedule from the first moment and only ever
improves it: the heuristic's construction, then its local search until every required meeting
is in (construction alone leaves one or two out on tight instances, e.g. every JAIR original),
then break repair: where only breaks are open and meetings last one slot (the JAIR
instances), the Kempe-chain search of ``heuristic.kempe``, which reaches within a few breaks of
the optimum in a few seconds of CPU where the general local search stalls tens above it;
elsewhere the general local search. It works in slices of time that the MaxSAT portfolio hands
it between looks at its searches (``maxsat.portfolio.SideWork``), in the same process: it asks
for a large share until it has a schedule, a smaller one while it improves (the Kempe-chain
search more: on a 10 s run RC2 seldom proves a 21-22-slot instance, so the schedule is what the
user gets), and little once it has stalled, so that the searches that prove get the CPU. A
better schedule found by a search is offered to it (``offer``) and the local search goes on
from there.
"""

from __future__ import annotations

import random
import threading
import time

from sidelines.domain.ids import MeetingId
from sidelines.scheduling.heuristic.construct import (
    class_rank,
    construction_order,
    insert,
    place_locked,
)
from sidelines.scheduling.heuristic.kempe import KempeSearch, unfit
from sidelines.scheduling.heuristic.search import Search
from sidelines.scheduling.heuristic.state import State, placement_masks
from sidelines.scheduling.objective import ObjectiveValue, evaluate
from sidelines.scheduling.options import SolveOptions
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.result import Progress, SolveResult, SolveStatus
from sidelines.scheduling.rules.placement import contact_at
from sidelines.scheduling.schedule import Assignment
from sidelines.scheduling.spaces import ClassChoice, assign_spaces

PHASE = "heuristic"
# Shares of the parent's time asked for: until the first complete schedule, while improving,
# and once no better schedule came for STALL_S (measured in docs/benchmarks.md: on the JAIR
# instances the local search stalls at tens of breaks, where only RC2 reaches the optimum).
SHARE_COMPLETING = 0.5
SHARE_IMPROVING = 0.3
SHARE_STALLED = 0.05
STALL_S = 2.0
# The Kempe-chain search (where it applies) asks for this share until it stalls (``stalled``),
# and works in runs of this many moves between looks at the clock. All of the parent's time
# (1.0) gave it a break or two more at 10 s, but took the CPU that RC2's proofs need in a
# minute: 19/20 proven in 137.8 s against 20/20 in 93.7 s on the JAIR originals, in turn on
# an idle machine (docs/benchmarks.md).
SHARE_KEMPE = 0.7
KEMPE_MOVES = 500
# A solve shorter than this is short: there the schedule comes first (``Improver.short``).
# On the JAIR originals of 21-22 slots RC2 reaches the optimum's bound within seconds but its
# last call needs 3-16 s of CPU alone, and the second RC2 (MapleCM), which proves the 1-break
# ones, 11-12 s: on two shared cores neither comes within such a limit, so the Kempe-chain
# search's schedule is the answer, and it still gains breaks with more CPU (docs/benchmarks.md).
SHORT_SOLVE_S = 30.0

Placement = tuple[int, int, int | None]  # meeting index, start slot, space index


class Improver:
    """A complete schedule as early as possible, then better ones; see the module's text."""

    def __init__(self, problem: Problem, options: SolveOptions, started: float) -> None:
        self.problem = problem
        self.options = options
        self.started = started
        self.state = State(problem, placement_masks(problem))
        self.ranks = class_rank(self.state)
        self.rng = random.Random(options.seed)
        self.required = [
            idx
            for idx, meeting in enumerate(problem.meetings)
            if meeting.required or meeting.locked
        ]
        self.hopeless = False  # a locked meeting does not fit: no schedule to look for
        for meeting_idx in construction_order(self.state):
            if problem.meetings[meeting_idx].locked:
                self.hopeless = self.hopeless or not place_locked(self.state, meeting_idx)
            else:
                insert(self.state, meeting_idx, self.ranks)
        self.search = self._search()
        # Once complete, breaks alone are open: the Kempe-chain search takes over where it can.
        self.kempe = KempeSearch(problem, self.rng) if unfit(problem) is None else None
        self.kempe_loaded = False
        # A short solve: the Kempe-chain search asks for all of the parent's time and does not
        # give it back when stalled (it still found better schedules after 600,000 moves
        # without one), and the MaxSAT searches after the first run in the background.
        self.short = options.time_limit_s < SHORT_SOLVE_S
        self.best: ObjectiveValue | None = None
        self.best_placements: list[Placement] = []
        self.last_gain = time.monotonic()
        self._note()

    def _search(self) -> Search:
        return Search(self.state, self.ranks, self.rng, lambda: None)

    # --- SideWork ------------------------------------------------------------------------

    def step(self, until: float) -> float:
        if self.hopeless or (self.best is not None and self.best.breaks == 0):
            return 0.0
        if self.kempe is not None and self.best is not None:
            return self._step_kempe(until)
        # Until there is a complete schedule, not even ``stop`` interrupts (the caller limits
        # this with ``until``): an answer without every required meeting is no answer.
        stop = self.options.stop if self.best is not None else threading.Event()
        self.search.run(until, stop, lambda: False)
        self.search.restore_best()
        self._note()
        if self.best is None:
            return SHARE_COMPLETING
        if self.kempe is not None:
            return SHARE_KEMPE  # complete: the Kempe-chain search goes on from here
        if time.monotonic() - self.last_gain < STALL_S:
            return SHARE_IMPROVING
        return SHARE_STALLED

    def best_breaks(self) -> int | None:
        return None if self.best is None else self.best.breaks

    def offer(self, choices: list[ClassChoice], objective: ObjectiveValue) -> None:
        """A schedule found elsewhere: the local search goes on from it if it is better."""
        if self.best is not None and objective.key() <= self.best.key():
            return
        schedule = assign_spaces(self.problem, choices)
        self.best = objective
        self.best_placements = self._placements_of(schedule)
        self.last_gain = time.monotonic()
        if self.kempe is not None:
            self.kempe.load((c.meeting_idx, c.start_slot) for c in choices)
            self.kempe_loaded = True
            return
        self._load(self.best_placements)
        self.search = self._search()

    # --- the best schedule ---------------------------------------------------------------

    def complete(self) -> bool:
        return self.best is not None

    def placements(self) -> list[Placement]:
        """The best complete schedule, or else where the search is now (for phases)."""
        if self.best is not None:
            return self.best_placements
        state = self.state
        return [
            (idx, start, state.space[idx]) for idx, start in enumerate(state.start) if start >= 0
        ]

    def schedule(self) -> dict[MeetingId, Assignment]:
        problem = self.problem
        schedule: dict[MeetingId, Assignment] = {}
        for meeting_idx, start, space_idx in self.placements():
            meeting_id = problem.meetings[meeting_idx].id
            if space_idx is None:
                at_session = contact_at(problem, meeting_idx, start)
                schedule[meeting_id] = Assignment(start, at_session=at_session)
            else:
                schedule[meeting_id] = Assignment(start, problem.spaces[space_idx].id)
        return schedule

    def result(self) -> SolveResult | None:
        """The best complete schedule as a result (FEASIBLE: the heuristic proves nothing,
        except that no breaks at all is optimal), or None before there is one."""
        if self.best is None:
            return None
        return SolveResult(
            status=SolveStatus.OPTIMAL if self.best.breaks == 0 else SolveStatus.FEASIBLE,
            schedule=self.schedule(),
            objective=self.best,
            bound=None,
            wall_time_s=time.monotonic() - self.started,
            strategy=PHASE,
        )

    # --- inside --------------------------------------------------------------------------

    def _step_kempe(self, until: float) -> float:
        kempe = self.kempe
        assert kempe is not None
        assert self.best is not None
        if not self.kempe_loaded:
            kempe.load((idx, start) for idx, start, _ in self.best_placements)
            self.kempe_loaded = True
        stop = self.options.stop
        found = False
        while time.monotonic() < until and not stop.is_set():
            found = kempe.run(KEMPE_MOVES) or found
        if found and kempe.best_breaks is not None and kempe.best_breaks < self.best.breaks:
            choices = kempe.choices()
            objective = evaluate(self.problem, [(c.meeting_idx, c.start_slot) for c in choices])
            if objective.key() > self.best.key():
                self.best = objective
                self.best_placements = self._placements_of(assign_spaces(self.problem, choices))
                self.last_gain = time.monotonic()
                self._report(objective)
        if kempe.best_breaks == 0:
            return 0.0
        if self.short:
            return 1.0
        if kempe.stalled():
            return SHARE_STALLED
        return SHARE_KEMPE

    def _report(self, objective: ObjectiveValue) -> None:
        if self.options.on_progress is not None:
            elapsed = time.monotonic() - self.started
            self.options.on_progress(Progress(elapsed, objective, None, phase=PHASE))

    def _note(self) -> None:
        """Keep the current state as the best when it is complete, fair and better."""
        state = self.state
        if not all(state.is_placed(idx) for idx in self.required) or not state.fair():
            return
        objective = evaluate(self.problem, state.placed_pairs())
        if self.best is not None and objective.key() <= self.best.key():
            return
        self.best = objective
        self.best_placements = [
            (idx, start, state.space[idx]) for idx, start in enumerate(state.start) if start >= 0
        ]
        self.last_gain = time.monotonic()
        self._report(objective)

    def _load(self, placements: list[Placement]) -> None:
        state = self.state
        for meeting_idx, start in enumerate(state.start):
            if start >= 0:
                state.unplace(meeting_idx)
        state.place_all(placements)

    def _placements_of(self, schedule: dict[MeetingId, Assignment]) -> list[Placement]:
        problem = self.problem
        placements: list[Placement] = []
        for meeting_idx, meeting in enumerate(problem.meetings):
            assignment = schedule.get(meeting.id)
            if assignment is None:
                continue
            space_idx = None if assignment.space is None else problem.space_index[assignment.space]
            placements.append((meeting_idx, assignment.start_slot, space_idx))
        return placements


__all__ = ["Improver"]
