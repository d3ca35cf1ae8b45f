from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from sidelines.services import scheduling
from sidelines.services.scheduling import ScheduleView, SolveRunView
from sidelines.web.deps import ActorDep, DbDep, UserDep
from sidelines.web.schemas import (
    EntryPublic,
    NoticePublic,
    SchedulePublic,
    SolveCreate,
    SolvePublic,
)

router = APIRouter(prefix="/api/events/{event_id}", tags=["schedule"])


def solve_public(view: SolveRunView) -> SolvePublic:
    return SolvePublic(
        id=view.id,
        event_id=view.event_id,
        status=view.status,
        started_at=view.started_at,
        finished_at=view.finished_at,
        progress=view.progress,
        result=view.result,
    )


def schedule_public(view: ScheduleView) -> SchedulePublic:
    return SchedulePublic(
        version=view.version,
        published_at=view.published_at,
        entries=[
            EntryPublic(
                meeting_id=e.meeting_id,
                starts_at=e.starts_at,
                ends_at=e.ends_at,
                space_id=e.space_id,
                parties=list(e.parties),
            )
            for e in view.entries
        ],
    )


@router.post("/solves", status_code=202)
def start_solve(event_id: str, body: SolveCreate, db: DbDep, actor: UserDep) -> SolvePublic:
    """Start a batch solve of the agreed meetings in the background (one per event at a time)."""
    return solve_public(scheduling.start_solve(db, actor, event_id, time_limit_s=body.time_limit_s))


@router.get("/solves/{run_id}")
def get_solve(event_id: str, run_id: int, db: DbDep, actor: UserDep) -> SolvePublic:
    return solve_public(scheduling.get_run(db, actor, event_id, run_id))


@router.post("/solves/{run_id}/publish")
def publish(event_id: str, run_id: int, db: DbDep, actor: UserDep) -> SchedulePublic:
    """Make a finished solve the published schedule; affected delegations get change notices."""
    return schedule_public(scheduling.publish(db, actor, event_id, run_id))


@router.get("/schedule")
def schedule(event_id: str, db: DbDep, actor: ActorDep) -> SchedulePublic:
    return schedule_public(scheduling.schedule(db, actor, event_id))


@router.get("/notices")
def notices(
    event_id: str,
    db: DbDep,
    actor: UserDep,
    after: Annotated[int | None, Query(ge=0)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> list[NoticePublic]:
    return [
        NoticePublic(
            id=n.id,
            version=n.version,
            meeting_id=n.meeting_id,
            kind=n.kind,
            before=n.before,
            after=n.after,
            created_at=n.created_at,
        )
        for n in scheduling.notices(db, actor, event_id, after=after, limit=limit)
    ]
