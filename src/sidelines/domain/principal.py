"""Principals: the people who meet, with their rank and seniority."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import IntEnum

from sidelines.domain.errors import DomainError
from sidelines.domain.ids import PartyId, PrincipalId, check_url_safe
from sidelines.domain.time import TimeSpan


class Rank(IntEnum):
    """Protocol rank; a lower value outranks a higher one.

    Heads of state precede heads of government, who precede ministers (Vienna Convention practice
    as applied at summits); within a rank, seniority is the date taken office.
    """

    HEAD_OF_STATE = 1
    HEAD_OF_GOVERNMENT = 2
    DEPUTY_HEAD = 3  # a vice president or deputy prime minister leading a delegation
    HEAD_OF_ORGANISATION = 4
    MINISTER = 5
    DEPUTY_MINISTER = 6
    AMBASSADOR = 7
    SENIOR_OFFICIAL = 8
    EXECUTIVE = 9  # a company's representative at a B2B event
    REPRESENTATIVE = 10

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").lower()


@dataclass(frozen=True, slots=True)
class Principal:
    """A person who meets on behalf of a party.

    ``unavailable`` lists the principal's own forbidden windows, on top of the delegation's
    arrival and departure and the programme sessions it must attend.
    """

    id: PrincipalId
    party: PartyId
    name: str
    title: str = ""
    rank: Rank = Rank.REPRESENTATIVE
    in_office_since: date | None = None
    languages: tuple[str, ...] = ()
    unavailable: tuple[TimeSpan, ...] = ()

    def __post_init__(self) -> None:
        if not self.id.strip():
            raise DomainError("principal id must not be empty", "id")
        check_url_safe(self.id)
        if not self.name.strip():
            raise DomainError("principal name must not be empty", "name")

    @property
    def display_name(self) -> str:
        return f"{self.title} {self.name}".strip() if self.title else self.name

    def precedence_key(self) -> tuple[int, date]:
        """Sort key of protocol order: rank first, then the longest in office."""
        return (int(self.rank), self.in_office_since or date.max)
