from __future__ import annotations

from fastapi import APIRouter

from sidelines.services.events import domain_event, event_row, list_events
from sidelines.web.deps import DbDep
from sidelines.web.schemas import EventPublic, ProgrammeItemPublic

router = APIRouter(prefix="/api/events", tags=["events"])


@router.get("")
def events(db: DbDep) -> list[EventPublic]:
    return [
        EventPublic(id=e.id, name=e.name, timezone=e.timezone, organiser_sees=e.organiser_sees)
        for e in list_events(db)
    ]


@router.get("/{event_id}")
def event(event_id: str, db: DbDep) -> EventPublic:
    with db.reading() as session:
        row = event_row(session, event_id)
        return EventPublic(
            id=row.id, name=row.name, timezone=row.timezone, organiser_sees=row.organiser_sees
        )


@router.get("/{event_id}/programme")
def programme(event_id: str, db: DbDep) -> list[ProgrammeItemPublic]:
    """The official programme, public as it is at every summit."""
    with db.reading() as session:
        domain = domain_event(session, event_id)
    return [
        ProgrammeItemPublic(
            id=s.id,
            title=s.title,
            kind=str(s.kind),
            starts_at=s.span.start,
            ends_at=s.span.end,
            attendees=sorted(s.attendees),
        )
        for s in sorted(domain.programme, key=lambda s: s.span.start)
    ]
