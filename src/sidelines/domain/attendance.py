"""Who attends for a side: a named principal or a level, seniority order, and substitution.

A request names, for each side, either the principal it wants to meet or a level ("head of state
or government", "minister for foreign affairs"). The principal who attends is chosen from the
side's principals at that level, the most senior first. Naming another principal than the one
asked for, or a lower level, is a substitution: the other side must agree it (``domain.terms``).

Seniority (protocol order) is rank first, then the time in office, the longest first: the order
of precedence heads of state keep among themselves at summits (Vienna Convention practice, art.
16, as applied to visiting leaders).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from sidelines.domain.errors import DomainError
from sidelines.domain.ids import PrincipalId
from sidelines.domain.principal import Principal, Rank


class Level(StrEnum):
    """A level a request may name instead of a principal."""

    HEAD_OF_STATE_OR_GOVERNMENT = "head_of_state_or_government"
    HEAD_OF_STATE = "head_of_state"
    HEAD_OF_GOVERNMENT = "head_of_government"
    DEPUTY_HEAD = "deputy_head"
    HEAD_OF_ORGANISATION = "head_of_organisation"
    MINISTER_FOR_FOREIGN_AFFAIRS = "minister_for_foreign_affairs"
    MINISTER = "minister"
    DEPUTY_MINISTER = "deputy_minister"
    AMBASSADOR = "ambassador"
    SENIOR_OFFICIAL = "senior_official"
    EXECUTIVE = "executive"
    REPRESENTATIVE = "representative"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")

    @property
    def ranks(self) -> frozenset[Rank]:
        if self is Level.HEAD_OF_STATE_OR_GOVERNMENT:
            return frozenset({Rank.HEAD_OF_STATE, Rank.HEAD_OF_GOVERNMENT})
        if self is Level.MINISTER_FOR_FOREIGN_AFFAIRS:
            return frozenset({Rank.MINISTER})
        return frozenset({Rank[self.name]})

    @property
    def height(self) -> int:
        """The level's place in protocol order: a lower number ranks higher."""
        return min(int(rank) for rank in self.ranks)

    def admits(self, principal: Principal) -> bool:
        if principal.rank not in self.ranks:
            return False
        if self is Level.MINISTER_FOR_FOREIGN_AFFAIRS:
            # Ranks do not name portfolios; the title does ("Minister for Foreign Affairs",
            # "Foreign Minister", "Secretary of State" for the US).
            title = principal.title.lower()
            return "foreign" in title or "secretary of state" in title
        return True


def by_seniority(principals: Iterable[Principal]) -> list[Principal]:
    """Principals in protocol order: rank, then the longest in office, then by id (stable)."""
    return sorted(principals, key=lambda p: (*p.precedence_key(), p.id))


def leading(principals: Iterable[Principal]) -> Principal | None:
    """A side's most senior principal, who attends unless the request says otherwise."""
    ordered = by_seniority(principals)
    return ordered[0] if ordered else None


@dataclass(frozen=True, slots=True)
class Attendance:
    """Who a side sends: a named ``principal`` or a ``level`` (one of the two), plus ``plus``
    companions (note-takers, advisers, an interpreter of its own)."""

    principal: PrincipalId | None = None
    level: Level | None = None
    plus: int = 0

    def __post_init__(self) -> None:
        if (self.principal is None) == (self.level is None):
            raise DomainError("name a principal or a level, not both", "principal")
        if self.plus < 0:
            raise DomainError(f"plus must not be negative, got {self.plus}", "plus")

    @property
    def size(self) -> int:
        return 1 + self.plus


def attending(attendance: Attendance, side: Iterable[Principal]) -> Principal:
    """The principal of a side who attends: the one named, or the most senior at the level.

    Raises DomainError naming ``principal`` or ``level`` when the side has no such principal.
    """
    principals = list(side)
    if attendance.principal is not None:
        for principal in principals:
            if principal.id == attendance.principal:
                return principal
        raise DomainError(f"no principal {attendance.principal!r} on this side", "principal")
    assert attendance.level is not None
    level = attendance.level
    chosen = leading(p for p in principals if level.admits(p))
    if chosen is None:
        raise DomainError(f"no principal of this side is at the level {level.label}", "level")
    return chosen
