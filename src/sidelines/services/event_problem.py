"""The engine's problem of an event, from the database: for a batch solve (every agreed meeting)
and for a re-plan on site (the published schedule, what was held kept where it was, and the
changes reported at the venue), with the schedule as published in the engine's terms.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from sidelines.domain import Event, MeetingId, Placement, SpaceId, TimeSpan
from sidelines.domain.negotiation import MeetingStatus
from sidelines.scheduling import (
    build_problem,
)
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.rules.placement import contact_at
from sidelines.scheduling.schedule import Assignment
from sidelines.services import (
    event_state,
)
from sidelines.services.errors import (
    Conflict,
)
from sidelines.services.events import (
    domain_event,
    meeting_facts_as_domain,
    meetings_as_domain,
)
from sidelines.services.notice_text import engine_named
from sidelines.services.recorded_changes import with_changes
from sidelines.storage.tables import (
    MeetingRow,
)


def event_problem(
    session: Session, event_id: str, *, lock_scheduled: bool, only_new: int | None = None
) -> tuple[Problem, dict[str, MeetingRow]]:
    """The engine's problem for the event's agreed and scheduled meetings (ids are row ids),
    with the changes reported at the venue applied.

    ``lock_scheduled`` keeps placed meetings where they are; ``only_new`` leaves out every
    unplaced meeting but that one.
    """
    event = domain_event(session, event_id)
    pairs = meetings_as_domain(session, event_id, MeetingStatus.placeable())
    meetings = []
    rows: dict[str, MeetingRow] = {}
    for row, meeting in pairs:
        placed = row.starts_at is not None
        if only_new is not None and not placed and row.id != only_new:
            continue
        if lock_scheduled and placed:
            assert row.starts_at is not None
            space = SpaceId(row.space_id) if row.space_id is not None else None
            meeting = replace(meeting, locked=Placement(row.starts_at, space), windows=())
        meetings.append(engine_named(event, meeting))
        rows[meeting.id] = row
    problem = build_problem(replace(event, meetings=tuple(meetings)))
    return with_changes(session, event, problem), rows


def placements(
    problem: Problem, rows: Mapping[str, MeetingRow] | Mapping[MeetingId, MeetingRow]
) -> dict[MeetingId, Assignment]:
    """Where the placed ones of ``rows`` (by meeting id) are booked, in the problem's terms."""
    placed: dict[MeetingId, Assignment] = {}
    for key, row in rows.items():
        if row.starts_at is None:
            continue
        slot = problem.grid.slot_at(row.starts_at)
        if slot is None:
            raise Conflict(f"meeting {row.id} is booked off the event's time grid")
        space = SpaceId(row.space_id) if row.space_id is not None else None
        meeting_id = MeetingId(key)
        placed[meeting_id] = Assignment(
            slot, space, contact_at(problem, problem.meeting_index[meeting_id], slot)
        )
    return placed


def onsite_problem(
    session: Session,
    event_id: str,
    meeting_id: int | None = None,
    *,
    event: Event | None = None,
    waiting: Mapping[int, tuple[TimeSpan, ...]] | None = None,
    whole: bool = False,
) -> tuple[Problem, dict[MeetingId, Assignment]]:
    """The event's problem with its published meetings (movable unless locked), the ones
    already held kept where they were, the newly agreed one if any, and the changes reported at
    the venue; and the schedule as published. ``event``: another description of the event
    than the stored one (an edit the organiser is about to make). ``waiting`` adds agreed
    meetings that wait, each with its windows narrowed to the spans given (an offer of time a
    no-show freed). Without either, it comes from the state this process keeps
    (``event_state``), brought up to date; ``whole`` reads and compiles every meeting instead."""
    if event is None and waiting is None and not whole:
        stored = domain_event(session, event_id)
        state = event_state.onsite_state(session, stored)
        if state is not None:
            if meeting_id is None:
                return state.problem, dict(state.published)
            found = event_state.with_waiting(session, stored, state, meeting_id)
            if found is not None:
                return found[0], dict(found[1])
    event = event or domain_event(session, event_id)
    # The settled ones hold their bookings whatever happens: nothing is placed over them.
    statuses = (*MeetingStatus.placeable(), *MeetingStatus.settled())
    meetings = []
    rows: dict[MeetingId, MeetingRow] = {}
    for row, meeting in meeting_facts_as_domain(session, event_id, statuses):
        if row.starts_at is None and row.id != meeting_id:
            if waiting is None or row.id not in waiting or row.status != MeetingStatus.AGREED:
                continue  # agreed and waiting for the organiser's next solve
            meeting = replace(meeting, windows=waiting[row.id])
        if row.status not in MeetingStatus.placeable():
            space = SpaceId(row.space_id) if row.space_id is not None else None
            assert row.starts_at is not None
            meeting = replace(meeting, locked=Placement(row.starts_at, space), windows=())
        meetings.append(engine_named(event, meeting))
        rows[meeting.id] = row
    problem = with_changes(session, event, build_problem(replace(event, meetings=tuple(meetings))))
    return problem, placements(problem, rows)


def freeze_moment(problem: Problem, at: datetime) -> datetime | None:
    """The moment that starts the freeze window. An event already over (a replay of a past
    summit, the demo) is re-planned as if it had not begun."""
    grid = problem.grid
    if grid.n_slots == 0 or at >= grid.end_of(grid.n_slots - 1):
        return None
    return at
