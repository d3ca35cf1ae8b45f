"""Placing a newly agreed meeting into the published schedule at once (``scheduling.onsite``).

The plan is made on a read of the schedule (from the state this process keeps,
``services.event_state``) and booked under the schedule's lock; a plan the schedule changed
under is planned again, and after ``PLACEMENT_ATTEMPTS`` losses it is planned and booked with
the schedule held still, so that no agreed meeting waits while a place exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, exists, select
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from sidelines.domain import Event, MeetingId
from sidelines.domain.negotiation import MeetingStatus
from sidelines.i18n import DEFAULT, current, service_texts
from sidelines.scheduling.onsite import (
    Alternative,
    AlternativeKind,
    Move,
    NewMeeting,
    OnsiteOptions,
    OnsiteResult,
    replan,
)
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.schedule import Assignment
from sidelines.services import event_state, notice_text
from sidelines.services.actors import Actor
from sidelines.services.clock import now
from sidelines.services.event_problem import (
    freeze_moment,
    onsite_problem,
)
from sidelines.services.events import domain_event
from sidelines.services.recorded_changes import LATEST_CHANGE
from sidelines.services.replans import (
    Rebooking,
    Replan,
    StalePlan,
    book_replan,
    lock_schedule,
    move_rebookings,
)
from sidelines.storage.db import Database
from sidelines.storage.tables import (
    EventRow,
    MeetingPrincipalRow,
    MeetingRow,
    ScheduleVersionRow,
)

# How long the search for a place for one newly agreed meeting may take, and as much again for
# alternatives when there is none: the corridor is waiting.
PLACEMENT_TIME_LIMIT_S = 0.3


# Tries at placing a newly agreed meeting when concurrent placements take its slot first.
PLACEMENT_ATTEMPTS = 3


@dataclass(frozen=True)
class MovedView:
    """A meeting that moves, as ``[starts_at, ends_at, space_id]`` before and after (None:
    it loses its place)."""

    meeting_id: int
    before: list[Any]
    after: list[Any] | None


@dataclass(frozen=True)
class AlternativeView:
    kind: str  # format | day | give_way
    summary: str
    starts_at: datetime
    ends_at: datetime
    space_id: str | None
    format: str | None
    duration_min: int
    moves: list[MovedView]


@dataclass(frozen=True)
class PlacementView:
    """What placing one agreed meeting into the published schedule did, as the actor may see
    it. ``version`` is the schedule version it made, None when nothing changed."""

    meeting_id: int
    placed: bool
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    space_id: str | None = None
    version: int | None = None
    moved: list[MovedView] = field(default_factory=list)
    reason: str | None = None
    alternatives: list[AlternativeView] = field(default_factory=list)


def place_agreed(
    db: Database, actor: Actor, event_id: str, meeting_id: int, *, at: datetime | None = None
) -> PlacementView:
    """Fit one newly agreed meeting into the published schedule at once (``scheduling.onsite``):
    in a free place if there is one, else by moving at most two meetings that are not locked,
    not started and do not start within the event's freeze window from ``at`` (the service
    clock by default). Each moved meeting's sides get a change notice, as do the meeting's.

    Where it fits nowhere, nothing changes and the view carries the alternatives for the
    organiser to decide. Without a published schedule nothing happens: the meeting waits for
    the organiser's next solve. The agreement is already committed when this runs, so losing a
    race for a place is not an error: the placement is tried again against the schedule as the
    winner left it, and at worst the meeting waits.
    """
    try:
        view: PlacementView | None = None
        for _ in range(PLACEMENT_ATTEMPTS):
            try:
                view = _place_once(db, actor, event_id, meeting_id, at or now())
                break
            except StalePlan:
                continue
        if view is None:
            # Busy: the schedule changed under every plan. An acknowledged agreement must not
            # wait while a place exists, so plan once more with the schedule held still.
            view = _place_locked(db, actor, event_id, meeting_id, at or now())
    except (OperationalError, InterfaceError, PoolTimeout):
        # The database went away after the agreement was committed: answering "unavailable,
        # try again" would tell the client that nothing was done, and the retry would be
        # refused as answered already. The agreement stands; the meeting waits.
        return PlacementView(meeting_id, placed=False, reason="the database was unavailable")
    if actor.acts_for(event_id) is None:
        return view  # the organiser sees every booking: nothing to read
    with db.reading() as session:
        return _as_seen_by(session, actor, event_id, view)


def placed_span(
    problem: Problem, meeting_idx: int, assignment: Assignment | None
) -> list[Any] | None:
    if assignment is None:
        return None
    duration = problem.meetings[meeting_idx].duration_slots
    return [
        problem.grid.start_of(assignment.start_slot).isoformat(),
        problem.grid.end_of(assignment.start_slot + duration - 1).isoformat(),
        assignment.space,
    ]


def moved_view(problem: Problem, move: Move) -> MovedView:
    meeting_idx = problem.meeting_index[move.meeting]
    before = placed_span(problem, meeting_idx, move.before)
    assert before is not None
    return MovedView(int(move.meeting), before, placed_span(problem, meeting_idx, move.after))


def engine_names(event: Event, problem: Problem) -> dict[str, str]:
    """How the engine's sentences about ``problem`` name its meetings, and how each name reads
    in the language of the moment (``notice_text.engine_names``; empty in English)."""
    if current() == DEFAULT:
        return {}
    return notice_text.engine_names(
        event,
        (
            notice_text.MeetingLabel(str(meeting.format), tuple(meeting.parties))
            for meeting in problem.meetings
        ),
    )


def alternative_view(
    problem: Problem, alternative: Alternative, names: Mapping[str, str] | None = None
) -> AlternativeView:
    """An alternative as the reader reads it: its summary in the language of the moment, the
    meetings it names as ``names`` says them (``engine_names``)."""
    grid = problem.grid
    start = alternative.placement.start_slot
    return AlternativeView(
        kind=str(alternative.kind),
        summary=service_texts.translate(alternative.summary, names),
        starts_at=grid.start_of(start),
        ends_at=grid.end_of(start + alternative.duration_slots - 1),
        space_id=alternative.placement.space,
        format=alternative.format,
        duration_min=alternative.duration_slots * grid.grain_min,
        moves=[moved_view(problem, move) for move in alternative.moves],
    )


@dataclass(frozen=True)
class _PlacementPlan:
    """Where one agreed meeting goes, planned on the schedule as it was read."""

    problem: Problem
    result: OnsiteResult
    replan: Replan


# The event's row, the meeting's, whether a schedule is published, the last change reported
# on site and the meetings written since the state this process keeps (``event_state``), in
# one statement: the rows are then held in the session, and the reads after it find them
# there. Built once, with the event and the meeting as parameters: building a statement and
# its cache key costs about what running it does.
_PLACEMENT_READ = event_state.with_written(
    select(
        EventRow,
        MeetingRow,
        exists().where(ScheduleVersionRow.event_id == bindparam("event_id")),
        LATEST_CHANGE,
    )
    .outerjoin_from(EventRow, MeetingRow, MeetingRow.id == bindparam("meeting_id"))
    .where(EventRow.id == bindparam("event_id"))
)


def _plan_placement(
    session: Session, event_id: str, meeting_id: int, at: datetime
) -> _PlacementPlan | PlacementView:
    """Plan the placement on the schedule as ``session`` reads it; a view when there is
    nothing to book (no published schedule, the meeting not waiting, no place for it)."""
    key = MeetingId(str(meeting_id))
    since = event_state.written_since(session, event_id)
    rows = session.execute(
        _PLACEMENT_READ,
        {"event_id": event_id, "meeting_id": meeting_id, "written_since": since},
    ).all()
    if not rows or not rows[0][2]:
        return PlacementView(meeting_id, placed=False, reason="no schedule is published yet")
    found = rows[0]
    held, row = found[0], found[1]
    if row is None or row.status != MeetingStatus.AGREED or row.starts_at is not None:
        return PlacementView(meeting_id, placed=False, reason="the meeting is not waiting")
    event = domain_event(session, held.id)
    policy = event.policy
    problem, published, changes_seen = _problem_to_place(
        session, event, row, found[3] or 0, event_state.written(since, rows)
    )
    options = OnsiteOptions(
        now=freeze_moment(problem, at),
        freeze_window_min=policy.freeze_window_min,
        time_limit_s=PLACEMENT_TIME_LIMIT_S,
    )
    with event_state.laid_out(session, event_id) as board:
        result = replan(problem, published, NewMeeting(key), options, board)
    if key not in result.placed:
        names = engine_names(event, problem)
        return PlacementView(
            meeting_id,
            placed=False,
            reason=service_texts.translate(result.unplaced.get(key, "it fits nowhere"), names),
            alternatives=[
                alternative_view(problem, alternative, names)
                for alternative in result.alternatives.get(key, ())
            ],
        )
    target = result.placed[key]
    placed = Rebooking(meeting_id, None, (problem.grid.start_of(target.start_slot), target.space))
    moves = move_rebookings(problem, result.moved, moved_for=meeting_id)
    return _PlacementPlan(problem, result, Replan(changes_seen, [*moves, placed]))


def _problem_to_place(
    session: Session, event: Event, row: MeetingRow, changes: int, written: event_state.Written
) -> tuple[Problem, Mapping[MeetingId, Assignment], int]:
    """``onsite_problem`` for the meeting, and the last change reported on site it includes
    (``changes``, read with the event's row, as were the meetings ``written`` since the kept
    state): from the state this process keeps where it can (the event read once), else read
    whole. A change reported after ``changes`` may be in the
    problem read whole: the booking then finds the plan stale, and it is planned again."""
    read: dict[int, list[str]] = {}  # the principals the update reads: the meeting's too
    state = event_state.onsite_state(session, event, read, changes=changes, since=written)
    if state is not None:
        found = event_state.with_waiting(session, event, state, row.id, row, read)
        if found is not None:
            return found[0], found[1], state.changes_seen
    problem, published = onsite_problem(session, event.id, row.id, whole=True)
    return problem, published, changes


def _book_placement(
    session: Session, actor: Actor, event_id: str, meeting_id: int, plan: _PlacementPlan
) -> PlacementView:
    """Book a planned placement (``replans.book_replan``); ``StalePlan`` when the schedule
    changed under the plan (the caller plans again)."""
    problem, result = plan.problem, plan.result
    key = MeetingId(str(meeting_id))
    booked = book_replan(
        session, actor, event_id, plan.replan, reason=f"meeting {meeting_id} agreed"
    )
    target = result.placed[key]
    where = placed_span(problem, problem.meeting_index[key], target)
    assert where is not None
    return PlacementView(
        meeting_id,
        placed=True,
        starts_at=datetime.fromisoformat(where[0]),
        ends_at=datetime.fromisoformat(where[1]),
        space_id=target.space,
        version=booked.version,
        moved=[moved_view(problem, move) for move in result.moved],
    )


def _place_once(
    db: Database, actor: Actor, event_id: str, meeting_id: int, at: datetime
) -> PlacementView:
    """Plan on a read of the schedule, then book under its lock: the common case, which keeps
    the lock only for the writes. ``StalePlan`` when another change came in between."""
    with db.reading() as session:
        plan = _plan_placement(session, event_id, meeting_id, at)
    if isinstance(plan, PlacementView):
        return plan
    return db.write(lambda session: _book_placement(session, actor, event_id, meeting_id, plan))


def _place_locked(
    db: Database, actor: Actor, event_id: str, meeting_id: int, at: datetime
) -> PlacementView:
    """Plan and book in one transaction that holds the schedule's lock from the first read:
    slower for everyone else, but nothing can change under the plan, so the meeting is
    placed whenever a place exists."""

    def work(session: Session) -> PlacementView:
        lock_schedule(session, event_id)
        plan = _plan_placement(session, event_id, meeting_id, at)
        if isinstance(plan, PlacementView):
            return plan
        return _book_placement(session, actor, event_id, meeting_id, plan)

    return db.write(work)


def _as_seen_by(
    session: Session, actor: Actor, event_id: str, view: PlacementView
) -> PlacementView:
    """The view as the actor may see it: a delegation learns of its own meetings only, so the
    moves of others' meetings and the meetings that would give way are left out for it (the
    organiser sees every booking)."""
    party = actor.acts_for(event_id)
    if party is None:
        return view
    own = set(
        session.scalars(
            select(MeetingPrincipalRow.meeting_id).where(MeetingPrincipalRow.party_id == party)
        )
    )
    return replace(
        view,
        moved=[move for move in view.moved if move.meeting_id in own],
        alternatives=[
            replace(alternative, moves=[m for m in alternative.moves if m.meeting_id in own])
            for alternative in view.alternatives
            if alternative.kind != AlternativeKind.GIVE_WAY
        ],
    )
