from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from sidelines.services.audit_trail import read_trail
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
    entries = read_trail(db, actor, event_id, after=after, limit=limit)
    return [AuditPublic.model_validate(entry) for entry in entries]
