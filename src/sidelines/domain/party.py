"""Parties: the members of an event (economies, states, organisations, companies)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sidelines.domain.errors import DomainError
from sidelines.domain.ids import PartyId, check_url_safe


class PartyKind(StrEnum):
    STATE = "state"
    ECONOMY = "economy"  # APEC members are "member economies", not states
    ORGANISATION = "organisation"
    COMPANY = "company"


@dataclass(frozen=True, slots=True)
class Party:
    id: PartyId
    name: str
    kind: PartyKind = PartyKind.STATE

    def __post_init__(self) -> None:
        if not self.id.strip():
            raise DomainError("party id must not be empty", "id")
        check_url_safe(self.id)
        if not self.name.strip():
            raise DomainError("party name must not be empty", "name")
