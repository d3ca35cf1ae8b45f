"""The outbox: every message a change owes to people is written in that change's transaction.

Services write what happened as they always have: audit entries (addressed to the delegations
they concern) and change notices (one per delegation told). This module listens to the ORM
session: what a transaction added to those two logs is turned into outbox rows, one per
receiver (a user with an e-mail address, a webhook), just before the transaction commits. So
a message exists exactly when its change does, nothing is sent while the request waits, and a
failing mail server cannot fail the request. ``sidelines worker`` delivers the rows
(``services.delivery``).

Who receives what follows the visibility of the logs themselves (``services.audit``): an entry
goes to the delegations of its audience other than the one that acted, and to the organiser
only where the event's policy lets it read the entry; a notice goes to its delegation.
Nothing else is read: a message says no more than the entry or notice its receiver may read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, bindparam, event, insert, literal, or_, select, union_all
from sqlalchemy.orm import Session

from sidelines.domain import OrganiserSees
from sidelines.services.clock import now
from sidelines.storage.tables import (
    AuditAudienceRow,
    AuditRow,
    EventRow,
    MessagePreferenceRow,
    NoticeRow,
    OutboxRow,
    UserRow,
    WebhookRow,
)

# What a person can subscribe to (issue: "new request, answer, placed, moved, cancelled,
# reminder"), in the order the preference page lists them.
KINDS = ("new_request", "answer", "placed", "moved", "cancelled", "reminder")

# Audit actions that become messages, by kind. An answer is any step of the other side in
# the negotiation; a withdrawn request is, for the invitee, a cancelled one.
ENTRY_KINDS = {
    "request.sent": "new_request",
    "request.accept": "answer",
    "request.counter": "answer",
    "request.defer": "answer",
    "request.soft_decline": "answer",
    "request.decline": "answer",
    "request.terms": "answer",
    "request.withdrawn": "cancelled",
    "meeting.cancelled": "cancelled",
    # A change at the venue (a session running over, a principal leaving early, a room
    # closed) changes its delegations' day even where no meeting moves, so no change notice
    # tells of it: followed as the changes of their meetings are.
    "onsite_change.reported": "moved",
}
# Change notices by kind; any other kind of notice (one that later code adds) is a change of
# the delegation's meeting, which people follow as "moved". A cancellation's notice is no
# message: its audit entry (``meeting.cancelled``) already tells the other side, once.
NOTICE_KINDS: dict[str, str | None] = {
    "placed": "placed",
    "moved": "moved",
    "unplaced": "moved",
    "cancelled": None,
}
CHANGED = "moved"

PENDING, SENT, DROPPED, FAILED = "pending", "sent", "dropped", "failed"
EMAIL, WEBHOOK = "email", "webhook"

_PENDING_KEY = "sidelines.outbox"


def notice_kind(kind: str) -> str | None:
    return NOTICE_KINDS.get(kind, CHANGED)


@dataclass
class _Pending:
    """What this transaction added to the logs, gathered as it is flushed."""

    entries: list[AuditRow]
    audiences: dict[int, set[str]]
    notices: list[NoticeRow]


@dataclass(frozen=True)
class Recipient:
    """A user who asked for e-mail, with the preferences that decide when it goes."""

    user_id: int
    party_id: str | None  # None: an organiser
    kinds: frozenset[str]
    digest_min: int


@dataclass(frozen=True)
class Hook:
    """An active webhook, with what decides which messages it is sent."""

    id: int
    party_id: str | None  # None: the organiser's
    kinds: frozenset[str]


@event.listens_for(Session, "after_flush")
def _gather(session: Session, _context: Any) -> None:
    entries = [o for o in session.new if isinstance(o, AuditRow) and o.action in ENTRY_KINDS]
    audiences = [o for o in session.new if isinstance(o, AuditAudienceRow)]
    notices = [o for o in session.new if isinstance(o, NoticeRow)]
    if not (entries or audiences or notices):
        return
    pending = session.info.setdefault(_PENDING_KEY, _Pending([], {}, []))
    pending.entries.extend(entries)
    for row in audiences:
        pending.audiences.setdefault(row.entry_id, set()).add(row.party_id)
    pending.notices.extend(notices)


def owe(
    session: Session,
    entries: Sequence[AuditRow],
    audience: Sequence[AuditAudienceRow],
    notices: Sequence[NoticeRow],
) -> None:
    """What the transaction wrote to the logs with plain statements rather than through the
    session (whose flush ``_gather`` reads): the same messages are owed for it at the commit."""
    pending = session.info.setdefault(_PENDING_KEY, _Pending([], {}, []))
    pending.entries.extend(e for e in entries if e.action in ENTRY_KINDS)
    for row in audience:
        pending.audiences.setdefault(row.entry_id, set()).add(row.party_id)
    pending.notices.extend(notices)


@event.listens_for(Session, "before_commit")
def _write_outbox(session: Session) -> None:
    session.flush()  # the audience rows added since the last flush
    pending: _Pending | None = session.info.pop(_PENDING_KEY, None)
    if pending is None or not (pending.entries or pending.notices):
        return
    for event_id in sorted(
        {e.event_id for e in pending.entries} | {n.event_id for n in pending.notices}
    ):
        enqueue(
            session,
            event_id,
            [e for e in pending.entries if e.event_id == event_id],
            pending.audiences,
            [n for n in pending.notices if n.event_id == event_id],
        )


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)


# Every write with audit entries asks who receives its messages, so the question is one
# statement, built once with the event as a parameter: building a statement and its cache key
# anew costs more CPU than running it. Its two halves, the event's users with an e-mail address
# (its delegations' members and organisers) and its active webhooks, come in one round trip.
_USER, _WEBHOOK = "user", "webhook"
_RECEIVERS = union_all(
    select(
        literal(_USER).label("receiver"),
        UserRow.id,
        UserRow.role,
        UserRow.party_id,
        MessagePreferenceRow.kinds,
        MessagePreferenceRow.digest_min,
    )
    .join(MessagePreferenceRow, MessagePreferenceRow.user_id == UserRow.id)
    .where(
        MessagePreferenceRow.email.is_not(None),
        or_(UserRow.event_id == bindparam("event_id"), UserRow.role == "organiser"),
    ),
    select(
        literal(_WEBHOOK),
        WebhookRow.id,
        literal(None, String),
        WebhookRow.party_id,
        WebhookRow.kinds,
        literal(0),
    ).where(WebhookRow.event_id == bindparam("event_id"), WebhookRow.active),
)
_WEBHOOKS = select(WebhookRow).where(
    WebhookRow.event_id == bindparam("event_id"), WebhookRow.active
)


def receivers(session: Session, event_id: str) -> tuple[list[Recipient], list[Hook]]:
    """Who receives the messages of an event's changes: its users with an e-mail address (its
    delegations' members and organisers) and its active webhooks, read in one statement."""
    people: list[Recipient] = []
    hooks: list[Hook] = []
    for receiver, row_id, role, party, kinds, digest_min in session.execute(
        _RECEIVERS, {"event_id": event_id}
    ):
        if receiver == _WEBHOOK:
            hooks.append(Hook(row_id, party, frozenset(kinds)))
        else:
            people.append(
                Recipient(
                    row_id, party if role != "organiser" else None, frozenset(kinds), digest_min
                )
            )
    return people, hooks


