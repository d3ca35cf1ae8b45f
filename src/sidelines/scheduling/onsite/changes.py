"""What happens on site, as changes to the problem a published schedule was made for.

Each change says how it alters the problem (``apply``) and which meetings it asks to place
(``targets``). The meetings of the published schedule that the changed problem no longer allows
where they are (a principal who leaves earlier, a session that runs over, a room taken away) are
found by ``displaced`` from the placement rules themselves, whatever the change was.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, replace
from datetime import datetime

from sidelines.domain.errors import DomainError
from sidelines.domain.ids import MeetingId, PartyId, PrincipalId, SpaceId
from sidelines.domain.time import TimeSpan, require_aware
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.rules.placement import allowed_starts, possible_starts
from sidelines.scheduling.schedule import Schedule
from sidelines.scheduling.slots import run_mask


@dataclass(frozen=True, slots=True)
class NewMeeting:
    """A meeting agreed after publication. It is in the problem and not in the schedule."""

    meeting: MeetingId

    def apply(self, problem: Problem) -> Problem:
        if self.meeting not in problem.meeting_index:
            raise DomainError(f"unknown meeting {self.meeting!r}", "change.meeting")
        return problem

    def targets(self) -> tuple[MeetingId, ...]:
        return (self.meeting,)


@dataclass(frozen=True, slots=True)
class NewMeetings:
    """Several agreed meetings that wait, offered a place at once (the time a no-show freed):
    the heaviest first, each where it fits, the others left out."""

    meetings: tuple[MeetingId, ...]

    def apply(self, problem: Problem) -> Problem:
        for meeting in self.meetings:
            NewMeeting(meeting).apply(problem)
        return problem

    def targets(self) -> tuple[MeetingId, ...]:
        return self.meetings


@dataclass(frozen=True, slots=True)
class EarlierDeparture:
    """A principal, or every principal of a party, leaves at ``at``: no meeting may end later."""

    at: datetime
    party: PartyId | None = None
    principal: PrincipalId | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", require_aware(self.at, "departure"))
        if (self.party is None) == (self.principal is None):
            raise DomainError("name either a party or a principal that departs", "change")

    def apply(self, problem: Problem) -> Problem:
        grid = problem.grid
        # Slots that end by the departure: the same half-open reading as build_problem's.
        staying = run_mask(0, bisect_right(grid.starts, self.at - grid.grain))
        found = False
        principals = list(problem.principals)
        for idx, principal in enumerate(principals):
            if principal.id == self.principal or principal.party == self.party:
                principals[idx] = replace(principal, present=principal.present & staying)
                found = True
        if not found:
            who = self.principal if self.principal is not None else self.party
            raise DomainError(f"no principal of {who!r} at this event", "change")
        return replace(problem, principals=tuple(principals))

    def targets(self) -> tuple[MeetingId, ...]:
        return ()


@dataclass(frozen=True, slots=True)
class SessionOverrun:
    """A programme session runs over: its attendees stay in it for ``extra`` as well."""

    attendees: tuple[PrincipalId, ...]
    extra: TimeSpan

    def apply(self, problem: Problem) -> Problem:
        blocked = problem.grid.slots_touching(self.extra)
        principals = list(problem.principals)
        for position, attendee in enumerate(self.attendees):
            idx = problem.principal_index.get(attendee)
            if idx is None:
                raise DomainError(
                    f"unknown principal {attendee!r}", f"change.attendees[{position}]"
                )
            principals[idx] = replace(
                principals[idx], programme=principals[idx].programme | blocked
            )
        return replace(problem, principals=tuple(principals))

    def targets(self) -> tuple[MeetingId, ...]:
        return ()


@dataclass(frozen=True, slots=True)
class SpaceUnavailable:
    """A space cannot be used during ``span`` (a room taken for a press conference, say)."""

    space: SpaceId
    span: TimeSpan

    def apply(self, problem: Problem) -> Problem:
        idx = problem.space_index.get(self.space)
        if idx is None:
            raise DomainError(f"unknown space {self.space!r}", "change.space")
        spaces = list(problem.spaces)
        closed = problem.grid.slots_touching(self.span)
        spaces[idx] = replace(spaces[idx], open=spaces[idx].open & ~closed)
        return replace(problem, spaces=tuple(spaces))

    def targets(self) -> tuple[MeetingId, ...]:
        return ()


Change = NewMeeting | NewMeetings | EarlierDeparture | SessionOverrun | SpaceUnavailable


def displaced(problem: Problem, schedule: Schedule) -> list[MeetingId]:
    """Meetings of ``schedule`` that a placement rule of ``problem`` no longer allows where they
    are; the rules between meetings cannot break, since a change only takes time away."""
    found: list[MeetingId] = []
    for meeting_id, assignment in schedule.items():
        meeting_idx = problem.meeting_index[meeting_id]
        space_idx = problem.space_index[assignment.space] if assignment.space is not None else None
        # A meeting in no space may also be a contact at a programme session.
        starts = (
            allowed_starts(problem, meeting_idx, space_idx)
            if space_idx is not None
            else possible_starts(problem, meeting_idx, None)
        )
        if not (starts >> assignment.start_slot) & 1:
            found.append(meeting_id)
    return found


__all__ = [
    "Change",
    "EarlierDeparture",
    "NewMeeting",
    "SessionOverrun",
    "SpaceUnavailable",
    "displaced",
]
