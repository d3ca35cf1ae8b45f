"""Rules on order and on meetings that are already fixed.

DESIGN.md §5: locked meetings stay where they are; precedences hold. A precedence binds only
when both meetings take place: "the expanded meeting after the restricted one" says nothing when
the restricted one is dropped.
"""

from __future__ import annotations

from collections.abc import Iterator

from sidelines.scheduling.problem import Problem
from sidelines.scheduling.rules.base import Placed, Rule, Violation, when


class PrecedenceRespected(Rule):
    name = "precedence_respected"
    label = "a meeting that must come after another starts once the other has ended"

    def check(self, problem: Problem, placed: list[Placed]) -> Iterator[Violation]:
        by_meeting = {item.meeting_idx: item for item in placed}
        for item in placed:
            meeting = problem.meetings[item.meeting_idx]
            for earlier_idx in meeting.after:
                earlier = by_meeting.get(earlier_idx)
                if earlier is not None and item.start < earlier.end(problem):
                    first = problem.meetings[earlier_idx]
                    yield Violation(
                        self.name,
                        f"{meeting.label} ({when(problem, item)}) must come after "
                        f"{first.label} ({when(problem, earlier)})",
                        (first.id, meeting.id),
                    )


class LockedMeetingKept(Rule):
    name = "locked_meeting_kept"
    label = "a locked meeting stays at its time and in its space"

    def check(self, problem: Problem, placed: list[Placed]) -> Iterator[Violation]:
        by_meeting = {item.meeting_idx: item for item in placed}
        for meeting_idx in problem.anchored_meetings:
            meeting = problem.meetings[meeting_idx]
            if meeting.locked_start is None:
                continue
            locked_at = problem.describe_slot(meeting.locked_start)
            item = by_meeting.get(meeting_idx)
            if item is None:
                yield Violation(
                    self.name,
                    f"{meeting.label} is locked at {locked_at} but is not scheduled",
                    (meeting.id,),
                )
            elif item.start != meeting.locked_start:
                yield Violation(
                    self.name,
                    f"{meeting.label} is locked at {locked_at} but placed at {when(problem, item)}",
                    (meeting.id,),
                )
            elif meeting.locked_space is not None and item.space_idx != meeting.locked_space:
                yield Violation(
                    self.name,
                    f"{meeting.label} is locked in {problem.spaces[meeting.locked_space].label} "
                    "but placed elsewhere",
                    (meeting.id,),
                )
            elif meeting.locked_session is not None and item.session != meeting.locked_session:
                at = meeting.locked_session
                yield Violation(
                    self.name,
                    f"{meeting.label} is locked at the {at.edge} of "
                    f"{problem.sessions[at.session_idx].label} but placed elsewhere",
                    (meeting.id,),
                )


SEQUENCE_RULES: tuple[Rule, ...] = (PrecedenceRespected(), LockedMeetingKept())
