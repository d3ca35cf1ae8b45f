"""Changes at the venue absorbed into the published schedule: an earlier departure, a programme
session that runs over, a space taken away for a span.

The organiser reports the change. It is recorded (``onsite_changes``), so that every later
problem of the event respects it (``recorded_changes``), and the published schedule is re-planned
around it at once by ``scheduling.onsite.replan``, with the options an on-site agreement uses
(the event's freeze window, the service clock): each meeting the change displaces goes to its
nearest good place, moving as few others as it must.

A meeting that fits nowhere is not left where a rule forbids it: it leaves the schedule and is
agreed but unscheduled again (DESIGN.md §4: a meeting is scheduled only where the rules allow),
and the answer lists it with the engine's alternatives and the explanation, for the organiser
to decide. The record, the moves and the removals are one transaction with a new schedule
version, so both sides of every meeting that changed get their change notice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sidelines.domain import Event, MeetingId, PrincipalId, SessionId, SpaceId
from sidelines.domain.errors import DomainError
from sidelines.domain.negotiation import MeetingStatus
from sidelines.domain.time import require_aware
from sidelines.i18n import service_texts
from sidelines.scheduling.onsite import OnsiteOptions, OnsiteResult, replan
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.schedule import Assignment
from sidelines.services import audit, notice_text
from sidelines.services.actors import Actor, Role
from sidelines.services.clock import now
from sidelines.services.errors import Invalid
from sidelines.services.event_problem import freeze_moment, onsite_problem
from sidelines.services.events import domain_event, event_row
from sidelines.services.explanations import ExplanationView, explanation_in
from sidelines.services.idempotency import Once
from sidelines.services.notice_text import Wording
from sidelines.services.placing import (
    PLACEMENT_ATTEMPTS,
    PLACEMENT_TIME_LIMIT_S,
    AlternativeView,
    MovedView,
    alternative_view,
    engine_names,
    moved_view,
    placed_span,
)
from sidelines.services.recorded_changes import ChangeKind, engine_change, latest_change
from sidelines.services.replans import (
    Rebooking,
    Replan,
    StalePlan,
    book_replan,
    lock_schedule,
    move_rebookings,
)
from sidelines.services.schedule_versions import current_version
from sidelines.services.solves import require_organiser
from sidelines.services.venue_time import dated
from sidelines.storage.db import Database
from sidelines.storage.tables import MeetingRow, OnsiteChangeRow, UserRow, random_id

# The longest overrun one report may announce: a session that runs a day over is a new session.
MAX_OVERRUN_MIN = 24 * 60


@dataclass(frozen=True)
class OnsiteChangeView:
    id: int
    kind: str  # departure | overrun | closure
    party_id: str | None
    principal_id: str | None
    session_id: str | None
    space_id: str | None
    starts_at: datetime
    ends_at: datetime | None
    reported_at: datetime
    version: int | None


@dataclass(frozen=True)
class UnplacedView:
    """A meeting the change took off the schedule, agreed again and waiting for the organiser:
    where it was, why it fits nowhere, the engine's alternatives and the explanation."""

    meeting_id: int
    before: list[Any]
    reason: str
    alternatives: list[AlternativeView]
    explanation: ExplanationView


@dataclass(frozen=True)
class AbsorbedView:
    """What absorbing one change did. ``version`` is the schedule version it made, None when no
    meeting had to change (or no schedule is published yet)."""

    change: OnsiteChangeView
    version: int | None = None
    moved: list[MovedView] = field(default_factory=list)
    unplaced: list[UnplacedView] = field(default_factory=list)


