"""Brief contacts held at a programme session.

DESIGN.md section 3: a programme session blocks the principals who must attend it, "but brief
contacts (greeting, pull-aside) can happen *at* it" - as in Lima in 2016, where the Russian and
US presidents "at the beginning of the retreat greeted each other and briefly spoke" (the
Kremlin's press secretary, quoted by RIA). Such a contact takes the session's first or last
minutes, in no room, among principals who all attend the session; a longer or a seated format
would hold the session up, so only greetings and pull-asides of at most ``AT_SESSION_MAX_MIN``
qualify.
"""

from __future__ import annotations

from sidelines.domain.formats import AT_SESSION_MAX_MIN, defaults_for
from sidelines.scheduling.problem import AtSessionIdx, MeetingData, Problem
from sidelines.scheduling.rules.base import Placed, PlacementRule
from sidelines.scheduling.slots import SlotMask


def held_at_sessions(meeting: MeetingData, grain_min: int) -> bool:
    """Whether the meeting's format, room and length let it be held at a programme session."""
    return (
        meeting.format is not None
        and defaults_for(meeting.format).at_session
        and not meeting.needs_space
        and meeting.duration_slots * grain_min <= AT_SESSION_MAX_MIN
    )


class ContactAtSessionFits(PlacementRule):
    name = "contact_at_session_fits"
    label = (
        "a meeting held at a programme session is a greeting or pull-aside of principals who "
        "all attend it, in its first or last minutes"
    )

    def allowed_starts(self, problem: Problem, meeting_idx: int, space_idx: int | None) -> SlotMask:
        # The rule says nothing of meetings held elsewhere.
        return problem.grid.all_slots()

    def allows_at_session(
        self, problem: Problem, meeting_idx: int, at: AtSessionIdx, start: int
    ) -> bool:
        return self.misfit(problem, meeting_idx, at, start) is None

    @staticmethod
    def misfit(problem: Problem, meeting_idx: int, at: AtSessionIdx, start: int) -> str | None:
        """Why the meeting cannot be held there, or None when it can."""
        meeting = problem.meetings[meeting_idx]
        session = problem.sessions[at.session_idx]
        length_min = meeting.duration_slots * problem.grid.grain_min
        if meeting.format is None or not defaults_for(meeting.format).at_session:
            kind = str(meeting.format or "meeting").replace("_", " ")
            return f"a {kind} is not held at a programme session, only a greeting or a pull-aside"
        if meeting.needs_space:
            return "it needs a room"
        if length_min > AT_SESSION_MAX_MIN:
            return (
                f"it lasts {length_min} min, more than the {AT_SESSION_MAX_MIN} min "
                "a contact at a session may"
            )
        absent = [
            problem.principals[p].label for p in meeting.principals if p not in session.attendees
        ]
        if absent:
            return f"{', '.join(absent)} {'does' if len(absent) == 1 else 'do'} not attend it"
        expected = problem.contact_start(at, meeting.duration_slots)
        if expected is None:
            return f"the session is shorter than the {length_min} min it lasts"
        if start != expected:
            return f"the {at.edge} of the session is at {problem.describe_slot(expected)}"
        return None

    def explain(self, problem: Problem, item: Placed) -> str:
        assert item.session is not None  # a meeting held elsewhere never breaks this rule
        meeting = problem.meetings[item.meeting_idx]
        session = problem.sessions[item.session.session_idx]
        reason = self.misfit(problem, item.meeting_idx, item.session, item.start)
        return f"{meeting.label} at the {item.session.edge} of {session.label}: {reason}"


__all__ = ["ContactAtSessionFits", "held_at_sessions"]
