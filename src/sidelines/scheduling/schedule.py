"""A schedule: for each placed meeting, its start slot and its space (none for corridor formats),
or the programme session at whose start or end it is held as a brief contact."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sidelines.domain.ids import MeetingId, SpaceId
from sidelines.domain.programme import AtSession
from sidelines.scheduling.problem import Problem


@dataclass(frozen=True, slots=True, order=True)
class Assignment:
    start_slot: int
    space: SpaceId | None = None
    at_session: AtSession | None = None


Schedule = Mapping[MeetingId, Assignment]


def where(problem: Problem, assignment: Assignment) -> str:
    """Where a placed meeting is held, for people: its space, or the programme session at whose
    start or end it is a brief contact, or a corridor."""
    if assignment.space is not None:
        space_idx = problem.space_index.get(assignment.space)
        return problem.spaces[space_idx].label if space_idx is not None else assignment.space
    if assignment.at_session is not None:
        session_idx = problem.session_index.get(assignment.at_session.session)
        title = (
            problem.sessions[session_idx].label
            if session_idx is not None
            else assignment.at_session.session
        )
        return f"at the {assignment.at_session.edge} of {title} (no room)"
    return "no room (corridor)"
