"""The constructive heuristic with local search."""

from __future__ import annotations

from sidelines.scheduling.options import SolveOptions
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.result import SolveResult


def solve_heuristic(problem: Problem, options: SolveOptions) -> SolveResult:
    raise NotImplementedError
