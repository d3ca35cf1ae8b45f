"""What an on-site re-plan answers: the new schedule, what moved, and what needs a decision."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from sidelines.domain.ids import MeetingId
from sidelines.scheduling.rules import Violation
from sidelines.scheduling.schedule import Assignment, Schedule


class OnsiteStatus(StrEnum):
    PLACED = "placed"  # every meeting the change asked to place has a place
    NEEDS_DECISION = "needs_decision"  # some has none: the alternatives are for the organiser


@dataclass(frozen=True, slots=True)
class Move:
    """An existing meeting whose placement changed; ``after`` is None when it lost its place."""

    meeting: MeetingId
    before: Assignment
    after: Assignment | None


class AlternativeKind(StrEnum):
    FORMAT = "format"  # held in a shorter format that needs no room
    DAY = "day"  # held on a day its windows did not allow
    GIVE_WAY = "give_way"  # lower-priority meetings make room and lose their place


@dataclass(frozen=True, slots=True)
class Alternative:
    """A way to hold a meeting that could not be placed as agreed. Never applied by the engine:
    the organiser decides. ``placement`` is where the meeting would go, ``moves`` the existing
    meetings that would move (or, for ``GIVE_WAY``, lose their place) to make room."""

    kind: AlternativeKind
    meeting: MeetingId
    placement: Assignment
    duration_slots: int
    moves: tuple[Move, ...] = ()
    format: str | None = None  # for FORMAT, the format it would take
    summary: str = ""


@dataclass(frozen=True)
class OnsiteResult:
    """``schedule`` keeps every hard rule of the changed problem (``violations`` is empty)
    unless a locked meeting itself is broken by the change. ``placed`` holds the meetings the
    change asked to place that now have a place; ``moved`` every existing meeting whose
    placement differs from the published one, computed from the two schedules."""

    status: OnsiteStatus
    schedule: Schedule
    placed: dict[MeetingId, Assignment]
    moved: tuple[Move, ...]
    unplaced: dict[MeetingId, str]
    alternatives: dict[MeetingId, tuple[Alternative, ...]] = field(default_factory=dict)
    violations: tuple[Violation, ...] = ()
    elapsed_s: float = 0.0


__all__ = ["Alternative", "AlternativeKind", "Move", "OnsiteResult", "OnsiteStatus"]
