"""Two searches on one MaxSAT formula, each in its own process, run side by side.

* ``rc2``: core-guided RC2 raises a lower bound until a model meets it (the proof).
* ``lsu``: a linear SAT-UNSAT search finds a model, then asks for one with fewer violated soft
  clauses (an incremental totalizer over them), until none exists (good schedules early, and a
  proof of its own when the last call is unsatisfiable).

Both use CaDiCaL 1.9.5 (measured against MapleCM, MapleChrono and Glucose 4 in
docs/benchmarks.md). Its pysat binding cannot be interrupted, and python-sat holds the GIL while
solving, so each search runs in a child process that the parent simply kills at the time limit.
The children report over a pipe: lower bounds, models (only the literals the caller keeps) and
the end of the search.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

from pysat.card import ITotalizer
from pysat.examples.rc2 import RC2
from pysat.formula import WCNF
from pysat.solvers import Solver

SAT_SOLVER = "cd19"
_POLL_S = 0.05


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


def _run_rc2(
    solver: str, formula: WCNF, keep: list[int], phases: list[int], out: Connection
) -> None:
    rc2 = _ReportingRC2(formula, lambda cost: out.send(("bound", cost)), solver=solver)
    if phases:
        rc2.oracle.set_phases(phases)
    model = rc2.compute()
    if model is None:
        out.send(("infeasible",))
    else:
        out.send(("model", _kept(model, keep), rc2.cost))
        out.send(("optimal",))


def _run_lsu(name: str, formula: WCNF, keep: list[int], phases: list[int], out: Connection) -> None:
    solver = Solver(name=name, bootstrap_with=formula.hard)
    if phases:
        solver.set_phases(phases)
    # A soft clause is a unit [-gap]: its violation is the literal gap.
    violated = [-clause[0] for clause in formula.soft]
    totalizer: ITotalizer | None = None
    found = False
    while solver.solve():
        model = solver.get_model()
        cost = sum(1 for literal in violated if model[literal - 1] > 0)
        out.send(("model", _kept(model, keep), cost))
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


@dataclass
class Outcome:
    """What the searches established: every model seen (kept literals, soft cost), the best
    lower bound, and whether the optimum (of the best model) or infeasibility was proven."""

    models: list[tuple[list[int], int]] = field(default_factory=list)
    lower: int = 0
    optimal: bool = False
    infeasible: bool = False
    finished: bool = False


def run_portfolio(
    formula: WCNF,
    keep: list[int],
    *,
    searches: Sequence[str],
    deadline: float,
    should_stop: Callable[[], bool],
    on_model: Callable[[list[int], int], int] | None = None,
    phases: list[int] | None = None,
) -> Outcome:
    """Run ``searches`` ("rc2" or "lsu", optionally ":" and a pysat solver name) until one
    proves its answer, ``on_model``'s score of a model (the caller's own count, at most the soft
    cost) meets the lower bound, the deadline passes or ``should_stop()``. Children are killed
    on return."""
    context = multiprocessing.get_context("fork")
    outcome = Outcome()
    best: int | None = None
    processes = []
    connections: list[Connection] = []
    try:
        for search in searches:
            kind, _, solver = search.partition(":")
            receive, send = context.Pipe(duplex=False)
            process = context.Process(
                target=_SEARCHES[kind],
                args=(solver or SAT_SOLVER, formula, keep, phases or [], send),
                name=f"maxsat-{search}",
                daemon=True,
            )
            process.start()
            send.close()
            processes.append(process)
            connections.append(receive)
        while connections:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or should_stop():
                break
            for connection in wait(connections, timeout=min(_POLL_S, remaining)):
                assert isinstance(connection, Connection)
                try:
                    message = connection.recv()
                except EOFError:
                    connections.remove(connection)
                    continue
                kind = message[0]
                if kind == "bound":
                    outcome.lower = max(outcome.lower, message[1])
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
            if outcome.finished or (best is not None and best <= outcome.lower):
                outcome.optimal = outcome.optimal or not outcome.infeasible
                break
    finally:
        for connection in connections:
            connection.close()
        for process in processes:
            if process.is_alive():
                process.kill()
            process.join()
    return outcome


__all__ = ["SAT_SOLVER", "Outcome", "run_portfolio"]
