"""Reading the audit trail: a delegation its own entries, the organiser its share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sidelines.services.actors import Actor
from sidelines.services.audit import readable_detail
from sidelines.services.errors import Forbidden
from sidelines.services.events import event_row
from sidelines.services.visibility import (
    audit_entries_seen_by,
    organiser_sees_everything,
    takes_part,
)
from sidelines.storage.db import Database


@dataclass(frozen=True, slots=True)
class AuditEntryView:
    """One entry as its reader may see it (``audit.readable_detail``)."""

    id: int
    at: datetime
    actor_party: str | None
    action: str
    subject_type: str
    subject_id: str
    channel: str
    detail: dict[str, Any]


def read_trail(
    db: Database, actor: Actor, event_id: str, *, after: int | None, limit: int
) -> list[AuditEntryView]:
    """A delegation's own trail; the organiser's share of the event's trail; ``limit`` entries
    after the entry ``after``, in the order they were appended."""
    party = actor.acts_for(event_id)
    if not takes_part(actor, event_id):
        raise Forbidden("the audit trail belongs to the delegations and the organiser")
    with db.reading() as session:
        event_row(session, event_id)
        everything = organiser_sees_everything(session, event_id)
        query = audit_entries_seen_by(session, event_id, party, everything, after)
        return [
            AuditEntryView(
                id=row.id,
                at=row.at,
                actor_party=row.actor_party,
                action=row.action,
                subject_type=row.subject_type,
                subject_id=row.subject_id,
                channel=row.channel,
                detail=readable_detail(row, party),
            )
            for row in session.scalars(query.limit(limit))
        ]
