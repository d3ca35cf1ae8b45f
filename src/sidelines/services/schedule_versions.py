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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.orm import Session, defer

from sidelines.services import (
    audit,
    notice_text,
    published_entries,
    schedule_diff,
)
from sidelines.services.actors import Actor
from sidelines.services.clock import now
from sidelines.services.errors import (
    Forbidden,
    not_found,
)
from sidelines.services.events import (
    domain_event,
    event_row,
)
from sidelines.services.published_entries import Entry
from sidelines.services.versions import own_versions, shown_version
from sidelines.storage.db import Database
from sidelines.storage.inserts import table_of
from sidelines.storage.keyset import in_order
from sidelines.storage.tables import (
    AuditAudienceRow,
    AuditRow,
    EventRow,
    MeetingPrincipalRow,
    MeetingRow,
    NoticeRow,
    ScheduleVersionRow,
    random_id,
)

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


def _schedule_of(session: Session, event_id: str, version: ScheduleVersionRow) -> Snapshot:
    """``schedule_at`` the version's number, with no read when this process remembers that
    very version (its row's id): a version is never written again."""
    with _lock:
        known = _known.get(_where(session, event_id))
    if known is not None and (known.number, known.version_id) == (version.number, version.id):
        return known.schedule
    return schedule_at(session, event_id, version.number)


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


# The reads of every new version, built once with their values as parameters: building a
# statement and its cache key costs about what running it does. The current version (as
# ``current_version`` reads it) with the event's revision, and the meetings written since that
# version (a meeting not written since cannot have moved), a row each (one with none when no
# meeting was): one statement.
_LATEST = (
    select(ScheduleVersionRow.id)
    .where(ScheduleVersionRow.event_id == bindparam("event_id"))
    .order_by(ScheduleVersionRow.number.desc())
    .limit(1)
    .scalar_subquery()
)
_CURRENT_AND_WRITTEN = (
    select(
        ScheduleVersionRow,
        select(EventRow.revision).where(EventRow.id == bindparam("event_id")).scalar_subquery(),
        MeetingRow.id,
        MeetingRow.starts_at,
        MeetingRow.ends_at,
        MeetingRow.space_id,
    )
    .options(defer(ScheduleVersionRow.snapshot))
    .outerjoin(
        MeetingRow,
        (MeetingRow.event_id == ScheduleVersionRow.event_id)
        & (MeetingRow.revision > ScheduleVersionRow.revision),
    )
    .where(ScheduleVersionRow.id == _LATEST)
)
# Written = (meeting id, starts_at, ends_at, space_id) of a meeting written since a version.
Written = tuple[int, datetime | None, datetime | None, str | None]


def next_version(
    session: Session,
    event_id: str,
    previous: ScheduleVersionRow | None,
    *,
    full: bool,
    written: Sequence[Written] = (),
) -> NextVersion:
    """What a version made now would change against ``previous`` (the current one);
    ``written``: the meetings written since it (``_CURRENT_AND_WRITTEN``)."""
    before = _schedule_of(session, event_id, previous) if previous is not None else {}
    if full or previous is None or previous.revision is None:
        after = bookings(session, event_id)
        changed = schedule_diff.changes(before, after)
        if full or previous is None:
            return NextVersion(changed, after, True, after)
    else:
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


@dataclass(frozen=True)
class ScheduleView:
    version: int
    published_at: datetime | None
    entries: list[Entry]


@dataclass(frozen=True)
class NoticeView:
    id: int
    version: int
    meeting_id: int
    kind: str
    before: list[Any] | None
    after: list[Any] | None
    created_at: datetime
    summary: str = ""  # the change in words, as its delegation reads it (``notice_text``)


def current_version(session: Session, event_id: str) -> ScheduleVersionRow | None:
    """The event's latest version, without its stored schedule (read if asked for): the callers
    want its number, id and revision, and a publish's stores the whole schedule."""
    return session.scalars(
        select(ScheduleVersionRow)
        .options(defer(ScheduleVersionRow.snapshot))
        .where(ScheduleVersionRow.event_id == event_id)
        .order_by(ScheduleVersionRow.number.desc())
        .limit(1)
    ).first()