@dataclass(frozen=True)
class _Reported:
    """A validated change, as it will be stored; ``audience`` the parties it concerns."""

    kind: ChangeKind
    starts_at: datetime
    ends_at: datetime | None = None
    party_id: str | None = None
    principal_id: str | None = None
    session_id: str | None = None
    space_id: str | None = None
    audience: tuple[str, ...] = ()

    def row(self, event_id: str, actor: Actor, reported_at: datetime) -> OnsiteChangeRow:
        return OnsiteChangeRow(
            event_id=event_id,
            kind=str(self.kind),
            party_id=self.party_id,
            principal_id=self.principal_id,
            session_id=self.session_id,
            space_id=self.space_id,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            reported_by=actor.user_id,
            reported_at=reported_at,
        )


# --- reporting ---------------------------------------------------------------------------------


def report_departure(
    db: Database,
    actor: Actor,
    event_id: str,
    *,
    leaves_at: datetime,
    principal_id: str | None = None,
    party_id: str | None = None,
    at: datetime | None = None,
    once: Once[AbsorbedView] | None = None,
) -> AbsorbedView:
    """A principal, or every principal of a party, leaves at ``leaves_at``: no meeting of
    theirs may end later. ``at`` is the moment of the report (the service clock by default)."""
    event = _event_for(db, actor, event_id)
    leaves_at = _aware(leaves_at, "leaves_at")
    if (principal_id is None) == (party_id is None):
        raise Invalid("name either the principal or the party that leaves", "principal_id")
    if principal_id is not None:
        principal = event.principal_by_id.get(PrincipalId(principal_id))
        if principal is None:
            raise Invalid(f"no principal {principal_id!r} at this event", "principal_id")
        audience: tuple[str, ...] = (principal.party,)
    else:
        if party_id not in event.party_by_id:
            raise Invalid(f"no party {party_id!r} at this event", "party_id")
        if not any(p.party == party_id for p in event.principals):
            raise Invalid(f"party {party_id!r} has no principal at this event", "party_id")
        audience = (str(party_id),)
    first, last = _event_span(event)
    if not first <= leaves_at < last:
        raise Invalid(_outside(event, leaves_at), "leaves_at")
    reported = _Reported(
        ChangeKind.DEPARTURE,
        leaves_at,
        party_id=party_id,
        principal_id=principal_id,
        audience=audience,
    )
    return _absorb(db, actor, event_id, reported, at or now(), once)


def report_overrun(
    db: Database,
    actor: Actor,
    event_id: str,
    *,
    session_id: str,
    extra_min: int,
    at: datetime | None = None,
    once: Once[AbsorbedView] | None = None,
) -> AbsorbedView:
    """The programme session ``session_id`` (its id in the event's programme) runs
    ``extra_min`` minutes past its programmed end; its attendees are held for that time too,
    and their delegations are told (the report's audit entry), even when no meeting moves.
    Overruns of one session are not added up: each says how far past the end it runs."""
    event = _event_for(db, actor, event_id)
    found = [s for s in event.programme if s.id == SessionId(session_id)]
    if not found:
        raise Invalid(f"no programme session {session_id!r} at this event", "session_id")
    if not 1 <= extra_min <= MAX_OVERRUN_MIN:
        raise Invalid(f"an overrun lasts 1 to {MAX_OVERRUN_MIN} minutes", "extra_min")
    end = found[0].span.end
    # The delegations whose principals attend are told, whether or not a meeting moves; no
    # other delegation learns of the session's overrun from the report.
    attending = found[0].attendees
    audience = tuple(sorted({str(p.party) for p in event.principals if p.id in attending}))
    reported = _Reported(
        ChangeKind.OVERRUN,
        end,
        end + timedelta(minutes=extra_min),
        session_id=session_id,
        audience=audience,
    )
    return _absorb(db, actor, event_id, reported, at or now(), once)


