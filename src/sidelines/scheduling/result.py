"""What a solve returns, and what it reports while it runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from sidelines.domain.ids import MeetingId
from sidelines.scheduling.objective import ObjectiveValue
from sidelines.scheduling.schedule import Assignment


class SolveStatus(StrEnum):
    OPTIMAL = "optimal"  # proven best for every objective term
    FEASIBLE = "feasible"  # valid, not proven best
    INFEASIBLE = "infeasible"  # proven: the required meetings cannot all be placed
    UNKNOWN = "unknown"  # no valid schedule found and no proof that none exists


@dataclass(frozen=True, slots=True)
class Bound:
    """The best the solver has proven possible: no schedule weighs more than
    ``weight_scheduled``, and none with that weight has fewer than ``breaks`` breaks.

    ``kind`` names the relaxation the weight bound comes from when it is not a solver's proof:
    one of the ``"LP bound (capacity sets...)"`` kinds of ``lp_bound.py`` (with the rows per
    principal and slot, all or some, or none) or ``"relaxed bound ..."`` (``bound.py``), so
    that a reader knows how tight the reported gap can be."""

    weight_scheduled: int
    breaks: int
    kind: str = field(default="", compare=False)  # the same numbers are the same bound


@dataclass(frozen=True, slots=True)
class Progress:
    """A report during a solve: the best schedule's objective so far and the proven bound.

    ``phase`` is the part of the solve reporting; ``found_by`` the part that found the best
    schedule (set by ``series.ProgressSeries`` for the whole solve, empty from a part alone)."""

    elapsed_s: float
    objective: ObjectiveValue | None
    bound: Bound | None
    phase: str
    found_by: str = ""


@dataclass(frozen=True)
class SolveResult:
    status: SolveStatus
    schedule: dict[MeetingId, Assignment]
    objective: ObjectiveValue | None
    bound: Bound | None
    wall_time_s: float
    strategy: str
    left_out: dict[MeetingId, str] = field(default_factory=dict)
    reason: str = ""  # for infeasible and unknown: why, in words
    interrupted: bool = False

    @property
    def open_term(self) -> str | None:
        """The first objective term the bound does not close (``"weight"`` or ``"breaks"``);
        None when all are closed or there is no schedule or no bound."""
        if self.objective is None or self.bound is None:
            return None
        if self.bound.weight_scheduled > self.objective.weight_scheduled:
            return "weight"
        if self.objective.breaks > self.bound.breaks:
            return "breaks"
        return None

    @property
    def gap(self) -> float | None:
        """Relative gap of the first objective term the bound does not close, 0.0 when closed."""
        if self.objective is None or self.bound is None:
            return None
        if self.bound.weight_scheduled > self.objective.weight_scheduled:
            return (self.bound.weight_scheduled - self.objective.weight_scheduled) / max(
                1, self.bound.weight_scheduled
            )
        if self.objective.breaks > self.bound.breaks:
            return (self.objective.breaks - self.bound.breaks) / max(1, self.objective.breaks)
        return 0.0
