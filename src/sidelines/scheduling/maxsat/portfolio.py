"""Searches on one MaxSAT formula, each in its own process, run side by side, and optionally
work of the caller's own (``SideWork``, the heuristic) between looks at them.

* ``rc2``: core-guided RC2 raises a lower bound until a model meets it (the proof).
* ``lsu``: a linear SAT-UNSAT search finds a model, then asks for one with fewer violated soft
  clauses (an incremental totalizer over them), until none exists (good schedules early, and a
  proof of its own when the last call is unsatisfiable).

Both use CaDiCaL 1.9.5 (measured against MapleCM, MapleChrono and Glucose 4 in
docs/benchmarks.md). Its pysat binding cannot be interrupted, and python-sat holds the GIL while
solving, so each search runs in a child process that the parent simply kills at the time limit.
The children report over a pipe: lower bounds, models (only the literals the caller keeps) and
the end of the search.

The parent is not idle while they run: ``SideWork`` gets slices of its time (``SLICE_S`` each,
then a wait on the pipes in proportion to the share the work asks for). As an ordinary process
beside the searches it gets its part of the CPU however busy the machine is, and it gives most
of it back once it stops finding better schedules.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any, Protocol

from pysat.card import ITotalizer
from pysat.examples.rc2 import RC2
from pysat.formula import WCNF
from pysat.solvers import Solver

SAT_SOLVER = "cd19"
# prctl(2): the signal a process gets when the thread that started it ends.
_PR_SET_PDEATHSIG = 1
_POLL_S = 0.05
SLICE_S = 0.1  # one slice of the side work, between looks at the searches


class SideWork(Protocol):
    """Work the parent does while the searches run (the heuristic improving its schedule)."""

    def step(self, until: float) -> float:
        """Work until ``until`` at the latest; the share of the parent's time wanted next
        (0 for none: nothing left to do)."""
        ...

    def best_breaks(self) -> int | None:
        """The breaks of the best complete schedule found so far, if any."""
        ...


class _ReportingRC2(RC2):  # type: ignore[misc]
    """RC2 that reports its lower bound before every SAT call."""

    def __init__(self, formula: WCNF, report: Callable[[int], None], **kwargs: Any) -> None:
        super().__init__(formula, **kwargs)
        self._report = report
        self._reported = -1

    def _call_oracle(self, assumptions: Any = (), expect_interrupt: bool = False) -> Any:
        if self.cost != self._reported:
            self._reported = self.cost
            self._report(self.cost)
        return super()._call_oracle(list(assumptions), expect_interrupt)


def _kept(model: Sequence[int], keep: Sequence[int]) -> list[int]:
    return [literal for literal in keep if model[literal - 1] > 0]


def _soft_cost(formula: WCNF, model: Sequence[int]) -> int:
    # A soft clause is a unit [-gap]: it is violated when gap is true.
    return sum(1 for clause in formula.soft if model[-clause[0] - 1] > 0)


@dataclass(frozen=True)
class Formula:
    """What the searches solve: the formula, clauses implied by it for the searches alone, the
    literals to report of a model, and the first phases."""

    wcnf: WCNF
    redundant: list[list[int]]
    keep: list[int]
    phases: list[int]


@dataclass(frozen=True)
class _Task:
    """What one search's process is given: its SAT solver, the formula (or how to build it, in
    the search's own process), what a model's kept literals are sent as, and whether to begin
    with a plain SAT call for any model."""

    solver: str
    formula: Formula | Callable[[], Formula]
    decode: Callable[[list[int]], Any] | None
    first: bool
    nice: int = 0  # added to the process's niceness once its plain SAT call (if any) is done

    def built(self) -> Formula:
        return self.formula if isinstance(self.formula, Formula) else self.formula()

    def sent(self, model: Sequence[int], keep: Sequence[int]) -> Any:
        kept = _kept(model, keep)
        return kept if self.decode is None else self.decode(kept)


def _run_rc2(task: _Task, out: Connection) -> None:
    built = task.built()
    formula, keep, phases = built.wcnf, built.keep, built.phases
    if task.first:
        # Any schedule at all, from the hard clauses alone (RC2 has none until it ends), on
        # CaDiCaL, which finds one fastest (0.1-2 s of CPU on the JAIR originals; MapleCM up
        # to 30 s). Without the phases: they come from a schedule that lacks meetings (else
        # no call is made), and they took this call from 7.8 to 15.8 s of CPU in all on the
        # 15 JAIR instances it is made for, 0.7 to 3.9 s on forum-14 (docs/benchmarks.md).
        with Solver(name=SAT_SOLVER, bootstrap_with=formula.hard) as plain:
            if plain.solve():
                model = plain.get_model()
                out.send(("model", task.sent(model, keep), _soft_cost(formula, model)))
    _lower_priority(task.nice)
    rc2 = _ReportingRC2(formula, lambda cost: out.send(("bound", cost)), solver=task.solver)
    rc2.oracle.append_formula(built.redundant)
    if phases:
        rc2.oracle.set_phases(phases)
    model = rc2.compute()
    if model is None:
        out.send(("infeasible",))
    else:
        out.send(("model", task.sent(model, keep), rc2.cost))
        out.send(("optimal",))


def _run_lsu(task: _Task, out: Connection) -> None:
    built = task.built()
    formula, keep, phases = built.wcnf, built.keep, built.phases
    _lower_priority(task.nice)
    solver = Solver(name=task.solver, bootstrap_with=[*formula.hard, *built.redundant])
    if phases:
        solver.set_phases(phases)
    # A soft clause is a unit [-gap]: its violation is the literal gap.
    violated = [-clause[0] for clause in formula.soft]
    totalizer: ITotalizer | None = None
    found = False
    while solver.solve():
        model = solver.get_model()
        cost = sum(1 for literal in violated if model[literal - 1] > 0)
        out.send(("model", task.sent(model, keep), cost))
        found = True
        if cost == 0:
            break
        if totalizer is None:
            totalizer = ITotalizer(
                lits=violated, ubound=cost, top_id=max(formula.nv, solver.nof_vars())
            )
            solver.append_formula(totalizer.cnf.clauses)
        solver.add_clause([-totalizer.rhs[cost - 1]])
    out.send(("optimal",) if found else ("infeasible",))


_SEARCHES = {"rc2": _run_rc2, "lsu": _run_lsu}


def _lower_priority(increment: int) -> None:
    if increment > 0:
        os.nice(increment)


def _run_search(
    search: Callable[[_Task, Connection], None], parent: int, task: _Task, out: Connection
) -> None:
    """One search's process: bound to end with its parent, then the search."""
    _end_with(parent)
    search(task, out)


