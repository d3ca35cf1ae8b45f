"""Delegations: a party's presence at an event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sidelines.domain.errors import DomainError
from sidelines.domain.ids import PartyId, PrincipalId
from sidelines.domain.time import require_aware


class MemberRole(StrEnum):
    PRINCIPAL = "principal"
    FOREIGN_MINISTER = "foreign_minister"
    SHERPA = "sherpa"
    ADVISER = "adviser"
    PROTOCOL_OFFICER = "protocol_officer"
    PRESS_SECRETARY = "press_secretary"
    INTERPRETER = "interpreter"
    SECURITY = "security"


@dataclass(frozen=True, slots=True)
class DelegationMember:
    name: str
    role: MemberRole
    principal: PrincipalId | None = None  # set when this member is one of the party's principals


@dataclass(frozen=True, slots=True)
class Delegation:
    """A party at the event, present from ``arrival`` until ``departure`` (half-open)."""

    party: PartyId
    arrival: datetime | None = None
    departure: datetime | None = None
    members: tuple[DelegationMember, ...] = ()

    def __post_init__(self) -> None:
        if self.arrival is not None:
            object.__setattr__(self, "arrival", require_aware(self.arrival, "arrival"))
        if self.departure is not None:
            object.__setattr__(self, "departure", require_aware(self.departure, "departure"))
        if (
            self.arrival is not None
            and self.departure is not None
            and self.departure <= self.arrival
        ):
            raise DomainError("a delegation must depart after it arrives", "departure")
