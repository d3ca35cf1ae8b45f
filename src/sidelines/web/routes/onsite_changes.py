"""Changes at the venue: an earlier departure, a session that overruns, a space taken away.
The organiser's alone; each is recorded and absorbed into the published schedule at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from sidelines.services import onsite_changes
from sidelines.services.actors import Actor
from sidelines.services.idempotency import Once
from sidelines.services.onsite_changes import AbsorbedView
from sidelines.web.deps import DbDep, IdempotencyKey, UserDep
from sidelines.web.idempotent import answer_once
from sidelines.web.onsite_schemas import (
    AbsorbedPublic,
    ClosureCreate,
    DepartureCreate,
    OnsiteChangePublic,
    OverrunCreate,
)

router = APIRouter(prefix="/api/events/{event_id}/onsite-changes", tags=["schedule"])


def _report(
    actor: Actor,
    key: str | None,
    path: str,
    body: BaseModel,
    report: Callable[[Once[AbsorbedView] | None], AbsorbedView],
) -> JSONResponse:
    """Run one report once per ``Idempotency-Key``, its bad fields named from the body."""

    def body_of(view: AbsorbedView) -> dict[str, Any]:
        return AbsorbedPublic.model_validate(view).model_dump(mode="json")

    return answer_once(actor, key, path, body.model_dump(mode="json"), 201, body_of, report)


@router.get("")
def list_changes(event_id: str, db: DbDep, actor: UserDep) -> list[OnsiteChangePublic]:
    """The changes reported at the venue, in the order they were reported."""
    return [
        OnsiteChangePublic.model_validate(v)
        for v in onsite_changes.list_changes(db, actor, event_id)
    ]


@router.post("/departures", status_code=201, response_model=AbsorbedPublic)
def report_departure(
    event_id: str, body: DepartureCreate, db: DbDep, actor: UserDep, key: IdempotencyKey = None
) -> JSONResponse:
    """A principal (or every principal of a party) leaves earlier: its meetings that would end
    later move before the departure, or leave the schedule with alternatives."""
    return _report(
        actor,
        key,
        f"/api/events/{event_id}/onsite-changes/departures",
        body,
        lambda kept: onsite_changes.report_departure(
            db,
            actor,
            event_id,
            leaves_at=body.leaves_at,
            principal_id=body.principal_id,
            party_id=body.party_id,
            once=kept,
        ),
    )


@router.post("/overruns", status_code=201, response_model=AbsorbedPublic)
def report_overrun(
    event_id: str, body: OverrunCreate, db: DbDep, actor: UserDep, key: IdempotencyKey = None
) -> JSONResponse:
    """A programme session runs over: its attendees' meetings in the extra time move."""
    return _report(
        actor,
        key,
        f"/api/events/{event_id}/onsite-changes/overruns",
        body,
        lambda kept: onsite_changes.report_overrun(
            db,
            actor,
            event_id,
            session_id=body.session_id,
            extra_min=body.extra_min,
            once=kept,
        ),
    )


@router.post("/closures", status_code=201, response_model=AbsorbedPublic)
def report_closure(
    event_id: str, body: ClosureCreate, db: DbDep, actor: UserDep, key: IdempotencyKey = None
) -> JSONResponse:
    """A space cannot be used for a span: its meetings then move to another time or space."""
    return _report(
        actor,
        key,
        f"/api/events/{event_id}/onsite-changes/closures",
        body,
        lambda kept: onsite_changes.report_closure(
            db,
            actor,
            event_id,
            space_id=body.space_id,
            start=body.start,
            end=body.end,
            once=kept,
        ),
    )
