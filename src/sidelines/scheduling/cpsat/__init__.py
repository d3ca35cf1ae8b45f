"""The CP-SAT (OR-Tools) strategy."""

from __future__ import annotations

from collections.abc import Mapping

from sidelines.domain.ids import MeetingId
from sidelines.scheduling.options import SolveOptions
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.result import SolveResult
from sidelines.scheduling.schedule import Assignment


def estimate_model_size(problem: Problem) -> int:
    """Roughly how many Boolean start variables the model would have."""
    raise NotImplementedError


def solve_cpsat(
    problem: Problem,
    options: SolveOptions,
    hint: Mapping[MeetingId, Assignment] | None = None,
) -> SolveResult:
    raise NotImplementedError
