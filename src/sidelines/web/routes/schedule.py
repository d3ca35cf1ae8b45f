from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from sidelines.services import negotiation, preview, scheduling
from sidelines.services.scheduling import (
    AlternativeView,
    MovedView,
    PlacementView,
    ScheduleView,
    SolveRunView,
)
from sidelines.web.bounds import DB_ID_MAX, DbId, PathId
from sidelines.web.deps import ActorDep, DbDep, QueueSolvesDep, UserDep
from sidelines.web.errors import fields_in
from sidelines.web.preview_schemas import MAX_KEPT_OUT, PreviewPublic, PublishCreate, preview_public
from sidelines.web.routes.requests import public as request_public
from sidelines.web.schemas import (
    EntryPublic,
    NoticePublic,
    RequestPublic,
    SchedulePublic,
    SolveCreate,
    SolvePublic,
)

router = APIRouter(prefix="/api/events/{event_id}", tags=["schedule"])


class MovedPublic(BaseModel):
    """A meeting that moves: ``[starts_at, ends_at, space_id]`` before and after (null: it
    loses its place)."""

    meeting_id: PathId
    before: list[Any]
    after: list[Any] | None


class AlternativePublic(BaseModel):
    """A way to hold a meeting that fits nowhere as agreed, for the organiser to decide."""

    kind: str
    summary: str
    starts_at: datetime
    ends_at: datetime
    space_id: str | None
    format: str | None
    duration_min: int
    moves: list[MovedPublic]


class PlacementPublic(BaseModel):
    meeting_id: PathId
    placed: bool
    starts_at: datetime | None
    ends_at: datetime | None
    space_id: str | None
    version: int | None
    moved: list[MovedPublic]
    reason: str | None
    alternatives: list[AlternativePublic]


class OnSiteAgreementPublic(BaseModel):
    request: RequestPublic
    placement: PlacementPublic | None


def moved_public(views: list[MovedView]) -> list[MovedPublic]:
    return [MovedPublic(meeting_id=m.meeting_id, before=m.before, after=m.after) for m in views]


def alternative_public(view: AlternativeView) -> AlternativePublic:
    return AlternativePublic(
        kind=view.kind,
        summary=view.summary,
        starts_at=view.starts_at,
        ends_at=view.ends_at,
        space_id=view.space_id,
        format=view.format,
        duration_min=view.duration_min,
        moves=moved_public(view.moves),
    )


def placement_public(view: PlacementView) -> PlacementPublic:
    return PlacementPublic(
        meeting_id=view.meeting_id,
        placed=view.placed,
        starts_at=view.starts_at,
        ends_at=view.ends_at,
        space_id=view.space_id,
        version=view.version,
        moved=moved_public(view.moved),
        reason=view.reason,
        alternatives=[alternative_public(a) for a in view.alternatives],
    )


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
def start_solve(
    event_id: str, body: SolveCreate, db: DbDep, actor: UserDep, queue: QueueSolvesDep
) -> SolvePublic:
    """Start a batch solve of the agreed meetings in the background (one per event at a time).
    Once a version is published it re-plans against it: ``stability`` keep, minimal (the
    default, moving at most ``max_moves`` published meetings) or free."""
    with fields_in("body"):
        view = scheduling.start_solve(
            db,
            actor,
            event_id,
            time_limit_s=body.time_limit_s,
            stability=body.stability,
            max_moves=body.max_moves,
            queue=queue,
        )
    return solve_public(view)


@router.get("/solves/{run_id}")
def get_solve(event_id: str, run_id: PathId, db: DbDep, actor: UserDep) -> SolvePublic:
    return solve_public(scheduling.get_run(db, actor, event_id, run_id))


@router.get("/solves/{run_id}/preview")
def preview_solve(
    event_id: str,
    run_id: PathId,
    db: DbDep,
    actor: UserDep,
    keep_out: Annotated[list[DbId], Query(max_length=MAX_KEPT_OUT)] = [],  # noqa: B006
) -> PreviewPublic:
    """What publishing a finished solve would change against the published version: meetings
    added, moved and left out, the delegations that would get a notice, and the totals.
    ``keep_out`` (repeated) previews keeping those meetings as published."""
    with fields_in("query"):
        return preview_public(preview.preview(db, actor, event_id, run_id, keep_out=keep_out))


@router.post("/solves/{run_id}/publish")
def publish(
    event_id: str, run_id: PathId, body: PublishCreate, db: DbDep, actor: UserDep
) -> SchedulePublic:
    """Make a finished solve the published schedule, once the organiser confirmed its preview
    (``confirm``: the preview's ``digest``); meetings in ``keep_out`` stay as published.
    Affected delegations get change notices. 409 ``preview_changed`` when the preview no longer
    holds, 409 ``rules_broken`` (with ``rules``) when the meetings kept out conflict; nothing is
    written then."""
    with fields_in("body"):
        view = scheduling.publish(
            db, actor, event_id, run_id, keep_out=body.keep_out, confirm=body.confirm
        )
    return schedule_public(view)


@router.post("/requests/{request_id}/agreed-on-site")
def agreed_on_site(
    event_id: str, request_id: PathId, db: DbDep, actor: UserDep
) -> OnSiteAgreementPublic:
    """Both sides agreed in person: the meeting is agreed and placed into the published schedule
    at once, moving as few unfrozen meetings as it must; where it fits nowhere, the placement
    lists the alternatives for the organiser."""
    view, placement = negotiation.agree_on_site(db, actor, event_id, request_id)
    return OnSiteAgreementPublic(
        request=request_public(view),
        placement=placement_public(placement) if placement is not None else None,
    )


@router.get("/schedule")
def schedule(event_id: str, db: DbDep, actor: ActorDep) -> SchedulePublic:
    return schedule_public(scheduling.schedule(db, actor, event_id))


@router.get("/notices")
def notices(
    event_id: str,
    db: DbDep,
    actor: UserDep,
    after: Annotated[int | None, Query(ge=0, le=DB_ID_MAX)] = None,
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
            summary=n.summary,
        )
        for n in scheduling.notices(db, actor, event_id, after=after, limit=limit)
    ]