def new_version(
    session: Session,
    actor: Actor,
    event_id: str,
    reason: str,
    *,
    kinds: Mapping[int, str] | None = None,
    full: bool = False,
    parties: Mapping[int, tuple[str, ...]] | None = None,
    entries: Sequence[AuditRow | AuditAudienceRow] = (),
) -> int:
    """Record the schedule as it now stands and notify every delegation it changed for.
    ``kinds`` names what a change was where the placement alone does not say it (a meeting
    that left the schedule as a no-show, one placed in freed time and awaiting confirmation).
    The version stores what changed (``schedule_versions``); with ``full`` (a publish), and
    for the event's first, the whole schedule. ``parties``: the parties of meetings the caller read
    already (``parties_of``), not read again. ``entries``: the caller's audit entries
    (``audit.entry``), written with the version's own. The rows are inserted a table at a time,
    with plain statements (``audit.insert_all``)."""
    # The current version and the event's revision in one statement; the revision is the one
    # the version records, read after this transaction's bookings (the query flushes them
    # first), which raised it.
    found = session.execute(_CURRENT_AND_WRITTEN, {"event_id": event_id}).all()
    previous: ScheduleVersionRow | None = found[0][0] if found else None
    revision = (found[0][1] or 0) if found else event_revision(session, event_id)
    number = (previous.number if previous else 0) + 1
    written = [(m, starts, ends, space) for _, _, m, starts, ends, space in found if m is not None]
    following = next_version(session, event_id, previous, full=full, written=written)
    version_id = random_id()
    session.execute(
        _INSERT_VERSION,
        {
            "id": version_id,
            "event_id": event_id,
            "number": number,
            "published_at": now(),
            "published_by": actor.user_id,
            "reason": reason,
            "snapshot": following.stored,
            "full": following.full,
            "revision": revision,
        },
    )
    remember(session, event_id, number, version_id, following.schedule)
    changed = following.changed
    known = parties or {}
    links = {
        **known,
        **parties_of(session, [c.meeting_id for c in changed if c.meeting_id not in known]),
    }
    created = now()
    notices = [
        NoticeRow(
            # Drawn here rather than on insert: the notices then go in with one executemany,
            # with no ids to return.
            id=random_id(),
            event_id=event_id,
            party_id=party,
            version=number,
            meeting_id=change.meeting_id,
            kind=(kinds or {}).get(change.meeting_id, change.kind),
            before=change.before,
            after=change.after,
            created_at=created,
        )
        for change in changed
        for party in links.get(change.meeting_id, ())
    ]
    published = audit.entry(
        actor,
        event_id,
        "schedule.published",
        "schedule",
        number,
        changed=len(changed),
        reason=reason,
    )
    # Plain statements, not the session's unit of work: a version writes a row per notice and
    # per entry, and the unit of work costs more CPU than the statements do.
    audit.insert_all(session, [*entries, *published], notices)
    return number


# Built once: building a statement costs about what running it does.
_INSERT_VERSION = insert(table_of(ScheduleVersionRow))


def parties_of(session: Session, meeting_ids: list[int]) -> dict[int, tuple[str, ...]]:
    """The parties of each meeting, sorted: the delegations a change notice goes to."""
    links: dict[int, set[str]] = {}
    if not meeting_ids:
        return {}
    for meeting_id, party in session.execute(
        select(MeetingPrincipalRow.meeting_id, MeetingPrincipalRow.party_id).where(
            MeetingPrincipalRow.meeting_id.in_(meeting_ids)
        )
    ):
        links.setdefault(meeting_id, set()).add(party)
    return {meeting_id: tuple(sorted(parties)) for meeting_id, parties in links.items()}


def schedule(db: Database, actor: Actor, event_id: str) -> ScheduleView:
    """The current published schedule as this actor may see it."""
    with db.reading() as session:
        row = event_row(session, event_id)
        party = actor.acts_for(event_id)
        if party is None and not actor.is_organiser:
            raise not_found("schedule", event_id)
        version = current_version(session, event_id)
        if version is None:
            return ScheduleView(0, None, [])
        scheduled = published_entries.entries(session, row).ordered
        entries = list(scheduled) if party is None else [e for e in scheduled if party in e.parties]
        if party is not None:
            # A delegation sees the schedule change only when its own meetings change: the
            # version it is shown is the first one, or the last that sent it a notice, numbered
            # in its own count (``versions``), so that nobody learns from a version number that
            # others' meetings moved.
            own = own_versions(session, event_id, party)
            shown = shown_version(session, event_id, own)
            return ScheduleView(own.ordinal(shown.number), shown.published_at, entries)
        return ScheduleView(version.number, version.published_at, entries)


def notices(
    db: Database, actor: Actor, event_id: str, *, after: int | None = None, limit: int = 50
) -> list[NoticeView]:
    party = actor.acts_for(event_id)
    if party is None:
        raise Forbidden("change notices go to delegations")
    with db.reading() as session:
        query = select(NoticeRow).where(NoticeRow.event_id == event_id, NoticeRow.party_id == party)
        query = in_order(session, query, NoticeRow.created_at, NoticeRow.id, after)
        rows = session.scalars(query.limit(max(1, min(limit, 100)))).all()
        own = own_versions(session, event_id, party)
        said = notice_text.summaries(
            domain_event(session, event_id),
            notice_text.labels_of(session, [r.meeting_id for r in rows]),
            [(r.meeting_id, r.kind, r.before, r.after) for r in rows],
            viewer=party,
        )
        return [
            NoticeView(
                r.id,
                own.ordinal(r.version),
                r.meeting_id,
                r.kind,
                r.before,
                r.after,
                r.created_at,
                summary,
            )
            for r, summary in zip(rows, said, strict=True)
        ]


def versions_count(db: Database, event_id: str) -> int:
    with db.reading() as session:
        return (
            session.scalar(select(func.count()).where(ScheduleVersionRow.event_id == event_id)) or 0
        )