def webhooks(session: Session, event_id: str) -> list[WebhookRow]:
    return list(session.scalars(_WEBHOOKS, {"event_id": event_id}))


def digest_due(at: datetime, digest_min: int) -> datetime:
    """The end of the digest period ``at`` falls in: digests go out on the period's edge."""
    period = timedelta(minutes=digest_min)
    epoch = datetime(2000, 1, 1, tzinfo=at.tzinfo)
    return epoch + ((at - epoch) // period + 1) * period


def enqueue(
    session: Session,
    event_id: str,
    entries: Sequence[AuditRow],
    audiences: dict[int, set[str]],
    notices: Sequence[NoticeRow],
) -> int:
    """Write the outbox rows for what one transaction added to an event's logs; the count."""
    # Here, not at the top: ``audit`` imports this module, so that every service that writes a
    # change installs the listeners above.
    from sidelines.services.audit import BOOKING_ACTIONS

    people, hooks = receivers(session, event_id)
    if not (people or hooks):
        return 0
    event_row = session.get(EventRow, event_id)
    sees_everything = event_row is not None and event_row.organiser_sees == OrganiserSees.EVERYTHING
    rows: list[dict[str, Any]] = []
    created = now()

    def add(
        source: dict[str, Any], kind: str, parties: Iterable[str | None], skip: int | None
    ) -> None:
        told = set(parties)
        name = "-".join(f"{k}{v}" for k, v in source.items())
        for person in people:
            if person.party_id in told and person.user_id != skip and kind in person.kinds:
                digest = person.digest_min > 0
                rows.append(
                    _row(
                        f"{name}:user{person.user_id}",
                        event_id,
                        EMAIL,
                        kind,
                        source,
                        person.party_id,
                        created,
                        digest_due(created, person.digest_min) if digest else created,
                        user_id=person.user_id,
                        digest=digest,
                    )
                )
        for hook in hooks:
            if hook.party_id in told and kind in hook.kinds:
                rows.append(
                    _row(
                        f"{name}:webhook{hook.id}",
                        event_id,
                        WEBHOOK,
                        kind,
                        source,
                        hook.party_id,
                        created,
                        created,
                        webhook_id=hook.id,
                    )
                )

    for entry in entries:
        parties: set[str | None] = {
            p for p in audiences.get(entry.id, set()) if p != entry.actor_party
        }
        if entry.action in BOOKING_ACTIONS or sees_everything:
            parties.add(None)
        add({"entry": entry.id}, ENTRY_KINDS[entry.action], parties, entry.actor_user_id)
    for notice in notices:
        kind = notice_kind(notice.kind)
        if kind is not None:
            add({"notice": notice.id}, kind, {notice.party_id}, None)
    if rows:
        # One multi-row INSERT: a publish writes thousands of these in its transaction.
        session.execute(insert(OutboxRow), rows)
    return len(rows)


def _row(
    key: str,
    event_id: str,
    channel: str,
    kind: str,
    source: dict[str, Any],
    party_id: str | None,
    created: datetime,
    due: datetime,
    **receiver: Any,
) -> dict[str, Any]:
    return {
        "key": key,
        "event_id": event_id,
        "channel": channel,
        "kind": kind,
        "source": source,
        "party_id": party_id,
        "status": PENDING,
        "due_at": due,
        "attempts": 0,
        "created_at": created,
        "digest": False,
        "user_id": None,
        "webhook_id": None,
        **receiver,
    }
