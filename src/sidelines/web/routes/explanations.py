"""Why a meeting is not on the schedule: the facts that block it."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from sidelines.services import explanations
from sidelines.services.explanations import ExplanationView
from sidelines.web.bounds import PathId
from sidelines.web.deps import ActorDep, DbDep

router = APIRouter(prefix="/api/events/{event_id}", tags=["meetings"])


class FactPublic(BaseModel):
    kind: str  # window, absent, unavailable, programme, meeting, no_room, rooms, policy, ...
    text: str


class ExplanationPublic(BaseModel):
    meeting_id: PathId
    scheduled: bool
    summary: str
    facts: list[FactPublic]
    text: str  # the summary and the facts in one sentence


@router.get("/meetings/{meeting_id}/explanation")
def get_explanation(
    event_id: str, meeting_id: PathId, db: DbDep, actor: ActorDep
) -> ExplanationPublic:
    """Why the meeting has no time yet (or where it is): its sides and the organiser only."""
    return explanation_public(explanations.meeting_explanation(db, actor, event_id, meeting_id))


def explanation_public(view: ExplanationView) -> ExplanationPublic:
    return ExplanationPublic(
        meeting_id=view.meeting_id,
        scheduled=view.scheduled,
        summary=view.summary,
        facts=[FactPublic(kind=str(fact.kind), text=fact.text) for fact in view.facts],
        text=view.text,
    )
