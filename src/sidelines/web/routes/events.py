from __future__ import annotations

from fastapi import APIRouter

from sidelines.services.events import event_summaries, event_summary
from sidelines.services.events import programme as event_programme
from sidelines.web.deps import DbDep
from sidelines.web.schemas import EventPublic, ProgrammeItemPublic

router = APIRouter(prefix="/api/events", tags=["events"])


@router.get("")
def events(db: DbDep) -> list[EventPublic]:
    return [EventPublic.model_validate(event) for event in event_summaries(db)]


@router.get("/{event_id}")
def event(event_id: str, db: DbDep) -> EventPublic:
    return EventPublic.model_validate(event_summary(db, event_id))


@router.get("/{event_id}/programme")
def programme(event_id: str, db: DbDep) -> list[ProgrammeItemPublic]:
    """The official programme, public as it is at every summit."""
    return [ProgrammeItemPublic.model_validate(item) for item in event_programme(db, event_id)]
