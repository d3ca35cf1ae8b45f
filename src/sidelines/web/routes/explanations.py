"""Why a meeting is not on the schedule: the facts that block it."""

from __future__ import annotations

from fastapi import APIRouter

from sidelines.services import explanations
from sidelines.web.bounds import PathId
from sidelines.web.deps import ActorDep, DbDep
from sidelines.web.schedule_schemas import ExplanationPublic

router = APIRouter(prefix="/api/events/{event_id}", tags=["meetings"])


@router.get("/meetings/{meeting_id}/explanation")
def get_explanation(
    event_id: str, meeting_id: PathId, db: DbDep, actor: ActorDep
) -> ExplanationPublic:
    """Why the meeting has no time yet (or where it is): its sides and the organiser only."""
    view = explanations.meeting_explanation(db, actor, event_id, meeting_id)
    return ExplanationPublic.model_validate(view)
