"""The official programme: sessions that block the principals who must attend them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sidelines.domain.errors import DomainError
from sidelines.domain.ids import PrincipalId, SessionId, check_url_safe
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


class SessionEdge(StrEnum):
    """Where in a programme session a brief contact happens: as it opens or as it closes."""

    START = "start"
    END = "end"


@dataclass(frozen=True, slots=True, order=True)
class AtSession:
    """The place of a brief contact held at a programme session: its first or last minutes,
    among the attendees, with no room (the seed story's greeting "at the beginning of the
    retreat")."""

    session: SessionId
    edge: SessionEdge = SessionEdge.START

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "edge", SessionEdge(self.edge))
        except ValueError:
            raise DomainError(f"unknown session edge {self.edge!r}", "edge") from None


@dataclass(frozen=True, slots=True)
class ProgrammeSession:
    """An official programme item. Its attendees cannot hold sidelines meetings during it,
    except a brief contact at its start or end (``AtSession``)."""

    id: SessionId
    title: str
    span: TimeSpan
    attendees: frozenset[PrincipalId]
    kind: SessionKind = SessionKind.OTHER
    venue: str = ""

    def __post_init__(self) -> None:
        if not self.title.strip():
            raise DomainError("programme session title must not be empty", "title")
        check_url_safe(self.id)
