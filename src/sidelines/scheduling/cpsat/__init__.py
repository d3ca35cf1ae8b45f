"""The CP-SAT (OR-Tools) strategy: a time-indexed model of start literals per meeting, slot and
class of interchangeable spaces, built rule by rule from ``sidelines.scheduling.rules``.

Laid out like PyJobShop's CP-SAT backend: ``variables`` (the decision variables and queries on
them), ``constraints`` (one builder per hard rule), ``objective`` (breaks and the lexicographic
weighted sum), ``solver`` (parameters, progress, stopping, reading the answer).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sidelines.scheduling.problem import Problem

if TYPE_CHECKING:
    from sidelines.scheduling.cpsat.solver import solve_cpsat


def __getattr__(name: str) -> Any:
    # ``solve_cpsat`` is loaded on first use: OR-Tools' CP-SAT takes most of a second to import,
    # which ``estimate_model_size`` (asked before deciding on the strategy) should not pay.
    if name == "solve_cpsat":
        from sidelines.scheduling.cpsat.solver import solve_cpsat

        return solve_cpsat
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def estimate_model_size(problem: Problem) -> int:
    """An upper bound on the model's Boolean start literals, cheap enough to ask before deciding
    whether to build the model at all: each meeting's starts within its windows and one day,
    times the space classes it could use (the exact count, ``count_start_literals``, runs every
    placement rule and costs seconds on the largest events)."""
    n_classes = max(1, len(problem.space_classes))
    fits: dict[int, int] = {}
    total = 0
    for meeting in problem.meetings:
        if meeting.duration_slots not in fits:
            fits[meeting.duration_slots] = problem.grid.day_fit_starts(meeting.duration_slots)
        starts = (meeting.window & fits[meeting.duration_slots]).bit_count()
        total += starts * (n_classes if meeting.needs_space and not meeting.locked else 1)
    return total


__all__ = ["estimate_model_size", "solve_cpsat"]
