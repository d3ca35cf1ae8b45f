"""The audit trail: every state change, appended with who, when, what and through which channel.

Entries are only ever inserted (the database refuses UPDATE and DELETE). Each entry names its
audience: the delegations it concerns, who alone may read it. The organiser reads entries about
bookings, and everything where the event's policy says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

# Whatever writes an audit entry or a change notice fills the outbox in the same transaction:
# importing the outbox installs its listeners.
from sidelines.services import outbox
from sidelines.services.actors import Actor
from sidelines.services.clock import now
from sidelines.storage.inserts import insert_at_once, table_of, values_of
from sidelines.storage.tables import AuditAudienceRow, AuditRow, NoticeRow, random_id

# Actions the organiser reads even when the event's policy shows it bookings only.
BOOKING_ACTIONS = frozenset(
    {
        "meeting.scheduled",
        "meeting.unscheduled",
        "schedule.published",
        # The organiser's own edits of the schedule (a move, a swap, a lock).
        "schedule.edited",
        "solve.started",
        # The organiser's own setup of the event.
        "event.policy_set",
        "event.created",
        "event.setup_changed",
        "login.created",
        "login.revoked",
        # What the organiser reported at the venue (a departure, an overrun, a closed space).
        "onsite_change.reported",
    }
)

# Details only the entry's audience (the sides) may read: the words of a refusal are for the
# other side alone (DESIGN.md §2), whatever else the organiser's policy lets it read.
SIDES_ONLY_DETAIL = frozenset({"answer_reason"})


def record(
    session: Session,
    actor: Actor,
    event_id: str,
    action: str,
    subject_type: str,
    subject_id: object,
    audience: tuple[str, ...] | list[str] = (),
    **detail: Any,
) -> AuditRow:
    rows = entry(actor, event_id, action, subject_type, subject_id, audience, **detail)
    session.add_all(rows)
    return rows[0]  # type: ignore[return-value]


def entry(
    actor: Actor,
    event_id: str,
    action: str,
    subject_type: str,
    subject_id: object,
    audience: tuple[str, ...] | list[str] = (),
    **detail: Any,
) -> list[AuditRow | AuditAudienceRow]:
    """The rows ``record`` adds, stamped now, for a caller that adds them later: the entry,
    then its audience."""
    # The id is drawn here rather than on insert, so that the audience rows can name it with
    # no flush: the transaction's last flush inserts all its entries in one statement.
    made = AuditRow(
        id=random_id(),
        event_id=event_id,
        at=now(),
        actor_user_id=actor.user_id,
        actor_party=actor.acts_for(event_id),
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        channel=actor.channel,
        detail=detail,
    )
    return [
        made,
        *(AuditAudienceRow(entry_id=made.id, party_id=party) for party in sorted(set(audience))),
    ]


def insert_all(
    session: Session,
    rows: Sequence[AuditRow | AuditAudienceRow],
    notices: Sequence[NoticeRow] = (),
) -> None:
    """Write entries (``entry``'s rows, never added to the session) and change notices with
    plain INSERTs (``inserts.insert_at_once``: one statement on PostgreSQL), and owe their
    messages (``outbox.owe``). For the writes with many rows a change makes at once (a
    booking, a schedule version): the ORM's unit of work costs more CPU than the statements
    themselves there (docs/benchmarks.md, issue 14)."""
    entries = [row for row in rows if isinstance(row, AuditRow)]
    audience = [row for row in rows if isinstance(row, AuditAudienceRow)]
    # The entries before their audience, which names them.
    insert_at_once(
        session,
        [
            (_ENTRIES, [values_of(row) for row in entries]),
            (_NOTICES, [values_of(row) for row in notices]),
            (_AUDIENCE, [values_of(row) for row in audience]),
        ],
    )
    outbox.owe(session, entries, audience, notices)


def owe(session: Session, rows: Sequence[AuditRow | AuditAudienceRow]) -> None:
    """Owe the messages of entries (``entry``'s rows) that the caller writes itself, with
    other rows of its transaction in one statement (``storage.inserts.insert_together``)."""
    outbox.owe(
        session,
        [row for row in rows if isinstance(row, AuditRow)],
        [row for row in rows if isinstance(row, AuditAudienceRow)],
        (),
    )


_ENTRIES = table_of(AuditRow)
_AUDIENCE = table_of(AuditAudienceRow)
_NOTICES = table_of(NoticeRow)


def readable_detail(entry: AuditRow, party_id: str | None) -> dict[str, Any]:
    """The entry's detail as a reader may see it: a side (in the entry's audience, as
    ``visibility.audit_entries_seen_by`` ensures) reads all of it; the organiser not the
    sides' own words."""
    if party_id is not None:
        return dict(entry.detail)
    return {key: value for key, value in entry.detail.items() if key not in SIDES_ONLY_DETAIL}
