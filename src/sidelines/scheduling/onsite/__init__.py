"""On-site re-planning: a change at the venue absorbed into the published schedule in moments.

result = replan(problem, published, NewMeeting(MeetingId("17")), OnsiteOptions(now=now))
assert result.violations == ()
"""

from sidelines.scheduling.onsite.changes import (
    Change,
    EarlierDeparture,
    NewMeeting,
    NewMeetings,
    SessionOverrun,
    SpaceUnavailable,
    displaced,
)
from sidelines.scheduling.onsite.replan import OnsiteOptions, replan
from sidelines.scheduling.onsite.result import (
    Alternative,
    AlternativeKind,
    Move,
    OnsiteResult,
    OnsiteStatus,
)

__all__ = [
    "Alternative",
    "AlternativeKind",
    "Change",
    "EarlierDeparture",
    "Move",
    "NewMeeting",
    "NewMeetings",
    "OnsiteOptions",
    "OnsiteResult",
    "OnsiteStatus",
    "SessionOverrun",
    "SpaceUnavailable",
    "displaced",
    "replan",
]
