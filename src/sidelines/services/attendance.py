"""Check-in at the door, no-shows, and the time a no-show frees offered to meetings that wait.

Each side of a scheduled meeting checks in when it arrives: from its page, through the API, or
by the organiser's scan at the door (of the meeting's id or the code printed for it). A meeting
that one side checked in to and another had not ``policy.no_show_after_min`` minutes after its
start is a no-show: its outcome is ``not_held`` (``services.record``), it leaves the schedule,
and every side gets a ``no_show`` notice. A meeting no side checked in to is left alone: nobody
is there to tell, and an event that does not use check-in must not lose its record.

The time the no-show frees is offered at once, in the same transaction, to agreed meetings that
wait: the on-site placement (``scheduling.onsite.replan``) places the heaviest that can start in
it, moving as few others as it must. A refilled meeting counts only once every side confirmed
it; unconfirmed ``policy.refill_confirm_min`` minutes after the offer, it is released and waits
again, and what is left of the time it held is offered to the next meeting that waits.

``sweep`` does all that is due at a moment. Nothing runs it on a clock here: the pages and
reads that show attendance run it when something is due (``sweep_if_due``), the CLI and the
organiser's API run it on demand.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import distinct, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sidelines.domain import Event, MeetingId, TimeSpan
from sidelines.domain.negotiation import MeetingStatus
from sidelines.scheduling.onsite import NewMeetings, OnsiteOptions, replan
from sidelines.services import audit
from sidelines.services.actors import Actor, Role
from sidelines.services.bookings import unbook
from sidelines.services.errors import Conflict, Forbidden, Invalid, not_found
from sidelines.services.event_problem import freeze_moment, onsite_problem
from sidelines.services.events import domain_event, event_row
from sidelines.services.recorded_changes import latest_change
from sidelines.services.replans import (
    Rebooking,
    Replan,
    book_replan,
    lock_schedule,
    move_rebookings,
)
from sidelines.services.schedule_versions import current_version, parties_of
from sidelines.services.visibility import takes_part, visible_meeting
from sidelines.storage.db import Database
from sidelines.storage.tables import (
    CheckInRow,
    MeetingPrincipalRow,
    MeetingRow,
    NoShowRow,
    OutcomeRow,
    RefillRow,
)

CHANNELS = ("page", "api", "scan")
# A side may check in this long before its meeting starts (waiting at the door).
CHECK_IN_OPENS = timedelta(minutes=60)
# The waiting meetings offered freed time in one sweep, heaviest first, and how long the search
# may spend on each: the offer must reach the sides within a second of the no-show.
REFILL_CANDIDATES = 8
REFILL_TIME_LIMIT_S = 0.02


class RefillState:
    OFFERED = "offered"
    CONFIRMED = "confirmed"
    RELEASED = "released"


@dataclass(frozen=True)
class RefillView:
    meeting_id: int
    freed_by: int
    state: str
    offered_at: datetime
    confirm_by: datetime
    confirmed_by: tuple[str, ...]


@dataclass(frozen=True)
class AttendanceView:
    """Who checked in to a meeting, its door code, and what attendance made of it."""

    meeting_id: int
    status: MeetingStatus
    code: str
    starts_at: datetime | None
    checked_in: tuple[tuple[str, datetime], ...]
    sides: tuple[str, ...]
    absent: tuple[str, ...] = ()  # the sides that did not come, once it is a no-show
    refill: RefillView | None = None


@dataclass(frozen=True)
class SweepView:
    """What one sweep did: meetings marked no-shows, meetings offered the freed time, offers
    released unconfirmed; ``refill_ms`` is how long the offer took after the marking."""

    no_shows: list[int] = field(default_factory=list)
    offered: list[int] = field(default_factory=list)
    released: list[int] = field(default_factory=list)
    version: int | None = None
    refill_ms: float | None = None


# --- the door code ---------------------------------------------------------------------------


def door_code(event_id: str, meeting_id: int) -> str:
    """The code printed for a meeting at its door: its id and four check characters, so that a
    mistyped or misread code names no other meeting ("12-7F3A"). Ids are below 2^53: at most
    16 digits."""
    check = hashlib.sha256(f"{event_id}:{meeting_id}".encode()).hexdigest()[:4].upper()
    return f"{meeting_id}-{check}"


def meeting_of_code(event_id: str, code: str) -> int:
    number, _, _ = code.strip().partition("-")
    if not number.isdigit() or len(number) > 16 or door_code(event_id, int(number)) != code.strip():
        raise Invalid("this is not the code of a meeting of this event", "code")
    return int(number)


# --- checking in -----------------------------------------------------------------------------


def _sides(session: Session, meeting_id: int) -> tuple[str, ...]:
    return parties_of(session, [meeting_id]).get(meeting_id, ())


def check_in(
    db: Database,
    actor: Actor,
    event_id: str,
    meeting_id: int,
    *,
    party: str | None = None,
    channel: str = "api",
    at: datetime,
) -> AttendanceView:
    """Record that a side arrived. A delegation checks in for itself; the organiser (at the
    door) names the side. From an hour before the start to the end of a scheduled meeting;
    checking in twice keeps the first time."""
    if channel not in CHANNELS:
        raise Invalid("the channel is one of " + ", ".join(CHANNELS), "channel")
    own = actor.acts_for(event_id)
    if own is not None and party not in (None, own):
        raise Forbidden("a delegation checks in for itself")
    if not takes_part(actor, event_id):
        raise not_found("meeting", meeting_id)

    def work(session: Session) -> AttendanceView:
        row = visible_meeting(session, actor, event_id, meeting_id)
        sides = _sides(session, meeting_id)
        side = own or party
        if side is None:
            raise Invalid("say which side arrived", "party")
        if side not in sides:
            raise Invalid(f"{side!r} is not a side of meeting {meeting_id}", "party")
        if row.status != MeetingStatus.SCHEDULED or row.starts_at is None:
            raise Conflict(f"meeting {meeting_id} is {row.status}: there is nothing to check in to")
        assert row.ends_at is not None
        if not row.starts_at - CHECK_IN_OPENS <= at < row.ends_at:
            raise Conflict(
                "check-in opens an hour before the meeting and closes at its end", "meeting_id"
            )
        if session.get(CheckInRow, (meeting_id, side)) is None:
            try:
                with session.begin_nested():
                    session.add(
                        CheckInRow(
                            meeting_id=meeting_id,
                            party_id=side,
                            event_id=event_id,
                            checked_in_at=at,
                            checked_in_by=actor.user_id,
                            channel=channel,
                        )
                    )
            except IntegrityError:
                # The same side checked in at the same moment elsewhere: the first one stands.
                return _view(session, event_id, row, sides)
            # Arriving for a meeting offered in freed time confirms it for that side.
            offer = _open_offer(session, meeting_id)
            if offer is not None:
                _confirm(session, actor, offer, side, sides, at)
            audit.record(
                session,
                actor,
                event_id,
                "meeting.checked_in",
                "meeting",
                meeting_id,
                list(sides),
                party=side,
                channel=channel,
            )
        return _view(session, event_id, row, sides)

    return db.write(work)


def check_in_by_code(
    db: Database, actor: Actor, event_id: str, code: str, party: str, *, at: datetime
) -> AttendanceView:
    """The organiser's scan at the door: the code printed for the meeting and the side."""
    if not actor.is_organiser:
        raise Forbidden("only the organiser scans at the door")
    return check_in(
        db, actor, event_id, meeting_of_code(event_id, code), party=party, channel="scan", at=at
    )