def report_closure(
    db: Database,
    actor: Actor,
    event_id: str,
    *,
    space_id: str,
    start: datetime,
    end: datetime,
    at: datetime | None = None,
    once: Once[AbsorbedView] | None = None,
) -> AbsorbedView:
    """The space cannot be used from ``start`` to ``end`` (a room taken for a press
    conference, say); the span lies within the event."""
    event = _event_for(db, actor, event_id)
    start = _aware(start, "start")
    end = _aware(end, "end")
    if SpaceId(space_id) not in event.space_by_id:
        raise Invalid(f"no space {space_id!r} at this event", "space_id")
    if end <= start:
        raise Invalid("the span must end after it starts", "end")
    first, last = _event_span(event)
    if not first <= start < last:
        raise Invalid(_outside(event, start), "start")
    if end > last:
        raise Invalid(_outside(event, end), "end")
    reported = _Reported(ChangeKind.CLOSURE, start, end, space_id=space_id)
    return _absorb(db, actor, event_id, reported, at or now(), once)


def list_changes(db: Database, actor: Actor, event_id: str) -> list[OnsiteChangeView]:
    """The changes recorded for the event, in the order they were reported."""
    require_organiser(actor)
    with db.reading() as session:
        event_row(session, event_id)
        rows = session.scalars(
            select(OnsiteChangeRow)
            .where(OnsiteChangeRow.event_id == event_id)
            .order_by(OnsiteChangeRow.reported_at, OnsiteChangeRow.id)
        )
        return [_change_view(row) for row in rows]


def wording(db: Database, actor: Actor, event_id: str, meeting_ids: Iterable[int]) -> Wording:
    """How to say what a change at the venue did to each of these meetings, as the organiser's
    pages do: by name, in venue time."""
    require_organiser(actor)
    with db.reading() as session:
        return notice_text.wording(session, domain_event(session, event_id), meeting_ids)


def organiser_named(db: Database, username: str) -> Actor:
    """The organiser's account ``username``, acting from the console: a change to the schedule
    is recorded under the person who made it."""
    with db.reading() as session:
        user = session.scalars(select(UserRow).where(UserRow.username == username)).first()
        if user is None or user.role != Role.ORGANISER:
            raise Invalid(f"no organiser account {username!r}", "user")
        return Actor(Role.ORGANISER, user.id, user.username, channel="cli")


# --- validation --------------------------------------------------------------------------------


def _event_for(db: Database, actor: Actor, event_id: str) -> Event:
    require_organiser(actor)
    with db.reading() as session:
        return domain_event(session, event_id)


def _aware(instant: datetime, name: str) -> datetime:
    try:
        return require_aware(instant, name)
    except DomainError as error:
        raise Invalid(error.message, name) from None
    except OverflowError:  # the first or last day of the calendar, in another zone
        raise Invalid(f"{name} is out of range", name) from None


def _event_span(event: Event) -> tuple[datetime, datetime]:
    return event.day_spans[0].start, event.day_spans[-1].end


def _outside(event: Event, instant: datetime) -> str:
    first, last = _event_span(event)
    return (
        f"{_local(event, instant)} is outside the event, which runs from "
        f"{_local(event, first)} to {_local(event, last)}"
    )


def _local(event: Event, instant: datetime) -> str:
    """An instant as the venue reads it: "Sun 20 Nov 2016 17:00", not an ISO timestamp."""
    try:
        return dated(instant, event, weekday=True)
    except OverflowError:  # an instant near the calendar's end, already refused
        return instant.isoformat()


# --- absorbing a change ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    problem: Problem
    published: dict[MeetingId, Assignment]
    result: OnsiteResult
    taken_off: list[MeetingId]  # in the published order


