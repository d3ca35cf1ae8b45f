"""The rows per principal and slot from an LP not solved to the end: a bound from its duals.

The capacity LP of ``lp_bound.py`` groups interchangeable meetings, which leaves out the rows
per principal and slot (at most one meeting of a principal at a time): they need a start
variable per meeting, and GLOP, solving that LP round after round, takes 7-17 s of CPU at 200 x
1,000 (docs/benchmarks.md). PDLP (first-order, in OR-Tools) gets close to its value far
sooner, but what it stops with is neither optimal nor exactly feasible, so its objective is no
bound. Its dual values are, once priced: for multipliers ``pi >= 0`` on the LP's rows
(capacity, whole meetings, principals' half-days and days, the room policy, principal and
slot), every schedule's weight is at most

    L(pi) = sum_r pi_r * high_r + sum_m max(0, max_j rc_j)

where ``j`` runs over meeting ``m``'s starts (each with the classes allowing it) and ``rc_j``
is its weight less the multipliers of the rows it counts in (weak duality: a schedule starts
each meeting at most once, and then satisfies every row; a required meeting's ``max`` has no
0). Dropping a row's lower side or a variable's bound only relaxes, so any multipliers do;
at the LP's optimal duals ``L`` is the LP's value. ``DualBound`` computes ``L`` with NumPy over
the meetings' starts (about a second of CPU at 400,000 starts), ``principal_bound`` runs PDLP
on the LP with every row per principal and slot and returns ``L`` at its duals, rounded down.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from sidelines.scheduling.bound import ROUNDING_MARGIN
from sidelines.scheduling.problem import Problem

if TYPE_CHECKING:
    from sidelines.scheduling.lp_bound import _CapacityLP

Options = Sequence[tuple[int, int]]

# The share of the time left that is kept for computing ``L`` after PDLP.
CERTIFY_SHARE = 0.15
# PDLP's first time limit: this share of the time left, at least ``FIRST_CHUNK_S`` seconds;
# each next one is four times longer. Each solve starts from scratch, so on a busy machine,
# where a wall-clock second is a fraction of CPU, short ones are CPU thrown away (at 1,000 x
# 5,000 chunks of 2, 8, 32 s and the rest of a minute gave 5633 in 16.4 s of CPU where one
# solve gave 5631 in 20 s).
FIRST_CHUNK_SHARE = 0.2
FIRST_CHUNK_S = 2.0


class DualBound:
    """``L`` over the starts of a built capacity LP's meetings."""

    def __init__(self, lp: _CapacityLP) -> None:
        import numpy as np

        model = lp.model
        n_vars = len(model.low)
        self.n_vars = n_vars
        self.n_rows = len(model.row_low)
        dualised = np.array(model.dualised, dtype=bool)
        term_row = np.array(model.term_row, dtype=np.int64)
        keep = dualised[term_row]
        self.t_row = term_row[keep]
        self.t_var = np.array(model.term_var, dtype=np.int64)[keep]
        self.t_coef = np.array(model.term_coef)[keep]
        self.dualised = dualised
        self.high = np.where(dualised, np.array(model.row_high), 0.0)
        # Per start: its meeting's y, the variable the capacity rows count it in (w), and its
        # own variable when it has one besides (z, or a start of a meeting needing no space);
        # ``n_vars`` stands for none (priced 0).
        ys: list[int] = []
        ws: list[int] = []
        zs: list[int] = []
        required: list[bool] = []
        first: list[int] = []
        for idx, own in enumerate(lp.meeting_ys):
            count = len(ys)
            for y in own:
                key = lp.y_key.get(y)
                if key is not None:
                    for _, z, w in lp.key_starts[key]:
                        ys.append(y)
                        ws.append(w)
                        # z is w itself when no other key has its start and classes
                        zs.append(n_vars if z == w else z)
                else:
                    for _, x in lp.y_corridor[y]:
                        ys.append(y)
                        ws.append(n_vars)
                        zs.append(n_vars if x < 0 else x)
            if len(ys) > count:
                meeting = lp.problem.meetings[idx]
                first.append(count)
                required.append(meeting.required or meeting.locked)
        self.e_y = np.array(ys, dtype=np.int64)
        self.e_w = np.array(ws, dtype=np.int64)
        self.e_z = np.array(zs, dtype=np.int64)
        self.e_weight = np.array([*model.weight, 0.0])[self.e_y]
        self.first = np.array(first, dtype=np.int64)
        self.required = np.array(required, dtype=bool)

    def value(self, pi: Any) -> float:
        """``L(pi)``, ``pi`` one multiplier per row (those of rows not priced are ignored)."""
        import numpy as np

        if not len(self.first):
            return float(pi @ self.high)
        prices = np.bincount(self.t_var, self.t_coef * pi[self.t_row], minlength=self.n_vars + 1)
        reduced = self.e_weight - prices[self.e_y] - prices[self.e_w] - prices[self.e_z]
        best = np.maximum.reduceat(reduced, self.first)
        best = np.where(self.required, best, np.maximum(best, 0.0))
        return float(best.sum() + pi @ self.high)

    def bound(self, duals: Any) -> float:
        """``L`` at an LP solver's dual values (any, optimal or not), the least of the two
        sign conventions: both are bounds."""
        import numpy as np

        duals = np.asarray(duals, dtype=float)
        values = []
        for sign in (1.0, -1.0):
            pi = np.where(self.dualised, np.maximum(0.0, sign * duals), 0.0)
            values.append(self.value(pi))
        return min(values)


def principal_bound(
    problem: Problem,
    masks: Sequence[Options],
    deadline: float,
    on_bound: Callable[[int], None] | None = None,
) -> int | None:
    """The LP with a start variable per meeting and every row per principal and slot, given
    to PDLP until ``deadline`` (less what certifying its answer takes), and the least ``L`` at
    its dual values, rounded down; None when it could not be built or solved in time.

    PDLP is stopped after a fifth of the time (at least ``FIRST_CHUNK_S``), then four times as
    long, and so on (each solve from scratch: OR-Tools' model builder does not warm-start it),
    so that a bound comes early at the cost of at most a quarter more CPU; ``on_bound`` hears
    each lower one."""
    from sidelines.scheduling.lp_bound import _builder, _CapacityLP

    lp = _CapacityLP(problem, masks, deadline, None, principal_rows=True)
    if lp.build() is not None:
        return None
    model = lp.model
    for terms in lp._principal_slot_terms():
        model.row(terms, 0.0, 1.0)
    mbh = _builder()
    helper = model.load(None)
    dual = DualBound(lp)
    best: int | None = None
    chunk = max(FIRST_CHUNK_S, FIRST_CHUNK_SHARE * (deadline - time.monotonic()))
    while True:
        remaining = deadline - time.monotonic()
        limit = min(chunk, remaining * (1.0 - CERTIFY_SHARE))
        if limit <= 0:
            return best
        solver = mbh.ModelSolverHelper("pdlp")
        solver.set_time_limit_in_seconds(limit)
        solver.solve(helper)
        duals = solver.dual_values()
        if len(duals) == len(model.row_low):
            value = dual.bound(duals)
            if math.isfinite(value):
                rounded = math.floor(value + ROUNDING_MARGIN)
                if best is None or rounded < best:
                    best = rounded
                    if on_bound is not None:
                        on_bound(best)
        if solver.status() == mbh.SolveStatus.OPTIMAL or limit < chunk:
            return best
        chunk *= 4


__all__ = ["DualBound", "principal_bound"]