def attendance(
    db: Database, actor: Actor, event_id: str, meeting_id: int, *, at: datetime
) -> AttendanceView:
    """Who checked in to the meeting (its sides and the organiser), after anything due."""
    sweep_if_due(db, event_id, at)
    with db.reading() as session:
        row = visible_meeting(session, actor, event_id, meeting_id)
        return _view(session, event_id, row, _sides(session, meeting_id))


def _view(
    session: Session, event_id: str, row: MeetingRow, sides: tuple[str, ...]
) -> AttendanceView:
    checked = session.execute(
        select(CheckInRow.party_id, CheckInRow.checked_in_at)
        .where(CheckInRow.meeting_id == row.id)
        .order_by(CheckInRow.checked_in_at, CheckInRow.party_id)
    ).all()
    no_show = session.get(NoShowRow, row.id)
    refill = session.scalars(
        select(RefillRow).where(RefillRow.meeting_id == row.id).order_by(RefillRow.id.desc())
    ).first()
    return AttendanceView(
        meeting_id=row.id,
        status=MeetingStatus(row.status),
        code=door_code(event_id, row.id),
        starts_at=row.starts_at if no_show is None else no_show.starts_at,
        checked_in=tuple((party, when) for party, when in checked),
        sides=sides,
        absent=tuple(no_show.absent) if no_show is not None else (),
        refill=_refill_view(refill) if refill is not None else None,
    )


