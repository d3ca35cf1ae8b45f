"""The CP-SAT (OR-Tools) strategy: a time-indexed model of start literals per meeting, slot and
class of interchangeable spaces, built rule by rule from ``sidelines.scheduling.rules``.

Laid out like PyJobShop's CP-SAT backend: ``variables`` (the decision variables and queries on
them), ``constraints`` (one builder per hard rule), ``objective`` (breaks and the lexicographic
weighted sum), ``solver`` (parameters, progress, stopping, reading the answer).
"""

from __future__ import annotations

from sidelines.scheduling.cpsat.solver import solve_cpsat
from sidelines.scheduling.cpsat.variables import count_start_literals
from sidelines.scheduling.problem import Problem


def estimate_model_size(problem: Problem) -> int:
    """How many Boolean start literals the model has (one per allowed start and space class)."""
    return count_start_literals(problem)


__all__ = ["estimate_model_size", "solve_cpsat"]
