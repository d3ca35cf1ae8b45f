"""The event's scheduled meetings as the schedule read shows them, kept per process.

The organiser polls the whole schedule, and each read used to load every scheduled meeting of
the event and its principals as full rows: about 26 ms of server CPU at 600 meetings, twenty
times an agenda read (docs/benchmarks.md). Meetings are never deleted, their principals never
change, and each meeting carries the event revision of its last write (``storage/revisions.py``),
so a process that keeps the entries read at revision r brings them up to date by reading only
the meetings written since r: none while nothing moved, one or two after a placement.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from sidelines.storage.tables import EventRow, MeetingPrincipalRow, MeetingRow


@dataclass(frozen=True)
class Entry:
    meeting_id: int
    starts_at: datetime
    ends_at: datetime
    space_id: str | None
    parties: tuple[str, ...]


@dataclass(frozen=True)
class Entries:
    """The event's scheduled meetings in the schedule's order (start, creation, id), as the
    database held them at ``revision`` of the event created at ``created_at``. Frozen: threads
    share it, and an update makes a new one."""

    created_at: datetime
    revision: int
    by_meeting: dict[int, tuple[tuple[datetime, datetime, int], Entry]]
    ordered: tuple[Entry, ...]


# By database (its URL) and event: a process may serve more than one database (tests do).
_kept: dict[tuple[str, str], Entries] = {}
_lock = threading.Lock()

# Built once with the event and the revision as parameters: a row per principal of each
# meeting written since (one with none for a meeting without principals).
_WRITTEN_SINCE = (
    select(
        MeetingRow.id,
        MeetingRow.starts_at,
        MeetingRow.ends_at,
        MeetingRow.created_at,
        MeetingRow.space_id,
        MeetingPrincipalRow.party_id,
    )
    .outerjoin(MeetingPrincipalRow, MeetingPrincipalRow.meeting_id == MeetingRow.id)
    .where(
        MeetingRow.event_id == bindparam("event_id"),
        MeetingRow.revision > bindparam("revision"),
    )
)
# Bound where nothing is kept: every meeting has a revision above it.
_NOTHING_KEPT = -1


def forget() -> None:
    """Drop every kept schedule (tests that replace the database under a running process)."""
    with _lock:
        _kept.clear()


def entries(session: Session, event: EventRow) -> Entries:
    """The event's scheduled meetings as of ``event``'s revision, read in ``session`` after the
    event's row: a meeting committed in between is read too and kept under the older revision,
    which the next read brings again; one numbered up to it is never missed."""
    where = (str(session.get_bind().engine.url), event.id)
    with _lock:
        kept = _kept.get(where)
    if kept is not None and (kept.created_at, kept.revision) == (event.created_at, event.revision):
        return kept
    # Another event made under the same id, or a revision lower than the kept one (a database
    # made anew): everything is read again.
    if kept is not None and (kept.created_at != event.created_at or kept.revision > event.revision):
        kept = None
    since = _NOTHING_KEPT if kept is None else kept.revision
    found = session.execute(_WRITTEN_SINCE, {"event_id": event.id, "revision": since}).all()
    by_meeting = {} if kept is None else dict(kept.by_meeting)
    _apply(by_meeting, found)
    ordered = tuple(entry for _, entry in sorted(by_meeting.values(), key=lambda kv: kv[0]))
    updated = Entries(event.created_at, event.revision, by_meeting, ordered)
    # Kept only from a read transaction, as the placement's state is (``event_state._keep``):
    # a writer's transaction sees its own writes, which may yet roll back and their revision
    # then be reused by another writer's.
    if not session.info.get("reading", False):
        return updated
    with _lock:
        current = _kept.get(where)
        if (
            current is None
            or current.created_at != updated.created_at
            or current.revision <= updated.revision
        ):
            _kept[where] = updated
    return updated


def _apply(
    by_meeting: dict[int, tuple[tuple[datetime, datetime, int], Entry]],
    found: Iterable[tuple[int, datetime | None, datetime | None, datetime, str | None, str | None]],
) -> None:
    """The meetings read (a row per principal) written over ``by_meeting``: one taken off the
    schedule (no start) leaves it."""
    parties: dict[int, set[str]] = {}
    rows: dict[int, tuple[datetime | None, datetime | None, datetime, str | None]] = {}
    for meeting_id, starts_at, ends_at, created_at, space_id, party_id in found:
        rows[meeting_id] = (starts_at, ends_at, created_at, space_id)
        theirs = parties.setdefault(meeting_id, set())
        if party_id is not None:
            theirs.add(party_id)
    for meeting_id, (starts_at, ends_at, created_at, space_id) in rows.items():
        if starts_at is None or ends_at is None:
            by_meeting.pop(meeting_id, None)
            continue
        entry = Entry(meeting_id, starts_at, ends_at, space_id, tuple(sorted(parties[meeting_id])))
        by_meeting[meeting_id] = ((starts_at, created_at, meeting_id), entry)
