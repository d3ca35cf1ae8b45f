from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from sidelines.domain import OrganiserSees
from sidelines.services.audit import readable_detail, trail_query
from sidelines.services.errors import Forbidden
from sidelines.services.events import event_row
from sidelines.web.bounds import DB_ID_MAX
from sidelines.web.deps import DbDep, UserDep
from sidelines.web.schemas import AuditPublic

router = APIRouter(prefix="/api/events/{event_id}", tags=["audit"])


@router.get("/audit")
def audit_trail(
    event_id: str,
    db: DbDep,
    actor: UserDep,
    after: Annotated[int | None, Query(ge=0, le=DB_ID_MAX)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AuditPublic]:
    """A delegation's own trail; the organiser's share of the event's trail."""
    party = actor.acts_for(event_id)
    if party is None and not actor.is_organiser:
        raise Forbidden("the audit trail belongs to the delegations and the organiser")
    with db.reading() as session:
        everything = event_row(session, event_id).organiser_sees == OrganiserSees.EVERYTHING
        query = trail_query(session, event_id, party, everything, after)
        rows = session.scalars(query.limit(limit)).all()
        return [
            AuditPublic(
                id=r.id,
                at=r.at,
                actor_party=r.actor_party,
                action=r.action,
                subject_type=r.subject_type,
                subject_id=r.subject_id,
                channel=r.channel,
                detail=readable_detail(r, party),
            )
            for r in rows
        ]
