"""A schedule: for each placed meeting, its start slot and its space (none for corridor formats)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sidelines.domain.ids import MeetingId, SpaceId


@dataclass(frozen=True, slots=True, order=True)
class Assignment:
    start_slot: int
    space: SpaceId | None = None


Schedule = Mapping[MeetingId, Assignment]