def _absorb(
    db: Database,
    actor: Actor,
    event_id: str,
    reported: _Reported,
    at: datetime,
    once: Once[AbsorbedView] | None,
) -> AbsorbedView:
    def planned(session: Session) -> tuple[Replan, int | None, _Plan | None, int]:
        """The re-plan of the schedule as ``session`` reads it, the version it was read at,
        and the change's id (drawn before the plan: the bookings it moves name the change)."""
        change_id = random_id()
        if once is not None:  # a report answered before is not planned again
            once.replay_if_answered(session)
        event = domain_event(session, event_id)
        changes_seen = latest_change(session, event_id)
        # Read before the meetings: a version written after this read makes the plan stale
        # below, whether or not the meetings read after it already hold it.
        version = current_version(session, event_id)
        plan = None
        if version is not None:
            problem, published = onsite_problem(session, event_id)
            change = engine_change(event, reported.row(event_id, actor, now()))
            options = OnsiteOptions(
                now=freeze_moment(problem, at),
                freeze_window_min=event.policy.freeze_window_min,
                time_limit_s=PLACEMENT_TIME_LIMIT_S,
            )
            result = replan(problem, published, change, options)
            plan = _Plan(
                problem,
                published,
                result,
                _taken_off(session, problem, published, result, options.now),
            )
        replanned = Replan(changes_seen, _rebookings(plan, change_id) if plan is not None else [])
        return replanned, version.number if version is not None else None, plan, change_id

    def book(
        session: Session, replanned: Replan, seen: int | None, plan: _Plan | None, change_id: int
    ) -> AbsorbedView:
        row = reported.row(event_id, actor, now())
        row.id = change_id

        def record(session: Session) -> None:
            # The change concerns every meeting of its principal or space, not only those the
            # plan moves: a meeting placed or moved since the plan's read (another placement,
            # an edit, a publish) may stand where the change forbids it, and the plan never
            # saw it. Any version written since makes the plan stale.
            now_at = current_version(session, event_id)
            if (now_at.number if now_at is not None else None) != seen:
                raise StalePlan("the schedule changed while the change was planned")
            session.add(row)
            session.flush()
            audit.record(
                session,
                actor,
                event_id,
                "onsite_change.reported",
                "onsite_change",
                row.id,
                reported.audience,
                **_detail(row),
            )

        booked = book_replan(
            session,
            actor,
            event_id,
            replanned,
            reason=f"on-site change {row.id} ({row.kind})",
            before_booking=record,
        )
        row.version = booked.version
        for rebooking in replanned.rebookings:
            if rebooking.after is None:
                _unlock(booked.rows[rebooking.meeting_id])
        # The answer is made in the transaction, so that the key keeps it (``once``).
        return _absorbed(session, actor, event_id, _change_view(row), plan)

    def attempt() -> AbsorbedView:
        with db.reading() as session:
            replanned, seen, plan, change_id = planned(session)

        def work(session: Session) -> AbsorbedView:
            return book(session, replanned, seen, plan, change_id)

        return db.write(once.guard(work) if once is not None else work)

    def held_still(session: Session) -> AbsorbedView:
        # Planned and booked under the schedule's lock: nothing changes under the plan.
        lock_schedule(session, event_id)
        return book(session, *planned(session))

    for _ in range(PLACEMENT_ATTEMPTS):
        try:
            return attempt()
        except StalePlan:
            continue  # the schedule changed since it was read: plan again against it
    # Busy: the schedule changed under every plan. The change happened at the venue whatever
    # the schedule does meanwhile, so it is planned once more with the schedule held still.
    return db.write(once.guard(held_still) if once is not None else held_still)


def _absorbed(
    session: Session, actor: Actor, event_id: str, view: OnsiteChangeView, plan: _Plan | None
) -> AbsorbedView:
    if plan is None:
        return AbsorbedView(view)
    problem, published, result = plan.problem, plan.published, plan.result
    # The engine's sentences in the reader's language, as the explanation beside them.
    names = engine_names(domain_event(session, event_id), problem) if plan.taken_off else {}
    unplaced = []
    for meeting_id in plan.taken_off:
        meeting_idx = problem.meeting_index[meeting_id]
        before = placed_span(problem, meeting_idx, published[meeting_id])
        assert before is not None
        unplaced.append(
            UnplacedView(
                int(meeting_id),
                before,
                service_texts.translate(result.unplaced[meeting_id], names),
                [
                    alternative_view(problem, a, names)
                    for a in result.alternatives.get(meeting_id, ())
                ],
                # Against the schedule as it now stands, with the change recorded.
                explanation_in(session, actor, event_id, int(meeting_id)),
            )
        )
    return AbsorbedView(
        view,
        view.version,
        [moved_view(problem, move) for move in result.moved if move.after is not None],
        unplaced,
    )