def _refill_view(row: RefillRow) -> RefillView:
    return RefillView(
        row.meeting_id,
        row.freed_by,
        row.state,
        row.offered_at,
        row.confirm_by,
        tuple(row.confirmed_by),
    )


# --- confirming a refill ---------------------------------------------------------------------


def confirm_refill(
    db: Database, actor: Actor, event_id: str, meeting_id: int, *, at: datetime
) -> AttendanceView:
    """A side confirms the meeting it was offered in freed time; once every side has, it
    counts. An offer already released (or never made) is refused."""
    party = actor.acts_for(event_id)
    if party is None:
        raise Forbidden("each side confirms for itself")
    sweep_if_due(db, event_id, at)

    def work(session: Session) -> AttendanceView:
        row = visible_meeting(session, actor, event_id, meeting_id)
        sides = _sides(session, meeting_id)
        offer = _open_offer(session, meeting_id)
        if offer is None:
            raise Conflict(f"meeting {meeting_id} awaits no confirmation", "meeting_id")
        _confirm(session, actor, offer, party, sides, at)
        session.flush()
        return _view(session, event_id, row, sides)

    return db.write(work)


def _open_offer(session: Session, meeting_id: int) -> RefillRow | None:
    return session.scalars(
        select(RefillRow)
        .where(RefillRow.meeting_id == meeting_id, RefillRow.state == RefillState.OFFERED)
        .with_for_update()
    ).first()


def _confirm(
    session: Session,
    actor: Actor,
    offer: RefillRow,
    party: str,
    sides: tuple[str, ...],
    at: datetime,
) -> None:
    """``party`` confirms the offer; once every side has, the meeting counts."""
    if party in offer.confirmed_by:
        return
    offer.confirmed_by = sorted({*offer.confirmed_by, party})
    if set(offer.confirmed_by) >= set(sides):
        offer.state = RefillState.CONFIRMED
        offer.settled_at = at
    audit.record(
        session,
        actor,
        offer.event_id,
        "meeting.refill_confirmed",
        "meeting",
        offer.meeting_id,
        list(sides),
        party=party,
        state=offer.state,
    )


# --- the sweep -------------------------------------------------------------------------------


def _due_no_shows(session: Session, event: Event, at: datetime) -> list[MeetingRow]:
    """Scheduled meetings that started ``no_show_after_min`` ago or more, some but not every
    side of which checked in: no-shows."""
    cutoff = at - timedelta(minutes=event.policy.no_show_after_min)
    return list(
        session.scalars(
            select(MeetingRow)
            .where(
                MeetingRow.event_id == event.id,
                MeetingRow.status == MeetingStatus.SCHEDULED,
                MeetingRow.starts_at <= cutoff,
                exists().where(CheckInRow.meeting_id == MeetingRow.id),
                select(func.count()).where(CheckInRow.meeting_id == MeetingRow.id).scalar_subquery()
                < select(func.count(distinct(MeetingPrincipalRow.party_id)))
                .where(MeetingPrincipalRow.meeting_id == MeetingRow.id)
                .scalar_subquery(),
            )
            .order_by(MeetingRow.starts_at, MeetingRow.id)
        )
    )


def _expired_offers(session: Session, event_id: str, at: datetime) -> list[RefillRow]:
    return list(
        session.scalars(
            select(RefillRow).where(
                RefillRow.event_id == event_id,
                RefillRow.state == RefillState.OFFERED,
                RefillRow.confirm_by <= at,
            )
        )
    )


def sweep_if_due(db: Database, event_id: str, at: datetime) -> SweepView | None:
    """Run the sweep when something is due (two small reads otherwise): the reads that show
    attendance call it, so that no-shows are marked without a worker."""
    with db.reading() as session:
        event = domain_event(session, event_id)
        if not _due_no_shows(session, event, at) and not _expired_offers(session, event_id, at):
            return None
    return sweep(db, event_id, at)


def _sweep_actor(session: Session, event_id: str, actor: Actor | None) -> Actor | None:
    """Who the sweep's changes are written as: the organiser who asked for it, else the
    organiser who published the schedule, acting through the event's policy."""
    if actor is not None:
        return actor
    version = current_version(session, event_id)
    if version is None:
        return None
    return Actor(Role.ORGANISER, version.published_by, "attendance", channel="sweep")


