"""Booking a re-plan: the one way a change planned on a read of the published schedule is
written into it, for the placement of a newly agreed meeting, the changes reported at the
venue, the organiser's edits and the refill of a no-show's time.

A re-plan is planned on a read of the schedule (the state this process keeps, or the rows) and
booked in a later transaction under the schedule's lock. What it was planned on may have changed
in between, and one rule says when it has (``fresh_rows``): the plan is **stale** when

1. a change was reported at the venue since the plan's read (every problem of the event
   changes with it), or
2. a meeting the plan books, moves or takes off is no longer where the plan read it (its start
   and space; or waiting, for a meeting it places) or no longer to be placed (held, cancelled),
   or
3. the database refuses a booking of the plan: a principal or the space was booked at the new
   place since the plan's read.

A stale plan books nothing (``StalePlan``, raised inside the write so that its transaction rolls
back) and its caller plans again on the schedule as it now is. Meetings the plan leaves alone may
change meanwhile without making it stale: two placements in different corners of the event do
not wait for each other. The rules the database does not hold (walking time between two
meetings booked at once by different writers, say) are the price of that, as they were for the
placement before this rule was shared.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from sidelines.domain import Event
from sidelines.domain.negotiation import MeetingStatus
from sidelines.scheduling.onsite import Move
from sidelines.scheduling.problem import Problem
from sidelines.services import audit
from sidelines.services.actors import Actor
from sidelines.services.bookings import book, book_all, unbook_all
from sidelines.services.errors import Conflict
from sidelines.services.events import domain_event
from sidelines.services.recorded_changes import LATEST_CHANGE
from sidelines.services.schedule_versions import new_version
from sidelines.storage.event_rows import event_from_row
from sidelines.storage.tables import (
    EventRow,
    MeetingPrincipalRow,
    MeetingRow,
)

Where = tuple[datetime, str | None]  # a booking: its start and its space (None: no room)


class StalePlan(Conflict):
    """What the re-plan was planned on changed before it was booked (``fresh_rows``); nothing
    was written, and the caller plans again."""


@dataclass(frozen=True)
class Rebooking:
    """One meeting a re-plan changes: where the plan read it and where it goes (None: waiting,
    or taken off the schedule), and what its audit entry says besides."""

    meeting_id: int
    before: Where | None
    after: Where | None
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Replan:
    """A re-plan ready to book: the meetings it changes, and the last change reported at the
    venue when it was read (``recorded_changes.latest_change``)."""

    changes_seen: int
    rebookings: Sequence[Rebooking]


@dataclass(frozen=True)
class Booked:
    """A booked re-plan: the schedule version it made (None: none was asked for) and the
    rows of the meetings it changed, by id."""

    version: int | None
    rows: dict[int, MeetingRow]


class Fresh(NamedTuple):
    """The rows ``fresh_rows`` read, by id, and each one's principals with their parties (as
    ``bookings.meeting_links`` gives them)."""

    rows: dict[int, MeetingRow]
    links: dict[int, list[tuple[str, str]]]


def lock_schedule(session: Session, event_id: str) -> None:
    """Serialise the changes to one event's published schedule: two publishes (or a publish
    and an on-site placement) at once would both read version N and both write N + 1. SQLite
    needs no lock: its writers run one at a time (``BEGIN IMMEDIATE``). On PostgreSQL the lock
    is ``FOR NO KEY UPDATE``: as strong against the other holders, it leaves alone the key-share
    lock that every insert of a row naming the event takes, so requests sent and answers made
    meanwhile do not queue behind a booking."""
    session.scalars(_LOCK_ID, {"event_id": event_id}).all()


def _schedule_lock(statement: Select[Any]) -> Select[Any]:
    """``statement`` on the event's row (bound as ``event_id``), taking the schedule's lock."""
    return statement.where(EventRow.id == bindparam("event_id")).with_for_update(key_share=True)


# The lock on the event's row, built once: its key alone (``lock_schedule``), or the row read
# whole for a booking that needs the event (``book_replan``).
_LOCK_ID = _schedule_lock(select(EventRow.id))
_LOCK = _schedule_lock(select(EventRow))
# The last change reported on site, and the rows of the meetings asked for with their
# principals: one row with the change and no meeting when none of them is the event's. Each
# meeting's row comes once per principal (the same object: the session maps rows by id), in
# the order ``meeting_links`` gives them. Built once, with its values as parameters.
_FRESH = (
    select(
        LATEST_CHANGE, MeetingRow, MeetingPrincipalRow.principal_id, MeetingPrincipalRow.party_id
    )
    .select_from(EventRow)
    .outerjoin(
        MeetingRow,
        (MeetingRow.event_id == EventRow.id)
        & MeetingRow.id.in_(bindparam("meeting_ids", expanding=True)),
    )
    .outerjoin(MeetingPrincipalRow, MeetingPrincipalRow.meeting_id == MeetingRow.id)
    .where(EventRow.id == bindparam("event_id"))
    .order_by(MeetingRow.id, MeetingPrincipalRow.principal_id)
)


def fresh_rows(session: Session, event_id: str, replan: Replan) -> Fresh:
    """The rows of the meetings the plan changes and their principals, read under the
    schedule's lock in one statement with the last change reported on site; ``StalePlan``
    where rules 1 and 2 of this module find the plan stale."""
    wanted = [rebooking.meeting_id for rebooking in replan.rebookings]
    found: dict[int, MeetingRow] = {}
    links: dict[int, list[tuple[str, str]]] = {}
    changes: int | None = None
    for latest, read, principal_id, party_id in session.execute(
        _FRESH, {"event_id": event_id, "meeting_ids": wanted}
    ):
        changes = latest
        if read is None:
            continue
        found[read.id] = read
        if principal_id is not None:
            links.setdefault(read.id, []).append((principal_id, party_id))
    if (changes or 0) != replan.changes_seen:
        raise StalePlan("a change was reported on site meanwhile")
    rows: dict[int, MeetingRow] = {}
    for rebooking in replan.rebookings:
        meeting_id = rebooking.meeting_id
        row = found.get(meeting_id)
        if row is None:
            raise StalePlan(f"meeting {meeting_id} is gone")
        where = (row.starts_at, row.space_id) if row.starts_at is not None else None
        if where != rebooking.before or row.status not in MeetingStatus.placeable():
            raise StalePlan(f"meeting {meeting_id} changed meanwhile")
        rows[meeting_id] = row
    return Fresh(rows, links)


def book_replan(
    session: Session,
    actor: Actor,
    event_id: str,
    replan: Replan,
    *,
    reason: str,
    kinds: Mapping[int, str] | None = None,
    always_version: bool = False,
    before_booking: Callable[[Session], None] | None = None,
) -> Booked:
    """Book ``replan`` in ``session``'s transaction: take the schedule's lock, refuse a stale
    plan (``StalePlan``), run ``before_booking`` (what the re-plan is for: the change reported,
    the edit of the meeting's terms), take every old booking off before writing any new one
    (meetings may trade places), record each in the trail, and write one schedule version
    (``reason``, ``kinds`` as ``new_version`` takes them) when a booking changed or
    ``always_version`` asks for it.

    The statements do not grow with the meetings booked: the rows and the meetings' principals
    are read with one statement, the old bookings deleted and the new ones inserted a table at
    a time, and the audit entries name their audience from the principals read. No savepoint
    guards the inserts: a refused one (rule 3) raises ``StalePlan`` out of the transaction,
    which rolls back whole."""
    # The lock (as ``lock_schedule`` takes it) on the event's row, read whole for the event
    # below. The last change reported is read after it, by the next statement (``fresh_rows``):
    # on PostgreSQL a statement that waited for the lock reads the other tables as they were
    # when it began, before the change its holder recorded.
    locked = session.scalars(_LOCK, {"event_id": event_id}).first()
    rows, links = fresh_rows(session, event_id, replan)
    if before_booking is not None:
        before_booking(session)
    event = event_from_row(locked) if locked is not None else domain_event(session, event_id)
    unbook_all(
        session,
        [rows[r.meeting_id] for r in replan.rebookings if r.before is not None],
        booked_again={r.meeting_id for r in replan.rebookings if r.after is not None},
    )
    booked = [
        (rows[rebooking.meeting_id], rebooking.after)
        for rebooking in replan.rebookings
        if rebooking.after is not None
    ]
    try:
        book_all(session, event, [(row, *after) for row, after in booked], links)
    except Conflict as refused:
        # Rule 3: someone took the place since the plan's read.
        raise StalePlan(refused.message) from None
    # Written with the version's own, a table at a time, with plain statements.
    entries = [
        row
        for rebooking in replan.rebookings
        for row in audit.entry(
            actor,
            event_id,
            "meeting.scheduled" if rebooking.after is not None else "meeting.unscheduled",
            "meeting",
            rebooking.meeting_id,
            sorted({party for _, party in links.get(rebooking.meeting_id, ())}),
            **rebooking.detail,
        )
    ]
    version = None
    if replan.rebookings or always_version:
        parties = {
            meeting_id: tuple(sorted({party for _, party in pairs}))
            for meeting_id, pairs in links.items()
        }
        version = new_version(
            session, actor, event_id, reason, kinds=kinds, parties=parties, entries=entries
        )
    else:
        audit.insert_all(session, entries)
    return Booked(version, rows)


def book_and_record(
    session: Session,
    actor: Actor,
    event: Event,
    row: MeetingRow,
    start: datetime,
    space_id: str | None,
    **detail: Any,
) -> None:
    """Book the meeting (the database refuses a double booking) and record it in the trail."""
    book(session, event, row, start, space_id)
    _record(session, actor, event.id, "meeting.scheduled", row.id, detail)


def move_rebookings(problem: Problem, moves: Sequence[Move], **detail: Any) -> list[Rebooking]:
    """The rebookings of meetings a re-plan of ``problem`` moves (or takes off)."""
    grid = problem.grid
    found = []
    for move in moves:
        after = (
            (grid.start_of(move.after.start_slot), move.after.space)
            if move.after is not None
            else None
        )
        before = (grid.start_of(move.before.start_slot), move.before.space)
        found.append(Rebooking(int(move.meeting), before, after, detail))
    return found


def _record(
    session: Session,
    actor: Actor,
    event_id: str,
    action: str,
    meeting_id: int,
    detail: Mapping[str, Any],
) -> None:
    audit.record(
        session,
        actor,
        event_id,
        action,
        "meeting",
        meeting_id,
        meeting_parties(session, meeting_id),
        **detail,
    )


def meeting_parties(session: Session, meeting_id: int) -> list[str]:
    return sorted(
        set(
            session.scalars(
                select(MeetingPrincipalRow.party_id).where(
                    MeetingPrincipalRow.meeting_id == meeting_id
                )
            )
        )
    )
