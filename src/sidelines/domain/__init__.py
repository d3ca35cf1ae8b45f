"""Pure data of Sidelines and its invariants: events, parties, principals, spaces, meetings."""

from sidelines.domain.delegation import Delegation, DelegationMember, MemberRole
from sidelines.domain.errors import DomainError
from sidelines.domain.event import Event, EventPolicy, MeetingDefaults, OrganiserSees
from sidelines.domain.formats import FORMAT_DEFAULTS, FormatDefaults, MeetingFormat
from sidelines.domain.ids import MeetingId, PartyId, PrincipalId, SessionId, SpaceId
from sidelines.domain.interpretation import (
    InterpreterPool,
    LanguagePair,
    needs_interpretation,
    pair_label,
    sorted_pairs,
)
from sidelines.domain.meeting import DayPart, Meeting, Placement, PressPlan
from sidelines.domain.party import Party, PartyKind
from sidelines.domain.principal import Principal, Rank
from sidelines.domain.programme import AtSession, ProgrammeSession, SessionEdge, SessionKind
from sidelines.domain.space import Feature, Space, SpaceKind, WalkingTimes
from sidelines.domain.time import TimeSpan

__all__ = [
    "FORMAT_DEFAULTS",
    "AtSession",
    "DayPart",
    "Delegation",
    "DelegationMember",
    "DomainError",
    "Event",
    "EventPolicy",
    "Feature",
    "FormatDefaults",
    "InterpreterPool",
    "LanguagePair",
    "Meeting",
    "MeetingDefaults",
    "MeetingFormat",
    "MeetingId",
    "MemberRole",
    "OrganiserSees",
    "Party",
    "PartyId",
    "PartyKind",
    "Placement",
    "PressPlan",
    "Principal",
    "PrincipalId",
    "ProgrammeSession",
    "Rank",
    "SessionEdge",
    "SessionId",
    "SessionKind",
    "Space",
    "SpaceId",
    "SpaceKind",
    "TimeSpan",
    "WalkingTimes",
    "needs_interpretation",
    "pair_label",
    "sorted_pairs",
]
