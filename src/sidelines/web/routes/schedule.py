from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from sidelines.services import negotiation, preview, schedule_versions, solves
from sidelines.web.bounds import DB_ID_MAX, FormId, PathId
from sidelines.web.deps import ActorDep, DbDep, QueueSolvesDep, UserDep
from sidelines.web.errors import fields_in
from sidelines.web.freshness import NOT_MODIFIED, answer, tag_of
from sidelines.web.preview_schemas import MAX_KEPT_OUT, PreviewPublic, PublishCreate
from sidelines.web.schedule_json import schedule_json
from sidelines.web.schedule_schemas import OnSiteAgreementPublic, PlacementPublic
from sidelines.web.schemas import (
    NoticePublic,
    RequestPublic,
    SchedulePublic,
    SolveCreate,
    SolvePublic,
    rendered,
)

router = APIRouter(prefix="/api/events/{event_id}", tags=["schedule"])


@router.post("/solves", status_code=202)
def start_solve(
    event_id: str, body: SolveCreate, db: DbDep, actor: UserDep, queue: QueueSolvesDep
) -> SolvePublic:
    """Start a batch solve of the agreed meetings in the background (one per event at a time).
    Once a version is published it re-plans against it: ``stability`` keep, minimal (the
    default, moving at most ``max_moves`` published meetings) or free."""
    with fields_in("body"):
        view = solves.start_solve(
            db,
            actor,
            event_id,
            time_limit_s=body.time_limit_s,
            stability=body.stability,
            max_moves=body.max_moves,
            queue=queue,
        )
    return SolvePublic.model_validate(view)


@router.get("/solves/{run_id}")
def get_solve(event_id: str, run_id: PathId, db: DbDep, actor: UserDep) -> SolvePublic:
    return SolvePublic.model_validate(solves.get_run(db, actor, event_id, run_id))


@router.get("/solves/{run_id}/preview")
def preview_solve(
    event_id: str,
    run_id: PathId,
    db: DbDep,
    actor: UserDep,
    keep_out: Annotated[list[FormId], Query(max_length=MAX_KEPT_OUT)] = [],  # noqa: B006
) -> PreviewPublic:
    """What publishing a finished solve would change against the published version: meetings
    added, moved and left out, the delegations that would get a notice, and the totals.
    ``keep_out`` (repeated) previews keeping those meetings as published."""
    with fields_in("query"):
        view = preview.preview(db, actor, event_id, run_id, keep_out=keep_out)
    return PreviewPublic.model_validate(view)


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
        view = solves.publish(
            db, actor, event_id, run_id, keep_out=body.keep_out, confirm=body.confirm
        )
    return SchedulePublic.model_validate(view)


@router.post("/requests/{request_id}/agreed-on-site", response_model=OnSiteAgreementPublic)
def agreed_on_site(event_id: str, request_id: PathId, db: DbDep, actor: UserDep) -> Response:
    """Both sides agreed in person: the meeting is agreed and placed into the published schedule
    at once, moving as few unfrozen meetings as it must; where it fits nowhere, the placement
    lists the alternatives for the organiser."""
    view, placement = negotiation.agree_on_site(db, actor, event_id, request_id)
    agreement = OnSiteAgreementPublic(
        request=RequestPublic.model_validate(view),
        placement=PlacementPublic.model_validate(placement) if placement is not None else None,
    )
    return rendered(agreement)


@router.get("/schedule", response_model=SchedulePublic, responses=NOT_MODIFIED)
def schedule(
    event_id: str,
    db: DbDep,
    actor: ActorDep,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """The published schedule as this actor may see it: the organiser's whole, a delegation's
    own meetings. The `ETag` changes whenever what this reader is shown does; a client that
    sends it back in `If-None-Match` gets `304 Not Modified` while nothing changed."""
    body = schedule_json(schedule_versions.schedule(db, actor, event_id))
    reader = actor.acts_for(event_id) or "organiser"
    return answer(
        body,
        tag_of(reader, body),
        if_none_match,
        "application/json",
        **{"Cache-Control": "private, no-cache"},
    )


@router.get("/notices")
def notices(
    event_id: str,
    db: DbDep,
    actor: UserDep,
    after: Annotated[int | None, Query(ge=0, le=DB_ID_MAX)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> list[NoticePublic]:
    found = schedule_versions.notices(db, actor, event_id, after=after, limit=limit)
    return [NoticePublic.model_validate(notice) for notice in found]
