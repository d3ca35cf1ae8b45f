"""Meeting formats and their defaults.

Durations follow summit practice: a pull-aside is a few minutes standing at the margins of a
session, a restricted bilateral about half an hour with principals and note-takers only, an
expanded bilateral longer with full delegations.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sidelines.domain.space import Feature


class MeetingFormat(StrEnum):
    BILATERAL_RESTRICTED = "bilateral_restricted"
    BILATERAL_EXPANDED = "bilateral_expanded"
    TRILATERAL = "trilateral"
    PULL_ASIDE = "pull_aside"
    COURTESY_CALL = "courtesy_call"
    BRIEF_CONTACT = "brief_contact"
    MEAL_CONVERSATION = "meal_conversation"
    B2B = "b2b"  # a 1:1 at a partnering table


@dataclass(frozen=True, slots=True)
class FormatDefaults:
    duration_min: int
    needs_space: bool
    seats_per_party: int  # people at the table for each side
    min_parties: int
    needs: frozenset[Feature] = frozenset()
    at_session: bool = False  # may be held at the start or end of a programme session

    def size_for(self, n_parties: int) -> int:
        return self.seats_per_party * n_parties


FORMAT_DEFAULTS: dict[MeetingFormat, FormatDefaults] = {
    MeetingFormat.BILATERAL_RESTRICTED: FormatDefaults(30, True, 3, 2),
    MeetingFormat.BILATERAL_EXPANDED: FormatDefaults(45, True, 6, 2),
    MeetingFormat.TRILATERAL: FormatDefaults(45, True, 3, 3),
    MeetingFormat.PULL_ASIDE: FormatDefaults(10, False, 1, 2, at_session=True),
    MeetingFormat.COURTESY_CALL: FormatDefaults(20, True, 2, 2),
    MeetingFormat.BRIEF_CONTACT: FormatDefaults(5, False, 1, 2, at_session=True),
    MeetingFormat.MEAL_CONVERSATION: FormatDefaults(60, True, 2, 2),
    MeetingFormat.B2B: FormatDefaults(30, True, 1, 2),
}

# A contact at a programme session happens while the attendees gather or disperse; longer than a
# pull-aside's ten minutes (DESIGN.md section 3: 5-10 min) it would hold the session up.
AT_SESSION_MAX_MIN = 10


def defaults_for(meeting_format: MeetingFormat) -> FormatDefaults:
    return FORMAT_DEFAULTS[meeting_format]