def sweep(db: Database, event_id: str, at: datetime, actor: Actor | None = None) -> SweepView:
    """Everything due at ``at``, in one transaction under the event's schedule lock: release
    the offers not confirmed in time, mark the no-shows, and offer the time they free to the
    agreed meetings that wait. One new schedule version carries every change, with its
    notices (``no_show``, ``offered``, ``released``)."""
    if actor is not None and not actor.is_organiser:
        raise Forbidden("only the organiser runs the attendance sweep")

    def work(session: Session) -> SweepView:
        event_row(session, event_id)
        lock_schedule(session, event_id)
        event = domain_event(session, event_id)
        acting = _sweep_actor(session, event_id, actor)
        if acting is None:
            return SweepView()
        kinds: dict[int, str] = {}
        lapsed = _release(session, acting, event_id, at)
        released = [meeting_id for meeting_id, _, _ in lapsed]
        kinds.update(dict.fromkeys(released, "released"))
        freed = [
            span
            for row in _due_no_shows(session, event, at)
            if (span := _mark(session, acting, row, at))
        ]
        kinds.update(dict.fromkeys((meeting_id for meeting_id, _ in freed), "no_show"))
        marked = time.perf_counter()
        # The time a released offer held goes to the next meeting that waits (still counted as
        # freed by the no-show), never straight back to the meeting that let it lapse.
        spans = [(m, span) for m, (span, _) in freed]
        spans += [(no_show, span) for _, no_show, span in lapsed]
        refill = _offer(session, acting, event, spans, at, passed_over=set(released))
        offered = [offer.meeting_id for offer in refill.offers]
        kinds.update(dict.fromkeys(offered, "offered"))
        # Planned under the lock, the refill is never stale; it is booked as every re-plan is.
        booked = book_replan(
            session,
            acting,
            event_id,
            refill.replan,
            reason="attendance",
            kinds=kinds,
            always_version=bool(kinds),
        )
        session.add_all(refill.offers)
        session.flush()
        refill_ms = (time.perf_counter() - marked) * 1000 if freed else None
        if not kinds:
            return SweepView()
        return SweepView(
            no_shows=[meeting_id for meeting_id, _ in freed],
            offered=offered,
            released=released,
            version=booked.version,
            refill_ms=refill_ms,
        )

    return db.write(work)


def _release(
    session: Session, actor: Actor, event_id: str, at: datetime
) -> list[tuple[int, int, TimeSpan]]:
    """Release the offers not confirmed in time: each released meeting, the no-show whose time
    it was offered, and the time it held."""
    released = []
    for offer in _expired_offers(session, event_id, at):
        row = session.get(MeetingRow, offer.meeting_id)
        assert row is not None
        offer.state = RefillState.RELEASED
        offer.settled_at = at
        if row.status == MeetingStatus.SCHEDULED:
            assert row.starts_at is not None
            assert row.ends_at is not None
            held = TimeSpan(row.starts_at, row.ends_at)
            unbook(session, row)
            released.append((row.id, offer.freed_by, held))
            audit.record(
                session,
                actor,
                event_id,
                "meeting.refill_released",
                "meeting",
                row.id,
                list(_sides(session, row.id)),
                confirmed_by=list(offer.confirmed_by),
            )
    return released


def _mark(
    session: Session, actor: Actor, row: MeetingRow, at: datetime
) -> tuple[int, tuple[TimeSpan, str | None]] | None:
    """Mark the meeting a no-show if a side is missing; the time and space it frees."""
    sides = _sides(session, row.id)
    present = set(
        session.scalars(select(CheckInRow.party_id).where(CheckInRow.meeting_id == row.id))
    )
    absent = sorted(set(sides) - present)
    if not absent:
        return None
    assert row.starts_at is not None
    assert row.ends_at is not None
    span = TimeSpan(row.starts_at, row.ends_at)
    space = row.space_id
    session.add(
        NoShowRow(
            meeting_id=row.id,
            event_id=row.event_id,
            absent=absent,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            space_id=space,
            marked_at=at,
            marked_by=actor.user_id if actor.channel != "sweep" else None,
        )
    )
    outcome = session.get(OutcomeRow, row.id)
    if outcome is None:
        outcome = OutcomeRow(meeting_id=row.id, event_id=row.event_id)
        session.add(outcome)
    outcome.status = str(MeetingStatus.NOT_HELD)
    outcome.recorded_by = actor.user_id if actor.channel != "sweep" else None
    outcome.recorded_at = at
    unbook(session, row)
    row.status = str(MeetingStatus.NOT_HELD)
    # Any offer of this meeting as a refill is settled: it was confirmed, or it lapses here.
    for offer in session.scalars(
        select(RefillRow).where(
            RefillRow.meeting_id == row.id, RefillRow.state == RefillState.OFFERED
        )
    ):
        offer.state = RefillState.RELEASED
        offer.settled_at = at
    session.flush()
    audit.record(
        session,
        actor,
        row.event_id,
        "meeting.no_show",
        "meeting",
        row.id,
        list(sides),
        absent=absent,
    )
    return row.id, (span, space)


