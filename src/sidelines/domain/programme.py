"""The official programme: sessions that block the principals who must attend them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sidelines.domain.errors import DomainError
from sidelines.domain.ids import PrincipalId, SessionId
from sidelines.domain.time import TimeSpan


class SessionKind(StrEnum):
    PLENARY = "plenary"
    RETREAT = "retreat"
    WORKING_LUNCH = "working_lunch"
    FAMILY_PHOTO = "family_photo"
    GALA_DINNER = "gala_dinner"
    CEREMONY = "ceremony"
    DIALOGUE = "dialogue"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class ProgrammeSession:
    """An official programme item. Its attendees cannot hold sidelines meetings during it."""

    id: SessionId
    title: str
    span: TimeSpan
    attendees: frozenset[PrincipalId]
    kind: SessionKind = SessionKind.OTHER
    venue: str = ""

    def __post_init__(self) -> None:
        if not self.title.strip():
            raise DomainError("programme session title must not be empty", "title")
