"""The published schedule at each version, stored as what changed.

A version written by a publish (a batch solve, or the first version of an event) holds the whole
schedule (``ScheduleVersionRow.full``); one written by a placement, an edit, an on-site change or
the attendance holds only the meetings whose placement it changed, null for one taken out. The
schedule at a version is the last whole one before it with the changes since applied on top.

What a new version changes is found from the meetings written since the version before: each
version records the event's revision when it was made (``storage/revisions.py``), and a
meeting not written since cannot have moved. Each process keeps the schedule at the last
version it computed, named by the version row's id as well as its number: ids are random, so a
version whose transaction rolled back never names one that was committed.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sidelines.services import schedule_diff
from sidelines.storage.tables import EventRow, MeetingRow, ScheduleVersionRow

Snapshot = schedule_diff.Snapshot


@dataclass(frozen=True)
class _Known:
    number: int
    version_id: int
    schedule: Snapshot


_known: dict[tuple[str, str], _Known] = {}
_lock = threading.Lock()


def forget() -> None:
    """Drop every schedule this process keeps (tests: read from the stored rows alone)."""
    with _lock:
        _known.clear()


def entry(starts_at: datetime | None, ends_at: datetime | None, space_id: str | None) -> list[Any]:
    """A booking in the stored form of a version (instants as the database gives them, UTC)."""
    return [
        starts_at.isoformat() if starts_at else None,
        ends_at.isoformat() if ends_at else None,
        space_id,
    ]


def bookings(session: Session, event_id: str) -> Snapshot:
    """Every booking of the event as it stands, in the stored form."""
    # Plain columns, not ORM objects: loading the objects cost about three times as much.
    rows = session.execute(
        select(MeetingRow.id, MeetingRow.starts_at, MeetingRow.ends_at, MeetingRow.space_id).where(
            MeetingRow.event_id == event_id, MeetingRow.starts_at.is_not(None)
        )
    )
    return {
        str(meeting_id): entry(starts_at, ends_at, space_id)
        for meeting_id, starts_at, ends_at, space_id in rows
    }


def _where(session: Session, event_id: str) -> tuple[str, str]:
    return (str(session.get_bind().engine.url), event_id)


def applied(schedule: Mapping[str, list[Any]], changed: Mapping[str, Any]) -> Snapshot:
    """``schedule`` with a version's changes applied (null: taken out)."""
    result = dict(schedule)
    for key, placed in changed.items():
        if placed is None:
            result.pop(key, None)
        else:
            result[key] = placed
    return result


def schedule_at(session: Session, event_id: str, number: int) -> Snapshot:
    """The whole published schedule of the event's version ``number`` ({} for 0)."""
    if number <= 0:
        return {}
    last_full = session.scalar(
        select(func.max(ScheduleVersionRow.number)).where(
            ScheduleVersionRow.event_id == event_id,
            ScheduleVersionRow.full.is_(True),
            ScheduleVersionRow.number <= number,
        )
    )
    assert last_full is not None, "an event's first version holds the whole schedule"
    heads = dict(
        session.execute(
            select(ScheduleVersionRow.number, ScheduleVersionRow.id).where(
                ScheduleVersionRow.event_id == event_id,
                ScheduleVersionRow.number >= last_full,
                ScheduleVersionRow.number <= number,
            )
        ).all()
    )
    known = _known.get(_where(session, event_id))
    start = last_full - 1
    schedule: Snapshot = {}
    if (
        known is not None
        and last_full <= known.number <= number
        and heads.get(known.number) == known.version_id
    ):
        start, schedule = known.number, known.schedule
    needed = [n for n in heads if n > start]
    if needed:
        stored: dict[int, dict[str, Any]] = dict(
            session.execute(
                select(ScheduleVersionRow.number, ScheduleVersionRow.snapshot).where(
                    ScheduleVersionRow.event_id == event_id,
                    ScheduleVersionRow.number.in_(needed),
                )
            ).all()
        )
        for n in sorted(stored):
            # The first one read from ``last_full`` is whole; a diff is applied on top.
            schedule = dict(stored[n]) if n == last_full else applied(schedule, stored[n])
    remember(session, event_id, number, heads[number], schedule)
    return schedule


def remember(
    session: Session, event_id: str, number: int, version_id: int, schedule: Snapshot
) -> None:
    with _lock:
        where = _where(session, event_id)
        current = _known.get(where)
        if current is None or current.number <= number:
            _known[where] = _Known(number, version_id, schedule)


def event_revision(session: Session, event_id: str) -> int:
    """The event's revision as this transaction sees it now (its own writes included)."""
    value = session.scalar(select(EventRow.revision).where(EventRow.id == event_id))
    return value or 0


@dataclass(frozen=True)
class NextVersion:
    """What a new version changes (``changed``) and what it stores: the whole schedule, or
    only the changes (``full`` false)."""

    changed: list[schedule_diff.Changed]
    stored: dict[str, Any]
    full: bool
    schedule: Snapshot  # the whole schedule it leaves


def next_version(
    session: Session, event_id: str, previous: ScheduleVersionRow | None, *, full: bool
) -> NextVersion:
    """What a version made now would change against ``previous`` (the current one)."""
    before = schedule_at(session, event_id, previous.number) if previous is not None else {}
    if full or previous is None or previous.revision is None:
        after = bookings(session, event_id)
        changed = schedule_diff.changes(before, after)
        if full or previous is None:
            return NextVersion(changed, after, True, after)
    else:
        written = session.execute(
            select(
                MeetingRow.id, MeetingRow.starts_at, MeetingRow.ends_at, MeetingRow.space_id
            ).where(MeetingRow.event_id == event_id, MeetingRow.revision > previous.revision)
        ).all()
        now_placed = {
            str(meeting_id): entry(starts_at, ends_at, space_id)
            for meeting_id, starts_at, ends_at, space_id in written
            if starts_at is not None
        }
        was_placed = {
            str(meeting_id): before[str(meeting_id)]
            for meeting_id, *_ in written
            if str(meeting_id) in before
        }
        changed = schedule_diff.changes(was_placed, now_placed)
    diff = {str(change.meeting_id): change.after for change in changed}
    return NextVersion(changed, diff, False, applied(before, diff))