def _offer_windows(
    own: Sequence[TimeSpan], duration_min: int, freed: Sequence[TimeSpan], at: datetime
) -> tuple[TimeSpan, ...]:
    """The spans a waiting meeting may lie in to start in freed time: from the freed start (not
    before ``at``) to the freed end plus its length, cut to its own windows (none: any time)."""
    spans = []
    for span in freed:
        start = max(span.start, at)
        if start >= span.end:
            continue
        # It must start before the freed time ends: a minute short of the end plus its length.
        offer = TimeSpan(start, span.end + timedelta(minutes=duration_min - 1))
        for window in own or (offer,):
            lo, hi = max(offer.start, window.start), min(offer.end, window.end)
            if hi - lo >= timedelta(minutes=duration_min):
                spans.append(TimeSpan(lo, hi))
    return tuple(spans)


@dataclass(frozen=True)
class _Refill:
    """The refill of freed time: the re-plan to book, and the offers to record once it is."""

    replan: Replan
    offers: list[RefillRow]


def _offer(
    session: Session,
    actor: Actor,
    event: Event,
    freed: Sequence[tuple[int, TimeSpan]],
    at: datetime,
    passed_over: frozenset[int] | set[int] = frozenset(),
) -> _Refill:
    """Plan the heaviest waiting meetings that can start in the freed time into it (on-site
    placement, fewest moves), but none of ``passed_over``; each placed one is offered to its
    sides to confirm."""
    nothing = _Refill(Replan(latest_change(session, event.id), []), [])
    if not freed:
        return nothing
    spans = [span for _, span in freed]
    waiting: dict[int, tuple[TimeSpan, ...]] = {}
    for row in session.scalars(
        select(MeetingRow)
        .where(
            MeetingRow.event_id == event.id,
            MeetingRow.status == MeetingStatus.AGREED,
            MeetingRow.starts_at.is_(None),
            MeetingRow.id.not_in(sorted(passed_over)),
        )
        .order_by(MeetingRow.weight.desc(), MeetingRow.id)
    ):
        own = tuple(
            TimeSpan(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in row.windows
        )
        windows = _offer_windows(own, row.duration_min, spans, at)
        if windows:
            waiting[row.id] = windows
        if len(waiting) == REFILL_CANDIDATES:
            break
    if not waiting:
        return nothing
    problem, published = onsite_problem(session, event.id, waiting=waiting)
    options = OnsiteOptions(
        now=freeze_moment(problem, at),
        freeze_window_min=event.policy.freeze_window_min,
        time_limit_s=REFILL_TIME_LIMIT_S,
        alternatives=False,
    )
    result = replan(
        problem, published, NewMeetings(tuple(MeetingId(str(m)) for m in waiting)), options
    )
    if not result.placed:
        return nothing
    rebookings = move_rebookings(problem, result.moved, moved_for="refill")
    confirm_by = at + timedelta(minutes=event.policy.refill_confirm_min)
    offers = []
    for key, target in sorted(result.placed.items(), key=lambda item: int(item[0])):
        start = problem.grid.start_of(target.start_slot)
        rebookings.append(Rebooking(int(key), None, (start, target.space), {"refill": True}))
        # The no-show whose time it starts in (windows allow no other start).
        freed_by = next(m for m, span in freed if span.start <= start < span.end)
        offers.append(
            RefillRow(
                event_id=event.id,
                meeting_id=int(key),
                freed_by=freed_by,
                offered_at=at,
                confirm_by=confirm_by,
                confirmed_by=[],
                state=RefillState.OFFERED,
            )
        )
    return _Refill(Replan(nothing.replan.changes_seen, rebookings), offers)
