"""The hard rules, each written once and read by every solver and by the validator.

``RULES`` is the table of contents: the CP-SAT model adds one constraint group per entry, the
heuristic keeps each of them by construction, and ``validate`` checks them all on any schedule.
"""

from sidelines.scheduling.rules.base import Placed, PlacementRule, Rule, Violation
from sidelines.scheduling.rules.overlap import (
    OVERLAP_RULES,
    PrincipalNotDoubleBooked,
    SpaceNotDoubleBooked,
    WalkingTimeRespected,
)
from sidelines.scheduling.rules.placement import (
    PLACEMENT_RULES,
    MeetingHasSpaceWhenNeeded,
    MeetingWithinItsWindows,
    MeetingWithinOneDay,
    PrincipalAvailable,
    PrincipalNotInProgrammeSession,
    PrincipalPresent,
    SpaceFitsMeeting,
    SpaceOpen,
    allowed_starts,
    contact_at,
    first_broken_rule,
    possible_starts,
    session_contacts,
)
from sidelines.scheduling.rules.policy import (
    POLICY_RULES,
    BreaksFairlySpread,
    RequiredMeetingScheduled,
    RoomPolicyRespected,
    bookings_per_party_day,
)
from sidelines.scheduling.rules.sequence import (
    SEQUENCE_RULES,
    LockedMeetingKept,
    PrecedenceRespected,
)
from sidelines.scheduling.rules.session_contact import ContactAtSessionFits
from sidelines.scheduling.rules.stability import (
    STABILITY_RULES,
    MoveBudgetRespected,
    PublishedMeetingKept,
    PublishedMeetingStillHeld,
)

RULES: tuple[Rule, ...] = (
    PLACEMENT_RULES + OVERLAP_RULES + SEQUENCE_RULES + POLICY_RULES + STABILITY_RULES
)
RULE_NAMES: tuple[str, ...] = tuple(rule.name for rule in RULES)

__all__ = [
    "PLACEMENT_RULES",
    "RULES",
    "RULE_NAMES",
    "BreaksFairlySpread",
    "ContactAtSessionFits",
    "LockedMeetingKept",
    "MeetingHasSpaceWhenNeeded",
    "MeetingWithinItsWindows",
    "MeetingWithinOneDay",
    "MoveBudgetRespected",
    "Placed",
    "PlacementRule",
    "PrecedenceRespected",
    "PrincipalAvailable",
    "PrincipalNotDoubleBooked",
    "PrincipalNotInProgrammeSession",
    "PrincipalPresent",
    "PublishedMeetingKept",
    "PublishedMeetingStillHeld",
    "RequiredMeetingScheduled",
    "RoomPolicyRespected",
    "Rule",
    "SpaceFitsMeeting",
    "SpaceNotDoubleBooked",
    "SpaceOpen",
    "Violation",
    "WalkingTimeRespected",
    "allowed_starts",
    "bookings_per_party_day",
    "contact_at",
    "first_broken_rule",
    "possible_starts",
    "session_contacts",
]
