from __future__ import annotations

from fastapi import APIRouter

from sidelines.services import meetings
from sidelines.services.meetings import MeetingView
from sidelines.web.deps import ActorDep, DbDep, UserDep
from sidelines.web.schemas import AgendaItemPublic, MeetingPublic, StatusUpdate

router = APIRouter(prefix="/api/events/{event_id}", tags=["meetings"])


def public(view: MeetingView) -> MeetingPublic:
    return MeetingPublic(
        id=view.id,
        event_id=view.event_id,
        status=view.status,
        format=view.format,
        duration_min=view.duration_min,
        starts_at=view.starts_at,
        ends_at=view.ends_at,
        space_id=view.space_id,
        parties=list(view.parties),
        principals=list(view.principals),
        topics=list(view.topics) if view.topics is not None else None,
        request_id=view.request_id,
    )


@router.get("/meetings")
def list_meetings(event_id: str, db: DbDep, actor: ActorDep) -> list[MeetingPublic]:
    return [public(v) for v in meetings.list_meetings(db, actor, event_id)]


@router.get("/meetings/{meeting_id}")
def get_meeting(event_id: str, meeting_id: int, db: DbDep, actor: ActorDep) -> MeetingPublic:
    return public(meetings.get_meeting(db, actor, event_id, meeting_id))


@router.post("/meetings/{meeting_id}/status")
def set_status(
    event_id: str, meeting_id: int, body: StatusUpdate, db: DbDep, actor: UserDep
) -> MeetingPublic:
    """Record that a meeting was held, held as another format, cancelled or not held."""
    return public(meetings.set_status(db, actor, event_id, meeting_id, body.status))


@router.get("/agenda")
def agenda(event_id: str, db: DbDep, actor: UserDep) -> list[AgendaItemPublic]:
    """This delegation's scheduled meetings and its programme sessions, in time order."""
    return [
        AgendaItemPublic(
            kind=item.kind,
            title=item.title,
            starts_at=item.starts_at,
            ends_at=item.ends_at,
            where=item.where,
            meeting_id=item.meeting_id,
        )
        for item in meetings.agenda(db, actor, event_id)
    ]
