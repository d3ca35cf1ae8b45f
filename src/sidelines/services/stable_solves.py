"""How much a batch solve may change the published schedule, as the organiser asks for it.

``stability`` is keep, minimal or free (``scheduling.stability``); once a version is published
the default is minimal, before any it is free (there is nothing to keep). ``max_moves`` is the
budget of a minimal solve: a count (``3``) or a share of the published meetings (``"2%"``,
at most that share, rounded down, as ``sidelines solve --max-moves`` reads it); without it, the
engine's default, 1 % and at least one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sidelines.scheduling.stability import Stability, default_move_budget, share_budget
from sidelines.services.errors import Invalid

MoveBudget = int | str | None


@dataclass(frozen=True)
class StabilityChoice:
    """The organiser's choice, checked; ``stability`` None: the default for the event."""

    stability: Stability | None
    max_moves: int | None  # a count
    max_moves_percent: float | None  # or a share of the published meetings

    def resolve(self, published_count: int) -> tuple[Stability, int | None]:
        """The mode and the move budget for an event with ``published_count`` published
        meetings (a budget only for minimal)."""
        mode = self.stability or (Stability.MINIMAL if published_count else Stability.FREE)
        if mode is not Stability.MINIMAL:
            return mode, None
        if self.max_moves is not None:
            return mode, self.max_moves
        if self.max_moves_percent is not None:
            return mode, share_budget(self.max_moves_percent, published_count)
        return mode, default_move_budget(published_count)

    def as_dict(self) -> dict[str, Any]:
        """As the solve's row keeps it (``progress``), to run it in the background."""
        return {
            "stability": str(self.stability) if self.stability else None,
            "max_moves": self.max_moves,
            "max_moves_percent": self.max_moves_percent,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StabilityChoice:
        mode = data.get("stability")
        return cls(
            Stability(mode) if mode else None,
            data.get("max_moves"),
            data.get("max_moves_percent"),
        )


def stability_choice(stability: str | None, max_moves: MoveBudget) -> StabilityChoice:
    """The organiser's choice checked, each bad field named: ``stability`` one of keep,
    minimal, free; ``max_moves`` a count ≥ 0 or a percentage ``"P%"`` (0 ≤ P ≤ 100), and only
    for minimal (keep moves nothing, free is not bounded)."""
    mode = None
    if stability is not None and stability != "":
        try:
            mode = Stability(stability)
        except ValueError:
            choices = ", ".join(str(s) for s in Stability)
            raise Invalid(f"stability must be one of {choices}", "stability") from None
    count, percent = _budget(max_moves)
    if (count is not None or percent is not None) and mode not in (None, Stability.MINIMAL):
        raise Invalid(f"max_moves applies to minimal, not to {mode}", "max_moves")
    return StabilityChoice(mode, count, percent)


def _budget(max_moves: MoveBudget) -> tuple[int | None, float | None]:
    if max_moves is None or max_moves == "":
        return None, None
    bad = Invalid("max_moves must be a count (3) or a percentage (2%)", "max_moves")
    if isinstance(max_moves, bool):
        raise bad
    if isinstance(max_moves, int):
        if max_moves < 0:
            raise bad
        return max_moves, None
    text = max_moves.strip()
    try:
        if text.endswith("%"):
            percent = float(text[:-1])
            if not (0 <= percent <= 100) or math.isnan(percent):
                raise bad
            return None, percent
        count = int(text)
    except ValueError:
        raise bad from None
    if count < 0:
        raise bad
    return count, None
