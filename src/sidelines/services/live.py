"""What an open page needs to hear about: that something it may see has changed.

A reader follows an event through a cursor over two append-only logs it is allowed to read:
its share of the audit trail (every answer, agreement, placement and status change is appended
there, addressed to the delegations it concerns; the organiser reads its policy's share) and the
change notices sent to its delegation. Both only grow and live in the database, so every worker
process sees a change as soon as it is committed, whichever process wrote it.

A change says only what kind of thing changed and its id, both taken from entries the reader may
read anyway (``GET .../audit``, ``GET .../notices``); the page fetches the thing itself, through
the same visibility checks as always. Nothing about another delegation's business can pass.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from sidelines.services.actors import Actor
from sidelines.services.errors import Forbidden, Unauthenticated
from sidelines.services.events import event_row
from sidelines.services.visibility import (
    audit_entries_seen_by,
    organiser_sees_everything,
    takes_part,
)
from sidelines.storage.db import Database
from sidelines.storage.keyset import in_order, last_of
from sidelines.storage.tables import AuditRow, NoticeRow

# Notices in the order they were sent.
NOTICE_ORDER = (NoticeRow.created_at, NoticeRow.id)

# Changes read per poll at the most; a page that fell further behind just reloads everything.
BATCH = 100


@dataclass(frozen=True, slots=True, order=True)
class Cursor:
    """How far a reader has followed: the last audit entry and change notice it was told of.
    Written ``"<entry>.<notice>"`` (the id of a server-sent event, sent back on reconnection)."""

    entry_id: int = 0
    notice_id: int = 0

    def __str__(self) -> str:
        return f"{self.entry_id}.{self.notice_id}"

    @classmethod
    def parse(cls, text: str | None) -> Cursor | None:
        """The cursor ``text`` names, or None when it names none (the reader starts afresh)."""
        entry, _, notice = (text or "").partition(".")
        if not (entry.isdigit() and notice.isdigit()):
            return None
        return cls(int(entry), int(notice))


@dataclass(frozen=True, slots=True)
class Change:
    """``kind`` is what changed (``request``, ``meeting``, ``interest``, ``contact``,
    ``schedule``, ``solve``, ``notice``…), ``id`` which one; ``cursor`` follows it."""

    kind: str
    id: str
    cursor: Cursor


@dataclass(frozen=True, slots=True)
class _Reader:
    party: str | None
    sees_everything: bool


def _reader(session: Session, actor: Actor, event_id: str) -> _Reader:
    if actor.user_id is None:
        raise Unauthenticated("log in to follow an event")
    event_row(session, event_id)
    party = actor.acts_for(event_id)
    if not takes_part(actor, event_id):
        raise Forbidden("an event's news go to its delegations and its organiser")
    return _Reader(party, organiser_sees_everything(session, event_id))


def current_cursor(db: Database, actor: Actor, event_id: str) -> Cursor:
    """Where ``actor`` stands now; raises when it may not follow the event at all."""
    with db.reading() as session:
        reader = _reader(session, actor, event_id)
        trail = audit_entries_seen_by(session, event_id, reader.party, reader.sees_everything)
        entry_id = last_of(session, trail, AuditRow.at, AuditRow.id) or 0
        notice_id = 0
        if reader.party is not None:
            notice_id = last_of(session, _notices(event_id, reader.party), *NOTICE_ORDER) or 0
    return Cursor(entry_id, notice_id)


def _notices(event_id: str, party: str) -> Select[NoticeRow]:
    return select(NoticeRow).where(NoticeRow.event_id == event_id, NoticeRow.party_id == party)


def changes_since(db: Database, actor: Actor, event_id: str, cursor: Cursor) -> list[Change]:
    """What changed for ``actor`` after ``cursor``, oldest first. A cursor naming an entry or
    notice the reader was never given reads as the start."""
    with db.reading() as session:
        reader = _reader(session, actor, event_id)
        trail = audit_entries_seen_by(
            session, event_id, reader.party, reader.sees_everything, after=cursor.entry_id
        )
        entries = session.scalars(trail.limit(BATCH)).all()
        notices: list[NoticeRow] = []
        if reader.party is not None:
            after = in_order(
                session, _notices(event_id, reader.party), *NOTICE_ORDER, cursor.notice_id
            )
            notices = list(session.scalars(after.limit(BATCH)))
    changes = []
    at = cursor
    for entry in entries:
        at = Cursor(entry.id, at.notice_id)
        changes.append(Change(entry.subject_type, entry.subject_id, at))
    for notice in notices:
        at = Cursor(at.entry_id, notice.id)
        changes.append(Change("notice", str(notice.id), at))
    return changes