def _end_with(parent: int) -> None:
    """Have this process killed when the one that started it ends, even killed outright: the
    parent kills its searches on return, and multiprocessing its daemonic children at a normal
    exit, but neither happens on SIGKILL or an unhandled SIGTERM, and a search left behind
    would keep a core busy until it proved its answer (minutes on a hard instance). Linux only
    (``prctl``); elsewhere the parent's own clean-up is all there is."""
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent ended before the signal was asked for
        os._exit(1)


@dataclass
class Outcome:
    """What the searches established: every model seen (kept literals, or what ``decode`` made
    of them; soft cost), the best lower bound, and whether the optimum (of the best model) or
    infeasibility was proven."""

    models: list[tuple[Any, int]] = field(default_factory=list)
    lower: int = 0
    optimal: bool = False
    infeasible: bool = False
    finished: bool = False
    side_met_bound: bool = False  # stopped because the side work's schedule met the bound


def run_portfolio(
    formula: WCNF | Callable[[], Formula],
    keep: list[int] | None = None,
    *,
    searches: Sequence[str],
    deadline: float,
    should_stop: Callable[[], bool],
    on_model: Callable[[Any, int], int] | None = None,
    on_bound: Callable[[int], None] | None = None,
    phases: list[int] | None = None,
    side: SideWork | None = None,
    first_model: bool = False,
    proves_up_to: int | None = None,
    redundant: list[list[int]] | None = None,
    decode: Callable[[list[int]], Any] | None = None,
    background: int = 0,
) -> Outcome:
    """Run ``searches`` ("rc2" or "lsu", optionally ":" and a pysat solver name) until one
    proves its answer, ``on_model``'s score of a model (the caller's own count, at most the soft
    cost) or the side work's best meets the lower bound, the deadline passes or
    ``should_stop()``. With ``first_model`` the last search begins with a plain SAT call for a
    schedule of any cost. ``proves_up_to`` caps what the lower bound proves of a score (the
    encoding's fairness rule may be stricter than the caller's, see ``solve_maxsat``): a score
    above it never counts as meeting the bound. ``redundant`` clauses (implied by the hard
    ones) go to the searches' solvers but not to the plain SAT call. ``formula`` may instead
    be a function that builds all of these (``Formula``): each search's process calls it, so
    that the searches start at once and the caller's side work is not held up by the
    encoding (0.05-0.2 s of CPU on the JAIR instances, and a SAT call for a first schedule
    takes no longer on the tight ones). ``decode`` turns a model's kept literals into what is
    sent (in the search's process) and handed to ``on_model``. ``background`` is added to the
    niceness of every search but the first, after its plain SAT call: on a busy machine they
    then take the CPU the others leave (the first search and the side work get theirs), on an
    idle one they still get a core. Children are killed on return."""
    context = multiprocessing.get_context("fork")
    source = (
        Formula(formula, redundant or [], keep or [], phases or [])
        if isinstance(formula, WCNF)
        else formula
    )
    outcome = Outcome()
    best: int | None = None
    processes = []
    connections: list[Connection] = []
    try:
        for position, search in enumerate(searches):
            kind, _, solver = search.partition(":")
            # The last search (not the first, the fastest RC2 on most instances) looks for a
            # first schedule before its own work.
            first = first_model and position == len(searches) - 1
            receive, send = context.Pipe(duplex=False)
            process = context.Process(
                target=_run_search,
                args=(
                    _SEARCHES[kind],
                    os.getpid(),
                    _Task(
                        solver or SAT_SOLVER,
                        source,
                        decode,
                        first,
                        background if position > 0 else 0,
                    ),
                    send,
                ),
                name=f"maxsat-{search}",
                daemon=True,
            )
            process.start()
            send.close()
            processes.append(process)
            connections.append(receive)
        share = 1.0 if side is not None else 0.0
        side_due = time.monotonic()  # when the side work gets its next slice
        while connections:
            now = time.monotonic()
            remaining = deadline - now
            if remaining <= 0 or should_stop():
                break
            pause = max(0.0, side_due - now) if share > 0 else _POLL_S
            for connection in wait(connections, timeout=min(pause, _POLL_S, remaining)):
                assert isinstance(connection, Connection)
                try:
                    message = connection.recv()
                except EOFError:
                    connections.remove(connection)
                    continue
                kind = message[0]
                if kind == "bound":
                    outcome.lower = max(outcome.lower, message[1])
                    if on_bound is not None:
                        on_bound(outcome.lower)
                elif kind == "model":
                    kept, cost = message[1], message[2]
                    score = on_model(kept, cost) if on_model is not None else cost
                    outcome.models.append((kept, cost))
                    best = score if best is None else min(best, score)
                elif kind == "optimal":
                    # The last model of this search has the least soft cost of all.
                    outcome.lower = max(outcome.lower, min(c for _, c in outcome.models))
                    outcome.optimal = outcome.finished = True
                elif kind == "infeasible":
                    outcome.infeasible = outcome.finished = True
            proven = outcome.lower if proves_up_to is None else min(outcome.lower, proves_up_to)
            if outcome.finished or (best is not None and best <= proven):
                outcome.optimal = outcome.optimal or not outcome.infeasible
                break
            if side is None:
                continue
            if share > 0 and time.monotonic() >= side_due and not should_stop():
                began = time.monotonic()
                share = side.step(min(deadline, began + SLICE_S))
                worked = time.monotonic() - began
                # Wait on the pipes in proportion: the side work has ``share`` of the time.
                side_due = time.monotonic() + (worked * (1 - share) / share if share > 0 else 0)
            side_best = side.best_breaks()
            if side_best is not None and side_best <= proven:
                outcome.side_met_bound = True
                break
    finally:
        for connection in connections:
            connection.close()
        for process in processes:
            if process.is_alive():
                process.kill()
            process.join()
    return outcome


__all__ = ["SAT_SOLVER", "SLICE_S", "Formula", "Outcome", "SideWork", "run_portfolio"]
