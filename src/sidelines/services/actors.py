"""Who is acting: an organiser, a delegation member acting for its party, or the public."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ORGANISER = "organiser"
    DELEGATE = "delegate"
    PUBLIC = "public"


@dataclass(frozen=True, slots=True)
class Actor:
    role: Role
    user_id: int | None = None
    username: str = ""
    event_id: str | None = None  # a delegate is bound to one delegation of one event
    party_id: str | None = None
    channel: str = "api"

    @property
    def is_organiser(self) -> bool:
        return self.role is Role.ORGANISER

    @property
    def is_delegate(self) -> bool:
        return self.role is Role.DELEGATE

    def acts_for(self, event_id: str) -> str | None:
        """The party this actor speaks for at ``event_id``, if any."""
        if self.role is Role.DELEGATE and self.event_id == event_id:
            return self.party_id
        return None


PUBLIC = Actor(Role.PUBLIC)