def _taken_off(
    session: Session,
    problem: Problem,
    published: dict[MeetingId, Assignment],
    result: OnsiteResult,
    at: datetime | None,
) -> list[MeetingId]:
    """The meetings the re-plan takes off the schedule, in the published order: those it
    finds no place for, and those locked or already started where the change no longer allows
    them (the engine leaves them in place for the organiser; the schedule must not keep them
    there), unless they were held already or were over by ``at``, the moment of the report
    (None: an event replayed as if it had not begun). A meeting over is history, whether or
    not the door has marked it held yet: a change reported late (a room closed since 09:00,
    reported at 09:45) must not offer it, and tell its sides of it, as one still to place."""
    taken_off = [move.meeting for move in result.moved if move.after is None]
    for meeting_id in result.unplaced:
        if at is not None and meeting_id in published:
            meeting = problem.meetings[problem.meeting_index[meeting_id]]
            last = published[meeting_id].start_slot + meeting.duration_slots - 1
            if problem.grid.end_of(last) <= at:
                continue
        if meeting_id in published and meeting_id not in taken_off:
            row = session.get(MeetingRow, int(meeting_id))
            if row is not None and row.status in MeetingStatus.placeable():
                taken_off.append(meeting_id)
    taken_off.sort(key=lambda m: (published[m].start_slot, int(m)))
    return taken_off


def _unlock(row: MeetingRow) -> None:
    """Release the lock of a meeting the change took off the schedule: the place it was locked
    to is no longer one it can have, and a lock there would leave every later solve without a
    schedule (a locked meeting must be held where it is locked)."""
    if row.terms and row.terms.get("locked"):
        row.terms = {key: value for key, value in row.terms.items() if key != "locked"}


def _rebookings(plan: _Plan, change_id: int) -> list[Rebooking]:
    """The re-plan's bookings: the moved meetings in their new places, then the ones that fit
    nowhere taken off the schedule (agreed again)."""
    grid, published = plan.problem.grid, plan.published
    moved = [
        rebooking
        for rebooking in move_rebookings(
            plan.problem, plan.result.moved, moved_for_change=change_id
        )
        if rebooking.after is not None
    ]
    taken_off = [
        Rebooking(
            int(meeting_id),
            (
                grid.start_of(published[meeting_id].start_slot),
                published[meeting_id].space,
            ),
            None,
            {"reason": plan.result.unplaced[meeting_id], "change": change_id},
        )
        for meeting_id in plan.taken_off
    ]
    return [*moved, *taken_off]


def _detail(row: OnsiteChangeRow) -> dict[str, Any]:
    keys = ("party_id", "principal_id", "session_id", "space_id")
    detail: dict[str, Any] = {"kind": row.kind, "starts_at": row.starts_at.isoformat()}
    if row.ends_at is not None:
        detail["ends_at"] = row.ends_at.isoformat()
    detail.update({key: getattr(row, key) for key in keys if getattr(row, key) is not None})
    return detail


def _change_view(row: OnsiteChangeRow) -> OnsiteChangeView:
    return OnsiteChangeView(
        id=row.id,
        kind=row.kind,
        party_id=row.party_id,
        principal_id=row.principal_id,
        session_id=row.session_id,
        space_id=row.space_id,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        reported_at=row.reported_at,
        version=row.version,
    )


__all__ = [
    "AbsorbedView",
    "OnsiteChangeView",
    "UnplacedView",
    "list_changes",
    "organiser_named",
    "report_closure",
    "report_departure",
    "report_overrun",
]
