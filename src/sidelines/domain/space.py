"""Spaces where meetings happen, and the walking times between their locations."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from sidelines.domain.errors import DomainError
from sidelines.domain.ids import PartyId, SpaceId, check_url_safe
from sidelines.domain.time import TimeSpan


class SpaceKind(StrEnum):
    BILATERAL_ROOM = "bilateral_room"  # the organiser's, booked through the event
    DELEGATION_PREMISES = "delegation_premises"  # a delegation's own suite or hotel
    NEUTRAL = "neutral"
    TABLE = "table"  # a B2B partnering table


class Feature(StrEnum):
    INTERPRETATION = "interpretation"
    PRESS = "press"  # press-ready: backdrop, flags, room for a pool spray
    SECURE = "secure"


@dataclass(frozen=True, slots=True)
class Space:
    """A room, booth or table.

    ``capacity`` counts people. ``opening_hours`` empty means open whenever the event runs.
    ``turnover_min`` is the buffer the space needs between two meetings (cleaning, flags, press
    out). ``location`` groups spaces that are close enough to need no walking time between them.
    """

    id: SpaceId
    name: str
    kind: SpaceKind = SpaceKind.BILATERAL_ROOM
    capacity: int = 10
    features: frozenset[Feature] = frozenset()
    opening_hours: tuple[TimeSpan, ...] = ()
    turnover_min: int = 0
    location: str = ""
    host_party: PartyId | None = None  # for delegation premises: only its party's meetings

    def __post_init__(self) -> None:
        if not self.id.strip():
            raise DomainError("space id must not be empty", "id")
        check_url_safe(self.id)
        if self.capacity < 1:
            raise DomainError(f"capacity must be at least 1, got {self.capacity}", "capacity")
        if self.turnover_min < 0:
            raise DomainError(
                f"turnover must not be negative, got {self.turnover_min}", "turnover_min"
            )
        if self.kind is SpaceKind.DELEGATION_PREMISES and self.host_party is None:
            raise DomainError("delegation premises need a host party", "host_party")

    @property
    def where(self) -> str:
        """The walking-time location; a space without one is a location of its own."""
        return self.location or self.id


@dataclass(frozen=True, slots=True)
class WalkingTimes:
    """Minutes needed to walk between two locations; symmetric, zero within a location."""

    minutes: Mapping[tuple[str, str], int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for (a, b), value in self.minutes.items():
            if value < 0:
                raise DomainError(f"walking time {a} to {b} must not be negative, got {value}")

    def between(self, a: str, b: str) -> int:
        if a == b:
            return 0
        return self.minutes.get((a, b), self.minutes.get((b, a), 0))
